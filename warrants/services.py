"""Writes for search warrants: draft, application, issue or refusal, execution, expiry and return.

The life of a warrant:

    draft → applied → issued | refused
    issued → executed | expired
    executed | expired → returned

Entry must be within three months from the date of issue (PACE 1984 s.16(3)): at any time up to
the end of the last day for entry, a UK date (`cases.rules.warrant_last_day`), stored as the end of
that day (`cases.rules.warrant_expires_at`) when the issue is recorded, never typed. A further entry
under a multiple-entry warrant needs an inspector's written authority (s.16(3A)-(3B)). A warrant
is returned to the court once executed, or once expired unexecuted (s.16(10)).
"""

from collections.abc import Callable
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max, QuerySet
from django.utils import timezone

from accounts.models import User
from cases import formats, rules
from cases.identifiers import normalise_document_reference
from cases.models import Case, IndexedIdentifier, Premises, RecordVersion
from cases.services.common import all_problems, case_advance_stage, case_log_system, ensure_case_open, not_in_future
from cases.services.corrections import (
    RECORD_WITHDRAWN,
    Event,
    correction_apply,
    correction_start,
    ensure_current,
    first_dependant,
    not_after,
    not_before,
)
from cases.services.identifiers import identifiers_index, index_entry
from warrants.models import FurtherEntryAuthority, Warrant

# Case-log lines the services write (the benchmark's bulk loader writes the same words).
LOG_APPLIED = "Search warrant applied for at {court}."
LOG_REFUSED = "Search warrant application refused by the court."
LOG_EXECUTED = "Search warrant executed at {premises}."
LOG_RETURNED = "Search warrant returned to {court}."

Status = Warrant.Status

WARRANT_PREMISES_OTHER_CASE = "Choose premises recorded on this case."
WARRANT_POWER_UNKNOWN = "Choose the power the warrant is sought under."
WARRANT_ENTRY_UNKNOWN = "Choose single or multiple entry."
WARRANT_COURT_REQUIRED = "Enter the court the application is made to."
WARRANT_ALREADY_APPLIED = "This warrant has already been applied for."
WARRANT_NOT_APPLIED = "Record the application before the court's decision."
WARRANT_ALREADY_DECIDED = "The court's decision on this application has already been recorded."
WARRANT_APPLIED_BEFORE_CASE = (
    "A warrant cannot be applied for before the case was opened, or before its referral was received."
)
WARRANT_ISSUED_BEFORE_APPLIED = "A warrant cannot be issued before it was applied for."
WARRANT_REFUSED_BEFORE_APPLIED = "A warrant cannot be refused before it was applied for."
WARRANT_JUSTICE_REQUIRED = "Enter the name of the justice or judge who issued the warrant."
WARRANT_REFUSAL_REASON_REQUIRED = "Enter the reason the court gave for refusing the warrant."
WARRANT_EXECUTION_BEFORE_ISSUE = "A warrant cannot be executed before it is issued."
WARRANT_REFUSED_NOT_EXECUTABLE = "This warrant was refused: it cannot be executed."
WARRANT_ALREADY_EXECUTED = "The execution of this warrant has already been recorded."
WARRANT_EXECUTED_BEFORE_ISSUE = "A warrant cannot be executed before the time it was issued."
WARRANT_EXECUTED_AFTER_EXPIRY = (
    "This warrant had expired: entry must be within three months of issue (PACE 1984 s.16(3))."
)
WARRANT_EXECUTED_AFTER_LAST_DAY = (
    "Entry must be within three months from the date of issue (PACE 1984 s.16(3)): the last day for entry was {day}."
)
WARRANT_EXECUTOR_INACTIVE = "The officer who executed the warrant must be an active user."
WARRANT_RETURN_NOT_ISSUED = "A warrant that was never issued is not returned to the court."
WARRANT_RETURN_NOT_DUE = (
    "A warrant is returned to the court after it has been executed or has expired (PACE 1984 s.16(10))."
)
WARRANT_ALREADY_RETURNED = "The return of this warrant to the court has already been recorded."
WARRANT_RETURNED_BEFORE_EXECUTION = "A warrant cannot be returned before it was executed."
WARRANT_RETURNED_BEFORE_EXPIRY = "An unexecuted warrant is returned after it expires, not before."
WARRANT_FURTHER_ENTRY_SINGLE = (
    "Further entries need a multiple-entry warrant (PACE 1984 s.16(3B)); this one is single entry."
)
WARRANT_FURTHER_ENTRY_NOT_EXECUTED = "Record the first entry (execution) before authorising a further entry."
WARRANT_FURTHER_ENTRY_CLOSED = "This warrant has expired or been returned: no further entry can be authorised under it."
WARRANT_FURTHER_ENTRY_BEFORE_FIRST = "A further entry cannot be authorised before the first entry."
WARRANT_FURTHER_ENTRY_AFTER_EXPIRY = (
    "The warrant had expired: entry must be within three months of issue (PACE 1984 s.16(3))."
)
WARRANT_FURTHER_ENTRY_BEFORE_AUTHORITY = "The further entry cannot be before the inspector's written authority."
WARRANT_INSPECTOR_REQUIRED = "Enter the name of the inspector who gave written authority."

