"""Stage 1 writes: referrals (intelligence), their identifiers, communications-data requests and outcome.

A referral belongs to a force, not a case; once it has been developed into a case, every write on it
also adds a line to that case's log (and is refused if the case is closed).
"""

import ipaddress
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import Force, User
from cases.identifiers import normalise_email, normalise_ip, normalise_phone
from cases.models import Case, CommsDataRequest, RecordVersion, Referral, ReferralIdentifier
from cases.services.common import all_problems, case_log_system, ensure_case_open, not_in_future
from cases.services.corrections import (
    Event,
    correction_apply,
    correction_start,
    ensure_current,
    not_after,
    not_before,
)
from cases.services.identifiers import identifiers_index

REFERRAL_OTHER_FORCE = "You can only record referrals for your own force."
REFERRAL_SOURCE_UNKNOWN = "Choose where the referral came from."
REFERRAL_RISK_GRADE_UNKNOWN = "Choose the risk grade."
REFERRAL_SOURCE_REFERENCE_REQUIRED = "Enter the source reference."
REFERRAL_DUPLICATE = "A referral with this source and source reference is already recorded for this force."
REFERRAL_FILES_NEGATIVE = "The number of files reported cannot be negative."

IDENTIFIER_IP_INVALID = "Enter a valid IPv4 or IPv6 address."
IDENTIFIER_IP_NEEDS_TIME = "Enter the time of observation as the referral gives it."
IDENTIFIER_NEEDS_TIMEZONE = "Enter the time zone the referral's time is in, e.g. UTC or America/New_York."
IDENTIFIER_TIMEZONE_UNKNOWN = "Enter a time zone from the IANA list, e.g. UTC, Europe/London or America/New_York."
IDENTIFIER_TIME_UNREADABLE = "Enter the time as date then time, e.g. 2026-11-02 21:14:07."
IDENTIFIER_TIME_DOES_NOT_EXIST = "That local time does not exist in this time zone (the clocks went forward)."
IDENTIFIER_TIME_AMBIGUOUS = (
    "That local time happened twice in this time zone (the clocks went back). "
    "Add the UTC offset the referral gives, e.g. 2026-10-25 01:30:00+01:00."
)
IDENTIFIER_OFFSET_MISMATCH = "The UTC offset in the time does not match the time zone."
IDENTIFIER_OBSERVED_AFTER_RECEIPT = "The time of observation cannot be after the referral was received."
IDENTIFIER_PORT_RANGE = "Enter a port from 1 to 65535."
IDENTIFIER_PORT_WITHOUT_IP = "A port goes with an IP address, not an account, phone number or e-mail address."
IDENTIFIER_ACCOUNT_REQUIRED = "Enter the account ID, phone number or e-mail address."
IDENTIFIER_KIND_UNKNOWN = "Choose an IP address, an account ID, a phone number or an e-mail address."

COMMS_REFERENCE_REQUIRED = "Enter the communications-data request reference."
COMMS_SUBMITTED_BEFORE_RECEIPT = "The request cannot be submitted before the referral was received."
COMMS_APPROVED_BEFORE_SUBMISSION = "Approval cannot be before the request was submitted."
COMMS_ALREADY_APPROVED = "The approval of this request is already recorded."
COMMS_ROUTE_REQUIRED = "Choose the approval route."
COMMS_RESULT_BEFORE_SUBMISSION = "The result cannot be received before the request was submitted."
COMMS_RESULT_BEFORE_APPROVAL = "The result cannot be received before the request was approved."
COMMS_RESULT_NEEDS_APPROVAL = "Record the approval of this request before its result."
COMMS_RESULT_ALREADY_RECORDED = "The result of this request is already recorded."
COMMS_OUTCOME_REQUIRED = "Choose whether the subscriber was resolved."

