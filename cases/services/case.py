"""Stage 2 writes: opening a case, its subjects and premises, and the case log."""

import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Max, Min
from django.utils import timezone

from accounts.models import Force, Team, User
from accounts.roles import OFFICER, SUPERVISOR
from cases.formats import when
from cases.identifiers import normalise_email, normalise_phone, normalise_postcode
from cases.models import Case, CaseLogEntry, Premises, RecordVersion, Referral, Subject
from cases.rules import LONDON
from cases.services.access import case_grant_named, team_member_with_role
from cases.services.common import all_problems, case_log_system, ensure_case_open, not_in_future
from cases.services.corrections import Event, correction_apply, correction_start, first_dependant
from cases.services.identifiers import identifiers_attach_case, identifiers_index

CASE_TEAM_OTHER_FORCE = "That team is not in your force."
CASE_OIC_NOT_IN_TEAM = "The officer in the case must be an active officer or supervisor of the team."
CASE_SUPERVISOR_NOT_IN_TEAM = "The supervisor must be an active supervisor of the team."
CASE_OPENED_BEFORE_REFERRAL = "A case cannot be opened before its referral was received."
CASE_REFERRAL_OTHER_FORCE = "That referral belongs to another force."
CASE_REFERRAL_ALREADY_DEVELOPED = "This referral has already been developed into a case."
CASE_REFERRAL_HAS_OUTCOME = "This referral already has an outcome (disseminated or no further action)."
CASE_REFERENCE_TAKEN = "A case with this reference already exists."
CASE_REFERENCE_INVALID = "A case reference is letters, digits and hyphens, at most 24 characters."
CASE_SEQUENCE_EXHAUSTED = "No more case references are available for this force and year."

SUBJECT_NAME_REQUIRED = "Enter the subject's full name."
SUBJECT_BORN_IN_FUTURE = "Date of birth cannot be in the future."
SUBJECT_DUPLICATE = "This subject is already recorded on this case."
SUBJECT_PNC_DUPLICATE = "A subject with this PNC ID is already recorded on this case."

PREMISES_ADDRESS_REQUIRED = "Enter the address."
PREMISES_DUPLICATE = "These premises are already recorded on this case."

LOG_KIND_NOT_ALLOWED = "Choose action, decision or note."
LOG_TEXT_REQUIRED = "Enter what happened or was decided."
LOG_BEFORE_CASE_OPENED = "A case log entry cannot be before the case was opened."
LOG_CORRECTION_BEFORE_ENTRY = "A correction cannot be before the entry it corrects."

# Kinds a person writes; SYSTEM lines come from services, CORRECTION from case_log_correct.
LOG_KINDS_WRITTEN = (CaseLogEntry.Kind.ACTION, CaseLogEntry.Kind.DECISION, CaseLogEntry.Kind.NOTE)
REFERENCE_SHAPE = re.compile(r"^[A-Z0-9][A-Z0-9-]{0,23}$")
SEQUENCE_DIGITS = 6


def _next_reference(*, force: Force, opened_at: datetime) -> str:
    """`<FORCE CODE>-<year opened, in London>-<6-digit sequence per force and year>`, e.g. STF-2026-000123.

    The caller holds a row lock on the force (SELECT ... FOR UPDATE), so two cases opened at once
    in the same force are numbered one after the other, never the same.
    """
    prefix = f"{force.code}-{opened_at.astimezone(LONDON).year}-"
    last = Case.objects.filter(
        force=force, reference__regex=rf"^{re.escape(prefix)}[0-9]{{{SEQUENCE_DIGITS}}}$"
    ).aggregate(last=Max("reference"))["last"]
    number = int(last.removeprefix(prefix)) + 1 if last else 1
    if number >= 10**SEQUENCE_DIGITS:
        raise ValidationError(CASE_SEQUENCE_EXHAUSTED)
    return f"{prefix}{number:0{SEQUENCE_DIGITS}d}"