# Every action a warrant page may offer; `warrant_state_error` says when each is allowed.
ACTIONS = ("apply", "issue", "refuse", "execute", "return", "further_entry")


def warrant_state_error(warrant: Warrant, action: str, *, now: datetime | None = None) -> str | None:
    """Why `action` cannot be taken on `warrant` in its current state, or None if it can.

    The services raise exactly this text, so a page can say it before anything is typed. An issued,
    unexecuted warrant past its expiry is expired in fact even before `warrant_mark_expired` has
    marked it, so it may be returned.
    """
    if warrant.withdrawn_at is not None:
        return RECORD_WITHDRAWN
    status = warrant.status
    if action == "apply":
        return None if status == Status.DRAFT else WARRANT_ALREADY_APPLIED
    if action in ("issue", "refuse"):
        if status == Status.DRAFT:
            return WARRANT_NOT_APPLIED
        return None if status == Status.APPLIED else WARRANT_ALREADY_DECIDED
    if action == "execute":
        if status in (Status.DRAFT, Status.APPLIED):
            return WARRANT_EXECUTION_BEFORE_ISSUE
        if status == Status.REFUSED:
            return WARRANT_REFUSED_NOT_EXECUTABLE
        if status == Status.EXPIRED:
            return WARRANT_EXECUTED_AFTER_EXPIRY
        return None if status == Status.ISSUED else WARRANT_ALREADY_EXECUTED
    if action == "return":
        if status in (Status.DRAFT, Status.APPLIED, Status.REFUSED):
            return WARRANT_RETURN_NOT_ISSUED
        if status == Status.RETURNED:
            return WARRANT_ALREADY_RETURNED
        if status == Status.ISSUED and not _past_expiry(warrant, now):
            return WARRANT_RETURN_NOT_DUE
        return None
    if action == "further_entry":
        if warrant.entry != Warrant.Entry.MULTIPLE:
            return WARRANT_FURTHER_ENTRY_SINGLE
        if status in (Status.EXPIRED, Status.RETURNED):
            return WARRANT_FURTHER_ENTRY_CLOSED
        return None if status == Status.EXECUTED else WARRANT_FURTHER_ENTRY_NOT_EXECUTED
    raise ValueError(f"Unknown warrant action {action!r}.")


def _past_expiry(warrant: Warrant, now: datetime | None) -> bool:
    return warrant.expires_at is not None and (now or timezone.now()) > warrant.expires_at


def _lock(warrant: Warrant) -> None:
    """Lock the row for this transaction and reload it, so two people cannot both move it on."""
    Warrant.objects.select_for_update().filter(pk=warrant.pk).values_list("pk").get()
    warrant.refresh_from_db()


def _require_state(warrant: Warrant, action: str) -> None:
    error = warrant_state_error(warrant, action)
    if error:
        raise ValidationError(error)


def _save(warrant: Warrant, fields: list[str]) -> None:
    warrant.version += 1
    warrant.save(update_fields=[*fields, "version"])


def _require_active(user: User | None, *, field: str, message: str) -> None:
    if user is None or not user.is_active:
        raise ValidationError({field: message})


# The checks of the values a step's form holds, and nothing else: each service runs its own, and
# its form runs it beside the field checks (`cases.forms.fields.Form.service_checks`), so that a
# person sees every problem in one round. Checks against the warrant's own record stay in the
# services.


def warrant_references(*, warrant_reference: str = "", court_reference: str = "") -> tuple[str, str]:
    """The warrant's and the court's references normalised (capitals, one space), each empty if not
    given; one not of a reference's shape is refused on its own field (both at once)."""
    found = {"warrant_reference": "", "court_reference": ""}

    def normalised(field: str, value: str) -> Callable[[], None]:
        def check() -> None:
            if value.strip():
                found[field] = normalise_document_reference(value, field=field)

        return check

    all_problems(normalised("warrant_reference", warrant_reference), normalised("court_reference", court_reference))
    return found["warrant_reference"], found["court_reference"]


