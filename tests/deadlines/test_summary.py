"""The deadline summary: what it stores is what computing gives, and a reader never sees it stale."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from audit.objects import ObjectType
from audit.services import audit_record
from cases.deadlines import Kind, deadlines_of_cases
from cases.models import Arrest, Case, ChargingSubmission, FigureFact, OutstandingDeadline, Subject, UnsummarisedWrite
from cases.services import summaries
from cases.services.case import case_log_add
from cases.services.summaries import (
    cases_to_compute,
    deadline_summary_refresh,
    deadlines_due_for,
    figure_facts_refresh,
    first_deadlines_due_for,
)
from safeguard.celery import app
from tests.deadlines.test_case_deadlines import issue_warrant
from tests.deadlines.test_views import case_with_missed_target
from tests.factories.cases import CaseFactory, SubjectFactory
from warrants.models import Warrant

pytestmark = pytest.mark.django_db
DAY = timedelta(days=1)
HOUR = timedelta(hours=1)


def shown(deadlines):
    """What the pages show of each deadline, and what reminders key it by."""
    return [(d.case.reference, d.kind, d.label, d.due_at, d.status, d.source, d.note, d.url, d.key) for d in deadlines]


@pytest.fixture
def cases(team, officer, supervisor):
    missed = case_with_missed_target(team, officer, supervisor)
    expiring = CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor)
    issue_warrant(expiring, officer, timezone.now() - 80 * DAY)  # expires in about ten days
    quiet = CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor)  # nothing due
    return missed, expiring, quiet


def test_before_the_first_refresh_every_deadline_is_computed(supervisor, cases):
    now = timezone.now()
    assert cases_to_compute(now=now) is None
    assert shown(deadlines_due_for(supervisor, now=now)) == shown(
        deadlines_of_cases(Case.objects.filter(status=Case.Status.OPEN), now=now)
    )


def test_the_summary_gives_what_computing_gives_and_is_read_when_up_to_date(supervisor, cases):
    now = timezone.now()
    computed = deadlines_due_for(supervisor, now=now)
    report = deadline_summary_refresh(now=now)
    assert report.full
    assert cases_to_compute(now=now) == set()
    stored = deadlines_due_for(supervisor, now=now)
    assert shown(stored) == shown(computed)
    assert {d.kind for d in stored} >= {Kind.CHARGING_TARGET, Kind.MASH_REFERRAL, Kind.WARRANT_EXPIRY}
    assert all(d.record is None for d in stored)  # read back from the summary, not computed
    # Outstanding deadlines on track are stored too, ready for when they become due soon.
    assert OutstandingDeadline.objects.count() >= len(stored)


@pytest.mark.parametrize("first", [1, 2, 3, 100])
def test_the_first_deadlines_are_the_most_urgent_of_them_all_with_their_number(supervisor, officer, cases, first):
    """A panel showing a few reads only those from the summary, and counts the rest there."""
    for days_ago in (79, 82, 81):  # three more warrants expiring within the fortnight, read from the summary
        warranted = CaseFactory(team=officer.teams.first(), officer_in_case=officer, supervisor=supervisor)
        issue_warrant(warranted, officer, timezone.now() - days_ago * DAY)
    now = timezone.now()
    deadline_summary_refresh(now=now)
    missed = cases[0]
    case_log_add(case=missed, actor=officer, kind="note", text="Chased the CPS.")  # computed afresh now
    every = deadlines_due_for(supervisor, now=now)
    assert {d.case for d in every} >= {missed} and sum(d.record is None for d in every) >= 2, shown(every)
    due = first_deadlines_due_for(supervisor, now=now, first=first)
    assert shown(due.first) == shown(every[:first])
    assert due.total == len(every)


def test_a_case_written_after_the_refresh_is_computed_afresh_at_once(supervisor, officer, cases):
    missed = cases[0]
    deadline_summary_refresh()
    arrest = Arrest.objects.get(case=missed)
    ChargingSubmission.objects.create(
        case=missed,
        subject=arrest.subject,
        submitted_at=timezone.now() - HOUR,
        submitted_by=officer,
        decision=ChargingSubmission.Decision.CHARGE,
        decision_at=timezone.now() - HOUR,
    )
    now = timezone.now()
    assert cases_to_compute(now=now) == {missed.pk}
    kinds = {d.kind for d in deadlines_due_for(supervisor, now=now) if d.case == missed}
    assert Kind.CHARGING_TARGET not in kinds
    # The next refresh takes in only that case; then nothing is left to compute.
    report = deadline_summary_refresh(now=now)
    assert not report.full
    assert cases_to_compute(now=now) == set()
    after = deadlines_due_for(supervisor, now=now)
    assert shown(after) == shown(deadlines_of_cases(Case.objects.filter(status=Case.Status.OPEN), now=now))
    assert Kind.CHARGING_TARGET not in {d.kind for d in after if d.case == missed}


def test_a_deadline_that_falls_due_after_the_refresh_is_computed_afresh(supervisor, cases):
    """The warrant expires unexecuted after the refresh: its expiry lapses and its return is due."""
    expiring = cases[1]
    warrant = Warrant.objects.get(case=expiring)
    deadline_summary_refresh()
    assert warrant.expires_at is not None
    later = warrant.expires_at + HOUR
    assert expiring.pk in (cases_to_compute(now=later) or set())
    # The summary still holds the expiry, which would show as missed; computed afresh, it has lapsed.
    assert OutstandingDeadline.objects.filter(case=expiring, kind=Kind.WARRANT_EXPIRY).exists()
    kinds = {d.kind for d in deadlines_due_for(supervisor, now=later) if d.case == expiring}
    assert Kind.WARRANT_EXPIRY not in kinds
    assert shown(deadlines_due_for(supervisor, now=later)) == shown(
        deadlines_of_cases(Case.objects.filter(status=Case.Status.OPEN), now=later)
    )


def test_a_closed_case_leaves_the_summary(supervisor, cases):
    missed = cases[0]
    deadline_summary_refresh()
    Case.objects.filter(pk=missed.pk).update(status=Case.Status.CLOSED, stage=Case.Stage.CLOSED)
    assert missed not in {d.case for d in deadlines_due_for(supervisor, now=timezone.now())}
    deadline_summary_refresh()
    assert not OutstandingDeadline.objects.filter(case=missed).exists()


def test_a_refresh_writes_nothing_to_the_audit_trail(cases):
    before = AuditEntry.objects.count()
    deadline_summary_refresh()
    deadline_summary_refresh(full=True)
    assert AuditEntry.objects.count() == before
    # What was queued for the deadlines is taken in; the figures' queue waits for their refresh.
    assert not UnsummarisedWrite.objects.filter(summary="deadlines").exists()
    assert UnsummarisedWrite.objects.filter(summary="figures").exists()


def test_the_deadlines_page_costs_the_same_queries_for_1_and_for_many_cases(client, team, officer, supervisor):
    def queries() -> int:
        deadline_summary_refresh(full=True)
        client.force_login(supervisor)
        client.get(reverse("cases:deadlines"))  # the first request of a session does more
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("cases:deadlines")).status_code == 200
        return len(captured)

    case_with_missed_target(team, officer, supervisor)
    one = queries()
    for _ in range(8):
        case = CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor)
        Arrest.objects.create(
            case=case,
            subject=SubjectFactory(case=case),
            arrested_at=timezone.now() - 30 * DAY,
            arresting_officer=officer,
        )
    assert queries() == one


def test_celery_beat_refreshes_every_minute_and_from_scratch_every_hour():
    schedule = app.conf.beat_schedule
    assert schedule["refresh-summaries"]["task"] == "cases.tasks.refresh_summaries"
    assert schedule["refresh-summaries-full"]["kwargs"] == {"full": True}
    assert len(schedule["refresh-summaries"]["schedule"].minute) == 60
    assert schedule["refresh-summaries-full"]["schedule"].minute == {5}


def test_the_command_rebuilds_both_summaries_from_scratch(cases):
    out = StringIO()
    call_command("refresh_summaries", "--full", stdout=out)
    assert "(from scratch)" in out.getvalue()
    assert OutstandingDeadline.objects.exists() and FigureFact.objects.filter(measure="investigation").count() == 3
    again = StringIO()
    call_command("refresh_summaries", stdout=again)
    assert "Figure facts: 0 facts of 0 cases." in again.getvalue()


def _queued(summary: str) -> set[tuple[str, str]]:
    return set(UnsummarisedWrite.objects.filter(summary=summary).values_list("case_reference", "object_type"))


def test_every_write_to_a_case_is_queued_for_each_summary_and_nothing_else_is(officer, cases):
    missed, _, quiet = cases
    deadline_summary_refresh(full=True)
    figure_facts_refresh(full=True)
    assert not UnsummarisedWrite.objects.exists()

    subject = SubjectFactory(case=quiet)  # the audit row trigger's `create` entry
    Subject.objects.filter(pk=subject.pk).update(full_name="Liam Shaw")  # a `change` entry
    audit_record(kind=AuditEntry.Kind.READ, actor=officer, object_type=Case, case_reference=missed.reference)
    audit_record(kind=AuditEntry.Kind.CHANGE, actor=officer, object_type=ObjectType.PAGE)  # no case named
    expected = {(quiet.reference, "cases.Subject")}
    assert _queued("deadlines") == _queued("figures") == expected
    assert UnsummarisedWrite.objects.count() == 4  # a create and a change, for each summary

    # Each refresh takes in its own queue, and leaves the other's.
    assert deadline_summary_refresh().cases >= 0
    assert (_queued("deadlines"), _queued("figures")) == (set(), expected)
    assert figure_facts_refresh().cases == 1
    assert not UnsummarisedWrite.objects.exists()


def test_readers_and_refreshes_find_the_cases_written_without_reading_the_audit_trail(officer, cases):
    """The trail is partitioned by month: a query of it with no time in it is planned over every
    partition, which nationally costs more than the page (docs/performance.md)."""
    missed = cases[0]
    deadline_summary_refresh(full=True)
    figure_facts_refresh(full=True)
    case_log_add(case=missed, actor=officer, kind="note", text="Chased the CPS.")
    with CaptureQueriesContext(connection) as captured:
        assert cases_to_compute(now=timezone.now()) == {missed.pk}
        assert figure_facts_refresh(if_needed=True).cases == 0  # refreshed under FIGURES_LAG ago
        assert deadline_summary_refresh().cases == 1
        assert figure_facts_refresh().cases == 1
        assert cases_to_compute(now=timezone.now()) == set()
    trail = [query["sql"] for query in captured if "audit_auditentry" in query["sql"]]
    assert not trail, trail


def test_a_refresh_that_fails_leaves_the_queue_as_it_was(officer, cases, monkeypatch):
    missed = cases[0]
    deadline_summary_refresh(full=True)
    case_log_add(case=missed, actor=officer, kind="note", text="Chased the CPS.")

    def fail(*args, **kwargs):
        raise RuntimeError("the worker is stopped mid-way")

    monkeypatch.setattr(summaries, "outstanding_deadlines_of_cases", fail)
    with pytest.raises(RuntimeError):
        deadline_summary_refresh()
    assert cases_to_compute(now=timezone.now()) == {missed.pk}
    monkeypatch.undo()
    deadline_summary_refresh()
    assert cases_to_compute(now=timezone.now()) == set()


def test_the_queue_is_joined_to_the_cases_by_their_reference_index():
    """The queue's references have the collation of `Case.reference`: with another, the comparison
    cannot use the case reference's index, and every case is read to find the few queued."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, collation_name FROM information_schema.columns WHERE (table_name, column_name) "
            "IN (('cases_case', 'reference'), ('cases_unsummarisedwrite', 'case_reference'))"
        )
        collations = dict(cursor.fetchall())
    assert set(collations) == {"cases_case", "cases_unsummarisedwrite"}
    assert collations["cases_unsummarisedwrite"] == collations["cases_case"]


def test_the_pages_of_the_day_read_no_audit_entry(client, officer, supervisor, cases):
    """The pages people open all day find what changed from the summaries and their queue, never by
    reading the audit trail, which is partitioned by month: a query of it with no time in it is
    planned over every partition (docs/performance.md). They only add their own `read` entries."""
    missed = cases[0]
    deadline_summary_refresh(full=True)
    figure_facts_refresh(full=True)
    case_log_add(case=missed, actor=officer, kind="note", text="Chased the CPS.")  # queued, not yet taken in
    pages = {
        officer: [reverse("work:my_work"), reverse("cases:detail", args=[missed.reference])],
        supervisor: [reverse("work:my_work"), reverse("reports:dashboard"), reverse("cases:deadlines")],
    }
    for person, urls in pages.items():
        client.force_login(person)
        for url in urls:
            with CaptureQueriesContext(connection) as captured:
                assert client.get(url).status_code == 200, url
            reads = [query["sql"] for query in captured if 'FROM "audit_auditentry"' in query["sql"]]
            assert not reads, (url, reads)
