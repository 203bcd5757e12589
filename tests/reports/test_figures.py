"""The figures on a known data set (tests/reports/conftest.py): exactly the published numbers, on
the page, in the report and in the CSV, and no more than a supervisor may see."""

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from cases.formats import when
from cases.models import Arrest, Case, ChargingSubmission, Closure, Device, FiguresCache, RetentionReview, SummaryState
from cases.services.closure import case_close, case_closure_outstanding
from cases.services.summaries import FIGURES_LAG, figure_facts_refresh
from reports.figures import Flow, figures_report
from reports.services import CSV_COLUMNS, figures_csv
from reports.sql import Period
from tests.factories.cases import CaseFactory
from tests.factories.custody import ArrestFactory, ChargingSubmissionFactory
from tests.factories.people import ForceFactory, TeamFactory
from tests.reports.conftest import QUARTER
from warrants.models import Warrant

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
COUNT_NAMES = ("investigations", "warrants_executed", "arrests", "people_charged", "children_safeguarded")


def counts(row) -> tuple[int, ...]:
    return tuple(row.counts[name] for name in COUNT_NAMES)


@pytest.fixture
def report(west_midlands):
    return figures_report(west_midlands["ds.okafor"], period=QUARTER, now=NOW)


def test_team_and_force_counts_are_the_published_numbers(report):
    assert [(row.team, counts(row)) for row in report.teams] == [
        ("POLIT", (1, 0, 1, 0, 0)),
        ("Safenet", (2, 2, 3, 2, 5)),
    ]
    assert counts(report.force_total) == (3, 2, 4, 2, 5)


def test_regional_figures_are_each_forces_counts_and_their_total_only(report):
    assert [(row.force, counts(row)) for row in report.region_forces] == [
        ("Staffordshire Police", (3, 2, 4, 2, 5)),
        ("Warwickshire Police", (2, 1, 1, 1, 4)),
    ]
    assert counts(report.region_total) == (5, 3, 5, 3, 9)
    assert all(row.flows is None for row in [*report.region_forces, report.region_total])


def test_flow_times_are_medians_and_ninetieth_percentiles_in_days(report):
    safenet = next(row for row in report.teams if row.team == "Safenet")
    assert safenet.flows == {
        "referral_to_warrant": Flow(count=2, median=10.0, p90=10.0),
        "warrant_issue_to_execution": Flow(count=2, median=4.0, p90=5.6),
        "arrest_to_charging_decision": Flow(count=3, median=20.0, p90=29.6),
        "arrest_to_first_court": Flow(count=2, median=32.5, p90=36.9),
        "arrest_to_mash_referral": Flow(count=2, median=2.0, p90=2.8),
    }
    # Decided in 20 and 10 days: met; in 32 days: missed.
    assert (safenet.charging_met, safenet.charging_missed, safenet.charging_share_met) == (2, 1, 66.7)


def test_force_flow_times_take_every_team_and_count_an_undecided_arrest_past_target_as_missed(report):
    force = report.force_total
    assert force.flows["arrest_to_charging_decision"] == Flow(count=3, median=20.0, p90=29.6)
    assert force.flows["arrest_to_mash_referral"] == Flow(count=3, median=1.0, p90=2.6)
    assert force.flows["referral_to_warrant"] == Flow(count=2, median=10.0, p90=10.0)
    polit = next(row for row in report.teams if row.team == "POLIT")
    assert polit.flows["arrest_to_charging_decision"] == Flow(count=0, median=None, p90=None)
    assert (polit.charging_met, polit.charging_missed, polit.charging_share_met) == (0, 1, 0.0)
    assert (force.charging_met, force.charging_missed, force.charging_share_met) == (2, 2, 50.0)


def test_an_arrest_still_within_its_target_is_neither_met_nor_missed(west_midlands):
    # On 20 March 2026 the POLIT arrest of 10 March is 10 days old: still within the target.
    report = figures_report(west_midlands["ds.okafor"], period=QUARTER, now=datetime(2026, 3, 20, tzinfo=UTC))
    polit = next(row for row in report.teams if row.team == "POLIT")
    assert (polit.charging_met, polit.charging_missed, polit.charging_share_met) == (0, 0, None)