OUTCOME_ALREADY_RECORDED = "This referral already has an outcome."
OUTCOME_DEVELOPED_NEEDS_CASE = "To develop a referral into an investigation, open a case from it."
OUTCOME_UNKNOWN = "Choose disseminated or no further action."
OUTCOME_NFA_NEEDS_REASON = "Give the reason for no further action."
OUTCOME_DISSEMINATED_NEEDS_RECIPIENT = "Enter who the referral was disseminated to."
OUTCOME_BEFORE_RECEIPT = "The outcome cannot be before the referral was received."


# The checks of the values a form holds, and nothing else: each service runs its own, and its form
# runs it beside the field checks (`cases.forms.fields.Form.service_checks`), so that a person sees
# every problem in one round. Checks against the referral or the request on record stay in the
# services.


def referral_check_received(*, received_at: datetime) -> None:
    not_in_future(received_at, field="received_at", label="Received at")


def comms_request_check_submitted(*, submitted_at: datetime) -> None:
    not_in_future(submitted_at, field="submitted_at", label="Submitted at")


def comms_request_check_approved(*, approved_at: datetime) -> None:
    not_in_future(approved_at, field="approved_at", label="Approved at")


def comms_request_check_result(*, result_received_at: datetime) -> None:
    not_in_future(result_received_at, field="result_received_at", label="Result received at")


def referral_check_outcome(
    *, outcome: str, outcome_at: datetime, outcome_reason: str = "", disseminated_to: str = ""
) -> None:
    """No further action needs its reason, dissemination its recipient; the time not in the future."""

    def goes_with_outcome() -> None:
        if outcome == Referral.Outcome.NO_FURTHER_ACTION and not outcome_reason.strip():
            raise ValidationError({"outcome_reason": OUTCOME_NFA_NEEDS_REASON})
        if outcome == Referral.Outcome.DISSEMINATED and not disseminated_to.strip():
            raise ValidationError({"disseminated_to": OUTCOME_DISSEMINATED_NEEDS_RECIPIENT})

    all_problems(goes_with_outcome, lambda: not_in_future(outcome_at, field="outcome_at", label="Outcome at"))


def _referral_case(referral: Referral) -> Case | None:
    try:
        return referral.case
    except Case.DoesNotExist:
        return None


def _log_on_case(referral: Referral, *, actor: User, text: str) -> None:
    """Log on the case the referral was developed into, if there is one."""
    case = _referral_case(referral)
    if case is not None:
        case_log_system(case=case, actor=actor, text=text)


def _ensure_case_open(referral: Referral) -> None:
    case = _referral_case(referral)
    if case is not None:
        ensure_case_open(case)


def _referral_check(
    *,
    force: Force,
    source: str,
    source_reference: str,
    received_at: datetime,
    risk_grade: str,
    files_reported: int | None,
    referral: Referral | None = None,
) -> None:
    """The first entry's rules of a referral's own values (`referral`: the one being corrected,
    which does not clash with itself)."""
    if source not in Referral.Source.values:
        raise ValidationError({"source": REFERRAL_SOURCE_UNKNOWN})
    if risk_grade not in Referral.RiskGrade.values:
        raise ValidationError({"risk_grade": REFERRAL_RISK_GRADE_UNKNOWN})
    if not source_reference:
        raise ValidationError({"source_reference": REFERRAL_SOURCE_REFERENCE_REQUIRED})
    referral_check_received(received_at=received_at)
    if files_reported is not None and files_reported < 0:
        raise ValidationError({"files_reported": REFERRAL_FILES_NEGATIVE})
    same = Referral.objects.filter(force=force, source=source, source_reference=source_reference)
    if referral is not None:
        same = same.exclude(pk=referral.pk)
    if same.exists():
        raise ValidationError({"source_reference": REFERRAL_DUPLICATE})


