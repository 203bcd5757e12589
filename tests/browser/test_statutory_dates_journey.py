"""The law's dates on the pages, as an officer meets them (PACE 1984 ss.16(3), 47ZB): an arrest late
in the evening and a release on bail next morning; a warrant issued on 31 January; an arrest in the
hour repeated when the clocks go back; an NCA case's bail (s.47ZB(1)(a)) and a designated case's
extension (s.47ZE). Each is entered through the pages and read back from them."""

import re
from datetime import UTC, datetime

import pytest
from django.urls import reverse

from cases.models import Arrest, Offence
from cases.services.custody import bail_extend, release_record
from tests.browser.conftest import browser_test, follow, person_with_app, sign_in
from tests.factories.cases import CaseFactory, PremisesFactory, SubjectFactory
from tests.factories.custody import ArrestFactory, london
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
    follow(page.get_by_role("link", name="Record an arrest"))
    page.get_by_label("Subject").select_option(label="Daniel Mercer")
    page.get_by_label("Arrested at").fill("2023-01-10T23:40")
    page.get_by_label(str(offence)).check()
    follow(page.get_by_role("button", name="Save"))
    follow(page.locator("#custody").get_by_role("link", name="Daniel Mercer", exact=True))
    follow(page.get_by_role("link", name="Record a release"))
    page.get_by_label("Released on").select_option(label="Pre-charge bail")
    page.get_by_label("Released at").fill("2023-01-11T09:15")
    page.get_by_label("Bail conditions").fill("Reside at 7 Pye Green Road.")
    follow(page.get_by_role("button", name="Save"))
    releases = page.get_by_role("row").filter(has_text="Pre-charge bail")
    assert "10 Apr 2023, end of day" in releases.inner_text()
    assert "Conditions: Reside at 7 Pye Green Road." in releases.inner_text()
    follow(page.get_by_role("link", name=case.reference).first)
    due = page.get_by_role("row", name=re.compile("Pre-charge bail of Daniel Mercer ends"))
    assert "10 Apr 2023, end of day" in due.inner_text()
    assert "Police, Crime, Sentencing and Courts Act 2022" in due.inner_text()
    assert "Conditions: Reside at 7 Pye Green Road." in page.locator("#custody").inner_text()
    # The local targets give their name and period, never a setting's name.
    charging = page.get_by_role("row", name=re.compile("Charging decision for Daniel Mercer"))
    assert "Local target: four-week charging target, 28 days" in charging.inner_text()
    assert "SAFEGUARD_" not in page.get_by_role("main").inner_text()

    # A warrant issued at 10:00 on 31 Jan 2026: entry is lawful through the whole of 30 Apr (s.16(3)).
    follow(page.get_by_role("link", name="Record the issue"))
    page.get_by_label("Issued at").fill("2026-01-31T10:00")
    page.get_by_label("Issuing justice or judge").fill("District Judge Amelia Hart")
    follow(page.get_by_role("button", name="Save"))
    summary = page.locator("dl").filter(has_text="Last day for entry")
    assert "30 Apr 2026: entry at any time that day" in summary.inner_text()
    assert "10:00" not in summary.locator("div").filter(has_text="Last day for entry").inner_text()

    # An arrest at 01:30 on 25 Oct 2026, when 01:30 happens twice: refused until the clock is chosen.
    follow(page.get_by_role("link", name=case.reference).first)
    follow(page.get_by_role("link", name="Record an arrest"))
    page.get_by_label("Subject").select_option(label="Daniel Mercer")
    page.get_by_label("Arrested at").fill("2026-10-25T01:30")
    page.get_by_label(str(offence)).check()
    follow(page.get_by_role("button", name="Save"))
    assert "01:30 happens twice on 25 Oct 2026" in page.get_by_role("alert").inner_text()
    page.get_by_label("Clock (the clocks go back that night)").select_option(label="GMT, the second time")
    follow(page.get_by_role("button", name="Save"))
    assert Arrest.objects.filter(case=case, arrested_at=datetime(2026, 10, 25, 1, 30, tzinfo=UTC)).exists()
    assert "25 Oct 2026 01:30 GMT" in page.get_by_role("main").inner_text()


