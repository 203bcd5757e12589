"""What a client may call: the view's scope must be one of the client's (docs/api.md)."""

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from api.models import ApiClient, Scope


class ClientHasScope(BasePermission):
    """403 unless the client holds the view's `required_scope`; 401 without a client."""

    message = "This client's scopes do not include the one this endpoint needs."

    def has_permission(self, request: Request, view: Any) -> bool:
        client = request.auth
        required: Scope = view.required_scope
        return isinstance(client, ApiClient) and required.value in client.scopes
