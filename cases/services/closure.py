"""Stage 10: closing a case with a Home Office outcome, and Management of Police Information reviews."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from accounts.models import User
from accounts.roles import SUPERVISOR, roles_of
from cases import formats, rules
from cases.models import (
    Arrest,
    BailExtension,
    Case,
    ChargingSubmission,
    Closure,
    ClosureConfirmation,
    CourtHearing,
    CustodyReview,
    Device,
    RecordVersion,
    Release,
    RetentionReview,
    Search,
)
from cases.services.common import case_advance_stage, case_log_system, ensure_case_open, not_in_future
from cases.services.corrections import (
    Event,
    correction_apply,
    correction_start,
    not_after,
    reason_check,
    record_version_add,
)
from cases.services.custody import bail_current_end
from cases.services.versions import version_check, version_save

# The case-log line for a closure (the benchmark's bulk loader writes the same words).
LOG_CLOSED = "Case closed: outcome {outcome}."

CLOSURE_CHARGING_PENDING = "A charging submission is awaiting a CPS decision: record the decision before closing."
CLOSURE_BEFORE_CASE_OPENED = "The case cannot be closed before it was opened."
CLOSURE_OUTCOME_INVALID = "Choose a Home Office outcome type from the list."
CLOSURE_BEFORE_EVENT = "The case cannot be closed before an event recorded on it: {event} at {at}. Enter a later time."
CLOSURE_CHARGED_NEEDS_DECISION = (
    "Outcome 1 (charged or summonsed) needs a charging decision to charge, or a release on charge, recorded on "
    "the case first."
)
CLOSURE_CAUTION_NEEDS_DECISION = "A caution outcome needs a charging decision to caution recorded on the case first."
CLOSURE_SUSPECT_WAS_IDENTIFIED = (
    "Outcomes 14 and 18 are for a suspect not identified, but a suspect of this case was put to the CPS for a "
    "charging decision or charged: choose the outcome that applies to that suspect."
)
CLOSURE_CHARGE_CONTRADICTS_OUTCOME = (
    "A decision to charge, or a charge, is recorded on the case: outcome {outcome} says the case ended without "
    "one. Choose outcome 1 (charged or summonsed), or the outcome that applies."
)
CLOSURE_CPS_PUBLIC_INTEREST_NEEDS_DECISION = (
    "Outcome 9 is the CPS's decision that a prosecution is not in the public interest: record the CPS's "
    "charging decision of no further action on the case first."
)
CLOSURE_OUTSTANDING_NOT_CONFIRMED = (
    "The case cannot close while {item}: {todo}; or, as a supervisor, confirm that it may close although this "
    "is outstanding, and give a reason."
)
CLOSURE_CONFIRMATION_NEEDS_REASON = "Give a reason for confirming that the case may close although {item}."
CLOSURE_CONFIRMATION_NEEDS_SUPERVISOR = (
    "Only a supervisor can confirm that the case may close although {items}. Ask a supervisor of the case's team "
    "to close it."
)
CONFIRMATION_LABEL = "I confirm this case may close although {item}"
RETENTION_GROUP_INVALID = "Choose a MoPI retention group from the list."
RETENTION_CASE_NOT_CLOSED = "Retention reviews are recorded on closed cases only."
RETENTION_DECISION_INVALID = "A review decides to retain or dispose; the group is set at closure."
RETENTION_BEFORE_CLOSURE = "A retention review cannot be before the case was closed."
RETENTION_BEFORE_LAST_REVIEW = "A retention review cannot be before the last review."

# The parts of a case's file kept by apps above cases (warrants: WarrantsConfig.ready), as closure
# sees them: a check that refuses the closure (it raises ValidationError) while one of their records
# is outstanding, checked first; and the dated events recorded on the case that a closure cannot
# come before, each as (what happened, when or None).
ClosureCheck = Callable[[Case], None]
ClosureEvents = Callable[[Case], list[tuple[str, datetime | None]]]
_CLOSURE_CHECKS: list[ClosureCheck] = []
_CLOSURE_EVENTS: list[ClosureEvents] = []


def register_closure_part(*, check: ClosureCheck, events: ClosureEvents) -> None:
    """Have `case_close` run `check(case)` first and count `events(case)` among the case's events."""
    if check not in _CLOSURE_CHECKS:
        _CLOSURE_CHECKS.append(check)
    if events not in _CLOSURE_EVENTS:
        _CLOSURE_EVENTS.append(events)


