"""Who may see and record on a case: grants, revokes, examiner assignment, reassignment, restriction.

Only a supervisor of the case's team (`case_allows(..., SUPERVISE)`) may do any of these. Four eyes
(docs/administration.md): a grant or examiner assignment to someone outside the case's team, and
lifting a restriction, are not made at once but asked of an administrator of the case's force
(`accounts.services.requests`), who applies them on approval through the handlers registered here
(`register_access_request_handlers`, called by CasesConfig.ready). Each
writes a SYSTEM case-log line and sends `audit.signals.access_changed` for the audit trail. Grants
are django-guardian object permissions in the direct-foreign-key tables of `cases.models.access`:
view_case (see the case), change_case (record on it), record_triage (record devices and triage).
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from guardian.shortcuts import assign_perm, remove_perm

from accounts.models import AccessRequest, User
from accounts.roles import EXAMINER, OFFICER, SUPERVISOR, Capability, roles_of
from accounts.services.requests import access_request_create, register_request_handler
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
RESTRICT_LIFT_PENDING = "Lifting this case's restriction is already waiting for an administrator's approval."
REQUEST_CASE_GONE = "That case no longer exists."


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
def case_grant_access(*, case: Case, actor: User, user: User, level: str, reason: str = "") -> AccessRequest | None:
    """Grant `user` access to `case` by name at `level` (read; read and record; read, and record
    devices and triage). A grant adds to what the person had; revoke first to reduce it.

    A member of the case's team is granted at once (None). Anyone else (four eyes) is a request to
    an administrator of the case's force, returned; the grant is made when it is approved."""
    _ensure_supervisor(case, actor)
    if level not in AccessLevel.values:
        raise ValidationError({"level": ACCESS_LEVEL_INVALID})
    _ensure_grantable(case, user)
    level = AccessLevel(level)
    if not user.teams.filter(pk=case.team_id).exists():
        return _request_grant(case, actor, user, level, reason)
    _grant(case, user, LEVEL_PERMISSIONS[level])
    _changed(
        case=case,
        actor=actor,
        user=user,
        change=f"grant:{level.value}",
        text=f"Access granted to {user}: {level.label.lower()}.",
    )
    return None


def _request_grant(case: Case, actor: User, user: User, level: AccessLevel, reason: str) -> AccessRequest:
    request = access_request_create(
        kind=AccessRequest.Kind.CASE_GRANT,
        actor=actor,
        force=case.force,
        person=user,
        case_id=case.pk,
        case_reference=case.reference,
        level=level.value,
        reason=reason,
    )
    case_log_system(
        case=case,
        actor=actor,
        text=f"Access for {user} ({level.label.lower()}) asked of an administrator: {user} is not in the case's team.",
    )
    return request


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
def case_assign_examiner(*, case: Case, actor: User, examiner: User) -> AccessRequest | None:
    """Assign a digital forensics examiner: they may then see the case and record its devices and
    triage (a grant of view_case and record_triage), and nothing else on it. An examiner outside the
    case's team is asked of an administrator (four eyes, as `case_grant_access`)."""
    _ensure_supervisor(case, actor)
    ensure_case_open(case)
    if EXAMINER not in roles_of(examiner):
        raise ValidationError({"examiner": EXAMINER_NOT_EXAMINER})
    _ensure_grantable(case, examiner, field="examiner")
    if CaseUserObjectPermission.objects.filter(
        content_object=case, user=examiner, permission__codename="record_triage"
    ).exists():
        raise ValidationError({"examiner": EXAMINER_ALREADY_ASSIGNED})
    if not examiner.teams.filter(pk=case.team_id).exists():
        return _request_grant(case, actor, examiner, AccessLevel.DEVICES, "Digital forensics examiner for the case.")
    _grant(case, examiner, LEVEL_PERMISSIONS[AccessLevel.DEVICES])
    _changed(
        case=case,
        actor=actor,
        user=examiner,
        change="assign_examiner",
        text=f"Digital forensics examiner {examiner} assigned.",
    )
    return None


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
    """Make a case need-to-know (visible only to people granted it by name), or ask for that to be
    lifted.

    Restricting is at once, and grants the officer in the case and the supervisor by name, so they
    keep it. Lifting it (four eyes) is a request to an administrator of the case's force; on approval
    the case is visible to its team again and every grant stays (`_apply_unrestrict`). `version` is
    the case's version when the form was opened (cases.services.versions)."""
    _ensure_supervisor(case, actor)
    case = Case.objects.select_for_update().get(pk=case.pk)
    version_check(case, version=version)
    if case.restricted == restricted:
        raise ValidationError({"restricted": RESTRICT_UNCHANGED_ON if restricted else RESTRICT_UNCHANGED_OFF})
    if not restricted:
        try:
            access_request_create(
                kind=AccessRequest.Kind.CASE_UNRESTRICT,
                actor=actor,
                force=case.force,
                case_id=case.pk,
                case_reference=case.reference,
            )
        except ValidationError:
            raise ValidationError({"restricted": RESTRICT_LIFT_PENDING}) from None
        case_log_system(case=case, actor=actor, text="Lifting the restriction asked of an administrator.")
        return case
    case.restricted = True
    version_save(case, version=version, fields=["restricted"])
    case_grant_named(case=case, actor=actor)
    text = "Case restricted: need-to-know. Visible only to people granted it by name."
    _changed(case=case, actor=actor, user=actor, change="restrict", text=text)
    return case


def case_grant_named(*, case: Case, actor: User) -> None:
    """Grant a restricted case's officer in the case and supervisor by name (read and record).
    Called by `case_open` and `case_set_restricted`, inside their transactions; they log it."""
    for person in {case.officer_in_case, case.supervisor}:
        _grant(case, person, LEVEL_PERMISSIONS[AccessLevel.RECORD])
        access_changed.send(sender=Case, actor=actor, user=person, case=case, change="grant:record")


def _requested_case(request: AccessRequest) -> Case:
    case = Case.objects.select_for_update().filter(pk=request.case_id).first() if request.case_id else None
    if case is None:
        raise ValidationError(REQUEST_CASE_GONE)
    return case


def _apply_grant(request: AccessRequest, approver: User) -> None:
    """An approved grant across teams: checked again (the person may have left the force since)."""
    case = _requested_case(request)
    person = request.person
    assert person is not None, "a case grant request names its person"
    _ensure_grantable(case, person)
    level = AccessLevel(request.level)
    _grant(case, person, LEVEL_PERMISSIONS[level])
    _changed(
        case=case,
        actor=approver,
        user=person,
        change=f"grant:{level.value}",
        text=f"Access granted to {person}: {level.label.lower()} (asked by {request.requested_by}, "
        f"approved by {approver}).",
    )


def _apply_unrestrict(request: AccessRequest, approver: User) -> None:
    case = _requested_case(request)
    if not case.restricted:
        raise ValidationError(RESTRICT_UNCHANGED_OFF)
    case.restricted = False
    version_save(case, version=None, fields=["restricted"])
    text = (
        f"Restriction lifted: the case is visible to its team again (asked by {request.requested_by}, "
        f"approved by {approver})."
    )
    _changed(case=case, actor=approver, user=approver, change="unrestrict", text=text)


def register_access_request_handlers() -> None:
    """How approved case requests are applied (accounts.services.requests); CasesConfig.ready."""
    register_request_handler(AccessRequest.Kind.CASE_GRANT, _apply_grant)
    register_request_handler(AccessRequest.Kind.CASE_UNRESTRICT, _apply_unrestrict)