def test_a_period_counts_only_what_happened_in_it(west_midlands):
    december = figures_report(west_midlands["ds.okafor"], period=Period(date(2025, 12, 1), date(2025, 12, 31)), now=NOW)
    assert counts(december.force_total) == (1, 1, 1, 1, 1)
    assert december.force_total is not None and december.force_total.flows is not None
    assert december.force_total.flows["arrest_to_charging_decision"] == Flow(count=1, median=17.0, p90=17.0)
    january = figures_report(west_midlands["ds.okafor"], period=Period(date(2026, 1, 1), date(2026, 1, 31)), now=NOW)
    # Opened STF-2026-000001; executed its warrant; arrested; charged on 3 February; 2 safeguarded.
    assert counts(january.force_total) == (1, 1, 1, 0, 2)


def test_forces_of_another_region_are_not_in_the_regional_figures(west_midlands, report):
    wales = ForceFactory(code="NWP", name="North Wales Police", region="North Wales")
    CaseFactory(team=TeamFactory(force=wales, name="POLIT"), opened_at=datetime(2026, 2, 1, tzinfo=UTC))
    again = figures_report(west_midlands["ds.okafor"], period=QUARTER, now=NOW)
    assert counts(again.region_total) == counts(report.region_total)
    assert "North Wales Police" not in {row.force for row in again.region_forces}


def test_another_forces_supervisor_sees_its_own_teams_and_only_counts_of_staffordshire(west_midlands):
    report = figures_report(west_midlands["ds.shah"], period=QUARTER, now=NOW)
    assert [(row.team, counts(row)) for row in report.teams] == [("Safenet", (2, 1, 1, 1, 4))]
    assert report.force_total is not None and report.force_total.flows is not None
    assert report.force_total.flows["arrest_to_charging_decision"] == Flow(count=1, median=14.0, p90=14.0)
    staffordshire = next(row for row in report.region_forces if row.force == "Staffordshire Police")
    assert counts(staffordshire) == (3, 2, 4, 2, 5) and staffordshire.flows is None


def test_the_report_costs_the_same_number_of_queries_whatever_the_data(west_midlands):
    """Once Celery has brought the figure facts up to date, a report reads them in a fixed number of
    queries (the refresh it starts with then finds nothing to do). Nothing is kept from an earlier
    report here (tests/reports/test_figures_cache.py has what is)."""
    supervisor = west_midlands["ds.okafor"]
    figure_facts_refresh()
    FiguresCache.objects.all().delete()
    with CaptureQueriesContext(connection) as before:
        figures_report(supervisor, period=QUARTER, now=NOW)
    team = supervisor.teams.get(name="Safenet")
    for day in range(1, 21):
        case = CaseFactory(team=team, opened_at=datetime(2026, 2, day, tzinfo=UTC))
        ArrestFactory(case=case)
    figure_facts_refresh()
    FiguresCache.objects.all().delete()
    with CaptureQueriesContext(connection) as after:
        report = figures_report(supervisor, period=QUARTER, now=NOW)
    assert counts(report.force_total)[0] == 23
    assert len(after) == len(before) == 11


def test_a_case_written_since_the_last_refresh_is_counted_once_celery_has_taken_it_in(west_midlands):
    """The report reads the facts as Celery keeps them, and says as of when; it brings them up to
    date itself only when Celery has fallen behind (FIGURES_LAG): never more than that stale."""
    supervisor = west_midlands["ds.okafor"]
    first = figures_report(supervisor, period=QUARTER, now=NOW)
    team = supervisor.teams.get(name="Safenet")
    case = CaseFactory(team=team, opened_at=datetime(2026, 2, 3, tzinfo=UTC))
    ArrestFactory(case=case, arrested_at=datetime(2026, 2, 4, tzinfo=UTC))
    # Within the lag: as of the last refresh, which the report names.
    same = figures_report(supervisor, period=QUARTER, now=NOW)
    assert counts(same.force_total) == counts(first.force_total)
    assert same.facts_as_of == first.facts_as_of is not None
    # Celery's refresh takes the case in.
    figure_facts_refresh()
    again = figures_report(supervisor, period=QUARTER, now=NOW)
    assert counts(again.force_total)[0] == counts(first.force_total)[0] + 1
    assert counts(again.force_total)[2] == counts(first.force_total)[2] + 1
    assert again.facts_as_of is not None and first.facts_as_of is not None
    assert again.facts_as_of > first.facts_as_of
    # Celery behind: the report brings the facts up to date itself.
    ArrestFactory(case=case, arrested_at=datetime(2026, 2, 5, tzinfo=UTC))
    behind_by = FIGURES_LAG + timedelta(seconds=1)
    SummaryState.objects.filter(name="figures").update(refreshed_at=F("refreshed_at") - behind_by)
    behind = figures_report(supervisor, period=QUARTER, now=NOW)
    assert counts(behind.force_total)[2] == counts(again.force_total)[2] + 1
    refreshed = figure_facts_refresh()
    assert (refreshed.full, refreshed.cases) == (False, 0)


