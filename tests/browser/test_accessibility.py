"""Accessibility of the main pages, checked in the browser as rendered, styled and focused.

axe-core (vendored: tests/browser/vendor/axe-core) runs the WCAG 2.0, 2.1 and 2.2 A and AA rules
on each page; on top of that each page must say its language, have one level-1 heading, offer the
skip link first, and show where keyboard focus is. axe is evaluated through the browser's
developer protocol, which the page's Content-Security-Policy does not govern: the page itself still
runs under the policy, unchanged.
"""

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from audit.models import AuditEntry, Flag
from tests.browser.conftest import browser_test, follow, person_with_app, sign_in
from tests.factories.cases import CaseFactory, PremisesFactory, ReferralFactory, SubjectFactory
from tests.factories.people import UserFactory

pytestmark = [pytest.mark.browser, *browser_test]

AXE = (Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js").read_text(encoding="utf-8")
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
RUN_AXE = """async (tags) => {
  const results = await axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
  return results.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    targets: v.nodes.slice(0, 5).map(n => n.target.join(" ")),
  }));
}"""
# Whether an element looks different when focused: outline, shadow or background.
FOCUS_STYLE = """(element) => {
  const style = getComputedStyle(element);
  return [style.outlineStyle, style.outlineWidth, style.outlineColor, style.boxShadow, style.backgroundColor].join("|");
}"""

START_AT_TOP = """() => {
  window.scrollTo(0, 0);
  document.body.setAttribute("tabindex", "-1");
  document.body.focus();
  document.body.removeAttribute("tabindex");
}"""


def check_page(page, name: str) -> None:
    """The checks every page must pass; `name` says which page failed."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE)
    violations = page.evaluate(RUN_AXE, WCAG_AA)
    assert violations == [], f"{name}: accessibility problems found by axe-core: {violations}"
    assert page.evaluate("() => document.documentElement.lang") == "en-GB", f"{name}: the page must say its language."
    assert page.get_by_role("heading", level=1).count() == 1, f"{name}: one level-1 heading per page."
    assert page.title().endswith("\N{EN DASH} Safeguard"), f"{name}: the title must name the page and Safeguard."

    # Keyboard: the first Tab reaches the skip link, which is then visible, and focus is shown.
    # Start from the top of the document, as on arriving at the page, whatever had focus since.
    page.evaluate(START_AT_TOP)
    skip = page.get_by_role("link", name="Skip to main content")
    unfocused = skip.evaluate(FOCUS_STYLE)
    page.keyboard.press("Tab")
    assert skip.evaluate("(element) => element === document.activeElement"), (
        f"{name}: Tab must reach the skip link first."
    )
    assert skip.is_visible() and (skip.bounding_box() or {}).get("width", 0) > 1, (
        f"{name}: the focused skip link must be seen."
    )
    assert skip.evaluate(FOCUS_STYLE) != unfocused, f"{name}: keyboard focus must be visible."
    # Leave the page as it was: the focused skip link moves the page down until it loses focus.
    skip.evaluate("(element) => element.blur()")


def test_the_sign_in_pages_are_accessible(browser_page, officer):
    page = browser_page
    page.goto("/sign-in/")
    check_page(page, "Sign in")
    page.get_by_label("Username").fill(officer.username)
    page.get_by_label("Password").fill("not the password")
    follow(page.get_by_role("button", name="Sign in"))
    check_page(page, "Sign in, wrong password")


def test_an_officers_main_pages_are_accessible(browser_page, officer, supervisor, team):
    referral = ReferralFactory(force=officer.force, source_reference="CEOP-2026-5102", created_by=officer)
    case = CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor, referral=referral)
    SubjectFactory(case=case)
    PremisesFactory(case=case)
    page = browser_page
    sign_in(page, person_with_app(officer))

    check_page(page, "My work")
    follow(page.get_by_role("navigation", name="Main").get_by_role("link", name="Cases"))
    check_page(page, "Case list")
    follow(page.get_by_role("link", name=case.reference))
    check_page(page, "Case page")
    follow(page.get_by_role("link", name="Add a subject"))
    check_page(page, "Add a subject")
    page.get_by_label("PNC ID").fill("not a PNC ID")
    follow(page.get_by_role("button", name="Save"))
    assert page.get_by_role("alert").is_visible(), "The error summary must be announced."
    assert page.title().startswith("Error: "), "The title must say there is an error, first."
    assert page.evaluate("() => document.activeElement.matches('.error-summary')"), "Focus must be on the summary."
    check_page(page, "Add a subject, with errors")
    follow(page.get_by_role("navigation", name="Main").get_by_role("link", name="Referrals"))
    check_page(page, "Referrals")
    follow(page.get_by_role("link", name="CEOP-2026-5102"))
    check_page(page, "Referral page")


def test_the_case_lists_pages_are_accessible(browser_page, officer, supervisor, team):
    now = timezone.now()
    for n in range(30):
        CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor, opened_at=now - timedelta(days=n + 1))
    page = browser_page
    sign_in(page, person_with_app(officer), path="/cases/")
    pages = page.get_by_role("navigation", name="Pages of cases")

    check_page(page, "Case list, the newest cases")
    follow(pages.get_by_role("link", name="Older cases"))
    assert "Showing 5 cases opened from" in page.locator("#result-count").inner_text()
    check_page(page, "Case list, older cases")
    assert pages.get_by_role("link", name="Newest cases").is_visible()
    assert pages.get_by_role("link", name="Newer cases").is_visible()


def test_the_case_lists_page_links_work_without_scripts(chromium, live_server, officer, supervisor, team):
    now = timezone.now()
    made = [
        CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor, opened_at=now - timedelta(days=n + 1))
        for n in range(30)
    ]
    context = chromium.new_context(
        base_url=live_server.url.replace("127.0.0.1", "localhost"), java_script_enabled=False, locale="en-GB"
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        sign_in(page, person_with_app(officer), path="/cases/?status=open")
        page.goto("/cases/?status=open")
        pages = page.get_by_role("navigation", name="Pages of cases")
        follow(pages.get_by_role("link", name="Older cases"))
        assert "status=open" in page.url and "before=" in page.url
        assert page.get_by_role("link", name=made[25].reference).is_visible()
        assert page.get_by_role("link", name=made[24].reference).count() == 0
        follow(pages.get_by_role("link", name="Newer cases"))
        assert page.get_by_role("link", name=made[24].reference).is_visible()
        assert pages.get_by_role("link", name="Newer cases").count() == 0
    finally:
        context.close()


def test_the_auditor_pages_are_accessible(browser_page, force, team, officer):
    from accounts.roles import AUDITOR

    case = CaseFactory(team=team, officer_in_case=officer)
    auditor = UserFactory(username="auditor.marsh", force=force, roles=[AUDITOR])
    page = browser_page
    sign_in(page, person_with_app(auditor), path="/audit/")
    check_page(page, "Audit trail search")
    page.goto(f"/audit/cases/{case.reference}/")
    check_page(page, "Who accessed a case")
    page.goto("/audit/?username=auditor")
    check_page(page, "Audit trail search, in people's words")
    page.goto("/audit/flags/")
    check_page(page, "Anomaly flags")
    flag = Flag.objects.create(
        kind=Flag.Kind.OUT_OF_HOURS,
        person=officer,
        username=officer.username,
        window_start=case.opened_at,
        window_end=case.opened_at,
        entry_ids=list(AuditEntry.objects.order_by("-id").values_list("id", flat=True)[:3]),
        detail="3 accesses, 1 cases, outside working hours",
    )
    page.goto(f"/audit/flags/{flag.pk}/")
    check_page(page, "An anomaly flag and the entries behind it")
