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

from collections.abc import Iterable, Iterator
from dataclasses import astuple, dataclass, field
from datetime import datetime
from typing import Any

from django.db import connections, router
from django.db.models import Count, DateTimeField, F, Max, Q, Value
from django.utils import timezone

from accounts.models import Force, Team, User
from cases.models import Closure, Device, FigureFact, Release
from cases.services.summaries import figure_facts_refresh
from reports.cache import kept
from reports.sql import Days, Period, days, default_period, median

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
    # The figure facts' last refresh: every record written up to then is counted.
    facts_as_of: datetime | None = None

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


def force_position(force: Force, *, now: datetime, details: dict[tuple[str, str], int]) -> ForcePosition:
    """Suspects waiting and the forensic backlog as they are now (one query, on the partial index
    `figure_fact_waiting`), with the period's triage results and closure outcomes (`details`: facts
    counted by measure and detail, from the force's grouped query)."""
    age = Days(Value(now, output_field=DateTimeField()), F("at"))
    requested = Q(measure=M.FORENSIC_REQUEST)
    # Open cases only: a closed case's unfinished request waits for no one. The partial index
    # `figure_fact_waiting` holds exactly these rows, so the cost follows the open cases.
    waiting_now = Q(done_at__isnull=True, case_open=True, measure__in=[M.ARREST, M.FORENSIC_REQUEST])
    waiting = FigureFact.objects.filter(waiting_now, force_id=force.pk).aggregate(
        on_bail=Count("at", filter=Q(measure=M.ARREST, detail=Release.Kind.BAIL)),
        under_investigation=Count("at", filter=Q(measure=M.ARREST, detail=Release.Kind.RUI)),
        backlog=Count("at", filter=requested),
        backlog_median=median(age, filter=requested),
        backlog_oldest=Max(age, filter=requested),
    )
    triage = {detail: n for (measure, detail), n in details.items() if measure == M.TRIAGE}
    triaged = sum(n for detail, n in triage.items() if detail != Device.TriageResult.NOT_EXAMINED)
    labels = dict(Closure.OutcomeType.choices)
    closed = sorted(
        ((n, detail) for (measure, detail), n in details.items() if measure == M.CLOSURE),
        key=lambda pair: (-pair[0], pair[1]),
    )
    return ForcePosition(
        on_bail=waiting["on_bail"],
        under_investigation=waiting["under_investigation"],
        forensic_backlog=waiting["backlog"],
        forensic_backlog_median_days=days(waiting["backlog_median"]),
        forensic_backlog_oldest_days=days(waiting["backlog_oldest"]),
        triaged=triaged,
        triage_positive=triage.get(Device.TriageResult.POSITIVE, 0),
        outcomes=[(labels.get(detail, detail), n) for n, detail in closed],
    )


# --- The SQL ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Measured:
    """One measure's aggregates over a group of figure facts: how many, their amounts, the distinct
    subjects, and for the flow times the days (how many timed, median, 90th percentile) and the
    charging target (met, missed)."""

    events: int = 0
    amount: int = 0
    subjects: int = 0
    timed: int = 0
    median: float | None = None
    p90: float | None = None
    met: int = 0
    missed: int = 0


NONE_MEASURED = Measured()
# Each count of the report: the measure and which of its aggregates.
COUNTED: dict[str, tuple[str, str]] = {
    "investigations": (M.INVESTIGATION, "events"),
    "warrants_executed": (M.WARRANT_EXECUTED, "events"),
    "arrests": (M.ARREST, "events"),
    "people_charged": (M.CHARGED, "subjects"),
    "children_safeguarded": (M.MASH_REFERRAL, "amount"),
}
# Each flow time of the report: the measure whose days it is (untimed facts are left out).
FLOW_MEASURES: dict[str, str] = {
    "referral_to_warrant": M.WARRANT_ISSUED,
    "warrant_issue_to_execution": M.WARRANT_EXECUTED,
    "arrest_to_charging_decision": M.ARREST,
    "arrest_to_first_court": M.FIRST_COURT,
    "arrest_to_mash_referral": M.MASH_REFERRAL,
}

