"""Keeping the summary tables up to date (cases/models/summaries.py, docs/performance.md).

Every open case's outstanding deadlines are stored by `deadline_summary_refresh`, which Celery runs
every minute for what changed (`safeguard/celery.py`) and every hour from scratch. What is
stored is what `cases.deadlines.case_deadlines` computes; whether a deadline is due soon or missed
is worked out when it is read, so the passing of time alone needs no refresh.

How a reader knows what the summary may have missed, so that it is never stale:

- a case written since the refresh: every write of case data leaves an entry in the audit trail
  naming its case, and a trigger on the trail queues the write for each summary in the same
  transaction (`UnsummarisedWrite`, migration cases/0043). A write is in the queue exactly when it
  has committed, whatever order transactions commit in. A refresh deletes the rows it takes in, in
  the transaction that stores what it computed, so a write committed while it runs stays queued for
  readers and for the next refresh;
- a case with a stored deadline that has fallen due since the refresh: a warrant that expired
  unexecuted is then due for return, a review of detention is followed by the next one.

`cases_to_compute` names both kinds; `deadlines_due_for` recomputes those cases and reads the
rest from the summary. Two changes that come with time alone are left to the next full refresh, at
most an hour later: a listed first court appearance whose time has come (it then counts as
held), and a detention past its 96-hour maximum with no release recorded.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, DateTimeField, ExpressionWrapper, F, Q, QuerySet, Value, Window
from django.db.models.functions import Collate
from django.utils import timezone

from accounts.models import Team, User
from cases.deadlines import (
    DECIDED,
    Deadline,
    Kind,
    deadline_status,
    deadlines_of_cases,
    due_soon_threshold,
    most_urgent_first,
    outstanding_deadlines_of_cases,
)
from cases.models import (
    Case,
    ChargingSubmission,
    CourtHearing,
    FigureFact,
    FigureFactsVersion,
    FiguresCache,
    Notification,
    OutstandingDeadline,
    SummaryState,
    UnsummarisedWrite,
)
from cases.rules import LONDON
from cases.selectors import one_of_ids, open_case_ids

DEADLINES = "deadlines"


@dataclass(frozen=True)
class RefreshReport:
    full: bool
    cases: int
    rows: int
    # The moment the summary holds every write up to: its last refresh.
    as_of: datetime | None = None
    # The forces whose figure facts this refresh changed (their FigureFactsVersion moved on).
    forces_changed: tuple[int, ...] = ()


# Records written under a case's reference in the audit trail that neither the deadlines nor the
# figures read: a case written only in these keeps its summaries, and is not recomputed on each read
# until the next refresh. The reminders themselves, and what the apps above cases register (work:
# tasks and reviews, WorkConfig.ready).
_NOT_SUMMARISED: set[str] = {Notification._meta.label}


def register_not_summarised(*labels: str) -> None:
    """Writes of the models `labels` ("app.Model") leave the summaries as they are (they read none)."""
    _NOT_SUMMARISED.update(labels)


def _queued(summary: str) -> QuerySet[UnsummarisedWrite]:
    """The writes queued for `summary`, of the records it reads."""
    return UnsummarisedWrite.objects.filter(summary=summary).exclude(object_type__in=sorted(_NOT_SUMMARISED))


def _queued_cases(summary: str) -> set[int]:
    """Ids of the cases with a write queued for `summary`. One query."""
    references = _queued(summary).values("case_reference")
    return set(Case.objects.filter(reference__in=references).values_list("pk", flat=True))


def _take_queued(summary: str) -> set[int]:
    """Take the writes queued for `summary` off the queue: ids of their cases, of the records it reads
    (as `_queued_cases` reads them). One query.

    Deleted in the refresh's transaction, so they are back if it fails, and a write committed after
    this statement began stays queued. Readers see the queue as it was until the refresh commits."""
    with connection.cursor() as cursor:
        cursor.execute(
            "WITH taken AS (DELETE FROM cases_unsummarisedwrite WHERE summary = %s "
            "RETURNING case_reference, object_type) SELECT id FROM cases_case WHERE reference IN "
            "(SELECT case_reference FROM taken WHERE object_type <> ALL(%s))",
            [summary, sorted(_NOT_SUMMARISED)],
        )
        return {case_id for (case_id,) in cursor.fetchall()}


def _locked_state(name: str) -> SummaryState:
    """The summary's state row, locked until the refresh commits: refreshes of it queue here."""
    state, _ = SummaryState.objects.select_for_update().get_or_create(name=name)
    return state


