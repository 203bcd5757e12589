"""Who may administer whom, and the record of every refusal (docs/administration.md).

An administrator administers the people of their own force and nobody else: a person or request of
another force is "not found" (404), exactly as a missing one. Nobody acts on their own account's
roles, teams, two factors or access, and nobody decides a request they made or one about
themselves (four eyes): those are refused (403).

Every refusal is written to the audit trail at once, before the exception is raised and outside
any transaction of the service that refused, so it stays even though nothing else is saved. The
entry's shape is what the anomaly flags read (docs/administration.md, "What auditors see"):
kind `access_denied`, object type `cases.User` (a person) or `accounts.AccessRequest` (a request),
and `changes = {"four_eyes": <code>, "action": <what was tried>, "person": <username or "">,
"request": <request id or None>}` with a code from `Refusal`; a 404's entry also has `"exists": <bool>`.

A person or request of another force and a missing one are answered alike (404) after the same
work, as `cases.permissions.not_found` does for case data: one lookup limited to the administrator's
force, then, if nothing is found, one lookup of what was asked for and one refusal entry
(`other_force` with `exists: true`, or `not_found` with `exists: false`), so neither the page nor its
timing tells a hidden record from a missing one; only the auditor's entry says which.
"""

from enum import StrEnum

from django.core.exceptions import PermissionDenied
from django.http import Http404

from accounts.models import AccessRequest, User
from accounts.roles import ADMINISTRATOR, roles_of
from audit.models import AuditEntry
from audit.services import audit_record

NOT_ADMINISTRATOR = "Only an administrator can do this."
PERSON_NOT_FOUND = "No such person."
REQUEST_NOT_FOUND = "No such request."
OWN_ACCOUNT = "You cannot change your own account's roles, teams, access or sign-in. Ask another administrator."
OWN_REQUEST = "You cannot decide a request you made. Another administrator must decide it."
ABOUT_YOURSELF = "You cannot decide a request about your own account. Another administrator must decide it."


class Refusal(StrEnum):
    """Why an administration action was refused: `changes["four_eyes"]` of its audit entry."""

    NOT_ADMINISTRATOR = "not_administrator"  # the person is not an administrator
    OTHER_FORCE = "other_force"  # the person or request belongs to another force (answered 404)
    OWN_ACCOUNT = "own_account"  # acting on one's own roles, teams, access or sign-in
    OWN_REQUEST = "own_request"  # deciding (approving or refusing) a request one made
    ABOUT_YOURSELF = "about_yourself"  # deciding a request about one's own account
    NOT_FOUND = "not_found"  # the person or request asked for does not exist (answered 404 alike)


def is_administrator(user: User) -> bool:
    """An active administrator of a force. An administrator with no force administers nobody."""
    return ADMINISTRATOR in roles_of(user) and user.force_id is not None


def record_refusal(
    *,
    actor: User,
    code: Refusal,
    action: str,
    person: User | None = None,
    request: AccessRequest | None = None,
    exists: bool | None = None,
) -> None:
    """Write the audit entry for a refused administration action (see the module's docstring);
    `exists` only for a 404."""
    _write_refusal(
        actor=actor,
        code=code,
        action=action,
        about=AccessRequest if request is not None else User,
        object_id=request.pk if request is not None else (person.pk if person is not None else ""),
        who=person.get_username() if person is not None else "",
        request_id=request.pk if request is not None else None,
        exists=exists,
    )


def _write_refusal(
    *,
    actor: User,
    code: Refusal,
    action: str,
    about: type[User] | type[AccessRequest],
    object_id: object,
    who: str,
    request_id: int | None,
    exists: bool | None,
) -> None:
    changes: dict[str, object] = {"four_eyes": code.value, "action": action, "person": who, "request": request_id}
    if exists is not None:
        changes["exists"] = exists
    audit_record(
        kind=AuditEntry.Kind.ACCESS_DENIED,
        actor=actor,
        object_type=about,
        object_id=str(object_id),
        summary=f"Refused ({code.value.replace('_', ' ')}): {action.replace('_', ' ')}"
        + (f" for {who}" if who else "")
        + (f", request {request_id}" if request_id is not None else ""),
        changes=changes,
    )


