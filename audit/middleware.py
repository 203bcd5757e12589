"""Attach who, from where and which request to everything a request writes (audit.context)."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from audit.context import acting_as, client_ip_address, new_request_id
from audit.services import audit_page_read

REQUEST_ID_HEADER = "X-Request-ID"


class AuditContextMiddleware:
    """After authentication: every statement of the request carries the person, their address and
    a request id, which the audit triggers copy into each entry. The id is Safeguard's own (never
    the client's) and is returned in the X-Request-ID header so a report can quote it. A page that
    showed case data gets its one READ entry here, once the page is built (audit_read)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = new_request_id()
        request.audit_request_id = request_id  # type: ignore[attr-defined]  # read by audit_record
        with acting_as(request.user, source="web", ip=client_ip_address(request), request_id=request_id) as context:
            response = self.get_response(request)
            if context.reads and response.status_code < 400:
                # Fails closed: if the read cannot be recorded, the page is not sent (500).
                audit_page_read(request, context.reads)
        response[REQUEST_ID_HEADER] = request_id
        return response
