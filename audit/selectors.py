"""Reads of the audit trail for the auditor pages: searches, keyset pages, access summaries, flags.

Every query is shaped to an index of AuditEntry (actor/username, case reference, kind, address,
each with the time; the time with the id for paging), so pages stay fast over millions of entries:
no OFFSET and no COUNT(*) over the whole result.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.db.models import Count, Max, QuerySet
from django.utils import timezone

from audit.models import AuditEntry
from safeguard.keyset import Cursor, Page, Position, keyset_page, newest_first, older_than

LONDON = ZoneInfo("Europe/London")
PAGE_SIZE = 50
EXPORT_CHUNK = 2000
# Consultation and disclosure: the kinds that mean someone saw case data.
ACCESS_KINDS = (
    AuditEntry.Kind.READ,
    AuditEntry.Kind.SEARCH,
    AuditEntry.Kind.EXPORT,
    AuditEntry.Kind.PRINT,
)


@dataclass(frozen=True)
class AuditFilters:
    username: str = ""
    case_reference: str = ""
    kind: str = ""
    date_from: date | None = None
    date_to: date | None = None
    ip: str = ""

    def as_dict(self) -> dict[str, str]:
        """The filters given, as text: for the audit entry that records the search, and for links."""
        values = {
            "username": self.username,
            "case_reference": self.case_reference,
            "kind": self.kind,
            "date_from": self.date_from.isoformat() if self.date_from else "",
            "date_to": self.date_to.isoformat() if self.date_to else "",
            "ip": self.ip,
        }
        return {key: value for key, value in values.items() if value}


def london_day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=LONDON)


def audit_entries(filters: AuditFilters) -> QuerySet[AuditEntry]:
    entries = AuditEntry.objects.all()
    if filters.username:
        entries = entries.filter(actor_username=filters.username)
    if filters.case_reference:
        entries = entries.filter(case_reference=filters.case_reference)
    if filters.kind:
        entries = entries.filter(kind=filters.kind)
    if filters.ip:
        entries = entries.filter(ip=filters.ip)
    if filters.date_from:
        entries = entries.filter(occurred_at__gte=london_day_start(filters.date_from))
    if filters.date_to:
        entries = entries.filter(occurred_at__lt=london_day_start(filters.date_to + timedelta(days=1)))
    return entries


def audit_page(entries: QuerySet[AuditEntry], position: Position | None = None) -> Page[AuditEntry]:
    """One page of `entries`, newest first, by keyset on (occurred_at, id) (safeguard.keyset)."""
    return keyset_page(entries, at="occurred_at", size=PAGE_SIZE, position=position)


def audit_export_rows(entries: QuerySet[AuditEntry]) -> Iterator[AuditEntry]:
    """Every entry of a search, newest first, read in keyset chunks (never all in memory)."""
    cursor: Cursor | None = None
    while True:
        query = entries if cursor is None else older_than(entries, "occurred_at", cursor)
        chunk = list(newest_first(query, "occurred_at")[:EXPORT_CHUNK])
        yield from chunk
        if len(chunk) < EXPORT_CHUNK:
            return
        cursor = Cursor(chunk[-1].occurred_at, chunk[-1].id)


def case_accessed_by(case_reference: str) -> list[dict[str, Any]]:
    """Who consulted or disclosed a case: one row per person, with how often and when last."""
    return list(
        AuditEntry.objects.filter(case_reference=case_reference, kind__in=ACCESS_KINDS)
        .values("actor_id", "actor_username")
        .annotate(count=Count("id"), last_at=Max("occurred_at"))
        .order_by("-last_at")
    )


def cases_accessed_by(username: str) -> list[dict[str, Any]]:
    """Which cases a person consulted or disclosed: one row per case, with how often and when last."""
    return list(
        AuditEntry.objects.filter(actor_username=username, kind__in=ACCESS_KINDS)
        .exclude(case_reference="")
        .values("case_reference")
        .annotate(count=Count("id"), last_at=Max("occurred_at"))
        .order_by("-last_at")
    )


@dataclass(frozen=True)
class OutsideTeamFlag:
    username: str
    cases: int
    window_end: datetime


@dataclass(frozen=True)
class OutOfHoursFlag:
    username: str
    day: date
    entries: int
    cases: int
    first_at: datetime
    last_at: datetime


_OUTSIDE_TEAM_SQL = """
WITH reads AS (
    SELECT e.actor_id, e.actor_username, e.occurred_at, e.case_reference
    FROM audit_auditentry e
    JOIN cases_case c ON c.reference = e.case_reference
    WHERE e.kind = ANY(%(kinds)s) AND e.actor_id IS NOT NULL
      AND e.occurred_at >= %(start)s AND e.occurred_at < %(end)s
      AND NOT EXISTS (
          SELECT 1 FROM cases_user_teams ut WHERE ut.user_id = e.actor_id AND ut.team_id = c.team_id
      )
), windows AS (
    SELECT r.actor_id, r.actor_username, r.occurred_at AS window_end,
        (SELECT count(DISTINCT r2.case_reference) FROM reads r2
         WHERE r2.actor_id = r.actor_id
           AND r2.occurred_at > r.occurred_at - make_interval(mins => %(minutes)s)
           AND r2.occurred_at <= r.occurred_at) AS cases
    FROM reads r
)
SELECT DISTINCT ON (actor_id) actor_username, cases, window_end
FROM windows WHERE cases > %(threshold)s
ORDER BY actor_id, cases DESC, window_end
"""

_OUT_OF_HOURS_SQL = """
SELECT actor_username, (occurred_at AT TIME ZONE 'Europe/London')::date AS day, count(*),
       count(DISTINCT NULLIF(case_reference, '')), min(occurred_at), max(occurred_at)
