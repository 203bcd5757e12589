"""Who may see and record on a case: grants, revokes, examiner assignment, reassignment, restriction.

Only a supervisor of the case's team (`case_allows(..., SUPERVISE)`) may do any of these. Each
writes a SYSTEM case-log line and sends `audit.signals.access_changed` for the audit trail. Grants
are django-guardian object permissions in the direct-foreign-key tables of `cases.models.access`:
view_case (see the case), change_case (record on it), record_triage (record devices and triage).
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from guardian.shortcuts import assign_perm, remove_perm

from accounts.models import User
from accounts.roles import EXAMINER, OFFICER, SUPERVISOR, Capability, roles_of
from audit.signals import access_changed
from cases.models import Case
from cases.models.access import CaseUserObjectPermission
from cases.selectors import case_allows, case_is_visible_to
from cases.services.common import case_log_system, ensure_case_open
from cases.services.versions import version_check, version_save

ACCESS_SUPERVISOR_ONLY = "Only a supervisor of the case's team can change who has access to it."
ACCESS_USER_INACTIVE = "That person's account is disabled."
ACCESS_USER_OTHER_FORCE = "Access can be granted only to people in the case's force."
ACCESS_LEVEL_INVALID = "Choose read, record, or devices and triage."
ACCESS_NOTHING_TO_REVOKE = "That person has no access granted by name to this case."
ACCESS_NAMED_ON_RESTRICTED = (
    "The officer in the case and the supervisor keep access to a restricted case. Reassign the case first."
)
EXAMINER_NOT_EXAMINER = "Choose a digital forensics examiner."
EXAMINER_ALREADY_ASSIGNED = "That examiner is already assigned to this case."
REASSIGN_NOTHING = "Choose a new officer in the case or a new supervisor."
REASSIGN_OIC_NOT_ELIGIBLE = "The officer in the case must be an active officer or supervisor of the case's team."
REASSIGN_SUPERVISOR_NOT_ELIGIBLE = "The supervisor must be an active supervisor of the case's team."
REASSIGN_REASON_MISSING = "Say why the case is reassigned."
REASSIGN_NO_CASES = "Choose at least one case to reassign."
REASSIGN_REFUSED = "Nothing was reassigned. Refused: {refused}."
# Longest reason kept: a sentence or two for the case log, not a report.
REASSIGN_REASON_MAX = 500
RESTRICT_UNCHANGED_ON = "This case is already restricted."
RESTRICT_UNCHANGED_OFF = "This case is not restricted."


class AccessLevel(models.TextChoices):
    VIEW = "view", "Read"
    RECORD = "record", "Read and record"
    DEVICES = "devices", "Read, and record devices and triage"


LEVEL_PERMISSIONS = {
    AccessLevel.VIEW: ("view_case",),
    AccessLevel.RECORD: ("view_case", "change_case"),
    AccessLevel.DEVICES: ("view_case", "record_triage"),
}
ALL_GRANTS = ("view_case", "change_case", "record_triage")


def _ensure_supervisor(case: Case, actor: User) -> None:
    if not (case_is_visible_to(case, actor) and case_allows(case, actor, Capability.SUPERVISE)):
        raise PermissionDenied(ACCESS_SUPERVISOR_ONLY)


def _ensure_grantable(case: Case, user: User, *, field: str = "user") -> None:
    if not user.is_active:
        raise ValidationError({field: ACCESS_USER_INACTIVE})
    if user.force_id != case.force_id:
        raise ValidationError({field: ACCESS_USER_OTHER_FORCE})


def _grant(case: Case, user: User, codenames: tuple[str, ...]) -> None:
    for codename in codenames:
        assign_perm(f"cases.{codename}", user, case)


def _changed(*, case: Case, actor: User, user: User, change: str, text: str, reason: str = "") -> None:
    case_log_system(case=case, actor=actor, text=text)
    access_changed.send(sender=Case, actor=actor, user=user, case=case, change=change, reason=reason)


@transaction.atomic
def case_grant_access(*, case: Case, actor: User, user: User, level: str) -> None:
    """Grant `user` access to `case` by name at `level` (read; read and record; read, and record
    devices and triage). A grant adds to what the person had; revoke first to reduce it."""
    _ensure_supervisor(case, actor)
    if level not in AccessLevel.values:
        raise ValidationError({"level": ACCESS_LEVEL_INVALID})
    _ensure_grantable(case, user)
    level = AccessLevel(level)
    _grant(case, user, LEVEL_PERMISSIONS[level])
    _changed(
        case=case,
        actor=actor,
        user=user,
        change=f"grant:{level.value}",
        text=f"Access granted to {user}: {level.label.lower()}.",
    )


@transaction.atomic
def case_revoke_access(*, case: Case, actor: User, user: User) -> None:
    """Remove every grant `user` holds on `case` by name. What their team and role give them stays."""
    _ensure_supervisor(case, actor)
    if case.restricted and user.pk in (case.officer_in_case_id, case.supervisor_id):
        raise ValidationError({"user": ACCESS_NAMED_ON_RESTRICTED})
    grants = CaseUserObjectPermission.objects.filter(content_object=case, user=user)
    if not grants.exists():
        raise ValidationError({"user": ACCESS_NOTHING_TO_REVOKE})
    for codename in ALL_GRANTS:
        remove_perm(f"cases.{codename}", user, case)
    _changed(case=case, actor=actor, user=user, change="revoke", text=f"Access granted to {user} revoked.")


@transaction.atomic
def case_assign_examiner(*, case: Case, actor: User, examiner: User) -> None:
    """Assign a digital forensics examiner: they may then see the case and record its devices and
    triage (a grant of view_case and record_triage), and nothing else on it."""
    _ensure_supervisor(case, actor)
    ensure_case_open(case)
    if EXAMINER not in roles_of(examiner):
        raise ValidationError({"examiner": EXAMINER_NOT_EXAMINER})
    _ensure_grantable(case, examiner, field="examiner")
    if CaseUserObjectPermission.objects.filter(
        content_object=case, user=examiner, permission__codename="record_triage"
    ).exists():
        raise ValidationError({"examiner": EXAMINER_ALREADY_ASSIGNED})
    _grant(case, examiner, LEVEL_PERMISSIONS[AccessLevel.DEVICES])
    _changed(
        case=case,
        actor=actor,
        user=examiner,
        change="assign_examiner",
        text=f"Digital forensics examiner {examiner} assigned.",
    )


def team_member_with_role(team_id: int, user: User, roles: set[str]) -> bool:
    """Whether `user` is active, holds one of `roles` and is a member of team `team_id`: who may be
    named a case's officer in the case or supervisor (`case_open`, `case_reassign`)."""
    return user.is_active and bool(roles_of(user) & roles) and user.teams.filter(pk=team_id).exists()