@transaction.atomic
def referral_create(
    *,
    actor: User,
    force: Force,
    source: str,
    source_reference: str,
    received_at: datetime,
    risk_grade: str,
    platform: str = "",
    files_reported: int | None = None,
    summary: str = "",
) -> Referral:
    if force is None or actor.force_id != force.pk:
        raise ValidationError(REFERRAL_OTHER_FORCE)
    source_reference = source_reference.strip()
    _referral_check(
        force=force,
        source=source,
        source_reference=source_reference,
        received_at=received_at,
        risk_grade=risk_grade,
        files_reported=files_reported,
    )
    referral = Referral(
        force=force,
        source=source,
        source_reference=source_reference,
        received_at=received_at,
        risk_grade=risk_grade,
        platform=platform.strip(),
        files_reported=files_reported,
        summary=summary,
        created_by=actor,
    )
    referral.save()
    identifiers_index(record=referral, actor=actor)
    return referral


def parse_observed_time(original: str, zone_name: str) -> datetime:
    """The UTC moment of a time written in a referral (`2026-11-02 21:14:07`) in an IANA time zone.

    A local time that the clocks skipped is refused; one that happened twice (the clocks went back)
    is refused unless the string carries its UTC offset, because the two readings are an hour apart
    and a communications-data request for the wrong hour names the wrong subscriber.
    """
    try:
        zone = ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError({"observed_timezone": IDENTIFIER_TIMEZONE_UNKNOWN}) from None
    text = original.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise ValidationError({"observed_original": IDENTIFIER_TIME_UNREADABLE}) from None
    local = parsed.replace(tzinfo=None)
    earlier = local.replace(tzinfo=zone, fold=0)
    later = local.replace(tzinfo=zone, fold=1)
    if parsed.tzinfo is not None:
        offset = parsed.utcoffset()
        if offset not in (earlier.utcoffset(), later.utcoffset()):
            raise ValidationError({"observed_original": IDENTIFIER_OFFSET_MISMATCH})
        return parsed.astimezone(UTC)
    if earlier.utcoffset() != later.utcoffset():
        round_trip = earlier.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
        if round_trip != local:
            raise ValidationError({"observed_original": IDENTIFIER_TIME_DOES_NOT_EXIST})
        raise ValidationError({"observed_original": IDENTIFIER_TIME_AMBIGUOUS})
    return earlier.astimezone(UTC)


_VALUE_KINDS = (ReferralIdentifier.Kind.ACCOUNT, ReferralIdentifier.Kind.PHONE, ReferralIdentifier.Kind.EMAIL)


def _normalised_value(kind: str, value: str) -> str:
    """A phone number in E.164, an e-mail address in lower case, an account ID as given (trimmed);
    a malformed phone number or e-mail address is refused on the form's `account_id` field."""
    if kind == ReferralIdentifier.Kind.PHONE:
        return normalise_phone(value, field="account_id")
    if kind == ReferralIdentifier.Kind.EMAIL:
        return normalise_email(value, field="account_id")
    return value.strip()


def identifier_check_values(
    *,
    kind: str,
    ip_address: str | None = None,
    port: int | None = None,
    account_id: str = "",
    observed_original: str = "",
    observed_timezone: str = "",
) -> None:
    """An IP address valid, with its time of observation and a port from 1 to 65535; an account ID,
    phone number (any country's, UK if without a + code) or e-mail address given and well formed,
    without a port; a time of observation with its zone, readable and existing there."""
    original = observed_original.strip()

    def ip_valid() -> None:
        try:
            ipaddress.ip_address((ip_address or "").strip())
        except ValueError:
            raise ValidationError({"ip_address": IDENTIFIER_IP_INVALID}) from None

    def ip_has_time() -> None:
        if not original:
            raise ValidationError({"observed_original": IDENTIFIER_IP_NEEDS_TIME})

    def port_in_range() -> None:
        if port is not None and not 1 <= port <= 65535:
            raise ValidationError({"port": IDENTIFIER_PORT_RANGE})

    def account_given() -> None:
        if not account_id.strip():
            raise ValidationError({"account_id": IDENTIFIER_ACCOUNT_REQUIRED})

    def no_port() -> None:
        if port is not None:
            raise ValidationError({"port": IDENTIFIER_PORT_WITHOUT_IP})

    def kind_known() -> None:
        raise ValidationError({"kind": IDENTIFIER_KIND_UNKNOWN})

    def time_readable() -> None:
        if not original:
            return
        if not observed_timezone.strip():
            raise ValidationError({"observed_timezone": IDENTIFIER_NEEDS_TIMEZONE})
        parse_observed_time(original, observed_timezone.strip())

    def value_shaped() -> None:
        if account_id.strip():
            _normalised_value(kind, account_id)

    if kind == ReferralIdentifier.Kind.IP_ADDRESS:
        all_problems(ip_valid, ip_has_time, port_in_range, time_readable)
    elif kind in _VALUE_KINDS:
        all_problems(account_given, value_shaped, no_port, time_readable)
    else:
        all_problems(kind_known)