def _move_on(state: SummaryState, *, now: datetime, full: bool) -> None:
    """Record that the summary holds every write queued before the refresh, as at `now`."""
    state.refreshed_at = now
    if full:
        state.full_refresh_at = now
    state.save()


def _fell_due(after: datetime, until: datetime) -> set[int]:
    """Ids of cases with a stored deadline that fell due after `after`, up to `until`."""
    stored = OutstandingDeadline.objects.filter(due_at__gt=after, due_at__lte=until)
    return set(stored.values_list("case_id", flat=True).distinct())


def cases_to_compute(*, now: datetime) -> set[int] | None:
    """The cases whose deadlines must be recomputed rather than read from the summary (see the
    module's docstring), or None if the summary has never been filled. Three queries."""
    state = SummaryState.objects.filter(name=DEADLINES, full_refresh_at__isnull=False).first()
    if state is None or state.refreshed_at is None:
        return None
    return _queued_cases(DEADLINES) | _fell_due(state.refreshed_at, now)


def _is_urgent(now: datetime) -> Q:
    """Due soon or missed at `now`: due within its kind's due-soon threshold, or already past."""
    urgent = Q()
    for kind in Kind:
        urgent |= Q(kind=kind.value, due_at__lte=now + due_soon_threshold(kind.value))
    return urgent


def _stored_urgent(case_ids: Iterable[int], now: datetime) -> QuerySet[OutstandingDeadline]:
    # The cases as an array, so the rows are read by case from the (case, due_at) index: the cost
    # follows the person's open cases, not every urgent deadline of the country.
    return OutstandingDeadline.objects.filter(one_of_ids("case_id", case_ids)).filter(_is_urgent(now))


def stored_urgent_deadlines(case_ids: Iterable[int], *, now: datetime) -> list[Deadline]:
    """The due-soon and missed deadlines of the cases `case_ids` as the summary holds them. One query."""
    rows = _stored_urgent(case_ids, now).select_related("case__officer_in_case")
    return [_stored_deadline(row, now) for row in rows]


def stored_urgent_first(case_ids: Iterable[int], *, now: datetime, first: int) -> tuple[list[Deadline], int]:
    """The `first` most urgent of `stored_urgent_deadlines`, in `most_urgent_first`'s order (the
    reference compared byte by byte, as Python compares it), and how many there are in all, counted
    with them (a window over the rows, before the LIMIT). One query."""
    # Sorted by `due_at + 0`, the same order: otherwise the LIMIT tempts PostgreSQL to walk every
    # urgent deadline of the country by the due-time index until it has found `first` of these
    # cases', rather than read these cases' rows by the (case, due_at) index and sort them.
    due_at = ExpressionWrapper(F("due_at") + Value(timedelta(0)), output_field=DateTimeField())
    rows = list(
        _stored_urgent(case_ids, now)
        .select_related("case__officer_in_case")
        .annotate(in_all=Window(Count("pk")))
        .order_by(due_at, Collate("case__reference", "C"), Collate("kind", "C"))[:first]
    )
    return [_stored_deadline(row, now) for row in rows], rows[0].in_all if rows else 0


def _stored_deadline(row: OutstandingDeadline, now: datetime) -> Deadline:
    return Deadline(
        kind=row.kind,
        label=row.label,
        due_at=row.due_at,
        source=row.source,
        status=deadline_status(kind=row.kind, due_at=row.due_at, met_at=None, now=now),
        case=row.case,
        record=None,
        note=row.note,
        url=row.url,
        record_type=row.record_type,
        record_id=row.record_id,
    )