def warrant_check_references(*, warrant_reference: str = "", court_reference: str = "") -> None:
    """Also run by the draft's and the issue's forms beside the field checks."""
    warrant_references(warrant_reference=warrant_reference, court_reference=court_reference)


def warrant_identifiers(warrant: Warrant) -> list[IndexedIdentifier]:
    """A warrant's rows in the identifier index (registered in WarrantsConfig.ready): its reference
    and the court's, searched but not deconflicted (docs/search.md)."""
    references = {
        IndexedIdentifier.Kind.WARRANT_REFERENCE: warrant.warrant_reference,
        IndexedIdentifier.Kind.COURT_REFERENCE: warrant.court_reference,
    }
    return [index_entry(warrant, kind, value, value, case=warrant.case) for kind, value in references.items() if value]


def warrant_check_applied(*, applied_at: datetime) -> None:
    not_in_future(applied_at, field="applied_at", label="Applied at")


def warrant_check_issued(*, issued_at: datetime) -> None:
    not_in_future(issued_at, field="issued_at", label="Issued at")


def warrant_check_refused(*, refused_at: datetime) -> None:
    not_in_future(refused_at, field="refused_at", label="Refused at")


def warrant_check_executed(*, executed_at: datetime) -> None:
    not_in_future(executed_at, field="executed_at", label="Executed at")


def warrant_check_returned(*, returned_at: datetime) -> None:
    not_in_future(returned_at, field="returned_at", label="Returned at")


def warrant_check_further_entry(*, authorised_at: datetime, entered_at: datetime | None = None) -> None:
    """Neither time in the future, and the entry not before the inspector's written authority."""

    def in_order() -> None:
        if entered_at is not None and entered_at < authorised_at:
            raise ValidationError({"entered_at": WARRANT_FURTHER_ENTRY_BEFORE_AUTHORITY})

    all_problems(
        lambda: not_in_future(authorised_at, field="authorised_at", label="Authorised at"),
        lambda: not_in_future(entered_at, field="entered_at", label="Entered at"),
        in_order,
    )


def _check_draft(case: Case, *, premises: Premises, power: str, entry: str, court: str) -> str:
    """The draft's rules, on its first entry and on each correction; returns the court's name, trimmed."""
    if premises.case_id != case.pk:
        raise ValidationError({"premises": WARRANT_PREMISES_OTHER_CASE})
    if power not in Warrant.Power.values:
        raise ValidationError({"power": WARRANT_POWER_UNKNOWN})
    if entry not in Warrant.Entry.values:
        raise ValidationError({"entry": WARRANT_ENTRY_UNKNOWN})
    court = court.strip()
    if not court:
        raise ValidationError({"court": WARRANT_COURT_REQUIRED})
    return court


def _check_applied_at(case: Case, applied_at: datetime) -> None:
    """The application is not in the future, nor before the case was opened (or, for research under a
    referral, before the referral was received)."""
    warrant_check_applied(applied_at=applied_at)
    if applied_at < case.opened_at:
        referral = case.referral
        if referral is None or applied_at < referral.received_at:
            raise ValidationError({"applied_at": WARRANT_APPLIED_BEFORE_CASE})


def _check_issued(*, applied_at: datetime, issued_at: datetime, issuing_justice: str) -> str:
    """The issue's rules: not in the future, not before the application, a justice named."""
    warrant_check_issued(issued_at=issued_at)
    if issued_at < applied_at:
        raise ValidationError({"issued_at": WARRANT_ISSUED_BEFORE_APPLIED})
    issuing_justice = issuing_justice.strip()
    if not issuing_justice:
        raise ValidationError({"issuing_justice": WARRANT_JUSTICE_REQUIRED})
    return issuing_justice


def _check_refused(*, applied_at: datetime, refused_at: datetime, refusal_reason: str) -> str:
    warrant_check_refused(refused_at=refused_at)
    if refused_at < applied_at:
        raise ValidationError({"refused_at": WARRANT_REFUSED_BEFORE_APPLIED})
    refusal_reason = refusal_reason.strip()
    if not refusal_reason:
        raise ValidationError({"refusal_reason": WARRANT_REFUSAL_REASON_REQUIRED})
    return refusal_reason


def _check_executed(*, issued_at: datetime, expires_at: datetime, executed_at: datetime) -> None:
    """Entry from the issue to the end of the last day for entry (PACE 1984 s.16(3))."""
    warrant_check_executed(executed_at=executed_at)
    if executed_at < issued_at:
        raise ValidationError({"executed_at": WARRANT_EXECUTED_BEFORE_ISSUE})
    if executed_at > expires_at:
        day = rules.uk_date(expires_at)
        raise ValidationError({"executed_at": WARRANT_EXECUTED_AFTER_LAST_DAY.format(day=formats.day(day))})