def _identifier_values(
    referral: Referral,
    *,
    kind: str,
    ip_address: str | None,
    port: int | None,
    account_id: str,
    observed_original: str,
    observed_timezone: str,
) -> dict[str, Any]:
    """An identifier's values checked by the first entry's rules (`identifier_check_values`, the time
    of observation not after the referral was received) and as stored: the IP address or value
    normalised, the time of observation in UTC."""
    observed_original = observed_original.strip()
    observed_timezone = observed_timezone.strip()
    account_id = account_id.strip()
    identifier_check_values(
        kind=kind,
        ip_address=ip_address,
        port=port,
        account_id=account_id,
        observed_original=observed_original,
        observed_timezone=observed_timezone,
    )
    if kind == ReferralIdentifier.Kind.IP_ADDRESS:
        ip_address = normalise_ip(ip_address or "")
        account_id = ""
    else:
        ip_address = None
        account_id = _normalised_value(kind, account_id)
    observed_at = None
    if observed_original:
        observed_at = parse_observed_time(observed_original, observed_timezone)
        if observed_at > referral.received_at:
            raise ValidationError({"observed_original": IDENTIFIER_OBSERVED_AFTER_RECEIPT})
    else:
        observed_timezone = ""
    return {
        "kind": kind,
        "ip_address": ip_address,
        "port": port,
        "account_id": account_id,
        "observed_at": observed_at,
        "observed_original": observed_original,
        "observed_timezone": observed_timezone,
    }


@transaction.atomic
def referral_add_identifier(
    *,
    referral: Referral,
    actor: User,
    kind: str,
    ip_address: str | None = None,
    port: int | None = None,
    account_id: str = "",
    observed_original: str = "",
    observed_timezone: str = "",
) -> ReferralIdentifier:
    """Record an IP address (with port and time of observation) or an account ID the referral names."""
    _ensure_case_open(referral)
    values = _identifier_values(
        referral,
        kind=kind,
        ip_address=ip_address,
        port=port,
        account_id=account_id,
        observed_original=observed_original,
        observed_timezone=observed_timezone,
    )
    identifier = ReferralIdentifier.objects.create(referral=referral, **values)
    _log_on_case(referral, actor=actor, text=f"Referral identifier recorded: {identifier.get_kind_display()}.")
    identifiers_index(record=identifier, actor=actor)
    return identifier


def _submission_check(referral: Referral, *, reference: str, submitted_at: datetime) -> None:
    if not reference:
        raise ValidationError({"reference": COMMS_REFERENCE_REQUIRED})
    comms_request_check_submitted(submitted_at=submitted_at)
    if submitted_at < referral.received_at:
        raise ValidationError({"submitted_at": COMMS_SUBMITTED_BEFORE_RECEIPT})


def _approval_check(*, submitted_at: datetime, approved_at: datetime, approval_route: str) -> None:
    if approval_route not in CommsDataRequest.Route.values:
        raise ValidationError({"approval_route": COMMS_ROUTE_REQUIRED})
    comms_request_check_approved(approved_at=approved_at)
    if approved_at < submitted_at:
        raise ValidationError({"approved_at": COMMS_APPROVED_BEFORE_SUBMISSION})


