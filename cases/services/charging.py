"""Stage 7: submissions to the CPS for a charging decision, the decision and its charges.

IIOC prosecutions need the DPP's consent (Protection of Children Act 1978 s.1(3)), so the decision
recorded here is the CPS's. The four-week charging target is computed by `rules.charging_target_at`.
"""

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import capfirst

from accounts.models import User
from cases import formats
from cases.models import (
    Case,
    Charge,
    ChargingSubmission,
    CourtHearing,
    ImageCategory,
    Offence,
    RecordVersion,
    Subject,
)
from cases.services.common import case_advance_stage, case_log_system, ensure_case_open, not_in_future
from cases.services.corrections import (
    HAS_DEPENDANTS,
    Event,
    correction_apply,
    correction_start,
    ensure_current,
    not_after,
    record_field,
    record_version_add,
    record_withdraw,
    shown,
)
from cases.services.versions import version_save

CHARGING_SUBJECT_OTHER_CASE = "The subject must be a suspect on this case."
CHARGING_NEEDS_ARREST = "Record the arrest of this subject on this case before submitting to the CPS."
CHARGING_SUBMITTED_BEFORE_ARREST = "A charging submission cannot precede the arrest of the subject."
CHARGING_ALREADY_PENDING = "A submission for this subject is already awaiting a CPS decision."
CHARGING_DECISION_ALREADY = "A decision is already recorded on this submission."
CHARGING_DECISION_PENDING = "Choose the decision the CPS made."
CHARGING_DECISION_BEFORE_ARREST = "A charging decision cannot precede the arrest."
CHARGING_DECISION_BEFORE_SUBMISSION = "A charging decision cannot precede the submission to the CPS."
CHARGING_CHARGE_NEEDS_CHARGES = "A decision to charge needs at least one charge."
CHARGING_CHARGES_ONLY_ON_CHARGE = "Charges are recorded only with a decision to charge."
CHARGE_OFFENCE_NOT_IN_CATALOGUE = "Each charge must be an offence from the active offence catalogue."
CHARGE_COUNTS_AT_LEAST_ONE = "Each charge must have at least one count."
CHARGE_CATEGORY_INVALID = "The image category of a charge must be A, B, C or left blank."
CHOICE_INVALID = "Choose one of the options offered."


def _choice(choices: Any, value: str, field: str) -> Any:
    """One of the model's choices, or a ValidationError on `field` (importers pass raw strings)."""
    try:
        return choices(value)
    except ValueError:
        raise ValidationError({field: CHOICE_INVALID}) from None


@transaction.atomic
def charging_submit(
    *,
    case: Case,
    actor: User,
    subject: Subject,
    submitted_at: datetime,
    test: str,
    cps_reference: str = "",
) -> ChargingSubmission:
    """Submit a file to the CPS for a charging decision on a subject arrested on this case.

    One submission per subject awaits a decision at a time; after a decision (for example further
    evidence requested) a new submission may be made.
    """
    ensure_case_open(case)
    if subject.case_id != case.pk:
        raise ValidationError({"subject": CHARGING_SUBJECT_OTHER_CASE})
    ensure_current(subject, "subject")
    arrests = case.arrests.filter(subject=subject, withdrawn_at__isnull=True)
    if not arrests.exists():
        raise ValidationError({"subject": CHARGING_NEEDS_ARREST})
    charging_check_submitted_at(submitted_at=submitted_at)
    if not arrests.filter(arrested_at__lte=submitted_at).exists():
        raise ValidationError({"submitted_at": CHARGING_SUBMITTED_BEFORE_ARREST})
    test = _choice(ChargingSubmission.Test, test, "test")
    pending = case.charging_submissions.filter(subject=subject, decision=ChargingSubmission.Decision.PENDING)
    if pending.filter(withdrawn_at__isnull=True).exists():
        raise ValidationError({"subject": CHARGING_ALREADY_PENDING})
    submission = ChargingSubmission.objects.create(
        case=case,
        subject=subject,
        submitted_at=submitted_at,
        submitted_by=actor,
        test=test,
        cps_reference=cps_reference.strip(),
    )
    case_log_system(
        case=case, actor=actor, text=f"{submission.get_test_display()} submission to the CPS for {subject} recorded."
    )
    return submission


def charging_check_submitted_at(*, submitted_at: datetime) -> None:
    """A submission to the CPS is recorded after it is made (the form shows this with its own checks)."""
    not_in_future(submitted_at, field="submitted_at", label="The submission")


def charging_check_decision_at(*, decision_at: datetime) -> None:
    """A charging decision is recorded after it is made (the form shows this with its own checks)."""
    not_in_future(decision_at, field="decision_at", label="The decision")