def test_where_the_force_stands(west_midlands, report):
    position = report.position
    # STF-2026-000003: on bail, undecided. STF-2026-000001: a laptop waiting for forensic
    # examination since 20 Jan 2026; a positive and a negative triage in January.
    assert (position.on_bail, position.under_investigation) == (1, 0)
    assert position.forensic_backlog == 1
    waited = (NOW - datetime(2026, 1, 20, 10, 0, tzinfo=UTC)).total_seconds() / 86400
    assert position.forensic_backlog_median_days == position.forensic_backlog_oldest_days == round(waited, 1)
    assert (position.triaged, position.triage_positive, position.triage_positive_percent) == (2, 1, 50.0)
    # STF-2025-000099 was closed on 15 Feb 2026 (outcome 1).
    assert position.outcomes == [("1: Charged or summonsed", 1)]


def test_bail_is_counted_as_it_is_now_and_a_charging_decision_ends_it(west_midlands):
    april = figures_report(west_midlands["ds.okafor"], period=Period(date(2026, 4, 1), date(2026, 4, 30)), now=NOW)
    assert april.position is not None
    assert (april.position.triaged, april.position.triage_positive_percent, april.position.outcomes) == (0, None, [])
    assert april.position.on_bail == 1  # still waiting, whatever the period
    arrest = Arrest.objects.get(case__reference="STF-2026-000003")
    ChargingSubmissionFactory(
        case=arrest.case,
        subject=arrest.subject,
        submitted_at=datetime(2026, 4, 1, tzinfo=UTC),
        decision=ChargingSubmission.Decision.NO_FURTHER_ACTION,
        decision_at=datetime(2026, 4, 20, tzinfo=UTC),
    )
    figure_facts_refresh()  # as Celery does within the minute
    position = figures_report(west_midlands["ds.okafor"], period=QUARTER, now=NOW).position
    assert position is not None and position.on_bail == 0


def test_the_page_shows_the_published_numbers(client, west_midlands):
    client.force_login(west_midlands["ds.okafor"])
    response = client.get(reverse("reports:figures"), {"date_from": "2026-01-01", "date_to": "2026-03-31"})
    assert response.status_code == 200
    assert response.context["report"].force_total.counts["children_safeguarded"] == 5
    page = response.content.decode()
    assert "West Midlands (regional operation)" in page
    assert "<caption>Counts for Staffordshire Police by team, 1 Jan 2026 to 31 Mar 2026</caption>" in page
    assert "50.0% (1 of 2)" in page and "1: Charged or summonsed: 1" in page
    # As of the facts' last refresh, in London time.
    as_of = response.context["report"].facts_as_of
    assert f"Counted from the records as they stood at {when(as_of)}." in page
    read = AuditEntry.objects.filter(kind=AuditEntry.Kind.READ, object_type="cases.Figures").get()
    assert read.actor == west_midlands["ds.okafor"] and read.changes["date_from"] == "2026-01-01"


def test_the_page_defaults_to_the_last_90_days_and_explains_a_reversed_period(client, west_midlands):
    client.force_login(west_midlands["ds.okafor"])
    response = client.get(reverse("reports:figures"))
    period = response.context["period"]
    assert (period.last - period.first).days == 89 and period.last == timezone.localdate()
    response = client.get(reverse("reports:figures"), {"date_from": "2026-03-01", "date_to": "2026-02-01"})
    assert response.status_code == 400
    assert "The end date must be the same as or after the start date." in response.content.decode()


