"""Fetch-and-authorise helpers. Views never fetch case data any other way.

A case the user may not see is a 404, exactly as a case that does not exist (same message, same
page, and the same work: `not_found` looks the record up and records an `access_denied` entry either
way, so the time taken does not tell a hidden record from a missing one); a case the user may see
but not do the thing asked is a 403. Every refusal sends `audit.signals.access_denied` for the
audit trail, and every record fetched is a read
of case data, recorded by `audit.services.audit_read` (one entry per page). The rules of who may see and do what
live in `cases.selectors` (`cases_visible_to`, `case_allows`) and `accounts.roles`; docs/access.md
explains them.
"""

from typing import TypeVar

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db import models
from django.http import Http404

from accounts.models import User
from accounts.roles import Capability, user_has_capability
from audit.objects import ObjectType, ObjectTypeArgument
from audit.services import audit_read
from audit.signals import access_denied
from cases.deadlines import with_deadline_records
from cases.models import Case, DeconflictionMatch, ExportJob, Notification, Referral
from cases.records import case_page_select, load_case_page_records
from cases.selectors import (
    case_allows,
    cases_visible_to,
    cases_visible_to_force_client,
    matches_visible_to,
    referrals_visible_to,
)
from safeguard.planning import joins_in_written_order

CASE_NOT_FOUND = "No case with that reference."
CASE_NOT_CHANGEABLE = "You can read this case but not change it."
RECORD_NOT_FOUND = "No such record on this case."
REFERRAL_NOT_FOUND = "No such referral."
NOTIFICATION_NOT_FOUND = "No such reminder."
EXPORT_NOT_FOUND = "No such export."
MATCH_NOT_FOUND = "No such deconfliction match."
NOT_ALLOWED = {
    Capability.RECORD_TEAM_CASES: CASE_NOT_CHANGEABLE,
    Capability.RECORD_DEVICES: "You can read this case but not record devices or triage on it.",
    Capability.SUPERVISE: "Only a supervisor of the case's team can do this.",
    Capability.APPROVE_CLOSURE: "Only a supervisor of the case's team can close a case or review its retention.",
}
ROLE_NOT_ALLOWED = "Your role does not allow this."

VIEW = "view"

M = TypeVar("M", bound=models.Model)


def deny(
    user: User | AnonymousUser | None, obj_type: ObjectTypeArgument, obj_id: object, action: str, *, exists: bool = True
) -> None:
    """Tell the audit trail that `user` was refused `action` on `obj_type` `obj_id` (one that
    `exists`, or one asked for that does not)."""
    access_denied.send(
        sender=Case,
        user=user,
        obj_type=obj_type,
        obj_id=str(obj_id),
        action=str(action),
        request=None,
        exists=exists,
        case_reference=str(obj_id) if obj_type is Case else "",
    )


def not_found(
    user: User | AnonymousUser | None,
    model: type[models.Model],
    obj_id: object,
    action: str,
    message: str,
) -> Http404:
    """The 404 for a record `user` may not have: hidden or missing, the same answer after the same
    work (one lookup, one audit entry), so neither the page nor its timing says which."""
    lookup = {"reference": obj_id} if model is Case else {"pk": obj_id}
    exists = model._default_manager.filter(**lookup).exists()
    deny(user, model, obj_id, action, exists=exists)
    return Http404(message)


def _case_not_found(user: User, reference: str, action: str) -> Http404:
    return not_found(user, Case, reference, action, CASE_NOT_FOUND)


def _remember_user(case: Case, user: User) -> Case:
    """Records fetched under this case (`get_child_or_404`) know whom to name in a denial and in
    the audit trail's record of the read."""
    case._fetched_for = user
    audit_read(actor=user, object_type=Case, object_id=case.pk, case_reference=case.reference)
    return case


def get_case_for_user(user: User, reference: str, *, action: str = VIEW) -> Case:
    """A case `user` may see (`cases_visible_to`); any other reference is a 404."""
    try:
        case = (
            cases_visible_to(user)
            .select_related("force", "team", "officer_in_case", "supervisor", "referral")
            .get(reference=reference)
        )
    except Case.DoesNotExist:
        raise _case_not_found(user, reference, action) from None
    return _remember_user(case, user)


def get_case_for_force_client(force_id: int, reference: str) -> Case:
    """A case an API client of force `force_id` may read (`cases_visible_to_force_client`), with what
    its deadlines read; any other reference is a 404, the same as a missing one. The read and the
    refusal name whoever the audit context names (the client)."""
    found = with_deadline_records(cases_visible_to_force_client(force_id).filter(reference=reference))
    if not found:
        raise not_found(None, Case, reference, VIEW, CASE_NOT_FOUND)
    case = found[0]
    audit_read(actor=None, object_type=Case, object_id=case.pk, case_reference=case.reference)
    return case