# Outcomes that say no suspect was identified (Home Office outcomes 14 and 18).
NO_SUSPECT_OUTCOMES = {Closure.OutcomeType.EVIDENTIAL_NO_SUSPECT, Closure.OutcomeType.NO_SUSPECT_IDENTIFIED}
# Outcomes that say the case ended with no further action, for want of evidence or of public
# interest: each contradicts a decision to charge or a charge recorded on the case.
NO_FURTHER_ACTION_OUTCOMES = NO_SUSPECT_OUTCOMES | {
    Closure.OutcomeType.NOT_IN_PUBLIC_INTEREST_CPS,
    Closure.OutcomeType.NOT_IN_PUBLIC_INTEREST_POLICE,
    Closure.OutcomeType.EVIDENTIAL_SUSPECT_IDENTIFIED,
    Closure.OutcomeType.EVIDENTIAL_VICTIM_NOT_SUPPORTING,
    Closure.OutcomeType.FURTHER_INVESTIGATION_NOT_IN_PUBLIC_INTEREST,
}


@dataclass(frozen=True)
class OutstandingItem:
    """Something still to happen on a case at its closing time, that a supervisor may confirm the
    case can close without: `key` names the record (stable across requests), `label` says what is
    outstanding and `todo` what would settle it."""

    key: str
    label: str
    todo: str


def case_closure_outstanding(case: Case, closed_at: datetime) -> list[OutstandingItem]:
    """What is outstanding on `case` at `closed_at`: court hearings listed after it (every hearing
    dated in the future among them, as a closing time is never in the future), pre-charge bail
    running past it (its end with every extension) with no later release of the same person ending
    it, and full forensic examinations requested and not completed."""
    items = [
        OutstandingItem(
            key=f"hearing-{hearing.pk}",
            label=(
                f"a {hearing.get_hearing_type_display().lower()} hearing of {hearing.subject} at {hearing.court} "
                f"is listed for {formats.when(hearing.hearing_at)}"
            ),
            todo="close the case after the hearing, once its outcome is recorded",
        )
        for hearing in CourtHearing.objects.filter(case=case, hearing_at__gt=closed_at, withdrawn_at__isnull=True)
        .select_related("subject")
        .order_by("hearing_at", "id")
    ]
    releases = list(
        Release.objects.filter(arrest__case=case, withdrawn_at__isnull=True, arrest__withdrawn_at__isnull=True)
        .select_related("arrest__subject")
        .order_by("id")
    )
    for release in releases:
        if release.kind != Release.Kind.BAIL:
            continue
        # Bail after an arrest before 3 Apr 2017 had no statutory limit: it runs until it is answered.
        ends_at = bail_current_end(release) or release.answer_at
        ended = any(
            later.arrest.subject_id == release.arrest.subject_id and later.released_at > release.released_at
            for later in releases
        )
        # An application to the court made in time keeps it running until determined (PACE s.47ZJ(3)).
        pending = release.court_applied_at is not None and ends_at is not None and ends_at <= closed_at
        if (pending or ends_at is None or ends_at > closed_at) and not ended:
            until = formats.when(ends_at) if ends_at else "it is answered"
            if pending:
                until = "the court determines the application to extend it (PACE s.47ZJ(3))"
            items.append(
                OutstandingItem(
                    key=f"bail-{release.pk}",
                    label=f"pre-charge bail of {release.arrest.subject} runs until {until}",
                    todo=(
                        "record the release that ends it (released under investigation or charged), or close the "
                        "case after bail ends"
                    ),
                )
            )
    items.extend(
        OutstandingItem(
            key=f"forensic-{device.pk}",
            label=(
                f"the full forensic examination of device {device.exhibit_reference}, requested "
                f"{formats.when(device.forensic_requested_at)}, is not completed"
            ),
            todo="record the examination's completion",
        )
        for device in Device.objects.filter(
            case=case, forensic_requested_at__isnull=False, forensic_completed_at__isnull=True
        ).order_by("forensic_requested_at", "id")
    )
    return items


