"""Grouped figures kept while still true (reports/cache.py): read again only when a refresh
changed a fact of a force they read, or when time alone makes a charging target pass."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases.models import Arrest, FigureFact, FigureFactsVersion, FiguresCache
from cases.services.case import case_log_add
from cases.services.summaries import figure_facts_refresh
from reports.cache import KEPT_FOR, forget_unused
from reports.figures import figures_report
from tests.factories.cases import CaseFactory
from tests.factories.custody import ArrestFactory
from tests.reports.conftest import QUARTER

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def fact_scans(queries: CaptureQueriesContext) -> list[str]:
    """The grouped queries over the figure facts among `queries`: which key each grouped by."""
    return [
        "team" if "GROUPING(team_id" in q["sql"] else "force"
        for q in queries.captured_queries
        if "GROUPING SETS" in q["sql"]
    ]


def report_of(user, now=NOW):
    with CaptureQueriesContext(connection) as queries:
        report = figures_report(user, period=QUARTER, now=now)
    return report, fact_scans(queries)


def test_a_second_report_reads_the_kept_figures_and_they_are_the_same(west_midlands):
    supervisor = west_midlands["ds.okafor"]
    first, scans = report_of(supervisor)
    assert scans == ["team", "force"]  # its own force by team, the region's other forces
    again, scans = report_of(supervisor)
    assert scans == []
    assert again == first


def test_a_write_that_changes_no_figure_leaves_them_kept(west_midlands):
    supervisor = west_midlands["ds.okafor"]
    report_of(supervisor)
    versions = list(FigureFactsVersion.objects.values_list("force_id", "version"))
    case = Arrest.objects.filter(case__team__force=supervisor.force, case__closure__isnull=True)[0].case
    case_log_add(case=case, actor=supervisor, kind="note", text="Spoke to the CPS lawyer.")
    assert figure_facts_refresh().cases == 1  # as Celery does within the minute
    _, scans = report_of(supervisor)
    assert scans == []
    assert list(FigureFactsVersion.objects.values_list("force_id", "version")) == versions


def test_a_new_arrest_is_counted_after_the_refresh_and_only_its_force_is_read_again(west_midlands):
    supervisor = west_midlands["ds.okafor"]
    first, _ = report_of(supervisor)
    team = supervisor.teams.get(name="Safenet")
    ArrestFactory(case=CaseFactory(team=team, opened_at=datetime(2026, 2, 3, tzinfo=UTC)))
    figure_facts_refresh()  # as Celery does within the minute
    again, scans = report_of(supervisor)
    assert scans == ["team"]  # Warwickshire's facts did not change: its counts are kept
    assert again.force_total.counts["arrests"] == first.force_total.counts["arrests"] + 1
    assert again.region_total.counts["arrests"] == first.region_total.counts["arrests"] + 1
    warwickshire = [row for row in again.region_forces if row.force == "Warwickshire Police"]
    assert warwickshire == [row for row in first.region_forces if row.force == "Warwickshire Police"]


def test_an_undecided_arrest_counts_as_missed_once_its_target_has_passed(west_midlands):
    supervisor = west_midlands["ds.okafor"]
    # The POLIT arrest of 10 March 2026 is undecided; on 20 March it is still within its target.
    before, _ = report_of(supervisor, now=datetime(2026, 3, 20, tzinfo=UTC))
    polit = supervisor.teams.get(name="POLIT").pk
    target = FigureFact.objects.get(measure="arrest", team_id=polit, at__gte=datetime(2026, 3, 1, tzinfo=UTC)).due_at
    assert target is not None
    polit = next(row for row in before.teams if row.team == "POLIT")
    assert polit.charging_missed == 0
    _, scans = report_of(supervisor, now=target - timedelta(minutes=1))
    assert scans == []  # nothing has changed yet
    after, scans = report_of(supervisor, now=target + timedelta(minutes=1))
    assert scans == ["team"]
    assert next(row for row in after.teams if row.team == "POLIT").charging_missed == 1


def test_figures_kept_from_a_later_moment_are_not_read_for_an_earlier_one(west_midlands):
    """An export runs for the moment it was asked for, which may be before a page view's."""
    supervisor = west_midlands["ds.okafor"]
    later, _ = report_of(supervisor, now=NOW)
    assert next(row for row in later.teams if row.team == "POLIT").charging_missed == 1
    earlier, scans = report_of(supervisor, now=datetime(2026, 3, 20, tzinfo=UTC))
    assert scans == ["team", "force"]
    assert next(row for row in earlier.teams if row.team == "POLIT").charging_missed == 0


def test_a_full_refresh_forgets_every_kept_figure(west_midlands):
    report_of(west_midlands["ds.okafor"])
    assert FiguresCache.objects.count() == 2
    figure_facts_refresh(full=True)
    assert not FiguresCache.objects.exists()


def test_kept_figures_made_long_ago_are_forgotten(west_midlands):
    report_of(west_midlands["ds.okafor"])
    FiguresCache.objects.update(made_at=NOW - KEPT_FOR - timedelta(minutes=1))
    report_of(west_midlands["ds.shah"])  # Warwickshire's supervisor: two more, made now
    assert forget_unused(now=NOW) == 2
    assert FiguresCache.objects.count() == 2


def test_celerys_refresh_makes_the_default_periods_figures_again_before_anyone_asks(west_midlands):
    """After a change to a force's facts, the refresh Celery runs every minute makes the figures of
    the default period (the page's first view) for that force and the other forces of its region,
    so the supervisors who look next read them kept."""
    from reports.forms import default_period
    from reports.tasks import refresh_summaries

    staffordshire, warwickshire = west_midlands["ds.okafor"], west_midlands["ds.shah"]
    period = default_period()
    first = figures_report(staffordshire, period=period, now=timezone.now())
    team = staffordshire.teams.get(name="Safenet")
    yesterday = timezone.now() - timedelta(days=1)
    ArrestFactory(case=CaseFactory(team=team, opened_at=yesterday - timedelta(days=1)), arrested_at=yesterday)

    result = refresh_summaries()

    assert result["figures_remade"] == 2  # Staffordshire, and Warwickshire whose region counts it
    for supervisor in (staffordshire, warwickshire):
        with CaptureQueriesContext(connection) as queries:
            report = figures_report(supervisor, period=period, now=timezone.now())
        assert fact_scans(queries) == [], supervisor
    again = figures_report(staffordshire, period=period, now=timezone.now())
    assert again.force_total is not None and first.force_total is not None
    assert again.force_total.counts["arrests"] == first.force_total.counts["arrests"] + 1
    assert report.region_total is not None and again.region_total is not None
    assert report.region_total.counts["arrests"] == again.region_total.counts["arrests"]


def test_a_refresh_that_changes_no_fact_makes_no_figures(west_midlands):
    from reports.tasks import refresh_summaries

    supervisor = west_midlands["ds.okafor"]
    case = Arrest.objects.filter(case__team__force=supervisor.force, case__closure__isnull=True)[0].case
    refresh_summaries()
    case_log_add(case=case, actor=supervisor, kind="note", text="Spoke to the CPS lawyer.")
    assert refresh_summaries()["figures_remade"] == 0
