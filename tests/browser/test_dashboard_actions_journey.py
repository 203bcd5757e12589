"""In the browser: a supervisor reassigns several of an officer's cases at once from the dashboard's
caseload; and an officer is warned before their session ends, stays signed in, and later finds what
they typed kept after the session ended, filled in again once they have signed in."""

import time

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.urls import reverse

from accounts.middleware import LAST_SEEN_AT
from accounts.roles import OFFICER
from cases.models import Case, CaseLogEntry
from tests.browser.conftest import browser_test, follow, person_with_app, sign_in, totp_code
from tests.browser.test_accessibility import check_page
from tests.factories.cases import CaseFactory
from tests.factories.people import UserFactory

pytestmark = [pytest.mark.browser, *browser_test]


def _idle_for(page, seconds: float) -> None:
    """Move the idle clock of the browser's session back, as if nothing had been asked for."""
    [cookie] = [c for c in page.context.cookies() if c["name"] == settings.SESSION_COOKIE_NAME]
    session = SessionStore(session_key=cookie["value"])
    session[LAST_SEEN_AT] = time.time() - seconds
    session.save()


def test_a_supervisor_reassigns_several_cases_of_an_officer_at_once(browser_page, team, officer, supervisor):
    colleague = UserFactory(first_name="Ana", last_name="Reid", rank="DC", teams=[team], roles=[OFFICER])
    cases = sorted(
        (CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor) for _ in range(3)),
        key=lambda case: case.reference,
    )
    page = browser_page
    sign_in(page, person_with_app(supervisor), path=reverse("reports:dashboard"))
    check_page(page, "Dashboard")

    caseload = page.locator("section[aria-labelledby=caseload-heading]")
    follow(caseload.get_by_role("link", name=str(officer)))
    page.get_by_role("heading", level=1, name=f"Reassign cases of {officer}").wait_for()
    check_page(page, "Reassign cases")
    page.get_by_label(f"Reassign {cases[0].reference}").check()
    page.get_by_label(f"Reassign {cases[2].reference}").check()
    page.get_by_label("New officer in the case").select_option(label=str(colleague))
    follow(page.get_by_role("button", name="Reassign the chosen cases"))
    # Without a reason nothing changes, and the page says what to fix; the choices stay ticked.
    page.get_by_role("heading", name="There is a problem").wait_for()
    assert page.get_by_label(f"Reassign {cases[0].reference}").is_checked()
    check_page(page, "Reassign cases, with errors")
    page.get_by_label("Reason").fill("Covering leave")
    follow(page.get_by_role("button", name="Reassign the chosen cases"))

    page.get_by_text("2 cases reassigned to DC Ana Reid.").wait_for()
    owners = [Case.objects.get(pk=case.pk).officer_in_case for case in cases]
    assert owners == [colleague, officer, colleague]
    assert page.get_by_role("main").inner_text().count("Reassign ") >= 1  # the one left is still listed
    assert CaseLogEntry.objects.filter(case=cases[0], text__endswith="Reason: Covering leave").exists()


def test_an_officer_is_warned_stays_signed_in_and_keeps_what_was_typed_after_the_session_ended(
    browser_page, team, officer, supervisor
):
    case = CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor)
    person = person_with_app(officer)
    add = reverse("cases:log_add", args=[case.reference])
    page = browser_page
    sign_in(page, person, path=add)

    # A few minutes before the idle limit, a live notice offers to stay signed in (the page's clock
    # is moved on: the server's is not, so the session is still there to keep).
    page.clock.install()
    page.reload()
    live = page.locator("[data-session-live]")
    assert live.inner_text() == ""
    page.clock.fast_forward((settings.SAFEGUARD_SESSION_IDLE_MINUTES - 3) * 60 * 1000)
    live.get_by_text("Your session will end at").wait_for()
    live.get_by_role("button", name="Stay signed in").click()  # stays on the page: the script asks the server
    page.get_by_text("You are still signed in.").wait_for()

    # The person types, goes away, and sends the form after the session has ended.
    page.get_by_label("Note").check()
    page.get_by_label("Entry").fill("Called the school about the second child.")
    _idle_for(page, settings.SAFEGUARD_SESSION_IDLE_MINUTES * 60 + 1)
    follow(page.get_by_role("button", name="Save"))
    page.get_by_label("Username").wait_for()
    assert not CaseLogEntry.objects.filter(case=case, text__startswith="Called the school").exists()

    page.get_by_label("Username").fill(person.username)
    page.get_by_label("Password").fill("correct horse battery staple")
    follow(page.get_by_role("button", name="Sign in"))
    page.get_by_label("Code").fill(totp_code(person.device, offset=1))
    follow(page.get_by_role("button", name="Continue"))

    page.get_by_text("Your session had ended, so what you sent was not saved.").wait_for()
    assert page.get_by_label("Entry").input_value() == "Called the school about the second child."
    assert page.get_by_label("Note").is_checked()
    assert not CaseLogEntry.objects.filter(case=case, text__startswith="Called the school").exists()
    follow(page.get_by_role("button", name="Save"))
    page.get_by_text("Case log entry added.").wait_for()
    assert CaseLogEntry.objects.filter(case=case, text="Called the school about the second child.").count() == 1