@transaction.atomic
def case_reassign(
    *,
    case: Case,
    actor: User,
    reason: str,
    officer_in_case: User | None = None,
    supervisor: User | None = None,
    version: int | None = None,
) -> Case:
    """Name a new officer in the case and/or supervisor, saying why (`reason`, kept in the case log
    and the audit trail). On a restricted case the new ones are granted it by name; the people
    replaced keep any grant until a supervisor revokes it.

    `version` is the case's version when the form was opened (cases.services.versions)."""
    _ensure_supervisor(case, actor)
    reason = " ".join(reason.split())
    if not reason:
        raise ValidationError({"reason": REASSIGN_REASON_MISSING})
    case = Case.objects.select_for_update().get(pk=case.pk)
    version_check(case, version=version)
    ensure_case_open(case)
    if officer_in_case == case.officer_in_case:
        officer_in_case = None
    if supervisor == case.supervisor:
        supervisor = None
    if officer_in_case is None and supervisor is None:
        raise ValidationError(REASSIGN_NOTHING)
    if officer_in_case is not None and not team_member_with_role(case.team_id, officer_in_case, {OFFICER, SUPERVISOR}):
        raise ValidationError({"officer_in_case": REASSIGN_OIC_NOT_ELIGIBLE})
    if supervisor is not None and not team_member_with_role(case.team_id, supervisor, {SUPERVISOR}):
        raise ValidationError({"supervisor": REASSIGN_SUPERVISOR_NOT_ELIGIBLE})
    for field, person in (("officer_in_case", officer_in_case), ("supervisor", supervisor)):
        if person is None:
            continue
        setattr(case, field, person)
        if case.restricted:
            _grant(case, person, LEVEL_PERMISSIONS[AccessLevel.RECORD])
        label = "Officer in the case" if field == "officer_in_case" else "Supervisor"
        _changed(
            case=case,
            actor=actor,
            user=person,
            change=f"reassign_{field}",
            text=f"{label} now {person}. Reason: {reason}",
            reason=reason,
        )
    version_save(case, version=version, fields=["officer_in_case", "supervisor"])
    return case