def _clean_charges(charges: Sequence[Mapping[str, Any]]) -> list[Charge]:
    cleaned = []
    for row in charges:
        offence = row.get("offence")
        counts = row.get("counts")
        category = row.get("category") or ""
        if not isinstance(offence, Offence) or not offence.active:
            raise ValidationError({"charges": CHARGE_OFFENCE_NOT_IN_CATALOGUE})
        if not isinstance(counts, int) or isinstance(counts, bool) or counts < 1:
            raise ValidationError({"charges": CHARGE_COUNTS_AT_LEAST_ONE})
        if category not in ImageCategory.values and category != "":
            raise ValidationError({"charges": CHARGE_CATEGORY_INVALID})
        cleaned.append(Charge(offence=offence, counts=counts, category=category))
    return cleaned


def _check_decision(submission: ChargingSubmission, *, decision: str, decision_at: datetime) -> Any:
    """A decision's rules, on its first entry and on each correction: one of the CPS's decisions, not
    in the future, not before the subject's arrest nor before the submission. Returns the choice."""
    decision = _choice(ChargingSubmission.Decision, decision, "decision")
    if decision == ChargingSubmission.Decision.PENDING:
        raise ValidationError({"decision": CHARGING_DECISION_PENDING})
    charging_check_decision_at(decision_at=decision_at)
    arrests = submission.case.arrests.filter(subject=submission.subject, withdrawn_at__isnull=True)
    first_arrest = arrests.order_by("arrested_at").first()
    if first_arrest is None or decision_at < first_arrest.arrested_at:
        raise ValidationError({"decision_at": CHARGING_DECISION_BEFORE_ARREST})
    if decision_at < submission.submitted_at:
        raise ValidationError({"decision_at": CHARGING_DECISION_BEFORE_SUBMISSION})
    return decision


@transaction.atomic
def charging_record_decision(
    *,
    submission: ChargingSubmission,
    actor: User,
    decision: str,
    decision_at: datetime,
    decision_notes: str = "",
    charges: Sequence[Mapping[str, Any]] = (),
) -> ChargingSubmission:
    """Record the CPS decision on a submission, with the charges when the decision is to charge.

    Any decision moves the case to the charging stage (the case has reached a charging decision).
    """
    submission = ChargingSubmission.objects.select_for_update().select_related("case", "subject").get(pk=submission.pk)
    case = submission.case
    ensure_case_open(case)
    ensure_current(submission)
    if submission.decision != ChargingSubmission.Decision.PENDING:
        raise ValidationError(CHARGING_DECISION_ALREADY)
    decision = _check_decision(submission, decision=decision, decision_at=decision_at)
    rows = _clean_charges(charges)
    if decision == ChargingSubmission.Decision.CHARGE and not rows:
        raise ValidationError({"charges": CHARGING_CHARGE_NEEDS_CHARGES})
    if decision != ChargingSubmission.Decision.CHARGE and rows:
        raise ValidationError({"charges": CHARGING_CHARGES_ONLY_ON_CHARGE})

    submission.decision = decision
    submission.decision_at = decision_at
    submission.decision_notes = decision_notes.strip()
    submission.save(update_fields=["decision", "decision_at", "decision_notes"])
    for charge in rows:
        charge.submission = submission
    Charge.objects.bulk_create(rows)
    text = f"CPS decision for {submission.subject}: {submission.get_decision_display()}"
    if rows:
        text += f" ({sum(charge.counts for charge in rows)} counts)"
    case_log_system(case=case, actor=actor, text=text + ".")
    case_advance_stage(case=case, stage=Case.Stage.CHARGING)
    return submission


CHARGING_DECIDED_BEFORE_SUBMISSION = (
    "The submission cannot be after the CPS decision on it ({at}): correct the decision first, or enter an "
    "earlier time."
)


@transaction.atomic
def charging_submission_correct(
    *,
    submission: ChargingSubmission,
    actor: User,
    reason: str,
    subject: Subject,
    submitted_at: datetime,
    test: str,
    cps_reference: str = "",
    version: int | None = None,
) -> RecordVersion:
    """Correct a submission to the CPS under the rules of `charging_submit`; it stays before the
    decision recorded on it. The charging target is met by the decision as it stands."""
    case = submission.case
    locked = correction_start(case=case, record=submission, reason=reason, version=version)
    if subject.case_id != case.pk:
        raise ValidationError({"subject": CHARGING_SUBJECT_OTHER_CASE})
    ensure_current(subject, "subject")
    arrests = case.arrests.filter(subject=subject, withdrawn_at__isnull=True)
    if not arrests.exists():
        raise ValidationError({"subject": CHARGING_NEEDS_ARREST})
    charging_check_submitted_at(submitted_at=submitted_at)
    if not arrests.filter(arrested_at__lte=submitted_at).exists():
        raise ValidationError({"submitted_at": CHARGING_SUBMITTED_BEFORE_ARREST})
    test = _choice(ChargingSubmission.Test, test, "test")
    pending = case.charging_submissions.filter(
        subject=subject, decision=ChargingSubmission.Decision.PENDING, withdrawn_at__isnull=True
    ).exclude(pk=locked.pk)
    if locked.decision == ChargingSubmission.Decision.PENDING and pending.exists():
        raise ValidationError({"subject": CHARGING_ALREADY_PENDING})
    if locked.decision_at is not None and submitted_at > locked.decision_at:
        raise ValidationError(
            {"submitted_at": CHARGING_DECIDED_BEFORE_SUBMISSION.format(at=formats.when(locked.decision_at))}
        )
    return correction_apply(
        case=case,
        record_type="charging_submission",
        record=locked,
        actor=actor,
        reason=reason,
        version=version,
        values={"subject": subject, "submitted_at": submitted_at, "test": test, "cps_reference": cps_reference},
        describe=f"Submission to the CPS for {locked.subject}",
    )