def _check_outstanding_confirmed(
    items: list[OutstandingItem], actor: User, confirmations: Mapping[str, str]
) -> dict[str, str]:
    """The reason given for each outstanding item; refused unless a supervisor confirmed every one
    with a reason. Errors are keyed `confirm_<key>`, the close form's checkbox for the item."""
    if not items:
        return {}
    if SUPERVISOR not in roles_of(actor):
        raise ValidationError(
            CLOSURE_CONFIRMATION_NEEDS_SUPERVISOR.format(items="; ".join(item.label for item in items))
        )
    errors: dict[str, str] = {}
    reasons: dict[str, str] = {}
    for item in items:
        if item.key not in confirmations:
            errors[f"confirm_{item.key}"] = CLOSURE_OUTSTANDING_NOT_CONFIRMED.format(item=item.label, todo=item.todo)
        elif not (confirmations[item.key] or "").strip():
            errors[f"reason_{item.key}"] = CLOSURE_CONFIRMATION_NEEDS_REASON.format(item=item.label)
        else:
            reasons[item.key] = confirmations[item.key].strip()
    if errors:
        raise ValidationError(errors)
    return reasons


def _latest_event(case: Case) -> tuple[str, datetime] | None:
    """The latest event recorded on the case that has happened (a hearing listed ahead has not)."""
    now = timezone.now()
    found: list[tuple[str, datetime | None]] = [
        (
            "an arrest",
            Arrest.objects.filter(case=case, withdrawn_at__isnull=True).aggregate(at=Max("arrested_at"))["at"],
        ),
        (
            "a release",
            Release.objects.filter(arrest__case=case, withdrawn_at__isnull=True).aggregate(at=Max("released_at"))["at"],
        ),
        (
            "a bail extension",
            BailExtension.objects.filter(release__arrest__case=case, withdrawn_at__isnull=True).aggregate(
                at=Max("approved_at")
            )["at"],
        ),
        (
            "a review of detention",
            CustodyReview.objects.filter(arrest__case=case, withdrawn_at__isnull=True).aggregate(at=Max("reviewed_at"))[
                "at"
            ],
        ),
        ("a search", Search.objects.filter(case=case, withdrawn_at__isnull=True).aggregate(at=Max("started_at"))["at"]),
        (
            "a court hearing",
            CourtHearing.objects.filter(case=case, hearing_at__lte=now, withdrawn_at__isnull=True).aggregate(
                at=Max("hearing_at")
            )["at"],
        ),
        (
            "a charging decision",
            case.charging_submissions.filter(withdrawn_at__isnull=True).aggregate(at=Max("decision_at"))["at"],
        ),
        *(event for events in _CLOSURE_EVENTS for event in events(case)),
        ("a forensic examination", Device.objects.filter(case=case).aggregate(at=Max("forensic_completed_at"))["at"]),
    ]
    dated = [(event, at) for event, at in found if at is not None]
    return max(dated, key=lambda item: item[1]) if dated else None


def _check_after_every_event(case: Case, closed_at: datetime) -> None:
    latest = _latest_event(case)
    if latest is not None and closed_at < latest[1]:
        raise ValidationError({"closed_at": CLOSURE_BEFORE_EVENT.format(event=latest[0], at=formats.when(latest[1]))})


def _standing(case: Case) -> set[str]:
    """The charging decisions that stand: the latest decision recorded for each person."""
    latest: dict[int, str] = {}
    decided = case.charging_submissions.filter(withdrawn_at__isnull=True).exclude(
        decision=ChargingSubmission.Decision.PENDING
    )
    for subject_id, decision in decided.order_by("decision_at", "id").values_list("subject_id", "decision"):
        latest[subject_id] = decision
    return set(latest.values())


