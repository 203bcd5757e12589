"""Who calls the API: an API client, by its bearer token (docs/api.md). No session, no password and
no second factor: the token's scopes and force bound what the client may read."""

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from api.models import ApiClient
from api.services import client_for_token
from audit.context import current_context

API_SOURCE = "api"
NOT_ISSUED = "Authorization: the token is not one Safeguard issued."
EXPIRED = "Authorization: the token has expired."
REVOKED = "Authorization: the token has been revoked."


class ClientTokenAuthentication(BaseAuthentication):
    """`Authorization: Bearer <token>`. The request's user stays anonymous (a client is no person);
    `request.auth` is the client, and the audit trail names it as the actor from here on."""

    def authenticate(self, request: Request) -> tuple[AnonymousUser, ApiClient] | None:
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != b"bearer":
            return None
        if len(header) != 2:
            raise AuthenticationFailed("Authorization: give one token after Bearer.")
        try:
            token = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise AuthenticationFailed(NOT_ISSUED) from None
        client = client_for_token(token)
        if client is None:
            raise AuthenticationFailed(NOT_ISSUED)
        if client.revoked_at is not None:
            raise AuthenticationFailed(REVOKED)
        if not client.is_usable(now=timezone.now()):
            raise AuthenticationFailed(EXPIRED)
        context = current_context()
        if context is not None:
            context.set_named_actor(client.audit_name, source=API_SOURCE)
        return AnonymousUser(), client

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="safeguard"'


def request_sender(request: HttpRequest) -> tuple[str, str] | None:
    """The client whose token a request carries (revoked or expired or not: its secret proves who
    sent it), as the audit trail names it, for a request refused before any view runs."""
    header = get_authorization_header(request).split()
    if len(header) != 2 or header[0].lower() != b"bearer":
        return None
    try:
        client = client_for_token(header[1].decode("ascii"))
    except UnicodeDecodeError:
        return None
    return (client.audit_name, API_SOURCE) if client is not None else None


class ClientTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.ClientTokenAuthentication"
    name = "clientToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer", "description": "An API client's token, `<prefix>.<secret>`."}
