"""Keeping the deadline summary up to date (cases/models/summaries.py, docs/performance.md).

Every open case's outstanding deadlines are stored by `deadline_summary_refresh`, which Celery runs
every minute for what changed (`safeguard/celery.py`) and every ten minutes from scratch. What is
stored is what `cases.deadlines.case_deadlines` computes; whether a deadline is due soon or missed
is worked out when it is read, so the passing of time alone needs no refresh.

How a reader knows what the summary may have missed, so that it is never stale:

- a case written since the refresh: every write of case data leaves an entry in the audit trail
  naming its case, and the summary records the last audit entry it has taken in (its watermark);
- a case with a stored deadline that has fallen due since the refresh: a warrant that expired
  unexecuted is then due for return, a review of detention is followed by the next one.

`cases_to_compute` names both kinds; `deadlines_due_for` computes those cases afresh and reads the
rest from the summary. Two changes that come with time alone are left to the next full refresh, at
most ten minutes later: a listed first court appearance whose time has come (it then counts as
held), and a detention past its 96-hour maximum with no release recorded.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Max, Q, QuerySet
from django.utils import timezone

from audit.models import AuditEntry
from cases.deadlines import (
    Deadline,
    Kind,
    deadline_status,
    due_soon_threshold,
    outstanding_deadlines_of_cases,
)
from cases.models import Case, OutstandingDeadline, SummaryState

DEADLINES = "deadlines"
WRITES = (AuditEntry.Kind.CREATE, AuditEntry.Kind.CHANGE, AuditEntry.Kind.DELETE)


@dataclass(frozen=True)
class RefreshReport:
    full: bool
    cases: int
    deadlines: int
    audit_watermark: int


def _written_since(first_after: int, last: int | None = None) -> set[int]:
    """Ids of cases with a write recorded in the audit trail after entry `first_after` (up to `last`)."""
    entries = AuditEntry.objects.filter(pk__gt=first_after, kind__in=WRITES).exclude(case_reference="")
    if last is not None:
        entries = entries.filter(pk__lte=last)
    references = set(entries.values_list("case_reference", flat=True).distinct())
    return set(Case.objects.filter(reference__in=references).values_list("pk", flat=True))


def _fell_due(after: datetime, until: datetime) -> set[int]:
    """Ids of cases with a stored deadline that fell due after `after`, up to `until`."""
    stored = OutstandingDeadline.objects.filter(due_at__gt=after, due_at__lte=until)
    return set(stored.values_list("case_id", flat=True).distinct())


def cases_to_compute(*, now: datetime) -> set[int] | None:
    """The cases whose deadlines must be computed afresh rather than read from the summary (see the
    module's docstring), or None if the summary has never been filled. Three queries."""
    state = SummaryState.objects.filter(name=DEADLINES, full_refresh_at__isnull=False).first()
    if state is None or state.refreshed_at is None:
        return None
    return _written_since(state.audit_watermark) | _fell_due(state.refreshed_at, now)


def _is_urgent(now: datetime) -> Q:
    """Due soon or missed at `now`: due within its kind's due-soon threshold, or already past."""
    urgent = Q()
    for kind in Kind:
        urgent |= Q(kind=kind.value, due_at__lte=now + due_soon_threshold(kind.value))
    return urgent


def stored_urgent_deadlines(cases: QuerySet[Case], *, now: datetime) -> list[Deadline]:
    """The due-soon and missed deadlines of `cases` as the summary holds them. One query."""
    rows = (
        OutstandingDeadline.objects.filter(case__in=cases.values("pk"))
        .filter(_is_urgent(now))
        .select_related("case__officer_in_case")
    )
    return [
        Deadline(
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
        for row in rows
    ]


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


@transaction.atomic
def deadline_summary_refresh(*, now: datetime | None = None, full: bool = False) -> RefreshReport:
    """Bring the deadline summary up to date: from scratch (`full`, or if it was never filled), or
    for the cases written or fallen due since the last refresh. Safe to run twice or at once: runs
    queue on the summary's state row."""
    now = now or timezone.now()
    state, _ = SummaryState.objects.select_for_update().get_or_create(name=DEADLINES)
    # Every entry up to `head` has committed (audit ids are given in commit order), and every write
    # after it will be seen by the next refresh, or by readers until then.
    head = AuditEntry.objects.aggregate(head=Max("pk"))["head"] or 0
    full = full or state.full_refresh_at is None or state.refreshed_at is None
    if full:
        OutstandingDeadline.objects.all().delete()
        cases = Case.objects.filter(status=Case.Status.OPEN)
    else:
        assert state.refreshed_at is not None
        ids = _written_since(state.audit_watermark, head) | _fell_due(state.refreshed_at, now)
        OutstandingDeadline.objects.filter(case_id__in=ids).delete()
        cases = Case.objects.filter(pk__in=ids, status=Case.Status.OPEN)
    deadlines = outstanding_deadlines_of_cases(cases, now=now)
    OutstandingDeadline.objects.bulk_create((_row(d) for d in deadlines), batch_size=2000)
    state.audit_watermark = head
    state.refreshed_at = now
    if full:
        state.full_refresh_at = now
    state.save()
    return RefreshReport(
        full=full, cases=len({d.case.pk for d in deadlines}), deadlines=len(deadlines), audit_watermark=head
    )
