"""Every write of work: tasks made, suggested, accepted, dismissed, passed on and done; reminders of
overdue tasks; supervisors' reviews (docs/work.md). Keyword-only and typed, as every service."""

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import CharField, DateTimeField, Exists, F, Func, OuterRef, QuerySet, Value
from django.db.models.functions import Concat, Left
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from cases import formats
from cases.models import Case, Notification
from cases.rules import LONDON
from cases.selectors import case_is_visible_to, case_visible_to_each, one_of_ids
from cases.services.common import case_log_system, ensure_case_open
from cases.services.notifications import SEND_EMAIL_TASK
from safeguard.outbox.services import outbox_enqueue_each
from work.models import SupervisoryReview, Task, TaskReassignment
from work.rules import LOCAL_TARGET, review_cadence, suggestion_for
from work.selectors import london_today

TASK_KIND = "task"
OWNER_CANNOT_SEE_CASE = "This person cannot see the case, so cannot be given a task on it."
OWNER_INACTIVE = "This person's account is disabled."
DUE_IN_PAST = "The due date cannot be in the past."
TITLE_MISSING = "Say what is to be done."
NOTE_MISSING = "Say what was done: the note is kept with the task."
REASON_MISSING = "Give the reason for passing the task on."
SAME_OWNER = "The task is already theirs. Choose someone else."
NOT_OUTSTANDING = "This task is already {status}; nothing more can be done with it."
NOT_SUGGESTED = "Only a suggested task is accepted or dismissed."
SUGGESTED_NOT_ACCEPTED = "Accept this suggested task before marking it done, or dismiss it."
REVIEW_IN_FUTURE = "The review date cannot be in the future."
REVIEW_BEFORE_CASE = "The review date cannot be before the case was opened."
NEXT_REVIEW_NOT_AFTER = "The next review must be after this one."
DECISION_MISSING = "Record what was decided."


def _check_owner(case: Case, owner: User) -> None:
    if not owner.is_active:
        raise ValidationError({"owner": OWNER_INACTIVE})
    if not case_is_visible_to(case, owner):
        raise ValidationError({"owner": OWNER_CANNOT_SEE_CASE})


def _ensure_outstanding(task: Task) -> None:
    if not task.outstanding:
        raise ValidationError(NOT_OUTSTANDING.format(status=task.get_status_display().lower()))


def _locked(task: Task) -> Task:
    """The task's row, locked for this transaction: two people acting on it at once act one after
    the other, the second on what the first left."""
    return Task.objects.select_for_update().select_related("case").get(pk=task.pk)


@transaction.atomic
def task_create(
    *,
    case: Case,
    actor: User,
    title: str,
    owner: User,
    due_on: date,
    priority: str = Task.Priority.NORMAL,
    details: str = "",
    review: SupervisoryReview | None = None,
) -> Task:
    """Set a task on `case` for `owner`, due on `due_on` (not before today)."""
    ensure_case_open(case)
    title = title.strip()
    if not title:
        raise ValidationError({"title": TITLE_MISSING})
    if priority not in Task.Priority.values:
        raise ValidationError({"priority": f"Choose one of: {', '.join(Task.Priority.labels)}."})
    if due_on < london_today():
        raise ValidationError({"due_on": DUE_IN_PAST})
    _check_owner(case, owner)
    return Task.objects.create(
        case=case,
        title=title,
        details=details.strip(),
        owner=owner,
        due_on=due_on,
        priority=priority,
        created_by=actor,
        review=review,
    )


def task_suggest(*, case: Case, actor: User, event: str, record: object) -> Task | None:
    """The task the rules suggest for a stage just recorded (`work.rules.suggestion_for`), for the
    officer in the case to accept or dismiss; None if the rules suggest none, or the same is still
    outstanding on the case. Called by the recording services (`cases.services.common.stage_recorded`)
    in their transaction."""
    suggestion = suggestion_for(event=event, record=record, today=london_today())
    if suggestion is None:
        return None
    outstanding = Task.objects.filter(
        case=case, title=suggestion.title, status__in=[Task.Status.SUGGESTED, Task.Status.OPEN]
    )
    if outstanding.exists():
        return None
    return Task.objects.create(
        case=case,
        title=suggestion.title,
        owner_id=case.officer_in_case_id,
        due_on=suggestion.due_on,
        status=Task.Status.SUGGESTED,
        suggested_by=suggestion.rule,
        created_by=actor,
    )


