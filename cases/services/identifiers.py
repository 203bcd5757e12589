"""The identifier index and deconfliction (docs/search.md).

Every service that records an identifier (a referral and its identifiers, a case, a subject,
premises, a device, a communications-data request) calls `identifiers_index` in its own transaction,
and so does every correction and withdrawal of such a record (`cases.services.corrections`):
the record's identifiers are written to the index, normalised, and each that can name a suspect
(an IP address seen at a time, an account, a phone number, an e-mail address, a person, a PNC ID, an
address) is compared with those of every other case and referral of the force and of the other
forces of its region. Each pair found is a `DeconflictionMatch`, made once (a unique pair); when it
is made, the officers in the case and the supervisors on both sides get an inbox notification
(once each: the inbox's unique key) and the combination is audited (Data Protection Act 2018 s.62).
The person recording sees the notice at once (`cases.selectors.deconfliction_notices`).
"""

from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any, TypeVar

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.models import Force, User
from accounts.roles import Capability
from audit.models import AuditEntry
from audit.services import audit_record
from cases.identifiers import (
    normalise_account,
    normalise_address,
    normalise_name,
    normalise_pnc,
    normalise_postcode,
    normalise_reference,
)
from cases.models import (
    Case,
    CommsDataRequest,
    DeconflictionDecision,
    DeconflictionMatch,
    Device,
    IndexedIdentifier,
    Notification,
    Premises,
    Referral,
    ReferralIdentifier,
    Subject,
)
from cases.selectors import case_allows, case_is_visible_to, referrals_visible_to, side_of, side_people

Kind = IndexedIdentifier.Kind
M = TypeVar("M", bound=models.Model)

# The kinds that can name a suspect, compared across investigations. References (case, external,
# communications-data, warrant, court) and exhibit references are searched but not deconflicted: they
# name a document or an item of one investigation, not a suspect. An exhibit reference is the
# initials of the person who produced the exhibit and a number (JS/1), so the same reference is in
# many cases of one force by chance, and would match nothing but chance (docs/search.md).
DECONFLICTED = frozenset(
    {Kind.IP_ADDRESS, Kind.ACCOUNT, Kind.PHONE, Kind.EMAIL, Kind.PERSON, Kind.PNC_ID, Kind.ADDRESS}
)
_REFERRAL_KINDS = {
    ReferralIdentifier.Kind.ACCOUNT: Kind.ACCOUNT,
    ReferralIdentifier.Kind.PHONE: Kind.PHONE,
    ReferralIdentifier.Kind.EMAIL: Kind.EMAIL,
}

MATCH_ALREADY_CONFIRMED = "This link is already confirmed."
MATCH_NOT_CONFIRMED = "Only a confirmed link can be undone."
MATCH_REASON_REQUIRED = "Give the reason."
MATCH_NOT_YOURS = "Only someone who may record on one of the two investigations can confirm or undo the link."


def ip_window() -> timedelta:
    return timedelta(minutes=settings.SAFEGUARD_DECONFLICTION_IP_WINDOW_MINUTES)


# --- What each record puts in the index ----------------------------------------------------------


def index_entry(record: models.Model, kind: str, value: str, shown: str, **extra: object) -> IndexedIdentifier:
    """One index row of `record` (`case=` or `referral=` its owner): also for the record types
    other apps register (`register_indexed`)."""
    case = extra.pop("case", None)
    referral = extra.pop("referral", None)
    assert case is None or isinstance(case, Case)
    assert referral is None or isinstance(referral, Referral)
    owner = case or referral
    assert owner is not None
    return IndexedIdentifier(
        kind=kind,
        value=value[:300],
        shown=shown[:300],
        force_id=owner.force_id,
        case=case,
        referral=referral,
        source_type=record._meta.label,
        source_id=record.pk,
        **extra,
    )


_entry = index_entry


def _referral_case(referral: Referral) -> Case | None:
    try:
        return referral.case
    except Case.DoesNotExist:
        return None


def _pnc(value: str) -> str:
    """A PNC ID recorded before its shape was checked is indexed as plain text."""
    try:
        return normalise_pnc(value)
    except ValidationError:
        return normalise_reference(value)


def _postcode(value: str) -> str:
    """Likewise a postcode recorded before its shape was checked."""
    try:
        return normalise_postcode(value)
    except ValidationError:
        return normalise_reference(value)


