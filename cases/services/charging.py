"""Stage 7: submissions to the CPS for a charging decision, the decision and its charges.

IIOC prosecutions need the DPP's consent (Protection of Children Act 1978 s.1(3)), so the decision
recorded here is the CPS's. The four-week charging target is computed by `rules.charging_target_at`.
"""

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import User
from cases import formats
from cases.models import Case, Charge, ChargingSubmission, ImageCategory, Offence, RecordVersion, Subject
from cases.services.common import case_advance_stage, case_log_system, ensure_case_open, not_in_future
from cases.services.corrections import correction_apply, correction_start, ensure_current

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
    decision = _choice(ChargingSubmission.Decision, decision, "decision")
    if decision == ChargingSubmission.Decision.PENDING:
        raise ValidationError({"decision": CHARGING_DECISION_PENDING})
    charging_check_decision_at(decision_at=decision_at)
    first_arrest = case.arrests.filter(subject=submission.subject).order_by("arrested_at").first()
    if first_arrest is None or decision_at < first_arrest.arrested_at:
        raise ValidationError({"decision_at": CHARGING_DECISION_BEFORE_ARREST})
    if decision_at < submission.submitted_at:
        raise ValidationError({"decision_at": CHARGING_DECISION_BEFORE_SUBMISSION})
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