@transaction.atomic
def task_accept(*, task: Task, actor: User) -> Task:
    """Take on a suggested task: it is then to do, with the owner and due date it was suggested with."""
    task = _locked(task)
    if task.status != Task.Status.SUGGESTED:
        raise ValidationError(NOT_SUGGESTED)
    ensure_case_open(task.case)
    task.status = Task.Status.OPEN
    task.save(update_fields=["status"])
    return task


def _close(task: Task, *, actor: User, status: str, note: str) -> Task:
    task.status = status
    task.completion_note = note
    task.closed_by = actor
    task.closed_at = timezone.now()
    task.save(update_fields=["status", "completion_note", "closed_by", "closed_at"])
    task_reminders_clear(task=task)
    return task


@transaction.atomic
def task_dismiss(*, task: Task, actor: User, reason: str = "") -> Task:
    """Decline a suggested task (not needed on this case), with the reason if one is given."""
    task = _locked(task)
    if task.status != Task.Status.SUGGESTED:
        raise ValidationError(NOT_SUGGESTED)
    return _close(task, actor=actor, status=Task.Status.DISMISSED, note=reason.strip())


@transaction.atomic
def task_complete(*, task: Task, actor: User, note: str) -> Task:
    """Mark a task done, saying what was done; its reminders are cleared."""
    task = _locked(task)
    if task.status == Task.Status.SUGGESTED:
        raise ValidationError(SUGGESTED_NOT_ACCEPTED)
    _ensure_outstanding(task)
    note = note.strip()
    if not note:
        raise ValidationError({"note": NOTE_MISSING})
    return _close(task, actor=actor, status=Task.Status.DONE, note=note)


@transaction.atomic
def task_reassign(*, task: Task, actor: User, owner: User, reason: str) -> Task:
    """Pass a task on to `owner`, who must be able to see its case, for `reason` (kept with the task).
    The previous owner's reminders of it are cleared; the new owner is reminded if it is overdue."""
    task = _locked(task)
    _ensure_outstanding(task)
    reason = reason.strip()
    errors = {}
    if not reason:
        errors["reason"] = REASON_MISSING
    if owner.pk == task.owner_id:
        errors["owner"] = SAME_OWNER
    if errors:
        raise ValidationError(errors)
    _check_owner(task.case, owner)
    TaskReassignment.objects.create(task=task, from_owner_id=task.owner_id, to_owner=owner, reason=reason, by=actor)
    task.owner = owner
    task.save(update_fields=["owner"])
    task_reminders_clear(task=task)
    return task


# --- Reminders of overdue tasks ------------------------------------------------------------------


def task_due_at(task: Task) -> datetime:
    """The moment a task falls overdue: the end of its due date, UK time."""
    return datetime.combine(task.due_on, time.max, tzinfo=LONDON)


def _task_key_prefix(task_id: int) -> str:
    return f"{TASK_KIND}:work.task:{task_id}:"


@dataclass(frozen=True)
class TaskSweepReport:
    overdue: int
    notifications_created: int

    def as_dict(self) -> dict[str, int]:
        return {"tasks_overdue": self.overdue, "notifications_created": self.notifications_created}


# Overdue tasks reminded of per statement: a few thousand rows hold the audit chain's lock (taken by
# the insert, audit/locking.py) for a fraction of a second.
SWEEP_BATCH = 2000


class _TaskReminderKey(Func):
    """The key of a task's reminder, as the reminders key a deadline (`cases.deadlines.Deadline.key`:
    kind, record, due time), in SQL from the task's id and due date: the end of the due date, UK
    time, written as Python's `isoformat` writes it (the UK's offset is never negative).
    tests/work/test_reminders.py holds the two to the same value, summer and winter."""

    output_field = CharField()

    def __init__(self) -> None:
        super().__init__(F("pk"), F("due_on"))

    def as_sql(  # type: ignore[override]  # django-stubs give Func.as_sql more parameters than a subclass needs
        self, compiler: Any, connection: Any, **extra: Any
    ) -> tuple[str, list[Any]]:
        pk_sql, pk_params = compiler.compile(self.source_expressions[0])
        due_sql, due_params = compiler.compile(self.source_expressions[1])
        local = f"({due_sql} + TIME '23:59:59.999999')"
        sql = (
            f"(%s || {pk_sql}::text || ':' || to_char({local}, 'YYYY-MM-DD\"T\"HH24:MI:SS.US') || '+' || "
            f"to_char({local} - ({local} AT TIME ZONE %s AT TIME ZONE 'UTC'), 'HH24:MI'))"
        )
        prefix = f"{TASK_KIND}:{Task._meta.label_lower}:"
        return sql, [prefix, *pk_params, *due_params, *due_params, *due_params, LONDON.key]


