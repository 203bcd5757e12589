"""Warrant pages: draft one, see one, and record each step of its life.

Each step page only shows its form when the step is valid in the warrant's current state; otherwise
it says why, in the service's own words, and a POST gets the same error (400), never a 500.
"""

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django import forms
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods

from accounts.http import AuthenticatedHttpRequest
from cases import rules
from cases.models import Case
from cases.permissions import get_case_for_change, get_case_for_user, get_child_or_404
from cases.selectors import case_is_changeable_by
from cases.views.case import AfterSave
from cases.views.stage import record_stage
from warrants import forms as warrant_forms
from warrants import services
from warrants.models import Warrant

ACTION_LABELS = {
    "apply": "Record the application",
    "issue": "Record the issue",
    "refuse": "Record a refusal",
    "execute": "Record the execution",
    "return": "Record the return to court",
    "further_entry": "Record an inspector's authority for a further entry",
}


def warrant_next_actions(warrant: Warrant, *, now: datetime | None = None) -> list[tuple[str, str]]:
    """(URL name, label) for each action valid in the warrant's current state, in path order."""
    return [
        (f"warrants:{action}", ACTION_LABELS[action])
        for action in services.ACTIONS
        if services.warrant_state_error(warrant, action, now=now) is None
    ]


def _warrant(case: Case, pk: int) -> Warrant:
    warrant = get_child_or_404(case, Warrant, pk)
    warrant.case = case
    return warrant


def _step(
    request: AuthenticatedHttpRequest,
    *,
    case: Case,
    warrant: Warrant,
    action: str,
    form: forms.Form,
    save: Callable[[dict[str, Any]], object],
    title: str,
    success: str,
) -> HttpResponse:
    return record_stage(
        request,
        case=case,
        form=form,
        save=save,
        title=title,
        success=success,
        template="warrants/step_form.html",
        redirect_to=warrant.get_absolute_url(),
        extra={
            "warrant": warrant,
            "state_error": services.warrant_state_error(warrant, action),
            "rule": rules.WARRANT_EXPIRY,
        },
    )


@require_http_methods(["GET", "POST"])
def warrant_create(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    case = get_case_for_change(request.user, reference)
    form = warrant_forms.WarrantDraftForm(request.POST or None, case=case)
    created = AfterSave()

    def save(data: dict[str, Any]) -> None:
        created.url = services.warrant_draft(case=case, actor=request.user, **data).get_absolute_url()

    return record_stage(
        request,
        case=case,
        form=form,
        save=save,
        title="Apply for a search warrant",
        success="Warrant drafted. Record the application when it is made.",
        submit="Save draft",
        redirect_to=created,
    )


@require_GET
def warrant_detail(request: AuthenticatedHttpRequest, reference: str, pk: int) -> HttpResponse:
    case = get_case_for_user(request.user, reference)
    warrant = _warrant(case, pk)
    can_change = case_is_changeable_by(case, request.user)
    context = {
        "case": case,
        "warrant": warrant,
        "further_entries": list(warrant.further_entries.all()),
        "searches": list(warrant.searches.select_related("premises")),
        "actions": warrant_next_actions(warrant) if can_change else [],
        "can_change": can_change,
        "rule": rules.WARRANT_EXPIRY,
        "nav": "cases",
    }
    return render(request, "warrants/detail.html", context)


@require_http_methods(["GET", "POST"])
def warrant_apply(request: AuthenticatedHttpRequest, reference: str, pk: int) -> HttpResponse:
    case = get_case_for_change(request.user, reference)
    warrant = _warrant(case, pk)
    return _step(
        request,
        case=case,
        warrant=warrant,
        action="apply",
        form=warrant_forms.WarrantApplyForm(request.POST or None),
        save=lambda data: services.warrant_apply(warrant=warrant, actor=request.user, **data),
        title="Record the warrant application",
        success="Application recorded.",
    )


@require_http_methods(["GET", "POST"])
def warrant_issue(request: AuthenticatedHttpRequest, reference: str, pk: int) -> HttpResponse:
    case = get_case_for_change(request.user, reference)
    warrant = _warrant(case, pk)
    return _step(
        request,
        case=case,
        warrant=warrant,
        action="issue",
        form=warrant_forms.WarrantIssueForm(request.POST or None),
        save=lambda data: services.warrant_record_issue(warrant=warrant, actor=request.user, **data),
        title="Record the warrant's issue",
        success="Issue recorded. The expiry is three months from issue (PACE 1984 s.16(3)).",
    )


@require_http_methods(["GET", "POST"])
def warrant_refuse(request: AuthenticatedHttpRequest, reference: str, pk: int) -> HttpResponse:
    case = get_case_for_change(request.user, reference)
    warrant = _warrant(case, pk)
    return _step(
        request,
        case=case,
        warrant=warrant,
        action="refuse",
        form=warrant_forms.WarrantRefuseForm(request.POST or None),
        save=lambda data: services.warrant_record_refusal(warrant=warrant, actor=request.user, **data),
        title="Record the court's refusal",
        success="Refusal recorded.",
    )


@require_http_methods(["GET", "POST"])
def warrant_execute(request: AuthenticatedHttpRequest, reference: str, pk: int) -> HttpResponse:
    case = get_case_for_change(request.user, reference)
    warrant = _warrant(case, pk)
    return _step(
        request,
        case=case,
        warrant=warrant,
        action="execute",
        form=warrant_forms.WarrantExecuteForm(request.POST or None, case=case),
        save=lambda data: services.warrant_record_execution(warrant=warrant, actor=request.user, **data),
        title="Record the warrant's execution",
        success="Execution recorded.",
    )


@require_http_methods(["GET", "POST"])
def warrant_return(request: AuthenticatedHttpRequest, reference: str, pk: int) -> HttpResponse:
    case = get_case_for_change(request.user, reference)
    warrant = _warrant(case, pk)
    return _step(
        request,
        case=case,
        warrant=warrant,
        action="return",
        form=warrant_forms.WarrantReturnForm(request.POST or None),
        save=lambda data: services.warrant_record_return(warrant=warrant, actor=request.user, **data),
        title="Record the warrant's return to court",
        success="Return to court recorded.",
    )


@require_http_methods(["GET", "POST"])
def warrant_further_entry(request: AuthenticatedHttpRequest, reference: str, pk: int) -> HttpResponse:
    case = get_case_for_change(request.user, reference)
    warrant = _warrant(case, pk)
    return _step(
        request,
        case=case,
        warrant=warrant,
        action="further_entry",
        form=warrant_forms.FurtherEntryForm(request.POST or None),
        save=lambda data: services.warrant_authorise_further_entry(warrant=warrant, actor=request.user, **data),
        title="Record an inspector's authority for a further entry",
        success="Further entry authority recorded.",
    )