def entries_for(record: object) -> list[IndexedIdentifier]:
    """The index rows of one record, from its stored (already checked) values."""
    if isinstance(record, Case):
        value = normalise_reference(record.reference)
        return [_entry(record, Kind.CASE_REFERENCE, value, record.reference, case=record)]
    if isinstance(record, Referral):
        owner = {"referral": record, "case": _referral_case(record)}
        shown = f"{record.get_source_display()} {record.source_reference}"
        return [_entry(record, Kind.EXTERNAL_REFERENCE, normalise_reference(record.source_reference), shown, **owner)]
    if isinstance(record, ReferralIdentifier):
        owner = {"referral": record.referral, "case": _referral_case(record.referral)}
        if record.kind == ReferralIdentifier.Kind.IP_ADDRESS:
            assert record.ip_address is not None
            shown = f"{record.ip_address} port {record.port}" if record.port else str(record.ip_address)
            return [
                _entry(
                    record,
                    Kind.IP_ADDRESS,
                    str(record.ip_address),
                    shown,
                    ip_address=record.ip_address,
                    port=record.port,
                    observed_at=record.observed_at,
                    **owner,
                )
            ]
        kind = _REFERRAL_KINDS[ReferralIdentifier.Kind(record.kind)]
        value = normalise_account(record.account_id) if kind == Kind.ACCOUNT else record.account_id
        return [_entry(record, kind, value, record.account_id, **owner)]
    if isinstance(record, Subject):
        entries = [
            _entry(
                record,
                Kind.PERSON,
                normalise_name(record.full_name),
                record.full_name,
                date_of_birth=record.date_of_birth,
                case=record.case,
            )
        ]
        if record.pnc_id:
            entries.append(_entry(record, Kind.PNC_ID, _pnc(record.pnc_id), record.pnc_id, case=record.case))
        # Stored normalised (cases.services.case): a phone number in E.164, an e-mail address in lower case.
        if record.phone:
            entries.append(_entry(record, Kind.PHONE, record.phone, record.phone, case=record.case))
        if record.email:
            entries.append(_entry(record, Kind.EMAIL, record.email, record.email, case=record.case))
        if record.online_account:
            account = normalise_account(record.online_account)
            entries.append(_entry(record, Kind.ACCOUNT, account, record.online_account, case=record.case))
        return entries
    if isinstance(record, Premises):
        address = f"{normalise_address(record.address)} {_postcode(record.postcode)}".strip()
        entries = [_entry(record, Kind.ADDRESS, address, str(record), case=record.case)]
        if record.postcode:
            entries.append(_entry(record, Kind.POSTCODE, _postcode(record.postcode), record.postcode, case=record.case))
        return entries
    if isinstance(record, Device):
        value = normalise_reference(record.exhibit_reference)
        return [_entry(record, Kind.EXHIBIT, value, record.exhibit_reference, case=record.case)]
    if isinstance(record, CommsDataRequest):
        owner = {"referral": record.referral, "case": _referral_case(record.referral)}
        return [_entry(record, Kind.COMMS_REFERENCE, normalise_reference(record.reference), record.reference, **owner)]
    for model, registered in _REGISTERED.items():
        if isinstance(record, model):
            return registered(record)
    raise TypeError(f"{type(record).__name__} has no identifiers to index.")


# --- Writing the index and finding matches -------------------------------------------------------


# The record types the index reads (`entries_for`). A correction or a withdrawal of any of them
# brings its rows up to date (`cases.services.corrections`).
INDEXED_MODELS: tuple[type[models.Model], ...] = (
    Case,
    Referral,
    ReferralIdentifier,
    Subject,
    Premises,
    Device,
    CommsDataRequest,
)


# Record types of the apps above cases (a warrant's references), each with the function giving its
# index rows, registered in their AppConfig.ready (docs/design.md, "Borders between apps").
_REGISTERED: dict[type[models.Model], Callable[[Any], list[IndexedIdentifier]]] = {}


def register_indexed(model: type[M], entries: Callable[[M], list[IndexedIdentifier]]) -> None:
    """Index `model`'s records too: `entries(record)` gives a record's rows (`index_entry`)."""
    _REGISTERED[model] = entries


def indexed_models() -> tuple[type[models.Model], ...]:
    """Every record type the index reads: cases' own (`INDEXED_MODELS`) and those registered."""
    return (*INDEXED_MODELS, *_REGISTERED)


def is_indexed(record: models.Model) -> bool:
    return isinstance(record, indexed_models())