class _TaskDueAt(Func):
    """`task_due_at(task)` in SQL: the end of the due date, UK time."""

    output_field = DateTimeField()

    def __init__(self) -> None:
        super().__init__(F("due_on"))

    def as_sql(  # type: ignore[override]  # django-stubs give Func.as_sql more parameters than a subclass needs
        self, compiler: Any, connection: Any, **extra: Any
    ) -> tuple[str, list[Any]]:
        due_sql, due_params = compiler.compile(self.source_expressions[0])
        return f"(({due_sql} + TIME '23:59:59.999999') AT TIME ZONE %s)", [*due_params, LONDON.key]


def _overdue(now: datetime) -> QuerySet[Task]:
    """Tasks to do, past their due date (UK time), on open cases (the `task_open_due` index)."""
    return Task.objects.filter(status=Task.Status.OPEN, due_on__lt=london_today(now), case__status=Case.Status.OPEN)


def _to_remind(now: datetime) -> QuerySet[Task]:
    """Overdue tasks whose owner, active and able to see the case, has no reminder of the task at
    its due date yet (the reminders' unique index)."""
    reminded = Notification.objects.filter(
        recipient_id=OuterRef("owner_id"),
        deadline_key=OuterRef("reminder_key"),
        threshold=Notification.Threshold.MISSED,
    )
    return (
        _overdue(now)
        .filter(owner__is_active=True)
        .filter(case_visible_to_each(user="owner_id", case="case"))
        .alias(reminder_key=_TaskReminderKey())
        .filter(~Exists(reminded))
    )


def _remind(task_ids: list[int], now: datetime) -> list[int]:
    """Insert the reminders of `task_ids`, still overdue, in one statement: a reminder that exists
    (made by a sweep running at the same time) is left as it is. Returns the ids of those made."""
    rows = (
        _overdue(now)
        .filter(one_of_ids("id", task_ids))
        .order_by()
        .values(r_recipient=F("owner_id"), r_case=F("case_id"), r_key=_TaskReminderKey(), r_due=_TaskDueAt())
        .annotate(r_label=Left(Concat(Value("Task overdue: "), F("title")), 300))
    )
    select, params = rows.query.sql_with_params()
    table = Notification._meta.db_table
    columns = "recipient_id, case_id, deadline_key, threshold, kind, label, due_at, source, created_at"
    values = "r.r_recipient, r.r_case, r.r_key, %s, %s, r.r_label, r.r_due, %s, %s"
    # The table's name and Django's own SQL for the rows: every value is a parameter.
    sql = (
        f'INSERT INTO "{table}" ({columns}) SELECT {values} FROM ({select}) AS r '  # noqa: S608
        "ON CONFLICT (recipient_id, deadline_key, threshold) DO NOTHING RETURNING id"
    )
    source = f"Task set on this case ({LOCAL_TARGET})"[:200]
    with connection.cursor() as cursor:
        cursor.execute(sql, [Notification.Threshold.MISSED.value, TASK_KIND, source, now, *params])
        return [pk for (pk,) in cursor.fetchall()]


def task_reminder_sweep(*, now: datetime | None = None) -> TaskSweepReport:
    """Remind each owner of their tasks to do that are overdue, on open cases: once per task, due
    date and owner, however often it runs, even two sweeps at once (the reminders' unique
    constraint, as for deadlines), each also e-mailed once through the outbox. Set-based: one query
    counts the overdue tasks, one finds those with no reminder yet, and each batch of them is
    reminded by one insert, its e-mails queued by one more, in one transaction."""
    now = now or timezone.now()
    overdue = _overdue(now).count()
    to_remind = list(_to_remind(now).order_by("pk").values_list("pk", flat=True))
    created = 0
    for start in range(0, len(to_remind), SWEEP_BATCH):
        with transaction.atomic():
            made = _remind(to_remind[start : start + SWEEP_BATCH], now)
            outbox_enqueue_each(SEND_EMAIL_TASK, made)
        created += len(made)
    return TaskSweepReport(overdue=overdue, notifications_created=created)


