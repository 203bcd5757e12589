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
    stage_recorded,
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
CUSTODY_EXTENSION_BEYOND_LATER = (
    "Detention cannot be authorised to {until} or later: {record} extends it to then. Correct that record "
    "first, or enter an earlier time."
)

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
BAIL_EXTEND_WRONG_RANK = "Under this bail regime and case the next extension must be approved by: {rank}."
BAIL_EXTEND_BEFORE_RELEASE = "An extension cannot be approved before the suspect was bailed."
BAIL_EXTEND_AFTER_END = (
    "Bail lapsed at the end of {end}: an extension must be approved before the bail ends "
    "({citation}). Bail that has lapsed cannot be extended."
)
BAIL_PERIOD_OVER = (
    "The applicable bail period for this arrest ended at the end of {end} (PACE s.47ZB): pre-charge bail cannot "
    "start after it. Record released under investigation, or the extension that was given."
)
BAIL_EXTEND_NEW_END_REQUIRED = "Enter the last day of bail set by the magistrates' court."
BAIL_EXTEND_NEW_END_COMPUTED = (
    "The new end of bail is computed for a police or agency extension (PACE ss.47ZD-47ZE): leave it blank."
)
BAIL_EXTEND_NEW_END_NOT_LATER = "The new last day of bail must be after the current last day."
BAIL_BODY_CONFIRMER_REQUIRED = (
    "Enter who confirmed that {body} investigates the case: without that confirmation it is a standard "
    "case (PACE s.47ZB(4)(b)-(c))."
)
BAIL_BODY_CONFIRMER_ONLY_NON_STANDARD = (
    "A confirming officer is recorded only for an FCA, HMRC, NCA or SFO case (PACE s.47ZB(4)(b)-(c))."
)
BAIL_BODY_ONLY_ON_BAIL = "The investigating body is recorded only for pre-charge bail (PACE s.47ZB)."
BAIL_COURT_ONLY = "Only the magistrates' court's extension has an application and a finding under PACE s.47ZF(7)."
BAIL_COURT_APPLIED_AFTER_END = (
    "The application to the court must be made before the applicable bail period ends (PACE s.47ZF(2), "
    "s.47ZJ(1)): bail lapsed at the end of {end}."
)
BAIL_COURT_APPLIED_BEFORE_RELEASE = "The application to the court cannot be before the suspect was bailed."
BAIL_COURT_DECIDED_BEFORE_APPLIED = "The court cannot decide before the application was made."
BAIL_COURT_APPLICATION_NOT_NEXT = "The next extension is not the court's: it must be approved by: {rank}."
BAIL_COURT_APPLICATION_PENDING = "An application to the court made {when} is still to be determined."
BAIL_COURT_BEYOND_CAP = "The court may extend this bail to the end of {cap} at the latest ({citation})."
BAIL_COURT_SUBSECTION_7_FIRST_ONLY = (
    "A finding that the case falls within PACE s.47ZF(7) belongs to the court's first extension under "
    "the 2022 regime (s.47ZF(5)-(6))."
)
BAIL_DESIGNATION_REQUIRED = (
    "Enter when and by whom the DPP designated the case exceptionally complex: a qualifying police "
    "officer extends bail only in a designated case (PACE s.47ZE(2)-(3))."
)
BAIL_DESIGNATION_ONLY_47ZE = (
    "A designation of an exceptionally complex case is recorded with the qualifying police officer's "
    "extension only (PACE s.47ZE)."
)
BAIL_DESIGNATION_AFTER_END = (
    "The designation must be made before the applicable bail period ends (PACE s.47ZE(8)): bail lapsed "
    "at the end of {end}."
)
BAIL_DESIGNATION_BEFORE_47ZDA = (
    "The case can be designated only after a superintendent's extension under PACE s.47ZDA (s.47ZE(1)), "
    "approved {when}."
)
BAIL_DESIGNATION_AFTER_AUTHORISATION = (
    "The qualifying police officer extends bail in a designated case (PACE s.47ZE(3)): the designation "
    "cannot be after the extension."
)

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
    stage_recorded(case=case, actor=actor, event="arrest", record=arrest)
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


def _extension_name(extension: CustodyExtension) -> str:
    return f"the extension of detention authorised {formats.when(extension.authorised_at)}"