def _compared(entry: IndexedIdentifier) -> tuple[object, ...]:
    """What a search and a match compare: a row with the same is the same identifier, whatever its
    spelling as recorded."""
    return (
        entry.kind,
        entry.value,
        entry.date_of_birth,
        str(entry.ip_address) if entry.ip_address is not None else None,
        entry.port,
        entry.observed_at,
        entry.case_id,
        entry.referral_id,
    )


@transaction.atomic
def identifiers_index(*, record: models.Model, actor: User) -> list[DeconflictionMatch]:
    """Bring `record`'s rows in the index up to date and return the deconfliction matches its new
    values make. Called in their transaction by the services that record a record (all its values
    are new) and by those that correct or withdraw one (`cases.services.corrections`).

    A value still held keeps its row (and its matches; a new spelling only changes what is shown).
    A value no longer held, or every value of a record withdrawn as entered in error, is superseded:
    the row stays, as a match may name it, but is no longer searched, matched or shown as a match.
    Each new value is indexed and compared like a first entry. Idempotent."""
    current = list(
        IndexedIdentifier.objects.select_for_update().filter(
            source_type=record._meta.label, source_id=record.pk, superseded_at__isnull=True
        )
    )
    wanted = [] if getattr(record, "withdrawn_at", None) is not None else entries_for(record)
    held = {_compared(entry): entry for entry in current}
    new: list[IndexedIdentifier] = []
    for entry in wanted:
        kept = held.pop(_compared(entry), None)
        if kept is None:
            new.append(entry)
        elif kept.shown != entry.shown:
            kept.shown = entry.shown
            kept.save(update_fields=["shown"])
    if held:
        IndexedIdentifier.objects.filter(pk__in=[entry.pk for entry in held.values()]).update(
            superseded_at=timezone.now()
        )
    found: list[DeconflictionMatch] = []
    for entry in IndexedIdentifier.objects.bulk_create(new):
        if entry.kind in DECONFLICTED:
            found.extend(deconfliction_check(entry=entry, actor=actor))
    return found


def identifiers_attach_case(*, referral: Referral, case: Case) -> None:
    """A case opened from a referral: the referral's identifiers now belong to the case too."""
    IndexedIdentifier.objects.filter(referral=referral).update(case=case)


def region_forces(force_id: int) -> QuerySet[Force]:
    """The force and the other forces of its regional operation (Force.region), or the force alone:
    a subquery of the query it is part of."""
    region = Force.objects.filter(pk=force_id).exclude(region="").values("region")
    return Force.objects.filter(Q(pk=force_id) | Q(region__in=region)).order_by()


def matching_entries(entry: IndexedIdentifier) -> list[IndexedIdentifier]:
    """The index rows of other investigations in the region naming the same identifier as `entry`.

    An IP address matches only when seen within the window (`ip_window`) of `entry`'s time, and,
    when both name a port (a shared address, e.g. carrier-grade NAT), only with the same port. A
    person matches only with the same name and date of birth. One indexed query, the forces of the
    region a subquery of it."""
    others = IndexedIdentifier.objects.filter(
        kind=entry.kind, force_id__in=region_forces(entry.force_id).values("pk"), superseded_at__isnull=True
    )
    if entry.kind == Kind.IP_ADDRESS:
        assert entry.observed_at is not None
        window = ip_window()
        others = others.filter(
            ip_address=entry.ip_address,
            observed_at__range=(entry.observed_at - window, entry.observed_at + window),
        )
        if entry.port is not None:
            others = others.filter(Q(port__isnull=True) | Q(port=entry.port))
    elif entry.kind == Kind.PERSON:
        if entry.date_of_birth is None:
            return []
        others = others.filter(value=entry.value, date_of_birth=entry.date_of_birth)
    else:
        others = others.filter(value=entry.value)
    others = others.exclude(pk=entry.pk)
    if entry.case_id is not None:
        others = others.exclude(case_id=entry.case_id)
    if entry.referral_id is not None:
        others = others.exclude(referral_id=entry.referral_id)
    return list(others.select_related("case", "referral")[:50])


def deconfliction_check(*, entry: IndexedIdentifier, actor: User) -> list[DeconflictionMatch]:
    """Record each match of `entry` not known before, notify both sides and audit it."""
    found = []
    for other in matching_entries(entry):
        first, second = sorted((entry, other), key=lambda e: e.pk)
        match, created = DeconflictionMatch.objects.get_or_create(
            first=first, second=second, defaults={"kind": entry.kind, "found_by": actor}
        )
        if created:
            match.first, match.second = first, second
            notified = _notify(match)
            audit_match(match, actor=actor, event="found", extra={"notified": notified})
            found.append(match)
    return found


