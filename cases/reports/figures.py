"""The unit's figures, per team, force and region and for a period, as the unit publishes them
(DOMAIN.md, "Figures"; exactly what each counts: docs/figures.md).

Counts: investigations opened, warrants executed, arrests, people charged and children
safeguarded. Flow times (median and 90th percentile days): referral to warrant, warrant issue to
execution, arrest to charging decision (and the share within the four-week target), arrest to first
court appearance, arrest to MASH referral. For the user's own force also where it stands: suspects on
pre-charge bail or released under investigation, the forensic backlog and its age, the triage
positive rate and the mix of closure outcomes.

A supervisor sees the figures of every team of their force, their force's flow times, and for the
other forces of their regional operation counts only. Figures are numbers: no case reference, name or
other case-level detail appears. Every figure is a SQL aggregate over the figure facts
(cases/models/summaries.py: one narrow row per counted event, filed under its force and team and
kept up to date by Celery), so a report costs a fixed number of queries whatever the number of
cases, and reads only the events of its period and forces.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Count, DateTimeField, F, Max, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from cases.models import Closure, Device, FigureFact, Force, Release, Team, User
from cases.reports.sql import Days, Period, days, median, ninetieth
from cases.services.summaries import figure_facts_refresh

M = FigureFact.Measure

COUNTS: tuple[tuple[str, str], ...] = (
    ("investigations", "Investigations"),
    ("warrants_executed", "Warrants executed"),
    ("arrests", "Arrests"),
    ("people_charged", "People charged"),
    ("children_safeguarded", "Children safeguarded"),
)
FLOWS: tuple[tuple[str, str], ...] = (
    ("referral_to_warrant", "Referral to warrant issued"),
    ("warrant_issue_to_execution", "Warrant issue to execution"),
    ("arrest_to_charging_decision", "Arrest to charging decision"),
    ("arrest_to_first_court", "Arrest to first court appearance"),
    ("arrest_to_mash_referral", "Arrest to MASH referral"),
)


@dataclass(frozen=True)
class Flow:
    """Days between two events: how many pairs, their median and 90th percentile."""

    count: int
    median: float | None
    p90: float | None


@dataclass(frozen=True)
class FigureRow:
    level: str  # "team", "force" or "region"
    region: str
    force: str
    team: str
    counts: dict[str, int]
    # Flow times and the charging target: the user's own force and its teams only.
    flows: dict[str, Flow] | None = None
    charging_met: int = 0
    charging_missed: int = 0

    @property
    def charging_share_met(self) -> float | None:
        known = self.charging_met + self.charging_missed
        return None if known == 0 else round(100 * self.charging_met / known, 1)

    def count_list(self) -> list[int]:
        return [self.counts[key] for key, _ in COUNTS]

    def flow_list(self) -> list[tuple[str, Flow]]:
        return [(label, self.flows[key]) for key, label in FLOWS] if self.flows else []


@dataclass
class FiguresReport:
    period: Period
    force: Force | None
    teams: list[FigureRow] = field(default_factory=list)
    force_total: FigureRow | None = None
    region_forces: list[FigureRow] = field(default_factory=list)
    region_total: FigureRow | None = None
    position: "ForcePosition | None" = None

    def rows(self) -> list[FigureRow]:
        """Every row, in the order of the report and its CSV."""
        force_total = [self.force_total] if self.force_total else []
        region_total = [self.region_total] if self.region_total else []
        return [*self.teams, *force_total, *self.region_forces, *region_total]


# --- The force's position: bail and RUI, the forensic backlog, triage and outcomes ---------------


@dataclass(frozen=True)
class ForcePosition:
    """For the user's own force: suspects waiting on pre-charge bail or released under
    investigation (now), the forensic backlog (now), and triage results and closure outcomes (the
    period)."""

    on_bail: int
    under_investigation: int
    forensic_backlog: int
    forensic_backlog_median_days: float | None
    forensic_backlog_oldest_days: float | None
    triaged: int
    triage_positive: int
    outcomes: list[tuple[str, int]]

    @property
    def triage_positive_percent(self) -> float | None:
        return None if self.triaged == 0 else round(100 * self.triage_positive / self.triaged, 1)


def force_position(force: Force, *, period: Period, now: datetime) -> ForcePosition:
    """Three queries over the figure facts (see `ForcePosition`)."""
    age = Days(Value(now, output_field=DateTimeField()), F("at"))
    requested = Q(measure=M.FORENSIC_REQUEST)
    # Open cases only: a closed case's unfinished request waits for no one. The partial index
    # `figure_fact_waiting` holds exactly these rows, so the cost follows the open cases.
    waiting_now = Q(done_at__isnull=True, case_open=True, measure__in=[M.ARREST, M.FORENSIC_REQUEST])
    waiting = FigureFact.objects.filter(waiting_now, force_id=force.pk).aggregate(
        on_bail=Count("pk", filter=Q(measure=M.ARREST, detail=Release.Kind.BAIL)),
        under_investigation=Count("pk", filter=Q(measure=M.ARREST, detail=Release.Kind.RUI)),
        backlog=Count("pk", filter=requested),
        backlog_median=median(age, filter=requested),
        backlog_oldest=Max(age, filter=requested),
    )
    in_period = FigureFact.objects.filter(force_id=force.pk, **period.bounds("at"))
    triaged = Q(measure=M.TRIAGE) & ~Q(detail=Device.TriageResult.NOT_EXAMINED)
    triage = in_period.aggregate(
        triaged=Count("pk", filter=triaged),
        positive=Count("pk", filter=triaged & Q(detail=Device.TriageResult.POSITIVE)),
    )
    labels = dict(Closure.OutcomeType.choices)
    outcomes = (
        in_period.filter(measure=M.CLOSURE).values("detail").annotate(closed=Count("pk")).order_by("-closed", "detail")
    )
    return ForcePosition(
        on_bail=waiting["on_bail"],
        under_investigation=waiting["under_investigation"],
        forensic_backlog=waiting["backlog"],
        forensic_backlog_median_days=days(waiting["backlog_median"]),
        forensic_backlog_oldest_days=days(waiting["backlog_oldest"]),
        triaged=triage["triaged"],
        triage_positive=triage["positive"],
        outcomes=[(labels.get(row["detail"], row["detail"]), row["closed"]) for row in outcomes],
    )


# --- The SQL ----------------------------------------------------------------------------------


def _flow(prefix: str, days_between: Any, condition: Q) -> dict[str, Any]:
    return {
        f"{prefix}__count": Count("pk", filter=condition),
        f"{prefix}__median": median(days_between, filter=condition),
        f"{prefix}__p90": ninetieth(days_between, filter=condition),
    }


def _grouped(queryset: QuerySet, key: str | None, aggregates: dict[str, Any]) -> dict[Any, dict[str, Any]]:
    """One query: the aggregates per value of `key`, or over everything when `key` is None."""
    if key is None:
        return {None: queryset.aggregate(**aggregates)}
    return {row[key]: row for row in queryset.values(key).annotate(**aggregates).order_by()}


def _aggregates(*, flows: bool, now: datetime) -> dict[str, Any]:
    """Every figure as an aggregate over the figure facts, each measure picked out by a FILTER."""
    aggregates: dict[str, Any] = {
        "investigations": Count("pk", filter=Q(measure=M.INVESTIGATION)),
        "warrants_executed": Count("pk", filter=Q(measure=M.WARRANT_EXECUTED)),
        "arrests": Count("pk", filter=Q(measure=M.ARREST)),
        "people_charged": Count("subject_id", filter=Q(measure=M.CHARGED), distinct=True),
        "children_safeguarded": Coalesce(Sum("amount", filter=Q(measure=M.MASH_REFERRAL)), 0),
    }
    if flows:
        timed = Q(days__isnull=False)
        aggregates |= _flow("referral_to_warrant", F("days"), Q(measure=M.WARRANT_ISSUED) & timed)
        aggregates |= _flow("warrant_issue_to_execution", F("days"), Q(measure=M.WARRANT_EXECUTED) & timed)
        aggregates |= _flow("arrest_to_charging_decision", F("days"), Q(measure=M.ARREST) & timed)
        aggregates |= _flow("arrest_to_first_court", F("days"), Q(measure=M.FIRST_COURT))
        aggregates |= _flow("arrest_to_mash_referral", F("days"), Q(measure=M.MASH_REFERRAL) & timed)
        aggregates["charging_met"] = Count("pk", filter=Q(measure=M.ARREST, done_at__lte=F("due_at")))
        aggregates["charging_missed"] = Count(
            "pk",
            filter=Q(measure=M.ARREST) & (Q(done_at__gt=F("due_at")) | Q(done_at__isnull=True, due_at__lt=now)),
        )
    return aggregates


def _figures(
    period: Period, forces: list[Force], key: str | None, *, flows: bool, now: datetime
) -> dict[Any, dict[str, Any]]:
    """Every figure per `key` ("team_id", "force_id" or None for one total): one query over the
    figure facts of `forces` in `period` (an index range scan per force)."""
    facts = FigureFact.objects.filter(force_id__in=[force.pk for force in forces], **period.bounds("at"))
    return _grouped(facts, key, _aggregates(flows=flows, now=now))


def _row(level: str, region: str, force: str, team: str, values: dict[str, Any], *, flows: bool) -> FigureRow:
    counts = {name: int(values.get(name) or 0) for name, _ in COUNTS}
    if not flows:
        return FigureRow(level=level, region=region, force=force, team=team, counts=counts)
    return FigureRow(
        level=level,
        region=region,
        force=force,
        team=team,
        counts=counts,
        flows={
            name: Flow(
                count=int(values.get(f"{name}__count") or 0),
                median=days(values.get(f"{name}__median")),
                p90=days(values.get(f"{name}__p90")),
            )
            for name, _ in FLOWS
        },
        charging_met=int(values.get("charging_met") or 0),
        charging_missed=int(values.get("charging_missed") or 0),
    )


def figures_report(user: User, *, period: Period, now: datetime) -> FiguresReport:
    """The figures `user` may see for `period` (see the module's docstring). A user without a force
    gets an empty report. The figure facts are brought up to date first (`figure_facts_refresh`:
    nothing to do when Celery has kept up). A fixed number of queries whatever the data."""
    if user.force_id is None:
        return FiguresReport(period=period, force=None)
    figure_facts_refresh(if_needed=True)
    force = Force.objects.get(pk=user.force_id)
    teams = list(Team.objects.filter(force=force).order_by("name"))
    forces = list(Force.objects.filter(region=force.region).order_by("name")) if force.region else [force]
    by_team = _figures(period, [force], "team_id", flows=True, now=now)
    by_force = _figures(period, forces, "force_id", flows=True, now=now)
    region = force.region or force.name
    report = FiguresReport(
        period=period,
        force=force,
        teams=[_row("team", region, force.name, t.name, by_team.get(t.pk, {}), flows=True) for t in teams],
        force_total=_row("force", region, force.name, "", by_force.get(force.pk, {}), flows=True),
        position=force_position(force, period=period, now=now),
    )
    if force.region:
        # Regional figures: counts only, each force's and the region's total.
        report.region_forces.extend(
            _row("region_force", region, f.name, "", by_force.get(f.pk, {}), flows=False) for f in forces
        )
        total = _figures(period, forces, None, flows=False, now=now)[None]
        report.region_total = _row("region", region, "", "", total, flows=False)
    return report


def figures_reports(user: User, *, periods: Iterable[Period], now: datetime) -> list[FiguresReport]:
    return [figures_report(user, period=period, now=now) for period in periods]
