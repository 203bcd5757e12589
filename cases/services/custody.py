"""Stages 5 and 6: arrest and custody, release pending a charging decision, and pre-charge bail.

The PACE custody clock and the pre-charge bail periods are computed by `cases.rules`; these
services check what is typed against them and store the computed dates.
"""

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import capfirst

from accounts.models import User
from cases import formats, rules
from cases.models import (
    Arrest,
    BailBreach,
    BailExtension,
    Case,
    CustodyExtension,
    CustodyReview,
    Offence,
    RecordVersion,
    Release,
    Subject,
)
from cases.services.common import (
    all_problems,
    case_advance_stage,
    case_log_system,
    ensure_case_open,
    not_in_future,
)
from cases.services.corrections import (
    Event,
    correction_apply,
    correction_start,
    ensure_current,
    first_dependant,
    not_after,
    not_before,
)

ARREST_SUBJECT_OTHER_CASE = "The subject must be a suspect on this case."
ARREST_NEEDS_OFFENCE = "Choose at least one suspected offence."
ARREST_OFFENCE_NOT_IN_CATALOGUE = "Suspected offences must come from the active offence catalogue."
ARREST_BEFORE_CASE_OPENED = "The arrest cannot be before the case was opened."
RELEVANT_TIME_BEFORE_ARREST = "The relevant time cannot be before the arrest."
LEFT_CUSTODY_BEFORE_ARREST = "Leaving custody cannot be before the arrest."
LEFT_CUSTODY_BEFORE_RELEVANT_TIME = "Leaving custody cannot be before the relevant time."

CUSTODY_NEEDS_RELEVANT_TIME = "Record the relevant time on the arrest before recording an extension of detention."
CUSTODY_AUTHORISED_BEFORE_RELEVANT_TIME = "An extension cannot be authorised before the relevant time."
CUSTODY_AUTHORISED_AFTER_LEAVING = "An extension cannot be authorised after the suspect left custody."
CUSTODY_SUPERINTENDENT_ALREADY = "A superintendent has already extended this detention (PACE s.42)."
CUSTODY_SUPERINTENDENT_AFTER_24H = (
    "A superintendent must authorise further detention within 24 hours of the relevant time (PACE s.42(4))."
)
CUSTODY_SUPERINTENDENT_BEYOND_36H = (
    "A superintendent can authorise detention to at most 36 hours after the relevant time (PACE s.42(1))."
)
CUSTODY_WARRANT_NEEDS_SUPERINTENDENT = (
    "A warrant of further detention follows a superintendent's extension (PACE s.42): record that first."
)
CUSTODY_WARRANT_ALREADY = "A warrant of further detention is already recorded: record an extension of it (PACE s.44)."
CUSTODY_WARRANT_EXTENSION_NEEDS_WARRANT = (
    "An extension of a warrant of further detention needs the warrant (PACE s.43) recorded first."
)
CUSTODY_WARRANT_BEYOND_LIMIT = (
    "A warrant of further detention or its extension runs at most 36 hours from its issue and never beyond "
    "96 hours after the relevant time (PACE ss.43(12), 44(3))."
)
CUSTODY_SUPERINTENDENT_BEFORE_SECOND_REVIEW = (
    "A superintendent cannot authorise further detention before the second review of detention has been "
    "carried out (PACE s.42(4)(b)): record the reviews first."
)
CUSTODY_WARRANT_APPLIED_AT_REQUIRED = "Enter when the warrant of further detention was applied for (PACE s.43(5))."
CUSTODY_WARRANT_APPLIED_ONLY_FOR_WARRANT = "An application time is recorded only for a warrant of further detention."
CUSTODY_WARRANT_APPLIED_BEFORE_RELEVANT_TIME = "The application cannot be before the relevant time."
CUSTODY_WARRANT_ISSUED_BEFORE_APPLIED = "A warrant of further detention cannot be issued before it was applied for."
CUSTODY_WARRANT_APPLIED_TOO_LATE = (
    "An application for a warrant of further detention must be made within 36 hours of the relevant time "
    "(by {latest}), or, where the court could not sit then but sat within the 6 hours after, within 42 hours "
    "(PACE s.43(5))."
)
CUSTODY_REVIEW_BEFORE_RELEVANT_TIME = "A review of detention cannot be before the relevant time."
CUSTODY_REVIEW_AFTER_LEAVING = "A review of detention cannot be after the suspect left custody."
CUSTODY_REVIEW_BEFORE_PREVIOUS = "Reviews are a history: this review cannot be before the last one recorded."
CUSTODY_REVIEW_NEEDS_RELEVANT_TIME = "Record the relevant time on the arrest before recording a review of detention."
CUSTODY_REVIEW_OFFICER_REQUIRED = "Enter the name and rank of the review officer."
CUSTODY_NOT_LATER_THAN_PREVIOUS = "Detention must be authorised to a later time than the previous extension."