def _check_outcome_agrees(case: Case, outcome_type: str) -> None:
    """The Home Office outcome agrees with the decisions recorded (docs/deadlines.md, "The outcome
    agrees with the decisions recorded"): charged (1) and cautioned (2, 3) need the decision; 9 the
    CPS's decision of no further action; suspect not identified (14, 18) no suspect put to the CPS or
    charged; and no outcome of no further action while a charge, or a decision to charge that
    stands, is recorded."""
    decisions = set(case.charging_submissions.filter(withdrawn_at__isnull=True).values_list("decision", flat=True))
    charged = Release.objects.filter(arrest__case=case, kind=Release.Kind.CHARGED, withdrawn_at__isnull=True).exists()
    charge_recorded = charged or ChargingSubmission.Decision.CHARGE in decisions
    if outcome_type == Closure.OutcomeType.CHARGED and not charge_recorded:
        raise ValidationError({"outcome_type": CLOSURE_CHARGED_NEEDS_DECISION})
    if outcome_type in NO_SUSPECT_OUTCOMES and (decisions or charged):
        raise ValidationError({"outcome_type": CLOSURE_SUSPECT_WAS_IDENTIFIED})
    if outcome_type in NO_FURTHER_ACTION_OUTCOMES and (
        charged or ChargingSubmission.Decision.CHARGE in _standing(case)
    ):
        label = Closure.OutcomeType(outcome_type).label
        raise ValidationError({"outcome_type": CLOSURE_CHARGE_CONTRADICTS_OUTCOME.format(outcome=label)})
    cps_no_further_action = ChargingSubmission.Decision.NO_FURTHER_ACTION in decisions
    if outcome_type == Closure.OutcomeType.NOT_IN_PUBLIC_INTEREST_CPS and not cps_no_further_action:
        raise ValidationError({"outcome_type": CLOSURE_CPS_PUBLIC_INTEREST_NEEDS_DECISION})
    cautioned = outcome_type in (Closure.OutcomeType.CAUTION_YOUTH, Closure.OutcomeType.CAUTION_ADULT)
    if cautioned and ChargingSubmission.Decision.CAUTION not in decisions:
        raise ValidationError({"outcome_type": CLOSURE_CAUTION_NEEDS_DECISION})


def closure_check_time(*, closed_at: datetime) -> None:
    """The closing time not in the future: the one rule on the closure form's own values, run by
    `case_close` and by its form beside the field checks (`cases.forms.fields.Form.service_checks`)."""
    not_in_future(closed_at, field="closed_at", label="The closure")