def _custody_extension_check(
    arrest: Arrest,
    *,
    previous: list[CustodyExtension],
    authority: str,
    authorised_at: datetime,
    detention_until: datetime,
    applied_at: datetime | None,
    court_not_sitting: bool,
) -> str:
    """An extension's rules against the arrest and the current extensions before it (`previous`, in
    order), on its first entry and on each correction. Returns the authority as a choice."""
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

    kinds = {extension.authority for extension in previous}
    if authority == CustodyExtension.Authority.SUPERINTENDENT:
        if kinds:
            raise ValidationError({"authority": CUSTODY_SUPERINTENDENT_ALREADY})
        if authorised_at > rules.custody_limit_at(relevant):
            raise ValidationError({"authorised_at": CUSTODY_SUPERINTENDENT_AFTER_24H})
        held = arrest.custody_reviews.filter(withdrawn_at__isnull=True, reviewed_at__lte=authorised_at)
        if held.count() < 2:
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
        if authority == CustodyExtension.Authority.WARRANT_OF_FURTHER_DETENTION:
            _check_warrant_application(relevant, applied_at, court_not_sitting=court_not_sitting)
        if detention_until > rules.custody_warrant_limit_at(relevant_time=relevant, issued_at=authorised_at):
            raise ValidationError({"detention_until": CUSTODY_WARRANT_BEYOND_LIMIT})
    if previous:
        not_before(
            authorised_at,
            [Event(_extension_name(previous[-1]), previous[-1].authorised_at)],
            field="authorised_at",
            label="The authorisation",
        )
    current_limit = previous[-1].detention_until if previous else rules.custody_limit_at(relevant)
    if detention_until <= current_limit or detention_until <= authorised_at:
        raise ValidationError({"detention_until": CUSTODY_NOT_LATER_THAN_PREVIOUS})
    return str(authority)


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
    authority = _custody_extension_check(
        arrest,
        previous=list(arrest.custody_extensions.filter(withdrawn_at__isnull=True).order_by("authorised_at", "id")),
        authority=authority,
        authorised_at=authorised_at,
        detention_until=detention_until,
        applied_at=applied_at,
        court_not_sitting=court_not_sitting,
    )
    extension = CustodyExtension.objects.create(
        arrest=arrest,
        authority=authority,
        authorised_at=authorised_at,
        authorised_by=authorised_by.strip(),
        detention_until=detention_until,
        applied_at=applied_at,
        court_not_sitting=court_not_sitting and authority == CustodyExtension.Authority.WARRANT_OF_FURTHER_DETENTION,
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


@transaction.atomic
def custody_extension_correct(
    *,
    extension: CustodyExtension,
    actor: User,
    reason: str,
    authority: str,
    authorised_at: datetime,
    authorised_by: str,
    detention_until: datetime,
    applied_at: datetime | None = None,
    court_not_sitting: bool = False,
    version: int | None = None,
) -> RecordVersion:
    """Correct an extension of detention under the rules of `custody_extension_record`, against the
    extensions before it (which also keep its kind: PACE's order allows one kind at each place);
    the one after it keeps its place: this one is authorised before it and ends before its end. The
    custody clock reads the extensions as they stand."""
    arrest = extension.arrest
    case = arrest.case
    locked = correction_start(case=case, record=extension, reason=reason, version=version)
    ensure_current(arrest)
    others = list(
        arrest.custody_extensions.filter(withdrawn_at__isnull=True)
        .exclude(pk=locked.pk)
        .order_by("authorised_at", "id")
    )
    key = (locked.authorised_at, locked.pk)
    previous = [e for e in others if (e.authorised_at, e.pk) < key]
    later = [e for e in others if (e.authorised_at, e.pk) > key]
    authority = _custody_extension_check(
        arrest,
        previous=previous,
        authority=authority,
        authorised_at=authorised_at,
        detention_until=detention_until,
        applied_at=applied_at,
        court_not_sitting=court_not_sitting,
    )
    if later:
        following = later[0]
        not_after(
            authorised_at,
            [Event(_extension_name(following), following.authorised_at)],
            field="authorised_at",
            label="The authorisation",
        )
        if detention_until >= following.detention_until:
            raise ValidationError(
                {
                    "detention_until": CUSTODY_EXTENSION_BEYOND_LATER.format(
                        record=_extension_name(following), until=formats.when(following.detention_until)
                    )
                }
            )
    return correction_apply(
        case=case,
        record_type="custody_extension",
        record=locked,
        actor=actor,
        reason=reason,
        version=version,
        values={
            "authority": authority,
            "authorised_at": authorised_at,
            "authorised_by": authorised_by.strip(),
            "detention_until": detention_until,
            "applied_at": applied_at,
            "court_not_sitting": court_not_sitting
            and authority == CustodyExtension.Authority.WARRANT_OF_FURTHER_DETENTION,
        },
        describe=f"Extension of detention of {arrest.subject}",
    )


def custody_extension_dependants(extension: CustodyExtension) -> str | None:
    """A warrant of further detention rests on the superintendent's extension, and an extension of
    the warrant on the warrant (PACE ss.43-44): the later extensions are withdrawn first."""
    later = extension.arrest.custody_extensions.filter(authorised_at__gte=extension.authorised_at).exclude(
        pk=extension.pk
    )
    return first_dependant(later)


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
    last = release.bail_extensions.filter(withdrawn_at__isnull=True).order_by("-new_end").first()
    return last.new_end if last else release.bail_ends_at


def release_check_details(
    *,
    kind: str,
    released_at: datetime,
    bail_conditions: str = "",
    answer_at: datetime | None = None,
    answer_place: str = "",
    investigating_body: str = Release.InvestigatingBody.STANDARD,
    body_confirmed_by: str = "",
) -> None:
    """A release's own values: not in the future; bail conditions, a date and place to answer bail
    and an investigating body other than the police only for pre-charge bail, and the time to answer
    bail after the release; an FCA, HMRC, NCA or SFO case names who confirmed it (PACE
    s.47ZB(4)(b)-(c)). Also run by its form beside the field checks."""
    on_bail = kind == Release.Kind.BAIL

    def body() -> None:
        standard = investigating_body == Release.InvestigatingBody.STANDARD
        if not on_bail and not standard:
            raise ValidationError({"investigating_body": BAIL_BODY_ONLY_ON_BAIL})
        if standard and body_confirmed_by.strip():
            raise ValidationError({"body_confirmed_by": BAIL_BODY_CONFIRMER_ONLY_NON_STANDARD})
        if not standard and not body_confirmed_by.strip():
            label = Release.InvestigatingBody(investigating_body).label.split(" (")[0]
            raise ValidationError({"body_confirmed_by": BAIL_BODY_CONFIRMER_REQUIRED.format(body=f"the {label}")})

    def conditions() -> None:
        if not on_bail and bail_conditions.strip():
            raise ValidationError({"bail_conditions": BAIL_CONDITIONS_ONLY_ON_BAIL})

    def answer() -> None:
        if not on_bail and (answer_at is not None or answer_place.strip()):
            raise ValidationError({"answer_at" if answer_at is not None else "answer_place": BAIL_ANSWER_ONLY_ON_BAIL})
        if on_bail and answer_at is not None and answer_at <= released_at:
            raise ValidationError({"answer_at": BAIL_ANSWER_BEFORE_RELEASE})

    all_problems(lambda: not_in_future(released_at, field="released_at", label="The release"), conditions, answer, body)


def _bail_terms(
    arrest: Arrest, *, kind: str, released_at: datetime, answer_at: datetime | None, body: str
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
        ends_at = rules.bail_initial_end(regime=regime, arrested_at=arrest.arrested_at, body=body)
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
    investigating_body: str = Release.InvestigatingBody.STANDARD,
    body_confirmed_by: str = "",
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

    The applicable bail period depends on who investigates the case (s.47ZB(1), (4)(b)-(c); see
    `rules.bail_initial_period`): 6 months in an FCA, HMRC, NCA or SFO case under the 2022 regime.
    """
    case = arrest.case
    ensure_case_open(case)
    ensure_current(arrest)
    kind = _choice(Release.Kind, kind, "kind")
    investigating_body = _choice(Release.InvestigatingBody, investigating_body, "investigating_body")
    release_check_details(
        kind=kind,
        released_at=released_at,
        bail_conditions=bail_conditions,
        answer_at=answer_at,
        answer_place=answer_place,
        investigating_body=investigating_body,
        body_confirmed_by=body_confirmed_by,
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
    regime, ends_at = _bail_terms(
        arrest, kind=kind, released_at=released_at, answer_at=answer_at, body=investigating_body
    )

    release = Release.objects.create(
        arrest=arrest,
        kind=kind,
        released_at=released_at,
        bail_regime=regime,
        bail_ends_at=ends_at,
        investigating_body=investigating_body,
        body_confirmed_by=body_confirmed_by.strip(),
        bail_conditions=bail_conditions,
        answer_at=answer_at,
        answer_place=answer_place,
        recorded_by=actor,
    )
    text = f"{release.get_kind_display()} of {arrest.subject} recorded ({formats.when(released_at)})"
    if ends_at is not None:
        text += f"; bail ends {formats.when(ends_at)}"
        if investigating_body != Release.InvestigatingBody.STANDARD:
            section = rules.bail_initial_citation(regime=regime, body=investigating_body)
            text += (
                f" ({release.get_investigating_body_display()}, confirmed by {release.body_confirmed_by}; {section})"
            )
    elif kind == Release.Kind.BAIL:
        text += f"; {release.get_bail_regime_display()}"
    if answer_at is not None or answer_place:
        text += f"; {release.answer_text}"
    case_log_system(case=case, actor=actor, text=text + ".")
    if kind == Release.Kind.CHARGED:
        case_advance_stage(case=case, stage=Case.Stage.CHARGING)
    return release


def bail_sections_done(release: Release) -> list[str]:
    """The PACE sections of the extensions given so far, in order."""
    return [e.section for e in _current_extensions(release)]


def bail_next_steps(release: Release) -> list[rules.BailStep]:
    """Who may give the next extension of this bail (`rules.bail_next_steps`), the usual one first."""
    return rules.bail_next_steps(
        regime=release.bail_regime, body=release.investigating_body, done=bail_sections_done(release)
    )


def bail_steps_in_words(steps: list[rules.BailStep]) -> str:
    """Who may give the next extension, with the section ("Inspector (PACE s.47ZD)")."""
    return " or ".join(f"{BailExtension.ApproverRank(step.rank).label} ({step.citation})" for step in steps)


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


def bail_extension_check_court(
    *, approver_rank: str, applied_at: datetime | None = None, within_subsection_7: bool = False
) -> None:
    """The application to the court and the court's finding under PACE s.47ZF(7) belong to the
    court's extension only; the application is not in the future. Also run by its form."""
    if approver_rank != BailExtension.ApproverRank.MAGISTRATES and (applied_at is not None or within_subsection_7):
        raise ValidationError({"applied_at" if applied_at is not None else "within_subsection_7": BAIL_COURT_ONLY})
    not_in_future(applied_at, field="applied_at", label="The application")


def bail_extension_check_designation(
    *, approver_rank: str, designated_at: datetime | None = None, designated_by: str = ""
) -> None:
    """The DPP's designation of an exceptionally complex case is recorded with, and only with, the
    qualifying police officer's extension (PACE s.47ZE(2)-(3)). Also run by its form."""
    qualifying = approver_rank == BailExtension.ApproverRank.QUALIFYING_OFFICER
    given = designated_at is not None or bool(designated_by.strip())
    if not qualifying and given:
        raise ValidationError(
            {"designated_at" if designated_at is not None else "designated_by": BAIL_DESIGNATION_ONLY_47ZE}
        )
    if qualifying:
        missing = {
            name: BAIL_DESIGNATION_REQUIRED
            for name, v in (("designated_at", designated_at), ("designated_by", designated_by.strip()))
            if not v
        }
        if missing:
            raise ValidationError(missing)
    not_in_future(designated_at, field="designated_at", label="The designation")


def _bail_for_change(release: Release) -> Release:
    """Lock a bail for an extension or an application: it is pre-charge bail with a statutory limit,
    not ended by a later release, on an open case."""
    release = Release.objects.select_for_update().select_related("arrest__case", "arrest__subject").get(pk=release.pk)
    ensure_case_open(release.arrest.case)
    if release.kind != Release.Kind.BAIL:
        raise ValidationError(BAIL_EXTEND_NOT_BAIL)
    if release.bail_regime == Release.BailRegime.PRE_2017:
        raise ValidationError(BAIL_EXTEND_NO_LIMIT)
    if release.arrest.releases.filter(released_at__gte=release.released_at).exclude(pk=release.pk).exists():
        raise ValidationError(BAIL_EXTEND_SUPERSEDED)
    return release


@transaction.atomic
def bail_court_application_record(*, release: Release, actor: User, applied_at: datetime) -> Release:
    """Record an application to the magistrates' court to extend bail (PACE s.47ZF(2), s.47ZG), made
    before the applicable bail period ends and not yet determined. Until the court determines it the
    period is treated as extended (s.47ZJ(3)); the court's extension, recorded with `bail_extend`,
    determines it. If the court refuses, record the release that follows (released under
    investigation, or charged)."""
    release = _bail_for_change(release)
    steps = bail_next_steps(release)
    if not any(step.rank == BailExtension.ApproverRank.MAGISTRATES for step in steps):
        raise ValidationError({"applied_at": BAIL_COURT_APPLICATION_NOT_NEXT.format(rank=bail_steps_in_words(steps))})
    if release.court_applied_at is not None:
        raise ValidationError(
            {"applied_at": BAIL_COURT_APPLICATION_PENDING.format(when=formats.when(release.court_applied_at))}
        )
    not_in_future(applied_at, field="applied_at", label="The application")
    if applied_at < release.released_at:
        raise ValidationError({"applied_at": BAIL_COURT_APPLIED_BEFORE_RELEASE})
    current_end = bail_current_end(release)
    if current_end is None:  # bail with a statutory limit always has an end; kept as a guard
        raise ValidationError(BAIL_EXTEND_NO_LIMIT)
    if applied_at > current_end:
        raise ValidationError({"applied_at": BAIL_COURT_APPLIED_AFTER_END.format(end=formats.day(current_end))})
    release.court_applied_at = applied_at
    release.save(update_fields=["court_applied_at"])
    case_log_system(
        case=release.arrest.case,
        actor=actor,
        text=f"Application to the magistrates' court to extend bail of {release.arrest.subject} made "
        f"{formats.when(applied_at)}; bail is treated as extended until the court determines it (PACE s.47ZJ(3)).",
    )
    return release


def _current_extensions(release: Release) -> list[BailExtension]:
    """The release's extensions not withdrawn as entered in error, in the order they were given."""
    return sorted(
        (e for e in release.bail_extensions.all() if e.withdrawn_at is None), key=lambda e: (e.approved_at, e.pk)
    )


def _bail_extension_terms(
    release: Release,
    *,
    prior: list[BailExtension],
    approved_at: datetime,
    approver_rank: str,
    new_end: date | datetime | None,
    applied_at: datetime | None,
    within_subsection_7: bool,
    designated_at: datetime | None,
    designated_by: str,
) -> tuple[rules.BailStep, datetime, datetime | None, datetime]:
    """The law's conditions for an extension given after the extensions `prior` (current, in order), on
    its first entry (`bail_extend`) and on each correction (`bail_extension_correct`): who may give it,
    when, the designation and the court's application and cap. Returns the step (its section), the new
    end (computed for the police, the court's own last day), the application time and the end it extends."""
    done = [e.section for e in prior]
    steps = rules.bail_next_steps(regime=release.bail_regime, body=release.investigating_body, done=done)
    step = next((s for s in steps if s.rank == approver_rank), None)
    if step is None:
        raise ValidationError({"approver_rank": BAIL_EXTEND_WRONG_RANK.format(rank=bail_steps_in_words(steps))})
    by_court = step.rank == BailExtension.ApproverRank.MAGISTRATES

    def subsection_7() -> None:
        if (
            within_subsection_7
            and rules.bail_court_cap_months(regime=release.bail_regime, done=done, within_subsection_7=True) is None
        ):
            raise ValidationError({"within_subsection_7": BAIL_COURT_SUBSECTION_7_FIRST_ONLY})

    all_problems(
        lambda: bail_extension_check_approved_at(approved_at=approved_at),
        lambda: bail_extension_check_new_end(approver_rank=step.rank, new_end=new_end),
        lambda: bail_extension_check_court(
            approver_rank=step.rank, applied_at=applied_at, within_subsection_7=within_subsection_7
        ),
        lambda: bail_extension_check_designation(
            approver_rank=step.rank, designated_at=designated_at, designated_by=designated_by
        ),
        subsection_7,
    )
    if approved_at < release.released_at:
        raise ValidationError({"approved_at": BAIL_EXTEND_BEFORE_RELEASE})
    current_end = max((e.new_end for e in prior), default=release.bail_ends_at)
    if current_end is None:  # bail with a statutory limit always has an end; kept as a guard
        raise ValidationError(BAIL_EXTEND_NO_LIMIT)
    lapsed = BAIL_EXTEND_AFTER_END.format(end=formats.day(current_end), citation=step.citation)
    if by_court:
        applied_at = applied_at or release.court_applied_at
        if applied_at is not None:
            if applied_at < release.released_at:
                raise ValidationError({"applied_at": BAIL_COURT_APPLIED_BEFORE_RELEASE})
            if applied_at > current_end:
                raise ValidationError({"applied_at": BAIL_COURT_APPLIED_AFTER_END.format(end=formats.day(current_end))})
            if approved_at < applied_at:
                raise ValidationError({"approved_at": BAIL_COURT_DECIDED_BEFORE_APPLIED})
        elif approved_at >= current_end:
            raise ValidationError({"approved_at": lapsed})
    elif approved_at >= current_end:
        raise ValidationError({"approved_at": lapsed})
    if step.section == BailExtension.Section.S47ZE and designated_at is not None:
        authorised_47zda = max(e.approved_at for e in prior if e.section == BailExtension.Section.S47ZDA)
        if designated_at >= current_end:
            raise ValidationError({"designated_at": BAIL_DESIGNATION_AFTER_END.format(end=formats.day(current_end))})
        if designated_at < authorised_47zda:
            raise ValidationError(
                {"designated_at": BAIL_DESIGNATION_BEFORE_47ZDA.format(when=formats.when(authorised_47zda))}
            )
        if designated_at > approved_at:
            raise ValidationError({"designated_at": BAIL_DESIGNATION_AFTER_AUTHORISATION})

    if by_court:
        if new_end is None:  # refused by bail_extension_check_new_end; kept for the type checker
            raise ValidationError({"new_end": BAIL_EXTEND_NEW_END_REQUIRED})
        # The court's extension, like every bail period, ends at the end of its last day (s.47ZF(4)).
        new_end = rules.end_of_uk_day(new_end if not isinstance(new_end, datetime) else rules.uk_date(new_end))
        if new_end <= current_end:
            raise ValidationError({"new_end": BAIL_EXTEND_NEW_END_NOT_LATER})
        cap_months = rules.bail_court_cap_months(
            regime=release.bail_regime, done=done, within_subsection_7=within_subsection_7
        )
        if cap_months is not None:
            cap = rules.bail_period_end(arrested_at=release.arrest.arrested_at, months=cap_months)
            if new_end > cap:
                subsection = "(6)" if within_subsection_7 else "(4)"
                raise ValidationError(
                    {"new_end": BAIL_COURT_BEYOND_CAP.format(cap=formats.day(cap), citation=f"PACE s.47ZF{subsection}")}
                )
    else:
        if step.months is None:  # police steps always have a period; kept for the type checker
            raise ValidationError({"approver_rank": BAIL_EXTEND_NEW_END_NOT_LATER})
        new_end = rules.bail_period_end(arrested_at=release.arrest.arrested_at, months=step.months)
        if new_end <= current_end:  # the ladder always extends; kept as a guard
            raise ValidationError({"approver_rank": BAIL_EXTEND_NEW_END_NOT_LATER})

    return step, new_end, applied_at, current_end


@transaction.atomic
def bail_extend(
    *,
    release: Release,
    actor: User,
    approved_at: datetime,
    approved_by: str,
    approver_rank: str,
    new_end: date | datetime | None = None,
    applied_at: datetime | None = None,
    within_subsection_7: bool = False,
    designated_at: datetime | None = None,
    designated_by: str = "",
) -> BailExtension:
    """Extend pre-charge bail by an authority that may give the next extension (`rules.bail_next_steps`).

    Police and agency extensions (PACE ss.47ZD, 47ZDA, 47ZDB, 47ZE) end at the end of a period
    beginning with the bail start date (the day after the arrest, s.47ZB(4)(a)), computed, and are
    approved before the current bail ends (each section's "that period has not ended", s.47ZE(8)).

    The qualifying police officer's extension (s.47ZE, to 12 months) carries the DPP's designation of
    the case as exceptionally complex: made after the superintendent's s.47ZDA extension (s.47ZE(1))
    and before the bail ended (s.47ZE(8)), and not after the officer's authorisation.

    The court sets its own last day. The application is made before the current bail ends
    (s.47ZF(2)); given that, the court may decide after the end (s.47ZJ(3)). Without an application
    time (and none pending), the decision itself must be before the end. The court's first
    extension under the 2022 regime is capped by s.47ZF(4)/(6) by the route the case came
    (`rules.bail_court_cap_months`); a later one (s.47ZG) is recorded as the court states it.
    """
    release = _bail_for_change(release)
    case = release.arrest.case
    step, new_end, applied_at, current_end = _bail_extension_terms(
        release,
        prior=_current_extensions(release),
        approved_at=approved_at,
        approver_rank=approver_rank,
        new_end=new_end,
        applied_at=applied_at,
        within_subsection_7=within_subsection_7,
        designated_at=designated_at,
        designated_by=designated_by,
    )
    by_court = step.rank == BailExtension.ApproverRank.MAGISTRATES
    extension = BailExtension.objects.create(
        release=release,
        approved_at=approved_at,
        approved_by=approved_by.strip(),
        approver_rank=step.rank,
        section=step.section,
        applied_at=applied_at if by_court else None,
        within_subsection_7=within_subsection_7,
        designated_at=designated_at,
        designated_by=designated_by.strip(),
        previous_end=current_end,
        new_end=new_end,
    )
    if by_court and release.court_applied_at is not None:
        release.court_applied_at = None  # determined (s.47ZJ(3))
        release.save(update_fields=["court_applied_at"])
    rank = extension.get_approver_rank_display()
    text = f"Bail of {release.arrest.subject} extended to {formats.when(new_end)} ({rank}, {step.citation})"
    if designated_at is not None:
        text += (
            f"; case designated exceptionally complex for the DPP by {extension.designated_by}, "
            f"{formats.when(designated_at)} (PACE s.47ZE(2))"
        )
    if by_court and applied_at is not None:
        text += f"; application made {formats.when(applied_at)}"
    if by_court and step.section == BailExtension.Section.S47ZG:
        text += "; the court's stated end, no statutory cap checked"
    case_log_system(case=case, actor=actor, text=text + ".")
    return extension


def bail_breach_check_time(*, occurred_at: datetime) -> None:
    """A breach of bail is recorded after it happened (the form shows this with its own checks)."""
    not_in_future(occurred_at, field="occurred_at", label="The breach")


def _bail_breach_check(release: Release, *, occurred_at: datetime, description: str) -> str:
    """A breach's rules, on its first entry and on each correction: on bail, said what happened, not in
    the future, while this bail ran (after the release, before its end and before a later release
    replaced it). Returns the description as kept."""
    if release.kind != Release.Kind.BAIL:
        raise ValidationError(BAIL_BREACH_NOT_BAIL)
    description = description.strip()
    if not description:
        raise ValidationError({"description": BAIL_BREACH_DESCRIPTION_REQUIRED})
    bail_breach_check_time(occurred_at=occurred_at)
    if occurred_at < release.released_at:
        raise ValidationError({"occurred_at": BAIL_BREACH_BEFORE_RELEASE})
    later = release.arrest.releases.filter(withdrawn_at__isnull=True, released_at__gte=release.released_at)
    following = later.exclude(pk=release.pk).order_by("released_at", "id").first()
    if following is not None:
        not_after(
            occurred_at,
            [Event(_release_name(following), following.released_at)],
            field="occurred_at",
            label="The breach",
        )
    # Bail with an application to the court pending is treated as extended until it is determined (s.47ZJ(3)).
    current_end = None if release.court_applied_at is not None else bail_current_end(release)
    if current_end is not None and occurred_at > current_end:
        raise ValidationError({"occurred_at": BAIL_BREACH_AFTER_END.format(end=formats.when(current_end))})
    return description


@transaction.atomic
def bail_breach_record(*, release: Release, actor: User, occurred_at: datetime, description: str) -> BailBreach:
    """Record a breach of pre-charge bail: a failure to attend at the police station at the time
    appointed, or a condition of bail broken (grounds for arrest without warrant, PACE s.46A(1),
    (1A)). The breach happened while this bail ran: after the release, before a later release
    replaced it and before its end. The person recording it is who noted it."""
    release = Release.objects.select_for_update().select_related("arrest__case", "arrest__subject").get(pk=release.pk)
    case = release.arrest.case
    ensure_case_open(case)
    ensure_current(release)
    description = _bail_breach_check(release, occurred_at=occurred_at, description=description)
    breach = BailBreach.objects.create(
        release=release, occurred_at=occurred_at, description=description, noted_by=actor
    )
    case_log_system(
        case=case,
        actor=actor,
        text=f"Breach of bail by {release.arrest.subject} ({formats.when(occurred_at)}): {description}",
    )
    return breach


@transaction.atomic
def bail_breach_correct(
    *,
    breach: BailBreach,
    actor: User,
    reason: str,
    occurred_at: datetime,
    description: str,
    version: int | None = None,
) -> RecordVersion:
    """Correct a breach of bail under the rules of `bail_breach_record`: still while its bail ran.
    Who noted it stays as first entered."""
    release = breach.release
    case = release.arrest.case
    locked = correction_start(case=case, record=breach, reason=reason, version=version)
    ensure_current(release)
    description = _bail_breach_check(release, occurred_at=occurred_at, description=description)
    return correction_apply(
        case=case,
        record_type="bail_breach",
        record=locked,
        actor=actor,
        reason=reason,
        version=version,
        values={"occurred_at": occurred_at, "description": description},
        describe=f"Breach of bail by {release.arrest.subject}",
    )


def bail_breach_dependants(breach: BailBreach) -> str | None:
    """Nothing is recorded against a breach of bail: it can always be withdrawn as entered in error."""
    return None


ARREST_BAIL_REGIME_WOULD_CHANGE = (
    "At that time the arrest would fall under another bail regime than {release} (before or after 3 Apr 2017): "
    "withdraw that release and record it again, or enter the time the arrest happened."
)
ARREST_BAIL_EXTENSION_NOT_RECOUNTED = (
    "{extension}, on {release}, cannot be counted again from that time: withdraw that release and record "
    "it again, or enter the time the arrest happened."
)
ARREST_CUSTODY_RECORDS_NEED_RELEVANT_TIME = (
    "{record} is recorded against the relevant time: correct or withdraw it before removing the relevant time."
)


def _after_arrest(arrest: Arrest) -> list[Event]:
    """The arrest's own later records, which its time must not follow (withdrawn ones are out of it)."""
    events = [Event(_release_name(r), r.released_at) for r in arrest.releases.filter(withdrawn_at__isnull=True)]
    events += [Event(_review_name(r), r.reviewed_at) for r in arrest.custody_reviews.filter(withdrawn_at__isnull=True)]
    events += [
        Event(_extension_name(e), e.authorised_at) for e in arrest.custody_extensions.filter(withdrawn_at__isnull=True)
    ]
    return events


def _custody_after_relevant_time(arrest: Arrest) -> list[Event]:
    return [
        *(Event(_review_name(r), r.reviewed_at) for r in arrest.custody_reviews.filter(withdrawn_at__isnull=True)),
        *(
            Event(_extension_name(e), e.authorised_at)
            for e in arrest.custody_extensions.filter(withdrawn_at__isnull=True)
        ),
    ]


def _months_from_arrest(end: datetime, arrested_at: datetime) -> int | None:
    """How many months from the bail start date an officer's extension ran to (PACE ss.47ZD-47ZE
    count each period from the bail start date), so that it can be counted again from a corrected
    arrest time; None if it is no whole number of months (it then cannot be worked out again)."""
    for months in range(1, 49):
        if rules.bail_period_end(arrested_at=arrested_at, months=months) == end:
            return months
    return None


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
        ends_at = rules.bail_initial_end(regime=regime, arrested_at=arrested_at, body=release.investigating_body)
        if ends_at <= release.released_at:
            raise ValidationError({"arrested_at": BAIL_PERIOD_OVER.format(end=formats.day(ends_at)) + f" ({name})"})
        if release.answer_at is not None and release.answer_at > ends_at:
            raise ValidationError(
                {"arrested_at": BAIL_ANSWER_AFTER_END.format(end=formats.day(ends_at)) + f" ({name})"}
            )
        release.bail_regime, release.bail_ends_at = regime, ends_at
        release.save(update_fields=["bail_regime", "bail_ends_at"])
        previous = ends_at
        for extension in release.bail_extensions.filter(withdrawn_at__isnull=True).order_by("approved_at", "id"):
            extension.previous_end = previous
            if extension.approver_rank != BailExtension.ApproverRank.MAGISTRATES:
                months = _months_from_arrest(extension.new_end, arrest.arrested_at)
                if months is None:
                    raise ValidationError(
                        {"arrested_at": ARREST_BAIL_EXTENSION_NOT_RECOUNTED.format(extension=extension, release=name)}
                    )
                extension.new_end = rules.bail_period_end(arrested_at=arrested_at, months=months)
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
    investigating_body: str = Release.InvestigatingBody.STANDARD,
    body_confirmed_by: str = "",
    version: int | None = None,
) -> RecordVersion:
    """Correct a release under the rules of `release_record`, kept in order with the arrest, the
    releases before and after it, and its bail extensions and breaches; the bail regime and end are
    worked out again from the arrest."""
    arrest = release.arrest
    case = arrest.case
    locked = correction_start(case=case, record=release, reason=reason, version=version)
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
            for e in locked.bail_extensions.filter(withdrawn_at__isnull=True)
        ),
        *(
            Event(f"the breach of bail of {formats.when(b.occurred_at)}", b.occurred_at)
            for b in locked.bail_breaches.filter(withdrawn_at__isnull=True)
        ),
    ]
    if kind != Release.Kind.BAIL and on_bail:
        raise ValidationError({"kind": RELEASE_KIND_HAS_BAIL_RECORDS.format(record=capfirst(on_bail[0].record))})
    not_after(released_at, on_bail, field="released_at", label="The release")
    regime, ends_at = _bail_terms(
        arrest, kind=kind, released_at=released_at, answer_at=answer_at, body=investigating_body
    )
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
            "investigating_body": investigating_body,
            "body_confirmed_by": body_confirmed_by,
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