def _check_returned(*, executed_at: datetime | None, expires_at: datetime, returned_at: datetime) -> None:
    """Returned after its execution, or, unexecuted, after its expiry (s.16(10))."""
    warrant_check_returned(returned_at=returned_at)
    if executed_at is not None:
        if returned_at < executed_at:
            raise ValidationError({"returned_at": WARRANT_RETURNED_BEFORE_EXECUTION})
    elif returned_at < expires_at:
        raise ValidationError({"returned_at": WARRANT_RETURNED_BEFORE_EXPIRY})


@transaction.atomic
def warrant_draft(
    *,
    case: Case,
    actor: User,
    premises: Premises,
    power: str,
    entry: str,
    court: str,
    warrant_reference: str = "",
    court_reference: str = "",
) -> Warrant:
    ensure_case_open(case)
    court = _check_draft(case, premises=premises, power=power, entry=entry, court=court)
    warrant_reference, court_reference = warrant_references(
        warrant_reference=warrant_reference, court_reference=court_reference
    )
    warrant = Warrant.objects.create(
        case=case,
        premises=premises,
        power=power,
        entry=entry,
        court=court,
        warrant_reference=warrant_reference,
        court_reference=court_reference,
        applicant=actor,
    )
    case_log_system(
        case=case,
        actor=actor,
        text=f"Search warrant drafted ({warrant.get_power_display()}, {warrant.get_entry_display().lower()}) "
        f"for {premises}, to {court}.",
    )
    identifiers_index(record=warrant, actor=actor)
    return warrant


@transaction.atomic
def warrant_apply(*, warrant: Warrant, actor: User, applied_at: datetime) -> Warrant:
    _lock(warrant)
    ensure_case_open(warrant.case)
    _require_state(warrant, "apply")
    # Research under a referral may come before the case is opened, never before the referral.
    _check_applied_at(warrant.case, applied_at)
    warrant.status = Status.APPLIED
    warrant.applied_at = applied_at
    _save(warrant, ["status", "applied_at"])
    case_log_system(case=warrant.case, actor=actor, text=LOG_APPLIED.format(court=warrant.court))
    return warrant


@transaction.atomic
def warrant_record_issue(
    *,
    warrant: Warrant,
    actor: User,
    issued_at: datetime,
    issuing_justice: str,
    warrant_reference: str = "",
    court_reference: str = "",
) -> Warrant:
    """Record the issue; the expiry (three months, PACE 1984 s.16(3)) is computed here, never typed.
    The warrant's and the court's references, if given, replace those given with the draft."""
    _lock(warrant)
    ensure_case_open(warrant.case)
    _require_state(warrant, "issue")
    assert warrant.applied_at is not None  # an applied warrant always has its time (see warrant_apply)
    issuing_justice = _check_issued(applied_at=warrant.applied_at, issued_at=issued_at, issuing_justice=issuing_justice)
    warrant_reference, court_reference = warrant_references(
        warrant_reference=warrant_reference, court_reference=court_reference
    )
    warrant.status = Status.ISSUED
    warrant.issued_at = issued_at
    warrant.expires_at = rules.warrant_expires_at(issued_at)
    warrant.issuing_justice = issuing_justice
    warrant.warrant_reference = warrant_reference or warrant.warrant_reference
    warrant.court_reference = court_reference or warrant.court_reference
    _save(warrant, ["status", "issued_at", "expires_at", "issuing_justice", "warrant_reference", "court_reference"])
    case_log_system(
        case=warrant.case,
        actor=actor,
        text=f"Search warrant issued by {issuing_justice}; entry must be within three months (PACE 1984 s.16(3)).",
    )
    case_advance_stage(case=warrant.case, stage=Case.Stage.WARRANT)
    identifiers_index(record=warrant, actor=actor)
    return warrant


@transaction.atomic
def warrant_record_refusal(*, warrant: Warrant, actor: User, refused_at: datetime, refusal_reason: str) -> Warrant:
    _lock(warrant)
    ensure_case_open(warrant.case)
    _require_state(warrant, "refuse")
    assert warrant.applied_at is not None
    refusal_reason = _check_refused(applied_at=warrant.applied_at, refused_at=refused_at, refusal_reason=refusal_reason)
    warrant.status = Status.REFUSED
    warrant.refused_at = refused_at
    warrant.refusal_reason = refusal_reason
    _save(warrant, ["status", "refused_at", "refusal_reason"])
    case_log_system(case=warrant.case, actor=actor, text=LOG_REFUSED)
    return warrant