def test_officers_are_refused_the_figures(client, west_midlands):
    client.force_login(west_midlands["dc.hughes"])
    assert client.get(reverse("reports:figures")).status_code == 403
    assert client.get(reverse("reports:figures"), {"format": "csv"}).status_code == 403
    assert not AuditEntry.objects.filter(kind=AuditEntry.Kind.EXPORT).exists()


def rows_of(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_the_csv_download_has_exactly_the_published_numbers_and_is_audited_as_a_disclosure(client, west_midlands):
    client.force_login(west_midlands["ds.okafor"])
    response = client.get(
        reverse("reports:figures"), {"date_from": "2026-01-01", "date_to": "2026-03-31", "format": "csv"}
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode()
    rows = rows_of(text)
    assert list(rows[0]) == CSV_COLUMNS
    table = [(row["level"], row["force"], row["team"], *(int(row[name]) for name in COUNT_NAMES)) for row in rows]
    assert table == [
        ("Team", "Staffordshire Police", "POLIT", 1, 0, 1, 0, 0),
        ("Team", "Staffordshire Police", "Safenet", 2, 2, 3, 2, 5),
        ("Force", "Staffordshire Police", "", 3, 2, 4, 2, 5),
        ("Force in region", "Staffordshire Police", "", 3, 2, 4, 2, 5),
        ("Force in region", "Warwickshire Police", "", 2, 1, 1, 1, 4),
        ("Region", "", "", 5, 3, 5, 3, 9),
    ]
    assert {row["period_from"] for row in rows} == {"2026-01-01"} and {row["period_to"] for row in rows} == {
        "2026-03-31"
    }
    force = rows[2]
    assert (force["arrest_to_charging_decision_median_days"], force["arrest_to_charging_decision_p90_days"]) == (
        "20.0",
        "29.6",
    )
    assert force["charging_within_target_percent"] == "50.0"
    assert rows[5]["arrest_to_charging_decision_median_days"] == ""  # regional figures: counts only
    [entry] = AuditEntry.objects.filter(kind=AuditEntry.Kind.EXPORT)
    assert entry.actor == west_midlands["ds.okafor"]
    assert entry.recipient == "ds.okafor"
    assert entry.object_type == "cases.Figures"
    assert entry.changes == {"date_from": "2026-01-01", "date_to": "2026-03-31"}


def test_the_csv_is_the_report(west_midlands, report):
    assert rows_of(figures_csv([report]))[1]["team"] == "Safenet"


def test_a_name_that_looks_like_a_formula_is_not_one_in_the_csv(supervisor, force):
    TeamFactory(force=force, name="=HYPERLINK(1)")
    rows = rows_of(figures_csv([figures_report(supervisor, period=QUARTER, now=NOW)]))
    assert "'=HYPERLINK(1)" in [row["team"] for row in rows]


def test_a_closed_cases_unfinished_forensic_request_leaves_the_backlog(west_midlands):
    """The backlog is what open cases are waiting for: closing STF-2026-000001 takes its laptop out."""
    supervisor = west_midlands["ds.okafor"]
    position = figures_report(supervisor, period=QUARTER, now=NOW).position
    assert position is not None and position.forensic_backlog == 1
    case = Case.objects.get(reference="STF-2026-000001")
    Warrant.objects.filter(case=case).update(status=Warrant.Status.RETURNED)
    closed_at = datetime(2026, 4, 1, tzinfo=UTC)
    outstanding = case_closure_outstanding(case, closed_at)
    assert [item.key.split("-")[0] for item in outstanding] == ["forensic"]
    case_close(
        case=case,
        actor=supervisor,
        outcome_type=Closure.OutcomeType.values[0],
        closed_at=closed_at,
        rationale="Closed for the test.",
        retention_group=RetentionReview.Group.values[0],
        confirmations={item.key: "The examination is no longer needed." for item in outstanding},
    )
    assert Device.objects.filter(case=case, forensic_requested_at__isnull=False, forensic_completed_at=None).exists()
    figure_facts_refresh()  # as Celery does within the minute
    position = figures_report(supervisor, period=QUARTER, now=NOW).position
    assert position is not None and position.forensic_backlog == 0
