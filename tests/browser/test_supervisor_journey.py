"""A supervisor reviews the four-week table (arrests against the charging target) and the unit's
figures, in the browser: each is a table with headers, and each chart has its figures as text."""

import re
from datetime import timedelta

import pytest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from tests.browser.conftest import browser_test, person_with_app, sign_in
from tests.factories.cases import CaseFactory
from tests.factories.custody import ArrestFactory

PAGES = ("reports:dashboard", "reports:figures")


def _resolves(name: str) -> bool:
    try:
        reverse(name)
    except NoReverseMatch:
        return False
    return True


MISSING = [name for name in PAGES if not _resolves(name)]
pytestmark = [
    pytest.mark.browser,
    *browser_test,
    pytest.mark.skipif(
        bool(MISSING),
        reason=f"The supervisor's pages are not in Safeguard yet: {', '.join(MISSING)} do not resolve.",
    ),
]


@pytest.fixture
def arrests(team, officer, supervisor):
    """Two arrests awaiting a charging decision: one well inside the four weeks, one past them."""
    now = timezone.now()
    recent = CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor, opened_at=now - timedelta(days=8))
    late = CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor, opened_at=now - timedelta(days=40))
    return [
        ArrestFactory(case=recent, arrested_at=now - timedelta(days=6)),
        ArrestFactory(case=late, arrested_at=now - timedelta(days=33)),
    ]


def _tables_have_headers(page) -> None:
    tables = page.get_by_role("table")
    assert tables.count() >= 1, "Expected the figures as a table."
    for index in range(tables.count()):
        table = tables.nth(index)
        assert table.locator("caption").count() == 1, "Each table needs a caption."
        assert table.get_by_role("columnheader").count() >= 1, "Each table needs column headers."


def test_a_supervisor_reviews_the_four_week_table_and_the_figures(browser_page, supervisor, arrests):
    dashboard_url, figures_url = reverse("reports:dashboard"), reverse("reports:figures")
    page = browser_page
    sign_in(page, person_with_app(supervisor), path=dashboard_url)

    # The four-week table: every arrest awaiting a decision, with the one past the target marked.
    assert page.get_by_role("heading", level=1).is_visible()
    _tables_have_headers(page)
    main = page.get_by_role("main").inner_text()
    for arrest in arrests:
        assert arrest.case.reference in main
    charging = page.locator("section[aria-labelledby=charging-heading]")
    late_row = charging.get_by_role("row").filter(has_text=arrests[1].case.reference)
    assert re.search(r"\bmissed\b", late_row.first.inner_text(), re.IGNORECASE)
    on_time_row = charging.get_by_role("row").filter(has_text=arrests[0].case.reference)
    assert re.search(r"\bon track\b", on_time_row.first.inner_text(), re.IGNORECASE)
    # The deadlines panel lists the missed target too, with its source.
    deadlines = page.locator("section[aria-labelledby=deadlines-heading]").inner_text()
    assert arrests[1].case.reference in deadlines and "Local target" in deadlines

    # The figures: investigations, arrests and charges, as tables a screen reader can read.
    page.goto(figures_url)
    assert page.get_by_role("heading", level=1).is_visible()
    _tables_have_headers(page)
    figures = page.get_by_role("main").inner_text().lower()
    for measure in ("investigations", "arrests", "charged"):
        assert measure in figures