@transaction.atomic
def warrant_record_execution(
    *,
    warrant: Warrant,
    actor: User,
    executed_at: datetime,
    executed_by: User,
    persons_present: str = "",
    result: str = "",
) -> Warrant:
    """Record entry under the warrant: from its issue to the end of the last day for entry (s.16(3))."""
    _lock(warrant)
    ensure_case_open(warrant.case)
    _require_state(warrant, "execute")
    assert warrant.issued_at is not None and warrant.expires_at is not None
    _check_executed(issued_at=warrant.issued_at, expires_at=warrant.expires_at, executed_at=executed_at)
    _require_active(executed_by, field="executed_by", message=WARRANT_EXECUTOR_INACTIVE)
    warrant.status = Status.EXECUTED
    warrant.executed_at = executed_at
    warrant.executed_by = executed_by
    warrant.persons_present = persons_present.strip()
    warrant.result = result.strip()
    _save(warrant, ["status", "executed_at", "executed_by", "persons_present", "result"])
    case_log_system(case=warrant.case, actor=actor, text=LOG_EXECUTED.format(premises=warrant.premises))
    case_advance_stage(case=warrant.case, stage=Case.Stage.SEARCH)
    return warrant


@transaction.atomic
def warrant_record_return(*, warrant: Warrant, actor: User, returned_at: datetime) -> Warrant:
    """Record the endorsed warrant's return to the court (PACE 1984 s.16(9)-(12)).

    An issued warrant whose expiry has passed unexecuted is marked expired first, so it can be
    returned even if the expiry task has not run yet.
    """
    _lock(warrant)
    ensure_case_open(warrant.case)
    _require_state(warrant, "return")
    warrant_check_returned(returned_at=returned_at)
    if warrant.status == Status.ISSUED:
        warrant_mark_expired(warrant=warrant)
    assert warrant.expires_at is not None
    _check_returned(executed_at=warrant.executed_at, expires_at=warrant.expires_at, returned_at=returned_at)
    warrant.status = Status.RETURNED
    warrant.returned_at = returned_at
    _save(warrant, ["status", "returned_at"])
    case_log_system(case=warrant.case, actor=actor, text=LOG_RETURNED.format(court=warrant.court))
    return warrant


@transaction.atomic
def warrant_mark_expired(*, warrant: Warrant, now: datetime | None = None) -> bool:
    """Mark an issued, unexecuted warrant whose expiry has passed as expired; True if it changed.

    Idempotent, and run by a scheduled task: the change is a conditional UPDATE that only an
    issued, unexecuted, past-expiry warrant matches, so an expired, executed or returned warrant is
    left as it is. Nobody acts here (the law ends the warrant), so the case-log line is written as
    the case's officer in the case, who is answerable for returning it. A closed case is left
    alone: nothing is written to a closed case.
    """
    now = now or timezone.now()
    case = warrant.case
    if case.status == Case.Status.CLOSED:
        return False
    changed = Warrant.objects.filter(
        pk=warrant.pk, status=Status.ISSUED, executed_at__isnull=True, expires_at__lt=now, withdrawn_at__isnull=True
    ).update(status=Status.EXPIRED, version=F("version") + 1)
    warrant.refresh_from_db()
    if not changed:
        return False
    case_log_system(
        case=case,
        actor=case.officer_in_case,
        text="Search warrant expired unexecuted (three months from issue, PACE 1984 s.16(3)); "
        "it must be returned to the court.",
    )
    return True


@transaction.atomic
def warrant_authorise_further_entry(
    *,
    warrant: Warrant,
    actor: User,
    authorised_by: str,
    authorised_at: datetime,
    entered_at: datetime | None = None,
) -> FurtherEntryAuthority:
    """Record an inspector's written authority for a second or later entry (PACE 1984 s.16(3B)).

    Only under a multiple-entry warrant, after its first entry and within its three months.
    """
    _lock(warrant)
    ensure_case_open(warrant.case)
    _require_state(warrant, "further_entry")
    authorised_by = authorised_by.strip()
    if not authorised_by:
        raise ValidationError({"authorised_by": WARRANT_INSPECTOR_REQUIRED})
    warrant_check_further_entry(authorised_at=authorised_at, entered_at=entered_at)
    assert warrant.executed_at is not None and warrant.expires_at is not None
    if authorised_at < warrant.executed_at:
        raise ValidationError({"authorised_at": WARRANT_FURTHER_ENTRY_BEFORE_FIRST})
    if authorised_at > warrant.expires_at:
        raise ValidationError({"authorised_at": WARRANT_FURTHER_ENTRY_AFTER_EXPIRY})
    if entered_at is not None and entered_at > warrant.expires_at:
        raise ValidationError({"entered_at": WARRANT_FURTHER_ENTRY_AFTER_EXPIRY})
    authority = FurtherEntryAuthority.objects.create(
        warrant=warrant, authorised_by=authorised_by, authorised_at=authorised_at, entered_at=entered_at
    )
    _save(warrant, [])
    case_log_system(
        case=warrant.case,
        actor=actor,
        text=f"Further entry under the search warrant authorised in writing by {authorised_by} (PACE 1984 s.16(3B)).",
    )
    return authority