@transaction.atomic
def case_open(
    *,
    actor: User,
    team: Team,
    officer_in_case: User,
    supervisor: User,
    opened_at: datetime,
    operation: str = "",
    district: str = "",
    restricted: bool = False,
    summary: str = "",
    referral: Referral | None = None,
    reference: str | None = None,
) -> Case:
    """Open a case for `team`'s force; from a referral, the referral is marked developed."""
    if actor.force_id is None or actor.force_id != team.force_id:
        raise ValidationError({"team": CASE_TEAM_OTHER_FORCE})
    if not team_member_with_role(team.pk, officer_in_case, {OFFICER, SUPERVISOR}):
        raise ValidationError({"officer_in_case": CASE_OIC_NOT_IN_TEAM})
    if not team_member_with_role(team.pk, supervisor, {SUPERVISOR}):
        raise ValidationError({"supervisor": CASE_SUPERVISOR_NOT_IN_TEAM})
    case_check_opened_at(opened_at=opened_at)
    if referral is not None:
        # Locked so that two people opening a case from one referral cannot both succeed.
        referral = Referral.objects.select_for_update().get(pk=referral.pk)
        if referral.outcome == Referral.Outcome.DEVELOPED or Case.objects.filter(referral=referral).exists():
            raise ValidationError(CASE_REFERRAL_ALREADY_DEVELOPED)
        if referral.outcome != Referral.Outcome.PENDING:
            raise ValidationError(CASE_REFERRAL_HAS_OUTCOME)
        if referral.force_id != team.force_id:
            raise ValidationError(CASE_REFERRAL_OTHER_FORCE)
        if opened_at < referral.received_at:
            raise ValidationError({"opened_at": CASE_OPENED_BEFORE_REFERRAL})

    force = Force.objects.select_for_update().get(pk=team.force_id)
    if reference is None:
        reference = _next_reference(force=force, opened_at=opened_at)
    else:
        reference = reference.strip().upper()
        if not REFERENCE_SHAPE.match(reference):
            raise ValidationError({"reference": CASE_REFERENCE_INVALID})
        if Case.objects.filter(reference=reference).exists():
            raise ValidationError({"reference": CASE_REFERENCE_TAKEN})

    case = Case.objects.create(
        reference=reference,
        force=force,
        team=team,
        referral=referral,
        officer_in_case=officer_in_case,
        supervisor=supervisor,
        operation=operation.strip(),
        district=district.strip(),
        restricted=restricted,
        summary=summary,
        opened_at=opened_at,
        created_by=actor,
    )
    text = f"Case opened for {team.name}. Officer in the case: {officer_in_case}; supervisor: {supervisor}."
    if referral is not None:
        referral.outcome = Referral.Outcome.DEVELOPED
        referral.outcome_at = opened_at
        referral.save(update_fields=["outcome", "outcome_at"])
        text = f"Case opened from referral {referral}. " + text.removeprefix("Case opened ")
    if restricted:
        case_grant_named(case=case, actor=actor)
        text += " Restricted: need-to-know."
    case_log_system(case=case, actor=actor, text=text)
    identifiers_index(record=case, actor=actor)
    if referral is not None:
        identifiers_attach_case(referral=referral, case=case)
    return case


def subject_check(*, date_of_birth: date | None = None, phone: str = "", email: str = "") -> None:
    """The rules on a subject's own details, also run by its form beside the field checks: a date of
    birth not in the future; a phone number and an e-mail address, if given, of their shapes."""

    def born() -> None:
        if date_of_birth is not None and date_of_birth > timezone.localdate():
            raise ValidationError({"date_of_birth": SUBJECT_BORN_IN_FUTURE})

    all_problems(
        born,
        lambda: _check(normalise_phone, phone, field="phone"),
        lambda: _check(normalise_email, email, field="email"),
    )


def _check(normalise: Callable[..., str], value: str, *, field: str) -> None:
    if value.strip():
        normalise(value, field=field)


def _contact_values(phone: str, email: str) -> tuple[str, str]:
    """A subject's phone number in E.164 and e-mail address in lower case (cases.identifiers), each
    empty if not given; a malformed one refused on its own field."""
    return (
        normalise_phone(phone, field="phone") if phone.strip() else "",
        normalise_email(email, field="email") if email.strip() else "",
    )


@transaction.atomic
def subject_add(
    *,
    case: Case,
    actor: User,
    full_name: str,
    date_of_birth: date | None = None,
    pnc_id: str = "",
    phone: str = "",
    email: str = "",
    online_account: str = "",
    notes: str = "",
) -> Subject:
    """A suspect. Children are never recorded as subjects."""
    ensure_case_open(case)
    full_name, pnc_id = _subject_values(full_name, pnc_id)
    if not full_name:
        raise ValidationError({"full_name": SUBJECT_NAME_REQUIRED})
    subject_check(date_of_birth=date_of_birth, phone=phone, email=email)
    phone, email = _contact_values(phone, email)
    current = case.subjects.filter(withdrawn_at__isnull=True)
    if current.filter(full_name__iexact=full_name, date_of_birth=date_of_birth).exists():
        raise ValidationError(SUBJECT_DUPLICATE)
    if pnc_id and current.filter(pnc_id=pnc_id).exists():
        raise ValidationError({"pnc_id": SUBJECT_PNC_DUPLICATE})
    subject = Subject.objects.create(
        case=case,
        full_name=full_name,
        date_of_birth=date_of_birth,
        pnc_id=pnc_id,
        phone=phone,
        email=email,
        online_account=online_account.strip(),
        notes=notes,
    )
    case_log_system(case=case, actor=actor, text=f"Subject added: {subject.full_name}.")
    identifiers_index(record=subject, actor=actor)
    return subject