def get_case_for_change(user: User, reference: str, *, capability: Capability = Capability.RECORD_TEAM_CASES) -> Case:
    """A case `user` may see and do `capability` on: recording (the default), recording devices and
    triage (RECORD_DEVICES), supervisor actions (SUPERVISE) or closure and retention
    (APPROVE_CLOSURE). Not visible is a 404; visible but not allowed is a 403."""
    case = get_case_for_user(user, reference, action=capability)
    require_case_allows(case, user, capability)
    return case


def require_case_allows(case: Case, user: User, capability: Capability) -> None:
    """For a case already fetched for `user` (`get_case_for_user`): a 403 unless they may do
    `capability` on it, for a page that knows the capability only once it has the case."""
    if not case_allows(case, user, capability):
        deny(user, Case, case.reference, capability)
        raise PermissionDenied(NOT_ALLOWED[capability])


def get_child_or_404(case: Case, model: type[M], pk: int, *, via: str = "case") -> M:
    """A record that belongs to `case` (warrant, device, arrest...; through `via`, the path of
    foreign keys to its case, for a record of a record: "arrest__case"); anything else is a 404.

    A record that exists on another case is refused as a denial (an id tried from another case).
    """
    try:
        record = model._default_manager.get(**{via: case, "pk": pk})
    except ObjectDoesNotExist:
        user = getattr(case, "_fetched_for", None)
        raise not_found(user, model, pk, VIEW, RECORD_NOT_FOUND) from None
    audit_read(
        actor=getattr(case, "_fetched_for", None),
        object_type=model,
        object_id=pk,
        case_reference=case.reference,
    )
    return record


def get_case_for_page(user: User, reference: str) -> Case:
    """The case for its page, with every record the page shows (`cases.records`): two queries, the
    first in a transaction of its own that sets its join order (`joins_in_written_order`)."""
    try:
        with joins_in_written_order():  # eleven tables: their join order is not worth searching
            case = case_page_select(cases_visible_to(user)).get(reference=reference)
    except Case.DoesNotExist:
        raise _case_not_found(user, reference, VIEW) from None
    return _remember_user(load_case_page_records(case), user)


def get_referral_for_user(user: User, pk: int, *, action: str = VIEW) -> Referral:
    """A referral `user` may see (`referrals_visible_to`); any other is a 404."""
    try:
        referral = referrals_visible_to(user).select_related("force", "created_by").get(pk=pk)
    except Referral.DoesNotExist:
        raise not_found(user, Referral, pk, action, REFERRAL_NOT_FOUND) from None
    audit_read(actor=user, object_type=Referral, object_id=referral.pk)
    return referral


def get_referral_child_or_404(referral: Referral, model: type[M], pk: int, *, user: User) -> M:
    """A record of `referral` (a communications-data request); anything else is a 404."""
    try:
        record = model._default_manager.get(referral=referral, pk=pk)
    except ObjectDoesNotExist:
        raise not_found(user, model, pk, VIEW, RECORD_NOT_FOUND) from None
    audit_read(actor=user, object_type=model, object_id=pk)
    return record


def require_capability(user: User, capability: Capability, *, obj_type: ObjectTypeArgument = ObjectType.PAGE) -> None:
    """For pages not about one case (open a case, record a referral): the role must allow it."""
    if not user_has_capability(user, capability):
        deny(user, obj_type, "", capability)
        raise PermissionDenied(ROLE_NOT_ALLOWED)


def get_notification_for_user(user: User, pk: int) -> Notification:
    """One of the user's own reminders; anyone else's is a 404, the same as a missing one."""
    try:
        return Notification.objects.get(pk=pk, recipient_id=user.pk)
    except Notification.DoesNotExist:
        raise not_found(user, Notification, pk, VIEW, NOTIFICATION_NOT_FOUND) from None


def get_export_job_for_user(user: User, pk: int) -> ExportJob:
    """An export `user` asked for; anyone else's, like a missing one, is a 404."""
    try:
        return ExportJob.objects.get(pk=pk, requested_by_id=user.pk)
    except ExportJob.DoesNotExist:
        raise not_found(user, ExportJob, pk, VIEW, EXPORT_NOT_FOUND) from None


def get_match_for_user(user: User, pk: int) -> DeconflictionMatch:
    """A deconfliction match of which `user` may see at least one record (`matches_visible_to`, one
    query whether the match is hidden or missing); any other, like a missing one, is a 404. What of
    the other record they may see is decided per side (`cases.selectors.side_view`)."""
    try:
        return matches_visible_to(user).select_related("first", "second").get(pk=pk)
    except DeconflictionMatch.DoesNotExist:
        raise not_found(user, DeconflictionMatch, pk, VIEW, MATCH_NOT_FOUND) from None