def warrants_mark_expired(*, now: datetime) -> int:
    """Mark every issued, unexecuted warrant past its expiry as expired (warrant_mark_expired): the
    deadline sweep's first step (cases.services.notifications.register_expiry)."""
    due = Warrant.objects.filter(
        status=Warrant.Status.ISSUED,
        executed_at__isnull=True,
        expires_at__lt=now,
        case__status=Case.Status.OPEN,
        withdrawn_at__isnull=True,
    ).select_related("case__officer_in_case")
    return sum(warrant_mark_expired(warrant=warrant, now=now) for warrant in due)


# --- A case's closure (cases.services.closure.register_closure_part) ----------------------------------

CLOSURE_WARRANTS_NOT_RETURNED = (
    "Return every issued, executed or expired warrant to the court before closing the case (PACE s.16(10)): {warrants}."
)
# Warrants in these states have been issued and not yet returned to the court (s.16(9)-(12)).
UNRETURNED_WARRANT_STATUSES = [Warrant.Status.ISSUED, Warrant.Status.EXECUTED, Warrant.Status.EXPIRED]


def _describe(warrant: Warrant) -> str:
    return f"warrant {warrant.pk} for {warrant.premises} ({warrant.get_status_display().lower()})"


def warrants_check_closure(case: Case) -> None:
    """Refuse to close a case while a warrant is issued, executed or expired but not returned."""
    unreturned = list(
        Warrant.objects.filter(case=case, status__in=UNRETURNED_WARRANT_STATUSES, withdrawn_at__isnull=True)
        .select_related("premises")
        .order_by("id")
    )
    if unreturned:
        names = "; ".join(_describe(warrant) for warrant in unreturned)
        raise ValidationError(CLOSURE_WARRANTS_NOT_RETURNED.format(warrants=names))


def warrant_events(case: Case) -> list[tuple[str, datetime | None]]:
    """The latest return to court and execution of the case's warrants, which a closure cannot precede."""
    current = Warrant.objects.filter(case=case, withdrawn_at__isnull=True)
    return [
        ("a warrant's return to court", current.aggregate(at=Max("returned_at"))["at"]),
        ("a warrant executed", current.aggregate(at=Max("executed_at"))["at"]),
    ]


# --- Correcting a warrant, and withdrawing one entered in error (cases.corrections) -----------------

WARRANT_STEP_NOT_RECORDED = (
    "This step is not recorded on the warrant: record it on the warrant's page, where its own checks run."
)
WARRANT_STEP_RECORDED = (
    "This step is recorded on the warrant: enter its value. If the warrant was entered in error, withdraw it."
)


def _furthers(warrant: Warrant) -> list[FurtherEntryAuthority]:
    """The further entries authorised under the warrant and not withdrawn as entered in error."""
    return list(warrant.further_entries.filter(withdrawn_at__isnull=True))


def _search_events(warrant: Warrant) -> list[Event]:
    current = warrant.searches.filter(withdrawn_at__isnull=True).select_related("premises")
    return [Event(f"the search of {search.premises}", search.started_at) for search in current]


def _step(recorded: bool, value: object, field: str) -> None:
    """A step recorded is corrected, not removed; a step not recorded is recorded on its own page."""
    if recorded and (value is None or value == ""):
        raise ValidationError({field: WARRANT_STEP_RECORDED})
    if not recorded and value not in (None, ""):
        raise ValidationError({field: WARRANT_STEP_NOT_RECORDED})


