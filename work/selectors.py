"""User-scoped reads of work: a case's tasks, a person's work queue (My work) and the supervisory
reviews due (docs/work.md). A task is visible to whoever may see its case (`cases_visible_to`).

Every list is limited and read by indexed columns (the owner's outstanding tasks, a supervisor's
open cases, each case's latest review), so a page costs the same at a million cases as at a hundred.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import connection
from django.db.models import (
    BooleanField,
    DateField,
    Exists,
    F,
    Func,
    IntegerField,
    Model,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models import Case as DbCase
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, Collate, TruncDate
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.roles import Capability, user_has_capability
from cases.deadlines import Deadline
from cases.models import Case, Notification
from cases.rules import LONDON
from cases.selectors import cases_visible_to, one_of_ids
from cases.services.notifications import reminder_link, reminders_cleared
from cases.services.summaries import first_deadlines_due_for
from work.models import SupervisoryReview, Task
from work.rules import review_cadence

# How many of each kind of item My work shows; each list links to where the rest are.
WORK_ITEMS = 25
# What a list of tasks shows of each task and its case (`my_tasks`).
TASK_LIST_FIELDS = ("title", "owner_id", "due_on", "priority", "status", "case_id", "case__reference", "case__status")
# A review is shown as due this many days before its date.
REVIEW_DUE_SOON_DAYS = 7


def london_today(now: datetime | None = None) -> date:
    return (now or timezone.now()).astimezone(LONDON).date()


def tasks_visible_to(user: User) -> QuerySet[Task]:
    """The tasks of the cases `user` may see."""
    return Task.objects.filter(Exists(cases_visible_to(user).filter(pk=OuterRef("case_id"))))


@dataclass(frozen=True)
class VisibleCases:
    """The cases a person may see (`cases_visible_to`) as SQL compiled once, for a page whose several
    lists each keep to them: building and compiling that query is most of the cost of each list in
    Python. `of(column)` is the same correlated EXISTS the ORM would write, so the plans are too."""

    sql: str
    params: tuple[object, ...]

    def of(self, model: type[Model]) -> RawSQL:
        """Whether the case of a row of `model` (its `case_id`, in a query of that model) is one."""
        case_id = f'{connection.ops.quote_name(model._meta.db_table)}."case_id"'
        # The SQL is the ORM's own and a table's name; every value is a parameter.
        sql = f"EXISTS (SELECT 1 FROM ({self.sql}) AS visible (id) WHERE visible.id = {case_id})"  # noqa: S608
        return RawSQL(sql, self.params, output_field=BooleanField())  # noqa: S611


def visible_cases(user: User, visible: QuerySet[Case] | None = None) -> VisibleCases:
    """`VisibleCases` of `user`; `visible`, if given, is `cases_visible_to(user)`."""
    cases = cases_visible_to(user) if visible is None else visible
    sql, params = cases.order_by().values("pk").query.sql_with_params()
    return VisibleCases(sql=sql, params=tuple(params))


def case_tasks(case: Case) -> QuerySet[Task]:
    """Every task of `case` (already fetched for the person), outstanding first, soonest due first."""
    return Task.objects.filter(case=case).select_related("owner").order_by("closed_at", "due_on", "id")


def case_page_tasks(case: Case, user: User) -> dict[str, object]:
    """For the case page (registered with it, WorkConfig.ready): the case's tasks to do or to accept,
    soonest due first, each with how it stands today. One query."""
    today = london_today()
    outstanding = case_tasks(case).filter(status__in=[Task.Status.OPEN, Task.Status.SUGGESTED])
    return {"outstanding_tasks": [(task, task_state(task, today)) for task in outstanding]}


def task_is_overdue(task: Task, today: date) -> bool:
    return task.outstanding and task.due_on < today


def task_state(task: Task, today: date) -> str:
    """How a task stands today, in words: overdue, due soon, to do, suggested, done, dismissed."""
    if not task.outstanding:
        return str(task.get_status_display())
    if task.status == Task.Status.SUGGESTED:
        return "Suggested"
    if task.due_on < today:
        return "Overdue"
    if task.due_on <= today + timedelta(days=settings.TASK_DUE_SOON_DAYS):
        return "Due soon"
    return "To do"


@dataclass(frozen=True)
class ReviewDue:
    case: Case
    due_on: date
    last: SupervisoryReview | None

    @property
    def overdue(self) -> bool:
        return self.due_on < london_today()


def _latest_review() -> QuerySet[SupervisoryReview]:
    """A case's latest review (`OuterRef("pk")` a case), read by the `review_case_latest` index."""
    return SupervisoryReview.objects.filter(case_id=OuterRef("pk")).order_by("-reviewed_on", "-id")


