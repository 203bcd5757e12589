"""An auditor finds who read a case: an officer opens the case page in the browser, then an auditor
signs in with two factors, searches the audit trail for the case and sees the officer among the
people who read it, without seeing anything of the case's content."""

import pytest

from tests.browser.conftest import browser_test, follow, person_with_app, sign_in
from tests.factories.cases import CaseFactory
from tests.factories.people import UserFactory

pytestmark = [pytest.mark.browser, *browser_test]

SUMMARY = "Account shared indecent images of children on a peer-to-peer network."


@pytest.fixture
def auditor(force):
    from accounts.roles import AUDITOR

    return UserFactory(username="auditor.marsh", first_name="Helen", last_name="Marsh", force=force, roles=[AUDITOR])


@pytest.fixture
def case(team, officer, supervisor):
    return CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor, summary=SUMMARY)


def test_an_auditor_finds_who_read_a_case(new_browser_page, officer, auditor, case):
    # The officer reads the case, in their own browser.
    officer_page = new_browser_page()
    sign_in(officer_page, person_with_app(officer))
    officer_page.goto(f"/cases/{case.reference}/")
    assert officer_page.get_by_role("heading", level=1).inner_text() == f"Case {case.reference}"

    # The auditor, at another computer, searches the trail for reads of the case.
    page = new_browser_page()
    sign_in(page, person_with_app(auditor), path="/audit/")
    assert page.get_by_role("heading", level=1).is_visible()
    search = page.get_by_role("search", name="Search the audit trail")
    search.get_by_label("Case reference").fill(case.reference.lower())
    search.get_by_label("Event").select_option(value="read")
    follow(search.get_by_role("button", name="Search"))
    results = page.get_by_role("table")
    assert results.get_by_role("row").filter(has_text=officer.username).count() >= 1

    # Who accessed the case: the officer, at least once; never the case's content.
    follow(results.get_by_role("link", name=case.reference).first)
    assert page.get_by_role("heading", level=1).inner_text() == f"Who accessed {case.reference}"
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=officer.username))
    assert row.count() == 1
    assert int(row.locator("td.numeric").inner_text()) >= 1
    assert SUMMARY not in page.content()