RELEASE_BEFORE_ARREST = "The release cannot be before the arrest."
RELEASE_BEFORE_PREVIOUS = "Releases are a history: this release cannot be before the last one recorded."
RELEASE_STILL_ON_BAIL = (
    "The suspect is still on pre-charge bail for this arrest at that time: extend that bail, "
    "or record the release that ended it first."
)
BAIL_BEFORE_2017_NEEDS_ANSWER = (
    "Enter the date and time to answer bail: bail after an arrest before 3 Apr 2017 had no statutory "
    "time limit, so the time to answer it is its only date."
)
BAIL_CONDITIONS_ONLY_ON_BAIL = "Bail conditions are recorded only for pre-charge bail."
BAIL_ANSWER_ONLY_ON_BAIL = "A date and place to answer bail are recorded only for pre-charge bail."
BAIL_ANSWER_BEFORE_RELEASE = "The time to answer bail must be after the release."
BAIL_ANSWER_AFTER_END = "The time to answer bail must be on or before the last day of bail, {end} (PACE s.47ZA(2))."
BAIL_EXTEND_NO_LIMIT = (
    "Bail after an arrest before 3 Apr 2017 had no statutory time limit and is not extended: record "
    "a new release on bail with its new date to answer bail."
)
BAIL_BREACH_NOT_BAIL = "A breach of bail is recorded only on a release on pre-charge bail."
BAIL_BREACH_BEFORE_RELEASE = "The breach cannot be before the release on bail."
BAIL_BREACH_AFTER_END = "The breach cannot be after this bail ended ({end})."
BAIL_BREACH_DESCRIPTION_REQUIRED = "Say what happened: the condition broken, or the failure to answer bail."

BAIL_EXTEND_NOT_BAIL = "Only pre-charge bail can be extended."
BAIL_EXTEND_SUPERSEDED = "This bail was ended by a later release and cannot be extended."
BAIL_EXTEND_WRONG_RANK = "Under this bail regime the next extension must be approved by: {rank}."
BAIL_EXTEND_BEFORE_RELEASE = "An extension cannot be approved before the suspect was bailed."
BAIL_EXTEND_AFTER_END = (
    "Bail lapsed at the end of {end}: an extension must be approved before the bail ends "
    "(PACE ss.47ZD-47ZF). Bail that has lapsed cannot be extended."
)
BAIL_PERIOD_OVER = (
    "The applicable bail period for this arrest ended at the end of {end} (PACE s.47ZB): pre-charge bail cannot "
    "start after it. Record released under investigation, or the extension that was given."
)
BAIL_EXTEND_NEW_END_REQUIRED = "Enter the last day of bail set by the magistrates' court."
BAIL_EXTEND_NEW_END_COMPUTED = (
    "The new end of bail is computed for an inspector or superintendent (PACE ss.47ZD-47ZE): leave it blank."
)
BAIL_EXTEND_NEW_END_NOT_LATER = "The new last day of bail must be after the current last day."

CHOICE_INVALID = "Choose one of the options offered."


def _choice(choices: Any, value: str, field: str) -> Any:
    """One of the model's choices, or a ValidationError on `field` (importers pass raw strings)."""
    try:
        return choices(value)
    except ValueError:
        raise ValidationError({field: CHOICE_INVALID}) from None


def arrest_check_times(
    *, arrested_at: datetime, relevant_time: datetime | None = None, left_custody_at: datetime | None = None
) -> None:
    """An arrest's own times: none in the future, the relevant time and leaving custody not before the
    arrest, leaving custody not before the relevant time. Also run by its form beside the field checks."""

    def relevant_in_order() -> None:
        if relevant_time is not None and relevant_time < arrested_at:
            raise ValidationError({"relevant_time": RELEVANT_TIME_BEFORE_ARREST})

    def left_in_order() -> None:
        if left_custody_at is not None and left_custody_at < arrested_at:
            raise ValidationError({"left_custody_at": LEFT_CUSTODY_BEFORE_ARREST})
        if left_custody_at is not None and relevant_time is not None and left_custody_at < relevant_time:
            raise ValidationError({"left_custody_at": LEFT_CUSTODY_BEFORE_RELEVANT_TIME})

    all_problems(
        lambda: not_in_future(arrested_at, field="arrested_at", label="The arrest"),
        lambda: not_in_future(relevant_time, field="relevant_time", label="The relevant time"),
        relevant_in_order,
        lambda: not_in_future(left_custody_at, field="left_custody_at", label="Leaving custody"),
        left_in_order,
    )


@transaction.atomic
def arrest_record(
    *,
    case: Case,
    actor: User,
    subject: Subject,
    arrested_at: datetime,
    suspected_offences: Iterable[Offence],
    custody_reference: str = "",
    relevant_time: datetime | None = None,
    left_custody_at: datetime | None = None,
) -> Arrest:
    """Record an arrest of a suspect on this case. The case must already be open at the arrest time:
    an import of historical data opens the case at its real date first."""
    ensure_case_open(case)
    offences = list(suspected_offences)
    if subject.case_id != case.pk:
        raise ValidationError({"subject": ARREST_SUBJECT_OTHER_CASE})
    ensure_current(subject, "subject")
    if not offences:
        raise ValidationError({"suspected_offences": ARREST_NEEDS_OFFENCE})
    if any(not offence.active for offence in offences):
        raise ValidationError({"suspected_offences": ARREST_OFFENCE_NOT_IN_CATALOGUE})
    arrest_check_times(arrested_at=arrested_at, relevant_time=relevant_time, left_custody_at=left_custody_at)
    if arrested_at < case.opened_at:
        raise ValidationError({"arrested_at": ARREST_BEFORE_CASE_OPENED})

    arrest = Arrest.objects.create(
        case=case,
        subject=subject,
        arrested_at=arrested_at,
        arresting_officer=actor,
        custody_reference=custody_reference.strip(),
        relevant_time=relevant_time,
        left_custody_at=left_custody_at,
    )
    arrest.suspected_offences.set(offences)
    case_log_system(case=case, actor=actor, text=f"Arrest of {subject} recorded ({formats.when(arrested_at)}).")
    case_advance_stage(case=case, stage=Case.Stage.ARREST)
    return arrest