# --- Correcting an extension of bail, and withdrawing one entered in error --------------------------

BAIL_EXTENSION_LATER_RESTS = (
    "{record} was given after this extension and rests on it: correct or withdraw that first, or keep this "
    "extension's section and last day."
)


def _bail_extension_name(extension: BailExtension) -> str:
    return f"the extension of bail to {formats.day(extension.new_end)} ({extension.get_approver_rank_display()})"


@transaction.atomic
def bail_extension_correct(
    *,
    extension: BailExtension,
    actor: User,
    reason: str,
    approved_at: datetime,
    approved_by: str,
    approver_rank: str,
    new_end: date | datetime | None = None,
    applied_at: datetime | None = None,
    within_subsection_7: bool = False,
    designated_at: datetime | None = None,
    designated_by: str = "",
    version: int | None = None,
) -> RecordVersion:
    """Correct an extension of pre-charge bail under the law's conditions of its first entry
    (`bail_extend`, ss.47ZD-47ZG), checked against the extensions given before it: the section and
    the last day of bail are worked out again, so the bail deadline and its reminders follow. An
    extension given later rests on this one: this one keeps its section and last day while it stands,
    and stays before it; each stays before the release that replaced the bail. The error names it."""
    release = extension.release
    case = release.arrest.case
    locked = correction_start(case=case, record=extension, reason=reason, version=version)
    release = Release.objects.select_for_update().select_related("arrest__case", "arrest__subject").get(pk=release.pk)
    current = _current_extensions(release)
    index = next(i for i, e in enumerate(current) if e.pk == locked.pk)
    step, new_end, applied_at, previous_end = _bail_extension_terms(
        release,
        prior=current[:index],
        approved_at=approved_at,
        approver_rank=approver_rank,
        new_end=new_end,
        applied_at=applied_at,
        within_subsection_7=within_subsection_7,
        designated_at=designated_at,
        designated_by=designated_by,
    )
    later = current[index + 1 :]
    if later and (step.section != locked.section or new_end != locked.new_end):
        raise ValidationError(
            {"approver_rank": BAIL_EXTENSION_LATER_RESTS.format(record=capfirst(_bail_extension_name(later[0])))}
        )
    replaced_by = release.arrest.releases.filter(released_at__gt=release.released_at, withdrawn_at__isnull=True)
    not_after(
        approved_at,
        [
            *(Event(_bail_extension_name(e), e.approved_at) for e in later[:1]),
            *(Event(_release_name(r), r.released_at) for r in replaced_by.order_by("released_at")[:1]),
        ],
        field="approved_at",
        label="The approval",
    )
    by_court = step.rank == BailExtension.ApproverRank.MAGISTRATES
    values = {
        "approver_rank": step.rank,
        "approved_at": approved_at,
        "approved_by": approved_by,
        "section": step.section,
        "new_end": new_end,
        "previous_end": previous_end,
        "applied_at": applied_at if by_court else None,
        "within_subsection_7": within_subsection_7,
        "designated_at": designated_at,
        "designated_by": designated_by,
    }
    return correction_apply(
        case=case,
        record_type="bail_extension",
        record=locked,
        actor=actor,
        reason=reason,
        version=version,
        values=values,
        describe=capfirst(f"{_bail_extension_name(locked)} of {release.arrest.subject}"),
    )


def bail_extension_dependants(extension: BailExtension) -> str | None:
    """A later extension of the same bail, which rests on this one."""
    later = [
        e
        for e in _current_extensions(extension.release)
        if (e.approved_at, e.pk) > (extension.approved_at, extension.pk)
    ]
    return capfirst(_bail_extension_name(later[0])) if later else None