@transaction.atomic
def premises_add(*, case: Case, actor: User, address: str, postcode: str = "", description: str = "") -> Premises:
    ensure_case_open(case)
    address, postcode = _premises_values(address, postcode)
    if not address:
        raise ValidationError({"address": PREMISES_ADDRESS_REQUIRED})
    if case.premises.filter(withdrawn_at__isnull=True).filter(address__iexact=address, postcode=postcode).exists():
        raise ValidationError(PREMISES_DUPLICATE)
    premises = Premises.objects.create(case=case, address=address, postcode=postcode, description=description.strip())
    case_log_system(case=case, actor=actor, text=f"Premises added: {premises}.")
    identifiers_index(record=premises, actor=actor)
    return premises


def case_check_opened_at(*, opened_at: datetime) -> None:
    """A case is opened before it is recorded (the form shows this with its own checks)."""
    not_in_future(opened_at, field="opened_at", label="Opened at")


def log_entry_check_at(*, at: datetime | None = None) -> None:
    """A case log entry is about something that has happened (the form shows this with its own checks)."""
    not_in_future(at, field="at", label="Time")


def _log_time(at: datetime | None) -> datetime:
    if at is None:
        return timezone.now()
    log_entry_check_at(at=at)
    return at


@transaction.atomic
def case_log_add(*, case: Case, actor: User, kind: str, text: str, at: datetime | None = None) -> CaseLogEntry:
    """An action, decision or note by the OIC or supervisor. Entries are never edited: see case_log_correct."""
    ensure_case_open(case)
    if kind not in LOG_KINDS_WRITTEN:
        raise ValidationError({"kind": LOG_KIND_NOT_ALLOWED})
    text = text.strip()
    if not text:
        raise ValidationError({"text": LOG_TEXT_REQUIRED})
    at = _log_time(at)
    if at < case.opened_at:
        raise ValidationError({"at": LOG_BEFORE_CASE_OPENED})
    return CaseLogEntry.objects.create(case=case, author=actor, kind=kind, text=text, created_at=at)


@transaction.atomic
def case_log_correct(*, entry: CaseLogEntry, actor: User, text: str, at: datetime | None = None) -> CaseLogEntry:
    """Correct an entry by adding a new one, on the same case, that refers to it; the old one stays."""
    case = entry.case
    ensure_case_open(case)
    text = text.strip()
    if not text:
        raise ValidationError({"text": LOG_TEXT_REQUIRED})
    at = _log_time(at)
    if at < entry.created_at:
        raise ValidationError({"at": LOG_CORRECTION_BEFORE_ENTRY})
    return CaseLogEntry.objects.create(
        case=case, author=actor, kind=CaseLogEntry.Kind.CORRECTION, text=text, corrects=entry, created_at=at
    )


CASE_OPENED_AFTER_EVENT = (
    "The case cannot be opened after {record} ({at}): correct that record first, or enter an earlier time."
)


def _events_after_opening(case: Case) -> list[Event]:
    """The first of each kind of event recorded on the case, which its opening must not follow."""
    events: list[Event] = []
    firsts: list[tuple[str, models.QuerySet[Any], str]] = [
        ("the first arrest", case.arrests.filter(withdrawn_at__isnull=True), "arrested_at"),
        ("the first search", case.searches.all(), "started_at"),
        ("the first warrant application", case.warrants.all(), "applied_at"),
        ("the first charging submission", case.charging_submissions.all(), "submitted_at"),
        ("the first case log entry written", case.log_entries.filter(kind__in=LOG_KINDS_WRITTEN), "created_at"),
    ]
    for record, rows, column in firsts:
        at = rows.aggregate(at=Min(column))["at"]
        if at is not None:
            events.append(Event(record, at))
    return events