def _row(deadline: Deadline) -> OutstandingDeadline:
    return OutstandingDeadline(
        case_id=deadline.case.pk,
        kind=deadline.kind,
        label=deadline.label,
        due_at=deadline.due_at,
        source=deadline.source,
        note=deadline.note,
        url=deadline.url,
        record_type=deadline.record_type,
        record_id=deadline.record_id,
    )


def deadline_summary_refresh(*, now: datetime | None = None, full: bool = False) -> RefreshReport:
    """Bring the deadline summary up to date: from scratch (`full`, or if it was never filled), or
    for the cases written or fallen due since the last refresh. Idempotent, and safe to run
    concurrently: runs queue on the summary's state row."""
    with transaction.atomic():
        return _refresh_deadlines(now=now or timezone.now(), full=full)


def _refresh_deadlines(*, now: datetime, full: bool) -> RefreshReport:
    state = _locked_state(DEADLINES)
    full = full or state.full_refresh_at is None or state.refreshed_at is None
    written = _take_queued(DEADLINES)
    if full:
        OutstandingDeadline.objects.all().delete()
        cases = Case.objects.filter(status=Case.Status.OPEN)
    else:
        assert state.refreshed_at is not None
        ids = written | _fell_due(state.refreshed_at, now)
        OutstandingDeadline.objects.filter(case_id__in=ids).delete()
        cases = Case.objects.filter(pk__in=ids, status=Case.Status.OPEN)
    deadlines = outstanding_deadlines_of_cases(cases, now=now)
    OutstandingDeadline.objects.bulk_create((_row(d) for d in deadlines), batch_size=2000)
    _move_on(state, now=now, full=full)
    cases_done = len({d.case.pk for d in deadlines})
    return RefreshReport(full=full, cases=cases_done, rows=len(deadlines), as_of=now)


# --- Figure facts --------------------------------------------------------------------------------

