"""The supervisor's dashboard: the four-week charging table, the share within target, caseloads,
charts with a table beside them, only cases the supervisor may see, and a fixed number of queries."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.roles import OFFICER
from audit.models import AuditEntry
from cases import rules
from cases.deadlines import Status
from cases.models import Case, ChargingSubmission
from reports.dashboard import (
    caseload,
    charging_performance,
    charging_rows,
)
from reports.sql import Period
from tests.factories.cases import CaseFactory, SubjectFactory
from tests.factories.custody import ArrestFactory, ChargingSubmissionFactory
from tests.factories.people import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def now():
    return timezone.now()


@pytest.fixture
def colleague(team):
    return UserFactory(username="dc.reid", first_name="Ana", last_name="Reid", rank="DC", teams=[team], roles=[OFFICER])


def arrested(case, now, days_ago: float, *, decided_after: float | None = None, decision: str = "charge"):
    """An arrest `days_ago`, decided `decided_after` days after the arrest (or not decided)."""
    subject = SubjectFactory(case=case)
    arrest = ArrestFactory(case=case, subject=subject, arrested_at=now - timedelta(days=days_ago))
    if decided_after is not None:
        decided_at = arrest.arrested_at + timedelta(days=decided_after)
        ChargingSubmissionFactory(
            case=case,
            subject=subject,
            submitted_at=arrest.arrested_at + timedelta(hours=1),
            decision=decision,
            decision_at=decided_at,
        )
    return arrest


@pytest.fixture
def case(team, officer, supervisor):
    return CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor, reference="STF-2026-000101")


def test_each_arrest_has_its_status_in_words_most_urgent_first(case, supervisor, now):
    on_track = arrested(case, now, 3)
    met = arrested(case, now, 20, decided_after=10)
    missed = arrested(case, now, 40)
    due_soon = arrested(case, now, 25)
    late = arrested(case, now, 45, decided_after=35, decision=ChargingSubmission.Decision.NO_FURTHER_ACTION)
    arrested(case, now, 200, decided_after=10)  # arrested before the period: not on the table

    rows = charging_rows(supervisor, now=now).rows

    assert [(row.arrest, row.status) for row in rows] == [
        (missed, Status.MISSED),
        (due_soon, Status.DUE_SOON),
        (on_track, Status.ON_TRACK),
        (late, Status.MISSED),
        (met, Status.MET),
    ]
    assert [row.days_since_arrest for row in rows] == [40, 25, 3, 45, 20]
    assert all(row.target_at == rules.charging_target_at(row.arrest.arrested_at) for row in rows)
    assert rows[3].decision_label == "No further action" and rows[3].days_to_decision == 35.0
    period = Period(timezone.localdate() - timedelta(days=89), timezone.localdate())
    assert charging_performance(supervisor, period=period, now=now).counts() == {
        Status.MISSED: 2,
        Status.DUE_SOON: 1,
        Status.ON_TRACK: 1,
        Status.MET: 1,
    }


def test_a_request_for_further_evidence_or_a_decision_before_the_arrest_is_not_a_decision(case, supervisor, now):
    waiting = arrested(case, now, 10, decided_after=2, decision=ChargingSubmission.Decision.FURTHER_EVIDENCE)
    earlier = arrested(case, now, 5)
    ChargingSubmissionFactory(
        case=case,
        subject=earlier.subject,
        submitted_at=earlier.arrested_at - timedelta(days=3),
        decision=ChargingSubmission.Decision.CHARGE,
        decision_at=earlier.arrested_at - timedelta(days=2),
    )
    rows = charging_rows(supervisor, now=now).rows
    assert {row.arrest.pk: row.decision_at for row in rows} == {waiting.pk: None, earlier.pk: None}


def test_the_target_follows_the_setting(case, supervisor, now, settings):
    settings.CHARGING_TARGET_DAYS = 14
    arrest = arrested(case, now, 20)
    [row] = charging_rows(supervisor, now=now).rows
    assert row.status == Status.MISSED
    assert row.target_at == rules.charging_target_at(arrest.arrested_at) == arrest.arrested_at + timedelta(days=14)


def test_it_shows_only_cases_the_supervisor_may_see(case, supervisor, outsider, other_team, team, now):
    mine = arrested(case, now, 3)
    arrested(CaseFactory(team=other_team, officer_in_case=outsider), now, 3)
    restricted = CaseFactory(team=team, restricted=True)
    arrested(restricted, now, 3)
    assert [row.arrest for row in charging_rows(supervisor, now=now).rows] == [mine]
    assert [row.officer_name for row in caseload(supervisor)] == [str(case.officer_in_case)]


def test_it_filters_by_team_and_officer(case, supervisor, colleague, team, other_team, now):
    mine = arrested(case, now, 3)
    theirs = arrested(CaseFactory(team=team, officer_in_case=colleague, supervisor=supervisor), now, 4)
    supervisor.teams.add(other_team)
    elsewhere = arrested(CaseFactory(team=other_team), now, 5)
    assert {row.arrest for row in charging_rows(supervisor, now=now).rows} == {mine, theirs, elsewhere}
    assert {row.arrest for row in charging_rows(supervisor, now=now, officer=colleague).rows} == {theirs}
    assert {row.arrest for row in charging_rows(supervisor, now=now, team=other_team).rows} == {elsewhere}


def test_share_within_target_and_median_days_for_a_period(case, supervisor, now):
    arrested(case, now, 60, decided_after=10)  # met
    arrested(case, now, 55, decided_after=20)  # met
    arrested(case, now, 50, decided_after=40)  # missed: decided late
    arrested(case, now, 45)  # missed: undecided, past target
    arrested(case, now, 5)  # waiting: still within target
    arrested(case, now, 120, decided_after=1)  # before the period
    period = Period(timezone.localdate() - timedelta(days=89), timezone.localdate())
    performance = charging_performance(supervisor, period=period, now=now)
    assert (performance.arrests, performance.decided, performance.met, performance.missed, performance.waiting) == (
        5,
        3,
        2,
        2,
        1,
    )
    assert performance.share_met == 50.0
    assert performance.median_days == 20.0


def test_caseload_counts_open_cases_per_officer_by_stage(team, officer, colleague, supervisor):
    for stage in (Case.Stage.INVESTIGATION, Case.Stage.INVESTIGATION, Case.Stage.ARREST):
        CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor, stage=stage)
    CaseFactory(team=team, officer_in_case=colleague, supervisor=supervisor, stage=Case.Stage.CHARGING)
    CaseFactory(team=team, officer_in_case=colleague, supervisor=supervisor, status=Case.Status.CLOSED)
    rows = caseload(supervisor)
    assert [(row.officer_name, row.total) for row in rows] == [("DC Sam Hughes", 3), ("DC Ana Reid", 1)]
    assert dict(rows[0].by_stage)[Case.Stage.INVESTIGATION] == 2
    assert dict(rows[0].by_stage)[Case.Stage.ARREST] == 1
    assert dict(rows[1].by_stage)[Case.Stage.CHARGING] == 1


def test_the_page_shows_the_table_the_charts_and_their_text_alternatives(client, case, supervisor, now):
    arrested(case, now, 40)
    arrested(case, now, 20, decided_after=10)
    client.force_login(supervisor)
    response = client.get(reverse("reports:dashboard"))
    assert response.status_code == 200
    page = response.content.decode()
    assert '<span class="tag tag-red">Missed</span>' in page
    assert '<span class="tag tag-green">Met</span>' in page
    assert 'role="img" aria-labelledby="charging-status-title charging-status-desc"' in page
    assert '<desc id="charging-status-desc">Missed: 1; Due soon: 0; On track: 0; Met: 1</desc>' in page
    assert '<rect class="chart-bar chart-missed"' in page
    assert "<caption>Open cases per officer in the case, by stage" in page
    assert "style=" not in page and re.search(r"<script(?![^>]*\bsrc=)", page) is None
    assert "STF-2026-000101" in page
    entry = AuditEntry.objects.get(kind=AuditEntry.Kind.READ, object_type="cases.Dashboard")
    assert entry.actor == supervisor and entry.changes["case_references"] == ["STF-2026-000101"]


def test_officers_are_refused_the_dashboard(client, officer):
    client.force_login(officer)
    response = client.get(reverse("reports:dashboard"))
    assert response.status_code == 403
    assert "Your role does not allow this." in response.content.decode()
    assert AuditEntry.objects.filter(kind=AuditEntry.Kind.ACCESS_DENIED).exists()


def test_the_navigation_links_to_the_dashboard_for_supervisors_only(client, officer, supervisor):
    client.force_login(supervisor)
    assert f'href="{reverse("reports:dashboard")}"' in client.get(reverse("cases:list")).content.decode()
    client.force_login(officer)
    assert f'href="{reverse("reports:dashboard")}"' not in client.get(reverse("cases:list")).content.decode()


def test_a_bad_filter_is_explained_and_not_applied(client, case, supervisor, now):
    arrested(case, now, 3)
    client.force_login(supervisor)
    response = client.get(reverse("reports:dashboard"), {"team": "999999", "date_from": "not a date"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "This filter was not applied." in page
    assert len(response.context["rows"]) == 1


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_page_costs_the_same_number_of_queries_with_1_or_50_arrests(client, case, supervisor, colleague, now):
    client.force_login(supervisor)
    url = reverse("reports:dashboard")
    arrested(case, now, 3)
    client.get(url)  # the first request of a session also touches the session itself
    one = _queries(client, url)
    for index in range(49):
        other = CaseFactory(team=case.team, officer_in_case=colleague, supervisor=supervisor)
        arrested(other, now, index % 40, decided_after=(index % 3) or None)
    fifty = _queries(client, url)
    assert len(client.get(url).context["rows"]) == 25  # a page of the table
    assert fifty == one