def custody_extension_check_times(*, authorised_at: datetime, applied_at: datetime | None = None) -> None:
    """An extension's authorisation and application are not in the future. Also run by its form
    beside the field checks."""
    all_problems(
        lambda: not_in_future(authorised_at, field="authorised_at", label="The authorisation"),
        lambda: not_in_future(applied_at, field="applied_at", label="The application"),
    )


def custody_extension_check_application(
    *, authority: str, authorised_at: datetime, applied_at: datetime | None = None
) -> None:
    """An application time is given for a warrant of further detention and for nothing else, and the
    warrant is not issued before it was applied for (PACE s.43(5)). Also run by its form beside the
    field checks."""
    wofd = authority == CustodyExtension.Authority.WARRANT_OF_FURTHER_DETENTION
    if wofd and applied_at is None:
        raise ValidationError({"applied_at": CUSTODY_WARRANT_APPLIED_AT_REQUIRED})
    if not wofd and applied_at is not None:
        raise ValidationError({"applied_at": CUSTODY_WARRANT_APPLIED_ONLY_FOR_WARRANT})
    if wofd and applied_at is not None and authorised_at < applied_at:
        raise ValidationError({"authorised_at": CUSTODY_WARRANT_ISSUED_BEFORE_APPLIED})


@transaction.atomic
def custody_extension_record(
    *,
    arrest: Arrest,
    actor: User,
    authority: str,
    authorised_at: datetime,
    authorised_by: str,
    detention_until: datetime,
    applied_at: datetime | None = None,
    court_not_sitting: bool = False,
) -> CustodyExtension:
    """Record authority to detain beyond 24 hours, in the order PACE gives it.

    A superintendent first (once, within 24 hours and not before the second review of detention, to
    at most 36 hours: s.42(1), (4)), then one warrant of further detention (s.43), applied for within
    36 hours of the relevant time or, where the court could not sit then but sat within the 6 hours
    after, within 42 hours (s.43(5)); then any extensions of it (s.44). Each warrant or extension
    runs at most 36 hours from its issue and never beyond 96 hours after the relevant time.
    """
    case = arrest.case
    ensure_case_open(case)
    ensure_current(arrest)
    authority = _choice(CustodyExtension.Authority, authority, "authority")
    relevant = arrest.relevant_time
    if relevant is None:
        raise ValidationError({"authority": CUSTODY_NEEDS_RELEVANT_TIME})
    all_problems(
        lambda: custody_extension_check_times(authorised_at=authorised_at, applied_at=applied_at),
        lambda: custody_extension_check_application(
            authority=authority, authorised_at=authorised_at, applied_at=applied_at
        ),
    )
    if authorised_at < relevant:
        raise ValidationError({"authorised_at": CUSTODY_AUTHORISED_BEFORE_RELEVANT_TIME})
    if arrest.left_custody_at is not None and authorised_at > arrest.left_custody_at:
        raise ValidationError({"authorised_at": CUSTODY_AUTHORISED_AFTER_LEAVING})

    previous = list(arrest.custody_extensions.order_by("authorised_at", "id"))
    kinds = {extension.authority for extension in previous}
    wofd = authority == CustodyExtension.Authority.WARRANT_OF_FURTHER_DETENTION
    if authority == CustodyExtension.Authority.SUPERINTENDENT:
        if kinds:
            raise ValidationError({"authority": CUSTODY_SUPERINTENDENT_ALREADY})
        if authorised_at > rules.custody_limit_at(relevant):
            raise ValidationError({"authorised_at": CUSTODY_SUPERINTENDENT_AFTER_24H})
        if arrest.custody_reviews.filter(reviewed_at__lte=authorised_at).count() < 2:
            raise ValidationError({"authorised_at": CUSTODY_SUPERINTENDENT_BEFORE_SECOND_REVIEW})
        if detention_until > rules.custody_superintendent_limit_at(relevant):
            raise ValidationError({"detention_until": CUSTODY_SUPERINTENDENT_BEYOND_36H})
    else:
        if CustodyExtension.Authority.SUPERINTENDENT not in kinds:
            raise ValidationError({"authority": CUSTODY_WARRANT_NEEDS_SUPERINTENDENT})
        has_warrant = CustodyExtension.Authority.WARRANT_OF_FURTHER_DETENTION in kinds
        if authority == CustodyExtension.Authority.WARRANT_OF_FURTHER_DETENTION and has_warrant:
            raise ValidationError({"authority": CUSTODY_WARRANT_ALREADY})
        if authority == CustodyExtension.Authority.EXTENSION_OF_WARRANT and not has_warrant:
            raise ValidationError({"authority": CUSTODY_WARRANT_EXTENSION_NEEDS_WARRANT})
        if wofd:
            _check_warrant_application(relevant, applied_at, court_not_sitting=court_not_sitting)
        if detention_until > rules.custody_warrant_limit_at(relevant_time=relevant, issued_at=authorised_at):
            raise ValidationError({"detention_until": CUSTODY_WARRANT_BEYOND_LIMIT})
    current_limit = previous[-1].detention_until if previous else rules.custody_limit_at(relevant)
    if detention_until <= current_limit or detention_until <= authorised_at:
        raise ValidationError({"detention_until": CUSTODY_NOT_LATER_THAN_PREVIOUS})

    extension = CustodyExtension.objects.create(
        arrest=arrest,
        authority=authority,
        authorised_at=authorised_at,
        authorised_by=authorised_by.strip(),
        detention_until=detention_until,
        applied_at=applied_at,
        court_not_sitting=court_not_sitting and wofd,
    )
    case_log_system(
        case=case,
        actor=actor,
        text=(
            f"{extension.get_authority_display()} for {arrest.subject}: "
            f"detention until {formats.when(detention_until)}."
        ),
    )
    return extension