FIGURES = "figures"
# A report reads the figure facts as Celery keeps them (every minute) and brings them up to date
# itself only when their last refresh is older than this (Celery stopped or behind). Nationally
# some case is written every few seconds: a report that took in every write itself would run the
# refresh, and then recompute its figures, on nearly every request (docs/performance.md).
FIGURES_LAG = timedelta(minutes=2)
_FACT_COLUMNS = "case_id, force_id, team_id, measure, at, days, amount, subject_id, detail, due_at, done_at, case_open"
# One INSERT ... SELECT per measure (cases/models/summaries.py, FigureFact.Measure), over the cases
# that `{cases}` selects (alias c). Each follows what docs/figures.md says the figure counts.
_FACT_SELECTS = (
    # Investigations opened.
    "SELECT c.id, c.force_id, c.team_id, 'investigation', c.opened_at, NULL, 1, NULL, '', NULL, NULL, "
    "c.status = 'open' FROM cases_case c WHERE {cases}",
    # Warrants issued, with the days from the referral's receipt (none without a referral).
    "SELECT c.id, c.force_id, c.team_id, 'warrant_issued', w.issued_at, "
    "(EXTRACT(EPOCH FROM (w.issued_at - r.received_at)) / 86400.0), 1, NULL, '', NULL, NULL, c.status = 'open' "
    "FROM warrants_warrant w JOIN cases_case c ON c.id = w.case_id "
    "LEFT JOIN cases_referral r ON r.id = c.referral_id WHERE {cases} AND w.issued_at IS NOT NULL "
    "AND w.withdrawn_at IS NULL",
    # Warrants executed, with the days from issue.
    "SELECT c.id, c.force_id, c.team_id, 'warrant_executed', w.executed_at, "
    "(EXTRACT(EPOCH FROM (w.executed_at - w.issued_at)) / 86400.0), 1, NULL, '', NULL, NULL, c.status = 'open' "
    "FROM warrants_warrant w JOIN cases_case c ON c.id = w.case_id "
    "WHERE {cases} AND w.executed_at IS NOT NULL AND w.withdrawn_at IS NULL",
    # Arrests: the charging target, the decision (the first charge, NFA or caution for that subject on
    # that case at or after the arrest), the days to it, and the latest release.
    "SELECT c.id, c.force_id, c.team_id, 'arrest', a.arrested_at, "
    "(EXTRACT(EPOCH FROM (d.decision_at - a.arrested_at)) / 86400.0), 1, a.subject_id, COALESCE(rel.kind, ''), "
    "timezone(%(london)s, timezone(%(london)s, a.arrested_at) + make_interval(days => %(target_days)s)), "
    "d.decision_at, c.status = 'open' FROM cases_arrest a JOIN cases_case c ON c.id = a.case_id "
    "LEFT JOIN LATERAL (SELECT s.decision_at FROM cases_chargingsubmission s WHERE s.case_id = a.case_id "
    "AND s.subject_id = a.subject_id AND s.decision = ANY(%(decided)s) AND s.decision_at >= a.arrested_at "
    "AND s.withdrawn_at IS NULL "
    "ORDER BY s.decision_at, s.id LIMIT 1) d ON TRUE "
    "LEFT JOIN LATERAL (SELECT r.kind FROM cases_release r WHERE r.arrest_id = a.id AND r.withdrawn_at IS NULL "
    "ORDER BY r.released_at DESC, r.id DESC LIMIT 1) rel ON TRUE WHERE {cases} AND a.withdrawn_at IS NULL",
    # Arrests with a first court appearance (the first for that subject at or after the arrest).
    "SELECT c.id, c.force_id, c.team_id, 'first_court', a.arrested_at, "
    "(EXTRACT(EPOCH FROM (h.hearing_at - a.arrested_at)) / 86400.0), 1, a.subject_id, '', NULL, NULL, "
    "c.status = 'open' "
    "FROM cases_arrest a JOIN cases_case c ON c.id = a.case_id "
    "JOIN LATERAL (SELECT h.hearing_at FROM cases_courthearing h WHERE h.case_id = a.case_id "
    "AND h.subject_id = a.subject_id AND h.hearing_type = %(first_appearance)s AND h.hearing_at >= a.arrested_at "
    "AND h.withdrawn_at IS NULL ORDER BY h.hearing_at, h.id LIMIT 1) h ON TRUE "
    "WHERE {cases} AND a.withdrawn_at IS NULL",
    # Decisions to charge, by subject (people charged are counted once).
    "SELECT c.id, c.force_id, c.team_id, 'charged', s.decision_at, NULL, 1, s.subject_id, '', NULL, NULL, "
    "c.status = 'open' FROM cases_chargingsubmission s JOIN cases_case c ON c.id = s.case_id "
    "WHERE {cases} AND s.decision = %(charge)s AND s.decision_at IS NOT NULL AND s.withdrawn_at IS NULL",
    # MASH referrals: children safeguarded, and the days from the case's first arrest before it.
    "SELECT c.id, c.force_id, c.team_id, 'mash_referral', g.mash_referred_at, "
    "(EXTRACT(EPOCH FROM (g.mash_referred_at - fa.arrested_at)) / 86400.0), g.children_safeguarded, "
    "NULL, '', NULL, NULL, c.status = 'open' "
    "FROM cases_safeguardingreferral g "
    "JOIN cases_case c ON c.id = g.case_id LEFT JOIN LATERAL (SELECT a.arrested_at FROM cases_arrest a "
    "WHERE a.case_id = g.case_id AND a.withdrawn_at IS NULL AND a.arrested_at <= g.mash_referred_at "
    "ORDER BY a.arrested_at, a.id LIMIT 1) fa "
    "ON TRUE WHERE {cases} AND g.mash_referred_at IS NOT NULL AND g.withdrawn_at IS NULL",
    # Forensic examinations requested, and completed.
    "SELECT c.id, c.force_id, c.team_id, 'forensic_request', v.forensic_requested_at, NULL, 1, NULL, '', NULL, "
    "v.forensic_completed_at, c.status = 'open' FROM cases_device v JOIN cases_case c ON c.id = v.case_id "
    "WHERE {cases} AND v.forensic_requested_at IS NOT NULL AND v.withdrawn_at IS NULL",
    # Devices triaged, with the result.
    "SELECT c.id, c.force_id, c.team_id, 'triage', v.triaged_at, NULL, 1, NULL, v.triage_result, NULL, NULL, "
    "c.status = 'open' FROM cases_device v JOIN cases_case c ON c.id = v.case_id "
    "WHERE {cases} AND v.triaged_at IS NOT NULL AND v.withdrawn_at IS NULL",
    # Closures, with the Home Office outcome.
    "SELECT c.id, c.force_id, c.team_id, 'closure', x.closed_at, NULL, 1, NULL, x.outcome_type, NULL, NULL, "
    "c.status = 'open' FROM cases_closure x JOIN cases_case c ON c.id = x.case_id WHERE {cases} "
    "AND x.reopened_at IS NULL",
)


