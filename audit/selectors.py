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

from django.contrib.auth import get_user_model
from django.db.models import Count, Max, Q, QuerySet

from audit.models import AuditChainHead, AuditEntry, Flag
from safeguard.keyset import Cursor, Page, Position, keyset_page, newest_first, older_than

LONDON = ZoneInfo("Europe/London")
PAGE_SIZE = 50
EXPORT_CHUNK = 2000
# Consultation and disclosure: the kinds that mean someone saw case data.
# A referral's reads, under the name the trail gives it now and the one older entries used.
REFERRAL_TYPES = ("cases.Referral", "referral")
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


def last_place() -> int:
    """The last place given in the chain (0 before any): every entry at a place up to it has
    committed, and every entry not sealed now, committed or not, will take a later place."""
    return AuditChainHead.objects.filter(id=1).values_list("last_seq", flat=True).first() or 0


def written_since(first_after: int, last: int | None = None, *, unsealed: Q | None = None) -> Q:
    """Entries written since place `first_after` of the chain: those sealed after it (up to place
    `last`), and those not sealed yet (narrowed by `unsealed`), which take a later place once sealed.
    What a reader that keeps a place as its watermark has not yet seen."""
    placed = Q(seq__gt=first_after) if last is None else Q(seq__gt=first_after, seq__lte=last)
    waiting = Q(seq__isnull=True) if unsealed is None else Q(seq__isnull=True) & unsealed
    return placed | waiting


def audit_entries(filters: AuditFilters) -> QuerySet[AuditEntry]:
    entries = AuditEntry.objects.all()
    if filters.username:
        entries = entries.filter(actor_username__in=usernames_matching(filters.username))
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


def referrals_read_by(username: str) -> list[dict[str, Any]]:
    """Which referrals a person read: one row per referral, with how often and when last."""
    return list(
        AuditEntry.objects.filter(actor_username=username, kind__in=ACCESS_KINDS, object_type__in=REFERRAL_TYPES)
        .exclude(object_id="")
        .values("object_type", "object_id")
        .annotate(count=Count("id"), last_at=Max("occurred_at"))
        .order_by("-last_at")
    )


# How many people a partial name may match; more, and the auditor is asked to say more.
PEOPLE_MATCHED = 200


def usernames_matching(text: str) -> list[str]:
    """The usernames a search for `text` means: `text` itself (as typed: a username tried at a failed
    sign-in need not be anyone's), and those of the people whose username, first name or last name
    contains each word of it ("reid", "jo re", "dc.h"). The people table is small; the trail is then
    read through its (username, time) index."""
    words = text.split()
    if not words:
        return []
    matches = Q()
    for word in words:
        matches &= Q(username__icontains=word) | Q(first_name__icontains=word) | Q(last_name__icontains=word)
    people = get_user_model().objects.filter(matches).order_by("username").values_list("username", flat=True)
    return sorted({text, *people[:PEOPLE_MATCHED]})


def flag_list(*, status: str = "", kind: str = "") -> QuerySet[Flag]:
    """Flags of a status and kind (any, when not given), the latest window first."""
    flags = Flag.objects.all()
    if status:
        flags = flags.filter(status=status)
    if kind:
        flags = flags.filter(kind=kind)
    return flags.order_by("-window_end", "-id")


def flag_entries(flag: Flag) -> list[AuditEntry]:
    """The entries behind a flag, oldest first."""
    return list(AuditEntry.objects.filter(id__in=flag.entry_ids).order_by("occurred_at", "id"))