def _check_warrant_application(relevant: datetime, applied_at: datetime | None, *, court_not_sitting: bool) -> None:
    """PACE s.43(5): when a warrant of further detention may be applied for, against the arrest's
    relevant time (the application's own values are checked by `custody_extension_check_application`)."""
    if applied_at is None:  # refused by custody_extension_check_application; kept for the type checker
        raise ValidationError({"applied_at": CUSTODY_WARRANT_APPLIED_AT_REQUIRED})
    if applied_at < relevant:
        raise ValidationError({"applied_at": CUSTODY_WARRANT_APPLIED_BEFORE_RELEVANT_TIME})
    if applied_at > rules.custody_warrant_application_latest(relevant, court_not_sitting=court_not_sitting):
        latest = rules.custody_warrant_application_latest(relevant, court_not_sitting=False)
        raise ValidationError({"applied_at": CUSTODY_WARRANT_APPLIED_TOO_LATE.format(latest=formats.when(latest))})


def custody_review_check_time(*, reviewed_at: datetime) -> None:
    """A review's own time: not in the future. Also run by its form beside the field checks (whose
    own required check names the review officer)."""
    not_in_future(reviewed_at, field="reviewed_at", label="The review")


@transaction.atomic
def custody_review_record(*, arrest: Arrest, actor: User, reviewed_at: datetime, review_officer: str) -> CustodyReview:
    """Record a review of detention (PACE s.40), so that the next is due 9 hours after it (s.40(3))
    and a superintendent's authorisation can follow the second (s.42(4)(b))."""
    ensure_case_open(arrest.case)
    ensure_current(arrest)
    if arrest.relevant_time is None:
        raise ValidationError({"reviewed_at": CUSTODY_REVIEW_NEEDS_RELEVANT_TIME})
    review_officer = review_officer.strip()
    if not review_officer:
        raise ValidationError({"review_officer": CUSTODY_REVIEW_OFFICER_REQUIRED})
    custody_review_check_time(reviewed_at=reviewed_at)
    if reviewed_at < arrest.relevant_time:
        raise ValidationError({"reviewed_at": CUSTODY_REVIEW_BEFORE_RELEVANT_TIME})
    if arrest.left_custody_at is not None and reviewed_at > arrest.left_custody_at:
        raise ValidationError({"reviewed_at": CUSTODY_REVIEW_AFTER_LEAVING})
    last = arrest.custody_reviews.filter(withdrawn_at__isnull=True).order_by("-reviewed_at").first()
    if last is not None and reviewed_at < last.reviewed_at:
        raise ValidationError({"reviewed_at": CUSTODY_REVIEW_BEFORE_PREVIOUS})
    review = CustodyReview.objects.create(
        arrest=arrest, reviewed_at=reviewed_at, review_officer=review_officer, recorded_by=actor
    )
    case_log_system(
        case=arrest.case,
        actor=actor,
        text=f"Review of detention of {arrest.subject} by {review_officer} ({formats.when(reviewed_at)}).",
    )
    return review


def bail_current_end(release: Release) -> datetime | None:
    """The end of bail now: the latest extension's end, or the initial end; None for bail after an
    arrest before 3 Apr 2017, which had no statutory time limit."""
    last = release.bail_extensions.order_by("-new_end").first()
    return last.new_end if last else release.bail_ends_at


def release_check_details(
    *,
    kind: str,
    released_at: datetime,
    bail_conditions: str = "",
    answer_at: datetime | None = None,
    answer_place: str = "",
) -> None:
    """A release's own values: not in the future; bail conditions and a date and place to answer bail
    only for pre-charge bail, and the time to answer bail after the release. Also run by its form
    beside the field checks."""
    on_bail = kind == Release.Kind.BAIL

    def conditions() -> None:
        if not on_bail and bail_conditions.strip():
            raise ValidationError({"bail_conditions": BAIL_CONDITIONS_ONLY_ON_BAIL})

    def answer() -> None:
        if not on_bail and (answer_at is not None or answer_place.strip()):
            raise ValidationError({"answer_at" if answer_at is not None else "answer_place": BAIL_ANSWER_ONLY_ON_BAIL})
        if on_bail and answer_at is not None and answer_at <= released_at:
            raise ValidationError({"answer_at": BAIL_ANSWER_BEFORE_RELEASE})

    all_problems(lambda: not_in_future(released_at, field="released_at", label="The release"), conditions, answer)


def _bail_terms(
    arrest: Arrest, *, kind: str, released_at: datetime, answer_at: datetime | None
) -> tuple[str, datetime | None]:
    """The bail regime and end of a release of `kind`, computed from the arrest (`release_record`);
    ("", None) for a release other than bail."""
    if kind != Release.Kind.BAIL:
        return "", None
    ends_at = None
    try:
        regime = rules.bail_regime_for_arrest(arrest.arrested_at)
    except rules.NoRuleInForce:
        regime = Release.BailRegime.PRE_2017
        if answer_at is None:
            raise ValidationError({"answer_at": BAIL_BEFORE_2017_NEEDS_ANSWER}) from None
    else:
        ends_at = rules.bail_initial_end(regime=regime, arrested_at=arrest.arrested_at)
        if ends_at <= released_at:
            raise ValidationError({"released_at": BAIL_PERIOD_OVER.format(end=formats.day(ends_at))})
    if answer_at is not None and ends_at is not None and answer_at > ends_at:
        raise ValidationError({"answer_at": BAIL_ANSWER_AFTER_END.format(end=formats.day(ends_at))})
    return regime, ends_at


