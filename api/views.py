"""API v1 (docs/api.md): thin views over the same selectors and fetch-and-authorise helpers as the
pages (cases.selectors, cases.permissions). Every read is audited as the pages' are, naming the
client; every refusal (401, 403, 404, 429) is an `access_denied` entry."""

from typing import Any, ClassVar

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.authentication import API_SOURCE, ClientTokenAuthentication
from api.models import ApiClient, Scope
from api.permissions import ClientHasScope
from api.selectors import changed_since
from api.serializers import (
    CaseDetailSerializer,
    CaseFiltersSerializer,
    CasePageSerializer,
    DeadlineSerializer,
    ErrorSerializer,
)
from api.throttling import ClientRateThrottle
from audit.context import current_context
from audit.models import AuditEntry
from audit.objects import ObjectType
from audit.services import audit_record, audit_search
from cases.deadlines import case_deadlines
from cases.models import Case
from cases.permissions import get_case_for_force_client
from cases.selectors import case_list_page, cases_visible_to_force_client
from safeguard.keyset import Position

REFUSALS = (
    exceptions.NotAuthenticated,
    exceptions.AuthenticationFailed,
    exceptions.PermissionDenied,
    exceptions.Throttled,
)


class ClientView(APIView):
    """A view a client calls with its token, within `required_scope`."""

    authentication_classes = [ClientTokenAuthentication]
    permission_classes = [ClientHasScope]
    throttle_classes = [ClientRateThrottle]
    required_scope: ClassVar[Scope]

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        context = current_context()
        if context is not None:
            # Reads are written at once (audit_read), not left to the page's end as the web's are.
            context.source = API_SOURCE
        super().initial(request, *args, **kwargs)

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, REFUSALS):
            request = self.request
            audit_record(
                kind=AuditEntry.Kind.ACCESS_DENIED,
                actor=None,
                object_type=ObjectType.REQUEST,
                object_id=request.path[:100],
                summary=f"API refused {request.method} {request.path}: {exc.detail}",
                changes={"status": exc.status_code, "scope": self.required_scope.value},
                request=request._request,
            )
        return super().handle_exception(exc)

    @property
    def client(self) -> ApiClient:
        client = self.request.auth
        assert isinstance(client, ApiClient)  # ClientHasScope let no other through
        return client


# The refusals every endpoint may answer with, each `{"detail": "..."}`.
REFUSED = {
    401: OpenApiResponse(ErrorSerializer, "No token, or one that is unknown, expired or revoked."),
    403: OpenApiResponse(ErrorSerializer, "The client's scopes do not include this endpoint's."),
    429: OpenApiResponse(ErrorSerializer, "Too many requests from this client: see Retry-After."),
}
NOT_FOUND = {404: OpenApiResponse(ErrorSerializer, "No case with that reference that the client's force may read.")}


class CaseListView(ClientView):
    """The unrestricted cases of the client's force, newest opened first, a keyset page at a time:
    follow `older` (as `before`) to the next page. Needs the `read_cases` scope."""

    required_scope = Scope.READ_CASES

    @extend_schema(
        operation_id="cases_list",
        parameters=[CaseFiltersSerializer],
        responses={
            200: CasePageSerializer,
            400: OpenApiResponse(OpenApiTypes.OBJECT, "Bad filters: each field named, with why."),
            **REFUSED,
        },
        summary="The cases of the client's force, newest opened first (keyset pages)",
    )
    def get(self, request: Request) -> Response:
        filters = CaseFiltersSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        asked = filters.validated_data
        cases = cases_visible_to_force_client(self.client.force_id)
        if asked.get("stage"):
            cases = cases.filter(stage=asked["stage"])
        if asked.get("status"):
            cases = cases.filter(status=asked["status"])
        if asked.get("updated_since") is not None:
            cases = changed_since(cases, asked["updated_since"])
        position = Position.from_query(asked)
        page = case_list_page(cases.order_by("-opened_at", "-id"), size=asked["size"], position=position)
        shown = [case.reference for case in page.rows]
        audit_search(
            request._request,
            object_type=Case,
            filters={name: asked.get(name) for name in ("stage", "status", "updated_since")},
            shown=shown,
            page=position.describe(),
        )
        body = {
            "results": page.rows,
            "older": page.older.encode() if page.older else None,
            "newer": page.newer.encode() if page.newer else None,
        }
        return Response(CasePageSerializer(body).data)


REFERENCE = OpenApiParameter("reference", str, OpenApiParameter.PATH, description="e.g. STF-2026-000123")


class CaseDetailView(ClientView):
    """One case of the client's force. Another force's case, or a restricted one, is a 404 exactly
    as a case that does not exist. Needs the `read_cases` scope."""

    required_scope = Scope.READ_CASES

    @extend_schema(
        operation_id="cases_read",
        parameters=[REFERENCE],
        responses={200: CaseDetailSerializer, **NOT_FOUND, **REFUSED},
        summary="One case",
    )
    def get(self, request: Request, reference: str) -> Response:
        case = get_case_for_force_client(self.client.force_id, reference)
        return Response(CaseDetailSerializer(case).data)


class CaseDeadlinesView(ClientView):
    """Every deadline of one case of the client's force, soonest first, met or not, as the case's
    page shows them (docs/deadlines.md). Needs the `read_deadlines` scope."""

    required_scope = Scope.READ_DEADLINES

    @extend_schema(
        operation_id="cases_deadlines",
        parameters=[REFERENCE],
        responses={200: DeadlineSerializer(many=True), **NOT_FOUND, **REFUSED},
        summary="Every deadline of one case, soonest first",
    )
    def get(self, request: Request, reference: str) -> Response:
        case = get_case_for_force_client(self.client.force_id, reference)
        deadlines = case_deadlines(case, now=timezone.now())
        return Response(DeadlineSerializer(deadlines, many=True).data)
