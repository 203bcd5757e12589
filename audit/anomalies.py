"""Anomaly flags: the patterns in the audit trail an auditor should look at (docs/audit.md,
"Anomaly flags"). One mechanism for every kind: `raise_flags` reads the entries written since its
last run (a high-water mark, `FlagMark`, and every entry not yet sequenced), asks each detector what
they show, and files what it finds as `Flag` rows naming the entries behind them. It is idempotent:
a run that finds nothing new changes nothing, and entries already behind a flag never raise another.

Each detector looks at the new entries and, where a pattern needs them, the older ones just
before: a window of refusals, of reads outside one's teams, earlier sign-ins. Thresholds are
settings (safeguard/settings.py, with their defaults). What a flag covers:

- `refused`: at least SAFEGUARD_AUDIT_FLAG_REFUSALS refusals (access_denied) within
  SAFEGUARD_AUDIT_FLAG_REFUSALS_MINUTES minutes.
- `restricted`: reading, searching to, exporting or printing a restricted case one is not in
  charge of (its officer in the case or supervisor); one flag per person per UK day.
- `outside_team`: more than SAFEGUARD_AUDIT_FLAG_CASES distinct cases of teams one is not in within
  SAFEGUARD_AUDIT_FLAG_MINUTES minutes.
- `out_of_hours`: access between SAFEGUARD_AUDIT_FLAG_OUT_OF_HOURS_START and _END (UK time); one flag
  per person per UK day.
- `role_change`: a role, team, permission or grant of a person changed by that person, or by
  someone whose account is younger than SAFEGUARD_AUDIT_FLAG_NEW_ADMIN_DAYS days; read from the
  audited rows (memberships, grants, the person's own role fields) and the role and permission
  events, so it does not matter which page made the change; and a refused attempt to do so to
  oneself or to decide one's own four-eyes request (`access_denied` with `changes.four_eyes`,
  docs/administration.md); one flag per person per UK day.
- `large_export`: an export or print of more than SAFEGUARD_AUDIT_FLAG_EXPORT_CASES cases, of all
  cases, or of the whole audit trail.
- `new_network`: a sign-in from an address whose network (the first
  SAFEGUARD_AUDIT_FLAG_NETWORK_PREFIX_V4 or _V6 bits) the person never signed in from; a
  person's very first sign-in has nothing to compare with and raises none.
"""

import ipaddress
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from audit.facts import case_facts, teams_of
from audit.models import AuditEntry, Flag, FlagMark
from audit.selectors import ACCESS_KINDS, LONDON, last_place, london_day_start, written_since

Kind = AuditEntry.Kind
# At most this many entries are read in one run; the next run goes on from there.
BATCH = 50_000
REFUSAL_KINDS = (Kind.ACCESS_DENIED,)
# Rows that give a person a role, a team, a permission or a grant: their `user_id` column names whom.
GRANT_ROWS = (
    "cases.User_groups",
    "cases.User_teams",
    "cases.User_user_permissions",
    "cases.CaseUserObjectPermission",
    "guardian.UserObjectPermission",
)
# A person's own columns that are roles in all but name.
ROLE_FIELDS = ("is_superuser", "is_staff", "is_active", "force_id")


@dataclass(frozen=True)
class Hit:
    """What a detector found: `kind` by `username` over a window, and the entries behind it."""

    kind: str
    person_id: int | None
    username: str
    start: datetime
    end: datetime
    entry_ids: tuple[int, ...]
    detail: str
    # Where a flag of this kind and person is the same flag: the UK day, for the kinds raised once
    # a day; None for the window itself.
    reach: tuple[datetime, datetime] | None = None


Detector = Callable[[QuerySet[AuditEntry]], list[Hit]]


def _london_day(moment: datetime) -> tuple[datetime, datetime]:
    first = london_day_start(moment.astimezone(LONDON).date())
    return first, london_day_start(first.date() + timedelta(days=1)) - timedelta(microseconds=1)


def _by_day(kind: str, entries: Iterable[AuditEntry], detail: Callable[[list[AuditEntry]], str]) -> list[Hit]:
    """One hit per person per UK day of `entries`."""
    groups: dict[tuple[int | None, str, datetime], list[AuditEntry]] = defaultdict(list)
    for entry in entries:
        groups[(entry.actor_id, entry.actor_username, _london_day(entry.occurred_at)[0])].append(entry)
    hits = []
    for (person_id, username, day_start), found in groups.items():
        moments = [entry.occurred_at for entry in found]
        ids = tuple(sorted(entry.id for entry in found))
        reach = _london_day(day_start)
        hits.append(Hit(kind, person_id, username, min(moments), max(moments), ids, detail(found), reach))
    return hits


