"""The auditor pages. Only people with the Auditor role see them; to anyone else they do not exist
(404, as for a page that is not there), so the pages do not reveal that they, or an entry, exist.
Every page view is itself an audit entry (audit_read; the CSV export: export, with its recipient).
Auditors see who did what to which record, in people's words (audit.describe): a record by its
reference and label, a change by its fields' old and new values; they open no case page. Who is an auditor is given by
accounts at start-up (audit.readers): the audit app is below accounts and does not read the role
table itself."""

from collections.abc import Callable, Iterator
from datetime import UTC
from functools import wraps
from itertools import islice
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import router
from django.http import Http404, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from audit.anomalies import review_flag
from audit.describe import describe, name_and_username, people_names
from audit.forms import AuditExportForm, AuditSearchForm, FlagFilterForm, FlagReviewForm
from audit.labels import labels_for
from audit.models import AuditEntry, Flag
from audit.objects import ObjectType, canonical_object_type, object_type_value
from audit.readers import may_read_audit
from audit.selectors import (
    EXPORT_CHUNK,
    LONDON,
    AuditFilters,
    audit_entries,
    audit_export_rows,
    audit_page,
    case_accessed_by,
    cases_accessed_by,
    flag_entries,
    flag_list,
    referrals_read_by,
)
from audit.services import audit_read, audit_record
from safeguard.http import SignedInHttpRequest
from safeguard.keyset import Position
from safeguard.replica import reads_from_replica
from safeguard.spreadsheet import FormulaSafeWriter

CSV_COLUMNS = (
    "id",
    "occurred_at_utc",
    "username",
    "name",
    "kind",
    "event",
    "object_type",
    "object_id",
    "record",
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
@reads_from_replica
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
        "rows": describe(page.rows),
    }
    return render(request, "audit/search.html", context, status=400 if form.errors else 200)


@require_GET
@auditor_only
@reads_from_replica
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
    # The CSV is read as it is sent, after the view has returned: from where the view's reads went.
    entries = audit_entries(filters).using(router.db_for_read(AuditEntry))
    response = StreamingHttpResponse(_csv_lines(entries), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
    return response


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_lines(entries: Any) -> Iterator[str]:
    """The CSV, times in UTC (ISO 8601), each entry in people's words beside its stored values."""
    writer = FormulaSafeWriter(_Echo())
    yield writer.writerow(CSV_COLUMNS)
    rows = audit_export_rows(entries)
    while chunk := list(islice(rows, EXPORT_CHUNK)):
        for row in describe(chunk):
            entry = row.entry
            changed = "; ".join(f"{change.label}: {change.before} -> {change.after}" for change in row.fields)
            yield writer.writerow(
                [
                    entry.id,
                    entry.occurred_at.astimezone(UTC).isoformat(),
                    entry.actor_username,
                    row.who,
                    entry.kind,
                    row.what,
                    canonical_object_type(entry.object_type),
                    entry.object_id,
                    row.record,
                    entry.case_reference,
                    " ".join(part for part in (entry.summary, changed) if part),
                    entry.recipient,
                    entry.ip or "",
                    entry.request_id,
                    entry.source,
                ]
            )


@require_GET
@auditor_only
@reads_from_replica
def case_access(request: SignedInHttpRequest, reference: str) -> HttpResponse:
    reference = reference.upper()
    people = case_accessed_by(reference)
    names = people_names({person["actor_id"] for person in people if person["actor_id"]})
    for person in people:
        person["who"] = name_and_username(names.get(person["actor_id"]), person["actor_username"])
    _read(request, f"Looked at who accessed {reference}", {"case_reference": reference})
    return render(request, "audit/case_access.html", {"nav": "audit", "reference": reference, "people": people})


@require_GET
@auditor_only
@reads_from_replica
def user_access(request: SignedInHttpRequest, username: str) -> HttpResponse:
    cases = cases_accessed_by(username)
    referrals = referrals_read_by(username)
    labels = labels_for((row["object_type"], row["object_id"]) for row in referrals)
    for row in referrals:
        row["label"] = labels[(row["object_type"], row["object_id"])]
    _read(request, f"Looked at what {username} accessed", {"username": username})
    context = {"nav": "audit", "username": username, "cases": cases, "referrals": referrals}
    return render(request, "audit/user_access.html", context)


@require_GET
@auditor_only
def flags(request: SignedInHttpRequest) -> HttpResponse:
    form = FlagFilterForm(request.GET if request.GET else {"status": Flag.Status.OPEN})
    valid = form.is_valid()
    status = form.cleaned_data.get("status", "") if valid else ""
    kind = form.cleaned_data.get("kind", "") if valid else ""
    listed = list(flag_list(status=status, kind=kind)[:FLAGS_SHOWN]) if valid else []
    names = people_names({flag.person_id for flag in listed if flag.person_id})
    people = {flag.pk: name_and_username(names.get(flag.person_id or 0), flag.username) for flag in listed}
    _read(request, "Looked at the anomaly flags", {"status": status, "kind": kind, "flags": len(listed)})
    context = {
        "nav": "audit",
        "form": form,
        "flags": [(flag, people[flag.pk]) for flag in listed],
        "shown": FLAGS_SHOWN,
        "settings": _flag_settings(),
    }
    return render(request, "audit/flags.html", context, status=200 if valid else 400)


FLAGS_SHOWN = 200


def _flag_settings() -> dict[str, Any]:
    return {name.removeprefix("SAFEGUARD_AUDIT_FLAG_").lower(): getattr(settings, name) for name in dir(settings)
            if name.startswith("SAFEGUARD_AUDIT_FLAG_")}  # fmt: skip


def _flag_or_404(pk: int) -> Flag:
    try:
        return Flag.objects.get(pk=pk)
    except Flag.DoesNotExist:
        raise Http404("No such flag.") from None


@require_http_methods(["GET", "POST"])
@auditor_only
def flag_detail(request: SignedInHttpRequest, pk: int) -> HttpResponseBase:
    """A flag with the entries behind it; an auditor marks it reviewed with a note (POST), and
    can do nothing else to it."""
    flag = _flag_or_404(pk)
    form = FlagReviewForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                review_flag(flag=flag, actor=request.user, note=form.cleaned_data["note"])
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, "Flag marked reviewed.")
                return redirect("audit:flag_detail", pk=flag.pk)
        return _flag_page(request, flag, form, status=400)
    _read(request, f"Looked at flag {flag.pk}", {"flag": flag.pk, "kind": flag.kind, "username": flag.username})
    return _flag_page(request, flag, form)


def _flag_page(request: SignedInHttpRequest, flag: Flag, form: FlagReviewForm, status: int = 200) -> HttpResponse:
    context = {
        "nav": "audit",
        "flag": flag,
        "rows": describe(flag_entries(flag)),
        "form": form if flag.status == Flag.Status.OPEN else None,
        "reviewer": _reviewer(flag),
    }
    return render(request, "audit/flag_detail.html", context, status=status)


def _reviewer(flag: Flag) -> str:
    if flag.reviewed_by_id is None:
        return ""
    person = (object_type_value(get_user_model()), str(flag.reviewed_by_id))
    return labels_for([person])[person]
