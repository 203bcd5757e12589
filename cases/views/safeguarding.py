"""Safeguarding records: children by count and pseudonymous reference only."""

from django.forms.models import model_to_dict
from django.http import HttpResponse
from django.views.decorators.http import require_http_methods

from accounts.http import AuthenticatedHttpRequest
from cases.forms.safeguarding import SafeguardingEditForm, SafeguardingForm
from cases.models import SafeguardingReferral
from cases.permissions import get_case_for_change, get_child_or_404
from cases.services.safeguarding import safeguarding_record, safeguarding_update
from cases.views.stage import record_stage


@require_http_methods(["GET", "POST"])
def safeguarding_add(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    case = get_case_for_change(request.user, reference)
    return record_stage(
        request,
        case=case,
        form=SafeguardingForm(request.POST or None),
        save=lambda data: safeguarding_record(case=case, actor=request.user, **data),
        title="Record safeguarding",
        success="Safeguarding recorded.",
    )


@require_http_methods(["GET", "POST"])
def safeguarding_edit(request: AuthenticatedHttpRequest, reference: str, pk: int) -> HttpResponse:
    case = get_case_for_change(request.user, reference)
    referral = get_child_or_404(case, SafeguardingReferral, pk)
    form = SafeguardingEditForm(request.POST or None, initial=_initial(referral))
    return record_stage(
        request,
        case=case,
        form=form,
        save=lambda data: safeguarding_update(referral=referral, actor=request.user, **data),
        title=f"Update safeguarding {referral.pseudonymous_reference}",
        success="Safeguarding updated.",
        current=_initial,
    )


def _initial(referral: SafeguardingReferral) -> dict[str, object]:
    return model_to_dict(referral, fields=SafeguardingEditForm.base_fields)
