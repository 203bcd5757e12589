"""The supervisor's dashboard: the four-week charging table, how often the charging target is met,
and each officer's caseload, over the cases the supervisor may see (`cases_visible_to(user)`), in
a fixed number of queries whatever the number of arrests or cases (docs/figures.md). Counts and
medians are computed in SQL; the charging table's rows are chosen in SQL, a keyset page at a time,
and each row's status against its target is worked out as for every other deadline
(`deadline_status`).

The charging figures and the charging table cover the same arrests: those made in the period the
page states (`Period`), so every count above the table is a count of the table's rows."""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import BooleanField, Count, ExpressionWrapper, F, OuterRef, Q, QuerySet, Subquery

from accounts.models import Team, User
from cases.deadlines import DECIDED, STATUS_TAGS, Kind, Status, deadline_status, due_soon_threshold
from cases.models import Arrest, Case, ChargingSubmission
from cases.selectors import CaseIds, case_ids_in_view, one_of_ids, open_case_ids
from reports.sql import Days, LondonDaysAfter, Period, days, default_period, median
from safeguard.keyset import Cursor

# Rows of the charging table on one page.
CHARGING_PAGE_SIZE = 25


# An undecided arrest whose target is this close is "due soon".
def due_soon() -> timedelta:
    """How close the charging target must be to count as due soon: the deadline engine's threshold
    (settings.DEADLINE_DUE_SOON), so the dashboard and the deadlines page agree."""
    return due_soon_threshold(Kind.CHARGING_TARGET)


def charging_target() -> timedelta:
    """The four-week charging target (cases.rules.charging_target_at): a local target, not law."""
    return timedelta(days=settings.CHARGING_TARGET_DAYS)


def with_decisions(arrests: QuerySet[Arrest]) -> QuerySet[Arrest]:
    """`arrests`, each with its charging decision and target, in one query.

    The decision is the first charge, no further action or caution for the arrested subject on the
    same case at or after the arrest (a request for further evidence is not a decision), as on the
    case page (`case_next_steps`). Annotations: `decision_at`, `decision`, `target_at`. Arrests and
    submissions withdrawn as entered in error (cases.corrections) count for nothing.
    """
    first_decision = ChargingSubmission.objects.filter(
        withdrawn_at__isnull=True,
        case_id=OuterRef("case_id"),
        subject_id=OuterRef("subject_id"),
        decision__in=DECIDED,
        decision_at__gte=OuterRef("arrested_at"),
    ).order_by("decision_at", "id")
    return arrests.filter(withdrawn_at__isnull=True).annotate(
        decision_at=Subquery(first_decision.values("decision_at")[:1]),
        decision=Subquery(first_decision.values("decision")[:1]),
        target_at=LondonDaysAfter(F("arrested_at"), charging_target().days),
    )


@dataclass(frozen=True)
class ChargingRow:
    arrest: Arrest
    status: Status
    days_since_arrest: int
    target_at: datetime
    decision_at: datetime | None
    decision_label: str
    days_to_decision: float | None

    @property
    def status_tag(self) -> str:
        return STATUS_TAGS[self.status]


def arrests_in_period(*, period: Period, in_view: CaseIds) -> QuerySet[Arrest]:
    """The arrests made in `period` on the cases in view, open or closed, with their decisions: what
    the charging figures count and the charging table lists."""
    arrests = with_decisions(Arrest.objects.filter(one_of_ids("case_id", in_view.all)))
    return arrests.filter(**period.bounds("arrested_at"))


@dataclass(frozen=True)
class ChargingCursor:
    """Where a page of the charging table starts: just after the row with this order key (undecided
    before decided, then target date, then id). Written `u_<target>_<id>` or `d_<target>_<id>`,
    the target in London time as `safeguard.keyset.Cursor` writes it."""

    decided: bool
    target_at: datetime
    id: int

    def encode(self) -> str:
        return f"{'d' if self.decided else 'u'}_{Cursor(self.target_at, self.id).encode()}"

    @classmethod
    def decode(cls, value: str) -> "ChargingCursor | None":
        """The cursor `value` names, or None if it is not one (a link mistyped or altered)."""
        flag, _, rest = value.partition("_")
        cursor = Cursor.decode(rest) if flag in ("u", "d") else None
        return None if cursor is None else cls(flag == "d", cursor.at, cursor.id)

    def rows_after(self) -> Q:
        later = Q(target_at__gt=self.target_at) | Q(target_at=self.target_at, id__gt=self.id)
        if self.decided:
            return Q(decision_at__isnull=False) & later
        return Q(decision_at__isnull=False) | (Q(decision_at__isnull=True) & later)