def _notify(match: DeconflictionMatch) -> list[str]:
    """An inbox notification for each person on each side, once (the inbox's unique key). The label
    names only the recipient's own record; the match page decides what else they may see."""
    notified = []
    for side in (side_of(match.first), side_of(match.second)):
        label = f"{match.get_kind_display()} on {side.label} matches one held in another investigation."
        for person in side_people(side):
            _, created = Notification.objects.get_or_create(
                recipient=person,
                deadline_key=f"match:{match.pk}",
                threshold=Notification.Threshold.MATCH,
                defaults={
                    "case": side.case,
                    "match": match,
                    "kind": "deconfliction",
                    "label": label[:300],
                    "source": "Deconfliction",
                },
            )
            if created:
                notified.append(person.get_username())
    return notified


def audit_match(
    match: DeconflictionMatch, *, actor: User, event: str, extra: dict[str, object] | None = None
) -> AuditEntry:
    """A combination of data (Data Protection Act 2018 s.62): the match, naming both records."""
    first, second = side_of(match.first), side_of(match.second)
    return audit_record(
        kind=AuditEntry.Kind.LINK,
        actor=actor,
        object_type=DeconflictionMatch,
        object_id=str(match.pk),
        case_reference=(first.case.reference if first.case else "") or (second.case.reference if second.case else ""),
        summary=f"Deconfliction match {match.pk} ({match.get_kind_display()}) {event}: "
        f"{first.label} and {second.label}",
        changes={"event": event, "records": [first.label, second.label], **(extra or {})},
    )


# --- Confirming and undoing a link ---------------------------------------------------------------


def match_state(match: DeconflictionMatch) -> DeconflictionDecision | None:
    return match.decisions.order_by("-decided_at", "-id").first()


def match_recordable_by(match: DeconflictionMatch, user: User) -> bool:
    """Whether `user` may confirm or undo the link: they may record on the case of one side, or
    read and record the referrals of a side's force (a referral not yet a case)."""
    for side in (side_of(match.first), side_of(match.second)):
        if side.case is not None:
            if case_is_visible_to(side.case, user) and case_allows(side.case, user, Capability.RECORD_TEAM_CASES):
                return True
        elif side.referral is not None and referrals_visible_to(user).filter(pk=side.referral.pk).exists():
            return True
    return False


def _decide(*, match: DeconflictionMatch, actor: User, reason: str, decision: str) -> DeconflictionDecision:
    if not match_recordable_by(match, actor):
        raise PermissionDenied(MATCH_NOT_YOURS)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": MATCH_REASON_REQUIRED})
    DeconflictionMatch.objects.select_for_update().filter(pk=match.pk).values_list("pk").get()
    current = match_state(match)
    confirmed = current is not None and current.decision == DeconflictionDecision.Decision.CONFIRMED
    if decision == DeconflictionDecision.Decision.CONFIRMED and confirmed:
        raise ValidationError(MATCH_ALREADY_CONFIRMED)
    if decision == DeconflictionDecision.Decision.UNDONE and not confirmed:
        raise ValidationError(MATCH_NOT_CONFIRMED)
    made = DeconflictionDecision.objects.create(match=match, decision=decision, reason=reason, decided_by=actor)
    audit_match(match, actor=actor, event=decision, extra={"reason": reason})
    return made


@transaction.atomic
def deconfliction_match_confirm(*, match: DeconflictionMatch, actor: User, reason: str) -> DeconflictionDecision:
    """Confirm that the two records are the same suspect, with the reason (`match_recordable_by`)."""
    return _decide(match=match, actor=actor, reason=reason, decision=DeconflictionDecision.Decision.CONFIRMED)


@transaction.atomic
def deconfliction_match_undo(*, match: DeconflictionMatch, actor: User, reason: str) -> DeconflictionDecision:
    """Undo a confirmed link, with the reason; the confirmation stays in the history."""
    return _decide(match=match, actor=actor, reason=reason, decision=DeconflictionDecision.Decision.UNDONE)


def identifiers_reindex(records: Iterable[models.Model], *, actor: User) -> int:
    """Index those of `records` not yet in the index (`manage.py identifiers_reindex`: records made
    before the index, or by a bulk load); returns how many were indexed. Matches are found as when
    they are recorded."""
    indexed = 0
    for record in records:
        if not IndexedIdentifier.objects.filter(source_type=record._meta.label, source_id=record.pk).exists():
            identifiers_index(record=record, actor=actor)
            indexed += 1
    return indexed