@transaction.atomic
def release_record(
    *,
    arrest: Arrest,
    actor: User,
    kind: str,
    released_at: datetime,
    bail_conditions: str = "",
    answer_at: datetime | None = None,
    answer_place: str = "",
) -> Release:
    """Record how the suspect left custody pending a decision.

    Releases on one arrest are a history, recorded in time order: for example bail, then released
    under investigation when bail is not extended, then charged. A new pre-charge bail is refused
    while the latest release is a bail still running at the new release time (extend it instead);
    any later release supersedes an earlier bail. Bail regime and end are computed from the ARREST:
    the regime by its UK date (`rules.bail_rule_for_arrest`), and the period counted beginning with
    the bail start date, the day after the day of the arrest (PACE s.47ZB(4)(a)), whatever the time
    of release; it ends at the end of its last day.

    Bail after an arrest before 3 Apr 2017 is recorded with no end: the time limits of PACE
    ss.47ZA-47ZM, inserted by the Policing and Crime Act 2017, apply to arrests from that date, and
    before it pre-charge bail had no statutory time limit. Such bail needs its time to answer bail.

    The time and police station at which the person is to attend (PACE s.47(3)(c)) are optional
    for other bail; the time is after the release and on or before the last day of the applicable
    bail period (s.47ZA(2)).
    """
    case = arrest.case
    ensure_case_open(case)
    ensure_current(arrest)
    kind = _choice(Release.Kind, kind, "kind")
    release_check_details(
        kind=kind,
        released_at=released_at,
        bail_conditions=bail_conditions,
        answer_at=answer_at,
        answer_place=answer_place,
    )
    if released_at < arrest.arrested_at:
        raise ValidationError({"released_at": RELEASE_BEFORE_ARREST})
    latest = arrest.releases.filter(withdrawn_at__isnull=True).order_by("-released_at", "-id").first()
    if latest is not None and released_at < latest.released_at:
        raise ValidationError({"released_at": RELEASE_BEFORE_PREVIOUS})
    bail_conditions, answer_place = bail_conditions.strip(), answer_place.strip()
    if kind == Release.Kind.BAIL:
        running_end = bail_current_end(latest) if latest is not None and latest.kind == Release.Kind.BAIL else None
        if running_end is not None and running_end > released_at:
            raise ValidationError({"kind": RELEASE_STILL_ON_BAIL})
    regime, ends_at = _bail_terms(arrest, kind=kind, released_at=released_at, answer_at=answer_at)

    release = Release.objects.create(
        arrest=arrest,
        kind=kind,
        released_at=released_at,
        bail_regime=regime,
        bail_ends_at=ends_at,
        bail_conditions=bail_conditions,
        answer_at=answer_at,
        answer_place=answer_place,
        recorded_by=actor,
    )
    text = f"{release.get_kind_display()} of {arrest.subject} recorded ({formats.when(released_at)})"
    if ends_at is not None:
        text += f"; bail ends {formats.when(ends_at)}"
    elif kind == Release.Kind.BAIL:
        text += f"; {release.get_bail_regime_display()}"
    if answer_at is not None or answer_place:
        text += f"; {release.answer_text}"
    case_log_system(case=case, actor=actor, text=text + ".")
    if kind == Release.Kind.CHARGED:
        case_advance_stage(case=case, stage=Case.Stage.CHARGING)
    return release


def bail_next_rank(release: Release) -> str:
    """The rank that must approve the next extension: the regime's ladder, then the court again."""
    ladder = [limit.rank for limit in rules.BAIL_LIMITS.get(release.bail_regime, [])]
    done = release.bail_extensions.count()
    return ladder[done] if done < len(ladder) else BailExtension.ApproverRank.MAGISTRATES


def bail_extension_check_approved_at(*, approved_at: datetime) -> None:
    """An extension's approval is not in the future. Also run by its form beside the field checks."""
    not_in_future(approved_at, field="approved_at", label="The approval")


def bail_extension_check_new_end(*, approver_rank: str, new_end: date | datetime | None = None) -> None:
    """A last day of bail is typed for the magistrates' court only: a police extension's end is
    computed. Also run by its form beside the field checks."""
    by_court = approver_rank == BailExtension.ApproverRank.MAGISTRATES
    if by_court and new_end is None:
        raise ValidationError({"new_end": BAIL_EXTEND_NEW_END_REQUIRED})
    if not by_court and new_end is not None:
        raise ValidationError({"new_end": BAIL_EXTEND_NEW_END_COMPUTED})