def charging_submission_dependants(submission: ChargingSubmission) -> str | None:
    """A decision recorded on the submission, and the hearings that follow a decision to charge."""
    if submission.decision != ChargingSubmission.Decision.PENDING:
        return f"The CPS decision recorded on it ({submission.get_decision_display().lower()})"
    return None


# --- Correcting the CPS decision and its charges ----------------------------------------------------

CHARGING_NO_DECISION_YET = "No decision is recorded on this submission: record it from the case page."
CHARGING_HEARING_RESTS_ON_CHARGE = (
    "{hearing} ({at}) follows this decision to charge: correct or withdraw that hearing first, or keep the "
    "decision to charge."
)
CHARGING_CORRECTED_TO_CHARGE = (
    "A decision to charge needs its charges: withdraw this decision as entered in error and record the "
    "decision to charge with its charges."
)
CHARGE_NOT_ON_CHARGE = "Charges are corrected only on a decision to charge."
CHARGE_LAST_ONE = "The CPS decision to charge {subject}, which needs at least one charge,"


def _decision_name(submission: ChargingSubmission) -> str:
    return f"CPS decision on the submission for {submission.subject}"


def _first_hearing_resting_on(submission: ChargingSubmission) -> CourtHearing | None:
    """The first current hearing of the subject that only this decision to charge comes before (no
    other current decision to charge the subject was made by its time)."""
    others = ChargingSubmission.objects.filter(
        case_id=submission.case_id,
        subject_id=submission.subject_id,
        decision=ChargingSubmission.Decision.CHARGE,
        withdrawn_at__isnull=True,
    ).exclude(pk=submission.pk)
    hearings = CourtHearing.objects.filter(
        case_id=submission.case_id, subject_id=submission.subject_id, withdrawn_at__isnull=True
    ).order_by("hearing_at", "id")
    for hearing in hearings:
        if not others.filter(decision_at__lte=hearing.hearing_at).exists():
            return hearing
    return None


def _current_charges(submission: ChargingSubmission) -> list[Charge]:
    return list(submission.charges.filter(withdrawn_at__isnull=True).select_related("offence"))


@transaction.atomic
def charging_decision_correct(
    *,
    submission: ChargingSubmission,
    actor: User,
    reason: str,
    decision: str,
    decision_at: datetime,
    decision_notes: str = "",
    version: int | None = None,
) -> RecordVersion:
    """Correct the CPS decision recorded on a submission under the rules of `charging_record_decision`.
    The charging target, the dashboard and the figures read the decision as it stands, so they follow.
    A decision to charge stays before the hearings that follow it, and keeps at least one charge; a
    decision corrected away from charging needs its charges withdrawn first. The error names the record."""
    case = submission.case
    locked = correction_start(case=case, record=submission, reason=reason, version=version)
    if locked.decision == ChargingSubmission.Decision.PENDING:
        raise ValidationError(CHARGING_NO_DECISION_YET)
    decision = _check_decision(locked, decision=decision, decision_at=decision_at)
    if decision == ChargingSubmission.Decision.CHARGE and not _current_charges(locked):
        raise ValidationError({"decision": CHARGING_CORRECTED_TO_CHARGE})
    hearing = _first_hearing_resting_on(locked)
    if hearing is not None:
        if decision != ChargingSubmission.Decision.CHARGE:
            at = formats.when(hearing.hearing_at)
            raise ValidationError(
                {"decision": CHARGING_HEARING_RESTS_ON_CHARGE.format(hearing=capfirst(str(hearing)), at=at)}
            )
        not_after(
            decision_at, [Event(str(hearing), hearing.hearing_at)], field="decision_at", label="The decision to charge"
        )
    corrected = correction_apply(
        case=case,
        record_type="charging_decision",
        record=locked,
        actor=actor,
        reason=reason,
        version=version,
        values={"decision": decision, "decision_at": decision_at, "decision_notes": decision_notes},
        describe=_decision_name(locked),
    )
    if decision != ChargingSubmission.Decision.CHARGE:
        _withdraw_charges(locked, actor=actor, reason=reason)
    return corrected


