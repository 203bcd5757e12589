"""Who is acting, from where: attached to every SQL statement so the database triggers can see it.

Within `acting_as(...)`, every statement Django sends on the default connection is preceded, in
the same round trip, by `set_config('safeguard.actor_id', ..., true)` and its siblings. `true`
makes them local to the transaction, so they hold for the statement itself in autocommit and for
the whole transaction inside `atomic`, and can never leak to the connection's next user (the same
technique as django-pghistory's context). The row triggers (audit/0002) read them.

The web uses it through `audit.middleware.AuditContextMiddleware`; commands, importers and Celery
tasks wrap their work in `acting_as(user, source="import")`.
"""

import ipaddress
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any
from uuid import uuid4

from django.conf import settings
from django.db import connection
from django.http import HttpRequest

from audit.objects import ObjectTypeArgument, describe_object, object_type_value

SETTINGS = ("actor_id", "actor_username", "ip", "request_id", "source")
PREFIX = "SELECT " + ", ".join(f"set_config('safeguard.{name}', %s, true)" for name in SETTINGS) + "; "


@dataclass(frozen=True)
class ReadRecord:
    """One record a page showed: a case, or a record of it (a warrant, a device...)."""

    object_type: ObjectTypeArgument
    object_id: str
    case_reference: str

    def __post_init__(self) -> None:
        object_type_value(self.object_type)  # an unknown type is refused when noted, not at the page's end

    @property
    def stored_type(self) -> str:
        return object_type_value(self.object_type)

    def describe(self) -> str:
        return describe_object(self.object_type, self.object_id)


@dataclass
class AuditContext:
    """Mutable: signing in or out part-way through a request changes the actor (audit.receivers)."""

    actor_id: int | None = None
    actor_username: str = ""
    ip: str | None = None
    request_id: str = ""
    source: str = ""
    # Records this request's page read (audit.services.audit_read), written as one READ entry
    # when the page has been built (AuditContextMiddleware).
    reads: list[ReadRecord] = field(default_factory=list)

    def set_actor(self, user: Any) -> None:
        if user is not None and getattr(user, "is_authenticated", False):
            self.actor_id, self.actor_username = user.pk, user.get_username()
        else:
            self.actor_id, self.actor_username = None, ""

    def set_named_actor(self, name: str, *, source: str) -> None:
        """Something that is not a person acts (an API client, named "api:<its name>"): entries
        carry `name` as the username, no user id, and `source`."""
        self.actor_id, self.actor_username, self.source = None, name, source

    def values(self) -> list[str]:
        return [
            "" if self.actor_id is None else str(self.actor_id),
            self.actor_username,
            self.ip or "",
            self.request_id,
            self.source,
        ]


_current: ContextVar[AuditContext | None] = ContextVar("safeguard_audit_context", default=None)


def current_context() -> AuditContext | None:
    return _current.get()


def valid_ip(value: str | None) -> str | None:
    """The address if it is one, else None: a malformed header must not make a write fail."""
    if not value:
        return None
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def new_request_id() -> str:
    return uuid4().hex


@contextmanager
def acting_as(
    user: Any, *, source: str, ip: str | None = None, request_id: str | None = None
) -> Iterator[AuditContext]:
    """Attribute every database write inside the block to `user` (None: no person, e.g. a task)."""
    context = AuditContext(ip=valid_ip(ip), request_id=request_id or new_request_id(), source=source)
    context.set_actor(user)
    outer = _current.get()
    token = _current.set(context)
    try:
        if outer is not None:  # the outer block's wrapper already attaches the current context
            yield context
        else:
            with connection.execute_wrapper(_attach_context):
                yield context
    finally:
        _current.reset(token)


def _attach_context(execute: Callable[..., Any], sql: Any, params: Any, many: bool, context: dict[str, Any]) -> Any:
    audit_context = _current.get()
    cursor = context["cursor"]
    if audit_context is None or not isinstance(sql, str) or getattr(cursor.cursor, "name", None):
        return execute(sql, params, many, context)
    if many:
        # executemany cannot carry a prefix: set the values for the rest of the transaction (they
        # vanish at its end; in autocommit, wrap bulk raw SQL in `atomic` to have them apply).
        cursor.cursor.execute(PREFIX.removesuffix("; "), audit_context.values())
        return execute(sql, params, many, context)
    if params is None:
        sql = sql.replace("%", "%%")
        params = ()
    if isinstance(params, dict):
        # Named parameters cannot be mixed with the positional prefix: set the values first.
        cursor.cursor.execute(PREFIX.removesuffix("; "), audit_context.values())
        return execute(sql, params, many, context)
    return execute(PREFIX + sql, [*audit_context.values(), *params], many, context)


def client_ip_address(request: HttpRequest) -> str | None:
    """The address sign-in attempts are counted against (AXES_CLIENT_IP_CALLABLE).

    Without a reverse proxy, the connection's address. Behind SAFEGUARD_TRUSTED_PROXIES proxies, each
    of which appends the address it received the request from to X-Forwarded-For, the entry the
    outermost proxy appended: everything to the left of it is whatever the client chose to send.
    """
    proxies = settings.SAFEGUARD_TRUSTED_PROXIES
    if proxies > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR")