@transaction.atomic
def bail_extend(
    *,
    release: Release,
    actor: User,
    approved_at: datetime,
    approved_by: str,
    approver_rank: str,
    new_end: date | datetime | None = None,
) -> BailExtension:
    """Extend pre-charge bail by the next authority on the regime's ladder.

    2022 regime: inspector to 6 months (PACE s.47ZD), superintendent to 9 months (s.47ZDA), then
    the magistrates' court (s.47ZF); 2017 regime: superintendent to 3 months (s.47ZD as then in
    force), then the court. Police extensions are periods beginning with the bail start date (the
    day after the arrest, s.47ZB(4)(a)), computed, ending at the end of their last day; the court
    sets its own last day, which must be after the current end. An extension must be approved
    before the current bail ends: lapsed bail cannot be extended.
    """
    release = Release.objects.select_for_update().select_related("arrest__case", "arrest__subject").get(pk=release.pk)
    case = release.arrest.case
    ensure_case_open(case)
    if release.kind != Release.Kind.BAIL:
        raise ValidationError(BAIL_EXTEND_NOT_BAIL)
    if release.bail_regime == Release.BailRegime.PRE_2017:
        raise ValidationError(BAIL_EXTEND_NO_LIMIT)
    if release.arrest.releases.filter(released_at__gte=release.released_at).exclude(pk=release.pk).exists():
        raise ValidationError(BAIL_EXTEND_SUPERSEDED)
    expected = BailExtension.ApproverRank(bail_next_rank(release))
    if approver_rank != expected:
        raise ValidationError({"approver_rank": BAIL_EXTEND_WRONG_RANK.format(rank=expected.label)})
    all_problems(
        lambda: bail_extension_check_approved_at(approved_at=approved_at),
        lambda: bail_extension_check_new_end(approver_rank=expected, new_end=new_end),
    )
    if approved_at < release.released_at:
        raise ValidationError({"approved_at": BAIL_EXTEND_BEFORE_RELEASE})
    current_end = bail_current_end(release)
    if current_end is None:  # bail with a statutory limit always has an end; kept as a guard
        raise ValidationError(BAIL_EXTEND_NO_LIMIT)
    if approved_at >= current_end:
        raise ValidationError({"approved_at": BAIL_EXTEND_AFTER_END.format(end=formats.day(current_end))})
    if expected == BailExtension.ApproverRank.MAGISTRATES:
        if new_end is None:  # refused by bail_extension_check_new_end; kept for the type checker
            raise ValidationError({"new_end": BAIL_EXTEND_NEW_END_REQUIRED})
        # The court's extension, like every bail period, ends at the end of its last day (s.47ZF(4)).
        new_end = rules.end_of_uk_day(new_end if not isinstance(new_end, datetime) else rules.uk_date(new_end))
        if new_end <= current_end:
            raise ValidationError({"new_end": BAIL_EXTEND_NEW_END_NOT_LATER})
    else:
        new_end = rules.bail_extension_end(
            regime=release.bail_regime, arrested_at=release.arrest.arrested_at, approver_rank=expected
        )
        if new_end is None or new_end <= current_end:  # the ladder always extends; kept as a guard
            raise ValidationError({"approver_rank": BAIL_EXTEND_NEW_END_NOT_LATER})

    extension = BailExtension.objects.create(
        release=release,
        approved_at=approved_at,
        approved_by=approved_by.strip(),
        approver_rank=expected,
        previous_end=current_end,
        new_end=new_end,
    )
    case_log_system(
        case=case,
        actor=actor,
        text=f"Bail of {release.arrest.subject} extended to {formats.when(new_end)} ({expected.label}).",
    )
    return extension


def bail_breach_check_time(*, occurred_at: datetime) -> None:
    """A breach of bail is recorded after it happened (the form shows this with its own checks)."""
    not_in_future(occurred_at, field="occurred_at", label="The breach")


@transaction.atomic
def bail_breach_record(*, release: Release, actor: User, occurred_at: datetime, description: str) -> BailBreach:
    """Record a breach of pre-charge bail: a failure to attend at the police station at the time
    appointed, or a condition of bail broken (grounds for arrest without warrant, PACE s.46A(1),
    (1A)). The breach happened while this bail ran: after the release, before a later release
    replaced it and before its end. The person recording it is who noted it."""
    release = Release.objects.select_for_update().select_related("arrest__case", "arrest__subject").get(pk=release.pk)
    case = release.arrest.case
    ensure_case_open(case)
    if release.kind != Release.Kind.BAIL:
        raise ValidationError(BAIL_BREACH_NOT_BAIL)
    description = description.strip()
    if not description:
        raise ValidationError({"description": BAIL_BREACH_DESCRIPTION_REQUIRED})
    bail_breach_check_time(occurred_at=occurred_at)
    if occurred_at < release.released_at:
        raise ValidationError({"occurred_at": BAIL_BREACH_BEFORE_RELEASE})
    later = release.arrest.releases.filter(released_at__gte=release.released_at).exclude(pk=release.pk)
    following = later.order_by("released_at", "id").first()
    ends = [end for end in (bail_current_end(release), following.released_at if following else None) if end]
    if ends and occurred_at > min(ends):
        raise ValidationError({"occurred_at": BAIL_BREACH_AFTER_END.format(end=formats.when(min(ends)))})
    breach = BailBreach.objects.create(
        release=release, occurred_at=occurred_at, description=description, noted_by=actor
    )
    case_log_system(
        case=case,
        actor=actor,
        text=f"Breach of bail by {release.arrest.subject} ({formats.when(occurred_at)}): {description}",
    )
    return breach


ARREST_BAIL_REGIME_WOULD_CHANGE = (
    "At that time the arrest would fall under another bail regime than {release} (before or after 3 Apr 2017): "
    "withdraw that release and record it again, or enter the time the arrest happened."
)
ARREST_CUSTODY_RECORDS_NEED_RELEVANT_TIME = (
    "{record} is recorded against the relevant time: correct or withdraw it before removing the relevant time."
)


def _after_arrest(arrest: Arrest) -> list[Event]:
    """The arrest's own later records, which its time must not follow (withdrawn ones are out of it)."""
    events = [Event(_release_name(r), r.released_at) for r in arrest.releases.filter(withdrawn_at__isnull=True)]
    events += [Event(_review_name(r), r.reviewed_at) for r in arrest.custody_reviews.filter(withdrawn_at__isnull=True)]
    events += [
        Event(f"the extension of detention authorised {formats.when(e.authorised_at)}", e.authorised_at)
        for e in arrest.custody_extensions.all()
    ]
    return events