def _windows(
    kind: str,
    events: list[tuple[AuditEntry, str]],
    *,
    new_from: int,
    minutes: int,
    enough: int,
    detail: Callable[[int], str],
) -> list[Hit]:
    """Sliding windows of one person's `events` (entry, what it counts as), oldest first: for each
    new entry (id above `new_from`), the events in the `minutes` before it, when they count at
    least `enough` distinct things."""
    hits = []
    span = timedelta(minutes=minutes)
    left = 0
    for index, (entry, _) in enumerate(events):
        while events[left][0].occurred_at <= entry.occurred_at - span:
            left += 1
        if entry.id <= new_from:
            continue
        window = events[left : index + 1]
        counted = {what for _, what in window}
        if len(counted) >= enough:
            ids = tuple(sorted(e.id for e, _ in window))
            start = window[0][0].occurred_at
            hits.append(
                Hit(kind, entry.actor_id, entry.actor_username, start, entry.occurred_at, ids, detail(len(counted)))
            )
    return hits


def _earlier_and_new(new: QuerySet[AuditEntry], kinds: Iterable[str], minutes: int) -> dict[int, list[AuditEntry]]:
    """The entries of `kinds` by each person with one among `new`, from `minutes` before their first
    new one up to the last new one, oldest first, by person (read by username and time, the index
    the trail has for a person's entries)."""
    found = new.filter(kind__in=list(kinds), actor_id__isnull=False).values_list("actor_username", "occurred_at")
    firsts: dict[str, datetime] = {}
    for username, moment in found:
        firsts[username] = min(moment, firsts.get(username, moment))
    last_id = new.order_by("-id").values_list("id", flat=True).first() or 0
    by_person: dict[int, list[AuditEntry]] = defaultdict(list)
    for username, first in firsts.items():
        entries = AuditEntry.objects.filter(
            actor_username=username,
            occurred_at__gt=first - timedelta(minutes=minutes),
            kind__in=list(kinds),
            actor_id__isnull=False,
            id__lte=last_id,
        ).order_by("occurred_at", "id")
        for entry in entries:
            if entry.actor_id is not None:  # always, by the filter: for the type checker
                by_person[entry.actor_id].append(entry)
    return by_person


def refused_repeatedly(new: QuerySet[AuditEntry]) -> list[Hit]:
    minutes, enough = settings.SAFEGUARD_AUDIT_FLAG_REFUSALS_MINUTES, settings.SAFEGUARD_AUDIT_FLAG_REFUSALS
    new_from = _first_id(new) - 1
    hits = []
    for entries in _earlier_and_new(new, REFUSAL_KINDS, minutes).values():
        hits += _windows(
            Flag.Kind.REFUSED,
            [(entry, str(entry.id)) for entry in entries],
            new_from=new_from,
            minutes=minutes,
            enough=enough,
            detail=lambda count: f"Refused {count} times within {minutes} minutes",
        )
    return hits


def restricted_reads(new: QuerySet[AuditEntry]) -> list[Hit]:
    entries = list(new.filter(kind__in=ACCESS_KINDS, actor_id__isnull=False).exclude(case_reference=""))
    facts = case_facts({entry.case_reference for entry in entries})
    flagged = [
        entry
        for entry in entries
        if (fact := facts.get(entry.case_reference)) and fact.restricted and entry.actor_id not in fact.in_charge
    ]

    def detail(found: list[AuditEntry]) -> str:
        return "Restricted cases: " + ", ".join(sorted({entry.case_reference for entry in found}))

    return _by_day(Flag.Kind.RESTRICTED, flagged, detail)


