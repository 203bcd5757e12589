"""Importing cases from a case file, all or nothing, through the same services as the web pages.

Each line is checked for shape (casefiles.io.parsing) and then replayed through the services in path
order with its historical times: referral and its research, case, subjects and premises, warrants,
searches, devices, warrant returns, arrests with custody, releases and bail, charging, hearings,
safeguarding, the case log, closure and retention reviews. The services' actor is the person the
record names (applicant, executing officer, arresting officer, examiner, author...), else the
importing user. Every line runs in its own savepoint so that every bad line is reported; if any
line fails, or on a dry run, the whole import is rolled back and nothing is stored.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, Any

from django.db import DatabaseError, IntegrityError, models, transaction

from accounts.models import User
from accounts.roles import OFFICER, SUPERVISOR, Capability, user_has_capability
from audit.models import AuditEntry
from audit.objects import ObjectType
from audit.services import audit_record
from casefiles.io.fields import Lookups, Problem
from casefiles.io.parsing import (
    DUPLICATE_REFERENCE_IN_DATABASE,
    DUPLICATE_REFERENCE_IN_FILE,
    clean_line,
    decode,
    read_lines,
    screen,
)
from casefiles.io.replay import CaseReplay, ReferralReplay, StepFailed
from casefiles.io.schema import CaseRecord, ReferralLineRecord
from casefiles.io.screening import refused_kind
from cases.models import (
    Arrest,
    BailBreach,
    BailExtension,
    Case,
    CaseLogEntry,
    Charge,
    ChargingSubmission,
    Closure,
    CommsDataRequest,
    CourtHearing,
    CustodyExtension,
    CustodyReview,
    Device,
    ImageCount,
    Premises,
    Referral,
    ReferralIdentifier,
    Release,
    RetentionReview,
    SafeguardingReferral,
    Search,
    Subject,
)
from cases.services.access import team_member_with_role
from warrants.models import FurtherEntryAuthority, Warrant

ACTOR_INACTIVE = "The importing user must be an active user."
ACTOR_MAY_NOT = (
    "{username} may not {what} (their roles do not allow it): import as someone who may, or remove it from the file."
)
ACTOR_NOT_IN_TEAM = (
    "{username} is not an officer or supervisor of the team {team}, so may not record its cases: "
    "import as a member of that team."
)
# What a case in the file holds, and the capability that recording it through the pages needs
# (docs/access.md). Every case needs the first.
NEEDED: tuple[tuple[str, Capability, str], ...] = (
    ("team", Capability.RECORD_TEAM_CASES, "open and record cases"),
    ("referral", Capability.REFERRALS, "record referrals"),
    ("searches", Capability.RECORD_DEVICES, "record searches"),
    ("devices", Capability.RECORD_DEVICES, "record devices"),
    ("closure", Capability.APPROVE_CLOSURE, "close cases"),
    ("retention_reviews", Capability.APPROVE_CLOSURE, "record retention reviews"),
    ("restricted", Capability.SUPERVISE, "restrict cases"),
)
DATABASE_RULE = "Refused by a database rule ({detail})."

# Every model an import writes, in path order, with how the report names it; the report counts
# what was added to each.
IMPORTED_MODELS: tuple[tuple[type[models.Model], str], ...] = (
    (Referral, "referrals"),
    (ReferralIdentifier, "referral identifiers"),
    (CommsDataRequest, "communications-data requests"),
    (Case, "cases"),
    (Subject, "subjects"),
    (Premises, "premises"),
    (Warrant, "warrants"),
    (FurtherEntryAuthority, "further entry authorities"),
    (Search, "searches"),
    (Device, "devices"),
    (ImageCount, "image counts"),
    (Arrest, "arrests"),
    (CustodyReview, "reviews of detention"),
    (CustodyExtension, "custody extensions"),
    (Release, "releases"),
    (BailExtension, "bail extensions"),
    (BailBreach, "breaches of bail"),
    (ChargingSubmission, "charging submissions"),
    (Charge, "charges"),
    (CourtHearing, "court hearings"),
    (SafeguardingReferral, "safeguarding referrals"),
    (CaseLogEntry, "case log entries"),
    (Closure, "closures"),
    (RetentionReview, "retention reviews"),
)


@dataclass(frozen=True)
class LineError:
    line: int
    path: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.path}: {self.message}" if self.path else f"line {self.line}: {self.message}"


@dataclass
class ImportReport:
    dry_run: bool = False
    lines: int = 0
    references: list[str] = field(default_factory=list)
    referrals: list[str] = field(default_factory=list)  # source references of referrals without a case
    errors: list[LineError] = field(default_factory=list)
    created: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def stored(self) -> bool:
        return self.ok and not self.dry_run and bool(self.references or self.referrals)

    def summary(self) -> str:
        if self.errors:
            bad_lines = len({error.line for error in self.errors})
            return (
                f"{len(self.errors)} error(s) on {bad_lines} of {self.lines} line(s). "
                "Nothing was imported: correct the file and import it again."
            )
        added = ", ".join(f"{count} {name}" for name, count in self.created.items() if count)
        verb = "Checked" if self.dry_run else "Imported"
        text = f"{verb} {len(self.references)} case(s)"
        if self.referrals:
            text += f" and {len(self.referrals)} referral(s) without a case"
        text += f" from {self.lines} line(s)"
        text += f": {added}." if added else "."
        if self.dry_run:
            text += " Dry run: nothing was stored."
        return text


def model_counts() -> dict[str, int]:
    """How many rows each model an import writes holds (tests use it to prove nothing was stored)."""
    return {label: model._default_manager.count() for model, label in IMPORTED_MODELS}


def import_cases(
    stream: IO[Any],
    *,
    actor: User,
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
    progress_every: int = 500,
) -> ImportReport:
    """Import every case in `stream` (text or binary, one JSON object per line), or none of them.

    Returns a report of what was added, or of every bad line; on any error, or a dry run, nothing is
    stored. `progress(line_number)` is called every `progress_every` lines.
    """
    report = ImportReport(dry_run=dry_run)
    if not actor.is_active:
        report.errors.append(LineError(0, "--actor", ACTOR_INACTIVE))
        return report
    lookups = Lookups()
    seen: dict[str, int] = {}
    with transaction.atomic():
        before = model_counts()
        for number, text, problem in read_lines(stream):
            if progress and number % progress_every == 0:
                progress(number)
            if problem:
                report.lines += 1
                report.errors.append(LineError(number, "", problem))
                continue
            assert text is not None
            if not text.strip():
                continue
            report.lines += 1
            problems, stored = _import_line(text, actor=actor, lookups=lookups, seen=seen, number=number)
            report.errors.extend(LineError(number, p.path, p.message) for p in problems)
            if isinstance(stored, Case):
                report.references.append(stored.reference)
            elif isinstance(stored, Referral):
                report.referrals.append(stored.source_reference)
        after = model_counts()
        report.created = {name: after[name] - before[name] for name in after}
        if report.errors or dry_run:
            transaction.set_rollback(True)
    if report.errors:
        report.references = []
        report.referrals = []
        report.created = {}
        _audit_refused_media(report, actor)
    return report


def _audit_refused_media(report: ImportReport, actor: User) -> None:
    """One `media_refused` audit entry for each line refused as imagery or an encoded file: who,
    which line and field, and what kind; never the value. Written after the import's own
    transaction was rolled back, so the refusal is kept although nothing of the file is."""
    for error in report.errors:
        kind = refused_kind(error.message)
        if kind is None:
            continue
        field = f"line {error.line}" + (f": {error.path}" if error.path else "")
        audit_record(
            kind=AuditEntry.Kind.MEDIA_REFUSED,
            actor=actor,
            object_type=ObjectType.IMPORT,
            summary=f"Refused {kind} in an import ({field})",
            changes={"where": "import_cases", "line": error.line, "field": error.path, "what": kind},
        )


def _actor_problems(cleaned: CaseRecord | ReferralLineRecord, actor: User) -> list[Problem]:
    """What in this line the importing person could not record through the pages themselves: the
    importer acts as them, so it may do no more than their roles and teams allow."""
    if isinstance(cleaned, ReferralLineRecord):
        if user_has_capability(actor, Capability.REFERRALS):
            return []
        return [Problem("referral", ACTOR_MAY_NOT.format(username=actor.get_username(), what="record referrals"))]
    problems = [
        Problem(name, ACTOR_MAY_NOT.format(username=actor.get_username(), what=what))
        for name, capability, what in NEEDED
        if (name == "team" or getattr(cleaned, name)) and not user_has_capability(actor, capability)
    ]
    team = cleaned.team
    if team is not None and not problems and not team_member_with_role(team.pk, actor, {OFFICER, SUPERVISOR}):
        problems.append(Problem("team", ACTOR_NOT_IN_TEAM.format(username=actor.get_username(), team=team.name)))
    return problems


def _import_line(
    text: str, *, actor: User, lookups: Lookups, seen: dict[str, int], number: int
) -> tuple[list[Problem], Case | Referral | None]:
    data, problem = decode(text)
    if problem:
        return [problem], None
    problems = screen(data)
    cleaned, shape_problems = clean_line(data, lookups)
    problems.extend(shape_problems)
    if cleaned is not None:
        problems.extend(_actor_problems(cleaned, actor))
    reference = data.get("reference")  # checked even when the rest is not, so that every problem is told
    if isinstance(reference, str) and reference.strip() and "\x00" not in reference:
        normalised = reference.strip().upper()
        if normalised in seen:
            problems.append(
                Problem("reference", DUPLICATE_REFERENCE_IN_FILE.format(value=normalised, line=seen[normalised]))
            )
        else:
            seen[normalised] = number
            if Case.objects.filter(reference=normalised).exists():
                problems.append(Problem("reference", DUPLICATE_REFERENCE_IN_DATABASE.format(value=normalised)))
    if problems or cleaned is None:
        return problems, None
    replay: CaseReplay | ReferralReplay = (
        CaseReplay(cleaned, actor=actor) if isinstance(cleaned, CaseRecord) else ReferralReplay(cleaned, actor=actor)
    )
    try:
        with transaction.atomic():
            stored = replay.run()
    except StepFailed as failure:
        return [Problem(failure.path, failure.message)], None
    except ValueError as error:  # a value a service could not read, e.g. a choice it does not know
        return [Problem(replay.path, str(error))], None
    except (IntegrityError, DatabaseError) as error:
        detail = getattr(getattr(error, "__cause__", None), "diag", None)
        name = getattr(detail, "constraint_name", None) or str(error).splitlines()[0]
        return [Problem(replay.path, DATABASE_RULE.format(detail=name))], None
    return [], stored
