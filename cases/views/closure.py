"""Closing a case, and Management of Police Information reviews after closure."""

from django.http import HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from accounts.http import AuthenticatedHttpRequest
from accounts.roles import Capability
from cases.forms.closure import CloseCaseForm, RetentionReviewForm
from cases.forms.corrections import ReopenForm
from cases.permissions import get_case_for_change
from cases.services.closure import case_close, case_closure_outstanding, case_reopen, retention_review_record
from cases.views.stage import record_stage


@require_http_methods(["GET", "POST"])
def case_close_view(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    """The form asks the supervisor to confirm each item outstanding at the closing time typed (now,
    until one is typed); the service checks again, so an item that appears with a new closing time
    is named and asked for."""
    case = get_case_for_change(request.user, reference, capability=Capability.APPROVE_CLOSURE)
    closed_at = timezone.now()
    if request.method == "POST":
        typed = CloseCaseForm(request.POST)
        typed.is_valid()
        closed_at = typed.cleaned_data.get("closed_at") or closed_at
    form = CloseCaseForm(request.POST or None, outstanding=case_closure_outstanding(case, closed_at))
    return record_stage(
        request,
        case=case,
        form=form,
        save=lambda data: case_close(case=case, actor=request.user, **form.closing()),
        title="Close the case",
        success="Case closed.",
        submit="Close the case",
    )


@require_http_methods(["GET", "POST"])
def retention_review_add(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    case = get_case_for_change(request.user, reference, capability=Capability.APPROVE_CLOSURE)
    return record_stage(
        request,
        case=case,
        form=RetentionReviewForm(request.POST or None),
        save=lambda data: retention_review_record(case=case, actor=request.user, **data),
        title="Record a retention review",
        success="Retention review recorded.",
    )


@require_http_methods(["GET", "POST"])
def case_reopen_view(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    case = get_case_for_change(request.user, reference, capability=Capability.APPROVE_CLOSURE)
    return record_stage(
        request,
        case=case,
        form=ReopenForm(request.POST or None, initial={"version": case.version}),
        save=lambda data: case_reopen(case=case, actor=request.user, **data),
        title="Reopen the case",
        success="Case reopened.",
        submit="Reopen the case",
    )
