"""Four eyes: changes of access that a second administrator approves (docs/administration.md).

A request is made by one person (an administrator, or for a case a supervisor of its team) and
decided by an administrator of the request's force who neither made it nor is the person it is
about (`accounts.permissions.ensure_may_decide`; the database refuses a decision by the requester
as well). A request not decided within SAFEGUARD_ACCESS_REQUEST_DAYS lapses: it is checked when the
request is read or decided, so nothing has to run for it.

Approving applies the change through the handler of the request's kind. Roles and teams are
applied here; the cases app registers its own kinds (a case grant across teams, lifting a
restriction) at start-up (`register_request_handler`), because accounts sits below cases.
"""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import AccessRequest, Force, Team, User
from accounts.permissions import ensure_may_decide
from audit.models import AuditEntry
from audit.services import audit_record

REQUEST_DECIDED = "This request was already {state}. Nothing was changed."
REQUEST_EXPIRED = (
    "This request has lapsed: it was not approved within {days} days. Nothing was changed; ask again if it is "
    "still needed."
)
REQUEST_DUPLICATE = "The same request is already waiting for approval."
REQUEST_PERSON_DISABLED = "That person's account is disabled, so the request cannot be approved."
REQUEST_PERSON_MOVED = "That person is no longer in the force the request was made for, so it cannot be approved."
REQUEST_KIND_UNKNOWN = "Safeguard cannot apply a request of this kind."
NOTE_MAX_LENGTH = 2000

Handler = Callable[[AccessRequest, User], None]
_HANDLERS: dict[str, Handler] = {}


def register_request_handler(kind: str, handler: Handler) -> None:
    """Say how an approved request of `kind` is applied: `handler(request, approver)`, inside the
    approval's transaction; it raises ValidationError when the change can no longer be made."""
    _HANDLERS[kind] = handler


def access_request_create(
    *,
    kind: str,
    actor: User,
    force: Force,
    person: User | None = None,
    role: str = "",
    team: Team | None = None,
    case_id: int | None = None,
    case_reference: str = "",
    level: str = "",
    reason: str = "",
) -> AccessRequest:
    """Record a request waiting for a second administrator (callers check who may ask)."""
    same = AccessRequest.objects.filter(
        kind=kind,
        status=AccessRequest.Status.PENDING,
        expires_at__gt=timezone.now(),
        person=person,
        role=role,
        team=team,
        case_id=case_id,
    )
    if same.exists():
        raise ValidationError(REQUEST_DUPLICATE)
    now = timezone.now()
    request = AccessRequest.objects.create(
        kind=kind,
        force=force,
        requested_by=actor,
        requested_at=now,
        expires_at=now + timedelta(days=settings.SAFEGUARD_ACCESS_REQUEST_DAYS),
        person=person,
        role=role,
        team=team,
        case_id=case_id,
        case_reference=case_reference,
        level=level,
        reason=reason,
    )
    _audit(request, actor, "access_request_create", f"Asked for approval: {describe_request(request)}")
    return request


def access_request_approve(*, access_request: AccessRequest, actor: User, note: str = "") -> AccessRequest:
    """Approve and apply `access_request`. Refused (and recorded) for someone who may not decide it;
    a ValidationError, changing nothing, for one already decided or lapsed."""
    ensure_may_decide(actor, access_request, action="access_request_approve")
    return _decide(access_request, actor, approve=True, note=note)


def access_request_refuse(*, access_request: AccessRequest, actor: User, note: str = "") -> AccessRequest:
    """Refuse `access_request`: nothing changes but its state. The same people may refuse as may approve."""
    ensure_may_decide(actor, access_request, action="access_request_refuse")
    return _decide(access_request, actor, approve=False, note=note)


@transaction.atomic
def _decide(access_request: AccessRequest, actor: User, *, approve: bool, note: str) -> AccessRequest:
    # Locked, so that two administrators approving at once apply it once.
    request = AccessRequest.objects.select_for_update().get(pk=access_request.pk)
    if request.status != AccessRequest.Status.PENDING:
        raise ValidationError(REQUEST_DECIDED.format(state=request.get_status_display().lower()))
    if request.expires_at <= timezone.now():
        raise ValidationError(REQUEST_EXPIRED.format(days=settings.SAFEGUARD_ACCESS_REQUEST_DAYS))
    if approve:
        handler = _HANDLERS.get(request.kind)
        if handler is None:
            raise ValidationError(REQUEST_KIND_UNKNOWN)
        handler(request, actor)
    request.status = AccessRequest.Status.APPROVED if approve else AccessRequest.Status.REFUSED
    request.decided_by = actor
    request.decided_at = timezone.now()
    request.decision_note = note[:NOTE_MAX_LENGTH]
    request.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    action, verb = ("access_request_approve", "Approved") if approve else ("access_request_refuse", "Refused")
    _audit(request, actor, action, f"{verb}: {describe_request(request)}")
    return request


def describe_request(request: AccessRequest) -> str:
    """ "the Supervisor role for dc.a", "membership of Safenet (STF) for dc.a", ..."""
    person = request.person.get_username() if request.person is not None else ""
    if request.kind == AccessRequest.Kind.ROLE:
        return f"the {request.role} role for {person}"
    if request.kind == AccessRequest.Kind.TEAM:
        return f"membership of {request.team} for {person}"
    if request.kind == AccessRequest.Kind.CASE_GRANT:
        return f"access to case {request.case_reference} ({request.level}) for {person}"
    return f"lifting the restriction of case {request.case_reference}"


def _audit(request: AccessRequest, actor: User, action: str, summary: str) -> None:
    changes: dict[str, Any] = {
        "action": action,
        "request": request.pk,
        "kind": request.kind,
        "person": request.person.get_username() if request.person is not None else "",
        "requested_by": request.requested_by.get_username(),
    }
    for field in ("role", "case_reference", "level"):
        if getattr(request, field):
            changes[field] = getattr(request, field)
    if request.team is not None:
        changes["team"] = str(request.team)
    audit_record(
        kind=AuditEntry.Kind.ADMIN_ACTION,
        actor=actor,
        object_type=AccessRequest,
        object_id=str(request.pk),
        case_reference=request.case_reference,
        summary=summary,
        changes=changes,
    )


def _ensure_person_still_eligible(request: AccessRequest) -> User:
    person = request.person
    assert person is not None, "role and team requests are about a person"
    person = User.objects.select_for_update().get(pk=person.pk)
    if not person.is_active:
        raise ValidationError(REQUEST_PERSON_DISABLED)
    return person


def _apply_role(request: AccessRequest, approver: User) -> None:
    person = _ensure_person_still_eligible(request)
    if person.force_id != request.force_id:
        raise ValidationError(REQUEST_PERSON_MOVED)
    person.groups.add(Group.objects.get(name=request.role))


def _apply_team(request: AccessRequest, approver: User) -> None:
    person = _ensure_person_still_eligible(request)
    assert request.team is not None, "a team request names its team"
    person.teams.add(request.team)


register_request_handler(AccessRequest.Kind.ROLE, _apply_role)
register_request_handler(AccessRequest.Kind.TEAM, _apply_team)