def _result_check(
    *, submitted_at: datetime, approved_at: datetime | None, result_received_at: datetime, outcome: str
) -> None:
    if outcome not in (CommsDataRequest.Outcome.RESOLVED, CommsDataRequest.Outcome.NOT_RESOLVED):
        raise ValidationError({"outcome": COMMS_OUTCOME_REQUIRED})
    if approved_at is None:
        raise ValidationError(COMMS_RESULT_NEEDS_APPROVAL)
    comms_request_check_result(result_received_at=result_received_at)
    if result_received_at < submitted_at:
        raise ValidationError({"result_received_at": COMMS_RESULT_BEFORE_SUBMISSION})
    if result_received_at < approved_at:
        raise ValidationError({"result_received_at": COMMS_RESULT_BEFORE_APPROVAL})


@transaction.atomic
def comms_request_submit(
    *, referral: Referral, actor: User, reference: str, submitted_at: datetime, notes: str = ""
) -> CommsDataRequest:
    """A communications-data request (Investigatory Powers Act 2016 Part 3) submitted for the referral."""
    _ensure_case_open(referral)
    reference = reference.strip()
    _submission_check(referral, reference=reference, submitted_at=submitted_at)
    request = CommsDataRequest.objects.create(
        referral=referral, reference=reference, submitted_at=submitted_at, notes=notes
    )
    _log_on_case(referral, actor=actor, text=f"Communications-data request {reference} submitted.")
    identifiers_index(record=request, actor=actor)
    return request


def _lock_comms_request(comms_request: CommsDataRequest) -> None:
    """Lock the row and reload it, so that two people recording the same step cannot both pass the
    "already recorded" check and the second overwrite the first."""
    CommsDataRequest.objects.select_for_update().filter(pk=comms_request.pk).values_list("pk").get()
    comms_request.refresh_from_db()


@transaction.atomic
def comms_request_record_approval(
    *, comms_request: CommsDataRequest, actor: User, approved_at: datetime, approval_route: str
) -> CommsDataRequest:
    _lock_comms_request(comms_request)
    _ensure_case_open(comms_request.referral)
    ensure_current(comms_request)
    if comms_request.approved_at is not None:
        raise ValidationError(COMMS_ALREADY_APPROVED)
    _approval_check(submitted_at=comms_request.submitted_at, approved_at=approved_at, approval_route=approval_route)
    comms_request.approved_at = approved_at
    comms_request.approval_route = approval_route
    comms_request.save(update_fields=["approved_at", "approval_route"])
    _log_on_case(
        comms_request.referral,
        actor=actor,
        text=f"Communications-data request {comms_request.reference} approved "
        f"({comms_request.get_approval_route_display()}).",
    )
    return comms_request


@transaction.atomic
def comms_request_record_result(
    *, comms_request: CommsDataRequest, actor: User, result_received_at: datetime, outcome: str
) -> CommsDataRequest:
    """The result of the request. `actor` is recorded as the person who verified the time conversion."""
    _lock_comms_request(comms_request)
    _ensure_case_open(comms_request.referral)
    ensure_current(comms_request)
    if comms_request.result_received_at is not None:
        raise ValidationError(COMMS_RESULT_ALREADY_RECORDED)
    _result_check(
        submitted_at=comms_request.submitted_at,
        approved_at=comms_request.approved_at,
        result_received_at=result_received_at,
        outcome=outcome,
    )
    comms_request.result_received_at = result_received_at
    comms_request.outcome = outcome
    comms_request.time_verified_by = actor
    comms_request.save(update_fields=["result_received_at", "outcome", "time_verified_by"])
    _log_on_case(
        comms_request.referral,
        actor=actor,
        text=f"Communications-data request {comms_request.reference} result: {comms_request.get_outcome_display()}.",
    )
    return comms_request