def outside_team(new: QuerySet[AuditEntry]) -> list[Hit]:
    minutes, threshold = settings.SAFEGUARD_AUDIT_FLAG_MINUTES, settings.SAFEGUARD_AUDIT_FLAG_CASES
    new_from = _first_id(new) - 1
    by_person = _earlier_and_new(new.exclude(case_reference=""), ACCESS_KINDS, minutes)
    references = {entry.case_reference for entries in by_person.values() for entry in entries if entry.case_reference}
    facts = case_facts(references)
    teams = teams_of(list(by_person))
    hits = []
    for person_id, entries in by_person.items():
        own = teams.get(person_id, set())
        outside = [
            (entry, entry.case_reference)
            for entry in entries
            if (fact := facts.get(entry.case_reference)) and fact.team_id not in own
        ]
        hits += _windows(
            Flag.Kind.OUTSIDE_TEAM,
            outside,
            new_from=new_from,
            minutes=minutes,
            enough=threshold + 1,
            detail=lambda count: f"{count} cases of other teams within {minutes} minutes",
        )
    return hits


def _time_of_day(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def is_out_of_hours(moment: datetime) -> bool:
    """Whether `moment` falls between the out-of-hours start and end, in UK time."""
    begins = _time_of_day(settings.SAFEGUARD_AUDIT_FLAG_OUT_OF_HOURS_START)
    ends = _time_of_day(settings.SAFEGUARD_AUDIT_FLAG_OUT_OF_HOURS_END)
    local = moment.astimezone(LONDON).time()
    if begins < ends:
        return begins <= local < ends
    return local >= begins or local < ends  # a span that crosses midnight


def out_of_hours(new: QuerySet[AuditEntry]) -> list[Hit]:
    flagged = [
        entry
        for entry in new.filter(kind__in=ACCESS_KINDS, actor_id__isnull=False)
        if is_out_of_hours(entry.occurred_at)
    ]

    def detail(found: list[AuditEntry]) -> str:
        cases = {entry.case_reference for entry in found if entry.case_reference}
        return f"{len(found)} accesses, {len(cases)} cases, outside working hours"

    return _by_day(Flag.Kind.OUT_OF_HOURS, flagged, detail)


def _whom(entry: AuditEntry) -> int | None:
    """The person whose role or grant `entry` changed, if it is such a change."""
    if entry.kind in (Kind.ROLE_CHANGE, Kind.PERMISSION_CHANGE) and entry.object_type == "cases.User":
        return int(entry.object_id) if entry.object_id.isdigit() else None
    changes = entry.changes if isinstance(entry.changes, dict) else {}
    if entry.kind in (Kind.CREATE, Kind.CHANGE, Kind.DELETE):
        if entry.object_type in GRANT_ROWS:
            user = changes.get("user_id") or {}
            value = user.get("after") or user.get("before") if isinstance(user, dict) else None
            return int(value) if isinstance(value, int) else None
        if entry.object_type == "cases.User" and entry.kind == Kind.CHANGE and set(changes) & set(ROLE_FIELDS):
            return int(entry.object_id) if entry.object_id.isdigit() else None
    return None


ROLE_CHANGE_KINDS = (Kind.ROLE_CHANGE, Kind.PERMISSION_CHANGE, Kind.CREATE, Kind.CHANGE, Kind.DELETE)
# Refused attempts to change one's own roles, teams, sign-in or access, or to decide a request one
# made or one about oneself: `changes["four_eyes"]` of the refusal (docs/administration.md).
SELF_GRANT_ATTEMPTS = ("own_account", "own_request", "about_yourself")


def role_changes(new: QuerySet[AuditEntry]) -> list[Hit]:
    candidates = new.filter(kind__in=ROLE_CHANGE_KINDS, actor_id__isnull=False).filter(
        object_type__in=[*GRANT_ROWS, "cases.User"]
    )
    changes = [(entry, whom) for entry in candidates if (whom := _whom(entry)) is not None]
    actors = {entry.actor_id for entry, _ in changes}
    joined = dict(get_user_model().objects.filter(pk__in=actors).values_list("pk", "date_joined"))
    days = settings.SAFEGUARD_AUDIT_FLAG_NEW_ADMIN_DAYS
    flagged = []
    for entry, whom in changes:
        since = joined.get(entry.actor_id) if entry.actor_id is not None else None
        if whom == entry.actor_id or (since is not None and entry.occurred_at - since < timedelta(days=days)):
            flagged.append(entry)
    attempts = list(
        new.filter(kind=Kind.ACCESS_DENIED, actor_id__isnull=False, changes__four_eyes__in=SELF_GRANT_ATTEMPTS)
    )
    flagged += attempts

    def detail(found: list[AuditEntry]) -> str:
        if any(entry.kind == Kind.ACCESS_DENIED for entry in found):
            return "Tried to change their own roles, grants or sign-in, or to approve their own request (refused)"
        own = any(_whom(entry) == entry.actor_id for entry in found)
        return "Changed their own roles or grants" if own else f"Changed roles or grants, account under {days} days old"

    return _by_day(Flag.Kind.ROLE_CHANGE, flagged, detail)


def export_size(entry: AuditEntry) -> int | None:
    """How many cases an export or print disclosed; None for all of them (or the whole audit trail)."""
    changes = entry.changes if isinstance(entry.changes, dict) else {}
    references = changes.get("references", changes.get("cases"))
    if references == "all":
        return None
    if isinstance(references, list):
        return len(references) or None  # an export naming no case is of every case
    if entry.object_type == "audit.AuditEntry" and not changes.get("filters"):
        return None
    return 1 if entry.case_reference else 0


def large_exports(new: QuerySet[AuditEntry]) -> list[Hit]:
    threshold = settings.SAFEGUARD_AUDIT_FLAG_EXPORT_CASES
    hits = []
    for entry in new.filter(kind__in=[Kind.EXPORT, Kind.PRINT], actor_id__isnull=False):
        size = export_size(entry)
        if size is None or size > threshold:
            what = "every case" if size is None else f"{size} cases"
            if entry.object_type == "audit.AuditEntry" and size is None:
                what = "the whole audit trail"
            hits.append(
                Hit(
                    Flag.Kind.LARGE_EXPORT,
                    entry.actor_id,
                    entry.actor_username,
                    entry.occurred_at,
                    entry.occurred_at,
                    (entry.id,),
                    f"Exported {what}" + (f" to {entry.recipient}" if entry.recipient else ""),
                )
            )
    return hits


def network_of(address: str) -> str:
    """The network an address belongs to, as the flags compare them: `192.0.2.0/24`."""
    ip = ipaddress.ip_address(address)
    bits = (
        settings.SAFEGUARD_AUDIT_FLAG_NETWORK_PREFIX_V4
        if ip.version == 4
        else settings.SAFEGUARD_AUDIT_FLAG_NETWORK_PREFIX_V6
    )
    return str(ipaddress.ip_network(f"{ip}/{bits}", strict=False))


_SIGNED_IN_BEFORE = """
SELECT bool_or(ip <<= %(network)s::cidr), count(*) > 0
FROM audit_auditentry
WHERE actor_username = %(username)s AND kind = 'sign_in' AND id < %(id)s AND ip IS NOT NULL
"""


def new_networks(new: QuerySet[AuditEntry]) -> list[Hit]:
    hits = []
    for entry in new.filter(kind=Kind.SIGN_IN, ip__isnull=False).exclude(actor_username="").order_by("id"):
        network = network_of(str(entry.ip))
        with connection.cursor() as cursor:
            cursor.execute(_SIGNED_IN_BEFORE, {"network": network, "username": entry.actor_username, "id": entry.id})
            seen, any_before = cursor.fetchone()
        if any_before and not seen:
            hits.append(
                Hit(
                    Flag.Kind.NEW_NETWORK,
                    entry.actor_id,
                    entry.actor_username,
                    entry.occurred_at,
                    entry.occurred_at,
                    (entry.id,),
                    f"First sign-in from {network}",
                )
            )
    return hits


DETECTORS: tuple[Detector, ...] = (
    refused_repeatedly,
    restricted_reads,
    outside_team,
    out_of_hours,
    role_changes,
    large_exports,
    new_networks,
)


def _first_id(new: QuerySet[AuditEntry]) -> int:
    return new.order_by("id").values_list("id", flat=True).first() or 0


def file_hit(hit: Hit) -> Flag | None:
    """File `hit`: into the open flag of its kind and person whose window it overlaps (or, for the
    kinds raised once a day, that falls on its UK day), or as a new flag. Entries already behind a
    flag of its kind and person raise nothing again. The flag filed into, or None."""
    low, high = hit.reach or (hit.start, hit.end)
    overlapping = list(
        Flag.objects.filter(kind=hit.kind, username=hit.username, window_start__lte=high, window_end__gte=low).order_by(
            "id"
        )
    )
    known = {entry_id for flag in overlapping for entry_id in flag.entry_ids}
    fresh = [entry_id for entry_id in hit.entry_ids if entry_id not in known]
    if not fresh:
        return None
    open_flags = [flag for flag in overlapping if flag.status == Flag.Status.OPEN]
    if open_flags:
        flag = open_flags[0]
        flag.entry_ids = sorted({*flag.entry_ids, *hit.entry_ids})
        flag.window_start = min(flag.window_start, hit.start)
        flag.window_end = max(flag.window_end, hit.end)
        flag.detail = hit.detail if len(hit.entry_ids) >= len(flag.entry_ids) else flag.detail
        flag.save(update_fields=["entry_ids", "window_start", "window_end", "detail"])
        return flag
    return Flag.objects.create(
        kind=hit.kind,
        person_id=hit.person_id,
        username=hit.username,
        window_start=hit.start,
        window_end=hit.end,
        entry_ids=sorted(hit.entry_ids),
        detail=hit.detail[: Flag._meta.get_field("detail").max_length or 300],
    )


def merged(hits: Iterable[Hit]) -> list[Hit]:
    """Hits of one kind and person whose windows overlap, as one (a window slid along a busy spell
    finds the spell many times over): one flag to file, and one look-up instead of many."""
    ordered = sorted(hits, key=lambda hit: (hit.kind, hit.username, hit.start, hit.end))
    result: list[Hit] = []
    for hit in ordered:
        last = result[-1] if result else None
        if last and (last.kind, last.username) == (hit.kind, hit.username) and hit.start <= last.end:
            ids = tuple(sorted({*last.entry_ids, *hit.entry_ids}))
            detail = hit.detail if len(hit.entry_ids) > len(last.entry_ids) else last.detail
            end = max(last.end, hit.end)
            result[-1] = Hit(last.kind, last.person_id, last.username, last.start, end, ids, detail, last.reach)
        else:
            result.append(hit)
    return result


@dataclass(frozen=True)
class FlagRun:
    read_from: int
    read_to: int
    filed: int


def raise_flags(*, detectors: Iterable[Detector] = DETECTORS) -> FlagRun:
    """Read the entries written since the last run and file what they show: those sealed into the
    chain past the mark (at most BATCH places), and the entries not yet sealed (the oldest BATCH of
    them), so a flag does not wait for the sequencer. With the sequencer stopped a run still reads a
    bounded number of entries; the newer unsealed ones are read once sealed. An unsealed entry is read
    again once it is sealed: harmless, as entries already behind a flag raise nothing again. One run
    at a time: the mark's row is locked until the run commits."""
    with transaction.atomic():
        FlagMark.objects.get_or_create(id=1)
        mark = FlagMark.objects.select_for_update().get(id=1)
        read_to = max(mark.last_seq, min(last_place(), mark.last_seq + BATCH))
        # The BATCH-th oldest unsealed entry, by the partial index of unsealed entries.
        waiting = AuditEntry.objects.filter(seq__isnull=True).order_by("id").values_list("id", flat=True)
        cutoff = waiting[BATCH - 1 : BATCH]
        unsealed = Q(id__lte=cutoff[0]) if cutoff else None
        new = AuditEntry.objects.filter(written_since(mark.last_seq, read_to, unsealed=unsealed))
        hits = [hit for detector in detectors for hit in merged(detector(new))]
        filed = sum(1 for hit in hits if file_hit(hit) is not None)
        run = FlagRun(mark.last_seq, read_to, filed)
        mark.last_seq = read_to
        mark.save(update_fields=["last_seq"])
        return run


def review_flag(*, flag: Flag, actor: Any, note: str) -> Flag:
    """Mark `flag` reviewed by `actor` with `note` (the row's change is audited by its trigger)."""
    note = note.strip()
    if flag.person_id is not None and flag.person_id == getattr(actor, "pk", None):
        raise ValidationError({"note": "A flag about you is for another auditor to review."})
    if not note:
        raise ValidationError({"note": "Say what you found: the note is required."})
    with transaction.atomic():
        locked = Flag.objects.select_for_update().get(pk=flag.pk)
        if locked.status == Flag.Status.REVIEWED:
            raise ValidationError({"note": "This flag has been reviewed already."})
        locked.status = Flag.Status.REVIEWED
        locked.reviewed_by = actor
        locked.reviewed_at = timezone.now()
        locked.review_note = note
        locked.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_note"])
    return locked