# One scan of the forces' facts in the period, grouped three ways at once: per key (team or force)
# and measure, per measure (the total), and per measure and detail (triage results and outcomes).
# The percentiles are worked out only where flow times are shown.
_GROUPED_SQL = """
SELECT {key}, measure, detail, GROUPING({key}, detail),
       count(*), coalesce(sum(amount), 0), count(DISTINCT subject_id), count(days),
       {percentiles},
       count(*) FILTER (WHERE done_at <= due_at),
       count(*) FILTER (WHERE done_at > due_at OR (done_at IS NULL AND due_at < %(now)s)),
       min(due_at) FILTER (WHERE done_at IS NULL AND due_at >= %(now)s)
FROM {table}
WHERE force_id = ANY(%(forces)s) AND at >= %(start)s AND at < %(end)s
GROUP BY GROUPING SETS (({key}, measure), (measure), (measure, detail))
"""
_PERCENTILES = "percentile_cont(0.5) WITHIN GROUP (ORDER BY days), percentile_cont(0.9) WITHIN GROUP (ORDER BY days)"
# GROUPING({key}, detail) sets a bit for each of the two left out of the row's grouping: 1 (detail)
# for a row per key and measure, 2 (key) per measure and detail, 3 (both) for the total.
_PER_KEY, _PER_DETAIL, _TOTAL = 1, 2, 3


@dataclass
class Grouped:
    """The figure facts of a period, aggregated per key and measure, in total per measure, and
    counted per measure and detail."""

    by_key: dict[int, dict[str, Measured]] = field(default_factory=dict)
    total: dict[str, Measured] = field(default_factory=dict)
    details: dict[tuple[str, str], int] = field(default_factory=dict)

    def dump(self) -> dict[str, Any]:
        """As JSON, for `FiguresCache`."""
        return {
            "by_key": [[key, measure, astuple(m)] for key, by in self.by_key.items() for measure, m in by.items()],
            "total": [[measure, astuple(m)] for measure, m in self.total.items()],
            "details": [[measure, detail, n] for (measure, detail), n in self.details.items()],
        }

    @classmethod
    def load(cls, value: dict[str, Any]) -> "Grouped":
        grouped = cls()
        for key, measure, aggregates in value["by_key"]:
            grouped.by_key.setdefault(key, {})[measure] = Measured(*aggregates)
        grouped.total = {measure: Measured(*aggregates) for measure, aggregates in value["total"]}
        grouped.details = {(measure, detail): n for measure, detail, n in value["details"]}
        return grouped


def _grouped(period: Period, forces: list[Force], key: str, *, flows: bool, now: datetime) -> Grouped:
    """One query, `_GROUPED_SQL`, or its cached answer from an earlier report while still valid
    (reports/cache.py). `key` is "team_id" or "force_id"."""
    force_ids = [force.pk for force in forces]
    parts = {"key": key, "flows": flows, "forces": force_ids, "start": period.starts_at, "end": period.ends_before}
    return kept(
        parts,
        force_ids,
        now=now,
        make=lambda: _grouped_now(period, forces, key, flows=flows, now=now),
        dump=Grouped.dump,
        load=Grouped.load,
    )


def _grouped_now(
    period: Period, forces: list[Force], key: str, *, flows: bool, now: datetime
) -> tuple[Grouped, datetime | None]:
    """The grouped query, and the first moment after `now` at which its answer changes with time
    alone: the soonest charging target of an arrest still waiting for a decision (it is then
    missed)."""
    sql = _GROUPED_SQL.format(
        key=key,
        table=FigureFact._meta.db_table,
        percentiles=_PERCENTILES if flows else "NULL, NULL",
    )
    params: dict[str, Any] = {
        "forces": [force.pk for force in forces],
        "start": period.starts_at,
        "end": period.ends_before,
        "now": now,
    }
    grouped = Grouped()
    changes: list[datetime] = []
    # From the read replica when the figures are read inside safeguard.replica.replica_reads.
    with connections[router.db_for_read(FigureFact)].cursor() as cursor:
        cursor.execute(sql, params)
        for key_value, measure, detail, grouping, *aggregates, met, missed, next_change in cursor:
            events, amount, subjects, timed, mid, p90 = aggregates
            measured = Measured(events, amount, subjects, timed, days(mid), days(p90), met, missed)
            if next_change is not None:
                changes.append(next_change)
            if grouping == _PER_KEY:
                grouped.by_key.setdefault(key_value, {})[measure] = measured
            elif grouping == _TOTAL:
                grouped.total[measure] = measured
            elif grouping == _PER_DETAIL:
                grouped.details[(measure, detail)] = measured.events
    return grouped, min(changes, default=None)


