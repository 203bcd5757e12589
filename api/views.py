"""API v1 (docs/api.md): thin views over the same selectors, fetch-and-authorise helpers and
services as the pages (cases.selectors, cases.permissions, cases.services.referrals, reports). Every
read and write is audited as the pages' are, naming the client; every refusal (401, 403, 404, 429)
is an `access_denied` entry. The reads answer in JSON, or in CSV (`?format=csv`, `Accept: text/csv`)."""

import re
from typing import Any, ClassVar

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions
from rest_framework.parsers import JSONParser
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.authentication import API_SOURCE, ClientTokenAuthentication
from api.models import ApiClient, Scope
from api.permissions import ClientHasScope
from api.renderers import CsvRenderer, csv_text
from api.selectors import changed_since
from api.serializers import (
    CaseDetailSerializer,
    CaseFiltersSerializer,
    CasePageSerializer,
    CaseSerializer,
    DeadlineSerializer,
    ErrorSerializer,
    FiguresQuerySerializer,
    FiguresSerializer,
    ReferralDeliveredSerializer,
    ReferralInSerializer,
)
from api.services import KeyReused, body_hash, referral_deliver
from api.throttling import ClientRateThrottle
from audit.context import current_context
from audit.models import AuditEntry
from audit.objects import ObjectType
from audit.services import audit_read, audit_record, audit_search
from cases.deadlines import case_deadlines
from cases.formats import day
from cases.models import Case
from cases.permissions import get_case_for_force_client
from cases.selectors import case_list_page, cases_visible_to_force_client
from reports.figures import force_figures_report
from reports.services import figures_csv
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
    renderer_classes = [JSONRenderer, CsvRenderer]
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

    @property
    def as_csv(self) -> bool:
        return getattr(self.request.accepted_renderer, "format", "") == "csv"


# The refusals every endpoint may answer with, each `{"detail": "..."}`.
REFUSED = {
    401: OpenApiResponse(ErrorSerializer, "No token, or one that is unknown, expired or revoked."),
    403: OpenApiResponse(ErrorSerializer, "The client's scopes do not include this endpoint's."),
    429: OpenApiResponse(ErrorSerializer, "Too many requests from this client: see Retry-After."),
}
NOT_FOUND = {404: OpenApiResponse(ErrorSerializer, "No case with that reference that the client's force may read.")}


CASE_COLUMNS = list(CaseDetailSerializer().fields)
DEADLINE_COLUMNS = list(DeadlineSerializer().fields)


def cases_csv(rows: list[dict[str, Any]]) -> str:
    """Cases as CSV, one a line, with the columns of the JSON (a list's have no district or supervisor)."""
    return csv_text(CASE_COLUMNS, ([row.get(column, "") for column in CASE_COLUMNS] for row in rows))


def json_or_csv(serializer: Any, csv: str, *others: dict[int, OpenApiResponse]) -> dict[Any, Any]:
    """A read's answers: JSON, or CSV with `?format=csv` or `Accept: text/csv` (a 200 as `csv` says,
    any other as `field,message` lines)."""
    answers = {(200, "application/json"): serializer, (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, csv)}
    for status, answer in (item for other in others for item in other.items()):
        answers[(status, "application/json")] = answer
        answers[(status, "text/csv")] = OpenApiResponse(OpenApiTypes.STR, answer.description)
    return answers


