"""Correcting a recorded fact and withdrawing one entered in error: what every record type shares.

A correction changes the record in place, under the same rules as its first entry (each type's
`<entity>_correct` runs its first entry's checks, and the order-of-events checks against the records
that follow from it), and keeps what it changed as a `RecordVersion`: who, when, why, and each
field's value before and after, in words. A case-log line says the record was corrected and why, and
points at the record's history. The row itself moves its optimistic version on
(`cases.services.versions`), so a second person saving the same record from an older page is shown
the conflict instead of overwriting unseen. The audit trail keeps its row-level copy as for any write.

The identifier index follows at once, in the same transaction (`index_follows`): a corrected record of
a type the index reads is indexed again, so search and deconfliction find the new values and not the
old, and a new match is notified as for a first entry; a withdrawn record's values leave search and
matching, and its matches are no longer shown (docs/search.md).

Deadlines, summaries and figures need no separate step: they are computed from the records (the
case page and `cases.deadlines` at once; the stored summaries and figure facts on their next refresh,
which takes in every case the audit trail names as written since, docs/performance.md).

A record entered in error is withdrawn (`record_withdraw`): it stays, with its history, shown struck
through, but leaves the deadlines and figures. A record others depend on (a subject with an arrest,
an arrest with a release) is withdrawn only after them, so nothing is left pointing at it.

A referral not developed into a case, its identifiers and its communications-data requests have no
case: their versions are kept on the referral (`case` None, `referral` given), with no log line, since
a referral has no case log (the referral's page lists its versions instead). Once the referral is
developed, their next versions belong to the case and are numbered on from the referral's.
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import capfirst

from accounts.models import User
from cases import formats
from cases.models import REFERRAL_RECORD_TYPES, Case, Correctable, RecordVersion, Referral
from cases.services.common import case_log_system, ensure_case_open
from cases.services.identifiers import identifiers_index, is_indexed
from cases.services.versions import version_check, version_save

REASON_REQUIRED = "Say why: the reason is kept with the record's history and read by anyone who checks it."
NOTHING_CHANGED = "Nothing was changed. Change a value, or cancel."
RECORD_WITHDRAWN = "This record was withdrawn as entered in error, and cannot be changed or added to."
HAS_DEPENDANTS = "{record} depends on this record: withdraw or correct that first."
TOO_LATE = "{label} cannot be after {record} ({at}): correct that record first, or enter an earlier time."
TOO_EARLY = "{label} cannot be before {record} ({at}): correct that record first, or enter a later time."
NOT_RECORDED = "Not recorded"
REFERRAL_DEVELOPED = "This referral was developed into a case: correct it and its records from the case's pages."

M = TypeVar("M", bound=models.Model)


@dataclass(frozen=True)
class Event:
    """A record that must stay in order with the one being corrected, named for the person."""

    record: str
    at: datetime


def ensure_current(record: models.Model, field: str | None = None) -> None:
    """Refuse to correct, or record on, a record that was withdrawn as entered in error."""
    if getattr(record, "withdrawn_at", None) is not None:
        raise ValidationError({field: RECORD_WITHDRAWN} if field else RECORD_WITHDRAWN)


def not_after(value: datetime | None, events: Iterable[Event], *, field: str, label: str) -> None:
    """`value` is on or before each of `events` (the records that follow it); names the first it is after."""
    if value is None:
        return
    for event in sorted(events, key=lambda e: e.at):
        if value > event.at:
            raise ValidationError({field: TOO_LATE.format(label=label, record=event.record, at=formats.when(event.at))})


def not_before(value: datetime | None, events: Iterable[Event], *, field: str, label: str) -> None:
    """`value` is on or after each of `events` (the records that come before it); names the latest it is before."""
    if value is None:
        return
    for event in sorted(events, key=lambda e: e.at, reverse=True):
        if value < event.at:
            raise ValidationError(
                {field: TOO_EARLY.format(label=label, record=event.record, at=formats.when(event.at))}
            )


def reason_check(*, reason: str) -> None:
    if not reason.strip():
        raise ValidationError({"reason": REASON_REQUIRED})


def shown(field: models.Field, value: Any) -> str:
    """A stored value as a person reads it: a choice's label, a name, a UK time, Yes or No."""
    if isinstance(field, models.BooleanField):
        return "Yes" if value else "No"
    if value is None or value == "" or (isinstance(value, list) and not value):
        return NOT_RECORDED
    if isinstance(value, list):
        return "; ".join(str(item) for item in value)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, datetime):
        return formats.when(value)
    if isinstance(value, date):
        return formats.day(value)
    return str(value)