def _open_cases(case_ids: list[int]) -> QuerySet[Case]:
    return Case.objects.filter(one_of_ids("id", case_ids), status=Case.Status.OPEN)


def _review_due_by(day: date) -> Q:
    """A case whose next review falls on or before `day`: the date its last review set (the case
    annotated with it as `last_next_review_on`), or, never reviewed, its opening (UK date) plus the
    review cadence of its stage."""
    never_reviewed = Q()
    for stage in Case.Stage.values:
        opened_before = datetime.combine(day - review_cadence(stage) + timedelta(days=1), time.min, tzinfo=LONDON)
        never_reviewed |= Q(stage=stage, opened_at__lt=opened_before)
    return Q(last_next_review_on__lte=day) | (Q(last_next_review_on__isnull=True) & never_reviewed)


def _next_review_on() -> Func:
    """A case's next review date in SQL (the case annotated with `last_next_review_on`): the date its
    last review set or, never reviewed, its opening (UK date) plus the review cadence of its stage."""
    cadence = DbCase(
        *(When(stage=stage, then=Value(review_cadence(stage).days)) for stage in Case.Stage.values),
        default=Value(review_cadence(Case.Stage.INVESTIGATION).days),
        output_field=IntegerField(),
    )
    opened_on = TruncDate("opened_at", tzinfo=LONDON)
    never_reviewed = Func(opened_on, cadence, arg_joiner=" + ", template="(%(expressions)s)", output_field=DateField())
    return Coalesce(F("last_next_review_on"), never_reviewed, output_field=DateField())


def reviews_due(
    case_ids: list[int], *, today: date, within_days: int = REVIEW_DUE_SOON_DAYS, first: int = WORK_ITEMS
) -> list[ReviewDue]:
    """The supervisory reviews due within `within_days` of `today` (or overdue) on the open cases
    `case_ids`, most overdue first, at most `first`. A case's next review is the date its last review
    set, or, never reviewed, its opening plus the review cadence of its stage (a local target,
    work.rules). Two queries: the first cases due, chosen, ordered and cut by the database (each
    case's latest review read by the `review_case_latest` index), then their last reviews."""
    if not case_ids:
        return []
    cases = list(
        _open_cases(case_ids)
        .annotate(
            last_next_review_on=Subquery(_latest_review().values("next_review_on")[:1]),
            last_review_id=Subquery(_latest_review().values("id")[:1]),
        )
        .filter(_review_due_by(today + timedelta(days=within_days)))
        .annotate(next_review_on=_next_review_on())
        .order_by("next_review_on", Collate("reference", "C"))[:first]
    )
    last = SupervisoryReview.objects.in_bulk([case.last_review_id for case in cases if case.last_review_id])
    return [ReviewDue(case=case, due_on=case.next_review_on, last=last.get(case.last_review_id)) for case in cases]


def reviews_overdue_count(case_ids: list[int], *, today: date) -> int:
    """How many of the open cases `case_ids` are past the date of their next supervisory review (see
    `reviews_due`). One query, counted by the database: for the dashboard's scope of many cases."""
    if not case_ids:
        return 0
    cases = _open_cases(case_ids).annotate(last_next_review_on=Subquery(_latest_review().values("next_review_on")[:1]))
    return cases.filter(_review_due_by(today - timedelta(days=1))).count()


def supervised_open_case_ids(user: User, visible: QuerySet[Case] | None = None) -> list[int]:
    """The open cases `user` supervises (the `case_supervisor_status` index); `visible`, if given, is
    `cases_visible_to(user)`."""
    cases = (cases_visible_to(user) if visible is None else visible).filter(
        supervisor_id=user.pk, status=Case.Status.OPEN
    )
    return list(cases.values_list("pk", flat=True))


