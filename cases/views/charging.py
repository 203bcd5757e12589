"""Submissions to the CPS and the charging decision (with up to five charges, no JavaScript)."""

from django.http import HttpResponse
from django.views.decorators.http import require_http_methods

from accounts.http import AuthenticatedHttpRequest
from cases import rules
from cases.forms.charging import ChargingDecisionForm, ChargingSubmissionForm
from cases.models import ChargingSubmission
from cases.permissions import get_case_for_change, get_child_or_404
from cases.services.charging import charging_record_decision, charging_submit
from cases.views.stage import record_stage


@require_http_methods(["GET", "POST"])
def charging_submit_view(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    case = get_case_for_change(request.user, reference)
    return record_stage(
        request,
        case=case,
        form=ChargingSubmissionForm(request.POST or None, case=case),
        save=lambda data: charging_submit(case=case, actor=request.user, **data),
        title="Record a submission to the CPS",
        success="Submission to the CPS recorded.",
    )


@require_http_methods(["GET", "POST"])
def charging_decision(request: AuthenticatedHttpRequest, reference: str, pk: int) -> HttpResponse:
    case = get_case_for_change(request.user, reference)
    submission = get_child_or_404(case, ChargingSubmission, pk)
    form = ChargingDecisionForm(request.POST or None)
    first_arrest = case.arrests.filter(subject_id=submission.subject_id).order_by("arrested_at").first()

    def save(data: dict) -> object:
        return charging_record_decision(
            submission=submission,
            actor=request.user,
            decision=data["decision"],
            decision_at=data["decision_at"],
            decision_notes=data["decision_notes"],
            charges=form.charge_rows(),
        )

    return record_stage(
        request,
        case=case,
        form=form,
        save=save,
        title=f"Record the charging decision: {submission.subject}",
        success="Charging decision recorded.",
        template="cases/charging/decision_form.html",
        extra={
            "submission": submission,
            "charging_target": rules.charging_target_at(first_arrest.arrested_at) if first_arrest else None,
            "charging_target_rule": rules.CHARGING_TARGET,
        },
    )