def record_field(model: type[models.Model] | models.Model, name: str) -> models.Field:
    """The record's own field `name`: a column, a foreign key or a many-to-many field (a reverse
    relation is never corrected or filled in)."""
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field), f"{name} is not a field of {model._meta.label}"
    return field


def field_label(model: type[models.Model], name: str) -> str:
    return str(capfirst(record_field(model, name).verbose_name))


def _current(record: models.Model, name: str) -> Any:
    field = record_field(record, name)
    if field.many_to_many:
        return sorted(getattr(record, name).all(), key=lambda item: item.pk)
    return getattr(record, name)


def _same(before: Any, after: Any) -> bool:
    if isinstance(before, list):
        return [item.pk for item in before] == sorted(item.pk for item in after)
    if isinstance(before, str) and isinstance(after, str):
        return before.strip() == after.strip()
    return bool(before == after)


def correction_apply(
    *,
    case: Case | None,
    record_type: str,
    record: models.Model,
    actor: User,
    reason: str,
    version: int | None,
    values: dict[str, Any],
    describe: str,
    referral: Referral | None = None,
) -> RecordVersion:
    """Save `values` over `record` (already locked and checked by its `<entity>_correct`), keep the
    version with what changed, and write the case-log line. `describe` names the record in the log
    ("Arrest of John Smith"). Without a case, the version is kept on `referral` (no log line)."""
    changes: list[dict[str, str]] = []
    plain: list[str] = []
    many: dict[str, list[Any]] = {}
    for name, after in values.items():
        field = record_field(record, name)
        before = _current(record, name)
        if isinstance(after, str):
            after = after.strip()
        if field.many_to_many:
            after = sorted(after, key=lambda item: item.pk)
        if _same(before, after):
            continue
        changes.append(
            {
                "field": name,
                "label": field_label(type(record), name),
                "before": shown(field, before),
                "after": shown(field, after),
            }
        )
        if field.many_to_many:
            many[name] = after
        else:
            setattr(record, name, after)
            plain.append(name)
    if not changes:
        raise ValidationError(NOTHING_CHANGED)
    version_save(record, version=version, fields=plain)
    for name, items in many.items():
        getattr(record, name).set(items)
    index_follows(record, actor=actor)
    what = "; ".join(f"{change['label']} {change['before']} → {change['after']}" for change in changes)
    return record_version_add(
        case=case,
        referral=referral,
        record_type=record_type,
        record=record,
        actor=actor,
        kind=RecordVersion.Kind.CORRECTED,
        reason=reason,
        changes=changes,
        log_text=f"{describe} corrected: {what}. Reason: {reason.strip()}",
    )


def index_follows(record: models.Model, *, actor: User) -> None:
    """A record the identifier index reads is indexed again as it now stands, by the function its
    first entry calls (`identifiers_index`): a corrected value is searched and deconflicted like a
    first entry, the old one no longer; a withdrawn record's values are no longer searched or matched."""
    if is_indexed(record):
        identifiers_index(record=record, actor=actor)


def record_version_add(
    *,
    case: Case | None,
    record_type: str,
    record: models.Model,
    actor: User,
    kind: str,
    reason: str,
    changes: list[dict[str, str]],
    log_text: str,
    referral: Referral | None = None,
) -> RecordVersion:
    """Keep a change as the record's next version: on its case, with the case-log line `log_text`, or,
    without a case, on `referral` (a referral has no case log: its page lists its versions)."""
    if case is not None:
        log_entry = case_log_system(case=case, actor=actor, text=log_text)
        recorded_at = log_entry.created_at
        referral = None
    else:
        assert referral is not None, "a version without a case is kept on its referral"
        log_entry, recorded_at = None, timezone.now()
    # The record's row is locked by the caller, so no other change can take the same number.
    last = _of_record(case, referral, record_type, record.pk).aggregate(last=Max("number"))["last"]
    return RecordVersion.objects.create(
        case=case,
        referral=referral,
        record_type=record_type,
        record_id=record.pk,
        number=(last or 1) + 1,
        kind=kind,
        recorded_at=recorded_at,
        recorded_by=actor,
        reason=reason.strip(),
        changes=changes,
        log_entry=log_entry,
    )