def _not_found(actor: User, model: type[User] | type[AccessRequest], pk: int, *, action: str, message: str) -> Http404:
    """The 404 for a person or request not of `actor`'s force, hidden or missing: the same answer after
    the same work (one lookup of who it is about, one refusal entry saying whether it exists)."""
    who_field = "username" if model is User else "person__username"
    found = list(model._default_manager.filter(pk=pk).values_list(who_field, flat=True)[:1])
    exists = bool(found)
    _write_refusal(
        actor=actor,
        code=Refusal.OTHER_FORCE if exists else Refusal.NOT_FOUND,
        action=action,
        about=model,
        object_id=pk,
        who=found[0] if exists else "",
        request_id=pk if model is AccessRequest else None,
        exists=exists,
    )
    return Http404(message)


def refuse(
    *,
    actor: User,
    code: Refusal,
    action: str,
    message: str,
    person: User | None = None,
    request: AccessRequest | None = None,
) -> PermissionDenied:
    """Record the refusal and return the 403 to raise."""
    record_refusal(actor=actor, code=code, action=action, person=person, request=request)
    return PermissionDenied(message)


def ensure_administrator(actor: User, *, action: str) -> None:
    if not is_administrator(actor):
        raise refuse(actor=actor, code=Refusal.NOT_ADMINISTRATOR, action=action, message=NOT_ADMINISTRATOR)


def ensure_may_administer(actor: User, person: User, *, action: str, own_account_allowed: bool = False) -> None:
    """Refuse unless `actor` is an administrator of `person`'s force and (unless
    `own_account_allowed`, for reading) `person` is someone else."""
    ensure_administrator(actor, action=action)
    if person.force_id != actor.force_id:
        record_refusal(actor=actor, code=Refusal.OTHER_FORCE, action=action, person=person, exists=True)
        raise Http404(PERSON_NOT_FOUND)
    if person.pk == actor.pk and not own_account_allowed:
        raise refuse(actor=actor, code=Refusal.OWN_ACCOUNT, action=action, message=OWN_ACCOUNT, person=person)


def _force_of(administrator: User, *, action: str) -> int:
    """The force an administrator administers (`ensure_administrator` refuses anyone without one)."""
    if administrator.force_id is None:
        raise refuse(actor=administrator, code=Refusal.NOT_ADMINISTRATOR, action=action, message=NOT_ADMINISTRATOR)
    return administrator.force_id


def get_person_for_administration(actor: User, pk: int, *, action: str, own_account_allowed: bool = False) -> User:
    """The person `pk` if `actor` may administer them (404 for another force's or a missing person,
    the same answer; 403 for someone not an administrator or for their own account)."""
    ensure_administrator(actor, action=action)
    person = User.objects.select_related("force").filter(pk=pk, force_id=_force_of(actor, action=action)).first()
    if person is None:
        raise _not_found(actor, User, pk, action=action, message=PERSON_NOT_FOUND)
    ensure_may_administer(actor, person, action=action, own_account_allowed=own_account_allowed)
    return person


def ensure_may_decide(actor: User, request: AccessRequest, *, action: str) -> None:
    """Refuse unless `actor` is an administrator of the request's force, did not make it, and is not
    the person it is about."""
    ensure_administrator(actor, action=action)
    if request.force_id != actor.force_id:
        record_refusal(actor=actor, code=Refusal.OTHER_FORCE, action=action, request=request, exists=True)
        raise Http404(REQUEST_NOT_FOUND)
    if request.requested_by_id == actor.pk:
        raise refuse(actor=actor, code=Refusal.OWN_REQUEST, action=action, message=OWN_REQUEST, request=request)
    if request.person_id == actor.pk:
        raise refuse(actor=actor, code=Refusal.ABOUT_YOURSELF, action=action, message=ABOUT_YOURSELF, request=request)


def get_request_for_decision(actor: User, pk: int, *, action: str) -> AccessRequest:
    """The request `pk` if `actor` may decide it (404 for another force's or a missing request, the
    same answer after the same work; 403 for someone not an administrator, or four eyes)."""
    ensure_administrator(actor, action=action)
    request = (
        AccessRequest.objects.select_related("person", "requested_by", "team__force")
        .filter(pk=pk, force_id=_force_of(actor, action=action))
        .first()
    )
    if request is None:
        raise _not_found(actor, AccessRequest, pk, action=action, message=REQUEST_NOT_FOUND)
    ensure_may_decide(actor, request, action=action)
    return request
