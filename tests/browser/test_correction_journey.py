"""Working the record in the browser: an officer corrects an arrest time typed late, so that the
release can be recorded; adds the outcome of a listed hearing and lists the next one; and a supervisor
reopens a closed case. Every change is kept in the record's history, reached from the case log. And
an officer corrects and withdraws identifiers of a referral not yet developed into a case."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import Case, ChargingSubmission, CourtHearing, Referral, Release
from cases.services.closure import case_close
from cases.services.referrals import referral_add_identifier, referral_create
from tests.browser.conftest import browser_test, follow, person_with_app, sign_in
from tests.factories.cases import CaseFactory, SubjectFactory
from tests.factories.custody import ArrestFactory, ChargingSubmissionFactory

pytestmark = [pytest.mark.browser, *browser_test]

LONDON = ZoneInfo("Europe/London")


def typed(moment: datetime) -> str:
    return moment.astimezone(LONDON).strftime("%Y-%m-%dT%H:%M")


def shown(moment: datetime) -> str:
    return moment.astimezone(LONDON).strftime("%-d %b %Y %H:%M")


def on_the_hour(days_ago: int, hour: int) -> datetime:
    day = (timezone.now() - timedelta(days=days_ago)).astimezone(LONDON)
    return day.replace(hour=hour, minute=0, second=0, microsecond=0)


def test_an_officer_corrects_an_arrest_time_so_the_release_can_be_recorded(browser_page, team, officer, supervisor):
    case = CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor, opened_at=on_the_hour(6, 9))
    real = on_the_hour(3, 7)
    arrest = ArrestFactory(case=case, arrested_at=real + timedelta(hours=12), relevant_time=None)  # 19:00 for 07:00
    page = browser_page
    sign_in(page, person_with_app(officer), path=reverse("cases:arrest_detail", args=[case.reference, arrest.pk]))

    # The release at 13:00 is refused: the arrest, as typed, was later.
    follow(page.get_by_role("link", name="Record a release"))
    page.get_by_label("Released on").select_option(label="Released under investigation")
    page.get_by_label("Released at").fill(typed(real + timedelta(hours=6)))
    follow(page.get_by_role("button", name="Save"))
    assert "The release cannot be before the arrest." in page.get_by_role("main").inner_text()

    # The arrest time is corrected, with the reason.
    page.goto(reverse("cases:arrest_detail", args=[case.reference, arrest.pk]))
    follow(page.get_by_role("link", name="Correct this arrest"))
    page.get_by_label("Arrested at").fill(typed(real))
    page.get_by_label("Reason for the correction").fill("Typed 19:00 for 07:00: custody record checked.")
    follow(page.get_by_role("button", name="Save the correction"))
    main = page.get_by_role("main").inner_text()
    assert "Arrest corrected." in page.inner_text("body") and shown(real) in main

    # Now the release is recorded.
    follow(page.get_by_role("link", name="Record a release"))
    page.get_by_label("Released on").select_option(label="Released under investigation")
    page.get_by_label("Released at").fill(typed(real + timedelta(hours=6)))
    follow(page.get_by_role("button", name="Save"))
    assert Release.objects.filter(arrest=arrest).count() == 1

    # The case log says so, and leads to the arrest's history with both times.
    page.goto(reverse("cases:log", args=[case.reference]))
    assert "Reason: Typed 19:00 for 07:00" in page.get_by_role("main").inner_text()
    follow(page.get_by_role("link", name="History of the record").first)
    history = page.get_by_role("main").inner_text()
    assert "Version 2: corrected" in history
    assert shown(real + timedelta(hours=12)) in history and shown(real) in history


def test_an_officer_adds_the_outcome_of_a_listed_hearing_and_lists_the_next(browser_page, team, officer, supervisor):
    case = CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor, opened_at=on_the_hour(20, 9))
    subject = SubjectFactory(case=case, full_name="Daniel Mercer")
    ArrestFactory(case=case, subject=subject, arrested_at=on_the_hour(18, 7))
    ChargingSubmissionFactory(
        case=case,
        subject=subject,
        submitted_at=on_the_hour(17, 9),
        decision=ChargingSubmission.Decision.CHARGE,
        decision_at=on_the_hour(16, 9),
    )
    listed_at = on_the_hour(1, 10)
    hearing = CourtHearing.objects.create(
        case=case,
        subject=subject,
        court="North Staffordshire Justice Centre",
        hearing_at=listed_at,
        hearing_type=CourtHearing.Type.FIRST_APPEARANCE,
    )
    page = browser_page
    sign_in(page, person_with_app(officer), path=case.get_absolute_url())

    court = page.locator("#court")
    follow(court.get_by_role("link", name=f"Correct {hearing}"))
    page.get_by_label("Outcome").fill("Not guilty plea. Sent to the Crown Court.")
    page.get_by_label("Remand status").select_option(label="Conditional bail")
    page.get_by_label("Reason for the correction").fill("Result of the first appearance.")
    follow(page.get_by_role("button", name="Save the correction"))
    assert "Not guilty plea. Sent to the Crown Court." in page.locator("#court").inner_text()

    follow(page.locator("#court").get_by_role("link", name="Record a court hearing"))
    page.get_by_label("Subject").select_option(label="Daniel Mercer")
    page.get_by_label("Court").fill("Stoke-on-Trent Crown Court")
    page.get_by_label("Hearing at").fill(typed(on_the_hour(-27, 10)))
    page.get_by_label("Type of hearing").select_option(label="Trial")
    follow(page.get_by_role("button", name="Save"))
    assert "Stoke-on-Trent Crown Court" in page.locator("#court").inner_text()
    hearing.refresh_from_db()
    assert hearing.outcome == "Not guilty plea. Sent to the Crown Court." and hearing.version == 2


def test_a_supervisor_reopens_a_closed_case(browser_page, team, officer, supervisor):
    case = CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor, opened_at=on_the_hour(10, 9))
    case_close(
        case=case,
        actor=supervisor,
        outcome_type="15",
        closed_at=on_the_hour(2, 9),
        rationale="Evidential difficulties.",
        retention_group="1",
    )
    page = browser_page
    sign_in(page, person_with_app(supervisor), path=case.get_absolute_url())

    follow(page.get_by_role("link", name="Reopen the case"))
    page.get_by_label("Reason for reopening").fill("New evidence from the forensic examination.")
    follow(page.get_by_role("button", name="Reopen the case"))

    assert "Case reopened." in page.inner_text("body")
    assert Case.objects.get(pk=case.pk).status == Case.Status.OPEN
    assert page.get_by_role("link", name="Close the case").is_visible()
    follow(page.get_by_role("link", name="the history of the closure"))
    history = page.get_by_role("main").inner_text()
    assert "Version 2: case reopened" in history and "New evidence from the forensic examination." in history


def test_an_officer_corrects_and_withdraws_the_identifiers_of_a_referral_not_yet_a_case(browser_page, officer):
    """A referral still being researched has no case: its identifiers are corrected and withdrawn from
    its own page, and the page lists each change with its reason, leading to the record's history."""
    referral = referral_create(
        actor=officer,
        force=officer.force,
        source=Referral.Source.NCA_CEOP,
        source_reference="CEOP-2026-0420",
        received_at=on_the_hour(2, 9),
        risk_grade=Referral.RiskGrade.HIGH,
    )
    observed = on_the_hour(3, 21).astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%d %H:%M:%S")
    referral_add_identifier(
        referral=referral,
        actor=officer,
        kind="ip",
        ip_address="203.0.113.7",
        port=51413,
        observed_original=observed,
        observed_timezone="UTC",
    )
    referral_add_identifier(referral=referral, actor=officer, kind="email", account_id="wrong@example.com")
    page = browser_page
    sign_in(page, person_with_app(officer), path=reverse("cases:referral_detail", args=[referral.pk]))

    follow(page.get_by_role("link", name="Correct 203.0.113.7:51413"))
    page.get_by_role("textbox", name="IP address").fill("203.0.113.9")
    page.get_by_label("Reason for the correction").fill("Last octet misread from the package.")
    follow(page.get_by_role("button", name="Save the correction"))
    assert "Referral identifier corrected." in page.inner_text("body")

    follow(page.get_by_role("link", name="Withdraw wrong@example.com"))
    page.get_by_label("Why was this entered in error?").fill("Address of another package.")
    follow(page.get_by_role("button", name="Withdraw the record"))
    main = page.get_by_role("main")
    assert "203.0.113.9" in main.inner_text()
    assert page.locator("del", has_text="wrong@example.com").count() == 1
    changes = page.locator("#changes").inner_text()
    assert "Last octet misread from the package." in changes and "Address of another package." in changes

    follow(page.get_by_role("link", name="History of wrong@example.com"))
    history = page.get_by_role("main").inner_text()
    assert "Version 2: withdrawn: entered in error" in history and "Address of another package." in history