def _withdraw_charges(submission: ChargingSubmission, *, actor: User, reason: str) -> None:
    """Withdraw the charges recorded with a decision to charge that is withdrawn, or corrected to another
    decision: they were entered with it. Each keeps its history, with the reason."""
    for charge in _current_charges(submission):
        record_withdraw(
            case=submission.case,
            record_type="charge",
            record=charge,
            actor=actor,
            reason=reason,
            version=charge.version,
            describe=_charge_name(charge),
            dependants=lambda _charge: None,
        )


def charging_decision_dependants(submission: ChargingSubmission) -> str | None:
    """The hearings that follow only this decision to charge (its charges are withdrawn with it)."""
    hearing = (
        _first_hearing_resting_on(submission) if submission.decision == ChargingSubmission.Decision.CHARGE else None
    )
    return capfirst(str(hearing)) if hearing is not None else None


@transaction.atomic
def charging_decision_withdraw(
    *, submission: ChargingSubmission, actor: User, reason: str, version: int | None = None
) -> RecordVersion:
    """Withdraw a CPS decision entered in error, with the charges recorded with it: the submission
    awaits a decision again, so the charging target is due again and the decision leaves the dashboard
    and the figures. The decision's values stay in its history, each charge in its own. Refused while a
    hearing that follows only this decision to charge is current."""
    case = submission.case
    locked = correction_start(case=case, record=submission, reason=reason, version=version)
    if locked.decision == ChargingSubmission.Decision.PENDING:
        raise ValidationError(CHARGING_NO_DECISION_YET)
    first = charging_decision_dependants(locked)
    if first is not None:
        raise ValidationError(HAS_DEPENDANTS.format(record=first))
    pending = case.charging_submissions.filter(
        subject=locked.subject, decision=ChargingSubmission.Decision.PENDING, withdrawn_at__isnull=True
    ).exclude(pk=locked.pk)
    if pending.exists():
        raise ValidationError(CHARGING_ALREADY_PENDING)
    changes = []
    for name in ("decision", "decision_at", "decision_notes"):
        field = record_field(locked, name)
        after = {"decision": ChargingSubmission.Decision.PENDING, "decision_at": None}.get(name, "")
        before = getattr(locked, name)
        if before != after:
            label = str(capfirst(field.verbose_name))
            changes.append(
                {"field": name, "label": label, "before": shown(field, before), "after": shown(field, after)}
            )
        setattr(locked, name, after)
    version_save(locked, version=version, fields=["decision", "decision_at", "decision_notes"])
    _withdraw_charges(locked, actor=actor, reason=reason)
    return record_version_add(
        case=case,
        record_type="charging_decision",
        record=locked,
        actor=actor,
        kind=RecordVersion.Kind.WITHDRAWN,
        reason=reason,
        changes=changes,
        log_text=f"{_decision_name(locked)} withdrawn as entered in error; the submission awaits a decision again. "
        f"Reason: {reason.strip()}",
    )


def _charge_name(charge: Charge) -> str:
    return f"Charge of {charge.submission.subject}: {charge}"


@transaction.atomic
def charge_correct(
    *,
    charge: Charge,
    actor: User,
    reason: str,
    offence: Offence | None,
    counts: int | None = 1,
    category: str = "",
    version: int | None = None,
) -> RecordVersion:
    """Correct one charge under the rules of its first entry (`charging_record_decision`): an offence
    from the active catalogue, at least one count, an image category or none, on a current decision
    to charge."""
    submission = charge.submission
    case = submission.case
    locked = correction_start(case=case, record=charge, reason=reason, version=version)
    ensure_current(submission)
    if submission.decision != ChargingSubmission.Decision.CHARGE:
        raise ValidationError(CHARGE_NOT_ON_CHARGE)
    (row,) = _clean_charges([{"offence": offence, "counts": counts, "category": category}])
    return correction_apply(
        case=case,
        record_type="charge",
        record=locked,
        actor=actor,
        reason=reason,
        version=version,
        values={"offence": row.offence, "counts": row.counts, "category": row.category},
        describe=_charge_name(locked),
    )


def charge_dependants(charge: Charge) -> str | None:
    """The decision to charge it was recorded with, while this is its last current charge (a decision
    to charge needs one): correct that decision, or withdraw it, first."""
    submission = charge.submission
    others = submission.charges.filter(withdrawn_at__isnull=True).exclude(pk=charge.pk)
    charged = submission.decision == ChargingSubmission.Decision.CHARGE and submission.withdrawn_at is None
    if charged and not others.exists():
        return CHARGE_LAST_ONE.format(subject=submission.subject)
    return None