@transaction.atomic
def case_correct(
    *,
    case: Case,
    actor: User,
    reason: str,
    opened_at: datetime,
    operation: str = "",
    district: str = "",
    summary: str = "",
    version: int | None = None,
) -> RecordVersion:
    """Correct the case's own details. The opening time stays after its referral was received and
    before every event recorded on the case (the first entry's rules, and the order of events)."""
    locked = correction_start(case=case, record=case, reason=reason, version=version)
    case_check_opened_at(opened_at=opened_at)
    referral = locked.referral
    if referral is not None and opened_at < referral.received_at:
        raise ValidationError({"opened_at": CASE_OPENED_BEFORE_REFERRAL})
    for event in _events_after_opening(locked):
        if opened_at > event.at:
            raise ValidationError({"opened_at": CASE_OPENED_AFTER_EVENT.format(record=event.record, at=when(event.at))})
    result = correction_apply(
        case=locked,
        record_type="case",
        record=locked,
        actor=actor,
        reason=reason,
        version=version,
        values={"opened_at": opened_at, "operation": operation, "district": district, "summary": summary},
        describe="The case's details",
    )
    case.refresh_from_db()
    return result


def _subject_values(full_name: str, pnc_id: str) -> tuple[str, str]:
    return " ".join(full_name.split()), pnc_id.strip().upper()


@transaction.atomic
def subject_correct(
    *,
    subject: Subject,
    actor: User,
    reason: str,
    full_name: str,
    date_of_birth: date | None = None,
    pnc_id: str = "",
    phone: str = "",
    email: str = "",
    online_account: str = "",
    notes: str = "",
    version: int | None = None,
) -> RecordVersion:
    """Correct a subject's details, under the rules of `subject_add`."""
    case = subject.case
    locked = correction_start(case=case, record=subject, reason=reason, version=version)
    full_name, pnc_id = _subject_values(full_name, pnc_id)
    if not full_name:
        raise ValidationError({"full_name": SUBJECT_NAME_REQUIRED})
    subject_check(date_of_birth=date_of_birth, phone=phone, email=email)
    phone, email = _contact_values(phone, email)
    others = case.subjects.exclude(pk=locked.pk).filter(withdrawn_at__isnull=True)
    if others.filter(full_name__iexact=full_name, date_of_birth=date_of_birth).exists():
        raise ValidationError(SUBJECT_DUPLICATE)
    if pnc_id and others.filter(pnc_id=pnc_id).exists():
        raise ValidationError({"pnc_id": SUBJECT_PNC_DUPLICATE})
    return correction_apply(
        case=case,
        record_type="subject",
        record=locked,
        actor=actor,
        reason=reason,
        version=version,
        values={
            "full_name": full_name,
            "date_of_birth": date_of_birth,
            "pnc_id": pnc_id,
            "phone": phone,
            "email": email,
            "online_account": online_account.strip(),
            "notes": notes,
        },
        describe=f"Subject {locked}",
    )


def subject_dependants(subject: Subject) -> str | None:
    return first_dependant(
        subject.arrests.all(),
        subject.hearings.all(),
        subject.charging_submissions.all(),
    )


def _premises_values(address: str, postcode: str) -> tuple[str, str]:
    """An address's lines trimmed, empty ones dropped; its postcode in one form (cases.identifiers),
    a malformed one refused on the postcode field."""
    address = "\n".join(line.strip() for line in address.strip().splitlines() if line.strip())
    return address, normalise_postcode(postcode) if postcode.strip() else ""


@transaction.atomic
def premises_correct(
    *,
    premises: Premises,
    actor: User,
    reason: str,
    address: str,
    postcode: str = "",
    description: str = "",
    version: int | None = None,
) -> RecordVersion:
    """Correct premises, under the rules of `premises_add`."""
    case = premises.case
    locked = correction_start(case=case, record=premises, reason=reason, version=version)
    address, postcode = _premises_values(address, postcode)
    if not address:
        raise ValidationError({"address": PREMISES_ADDRESS_REQUIRED})
    others = case.premises.exclude(pk=locked.pk).filter(withdrawn_at__isnull=True)
    if others.filter(address__iexact=address, postcode=postcode).exists():
        raise ValidationError(PREMISES_DUPLICATE)
    return correction_apply(
        case=case,
        record_type="premises",
        record=locked,
        actor=actor,
        reason=reason,
        version=version,
        values={"address": address, "postcode": postcode, "description": description},
        describe=f"Premises {locked}",
    )


def premises_dependants(premises: Premises) -> str | None:
    return first_dependant(premises.warrants.all(), premises.searches.all())