@transaction.atomic
def warrant_correct(
    *,
    warrant: Warrant,
    actor: User,
    reason: str,
    premises: Premises,
    power: str,
    entry: str,
    court: str,
    applied_at: datetime | None = None,
    issued_at: datetime | None = None,
    issuing_justice: str = "",
    refused_at: datetime | None = None,
    refusal_reason: str = "",
    executed_at: datetime | None = None,
    executed_by: User | None = None,
    persons_present: str = "",
    result: str = "",
    returned_at: datetime | None = None,
    warrant_reference: str = "",
    court_reference: str = "",
    version: int | None = None,
) -> RecordVersion:
    """Correct the steps of a warrant recorded so far under the rules of their first entries (draft,
    application, issue or refusal, execution, return), in order. The expiry is worked out again from
    the issue (PACE 1984 s.16(3)), so the warrant's deadlines follow; an issued, unexecuted warrant is
    expired, or in force again, as its corrected expiry says. A step not yet recorded is recorded on
    the warrant's page, not here. The execution stays before the further entries authorised under the
    warrant, and the issue before the searches made under it; the error names the record."""
    case = warrant.case
    locked = correction_start(case=case, record=warrant, reason=reason, version=version)
    court = _check_draft(case, premises=premises, power=power, entry=entry, court=court)
    ensure_current(premises, "premises")
    status = locked.status
    all_problems(
        lambda: _step(status != Status.DRAFT, applied_at, "applied_at"),
        lambda: _step(locked.issued_at is not None, issued_at, "issued_at"),
        lambda: _step(locked.issued_at is not None, issuing_justice.strip(), "issuing_justice"),
        lambda: _step(status == Status.REFUSED, refused_at, "refused_at"),
        lambda: _step(status == Status.REFUSED, refusal_reason.strip(), "refusal_reason"),
        lambda: _step(locked.executed_at is not None, executed_at, "executed_at"),
        lambda: _step(locked.executed_at is not None, executed_by, "executed_by"),
        lambda: _step(status == Status.RETURNED, returned_at, "returned_at"),
    )
    warrant_reference, court_reference = warrant_references(
        warrant_reference=warrant_reference, court_reference=court_reference
    )
    values: dict[str, object] = {
        "premises": premises,
        "power": power,
        "entry": entry,
        "court": court,
        "warrant_reference": warrant_reference,
        "court_reference": court_reference,
    }
    if applied_at is not None:
        _check_applied_at(case, applied_at)
        values["applied_at"] = applied_at
    if refused_at is not None and applied_at is not None:
        values["refused_at"] = refused_at
        values["refusal_reason"] = _check_refused(
            applied_at=applied_at, refused_at=refused_at, refusal_reason=refusal_reason
        )
    expires_at = None
    if issued_at is not None and applied_at is not None:
        values["issuing_justice"] = _check_issued(
            applied_at=applied_at, issued_at=issued_at, issuing_justice=issuing_justice
        )
        expires_at = rules.warrant_expires_at(issued_at)
        values["issued_at"] = issued_at
        values["expires_at"] = expires_at
        searches = _search_events(locked)
        not_after(issued_at, searches, field="issued_at", label="The issue")
        not_before(expires_at, searches, field="issued_at", label="The last moment for entry this issue gives")
    if executed_at is not None and issued_at is not None and expires_at is not None:
        _check_executed(issued_at=issued_at, expires_at=expires_at, executed_at=executed_at)
        if executed_by != locked.executed_by:
            _require_active(executed_by, field="executed_by", message=WARRANT_EXECUTOR_INACTIVE)
        furthers = _furthers(locked)
        not_after(
            executed_at,
            [Event(str(f).replace("Further", "the further", 1), f.authorised_at) for f in furthers],
            field="executed_at",
            label="The execution",
        )
        values.update(executed_at=executed_at, executed_by=executed_by, persons_present=persons_present, result=result)
    if expires_at is not None:
        last = max([f.entered_at or f.authorised_at for f in _furthers(locked)], default=None)
        if last is not None and last > expires_at:
            day = formats.day(rules.uk_date(expires_at))
            raise ValidationError({"issued_at": WARRANT_FURTHER_AFTER_CORRECTED_EXPIRY.format(day=day)})
        if returned_at is not None:
            _check_returned(executed_at=executed_at, expires_at=expires_at, returned_at=returned_at)
            values["returned_at"] = returned_at
        if status in (Status.ISSUED, Status.EXPIRED):
            values["status"] = Status.EXPIRED if expires_at < timezone.now() else Status.ISSUED
    return correction_apply(
        case=case,
        record_type="warrant",
        record=locked,
        actor=actor,
        reason=reason,
        version=version,
        values=values,
        describe=f"Search warrant for {locked.premises}",
    )


WARRANT_FURTHER_AFTER_CORRECTED_EXPIRY = (
    "A further entry under this warrant is after the last day for entry this issue gives ({day}): correct "
    "that record first, or enter a later issue (PACE 1984 s.16(3))."
)


def warrant_dependants(warrant: Warrant) -> str | None:
    """The further entries authorised under the warrant and the searches made under it."""
    return first_dependant(warrant.further_entries.all(), warrant.searches.all())