def correction_start(
    *,
    case: Case | None,
    record: M,
    reason: str,
    version: int | None,
    check_open: bool = True,
    referral: Referral | None = None,
) -> M:
    """The checks every correction makes first: the case open, the record locked, current (not
    withdrawn) and as the form showed it, a reason given. Returns the locked row. Without a case, the
    record is of `referral`, which must still have none: once developed, it is corrected on the case."""
    if case is None:
        assert referral is not None, "a record without a case is a referral's"
        if Case.objects.filter(referral=referral).exists():
            raise ValidationError(REFERRAL_DEVELOPED)
    elif check_open:
        ensure_case_open(case)
    locked = type(record)._default_manager.select_for_update().get(pk=record.pk)
    version_check(locked, version=version)
    ensure_current(locked)
    reason_check(reason=reason)
    return locked


# What depends on a record, so that it cannot be withdrawn before them: per record type, a function
# returning the first dependant's description, or None. Filled in by the services of each type.
Dependants = Callable[[Any], str | None]


@transaction.atomic
def record_withdraw(
    *,
    case: Case | None,
    record_type: str,
    record: Correctable,
    actor: User,
    reason: str,
    version: int | None,
    describe: str,
    dependants: Dependants,
    referral: Referral | None = None,
) -> RecordVersion:
    """Withdraw `record` as entered in error: kept, with its history, but out of the deadlines and
    figures and shown struck through. Refused while another current record depends on it. Without a
    case, the record is of `referral`, not developed into a case, which keeps the version."""
    locked = correction_start(case=case, referral=referral, record=record, reason=reason, version=version)
    first = dependants(locked)
    if first is not None:
        raise ValidationError(HAS_DEPENDANTS.format(record=first))
    now = timezone.now()
    locked.withdrawn_at = now
    locked.withdrawn_reason = reason.strip()
    version_save(locked, version=version, fields=["withdrawn_at", "withdrawn_reason"])
    index_follows(locked, actor=actor)
    field = record_field(locked, "withdrawn_at")
    changes = [{"field": "withdrawn_at", "label": "Withdrawn", "before": NOT_RECORDED, "after": shown(field, now)}]
    return record_version_add(
        case=case,
        referral=referral,
        record_type=record_type,
        record=locked,
        actor=actor,
        kind=RecordVersion.Kind.WITHDRAWN,
        reason=reason,
        changes=changes,
        log_text=f"{describe} withdrawn as entered in error. Reason: {reason.strip()}",
    )


def _of_record(
    case: Case | None, referral: Referral | None, record_type: str, record_id: int
) -> models.QuerySet[RecordVersion]:
    """The versions of one record: on its case, and for the referral's own records also those kept on
    the referral before it was developed into the case; or, without a case, on `referral`. Each scope
    is a range of its own unique index."""
    if case is None:
        assert referral is not None, "a record without a case is a referral's"
        scope = models.Q(referral=referral)
    elif case.referral_id is not None and record_type in REFERRAL_RECORD_TYPES:
        scope = models.Q(case=case) | models.Q(referral_id=case.referral_id)
    else:
        scope = models.Q(case=case)
    return RecordVersion.objects.filter(scope, record_type=record_type, record_id=record_id)


def versions_of(
    case: Case | None, record_type: str, record_id: int, *, referral: Referral | None = None
) -> Sequence[RecordVersion]:
    """A record's versions after the first entry, oldest first: on `case`, or on `referral` for a
    referral's record while it has no case."""
    return list(_of_record(case, referral, record_type, record_id).select_related("recorded_by").order_by("number"))


def first_dependant(*groups: Iterable[Any]) -> str | None:
    """The description of the first current record among `groups` (querysets of dependants)."""
    for group in groups:
        for item in group:
            if getattr(item, "withdrawn_at", None) is None:
                return capfirst(str(item))
    return None
