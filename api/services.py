"""Registering and revoking API clients (docs/api.md). Each change is audited by the row trigger."""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import Force, User
from api.models import ApiClient, Scope

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
    expires_at: datetime | None = None,
    now: datetime | None = None,
) -> NewClient:
    """Register a client of `force` with `scopes`; its token is returned once, and only its hash kept."""
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
