"""An officer's week on one case, in the browser, through the pages only: sign in with two factors,
open a case from a referral, and record a warrant (application, issue, execution), a seized device
and its triage, an arrest, a submission to the CPS and its decision to charge, and a first court date.
Each step asserts what the officer sees."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from cases.models import Case, Offence, Referral
from tests.browser.conftest import browser_test, follow, person_with_app, sign_in
from tests.factories.cases import ReferralFactory

pytestmark = [pytest.mark.browser, *browser_test]

LONDON = ZoneInfo("Europe/London")
TAKE_MAKE = "POCA1978-1-1-a"


def typed(moment: datetime) -> str:
    """What a person types into a date-and-time field: UK local time, to the minute."""
    return moment.astimezone(LONDON).strftime("%Y-%m-%dT%H:%M")


def shown(moment: datetime) -> str:
    """How Safeguard shows a time: 23 Nov 2026 14:05, UK local time."""
    return moment.astimezone(LONDON).strftime("%-d %b %Y %H:%M")


def at_hour(days: int, hour: int) -> datetime:
    """`days` from today (negative: ago) at `hour`:00 UK time."""
    day = timezone.localdate(timezone=LONDON) + timedelta(days=days)
    return datetime(day.year, day.month, day.day, hour, tzinfo=LONDON)


def saved(page, message: str) -> None:
    status = page.get_by_role("status")
    assert message in status.inner_text(), status.inner_text()


@pytest.fixture
def referral(officer):
    return ReferralFactory(
        force=officer.force,
        source_reference="CEOP-2026-4471",
        received_at=at_hour(-6, 9),
        risk_grade=Referral.RiskGrade.HIGH,
        summary="NCMEC CyberTipline report: an account shared indecent images of children.",
        created_by=officer,
    )


def test_an_officer_takes_a_referral_from_case_opening_to_a_court_date(browser_page, officer, supervisor, referral):
    page = browser_page
    offence = Offence.objects.get(code=TAKE_MAKE)

    # Two-factor sign-in: the password, then the code the authenticator app shows now.
    sign_in(page, person_with_app(officer))
    assert page.get_by_role("heading", level=1).inner_text() == "My work"
    cookies = {cookie["name"]: cookie for cookie in page.context.cookies()}
    session = cookies["__Host-safeguard_session"]
    assert session["secure"] and session["httpOnly"], "The session cookie must be secure and hidden from scripts."

    # The referral, and a case opened from it: the form comes filled in.
    follow(page.get_by_role("navigation", name="Main").get_by_role("link", name="Referrals"))
    follow(page.get_by_role("link", name="CEOP-2026-4471"))
    follow(page.get_by_role("link", name="Open a case from this referral"))
    assert page.get_by_label("Summary").input_value() == referral.summary
    page.get_by_label("Supervisor", exact=True).select_option(label=str(supervisor))
    page.get_by_label("Opened at").fill(typed(at_hour(-5, 10)))
    page.get_by_label("Operation").fill("Safenet")
    follow(page.get_by_role("button", name="Open case"))
    saved(page, "Case opened. The referral is marked as developed into an investigation.")
    heading = page.get_by_role("heading", level=1).inner_text()
    assert re.fullmatch(r"Case STF-\d{4}-\d{6}", heading), heading
    reference = heading.removeprefix("Case ")
    assert page.get_by_role("link", name="CEOP-2026-4471").is_visible()

    # The suspect and the premises.
    follow(page.get_by_role("link", name="Add a subject"))
    page.get_by_label("Full name").fill("Daniel Mercer")
    page.get_by_label("PNC ID").fill("09/123456A")
    follow(page.get_by_role("button", name="Save"))
    follow(page.get_by_role("link", name="Add premises"))
    page.get_by_label("Address").fill("14 Larkspur Close\nStafford")
    page.get_by_label("Postcode").fill("ST16 2AA")
    follow(page.get_by_role("button", name="Save"))
    assert page.get_by_role("row", name=re.compile("Daniel Mercer")).is_visible()

    # The warrant: drafted, applied for, issued, executed. The expiry is computed, never typed.
    follow(page.get_by_role("link", name="Apply for a warrant"))
    page.get_by_label("Premises to be searched").select_option(index=1)
    page.get_by_label("Power").select_option(label="Protection of Children Act 1978 s.4")
    page.get_by_label("Entries authorised").select_option(label="Single entry")
    page.get_by_label("Court applied to").fill("North Staffordshire Justice Centre")
    follow(page.get_by_role("button", name="Save draft"))
    saved(page, "Warrant drafted.")
    follow(page.get_by_role("link", name="Record the application"))
    page.get_by_label("Applied at").fill(typed(at_hour(-4, 9)))
    follow(page.get_by_role("button", name="Save"))
    follow(page.get_by_role("link", name="Record the issue"))
    issued_at = at_hour(-4, 14)
    page.get_by_label("Issued at").fill(typed(issued_at))
    page.get_by_label("Issuing justice or judge").fill("District Judge Amelia Hart")
    follow(page.get_by_role("button", name="Save"))
    saved(page, "Issue recorded.")
    follow(page.get_by_role("link", name="Record the execution"))
    executed_at = at_hour(-3, 7)
    page.get_by_label("Executed at").fill(typed(executed_at))
    page.get_by_label("Executed by").select_option(label=str(officer))
    page.get_by_label("Result").fill("Entry gained; two devices seized.")
    follow(page.get_by_role("button", name="Save"))
    saved(page, "Execution recorded.")
    assert shown(executed_at) in page.get_by_role("main").inner_text()

    # A device seized at the search, and its triage on scene.
    follow(page.get_by_role("link", name=reference))
    follow(page.get_by_role("link", name="Record a device"))
    page.get_by_label("Exhibit reference").fill("DM/1")
    page.get_by_label("Type").select_option(label="Laptop")
    page.get_by_label("What was done with it").select_option(label="Seized")
    follow(page.get_by_role("button", name="Save"))
    follow(page.get_by_role("link", name="DM/1"))
    follow(page.get_by_role("link", name="Record triage"))
    page.get_by_label("Triage result").select_option(label="Positive")
    page.get_by_label("Triaged at").fill(typed(at_hour(-3, 9)))
    page.get_by_label("Examiner").select_option(label=str(officer))
    follow(page.get_by_role("button", name="Save"))
    saved(page, "Triage recorded.")
    assert page.locator("dl").filter(has_text="Triage result").inner_text().count("Positive") == 1
    follow(page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name=reference))
    assert page.get_by_role("row").filter(has_text="DM/1").filter(has_text="Positive").is_visible()

    # The arrest.
    follow(page.get_by_role("link", name="Record an arrest"))
    page.get_by_label("Subject").select_option(label="Daniel Mercer")
    arrested_at = at_hour(-3, 7)
    page.get_by_label("Arrested at").fill(typed(arrested_at.replace(minute=30)))
    page.get_by_label(str(offence)).check()
    page.get_by_label("Custody reference").fill("CU-22871")
    follow(page.get_by_role("button", name="Save"))
    saved(page, "Arrest recorded.")
    assert page.get_by_role("row", name=re.compile("Daniel Mercer")).filter(has_text="CU-22871").is_visible()

    # The submission to the CPS, and its decision: charge, with one charge.
    follow(page.get_by_role("link", name="Record a submission to the CPS"))
    page.get_by_label("Subject").select_option(label="Daniel Mercer")
    page.get_by_label("Submitted to the CPS at").fill(typed(at_hour(-2, 16)))
    page.get_by_label("Test").select_option(index=1)
    follow(page.get_by_role("button", name="Save"))
    saved(page, "Submission to the CPS recorded.")
    follow(page.get_by_role("link", name="Record the decision for Daniel Mercer"))
    page.get_by_label("Decision", exact=True).select_option(label="Charge")
    page.get_by_label("Decision at").fill(typed(at_hour(-1, 11)))
    charge = page.get_by_role("group", name="Charge 1")
    charge.get_by_label("Offence").select_option(label=str(offence))
    charge.get_by_label("Number of counts").fill("3")
    charge.get_by_label("Image category").select_option(value="A")
    follow(page.get_by_role("button", name="Save"))
    saved(page, "Charging decision recorded.")
    charging = page.locator("#charging")
    assert "Charge" in charging.inner_text()
    assert offence.section in charging.inner_text()

    # The first court date, next week; it is what is due next.
    follow(page.get_by_role("link", name="Record a court hearing"))
    page.get_by_label("Subject").select_option(label="Daniel Mercer")
    page.get_by_label("Court").fill("North Staffordshire Justice Centre")
    hearing_at = at_hour(6, 10)
    page.get_by_label("Hearing at").fill(typed(hearing_at))
    page.get_by_label("Type of hearing").select_option(index=1)
    follow(page.get_by_role("button", name="Save"))
    saved(page, "Court hearing recorded.")
    assert shown(hearing_at) in page.locator("#court").inner_text()

    # What the officer recorded is what Safeguard holds.
    case = Case.objects.get(reference=reference)
    assert case.referral == referral
    assert case.warrants.get().status == "executed"
    assert case.devices.get().triage_result == "positive"
    assert case.arrests.count() == 1
    submission = case.charging_submissions.get()
    assert submission.decision == "charge"
    assert submission.charges.get().counts == 3
    assert case.hearings.get().hearing_at == hearing_at