def test_an_officer_sees_an_nca_cases_bail_and_a_designated_cases_extension(browser_page, team, officer, supervisor):
    """PACE s.47ZB(1)(a): an NCA case's bail is 6 months beginning with the bail start date; s.47ZE(3):
    in a case the DPP designates exceptionally complex, a commander extends it to 12 months."""
    page = browser_page
    case = CaseFactory(
        team=team, officer_in_case=officer, supervisor=supervisor, opened_at=datetime(2023, 1, 2, 9, tzinfo=UTC)
    )
    nca_subject = SubjectFactory(case=case, full_name="Owen Price")
    standard_subject = SubjectFactory(case=case, full_name="Liam Shaw")
    nca_arrest = ArrestFactory(case=case, subject=nca_subject, arrested_at=london(2023, 1, 31, 6))
    standard_arrest = ArrestFactory(case=case, subject=standard_subject, arrested_at=london(2023, 2, 15, 6))
    standard = release_record(arrest=standard_arrest, actor=officer, kind="bail", released_at=london(2023, 2, 15, 12))
    for rank, approved in (("inspector", london(2023, 5, 10, 10)), ("superintendent", london(2023, 8, 10, 10))):
        bail_extend(
            release=standard, actor=officer, approved_at=approved, approved_by=f"{rank} Lowe", approver_rank=rank
        )
    sign_in(page, person_with_app(officer), path=reverse("cases:arrest_detail", args=[case.reference, nca_arrest.pk]))

    # Arrested 31 Jan 2023, an NCA case: bail start date 1 Feb, 6 months end at the end of 31 Jul 2023.
    follow(page.get_by_role("link", name="Record a release"))
    page.get_by_label("Released on").select_option(label="Pre-charge bail")
    page.get_by_label("Released at").fill("2023-01-31T12:00")
    page.get_by_label("National Crime Agency (NCA case)").check()
    page.get_by_label("Confirmed by").fill("NCA officer J. Patel")
    follow(page.get_by_role("button", name="Save"))
    row = page.get_by_role("row").filter(has_text="Pre-charge bail")
    assert "31 Jul 2023, end of day" in row.inner_text()
    assert "National Crime Agency (NCA case), confirmed by NCA officer J. Patel" in row.inner_text()
    assert "PACE s.47ZB(1)(a)" in row.inner_text()

    # Liam Shaw's bail ran to 9 months (s.47ZDA), to 15 Nov 2023; the DPP designated the case on
    # 9 Nov and a commander extended it on 10 Nov to 12 months: the end of 15 Feb 2024.
    page.goto(
        page.url.rsplit("/cases/", 1)[0] + reverse("cases:arrest_detail", args=[case.reference, standard_arrest.pk])
    )
    follow(page.get_by_role("link", name="Extend this bail", exact=True))
    page.get_by_label("Approved by rank").select_option(label="Commander or assistant chief constable (or above)")
    page.get_by_label("Approved at").fill("2023-11-10T10:00")
    page.get_by_label("Approved by", exact=True).fill("Cdr A. Lowe")
    page.get_by_label("Case designated exceptionally complex at").fill("2023-11-09T10:00")
    page.get_by_label("Designated by (for the DPP)").fill("CPS Special Crime Division")
    follow(page.get_by_role("button", name="Save"))
    row = page.get_by_role("row").filter(has_text="Pre-charge bail")
    assert "To 15 Feb 2024, end of day by Cdr A. Lowe" in row.inner_text()
    assert "PACE s.47ZE" in row.inner_text()
    assert "designated exceptionally complex for the DPP by CPS Special Crime Division" in row.inner_text()
    follow(page.get_by_role("link", name=case.reference).first)
    due = page.get_by_role("row", name=re.compile("Pre-charge bail of Liam Shaw ends"))
    assert "15 Feb 2024, end of day" in due.inner_text()
    assert "PACE ss.47ZB(1)(b), 47ZD, 47ZDA, 47ZE" in due.inner_text()