@transaction.atomic
def referral_record_outcome(
    *,
    referral: Referral,
    actor: User,
    outcome: str,
    outcome_at: datetime,
    outcome_reason: str = "",
    disseminated_to: str = "",
) -> Referral:
    """Disseminated to another force, or no further action. Developing into a case is `case_open`."""
    # Locked so that an outcome and a case opened from the same referral cannot both be recorded.
    current = Referral.objects.select_for_update().get(pk=referral.pk)
    if current.outcome != Referral.Outcome.PENDING:
        raise ValidationError(OUTCOME_ALREADY_RECORDED)
    if outcome == Referral.Outcome.DEVELOPED:
        raise ValidationError({"outcome": OUTCOME_DEVELOPED_NEEDS_CASE})
    if outcome not in (Referral.Outcome.NO_FURTHER_ACTION, Referral.Outcome.DISSEMINATED):
        raise ValidationError({"outcome": OUTCOME_UNKNOWN})
    referral_check_outcome(
        outcome=outcome, outcome_at=outcome_at, outcome_reason=outcome_reason, disseminated_to=disseminated_to
    )
    outcome_reason = outcome_reason.strip()
    disseminated_to = disseminated_to.strip()
    if outcome_at < referral.received_at:
        raise ValidationError({"outcome_at": OUTCOME_BEFORE_RECEIPT})
    referral.outcome = outcome
    referral.outcome_at = outcome_at
    referral.outcome_reason = outcome_reason
    referral.disseminated_to = disseminated_to
    referral.save(update_fields=["outcome", "outcome_at", "outcome_reason", "disseminated_to"])
    return referral


# --- Corrections (cases.corrections): a referral, its identifiers and its communications-data
# requests, corrected from the case's record pages once the referral is developed into a case, and from
# the referral's own record pages before (their versions then kept on the referral).

COMMS_APPROVAL_NOT_ADDED = (
    "The approval is recorded on its own page, with its route: a correction changes an approval recorded, "
    "and cannot add or remove one."
)
COMMS_RESULT_NOT_ADDED = (
    "The result is recorded on its own page, where the time conversion is checked: a correction changes a "
    "result recorded, and cannot add or remove one."
)


def _case_of(referral: Referral) -> Case | None:
    """The case the referral was developed into, read afresh (not a relation cached before it was),
    or None: its records' versions are then kept on the referral."""
    return Case.objects.filter(referral=referral).first()


@transaction.atomic
def referral_correct(
    *,
    referral: Referral,
    actor: User,
    reason: str,
    source: str,
    source_reference: str,
    received_at: datetime,
    risk_grade: str,
    platform: str = "",
    files_reported: int | None = None,
    summary: str = "",
    version: int | None = None,
) -> RecordVersion:
    """Correct a referral entered wrongly, with a reason kept in its history, under the rules of
    `referral_create`, and kept in order: received before the case was opened from it (if it was) and
    before each communications-data request, and after each identifier it names was observed. Its
    external reference is indexed again at once (`index_follows`)."""
    case = _case_of(referral)
    locked = correction_start(case=case, referral=referral, record=referral, reason=reason, version=version)
    source_reference = source_reference.strip()
    _referral_check(
        force=locked.force,
        source=source,
        source_reference=source_reference,
        received_at=received_at,
        risk_grade=risk_grade,
        files_reported=files_reported,
        referral=locked,
    )
    later = [Event("the opening of the case", case.opened_at)] if case is not None else []
    later += [
        Event(f"communications-data request {request.reference}", request.submitted_at)
        for request in locked.comms_requests.filter(withdrawn_at__isnull=True)
    ]
    not_after(received_at, later, field="received_at", label="Received at")
    earlier = [
        Event(f"the observation of {identifier}", identifier.observed_at)
        for identifier in locked.identifiers.filter(withdrawn_at__isnull=True, observed_at__isnull=False)
        if identifier.observed_at is not None
    ]
    not_before(received_at, earlier, field="received_at", label="Received at")
    values: dict[str, Any] = {
        "source": source,
        "source_reference": source_reference,
        "received_at": received_at,
        "risk_grade": risk_grade,
        "platform": platform,
        "files_reported": files_reported,
        "summary": summary,
    }
    return correction_apply(
        case=case,
        referral=referral,
        record_type="referral",
        record=locked,
        actor=actor,
        reason=reason,
        version=version,
        values=values,
        describe=f"Referral {locked}",
    )


