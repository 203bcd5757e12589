"""Supervisor pages for who may see and record on a case: grant, revoke, assign an examiner,
reassign the officer in the case or supervisor, restrict. Each is a supervisor action (403 for
anyone else who can see the case, 404 for anyone who cannot)."""

from django.http import HttpResponse
from django.views.decorators.http import require_http_methods

from accounts.http import AuthenticatedHttpRequest
from accounts.roles import Capability
from cases.forms import access as access_forms
from cases.models import Case
from cases.permissions import get_case_for_change
from cases.services import access as access_services
from cases.views.stage import record_stage

ASKED = (
    "That person is not in the case's team: an administrator of the force must approve the access (four eyes). "
    "It is listed on the case's log until then."
)
LIFT_ASKED = (
    "Lifting the restriction is sent to an administrator to approve (four eyes). The case stays restricted until then."
)


def _supervised_case(request: AuthenticatedHttpRequest, reference: str) -> Case:
    return get_case_for_change(request.user, reference, capability=Capability.SUPERVISE)


@require_http_methods(["GET", "POST"])
def access_grant(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    case = _supervised_case(request, reference)
    return record_stage(
        request,
        case=case,
        form=access_forms.GrantAccessForm(request.POST or None, case=case),
        save=lambda data: access_services.case_grant_access(case=case, actor=request.user, **data),
        title="Grant access to the case",
        success=lambda asked: ASKED if asked else "Access granted.",
        submit="Grant access",
    )


@require_http_methods(["GET", "POST"])
def access_revoke(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    case = _supervised_case(request, reference)
    initial = {"user": request.GET["user"]} if request.GET.get("user", "").isdigit() else {}
    return record_stage(
        request,
        case=case,
        form=access_forms.RevokeAccessForm(request.POST or None, case=case, initial=initial),
        save=lambda data: access_services.case_revoke_access(case=case, actor=request.user, **data),
        title="Revoke access to the case",
        success="Access revoked.",
        submit="Revoke access",
    )


@require_http_methods(["GET", "POST"])
def examiner_assign(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    case = _supervised_case(request, reference)
    return record_stage(
        request,
        case=case,
        form=access_forms.AssignExaminerForm(request.POST or None, case=case),
        save=lambda data: access_services.case_assign_examiner(case=case, actor=request.user, **data),
        title="Assign a digital forensics examiner",
        success=lambda asked: ASKED if asked else "Examiner assigned.",
        submit="Assign examiner",
    )


@require_http_methods(["GET", "POST"])
def case_reassign_view(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    case = _supervised_case(request, reference)
    return record_stage(
        request,
        case=case,
        form=access_forms.ReassignForm(request.POST or None, case=case, initial=_reassign_initial(case)),
        save=lambda data: access_services.case_reassign(case=case, actor=request.user, **data),
        title="Reassign the case",
        success="Case reassigned.",
        submit="Reassign",
        current=_reassign_initial,
    )


def _reassign_initial(case: Case) -> dict[str, object]:
    return {"officer_in_case": case.officer_in_case_id, "supervisor": case.supervisor_id, "version": case.version}


@require_http_methods(["GET", "POST"])
def case_restrict_view(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    case = _supervised_case(request, reference)
    form = access_forms.RestrictForm(request.POST or None, initial=_restrict_initial(case))
    return record_stage(
        request,
        case=case,
        form=form,
        save=lambda data: access_services.case_set_restricted(case=case, actor=request.user, **data),
        title="Restrict the case",
        # Restricting is made at once; lifting is asked of an administrator.
        success=lambda saved: "Restriction saved." if form.cleaned_data["restricted"] else LIFT_ASKED,
        current=_restrict_initial,
    )


def _restrict_initial(case: Case) -> dict[str, object]:
    return {"restricted": case.restricted, "version": case.version}
