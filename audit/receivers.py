"""Receivers that turn sign-in, access and role events into audit entries (connected in AuditConfig.ready).

They only record: each calls `audit_record`, in the sender's transaction, so a failed write fails
the event it describes.
"""

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import m2m_changed

from audit.context import current_context
from audit.models import AuditEntry
from audit.objects import ObjectTypeArgument, object_type_label, object_type_value
from audit.services import audit_record
from audit.signals import access_changed, access_denied
from safeguard.metadata import recognise

Kind = AuditEntry.Kind
ROLE_CHANGES = ("assign_", "reassign_")


def on_user_logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    context = current_context()
    if context is not None:
        context.set_actor(user)
    audit_record(
        kind=Kind.SIGN_IN,
        actor=user,
        object_type=get_user_model(),
        object_id=str(user.pk),
        summary="Signed in with password",
        request=request,
    )


def on_user_logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is None:  # the session had already ended
        return
    audit_record(
        kind=Kind.SIGN_OUT,
        actor=user,
        object_type=get_user_model(),
        object_id=str(user.pk),
        summary="Signed out",
        request=request,
    )
    context = current_context()
    if context is not None:
        context.set_actor(None)


def on_user_login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    username = str(credentials.get("username") or "")[:150]
    what = (
        "Wrong two-factor code"
        if kwargs.get("two_factor")
        else "Sign-in refused (wrong password, unknown user or locked)"
    )
    audit_record(
        kind=Kind.SIGN_IN_FAILED,
        actor=None,
        actor_username=username,
        object_type=get_user_model(),
        object_id=username[: AuditEntry._meta.get_field("object_id").max_length],
        summary=what,
        request=request,
    )


def on_user_locked_out(sender: Any, request: Any = None, username: str | None = None, **kwargs: Any) -> None:
    name = str(username or "")[:150]
    audit_record(
        kind=Kind.LOCKOUT,
        actor=None,
        actor_username=name,
        object_type=get_user_model(),
        object_id=name[: AuditEntry._meta.get_field("object_id").max_length],
        summary="Locked out after too many failed sign-in attempts",
        request=request,
    )


def on_access_denied(
    sender: Any,
    user: Any,
    obj_type: ObjectTypeArgument,
    obj_id: str,
    action: str,
    request: Any = None,
    exists: bool = True,
    case_reference: str = "",
    **kwargs: Any,
) -> None:
    asked = _asked(obj_id, AuditEntry._meta.get_field("object_id").max_length)
    audit_record(
        kind=Kind.ACCESS_DENIED,
        actor=user,
        object_type=obj_type,
        object_id=asked,
        case_reference=_asked(case_reference, AuditEntry._meta.get_field("case_reference").max_length),
        summary=f"Refused: {action} on {object_type_label(object_type_value(obj_type))} {asked}"
        + ("" if exists else " (no such record)"),
        changes={"exists": exists},
        request=request,
    )


def _asked(value: str, width: int | None) -> str:
    """What was asked for is the visitor's text: kept to the column's width, and never a file."""
    return ("[a value carrying a file]" if recognise(value) else value)[:width]


def on_access_changed(
    sender: Any, actor: Any, user: Any, case: Any, change: str, reason: str = "", **kwargs: Any
) -> None:
    kind = Kind.ROLE_CHANGE if change.startswith(ROLE_CHANGES) else Kind.PERMISSION_CHANGE
    changes = {"user": user.get_username(), "change": change}
    if reason:
        changes["reason"] = reason
    audit_record(
        kind=kind,
        actor=actor,
        object_type=get_user_model(),
        object_id=str(user.pk),
        case_reference=case.reference,
        summary=f"{change} for {user.get_username()} on {case.reference}",
        changes=changes,
    )


def on_membership_changed(
    sender: Any, instance: Any, action: str, reverse: bool, model: Any, pk_set: Any, **kwargs: Any
) -> None:
    """Roles (groups) and one-by-one permissions given or taken away, however the relation is used."""
    if action not in ("post_add", "post_remove") or not pk_set:
        return
    User = get_user_model()
    is_roles = sender is User.groups.through
    kind = Kind.ROLE_CHANGE if is_roles else Kind.PERMISSION_CHANGE
    verb = "given" if action == "post_add" else "taken away"
    if reverse:  # group.user_set.add(...) / permission.user_set.add(...): one entry per person
        people = User.objects.filter(pk__in=pk_set).order_by("pk")
        names = {person.pk: [str(instance)] for person in people}
        users = list(people)
    else:
        names = {instance.pk: sorted(str(item) for item in model.objects.filter(pk__in=pk_set))}
        users = [instance]
    for person in users:
        what = "roles" if is_roles else "permissions"
        audit_record(
            kind=kind,
            actor=None,
            object_type=get_user_model(),
            object_id=str(person.pk),
            summary=f"{what.capitalize()} {verb} for {person.get_username()}: {', '.join(names[person.pk])}",
            changes={what: names[person.pk], "action": "add" if action == "post_add" else "remove"},
        )


def connect() -> None:
    User = get_user_model()
    user_logged_in.connect(on_user_logged_in, dispatch_uid="audit_sign_in")
    user_logged_out.connect(on_user_logged_out, dispatch_uid="audit_sign_out")
    user_login_failed.connect(on_user_login_failed, dispatch_uid="audit_sign_in_failed")
    access_denied.connect(on_access_denied, dispatch_uid="audit_access_denied")
    access_changed.connect(on_access_changed, dispatch_uid="audit_access_changed")
    m2m_changed.connect(on_membership_changed, sender=User.groups.through, dispatch_uid="audit_roles")
    m2m_changed.connect(on_membership_changed, sender=User.user_permissions.through, dispatch_uid="audit_permissions")
    try:
        from axes.signals import user_locked_out
    except ImportError:  # django-axes not installed
        return
    user_locked_out.connect(on_user_locked_out, dispatch_uid="audit_lockout")
