"""Stage 10: closing a case with a Home Office outcome, and Management of Police Information reviews."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from cases import formats, rules
from cases.models import (
    Arrest,
    BailExtension,
    Case,
    ChargingSubmission,
    Closure,
    CourtHearing,
    CustodyReview,
    Device,
    Release,
    RetentionReview,
    Search,
    User,
)
from cases.services.common import case_advance_stage, case_log_system, ensure_case_open, not_in_future
from warrants.models import Warrant

CLOSURE_WARRANTS_NOT_RETURNED = (
    "Return every issued, executed or expired warrant to the court before closing the case (PACE s.16(10)): {warrants}."
)
CLOSURE_CHARGING_PENDING = "A charging submission is awaiting a CPS decision: record the decision before closing."
CLOSURE_BEFORE_CASE_OPENED = "The case cannot be closed before it was opened."
CLOSURE_OUTCOME_INVALID = "Choose a Home Office outcome type from the list."
CLOSURE_BEFORE_EVENT = "The case cannot be closed before an event recorded on it: {event} at {at}. Enter a later time."
CLOSURE_CHARGED_NEEDS_DECISION = (
    "Outcome 1 (charged or summonsed) needs a charging decision to charge, or a release on charge, recorded on "
    "the case first."
)
CLOSURE_CAUTION_NEEDS_DECISION = "A caution outcome needs a charging decision to caution recorded on the case first."
RETENTION_GROUP_INVALID = "Choose a MoPI retention group from the list."
RETENTION_CASE_NOT_CLOSED = "Retention reviews are recorded on closed cases only."
RETENTION_DECISION_INVALID = "A review decides to retain or dispose; the group is set at closure."
RETENTION_BEFORE_CLOSURE = "A retention review cannot be before the case was closed."
RETENTION_BEFORE_LAST_REVIEW = "A retention review cannot be before the last review."

# Warrants in these states have been issued and not yet returned to the court (s.16(9)-(12)).
UNRETURNED_WARRANT_STATUSES = [Warrant.Status.ISSUED, Warrant.Status.EXECUTED, Warrant.Status.EXPIRED]


def _describe(warrant: Warrant) -> str:
    return f"warrant {warrant.pk} for {warrant.premises} ({warrant.get_status_display().lower()})"


def _latest_event(case: Case) -> tuple[str, datetime] | None:
    """The latest event recorded on the case that has happened (a hearing listed ahead has not)."""
    now = timezone.now()
    found: list[tuple[str, datetime | None]] = [
        ("an arrest", Arrest.objects.filter(case=case).aggregate(at=Max("arrested_at"))["at"]),
        ("a release", Release.objects.filter(arrest__case=case).aggregate(at=Max("released_at"))["at"]),
        (
            "a bail extension",
            BailExtension.objects.filter(release__arrest__case=case).aggregate(at=Max("approved_at"))["at"],
        ),
        (
            "a review of detention",
            CustodyReview.objects.filter(arrest__case=case).aggregate(at=Max("reviewed_at"))["at"],
        ),
        ("a search", Search.objects.filter(case=case).aggregate(at=Max("started_at"))["at"]),
        (
            "a court hearing",
            CourtHearing.objects.filter(case=case, hearing_at__lte=now).aggregate(at=Max("hearing_at"))["at"],
        ),
        ("a charging decision", case.charging_submissions.aggregate(at=Max("decision_at"))["at"]),
        ("a warrant's return to court", Warrant.objects.filter(case=case).aggregate(at=Max("returned_at"))["at"]),
        ("a warrant executed", Warrant.objects.filter(case=case).aggregate(at=Max("executed_at"))["at"]),
        ("a forensic examination", Device.objects.filter(case=case).aggregate(at=Max("forensic_completed_at"))["at"]),
    ]
    dated = [(event, at) for event, at in found if at is not None]
    return max(dated, key=lambda item: item[1]) if dated else None


def _check_after_every_event(case: Case, closed_at: datetime) -> None:
    latest = _latest_event(case)
    if latest is not None and closed_at < latest[1]:
        raise ValidationError({"closed_at": CLOSURE_BEFORE_EVENT.format(event=latest[0], at=formats.when(latest[1]))})


def _check_outcome_agrees(case: Case, outcome_type: str) -> None:
    """The Home Office outcome agrees with the decisions recorded: a charge or a caution is recorded
    before a case is closed as charged (outcome 1) or cautioned (outcomes 2 and 3)."""
    decisions = set(case.charging_submissions.values_list("decision", flat=True))
    if outcome_type == Closure.OutcomeType.CHARGED:
        charged = Release.objects.filter(arrest__case=case, kind=Release.Kind.CHARGED).exists()
        if ChargingSubmission.Decision.CHARGE not in decisions and not charged:
            raise ValidationError({"outcome_type": CLOSURE_CHARGED_NEEDS_DECISION})
    cautioned = outcome_type in (Closure.OutcomeType.CAUTION_YOUTH, Closure.OutcomeType.CAUTION_ADULT)
    if cautioned and ChargingSubmission.Decision.CAUTION not in decisions:
        raise ValidationError({"outcome_type": CLOSURE_CAUTION_NEEDS_DECISION})


@transaction.atomic
def case_close(
    *,
    case: Case,
    actor: User,
    outcome_type: str,
    closed_at: datetime,
    rationale: str,
    retention_group: str,
) -> Closure:
    """Close the case with a Home Office outcome and set its MoPI retention group.

    Refused while a warrant is issued, executed or expired but not returned to the court, or a
    charging submission awaits a decision; refused at a time before an event recorded on the case,
    and with an outcome the decisions recorded do not support (charged without a decision to charge,
    cautioned without a decision to caution). Records the first retention review (decision "set")
    with its next review date computed by `rules.retention_next_review_at`.
    """
    Case.objects.select_for_update().get(pk=case.pk)  # one closure at a time; the caller's case stays current
    case.refresh_from_db(fields=["status", "stage", "version"])
    ensure_case_open(case)
    if outcome_type not in Closure.OutcomeType.values:
        raise ValidationError({"outcome_type": CLOSURE_OUTCOME_INVALID})
    if retention_group not in RetentionReview.Group.values:
        raise ValidationError({"retention_group": RETENTION_GROUP_INVALID})
    not_in_future(closed_at, field="closed_at", label="The closure")
    if closed_at < case.opened_at:
        raise ValidationError({"closed_at": CLOSURE_BEFORE_CASE_OPENED})
    unreturned = list(
        Warrant.objects.filter(case=case, status__in=UNRETURNED_WARRANT_STATUSES)
        .select_related("premises")
        .order_by("id")
    )
    if unreturned:
        names = "; ".join(_describe(warrant) for warrant in unreturned)
        raise ValidationError(CLOSURE_WARRANTS_NOT_RETURNED.format(warrants=names))
    if case.charging_submissions.filter(decision=ChargingSubmission.Decision.PENDING).exists():
        raise ValidationError(CLOSURE_CHARGING_PENDING)
    _check_after_every_event(case, closed_at)
    _check_outcome_agrees(case, outcome_type)

    rationale = rationale.strip()
    closure = Closure.objects.create(
        case=case, outcome_type=outcome_type, closed_at=closed_at, closed_by=actor, rationale=rationale
    )
    RetentionReview.objects.create(
        case=case,
        retention_group=retention_group,
        decision=RetentionReview.Decision.SET,
        reviewed_at=closed_at,
        reviewed_by=actor,
        rationale=rationale,
        next_review_at=rules.retention_next_review_at(reviewed_at=closed_at, retention_group=retention_group),
    )
    case_log_system(case=case, actor=actor, text=f"Case closed: outcome {closure.get_outcome_type_display()}.")
    case_advance_stage(case=case, stage=Case.Stage.CLOSED)
    case.status = Case.Status.CLOSED
    case.version += 1
    case.save(update_fields=["status", "version"])
    return closure


@transaction.atomic
def retention_review_record(
    *,
    case: Case,
    actor: User,
    retention_group: str,
    decision: str,
    reviewed_at: datetime,
    rationale: str,
) -> RetentionReview:
    """Record a MoPI review of a closed case. To retain sets the next review date by the group's
    interval; to dispose leaves no next review."""
    if case.status != Case.Status.CLOSED:
        raise ValidationError(RETENTION_CASE_NOT_CLOSED)
    if retention_group not in RetentionReview.Group.values:
        raise ValidationError({"retention_group": RETENTION_GROUP_INVALID})
    if decision not in (RetentionReview.Decision.RETAIN, RetentionReview.Decision.DISPOSE):
        raise ValidationError({"decision": RETENTION_DECISION_INVALID})
    not_in_future(reviewed_at, field="reviewed_at", label="The review")
    closure = Closure.objects.filter(case=case).first()
    if closure is not None and reviewed_at < closure.closed_at:
        raise ValidationError({"reviewed_at": RETENTION_BEFORE_CLOSURE})
    last = case.retention_reviews.order_by("-reviewed_at").first()
    if last is not None and reviewed_at < last.reviewed_at:
        raise ValidationError({"reviewed_at": RETENTION_BEFORE_LAST_REVIEW})
    next_review_at = None
    if decision == RetentionReview.Decision.RETAIN:
        next_review_at = rules.retention_next_review_at(reviewed_at=reviewed_at, retention_group=retention_group)
    review = RetentionReview.objects.create(
        case=case,
        retention_group=retention_group,
        decision=decision,
        reviewed_at=reviewed_at,
        reviewed_by=actor,
        rationale=rationale.strip(),
        next_review_at=next_review_at,
    )
    case_log_system(case=case, actor=actor, text=f"MoPI review: {review.get_decision_display()}.")
    return review
