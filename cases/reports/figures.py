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
other case-level detail appears. Every figure is a SQL aggregate; a report costs a fixed number of
queries (21) whatever the number of cases.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Count, DateTimeField, F, Max, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from cases.models import (
    Arrest,
    Case,
    ChargingSubmission,
    Closure,
    CourtHearing,
    Device,
    Force,
    Release,
    SafeguardingReferral,
    Team,
    User,
)
from cases.reports.dashboard import with_decisions
from cases.reports.sql import Days, Period, days, median, ninetieth

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
    """Three queries (see `ForcePosition`)."""
    latest_release = Release.objects.filter(arrest_id=OuterRef("pk")).order_by("-released_at", "-id")
    waiting = (
        with_decisions(Arrest.objects.filter(case__force=force, case__status=Case.Status.OPEN))
        .annotate(release_kind=Subquery(latest_release.values("kind")[:1]))
        .aggregate(
            on_bail=Count("pk", filter=Q(decision_at__isnull=True, release_kind=Release.Kind.BAIL)),
            under_investigation=Count("pk", filter=Q(decision_at__isnull=True, release_kind=Release.Kind.RUI)),
        )
    )
    outstanding = Q(forensic_requested_at__isnull=False, forensic_completed_at__isnull=True)
    triaged = Q(**period.bounds("triaged_at")) & ~Q(triage_result=Device.TriageResult.NOT_EXAMINED)
    age = Days(Value(now, output_field=DateTimeField()), F("forensic_requested_at"))
    devices = Device.objects.filter(case__force=force).aggregate(
        backlog=Count("pk", filter=outstanding),
        backlog_median=median(age, filter=outstanding),
        backlog_oldest=Max(age, filter=outstanding),
        triaged=Count("pk", filter=triaged),
        positive=Count("pk", filter=triaged & Q(triage_result=Device.TriageResult.POSITIVE)),
    )
    labels = dict(Closure.OutcomeType.choices)
    outcomes = (
        Closure.objects.filter(case__force=force, **period.bounds("closed_at"))
        .values("outcome_type")
        .annotate(closed=Count("pk"))
        .order_by("-closed", "outcome_type")
    )
    return ForcePosition(
        on_bail=waiting["on_bail"],
        under_investigation=waiting["under_investigation"],
        forensic_backlog=devices["backlog"],
        forensic_backlog_median_days=days(devices["backlog_median"]),
        forensic_backlog_oldest_days=days(devices["backlog_oldest"]),
        triaged=devices["triaged"],
        triage_positive=devices["positive"],
        outcomes=[(labels.get(row["outcome_type"], row["outcome_type"]), row["closed"]) for row in outcomes],
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


def _case_counts(period: Period, forces: QuerySet[Force], key: str | None) -> dict[Any, dict[str, Any]]:
    cases = Case.objects.filter(force__in=forces, **period.bounds("opened_at"))
    return _grouped(cases, key and key.removeprefix("case__"), {"investigations": Count("pk")})


def _warrant_figures(period: Period, forces: QuerySet[Force], key: str | None, flows: bool) -> dict[Any, dict]:
    from warrants.models import Warrant  # warrants.models imports cases.models

    executed = Q(**period.bounds("executed_at"))
    issued = Q(**period.bounds("issued_at"))
    warrants = Warrant.objects.filter(case__force__in=forces).filter(executed | issued)
    aggregates: dict[str, Any] = {"warrants_executed": Count("pk", filter=executed)}
    if flows:
        aggregates |= _flow(
            "referral_to_warrant",
            Days(F("issued_at"), F("case__referral__received_at")),
            issued & Q(case__referral__isnull=False),
        )
        aggregates |= _flow(
            "warrant_issue_to_execution", Days(F("executed_at"), F("issued_at")), executed & Q(issued_at__isnull=False)
        )
    return _grouped(warrants, key, aggregates)


def _arrest_figures(
    period: Period, forces: QuerySet[Force], key: str | None, flows: bool, now: datetime
) -> dict[Any, dict]:
    arrests: QuerySet[Arrest] = Arrest.objects.filter(case__force__in=forces, **period.bounds("arrested_at"))
    aggregates: dict[str, Any] = {"arrests": Count("pk")}
    if flows:
        first_court = CourtHearing.objects.filter(
            case_id=OuterRef("case_id"),
            subject_id=OuterRef("subject_id"),
            hearing_type=CourtHearing.Type.FIRST_APPEARANCE,
            hearing_at__gte=OuterRef("arrested_at"),
        ).order_by("hearing_at", "id")
        arrests = with_decisions(arrests).annotate(first_court_at=Subquery(first_court.values("hearing_at")[:1]))
        aggregates |= _flow(
            "arrest_to_charging_decision", Days(F("decision_at"), F("arrested_at")), Q(decision_at__isnull=False)
        )
        aggregates |= _flow(
            "arrest_to_first_court", Days(F("first_court_at"), F("arrested_at")), Q(first_court_at__isnull=False)
        )
        aggregates["charging_met"] = Count("pk", filter=Q(decision_at__lte=F("target_at")))
        aggregates["charging_missed"] = Count(
            "pk", filter=Q(decision_at__gt=F("target_at")) | Q(decision_at__isnull=True, target_at__lt=now)
        )
    return _grouped(arrests, key, aggregates)


def _charged(period: Period, forces: QuerySet[Force], key: str | None) -> dict[Any, dict]:
    charged = ChargingSubmission.objects.filter(
        case__force__in=forces, decision=ChargingSubmission.Decision.CHARGE, **period.bounds("decision_at")
    )
    return _grouped(charged, key, {"people_charged": Count("subject_id", distinct=True)})


def _safeguarding_figures(period: Period, forces: QuerySet[Force], key: str | None, flows: bool) -> dict[Any, dict]:
    referrals: QuerySet[SafeguardingReferral] = SafeguardingReferral.objects.filter(
        case__force__in=forces, **period.bounds("mash_referred_at")
    )
    aggregates: dict[str, Any] = {"children_safeguarded": Coalesce(Sum("children_safeguarded"), 0)}
    if flows:
        first_arrest = Arrest.objects.filter(
            case_id=OuterRef("case_id"), arrested_at__lte=OuterRef("mash_referred_at")
        ).order_by("arrested_at", "id")
        referrals = referrals.annotate(first_arrest_at=Subquery(first_arrest.values("arrested_at")[:1]))
        aggregates |= _flow(
            "arrest_to_mash_referral",
            Days(F("mash_referred_at"), F("first_arrest_at")),
            Q(first_arrest_at__isnull=False),
        )
    return _grouped(referrals, key, aggregates)


def _figures(
    period: Period, forces: QuerySet[Force], key: str | None, *, flows: bool, now: datetime
) -> dict[Any, dict[str, Any]]:
    """Every figure per `key` ("case__team_id", "case__force_id" or None for one total): 5 queries."""
    merged: dict[Any, dict[str, Any]] = {}
    for part in (
        _case_counts(period, forces, key),
        _warrant_figures(period, forces, key, flows),
        _arrest_figures(period, forces, key, flows, now),
        _charged(period, forces, key),
        _safeguarding_figures(period, forces, key, flows),
    ):
        for group, values in part.items():
            merged.setdefault(group, {}).update(values)
    return merged


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
    gets an empty report. 21 queries whatever the data."""
    if user.force_id is None:
        return FiguresReport(period=period, force=None)
    force = Force.objects.get(pk=user.force_id)
    own = Force.objects.filter(pk=force.pk)
    region_forces = Force.objects.filter(region=force.region) if force.region else own
    teams = list(Team.objects.filter(force=force).order_by("name"))
    forces = list(region_forces.order_by("name"))
    by_team = _figures(period, own, "case__team_id", flows=True, now=now)
    by_force = _figures(period, region_forces, "case__force_id", flows=True, now=now)
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
        total = _figures(period, region_forces, None, flows=False, now=now)[None]
        report.region_total = _row("region", region, "", "", total, flows=False)
    return report


def figures_reports(user: User, *, periods: Iterable[Period], now: datetime) -> list[FiguresReport]:
    return [figures_report(user, period=period, now=now) for period in periods]