@dataclass(frozen=True)
class ChargingPage:
    """One page of the charging table. `next`: where the next page starts, None on the last;
    `first`: this is the first page."""

    rows: list["ChargingRow"]
    next: ChargingCursor | None
    first: bool


# What a row shows, and no more: a team's table has dozens of rows, each joining four tables.
ROW_COLUMNS = (
    "case_id",
    "subject_id",
    "arrested_at",
    "case__reference",
    "case__team__name",
    "case__officer_in_case__rank",
    "case__officer_in_case__first_name",
    "case__officer_in_case__last_name",
    "case__officer_in_case__username",
    "subject__full_name",
)


def charging_rows(
    user: User,
    *,
    now: datetime,
    period: Period | None = None,
    team: Team | None = None,
    officer: User | None = None,
    in_view: CaseIds | None = None,
    after: ChargingCursor | None = None,
    size: int = CHARGING_PAGE_SIZE,
) -> ChargingPage:
    """A page of the charging table: the arrests made in `period` (the last 90 days if not given),
    most urgent first: those still waiting for a decision by target date, soonest first (so missed,
    then due soon, then on track), then those decided, by target date. Keyset pages (`after`), no
    OFFSET: one query of `size` + 1 rows, and one more without `in_view` (`case_ids_in_view` of the
    same user, team and officer)."""
    if in_view is None:
        in_view = case_ids_in_view(user, team=team, officer=officer)
    arrests = arrests_in_period(period=period or default_period(), in_view=in_view).annotate(
        decided=ExpressionWrapper(Q(decision_at__isnull=False), output_field=BooleanField())
    )
    if after is not None:
        arrests = arrests.filter(after.rows_after())
    found = list(
        arrests.order_by("decided", "target_at", "id")
        .select_related("case__team", "case__officer_in_case", "subject")
        .only(*ROW_COLUMNS)[: size + 1]
    )
    labels = dict(ChargingSubmission.Decision.choices)
    rows = [_charging_row(arrest, now=now, labels=labels) for arrest in found[:size]]
    last = rows[-1] if len(found) > size else None
    following = None if last is None else ChargingCursor(last.decision_at is not None, last.target_at, last.arrest.pk)
    return ChargingPage(rows=rows, next=following, first=after is None)


def _charging_row(arrest: Arrest, *, now: datetime, labels: dict[str, str]) -> ChargingRow:
    """One row of the charging table: the arrest's status against its target at `now`, worked out as
    for every other deadline (`deadline_status`), and its days since arrest and to decision."""
    decision_at: datetime | None = arrest.decision_at  # type: ignore[attr-defined]  # annotated by with_decisions
    target_at: datetime = arrest.target_at  # type: ignore[attr-defined]  # annotated by with_decisions
    to_decision = None if decision_at is None else (decision_at - arrest.arrested_at) / timedelta(days=1)
    return ChargingRow(
        arrest=arrest,
        status=deadline_status(kind=Kind.CHARGING_TARGET, due_at=target_at, met_at=decision_at, now=now),
        days_since_arrest=math.floor((now - arrest.arrested_at) / timedelta(days=1)),
        target_at=target_at,
        decision_at=decision_at,
        decision_label=labels.get(arrest.decision or "", ""),  # type: ignore[attr-defined]  # annotated by with_decisions
        days_to_decision=days(to_decision),
    )


