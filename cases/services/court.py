"""Stage 8: court hearings of a charged subject."""

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import User
from cases.models import Case, ChargingSubmission, CourtHearing, RecordVersion, Subject
from cases.services.common import case_advance_stage, case_log_system, ensure_case_open
from cases.services.corrections import correction_apply, correction_start, ensure_current

HEARING_SUBJECT_OTHER_CASE = "The subject must be a suspect on this case."
HEARING_BEFORE_CHARGE = "A court hearing must follow a CPS decision to charge this subject."
HEARING_ORDERS_ONLY_AT_SENTENCE = (
    "Notification requirements and a Sexual Harm Prevention Order are recorded on a sentence hearing only."
)
CHOICE_INVALID = "Choose one of the options offered."


def _choice(choices: Any, value: str, field: str) -> Any:
    """One of the model's choices, or a ValidationError on `field` (importers pass raw strings)."""
    try:
        return choices(value)
    except ValueError:
        raise ValidationError({field: CHOICE_INVALID}) from None


def hearing_check_orders(
    *, hearing_type: str, notification_requirements: bool = False, shpo_made: bool = False
) -> None:
    """Notification requirements and a Sexual Harm Prevention Order come with a sentence only.
    Also run by the hearing form beside its field checks."""
    if (notification_requirements or shpo_made) and hearing_type != CourtHearing.Type.SENTENCE:
        raise ValidationError({"hearing_type": HEARING_ORDERS_ONLY_AT_SENTENCE})


@transaction.atomic
def hearing_record(
    *,
    case: Case,
    actor: User,
    subject: Subject,
    court: str,
    hearing_at: datetime,
    hearing_type: str,
    outcome: str = "",
    remand_status: str = "",
    notification_requirements: bool = False,
    shpo_made: bool = False,
) -> CourtHearing:
    """Record a hearing (past, or listed for the future) of a subject charged on this case."""
    ensure_case_open(case)
    if subject.case_id != case.pk:
        raise ValidationError({"subject": HEARING_SUBJECT_OTHER_CASE})
    ensure_current(subject, "subject")
    hearing_type = _choice(CourtHearing.Type, hearing_type, "hearing_type")
    remand_status = _choice(CourtHearing.RemandStatus, remand_status, "remand_status")
    _check_charged(case, subject, hearing_at)
    hearing_check_orders(
        hearing_type=hearing_type, notification_requirements=notification_requirements, shpo_made=shpo_made
    )

    hearing = CourtHearing.objects.create(
        case=case,
        subject=subject,
        court=court.strip(),
        hearing_at=hearing_at,
        hearing_type=hearing_type,
        outcome=outcome.strip(),
        remand_status=remand_status,
        notification_requirements=notification_requirements,
        shpo_made=shpo_made,
    )
    case_log_system(
        case=case, actor=actor, text=f"{hearing.get_hearing_type_display()} hearing of {subject} at {hearing.court}."
    )
    case_advance_stage(case=case, stage=Case.Stage.COURT)
    return hearing


def _check_charged(case: Case, subject: Subject, hearing_at: datetime) -> None:
    charged = case.charging_submissions.filter(
        subject=subject, decision=ChargingSubmission.Decision.CHARGE, decision_at__lte=hearing_at
    )
    if not charged.exists():
        raise ValidationError({"hearing_at": HEARING_BEFORE_CHARGE})


@transaction.atomic
def hearing_correct(
    *,
    hearing: CourtHearing,
    actor: User,
    reason: str,
    subject: Subject,
    court: str,
    hearing_at: datetime,
    hearing_type: str,
    outcome: str = "",
    remand_status: str = "",
    notification_requirements: bool = False,
    shpo_made: bool = False,
    version: int | None = None,
) -> RecordVersion:
    """Correct a hearing under the rules of `hearing_record`, or add what happened at a listed one
    (its outcome, remand status and orders). The next hearing is recorded as a hearing of its own."""
    case = hearing.case
    locked = correction_start(case=case, record=hearing, reason=reason, version=version)
    if subject.case_id != case.pk:
        raise ValidationError({"subject": HEARING_SUBJECT_OTHER_CASE})
    ensure_current(subject, "subject")
    hearing_type = _choice(CourtHearing.Type, hearing_type, "hearing_type")
    remand_status = _choice(CourtHearing.RemandStatus, remand_status, "remand_status")
    _check_charged(case, subject, hearing_at)
    hearing_check_orders(
        hearing_type=hearing_type, notification_requirements=notification_requirements, shpo_made=shpo_made
    )
    return correction_apply(
        case=case,
        record_type="hearing",
        record=locked,
        actor=actor,
        reason=reason,
        version=version,
        values={
            "subject": subject,
            "court": court,
            "hearing_at": hearing_at,
            "hearing_type": hearing_type,
            "outcome": outcome,
            "remand_status": remand_status,
            "notification_requirements": notification_requirements,
            "shpo_made": shpo_made,
        },
        describe=f"{hearing.get_hearing_type_display()} hearing of {hearing.subject}",
    )


def hearing_dependants(hearing: CourtHearing) -> str | None:
    """Nothing is recorded against a hearing."""
    return None