# --- Correcting a further entry, and withdrawing one entered in error (cases.corrections) ---------


def further_entry_describe(authority: FurtherEntryAuthority) -> str:
    return f"Further entry under the search warrant for {authority.warrant.premises}"


@transaction.atomic
def further_entry_correct(
    *,
    authority: FurtherEntryAuthority,
    actor: User,
    reason: str,
    authorised_by: str,
    authorised_at: datetime,
    entered_at: datetime | None = None,
    version: int | None = None,
) -> RecordVersion:
    """Correct an inspector's written authority for a further entry (PACE 1984 s.16(3B)) under the
    rules of its first entry: the inspector named, neither time in the future, the entry not before
    the authority, and both within the warrant's life: not before its first entry (the execution), not
    after the last moment for entry (s.16(3)) or its return to court. The error names the record."""
    warrant = authority.warrant
    case = warrant.case
    locked = correction_start(case=case, record=authority, reason=reason, version=version)
    ensure_current(warrant)
    authorised_by = authorised_by.strip()
    if not authorised_by:
        raise ValidationError({"authorised_by": WARRANT_INSPECTOR_REQUIRED})
    warrant_check_further_entry(authorised_at=authorised_at, entered_at=entered_at)
    assert warrant.executed_at is not None and warrant.expires_at is not None  # a further entry follows both
    not_before(
        authorised_at,
        [Event("the first entry under the warrant (its execution)", warrant.executed_at)],
        field="authorised_at",
        label="The authority",
    )
    later = [Event("the last moment for entry under the warrant (PACE 1984 s.16(3))", warrant.expires_at)]
    if warrant.returned_at is not None:
        later.append(Event("the warrant's return to court", warrant.returned_at))
    not_after(authorised_at, later, field="authorised_at", label="The authority")
    not_after(entered_at, later, field="entered_at", label="The further entry")
    return correction_apply(
        case=case,
        record_type="further_entry",
        record=locked,
        actor=actor,
        reason=reason,
        version=version,
        values={"authorised_by": authorised_by, "authorised_at": authorised_at, "entered_at": entered_at},
        describe=further_entry_describe(locked),
    )


def further_entry_dependants(authority: FurtherEntryAuthority) -> str | None:
    """Nothing is recorded against a further entry: it can always be withdrawn as entered in error."""
    return None


# --- Searches under a warrant (cases.services.search.register_search_warrants) -------------------

SEARCH_WARRANT_OTHER_CASE = "Choose a warrant recorded on this case."
SEARCH_WARRANT_NOT_ISSUED = "A search can only be under a warrant that has been issued and not expired unexecuted."
SEARCH_WARRANT_OTHER_PREMISES = "The warrant is for other premises: a search under it must be of its premises."
SEARCH_OUTSIDE_WARRANT = (
    "The search did not start while the warrant was in force (from issue to three months after, PACE 1984 s.16(3))."
)
# A search can be under a warrant in these states; an expired warrant was never executed, and a
# returned one only if it had been executed first (checked on the row).
SEARCHABLE_WARRANT_STATUSES = [Warrant.Status.ISSUED, Warrant.Status.EXECUTED, Warrant.Status.RETURNED]


def warrants_searchable(case: Case) -> QuerySet[Warrant]:
    """The case's warrants a search may be under, offered by the search's form."""
    current = case.warrants.filter(status__in=SEARCHABLE_WARRANT_STATUSES, withdrawn_at__isnull=True)
    return current.select_related("premises")


def warrant_check_search(*, case: Case, warrant: Warrant, premises: Premises, started_at: datetime) -> None:
    """A search under `warrant` is of its case and premises, and starts while it is in force (from
    issue to expiry, PACE 1984 s.16(3)); a returned warrant was executed first."""
    if warrant.case_id != case.pk:
        raise ValidationError({"warrant": SEARCH_WARRANT_OTHER_CASE})
    ensure_current(warrant, "warrant")
    executed_then_returned = warrant.status != Warrant.Status.RETURNED or warrant.executed_at is not None
    if warrant.status not in SEARCHABLE_WARRANT_STATUSES or not executed_then_returned:
        raise ValidationError({"warrant": SEARCH_WARRANT_NOT_ISSUED})
    if warrant.premises_id != premises.pk:
        raise ValidationError({"warrant": SEARCH_WARRANT_OTHER_PREMISES})
    assert warrant.issued_at is not None and warrant.expires_at is not None
    if not warrant.issued_at <= started_at <= warrant.expires_at:
        raise ValidationError({"started_at": SEARCH_OUTSIDE_WARRANT})