@dataclass(frozen=True)
class ChargingPerformance:
    """Arrests in a period against the four-week charging target."""

    period: Period
    arrests: int
    decided: int
    met: int
    missed: int
    waiting: int
    due_soon: int
    median_days: float | None

    def counts(self) -> dict[Status, int]:
        """How many of the period's arrests have each status, as the charging table's rows show it."""
        return {
            Status.MISSED: self.missed,
            Status.DUE_SOON: self.due_soon,
            Status.ON_TRACK: self.waiting - self.due_soon,
            Status.MET: self.met,
        }

    @property
    def share_met(self) -> float | None:
        """Met as a percentage of those whose outcome against the target is known (met or missed)."""
        known = self.met + self.missed
        return None if known == 0 else round(100 * self.met / known, 1)


def charging_performance(
    user: User,
    *,
    period: Period,
    now: datetime,
    team: Team | None = None,
    officer: User | None = None,
    in_view: CaseIds | None = None,
) -> ChargingPerformance:
    """Of the arrests made in `period` on the cases in view: how many had a charging decision within
    the target (met), how many after it or not yet though it has passed (missed), how many are
    still within it (waiting; of them, those due soon); and the median days from arrest to decision
    of those decided. The arrests are the charging table's (`arrests_in_period`). One query, and one
    more without `in_view` (`case_ids_in_view` of the same user, team and officer)."""
    if in_view is None:
        in_view = case_ids_in_view(user, team=team, officer=officer)
    arrests = arrests_in_period(period=period, in_view=in_view)
    figures = arrests.aggregate(
        # Counted by the arrest's time (never empty), which the index holds, unlike the id.
        arrests=Count("arrested_at"),
        decided=Count("arrested_at", filter=Q(decision_at__isnull=False)),
        met=Count("arrested_at", filter=Q(decision_at__lte=F("target_at"))),
        missed=Count(
            "arrested_at", filter=Q(decision_at__gt=F("target_at")) | Q(decision_at__isnull=True, target_at__lt=now)
        ),
        due_soon=Count(
            "arrested_at",
            filter=Q(decision_at__isnull=True, target_at__gte=now, target_at__lte=now + due_soon()),
        ),
        median_days=median(Days(F("decision_at"), F("arrested_at"))),
    )
    return ChargingPerformance(
        period=period,
        arrests=figures["arrests"],
        decided=figures["decided"],
        met=figures["met"],
        missed=figures["missed"],
        waiting=figures["arrests"] - figures["met"] - figures["missed"],
        due_soon=figures["due_soon"],
        median_days=days(figures["median_days"]),
    )


OPEN_STAGES = [stage for stage in Case.Stage if stage != Case.Stage.CLOSED]


@dataclass(frozen=True)
class CaseloadRow:
    officer_id: int
    officer_name: str
    total: int
    by_stage: tuple[tuple[Case.Stage, int], ...]


def caseload(
    user: User, *, team: Team | None = None, officer: User | None = None, open_ids: list[int] | None = None
) -> list[CaseloadRow]:
    """Open cases per officer in the case, by stage, largest caseload first. One query, and one more
    without `open_ids` (`open_case_ids` of the same user, team and officer)."""
    if open_ids is None:
        open_ids = open_case_ids(user, team=team, officer=officer)
    cases = Case.objects.filter(one_of_ids("pk", open_ids))
    rows = (
        cases.values(
            "officer_in_case_id",
            "officer_in_case__rank",
            "officer_in_case__first_name",
            "officer_in_case__last_name",
            "officer_in_case__username",
        )
        .annotate(
            total=Count("pk"),
            **{f"stage_{stage.value}": Count("pk", filter=Q(stage=stage.value)) for stage in OPEN_STAGES},
        )
        .order_by("-total", "officer_in_case__last_name", "officer_in_case__first_name", "officer_in_case_id")
    )
    return [
        CaseloadRow(
            officer_id=row["officer_in_case_id"],
            officer_name=_name(row),
            total=row["total"],
            by_stage=tuple((stage, row[f"stage_{stage.value}"]) for stage in OPEN_STAGES),
        )
        for row in rows
    ]


def _name(row: dict) -> str:
    name = f"{row['officer_in_case__first_name']} {row['officer_in_case__last_name']}".strip()
    return f"{row['officer_in_case__rank']} {name or row['officer_in_case__username']}".strip()
