"""Pages for stage 4: record a search, its devices, their triage, image counts and forensic work."""

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from accounts.http import AuthenticatedHttpRequest
from accounts.roles import Capability
from cases.forms import search as search_forms
from cases.models import Case, Device, ImageCount, Search
from cases.permissions import get_case_for_change, get_case_for_user, get_child_or_404
from cases.selectors import case_allows
from cases.services import search as search_services
from cases.views.stage import record_stage

# Searches, devices and their triage: officers and supervisors of the team, and assigned examiners.
DEVICES = Capability.RECORD_DEVICES


def _device(case: Case, pk: int) -> Device:
    device = get_child_or_404(case, Device, pk)
    device.case = case
    return device


def _device_url(case: Case, device: Device) -> str:
    return reverse("cases:device_detail", kwargs={"reference": case.reference, "pk": device.pk})


@require_http_methods(["GET", "POST"])
def search_add(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    case = get_case_for_change(request.user, reference, capability=DEVICES)
    form = search_forms.SearchForm(request.POST or None, case=case)
    return record_stage(
        request,
        case=case,
        form=form,
        save=lambda data: search_services.search_record(case=case, actor=request.user, **data),
        title="Record a search",
        success="Search recorded. Record the devices found.",
    )


@require_http_methods(["GET", "POST"])
def device_add(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    case = get_case_for_change(request.user, reference, capability=DEVICES)
    initial = {}
    if request.method == "GET" and request.GET.get("search", "").isdigit():
        initial["search"] = get_child_or_404(case, Search, int(request.GET["search"]))
    form = search_forms.DeviceForm(request.POST or None, case=case, initial=initial)
    return record_stage(
        request,
        case=case,
        form=form,
        save=lambda data: search_services.device_record(case=case, actor=request.user, **data),
        title="Record a device",
        success="Device recorded.",
    )


@require_GET
def device_detail(request: AuthenticatedHttpRequest, reference: str, pk: int) -> HttpResponse:
    case = get_case_for_user(request.user, reference)
    device = get_child_or_404(case, Device, pk)
    context = {
        "case": case,
        "device": device,
        "search": device.search,
        "can_change": case_allows(case, request.user, DEVICES),
        "nav": "cases",
    }
    return render(request, "cases/search/device_detail.html", context)


@require_http_methods(["GET", "POST"])
def device_triage(request: AuthenticatedHttpRequest, reference: str, pk: int) -> HttpResponse:
    case = get_case_for_change(request.user, reference, capability=DEVICES)
    device = _device(case, pk)
    form = search_forms.DeviceTriageForm(request.POST or None, case=case, initial=_triage_initial(device))
    return record_stage(
        request,
        case=case,
        form=form,
        save=lambda data: search_services.device_record_triage(device=device, actor=request.user, **data),
        title=f"Record triage of {device.exhibit_reference}",
        success="Triage recorded.",
        redirect_to=_device_url(case, device),
        current=_triage_initial,
    )


def _triage_initial(device: Device) -> dict[str, object]:
    return {
        "triage_result": device.triage_result,
        "triaged_at": device.triaged_at,
        "examiner": device.examiner_id,
        "version": device.version,
    }


@require_http_methods(["GET", "POST"])
def device_image_counts(request: AuthenticatedHttpRequest, reference: str, pk: int) -> HttpResponse:
    case = get_case_for_change(request.user, reference, capability=DEVICES)
    device = _device(case, pk)
    source = request.GET.get("source", ImageCount.Source.TRIAGE)
    if source not in ImageCount.Source.values:
        source = ImageCount.Source.TRIAGE
    if request.method == "POST" and request.POST.get("source") in ImageCount.Source.values:
        source = request.POST["source"]

    def initial(current: Device) -> dict[str, object]:
        values: dict[str, object] = {"source": source, "version": current.version}
        for cell in current.image_counts.filter(source=source):
            values[search_forms.count_field_name(cell.category, cell.kind)] = cell.count
        return values

    form = search_forms.DeviceImageCountsForm(request.POST or None, initial=initial(device))
    return record_stage(
        request,
        case=case,
        form=form,
        save=lambda data: search_services.device_set_image_counts(
            device=device,
            actor=request.user,
            source=data["source"],
            counts=form.counts(),
            version=data["version"],
        ),
        title=f"Record image counts for {device.exhibit_reference}",
        success="Image counts recorded.",
        template="cases/search/image_counts.html",
        redirect_to=_device_url(case, device),
        extra={"device": device, "sources": ImageCount.Source.choices, "source": source},
        current=initial,
    )


@require_http_methods(["GET", "POST"])
def device_forensic_request(request: AuthenticatedHttpRequest, reference: str, pk: int) -> HttpResponse:
    case = get_case_for_change(request.user, reference, capability=DEVICES)
    device = _device(case, pk)
    return record_stage(
        request,
        case=case,
        form=search_forms.DeviceForensicRequestForm(request.POST or None),
        save=lambda data: search_services.device_record_forensic_request(device=device, actor=request.user, **data),
        title=f"Record a forensic examination request for {device.exhibit_reference}",
        success="Forensic examination request recorded.",
        redirect_to=_device_url(case, device),
    )


@require_http_methods(["GET", "POST"])
def device_forensic_complete(request: AuthenticatedHttpRequest, reference: str, pk: int) -> HttpResponse:
    case = get_case_for_change(request.user, reference, capability=DEVICES)
    device = _device(case, pk)
    return record_stage(
        request,
        case=case,
        form=search_forms.DeviceForensicCompleteForm(request.POST or None),
        save=lambda data: search_services.device_record_forensic_completion(
            device=device,
            actor=request.user,
            **data,
        ),
        title=f"Record completion of the forensic examination of {device.exhibit_reference}",
        success="Forensic examination completion recorded.",
        redirect_to=_device_url(case, device),
    )