def _row(level: str, region: str, force: str, team: str, measures: dict[str, Measured], *, flows: bool) -> FigureRow:
    counts = {
        name: getattr(measures.get(measure, NONE_MEASURED), aggregate) for name, (measure, aggregate) in COUNTED.items()
    }
    if not flows:
        return FigureRow(level=level, region=region, force=force, team=team, counts=counts)
    arrests = measures.get(M.ARREST, NONE_MEASURED)
    return FigureRow(
        level=level,
        region=region,
        force=force,
        team=team,
        counts=counts,
        flows={name: _flow(measures.get(measure, NONE_MEASURED)) for name, measure in FLOW_MEASURES.items()},
        charging_met=arrests.met,
        charging_missed=arrests.missed,
    )


def _flow(measured: Measured) -> Flow:
    return Flow(count=measured.timed, median=measured.median, p90=measured.p90)


def figures_report(user: User, *, period: Period, now: datetime) -> FiguresReport:
    """The figures `user` may see for `period` (see the module's docstring). A user without a force
    gets an empty report. The figure facts are read as Celery keeps them, up to a couple of minutes
    behind, and brought up to date first only if Celery has fallen behind (`figure_facts_refresh`);
    the report says as of when (`facts_as_of`). A fixed number of queries whatever the data: one
    grouped scan of the force's facts in the period, one of the region's, and one of what the
    force's open cases are waiting for."""
    return next(figures_reports(user, periods=[period], now=now))


def figures_reports(user: User, *, periods: Iterable[Period], now: datetime) -> Iterator[FiguresReport]:
    """`figures_report` for each of `periods` in turn (a month-by-month export shows its progress
    as each is computed), the facts brought up to date once for all of them."""
    if user.force_id is None:
        yield from (FiguresReport(period=period, force=None) for period in periods)
        return
    facts = figure_facts_refresh(if_needed=True)
    force = Force.objects.get(pk=user.force_id)
    teams, forces = _teams_and_region(force)
    for period in periods:
        report = _report(force, teams, forces, period=period, now=now)
        report.facts_as_of = facts.as_of
        yield report


def remake_default_figures(force_ids: Iterable[int], *, now: datetime) -> int:
    """After a refresh changed the facts of `force_ids` (Celery's, `reports.tasks.refresh_summaries`):
    recompute and cache the figures of the default period, the one the page shows first, for every
    force whose report reads those facts: the forces themselves and the other forces of their
    regions, whose regional counts include them (cache warming). The first supervisor to look after a
    change then gets a cache hit instead of waiting for the recomputation (docs/figures.md). Cache
    entries of the forces not changed are read, not recomputed. Returns how many forces' figures
    were looked at."""
    changed = list(Force.objects.filter(pk__in=list(force_ids)))
    if not changed:
        return 0
    regions = {force.region for force in changed if force.region}
    forces = Force.objects.filter(Q(pk__in=[force.pk for force in changed]) | Q(region__in=regions)).order_by("name")
    period = default_period(timezone.localdate(now))
    for force in forces:
        _report(force, *_teams_and_region(force), period=period, now=now)
    return len(forces)


def _teams_and_region(force: Force) -> tuple[list[Team], list[Force]]:
    """The force's teams and the forces of its region (none without one), in the report's order:
    what `_report` reads, and so the cache keys of its answers."""
    teams = list(Team.objects.filter(force=force).order_by("name"))
    forces = list(Force.objects.filter(region=force.region).order_by("name")) if force.region else []
    return teams, forces


def _report(force: Force, teams: list[Team], forces: list[Force], *, period: Period, now: datetime) -> FiguresReport:
    own = _grouped(period, [force], "team_id", flows=True, now=now)
    region = force.region or force.name
    report = FiguresReport(
        period=period,
        force=force,
        teams=[_row("team", region, force.name, t.name, own.by_key.get(t.pk, {}), flows=True) for t in teams],
        force_total=_row("force", region, force.name, "", own.total, flows=True),
        position=force_position(force, now=now, details=own.details),
    )
    if forces:
        # Regional figures: counts only, each force's and the region's total. The user's own force is
        # counted already; every count adds up across forces (a subject is of one case, so of one
        # force), so the region's total is the sum of its forces'.
        others = [f for f in forces if f.pk != force.pk]
        by_force = _grouped(period, others, "force_id", flows=False, now=now).by_key if others else {}
        by_force[force.pk] = own.total
        rows = [_row("region_force", region, f.name, "", by_force.get(f.pk, {}), flows=False) for f in forces]
        report.region_forces.extend(rows)
        total = {name: sum(row.counts[name] for row in rows) for name in COUNTED}
        report.region_total = FigureRow(level="region", region=region, force="", team="", counts=total)
    return report