FROM audit_auditentry
WHERE kind = ANY(%(kinds)s) AND actor_id IS NOT NULL
  AND occurred_at >= %(start)s AND occurred_at < %(end)s
  AND {hours}
GROUP BY actor_username, day
ORDER BY day DESC, actor_username
"""


def _period(date_from: date | None, date_to: date | None) -> tuple[datetime, datetime]:
    today = timezone.localdate(timezone=LONDON)
    last = date_to or today
    first = date_from or last - timedelta(days=6)
    return london_day_start(first), london_day_start(last + timedelta(days=1))


def flags_outside_team(date_from: date | None = None, date_to: date | None = None) -> list[OutsideTeamFlag]:
    """People who read more than SAFEGUARD_AUDIT_FLAG_CASES distinct cases of teams they are not in
    within any SAFEGUARD_AUDIT_FLAG_MINUTES minutes: their busiest such window in the period."""
    start, end = _period(date_from, date_to)
    with connection.cursor() as cursor:
        cursor.execute(
            _OUTSIDE_TEAM_SQL,
            {
                "kinds": list(ACCESS_KINDS),
                "start": start,
                "end": end,
                "minutes": settings.SAFEGUARD_AUDIT_FLAG_MINUTES,
                "threshold": settings.SAFEGUARD_AUDIT_FLAG_CASES,
            },
        )
        rows = cursor.fetchall()
    flags = [OutsideTeamFlag(username, cases, window_end) for username, cases, window_end in rows]
    return sorted(flags, key=lambda flag: (-flag.cases, flag.username))


def _time_of_day(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def flags_out_of_hours(date_from: date | None = None, date_to: date | None = None) -> list[OutOfHoursFlag]:
    """Consultation between the out-of-hours start and end (London time): one row per person per day."""
    start, end = _period(date_from, date_to)
    begins = _time_of_day(settings.SAFEGUARD_AUDIT_FLAG_OUT_OF_HOURS_START)
    ends = _time_of_day(settings.SAFEGUARD_AUDIT_FLAG_OUT_OF_HOURS_END)
    local = "(occurred_at AT TIME ZONE 'Europe/London')::time"
    joiner = "AND" if begins < ends else "OR"  # a span that crosses midnight is two spans
    hours = f"({local} >= %(begins)s::time {joiner} {local} < %(ends)s::time)"
    with connection.cursor() as cursor:
        cursor.execute(
            _OUT_OF_HOURS_SQL.format(hours=hours),
            {"kinds": list(ACCESS_KINDS), "start": start, "end": end, "begins": str(begins), "ends": str(ends)},
        )
        rows = cursor.fetchall()
    return [OutOfHoursFlag(*row) for row in rows]
