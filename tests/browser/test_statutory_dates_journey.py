"""The law's dates on the pages, as an officer meets them (PACE 1984 ss.16(3), 47ZB): an arrest late
in the evening and a release on bail next morning; a warrant issued on 31 January; an arrest in the
hour repeated when the clocks go back. Each is entered through the pages and read back from them."""

import re
from datetime import UTC, datetime

import pytest

from cases.models import Arrest, Offence
from tests.browser.conftest import browser_test, person_with_app, sign_in
from tests.factories.cases import CaseFactory, PremisesFactory, SubjectFactory
from tests.factories.warrants import WarrantFactory

pytestmark = [pytest.mark.browser, *browser_test]


def test_an_officer_sees_the_statutory_dates_as_the_law_counts_them(browser_page, team, officer, supervisor):
    page = browser_page
    case = CaseFactory(
        team=team,
        officer_in_case=officer,
        supervisor=supervisor,
        opened_at=datetime(2023, 1, 2, 9, tzinfo=UTC),
    )
    SubjectFactory(case=case, full_name="Daniel Mercer")
    premises = PremisesFactory(case=case)
    WarrantFactory(
        case=case, premises=premises, applicant=officer, applied=True, applied_at=datetime(2026, 1, 30, 9, tzinfo=UTC)
    )
    offence = Offence.objects.get(code="POCA1978-1-1-a")
    sign_in(page, person_with_app(officer), path=case.get_absolute_url())

    # Arrested at 23:40 on 10 Jan 2023, released on bail at 09:15 next morning: the bail start date
    # is 11 Jan, so 3 months' bail ends at the end of 10 Apr 2023 (s.47ZB(4)(a)), not 11 or 12 Apr.
    page.get_by_role("link", name="Record an arrest").click()
    page.get_by_label("Subject").select_option(label="Daniel Mercer")
    page.get_by_label("Arrested at").fill("2023-01-10T23:40")
    page.get_by_label(str(offence)).check()
    page.get_by_role("button", name="Save").click()
    page.locator("#custody").get_by_role("link", name="Daniel Mercer").click()
    page.get_by_role("link", name="Record a release").click()
    page.get_by_label("Released on").select_option(label="Pre-charge bail")
    page.get_by_label("Released at").fill("2023-01-11T09:15")
    page.get_by_label("Bail conditions").fill("Reside at 7 Pye Green Road.")
    page.get_by_role("button", name="Save").click()
    releases = page.get_by_role("row").filter(has_text="Pre-charge bail")
    assert "10 Apr 2023, end of day" in releases.inner_text()
    assert "Conditions: Reside at 7 Pye Green Road." in releases.inner_text()
    page.get_by_role("link", name=case.reference).first.click()
    due = page.get_by_role("row", name=re.compile("Pre-charge bail of Daniel Mercer ends"))
    assert "10 Apr 2023, end of day" in due.inner_text()
    assert "Police, Crime, Sentencing and Courts Act 2022" in due.inner_text()
    assert "Conditions: Reside at 7 Pye Green Road." in page.locator("#custody").inner_text()
    # The local targets give their name and period, never a setting's name.
    charging = page.get_by_role("row", name=re.compile("Charging decision for Daniel Mercer"))
    assert "Local target: four-week charging target, 28 days" in charging.inner_text()
    assert "SAFEGUARD_" not in page.get_by_role("main").inner_text()

    # A warrant issued at 10:00 on 31 Jan 2026: entry is lawful through the whole of 30 Apr (s.16(3)).
    page.get_by_role("link", name="Record the issue").click()
    page.get_by_label("Issued at").fill("2026-01-31T10:00")
    page.get_by_label("Issuing justice or judge").fill("District Judge Amelia Hart")
    page.get_by_role("button", name="Save").click()
    summary = page.locator("dl").filter(has_text="Last day for entry")
    assert "30 Apr 2026: entry at any time that day" in summary.inner_text()
    assert "10:00" not in summary.locator("div").filter(has_text="Last day for entry").inner_text()

    # An arrest at 01:30 on 25 Oct 2026, when 01:30 happens twice: refused until the clock is chosen.
    page.get_by_role("link", name=case.reference).first.click()
    page.get_by_role("link", name="Record an arrest").click()
    page.get_by_label("Subject").select_option(label="Daniel Mercer")
    page.get_by_label("Arrested at").fill("2026-10-25T01:30")
    page.get_by_label(str(offence)).check()
    page.get_by_role("button", name="Save").click()
    assert "01:30 happens twice on 25 Oct 2026" in page.get_by_role("alert").inner_text()
    page.get_by_label("Clock (the clocks go back that night)").select_option(label="GMT, the second time")
    page.get_by_role("button", name="Save").click()
    assert Arrest.objects.filter(case=case, arrested_at=datetime(2026, 10, 25, 1, 30, tzinfo=UTC)).exists()
    assert "25 Oct 2026 01:30 GMT" in page.get_by_role("main").inner_text()