class CaseListView(ClientView):
    """The unrestricted cases of the client's force, newest opened first, a keyset page at a time:
    follow `older` (as `before`) to the next page. Needs the `read_cases` scope."""

    required_scope = Scope.READ_CASES

    @extend_schema(
        operation_id="cases_list",
        parameters=[CaseFiltersSerializer],
        responses={
            **json_or_csv(
                CasePageSerializer,
                "One line a case; the cursors in the Link header.",
                {400: OpenApiResponse(OpenApiTypes.OBJECT, "Bad filters: each field named, with why.")},
                REFUSED,
            )
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
        if self.as_csv:
            # The cursors, which a CSV has no place for, go in a Link header (RFC 8288).
            links = [f'<?before={body["older"]}>; rel="next"'] if body["older"] else []
            links += [f'<?after={body["newer"]}>; rel="prev"'] if body["newer"] else []
            response = Response(cases_csv(CaseSerializer(page.rows, many=True).data))
            if links:
                response["Link"] = ", ".join(links)
            return response
        return Response(CasePageSerializer(body).data)


REFERENCE = OpenApiParameter("reference", str, OpenApiParameter.PATH, description="e.g. STF-2026-000123")


class CaseDetailView(ClientView):
    """One case of the client's force. Another force's case, or a restricted one, is a 404 exactly
    as a case that does not exist. Needs the `read_cases` scope."""

    required_scope = Scope.READ_CASES

    @extend_schema(
        operation_id="cases_read",
        parameters=[REFERENCE],
        responses=json_or_csv(CaseDetailSerializer, "The case on one line.", NOT_FOUND, REFUSED),
        summary="One case",
    )
    def get(self, request: Request, reference: str) -> Response:
        case = get_case_for_force_client(self.client.force_id, reference)
        data = CaseDetailSerializer(case).data
        return Response(cases_csv([data]) if self.as_csv else data)


class CaseDeadlinesView(ClientView):
    """Every deadline of one case of the client's force, soonest first, met or not, as the case's
    page shows them (docs/deadlines.md). Needs the `read_deadlines` scope."""

    required_scope = Scope.READ_DEADLINES

    @extend_schema(
        operation_id="cases_deadlines",
        parameters=[REFERENCE],
        responses=json_or_csv(DeadlineSerializer(many=True), "One line a deadline.", NOT_FOUND, REFUSED),
        summary="Every deadline of one case, soonest first",
    )
    def get(self, request: Request, reference: str) -> Response:
        case = get_case_for_force_client(self.client.force_id, reference)
        deadlines = case_deadlines(case, now=timezone.now())
        data = DeadlineSerializer(deadlines, many=True).data
        if self.as_csv:
            return Response(csv_text(DEADLINE_COLUMNS, ([row[c] for c in DEADLINE_COLUMNS] for row in data)))
        return Response(data)


class FiguresView(ClientView):
    """The figures of the client's force for a period, from the same reports as the figures page
    (reports.figures, docs/figures.md): each team's, the force's and, in a regional operation, the
    other forces' counts. In JSON, or in CSV as the page's download. Needs the `read_figures` scope."""

    required_scope = Scope.READ_FIGURES

    @extend_schema(
        operation_id="figures_read",
        parameters=[FiguresQuerySerializer],
        responses={
            **json_or_csv(
                FiguresSerializer,
                "The figures page's CSV download.",
                {400: OpenApiResponse(OpenApiTypes.OBJECT, "A bad date: `from` or `to` named, with why.")},
                REFUSED,
            )
        },
        summary="The figures of the client's force for a period",
    )
    def get(self, request: Request) -> Response:
        query = FiguresQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        period = query.validated_data["period"]
        report = force_figures_report(self.client.force_id, period=period, now=timezone.now())
        dates = {"date_from": period.first.isoformat(), "date_to": period.last.isoformat()}
        if self.as_csv:
            audit_record(
                kind=AuditEntry.Kind.EXPORT,
                actor=None,
                object_type=ObjectType.FIGURES,
                summary=f"Downloaded the figures for {day(period.first)} to {day(period.last)} as CSV",
                recipient=self.client.audit_name,
                changes=dates,
                request=request._request,
            )
            return Response(figures_csv([report]))
        audit_read(actor=None, object_type=ObjectType.FIGURES, summary="Looked at the figures", changes=dates)
        return Response(FiguresSerializer(report).data)


KEY_FORMAT = re.compile(r"[\x21-\x7e]{1,200}")
KEY_NEEDED = (
    "Idempotency-Key: send a key of your own for each referral (1 to 200 visible ASCII characters, e.g. a UUID), "
    "and the same key when you send it again."
)
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    required=True,
    pattern=KEY_FORMAT.pattern,
    description="The client's own key for this referral: a retry with the same key and body records nothing again.",
)


def _problems(error: DjangoValidationError) -> dict[str, list[str]]:
    if hasattr(error, "error_dict"):
        return {
            ("non_field_errors" if field == "__all__" else field): list(DjangoValidationError(errors).messages)
            for field, errors in error.error_dict.items()
        }
    return {"non_field_errors": list(error.messages)}


class ReferralIntakeView(ClientView):
    """Record a referral delivered by a referral feed, with its identifiers, through the same services
    as the referral form; deconfliction runs as for a referral typed in, and its matches are in the
    answer as the notice a person recording it is shown. Once per `Idempotency-Key`: a retry with
    the same key and body is answered as the first time (201, `Idempotent-Replayed: true`) and
    records nothing. Metadata only: a file, an image, a data URI or encoded image bytes anywhere in
    the request is refused before it is read (415 or 400). Needs the `referral_intake` scope."""

    required_scope = Scope.REFERRAL_INTAKE
    parser_classes = [JSONParser]
    renderer_classes = [JSONRenderer]

    @extend_schema(
        operation_id="referrals_create",
        parameters=[IDEMPOTENCY_KEY],
        request=ReferralInSerializer,
        responses={
            201: ReferralDeliveredSerializer,
            400: OpenApiResponse(OpenApiTypes.OBJECT, "Bad input: each field named, with why; nothing recorded."),
            415: OpenApiResponse(OpenApiTypes.OBJECT, "A file, an image or a body that is not JSON: refused."),
            422: OpenApiResponse(ErrorSerializer, "The Idempotency-Key was used before with another body."),
            **REFUSED,
        },
        summary="Record a referral and its identifiers (once per Idempotency-Key)",
    )
    def post(self, request: Request) -> Response:
        key = request.headers.get("Idempotency-Key", "")
        if not KEY_FORMAT.fullmatch(key):
            return Response({"Idempotency-Key": [KEY_NEEDED]}, status=400)
        given = ReferralInSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        fields = dict(given.validated_data)
        identifiers = [dict(identifier) for identifier in fields.pop("identifiers", [])]
        try:
            delivered = referral_deliver(
                client=self.client, key=key, digest=body_hash(request.data), referral=fields, identifiers=identifiers
            )
        except KeyReused as error:
            return Response({"detail": str(error)}, status=422)
        except DjangoValidationError as error:
            return Response(_problems(error), status=400)
        except DjangoPermissionDenied as error:
            raise exceptions.PermissionDenied(str(error)) from None
        response = Response(delivered.body, status=delivered.status)
        if delivered.replayed:
            response["Idempotent-Replayed"] = "true"
        return response