def _fill_facts(cases_sql: str, params: dict[str, Any]) -> int:
    params = {
        **params,
        "london": LONDON.key,
        "target_days": settings.CHARGING_TARGET_DAYS,
        "decided": [str(decision) for decision in DECIDED],
        "charge": str(ChargingSubmission.Decision.CHARGE),
        "first_appearance": str(CourtHearing.Type.FIRST_APPEARANCE),
    }
    inserted = 0
    with connection.cursor() as cursor:
        for select in _FACT_SELECTS:
            sql = f"INSERT INTO cases_figurefact ({_FACT_COLUMNS}) " + select.format(cases=cases_sql)
            cursor.execute(sql, params)
            inserted += cursor.rowcount
    return inserted


def _facts_digests(case_ids: list[int]) -> dict[int, str]:
    """A digest of the facts of `case_ids`, per force: equal before and after a refresh when none of
    the force's facts changed (most writes change none: a case log entry, a hearing adjourned)."""
    if not case_ids:
        return {}
    row = f"ROW({_FACT_COLUMNS})::text"  # the fact's columns, a constant of this module
    sql = f"SELECT force_id, md5(string_agg({row}, ',' ORDER BY {row})) FROM cases_figurefact WHERE case_id = ANY(%s) GROUP BY force_id"  # noqa: S608, E501
    with connection.cursor() as cursor:
        cursor.execute(sql, [case_ids])
        return dict(cursor.fetchall())


def _move_versions_on(before: dict[int, str], after: dict[int, str]) -> tuple[int, ...]:
    """Move on the version of each force whose facts changed, so that figures cached from its old
    facts (`FiguresCache`) are no longer read (they are stale). Returns those forces."""
    changed = sorted(force for force in before.keys() | after.keys() if before.get(force) != after.get(force))
    if not changed:
        return ()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {FigureFactsVersion._meta.db_table} (force_id, version) SELECT unnest(%s::bigint[]), 1 "
            f"ON CONFLICT (force_id) DO UPDATE SET version = {FigureFactsVersion._meta.db_table}.version + 1",
            [changed],
        )
    return tuple(changed)


def figure_facts_refresh(*, full: bool = False, if_needed: bool = False) -> RefreshReport:
    """Bring the figure facts up to date: from scratch (`full`, or if never filled), or for the cases
    written since the last refresh. Facts do not change with time alone, so nothing else is needed.

    With `if_needed` (a report about to read them), nothing is locked or written when the last
    refresh is less than `FIGURES_LAG` old or no case has been written since it: the report reads
    the facts as of that refresh (`as_of`). Celery's refresh always takes in the queue.
    """
    if if_needed and not full:
        state = SummaryState.objects.filter(name=FIGURES, full_refresh_at__isnull=False).first()
        if state is not None and state.refreshed_at is not None:
            recent = state.refreshed_at >= timezone.now() - FIGURES_LAG
            if recent or not _queued(FIGURES).exists():
                return RefreshReport(full=False, cases=0, rows=0, as_of=state.refreshed_at)
    return _refresh_facts(full=full)