@dataclass
class MyWork:
    deadlines: list[Deadline]
    deadlines_total: int
    tasks: list[Task]
    cases: list[Case]
    notifications: list[Notification]
    reviews: list[ReviewDue] = field(default_factory=list)
    today: date = field(default_factory=london_today)

    @property
    def overdue_tasks(self) -> int:
        return sum(1 for task in self.tasks if task_state(task, self.today) == "Overdue")

    @property
    def overdue_reviews(self) -> int:
        return sum(1 for review in self.reviews if review.due_on < self.today)


def my_cases(user: User, visible: QuerySet[Case] | None = None) -> tuple[QuerySet[Case], list[int]]:
    """The person's own open cases: those they are the officer in the case of (officers), those they
    supervise (supervisors), those assigned to them (examiners: every case they may see). `visible`,
    if given, is `cases_visible_to(user)`, built once for a page's several lists."""
    visible = cases_visible_to(user) if visible is None else visible
    if user_has_capability(user, Capability.SUPERVISE):
        ids = supervised_open_case_ids(user, visible)
        return Case.objects.filter(one_of_ids("id", ids)), ids
    if user_has_capability(user, Capability.READ_TEAM_CASES):
        mine = visible.filter(officer_in_case_id=user.pk, status=Case.Status.OPEN)
    else:
        mine = visible.filter(status=Case.Status.OPEN)
    ids = list(mine.values_list("pk", flat=True))
    return Case.objects.filter(one_of_ids("id", ids)), ids


def my_tasks(user: User, *, first: int = WORK_ITEMS, visible: VisibleCases | None = None) -> list[Task]:
    """The person's tasks to do or to accept on open cases they may see (`visible`, if given, is
    `visible_cases(user)`), soonest due first (the `task_owner_outstanding` index), at most
    `first`; of each task's case, what the list shows."""
    tasks = (
        Task.objects.filter((visible or visible_cases(user)).of(Task))
        .filter(owner_id=user.pk, status__in=[Task.Status.OPEN, Task.Status.SUGGESTED], case__status=Case.Status.OPEN)
        .select_related("case")
        .only(*TASK_LIST_FIELDS)
        .order_by("due_on", "id")
    )
    return list(tasks[:first])


def my_unread_reminders(
    user: User, *, first: int = WORK_ITEMS, now: datetime | None = None, visible: VisibleCases | None = None
) -> list[Notification]:
    """The person's unread reminders still needing them (not cleared: `reminders_cleared`), newest
    first (the `notification_unread_newest` index), on cases they may still see (`visible`, if
    given, is `visible_cases(user)`), each with its `link`."""
    visible = visible or visible_cases(user)
    unread = list(
        Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True)
        .filter(Q(visible.of(Notification)) | Q(threshold=Notification.Threshold.MATCH))
        .select_related("case")
        .order_by("-created_at", "-id")[:first]
    )
    cleared = reminders_cleared([n for n in unread if n.threshold != Notification.Threshold.MATCH], now=now)
    shown = [n for n in unread if n.pk not in cleared]
    for notification in shown:
        notification.cleared = False
        notification.link = (
            reminder_link(notification)
            if notification.threshold != Notification.Threshold.MATCH
            else reverse("cases:match_detail", args=[notification.match_id])
        )
    return shown


def my_work(user: User, *, now: datetime | None = None) -> MyWork:
    """Everything the person has to do, most pressing first: their deadlines due soon or missed and
    their tasks, then their open cases, then their unread reminders; for a supervisor, also the
    reviews due on the cases they supervise."""
    now = now or timezone.now()
    visible = cases_visible_to(user)
    compiled = visible_cases(user, visible)
    cases, ids = my_cases(user, visible)
    deadlines = first_deadlines_due_for(user, now=now, first=WORK_ITEMS, open_ids=ids)
    reviews = []
    if user_has_capability(user, Capability.SUPERVISE):
        reviews = reviews_due(ids, today=london_today(now))
    return MyWork(
        deadlines=deadlines.first,
        deadlines_total=deadlines.total,
        tasks=my_tasks(user, visible=compiled),
        cases=list(cases.select_related("team__force").order_by("-opened_at", "-id")[:WORK_ITEMS]),
        notifications=my_unread_reminders(user, now=now, visible=compiled),
        reviews=reviews,
        today=london_today(now),
    )