@transaction.atomic
def referral_identifier_correct(
    *,
    identifier: ReferralIdentifier,
    actor: User,
    reason: str,
    kind: str,
    ip_address: str | None = None,
    port: int | None = None,
    account_id: str = "",
    observed_original: str = "",
    observed_timezone: str = "",
    version: int | None = None,
) -> RecordVersion:
    """Correct an identifier the referral names (an IP address with its port and time, an account, a
    phone number or an e-mail address) under the rules of `referral_add_identifier`. The new value is
    searched and compared with other investigations at once, like a first entry, and the old one no
    longer (`index_follows`)."""
    referral = identifier.referral
    case = _case_of(referral)
    locked = correction_start(case=case, referral=referral, record=identifier, reason=reason, version=version)
    values = _identifier_values(
        referral,
        kind=kind,
        ip_address=ip_address,
        port=port,
        account_id=account_id,
        observed_original=observed_original,
        observed_timezone=observed_timezone,
    )
    return correction_apply(
        case=case,
        referral=referral,
        record_type="referral_identifier",
        record=locked,
        actor=actor,
        reason=reason,
        version=version,
        values=values,
        describe=f"Referral identifier {locked}",
    )


def referral_identifier_dependants(identifier: ReferralIdentifier) -> str | None:
    """Nothing is recorded against an identifier: it can always be withdrawn as entered in error (it
    then leaves search and deconfliction, its matches kept, superseded)."""
    return None


@transaction.atomic
def comms_request_correct(
    *,
    comms_request: CommsDataRequest,
    actor: User,
    reason: str,
    reference: str,
    submitted_at: datetime,
    notes: str = "",
    approved_at: datetime | None = None,
    approval_route: str = "",
    result_received_at: datetime | None = None,
    outcome: str = "",
    version: int | None = None,
) -> RecordVersion:
    """Correct a communications-data request, its approval and its result under the rules of their
    first entries (`comms_request_submit`, `comms_request_record_approval`,
    `comms_request_record_result`): submitted after the referral was received, approved after it was
    submitted, the result after the approval. An approval or a result is added on its own page (the
    result with the check of the time conversion), not by a correction."""
    referral = comms_request.referral
    case = _case_of(referral)
    locked = correction_start(case=case, referral=referral, record=comms_request, reason=reason, version=version)
    reference = reference.strip()
    _submission_check(referral, reference=reference, submitted_at=submitted_at)
    values: dict[str, Any] = {"reference": reference, "submitted_at": submitted_at, "notes": notes}
    if (approved_at is None) != (locked.approved_at is None):
        raise ValidationError({"approved_at": COMMS_APPROVAL_NOT_ADDED})
    if approved_at is not None:
        _approval_check(submitted_at=submitted_at, approved_at=approved_at, approval_route=approval_route)
        values |= {"approved_at": approved_at, "approval_route": approval_route}
    if (result_received_at is None) != (locked.result_received_at is None):
        raise ValidationError({"result_received_at": COMMS_RESULT_NOT_ADDED})
    if result_received_at is not None:
        _result_check(
            submitted_at=submitted_at, approved_at=approved_at, result_received_at=result_received_at, outcome=outcome
        )
        values |= {"result_received_at": result_received_at, "outcome": outcome}
    return correction_apply(
        case=case,
        referral=referral,
        record_type="comms_request",
        record=locked,
        actor=actor,
        reason=reason,
        version=version,
        values=values,
        describe=f"Communications-data request {locked.reference}",
    )


def comms_request_dependants(comms_request: CommsDataRequest) -> str | None:
    """Nothing is recorded against a communications-data request: it can always be withdrawn as
    entered in error (its reference then leaves search and deconfliction)."""
    return None
