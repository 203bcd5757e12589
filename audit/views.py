"""The auditor pages. Only people with the Auditor role see them; to anyone else they do not exist
(404, as for a page that is not there), so the pages do not reveal that they, or an entry, exist.
Every page view is itself an audit entry (audit_read; the CSV export: export, with its recipient).
Auditors see case references and who did what, never case content. Who is an auditor is given by
accounts at start-up (audit.readers): the audit app is below accounts and does not read the role
table itself."""

from collections.abc import Callable, Iterator
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from audit.forms import AuditExportForm, AuditSearchForm, PeriodForm
from audit.models import AuditEntry
from audit.objects import ObjectType, canonical_object_type
from audit.readers import may_read_audit
from audit.selectors import (
    LONDON,
    AuditFilters,
    audit_entries,
    audit_export_rows,
    audit_page,
    case_accessed_by,
    cases_accessed_by,
    flags_out_of_hours,
    flags_outside_team,
)
from audit.services import audit_read, audit_record
from safeguard.http import SignedInHttpRequest
from safeguard.keyset import Position
from safeguard.spreadsheet import FormulaSafeWriter

CSV_COLUMNS = (
    "id",
    "occurred_at_utc",
    "username",
    "kind",
    "object_type",
    "object_id",
    "case_reference",
    "summary",
    "recipient",
    "ip",
    "request_id",
    "source",
)


def auditor_only(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    @wraps(view)
    def wrapper(request: SignedInHttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not may_read_audit(request.user):
            raise Http404("No such page.")
        return view(request, *args, **kwargs)

    return wrapper


def _read(request: SignedInHttpRequest, summary: str, changes: dict[str, Any]) -> None:
    audit_read(
        actor=request.user, object_type=ObjectType.AUDIT_TRAIL, summary=summary, changes=changes, request=request
    )


@require_GET
@auditor_only
def search(request: SignedInHttpRequest) -> HttpResponse:
    form = AuditSearchForm(request.GET or None)
    filters = form.filters() if form.is_valid() else AuditFilters()
    page = audit_page(audit_entries(filters), Position.from_query(request.GET))
    _read(request, "Searched the audit trail", {"filters": filters.as_dict(), "entries": len(page.rows)})
    context = {
        "nav": "audit",
        "form": form,
        "export_form": AuditExportForm(initial=filters.as_dict()),
        "filters": filters.as_dict(),
        "page": page,
    }
    return render(request, "audit/search.html", context, status=400 if form.errors else 200)


@require_GET
@auditor_only
def export(request: SignedInHttpRequest) -> HttpResponseBase:
    form = AuditExportForm(request.GET or None)
    if not form.is_valid():
        _read(
            request,
            "Asked to export the audit trail (refused: form incomplete)",
            {"errors": form.errors.get_json_data()},
        )
        return render(request, "audit/export_refused.html", {"nav": "audit", "form": form}, status=400)
    filters = form.filters()
    recipient = form.cleaned_data["recipient"]
    # Recorded before a byte is sent: if the record cannot be written, nothing is disclosed.
    audit_record(
        kind=AuditEntry.Kind.EXPORT,
        actor=request.user,
        object_type=ObjectType.AUDIT_TRAIL,
        summary="Exported audit entries to CSV",
        recipient=recipient,
        changes={"filters": filters.as_dict()},
        request=request,
    )
    stamp = timezone.localtime(timezone=LONDON).strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(_csv_lines(audit_entries(filters)), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
    return response


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_lines(entries: Any) -> Iterator[str]:
    writer = FormulaSafeWriter(_Echo())
    yield writer.writerow(CSV_COLUMNS)
    for entry in audit_export_rows(entries):
        yield writer.writerow(
            [
                entry.id,
                entry.occurred_at.isoformat(),
                entry.actor_username,
                entry.kind,
                canonical_object_type(entry.object_type),
                entry.object_id,
                entry.case_reference,
                entry.summary,
                entry.recipient,
                entry.ip or "",
                entry.request_id,
                entry.source,
            ]
        )


@require_GET
@auditor_only
def case_access(request: SignedInHttpRequest, reference: str) -> HttpResponse:
    reference = reference.upper()
    people = case_accessed_by(reference)
    _read(request, f"Looked at who accessed {reference}", {"case_reference": reference})
    return render(request, "audit/case_access.html", {"nav": "audit", "reference": reference, "people": people})


@require_GET
@auditor_only
def user_access(request: SignedInHttpRequest, username: str) -> HttpResponse:
    cases = cases_accessed_by(username)
    _read(request, f"Looked at what {username} accessed", {"username": username})
    return render(request, "audit/user_access.html", {"nav": "audit", "username": username, "cases": cases})


@require_GET
@auditor_only
def flags(request: SignedInHttpRequest) -> HttpResponse:
    form = PeriodForm(request.GET or None)
    date_from = date_to = None
    if form.is_valid():
        date_from, date_to = form.cleaned_data.get("date_from"), form.cleaned_data.get("date_to")
    outside = flags_outside_team(date_from, date_to)
    out_of_hours = flags_out_of_hours(date_from, date_to)
    _read(
        request,
        "Looked at the flags of unusual access",
        {"date_from": date_from.isoformat() if date_from else "", "date_to": date_to.isoformat() if date_to else ""},
    )
    context = {
        "nav": "audit",
        "form": form,
        "outside": outside,
        "out_of_hours": out_of_hours,
        "threshold_cases": settings.SAFEGUARD_AUDIT_FLAG_CASES,
        "threshold_minutes": settings.SAFEGUARD_AUDIT_FLAG_MINUTES,
        "hours_start": settings.SAFEGUARD_AUDIT_FLAG_OUT_OF_HOURS_START,
        "hours_end": settings.SAFEGUARD_AUDIT_FLAG_OUT_OF_HOURS_END,
    }
    return render(request, "audit/flags.html", context, status=400 if form.errors else 200)