def _custody_after_relevant_time(arrest: Arrest) -> list[Event]:
    return [
        *(Event(_review_name(r), r.reviewed_at) for r in arrest.custody_reviews.filter(withdrawn_at__isnull=True)),
        *(
            Event(f"the extension of detention authorised {formats.when(e.authorised_at)}", e.authorised_at)
            for e in arrest.custody_extensions.all()
        ),
    ]


def _rederive_bail(arrest: Arrest, arrested_at: datetime) -> None:
    """Work out again what each release on bail took from the arrest's time: its bail regime and end,
    and the ends of the extensions an inspector or superintendent approved (PACE ss.47ZB, 47ZD-47ZE);
    a court's extension keeps the date it set. Refused where the new time would make a bail recorded
    impossible, naming it."""
    for release in arrest.releases.filter(kind=Release.Kind.BAIL, withdrawn_at__isnull=True).order_by(
        "released_at", "id"
    ):
        name = f"the pre-charge bail of {formats.when(release.released_at)}"
        try:
            regime = rules.bail_regime_for_arrest(arrested_at)
        except rules.NoRuleInForce:
            regime = Release.BailRegime.PRE_2017
        if Release.BailRegime.PRE_2017 in (regime, release.bail_regime) and regime != release.bail_regime:
            raise ValidationError({"arrested_at": ARREST_BAIL_REGIME_WOULD_CHANGE.format(release=name)})
        if regime == Release.BailRegime.PRE_2017:
            continue
        ends_at = rules.bail_initial_end(regime=regime, arrested_at=arrested_at)
        if ends_at <= release.released_at:
            raise ValidationError({"arrested_at": BAIL_PERIOD_OVER.format(end=formats.day(ends_at)) + f" ({name})"})
        if release.answer_at is not None and release.answer_at > ends_at:
            raise ValidationError(
                {"arrested_at": BAIL_ANSWER_AFTER_END.format(end=formats.day(ends_at)) + f" ({name})"}
            )
        release.bail_regime, release.bail_ends_at = regime, ends_at
        release.save(update_fields=["bail_regime", "bail_ends_at"])
        previous = ends_at
        for extension in release.bail_extensions.order_by("approved_at", "id"):
            extension.previous_end = previous
            if extension.approver_rank != BailExtension.ApproverRank.MAGISTRATES:
                new_end = rules.bail_extension_end(
                    regime=regime, arrested_at=arrested_at, approver_rank=extension.approver_rank
                )
                extension.new_end = new_end if new_end is not None else extension.new_end
            if extension.new_end <= previous:
                raise ValidationError({"arrested_at": BAIL_EXTEND_NEW_END_NOT_LATER + f" ({extension}, {name})"})
            extension.save(update_fields=["previous_end", "new_end"])
            previous = extension.new_end


@transaction.atomic
def arrest_correct(
    *,
    arrest: Arrest,
    actor: User,
    reason: str,
    subject: Subject,
    arrested_at: datetime,
    suspected_offences: Iterable[Offence],
    custody_reference: str = "",
    relevant_time: datetime | None = None,
    left_custody_at: datetime | None = None,
    version: int | None = None,
) -> RecordVersion:
    """Correct an arrest under the rules of `arrest_record`, kept in order with what followed it (its
    releases, reviews and extensions of detention); what was derived from its time (the bail regime
    and end of each release on bail, and the ends of bail extended by an officer) is worked out again
    at once. The custody clock, charging target and figures are computed from the arrest as it now
    stands."""
    case = arrest.case
    locked = correction_start(case=case, record=arrest, reason=reason, version=version)
    assert isinstance(locked, Arrest)
    offences = list(suspected_offences)
    if subject.case_id != case.pk:
        raise ValidationError({"subject": ARREST_SUBJECT_OTHER_CASE})
    ensure_current(subject, "subject")
    if not offences:
        raise ValidationError({"suspected_offences": ARREST_NEEDS_OFFENCE})
    changed_offences = {o.pk for o in offences} - set(locked.suspected_offences.values_list("pk", flat=True))
    if any(not offence.active for offence in offences if offence.pk in changed_offences):
        raise ValidationError({"suspected_offences": ARREST_OFFENCE_NOT_IN_CATALOGUE})
    arrest_check_times(arrested_at=arrested_at, relevant_time=relevant_time, left_custody_at=left_custody_at)
    if arrested_at < case.opened_at:
        raise ValidationError({"arrested_at": ARREST_BEFORE_CASE_OPENED})
    not_after(arrested_at, _after_arrest(locked), field="arrested_at", label="The arrest")
    custody = _custody_after_relevant_time(locked)
    if relevant_time is None and custody:
        raise ValidationError(
            {"relevant_time": ARREST_CUSTODY_RECORDS_NEED_RELEVANT_TIME.format(record=capfirst(custody[0].record))}
        )
    not_after(relevant_time, custody, field="relevant_time", label="The relevant time")
    not_before(left_custody_at, custody, field="left_custody_at", label="Leaving custody")
    if arrested_at != locked.arrested_at:
        _rederive_bail(locked, arrested_at)
    return correction_apply(
        case=case,
        record_type="arrest",
        record=locked,
        actor=actor,
        reason=reason,
        version=version,
        values={
            "subject": subject,
            "arrested_at": arrested_at,
            "suspected_offences": offences,
            "custody_reference": custody_reference,
            "relevant_time": relevant_time,
            "left_custody_at": left_custody_at,
        },
        describe=f"Arrest of {locked.subject}",
    )


def arrest_dependants(arrest: Arrest) -> str | None:
    return first_dependant(arrest.releases.all(), arrest.custody_reviews.all(), arrest.custody_extensions.all())