def task_reminders_clear(*, task: Task) -> int:
    """Mark read the unread reminders of `task` that no longer need their recipient: all of them once
    it is done or dismissed, those of previous owners once it is passed on."""
    reminders = Notification.objects.filter(
        kind=TASK_KIND, deadline_key__startswith=_task_key_prefix(task.pk), read_at__isnull=True
    )
    if task.outstanding:
        reminders = reminders.exclude(recipient_id=task.owner_id)
    return reminders.update(read_at=timezone.now())


def task_reminders_cleared(notifications: list[Notification]) -> set[int]:
    """Of reminders of overdue tasks, those no longer due: the task done, dismissed, passed on to
    someone else, or given a new due date (registered with the reminders, WorkConfig.ready)."""
    ids = {task_id for n in notifications if (task_id := _task_id(n)) is not None}
    tasks = {task.pk: task for task in Task.objects.filter(pk__in=ids)}
    cleared = set()
    for notification in notifications:
        task_id = _task_id(notification)
        task = tasks.get(task_id) if task_id is not None else None
        if (
            task is None
            or task.status != Task.Status.OPEN
            or task.owner_id != notification.recipient_id
            or not notification.deadline_key.endswith(task_due_at(task).isoformat())
        ):
            cleared.add(notification.pk)
    return cleared


def _task_id(notification: Notification) -> int | None:
    """The task a reminder is about, from its key (`_deadline_of`); None for a key of another form."""
    parts = notification.deadline_key.split(":")
    return int(parts[2]) if len(parts) > 2 and parts[:2] == [TASK_KIND, "work.task"] and parts[2].isdigit() else None


def task_reminder_link(notification: Notification) -> str:
    """A reminder of an overdue task leads to the task's page, where it is done (or to its case)."""
    task_id = _task_id(notification)
    if task_id is None:
        return reverse("cases:detail", kwargs={"reference": notification.case.reference}) if notification.case else ""
    return reverse("work:task_detail", kwargs={"pk": task_id})


# --- Supervisory reviews -------------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    """An action a review sets: a task for `owner`, due on `due_on`."""

    title: str
    owner: User
    due_on: date


def review_next_default(*, case: Case, reviewed_on: date) -> date:
    """The next review's date if the supervisor sets none: the review cadence of the case's stage."""
    return reviewed_on + review_cadence(case.stage)


@transaction.atomic
def review_record(
    *,
    case: Case,
    actor: User,
    reviewed_on: date,
    decision: str,
    next_review_on: date | None = None,
    actions: list[Action] | None = None,
) -> SupervisoryReview:
    """Record a supervisor's review of `case`: the date, what was decided, the actions set (each a
    task) and when it is next reviewed (by default, the cadence of the case's stage: a local target)."""
    ensure_case_open(case)
    decision = decision.strip()
    errors = {}
    if not decision:
        errors["decision"] = DECISION_MISSING
    if reviewed_on > london_today():
        errors["reviewed_on"] = REVIEW_IN_FUTURE
    elif reviewed_on < case.opened_at.astimezone(LONDON).date():
        errors["reviewed_on"] = REVIEW_BEFORE_CASE
    next_review_on = next_review_on or review_next_default(case=case, reviewed_on=reviewed_on)
    if next_review_on <= reviewed_on:
        errors["next_review_on"] = NEXT_REVIEW_NOT_AFTER
    if errors:
        raise ValidationError(errors)
    review = SupervisoryReview.objects.create(
        case=case,
        reviewed_on=reviewed_on,
        stage=case.stage,
        decision=decision,
        next_review_on=next_review_on,
        reviewed_by=actor,
    )
    for action in actions or []:
        task_create(case=case, actor=actor, title=action.title, owner=action.owner, due_on=action.due_on, review=review)
    set_ = f"; {len(actions)} action(s) set as tasks" if actions else ""
    case_log_system(
        case=case,
        actor=actor,
        text=f"Supervisory review recorded{set_}. Next review due {formats.day(next_review_on)}.",
    )
    return review