@transaction.atomic
def case_close(
    *,
    case: Case,
    actor: User,
    outcome_type: str,
    closed_at: datetime,
    rationale: str,
    retention_group: str,
    confirmations: Mapping[str, str] | None = None,
) -> Closure:
    """Close the case with a Home Office outcome and set its MoPI retention group.

    Refused while a warrant is issued, executed or expired but not returned to the court, or a
    charging submission awaits a decision; refused at a time before an event recorded on the case,
    and with an outcome the decisions recorded do not support (`_check_outcome_agrees`). What is
    outstanding at the closing time (`case_closure_outstanding`: a hearing listed ahead, bail
    running, a forensic examination not completed) holds the closure until a supervisor confirms
    each item: `confirmations` maps an item's key to the reason given. Each confirmation is kept
    (`ClosureConfirmation`) and written to the case log. Records the first retention review
    (decision "set") with its next review date computed by `rules.retention_next_review_at`.
    """
    Case.objects.select_for_update().get(pk=case.pk)  # one closure at a time; the caller's case stays current
    case.refresh_from_db(fields=["status", "stage", "version"])
    ensure_case_open(case)
    if outcome_type not in Closure.OutcomeType.values:
        raise ValidationError({"outcome_type": CLOSURE_OUTCOME_INVALID})
    if retention_group not in RetentionReview.Group.values:
        raise ValidationError({"retention_group": RETENTION_GROUP_INVALID})
    closure_check_time(closed_at=closed_at)
    if closed_at < case.opened_at:
        raise ValidationError({"closed_at": CLOSURE_BEFORE_CASE_OPENED})
    for check in _CLOSURE_CHECKS:
        check(case)
    pending = case.charging_submissions.filter(decision=ChargingSubmission.Decision.PENDING)
    if pending.filter(withdrawn_at__isnull=True).exists():
        raise ValidationError(CLOSURE_CHARGING_PENDING)
    _check_after_every_event(case, closed_at)
    _check_outcome_agrees(case, outcome_type)
    outstanding = case_closure_outstanding(case, closed_at)
    reasons = _check_outstanding_confirmed(outstanding, actor, confirmations or {})

    rationale = rationale.strip()
    closure = _closure_save(case, actor, outcome_type=outcome_type, closed_at=closed_at, rationale=rationale)
    for item in outstanding:
        ClosureConfirmation.objects.create(
            closure=closure,
            closing=closure.version,
            item_key=item.key,
            item=item.label,
            reason=reasons[item.key],
            confirmed_by=actor,
        )
        case_log_system(
            case=case,
            actor=actor,
            text=f"Closure confirmed by a supervisor although {item.label}. Reason: {reasons[item.key]}",
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
    case_log_system(case=case, actor=actor, text=LOG_CLOSED.format(outcome=closure.get_outcome_type_display()))
    case_advance_stage(case=case, stage=Case.Stage.CLOSED)
    case.status = Case.Status.CLOSED
    case.version += 1
    case.save(update_fields=["status", "version"])
    return closure


def retention_review_check_time(*, reviewed_at: datetime) -> None:
    """The review's time not in the future; also run by its form beside the field checks."""
    not_in_future(reviewed_at, field="reviewed_at", label="The review")


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
    retention_review_check_time(reviewed_at=reviewed_at)
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


CASE_REOPEN_NOT_CLOSED = "This case is open: only a closed case can be reopened."
CASE_REOPEN_NEEDS_SUPERVISOR = "Only a supervisor of the case's team can reopen a case."


def _closure_shown(closure: Closure) -> str:
    return (
        f"Closed {formats.when(closure.closed_at)} by {closure.closed_by}, outcome "
        f"{closure.get_outcome_type_display()}: {closure.rationale}"
    )


def _closure_save(case: Case, actor: User, *, outcome_type: str, closed_at: datetime, rationale: str) -> Closure:
    """The case's closure: made on the first closing; on closing again after a reopening, the same
    record takes the new values, and the closing before is kept in its history."""
    closure = Closure.objects.select_for_update().filter(case=case).first()
    if closure is None:
        return Closure.objects.create(
            case=case, outcome_type=outcome_type, closed_at=closed_at, closed_by=actor, rationale=rationale
        )
    closure.outcome_type, closure.closed_at, closure.closed_by, closure.rationale = (
        outcome_type,
        closed_at,
        actor,
        rationale,
    )
    closure.reopened_at = None
    version_save(closure, version=None, fields=["outcome_type", "closed_at", "closed_by", "rationale", "reopened_at"])
    record_version_add(
        case=case,
        record_type="closure",
        record=closure,
        actor=actor,
        kind=RecordVersion.Kind.CLOSED_AGAIN,
        reason=rationale,
        # The closing before is the "before" of the reopening's version.
        changes=[{"field": "status", "label": "Status", "before": "Reopened", "after": _closure_shown(closure)}],
        log_text=f"Case closed again after it was reopened. Rationale: {rationale}",
    )
    return closure


def _stage_from_records(case: Case) -> str:
    """How far along its path a reopened case is, from what is recorded on it."""
    if case.hearings.filter(withdrawn_at__isnull=True).exists():
        return Case.Stage.COURT
    if (
        case.charging_submissions.exists()
        or Release.objects.filter(arrest__case=case, kind=Release.Kind.CHARGED).exists()
    ):
        return Case.Stage.CHARGING
    if case.arrests.filter(withdrawn_at__isnull=True).exists():
        return Case.Stage.ARREST
    if case.searches.exists():
        return Case.Stage.SEARCH
    if case.warrants.filter(withdrawn_at__isnull=True).exists():
        return Case.Stage.WARRANT
    return Case.Stage.INVESTIGATION


@transaction.atomic
def case_reopen(*, case: Case, actor: User, reason: str, version: int | None = None) -> RecordVersion:
    """A supervisor reopens a closed case, with a reason: it is open again, at the stage its records
    show, and what was outstanding when it closed (deadlines, bail, hearings listed) is due again. The
    closure stays, marked reopened; closing again (`case_close`) gives it its new values, and each
    closing is kept in the closure's history."""
    Case.objects.select_for_update().get(pk=case.pk)
    case.refresh_from_db(fields=["status", "stage", "version"])
    if case.status != Case.Status.CLOSED:
        raise ValidationError(CASE_REOPEN_NOT_CLOSED)
    version_check(case, version=version)
    if SUPERVISOR not in roles_of(actor):
        raise ValidationError(CASE_REOPEN_NEEDS_SUPERVISOR)
    reason_check(reason=reason)
    closure = Closure.objects.select_for_update().get(case=case)
    closure.reopened_at = timezone.now()
    version_save(closure, version=None, fields=["reopened_at"])
    result = record_version_add(
        case=case,
        record_type="closure",
        record=closure,
        actor=actor,
        kind=RecordVersion.Kind.REOPENED,
        reason=reason,
        changes=[{"field": "status", "label": "Status", "before": _closure_shown(closure), "after": "Reopened"}],
        log_text=f"Case reopened. Reason: {reason.strip()}",
    )
    case.status = Case.Status.OPEN
    case.stage = _stage_from_records(case)
    case.version += 1
    case.save(update_fields=["status", "stage", "version"])
    return result


CLOSURE_CORRECT_NOT_CLOSED = (
    "The case is open again: its closure is given new values when the case is closed again, not corrected."
)
CLOSURE_CORRECT_NEEDS_SUPERVISOR = "Only a supervisor of the case's team can correct the closure of a case."
CLOSURE_CORRECT_NEW_OUTSTANDING = (
    "At that closing time {item}, which was not outstanding when the case was closed: keep a later time, or "
    "reopen the case and close it again, so that a supervisor confirms it."
)


@transaction.atomic
def closure_correct(
    *,
    closure: Closure,
    actor: User,
    reason: str,
    outcome_type: str,
    closed_at: datetime,
    rationale: str,
    version: int | None = None,
) -> RecordVersion:
    """A supervisor corrects the closure of a closed case (its Home Office outcome, its closing time,
    its rationale), with a reason, while the case stays closed: the one correction made on a closed
    case. The rules of `case_close` run again: the outcome agrees with the decisions recorded, the
    closing time is after every event recorded on the case and before every retention review, and it
    leaves nothing outstanding that was not outstanding (and so confirmed) at the closing time before.
    The first retention review, made at the closing, follows the closing time, with its next review
    date worked out again."""
    case = closure.case
    if SUPERVISOR not in roles_of(actor):
        raise ValidationError(CLOSURE_CORRECT_NEEDS_SUPERVISOR)
    locked = correction_start(case=case, record=closure, reason=reason, version=version, check_open=False)
    if case.status != Case.Status.CLOSED or locked.reopened_at is not None:
        raise ValidationError(CLOSURE_CORRECT_NOT_CLOSED)
    if outcome_type not in Closure.OutcomeType.values:
        raise ValidationError({"outcome_type": CLOSURE_OUTCOME_INVALID})
    closure_check_time(closed_at=closed_at)
    if closed_at < case.opened_at:
        raise ValidationError({"closed_at": CLOSURE_BEFORE_CASE_OPENED})
    _check_after_every_event(case, closed_at)
    _check_outcome_agrees(case, outcome_type)
    set_review = case.retention_reviews.filter(decision=RetentionReview.Decision.SET).order_by("-id").first()
    later_reviews = case.retention_reviews.exclude(decision=RetentionReview.Decision.SET)
    if set_review is not None:
        later_reviews = later_reviews.filter(id__gt=set_review.pk)
    not_after(
        closed_at,
        [Event(f"the retention review of {formats.when(r.reviewed_at)}", r.reviewed_at) for r in later_reviews],
        field="closed_at",
        label="The closure",
    )
    before = {item.key for item in case_closure_outstanding(case, locked.closed_at)}
    for item in case_closure_outstanding(case, closed_at):
        if item.key not in before:
            raise ValidationError({"closed_at": CLOSURE_CORRECT_NEW_OUTSTANDING.format(item=item.label)})
    result = correction_apply(
        case=case,
        record_type="closure",
        record=locked,
        actor=actor,
        reason=reason,
        version=version,
        values={"outcome_type": outcome_type, "closed_at": closed_at, "rationale": rationale},
        describe="Closure of the case",
    )
    if set_review is not None and set_review.reviewed_at != closed_at:
        set_review.reviewed_at = closed_at
        set_review.next_review_at = rules.retention_next_review_at(
            reviewed_at=closed_at, retention_group=set_review.retention_group
        )
        set_review.save(update_fields=["reviewed_at", "next_review_at"])
    return result
