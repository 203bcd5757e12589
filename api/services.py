"""Registering and revoking API clients, and the referrals they deliver (docs/api.md). Each change is
audited by the row triggers, with the client (or the administrator registering it) as actor."""

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import Force, User
from accounts.roles import Capability, user_has_capability
from api.models import ApiClient, IdempotentDelivery, Scope
from api.selectors import referral_delivered
from audit.services import audit_read
from cases.models import Referral
from cases.services.referrals import referral_add_identifier, referral_create

PREFIX_BYTES = 6  # 12 hex characters, public: it finds the client
SECRET_BYTES = 32
DEFAULT_LIFETIME = timedelta(days=365)


def token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class NewClient:
    client: ApiClient
    # Shown once, to whoever registered the client; never stored.
    token: str


class ClientError(ValueError):
    """A client that cannot be registered as asked: the message names the field."""


def create_client(
    *,
    force: Force,
    name: str,
    scopes: list[str],
    created_by: User,
    records_for: User | None = None,
    expires_at: datetime | None = None,
    now: datetime | None = None,
) -> NewClient:
    """Register a client of `force` with `scopes`; its token is returned once, and only its hash kept.
    A client with the referral intake scope records its referrals for `records_for`, a person of its
    force who records referrals (`intake_recorder`)."""
    now = now or timezone.now()
    name = name.strip()
    if not name:
        raise ClientError("name: give the client a name.")
    unknown = sorted(set(scopes) - set(Scope.values))
    if not scopes or unknown:
        raise ClientError(f"scopes: choose from {', '.join(Scope.values)} (not {', '.join(unknown) or 'none'}).")
    expires_at = expires_at or now + DEFAULT_LIFETIME
    if expires_at <= now:
        raise ClientError("expires: the expiry must be in the future.")
    if ApiClient.objects.filter(name=name).exists():
        raise ClientError(f"name: a client named {name!r} already exists.")
    if Scope.REFERRAL_INTAKE in scopes:
        if records_for is None:
            raise ClientError(f"records_for: {RECORDS_FOR_NEEDED}")
        problem = _recorder_problem(records_for, force)
        if problem:
            raise ClientError(f"records_for: {problem}")
    else:
        records_for = None
    prefix, secret = secrets.token_hex(PREFIX_BYTES), secrets.token_urlsafe(SECRET_BYTES)
    with transaction.atomic():
        client = ApiClient.objects.create(
            force=force,
            name=name,
            scopes=sorted(set(scopes)),
            prefix=prefix,
            token_hash=token_hash(secret),
            created_at=now,
            created_by=created_by,
            records_for=records_for,
            expires_at=expires_at,
        )
    return NewClient(client=client, token=f"{prefix}.{secret}")


def revoke_client(*, client: ApiClient, now: datetime | None = None) -> ApiClient:
    """Refuse the client's token from now on. Revoking a revoked client changes nothing."""
    if client.revoked_at is None:
        client.revoked_at = now or timezone.now()
        client.save(update_fields=["revoked_at"])
    return client


def client_for_token(token: str) -> ApiClient | None:
    """The client whose token `token` is, revoked or expired or not; None for anything else.

    The prefix finds at most one client; the secret's hash is compared in constant time."""
    prefix, dot, secret = token.partition(".")
    if not dot or not prefix or not secret or len(prefix) > 2 * PREFIX_BYTES:
        return None
    client = ApiClient.objects.select_related("force").filter(prefix=prefix).first()
    expected = client.token_hash if client is not None else token_hash("")
    matches = hmac.compare_digest(expected, token_hash(secret))
    return client if client is not None and matches else None


RECORDS_FOR_NEEDED = "a client that delivers referrals records them for a person: choose who."
RECORDER_NOT_ALLOWED = "{person} cannot record referrals of {force} (an active officer or supervisor of the force)."
INTAKE_NO_RECORDER = (
    "This client records referrals for no one who may record them now: an administrator must register it again."
)
KEY_REUSED = (
    "Idempotency-Key: this key was used before with a different body. Send a new key for a new referral, "
    "or the same body to have the first answer again."
)


def _recorder_problem(person: User, force: Force) -> str | None:
    if person.is_active and person.force_id == force.pk and user_has_capability(person, Capability.REFERRALS):
        return None
    return RECORDER_NOT_ALLOWED.format(person=person, force=force)


def intake_recorder(client: ApiClient) -> User:
    """The person the client's referrals are recorded for, as long as they still may record them;
    a PermissionDenied otherwise (they left, or their role changed since the client was registered)."""
    person = client.records_for
    if person is None or _recorder_problem(person, client.force) is not None:
        raise PermissionDenied(INTAKE_NO_RECORDER)
    return person


class KeyReused(ValueError):
    """The same Idempotency-Key with another body: which of the two was meant cannot be known."""


@dataclass(frozen=True)
class Delivered:
    status: int
    body: dict[str, Any]
    # A retry answered with the first delivery's answer: nothing recorded again.
    replayed: bool


def body_hash(data: Any) -> str:
    """The hash of a JSON body's data, whatever its spacing or the order of its keys."""
    return hashlib.sha256(json.dumps(data, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


@transaction.atomic
def referral_deliver(
    *, client: ApiClient, key: str, digest: str, referral: dict[str, Any], identifiers: list[dict[str, Any]]
) -> Delivered:
    """Record a referral and its identifiers delivered by `client`, through the same services as the
    referral form (`referral_create`, `referral_add_identifier`: deconfliction runs as for a referral
    typed in), once per `key`.

    Idempotent: the first delivery with `key` stores its answer under (client, key), unique, in the
    same transaction as the referral. A retry with the same body gets that answer and records
    nothing; with another body, KeyReused. Two deliveries with one key at once: the second's insert
    waits on the unique index until the first commits, then finds its answer (or, if the first
    failed and recorded nothing, records the referral itself). A refused delivery stores nothing,
    so it may be sent again, corrected, with the same key."""
    recorder = intake_recorder(client)
    # INSERT ... ON CONFLICT DO NOTHING: it waits for a delivery with the same key still under way,
    # and raises nothing (an error would spoil the transaction). The row read back is this
    # delivery's own, not answered yet (status 0), or an earlier one's, answered and committed.
    claim = IdempotentDelivery(client=client, key=key, body_hash=digest, status=0, response={})
    IdempotentDelivery.objects.bulk_create([claim], ignore_conflicts=True)
    delivery = IdempotentDelivery.objects.get(client=client, key=key)
    if delivery.status:
        if delivery.body_hash != digest:
            raise KeyReused(KEY_REUSED)
        audit_read(actor=None, object_type=Referral, object_id=delivery.response.get("id", ""))
        return Delivered(delivery.status, delivery.response, replayed=True)
    recorded = referral_create(actor=recorder, force=client.force, **referral)
    for index, identifier in enumerate(identifiers):
        try:
            referral_add_identifier(referral=recorded, actor=recorder, **identifier)
        except ValidationError as error:
            raise ValidationError(_prefixed(error, f"identifiers[{index}]")) from None
    delivery.status = 201
    delivery.response = referral_delivered(recorded, client)
    delivery.save(update_fields=["status", "response"])
    return Delivered(delivery.status, delivery.response, replayed=False)


def _prefixed(error: ValidationError, prefix: str) -> dict[str, list[str]]:
    """An identifier's errors named by its place in the delivery: `identifiers[2].port`."""
    if not hasattr(error, "error_dict"):
        return {prefix: list(error.messages)}
    return {
        prefix if field == NON_FIELD_ERRORS else f"{prefix}.{field}": list(ValidationError(errors).messages)
        for field, errors in error.error_dict.items()
    }