@transaction.atomic
def case_reassign_many(*, cases: list[Case], actor: User, officer_in_case: User, reason: str) -> list[Case]:
    """Name `officer_in_case` the officer in the case of every one of `cases`, for one `reason`: all of
    them or none. Each case is reassigned as `case_reassign` does it (its own checks, case-log line and
    audit entry); if any is refused, nothing is saved and the error names each refused case by its
    reference with the reason it was refused."""
    if not cases:
        raise ValidationError({"cases": REASSIGN_NO_CASES})
    if not " ".join(reason.split()):
        raise ValidationError({"reason": REASSIGN_REASON_MISSING})
    done, refused = [], []
    for case in sorted(cases, key=lambda case: case.pk):  # one lock order, whoever reassigns
        try:
            with transaction.atomic():
                done.append(case_reassign(case=case, actor=actor, reason=reason, officer_in_case=officer_in_case))
        except (ValidationError, PermissionDenied) as error:
            messages = error.messages if isinstance(error, ValidationError) else [str(error)]
            refused.append(f"{case.reference} ({' '.join(messages)})")
    if refused:
        raise ValidationError(REASSIGN_REFUSED.format(refused="; ".join(refused)))
    return done


@transaction.atomic
def case_set_restricted(*, case: Case, actor: User, restricted: bool, version: int | None = None) -> Case:
    """Make a case need-to-know (visible only to people granted it by name) or lift that.

    Restricting grants the officer in the case and the supervisor by name, so they keep it; lifting
    it leaves every grant in place. `version` is the case's version when the form was opened
    (cases.services.versions)."""
    _ensure_supervisor(case, actor)
    case = Case.objects.select_for_update().get(pk=case.pk)
    version_check(case, version=version)
    if case.restricted == restricted:
        raise ValidationError({"restricted": RESTRICT_UNCHANGED_ON if restricted else RESTRICT_UNCHANGED_OFF})
    case.restricted = restricted
    version_save(case, version=version, fields=["restricted"])
    if restricted:
        case_grant_named(case=case, actor=actor)
        text = "Case restricted: need-to-know. Visible only to people granted it by name."
    else:
        text = "Restriction lifted: the case is visible to its team again."
    _changed(case=case, actor=actor, user=actor, change="restrict" if restricted else "unrestrict", text=text)
    return case


def case_grant_named(*, case: Case, actor: User) -> None:
    """Grant a restricted case's officer in the case and supervisor by name (read and record).
    Called by `case_open` and `case_set_restricted`, inside their transactions; they log it."""
    for person in {case.officer_in_case, case.supervisor}:
        _grant(case, person, LEVEL_PERMISSIONS[AccessLevel.RECORD])
        access_changed.send(sender=Case, actor=actor, user=person, case=case, change="grant:record")