def _refresh_facts(*, full: bool) -> RefreshReport:
    """Runs queue on the summary's state row."""
    with transaction.atomic():
        return _refresh_facts_now(full=full)


def _refresh_facts_now(*, full: bool) -> RefreshReport:
    now = timezone.now()
    state = _locked_state(FIGURES)
    full = full or state.full_refresh_at is None
    written = _take_queued(FIGURES)
    changed: tuple[int, ...] = ()  # after a full refresh the cache is empty: nothing to recompute
    if full:
        FigureFact.objects.all().delete()
        FiguresCache.objects.all().delete()
        cases, inserted = Case.objects.count(), _fill_facts("TRUE", {})
    else:
        ids = sorted(written)
        before = _facts_digests(ids)
        FigureFact.objects.filter(case_id__in=ids).delete()
        inserted = _fill_facts("c.id = ANY(%(ids)s)", {"ids": ids}) if ids else 0
        changed = _move_versions_on(before, _facts_digests(ids))
        cases = len(ids)
    _move_on(state, now=now, full=full)
    return RefreshReport(full=full, cases=cases, rows=inserted, as_of=now, forces_changed=changed)


@dataclass(frozen=True)
class DueDeadlines:
    """The most urgent of the due-soon and missed deadlines in view, and how many there are in all."""

    first: list[Deadline]
    total: int


def deadlines_due_for(
    user: User,
    *,
    now: datetime,
    team: Team | None = None,
    officer: User | None = None,
    open_ids: list[int] | None = None,
) -> list[Deadline]:
    """Due-soon and missed deadlines on the open cases `user` may see (`cases_visible_to`),
    optionally of one team or one officer in the case, most urgent first. `open_ids`, if given, are
    those cases' ids as `open_case_ids` reads them for the same user, team and officer.

    Read from the deadline summary (`cases.services.summaries`), except for the cases it may not
    have caught up with, whose deadlines are computed here and now: so a fixed number of queries and
    little work per request, whatever the number of open cases, and never a stale answer.
    """
    return _due(user, now=now, team=team, officer=officer, open_ids=open_ids, first=None).first


def first_deadlines_due_for(
    user: User,
    *,
    now: datetime,
    first: int,
    team: Team | None = None,
    officer: User | None = None,
    open_ids: list[int] | None = None,
) -> DueDeadlines:
    """The `first` most urgent of `deadlines_due_for`, and how many there are in all: the stored ones
    are cut and counted by the database, so a panel showing a few reads only those (one query more)."""
    return _due(user, now=now, team=team, officer=officer, open_ids=open_ids, first=first)


def _due(
    user: User,
    *,
    now: datetime,
    team: Team | None,
    officer: User | None,
    open_ids: list[int] | None,
    first: int | None,
) -> DueDeadlines:
    ids = set(open_case_ids(user, team=team, officer=officer) if open_ids is None else open_ids)
    fresh = cases_to_compute(now=now)
    if fresh is None:  # never refreshed: compute everything
        fresh = ids
    to_compute, to_read = ids & fresh, ids - fresh
    computed = deadlines_of_cases(Case.objects.filter(one_of_ids("pk", to_compute)), now=now) if to_compute else []
    if first is None:
        merged = most_urgent_first([*computed, *(stored_urgent_deadlines(to_read, now=now) if to_read else [])])
        return DueDeadlines(first=merged, total=len(merged))
    stored, stored_total = stored_urgent_first(to_read, now=now, first=first) if to_read else ([], 0)
    merged = most_urgent_first([*computed, *stored])
    return DueDeadlines(first=merged[:first], total=len(computed) + stored_total)