RELEASE_KIND_HAS_BAIL_RECORDS = (
    "{record} is recorded on this bail: withdraw it before correcting the release to another kind."
)


def _release_name(release: Release) -> str:
    return f"the {release.get_kind_display().lower()} of {formats.when(release.released_at)}"


@transaction.atomic
def release_correct(
    *,
    release: Release,
    actor: User,
    reason: str,
    kind: str,
    released_at: datetime,
    bail_conditions: str = "",
    answer_at: datetime | None = None,
    answer_place: str = "",
    version: int | None = None,
) -> RecordVersion:
    """Correct a release under the rules of `release_record`, kept in order with the arrest, the
    releases before and after it, and its bail extensions and breaches; the bail regime and end are
    worked out again from the arrest."""
    arrest = release.arrest
    case = arrest.case
    locked = correction_start(case=case, record=release, reason=reason, version=version)
    assert isinstance(locked, Release)
    ensure_current(arrest)
    kind = _choice(Release.Kind, kind, "kind")
    release_check_details(
        kind=kind,
        released_at=released_at,
        bail_conditions=bail_conditions,
        answer_at=answer_at,
        answer_place=answer_place,
    )
    if released_at < arrest.arrested_at:
        raise ValidationError({"released_at": RELEASE_BEFORE_ARREST})
    others = arrest.releases.filter(withdrawn_at__isnull=True).exclude(pk=locked.pk)
    before = others.filter(released_at__lte=locked.released_at)
    after = others.filter(released_at__gt=locked.released_at)
    not_before(
        released_at, [Event(_release_name(r), r.released_at) for r in before], field="released_at", label="The release"
    )
    not_after(
        released_at, [Event(_release_name(r), r.released_at) for r in after], field="released_at", label="The release"
    )
    on_bail = [
        *(
            Event(f"the bail extension approved {formats.when(e.approved_at)}", e.approved_at)
            for e in locked.bail_extensions.all()
        ),
        *(
            Event(f"the breach of bail of {formats.when(b.occurred_at)}", b.occurred_at)
            for b in locked.bail_breaches.all()
        ),
    ]
    if kind != Release.Kind.BAIL and on_bail:
        raise ValidationError({"kind": RELEASE_KIND_HAS_BAIL_RECORDS.format(record=capfirst(on_bail[0].record))})
    not_after(released_at, on_bail, field="released_at", label="The release")
    regime, ends_at = _bail_terms(arrest, kind=kind, released_at=released_at, answer_at=answer_at)
    result = correction_apply(
        case=case,
        record_type="release",
        record=locked,
        actor=actor,
        reason=reason,
        version=version,
        values={
            "kind": kind,
            "released_at": released_at,
            "bail_conditions": bail_conditions,
            "answer_at": answer_at,
            "answer_place": answer_place,
            "bail_regime": regime,
            "bail_ends_at": ends_at,
        },
        describe=f"Release of {arrest.subject}",
    )
    if kind == Release.Kind.CHARGED:
        case_advance_stage(case=case, stage=Case.Stage.CHARGING)
    return result


def release_dependants(release: Release) -> str | None:
    later = release.arrest.releases.filter(released_at__gt=release.released_at).exclude(pk=release.pk)
    return first_dependant(later, release.bail_extensions.all(), release.bail_breaches.all())


def _review_name(review: CustodyReview) -> str:
    return f"the review of detention of {formats.when(review.reviewed_at)}"


@transaction.atomic
def custody_review_correct(
    *,
    review: CustodyReview,
    actor: User,
    reason: str,
    reviewed_at: datetime,
    review_officer: str,
    version: int | None = None,
) -> RecordVersion:
    """Correct a review of detention under the rules of `custody_review_record`, kept in order with
    the reviews before and after it. The next review due is computed from the reviews as they stand."""
    arrest = review.arrest
    case = arrest.case
    locked = correction_start(case=case, record=review, reason=reason, version=version)
    assert isinstance(locked, CustodyReview)
    ensure_current(arrest)
    if not review_officer.strip():
        raise ValidationError({"review_officer": CUSTODY_REVIEW_OFFICER_REQUIRED})
    custody_review_check_time(reviewed_at=reviewed_at)
    if arrest.relevant_time is not None and reviewed_at < arrest.relevant_time:
        raise ValidationError({"reviewed_at": CUSTODY_REVIEW_BEFORE_RELEVANT_TIME})
    if arrest.left_custody_at is not None and reviewed_at > arrest.left_custody_at:
        raise ValidationError({"reviewed_at": CUSTODY_REVIEW_AFTER_LEAVING})
    others = arrest.custody_reviews.filter(withdrawn_at__isnull=True).exclude(pk=locked.pk)
    earlier = [Event(_review_name(r), r.reviewed_at) for r in others if r.reviewed_at <= locked.reviewed_at]
    later = [Event(_review_name(r), r.reviewed_at) for r in others if r.reviewed_at > locked.reviewed_at]
    not_before(reviewed_at, earlier, field="reviewed_at", label="The review")
    not_after(reviewed_at, later, field="reviewed_at", label="The review")
    return correction_apply(
        case=case,
        record_type="custody_review",
        record=locked,
        actor=actor,
        reason=reason,
        version=version,
        values={"reviewed_at": reviewed_at, "review_officer": review_officer},
        describe=f"Review of detention of {arrest.subject}",
    )


def custody_review_dependants(review: CustodyReview) -> str | None:
    """A superintendent's extension rests on the second review (PACE s.42(4)(b))."""
    return first_dependant(review.arrest.custody_extensions.filter(authorised_at__gte=review.reviewed_at))
