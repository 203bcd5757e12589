"""Court hearings."""

from django.http import HttpResponse
from django.views.decorators.http import require_http_methods

from accounts.http import AuthenticatedHttpRequest
from cases.forms.court import HearingForm
from cases.permissions import get_case_for_change
from cases.services.court import hearing_record
from cases.views.stage import record_stage


@require_http_methods(["GET", "POST"])
def hearing_add(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    case = get_case_for_change(request.user, reference)
    return record_stage(
        request,
        case=case,
        form=HearingForm(request.POST or None, case=case),
        save=lambda data: hearing_record(case=case, actor=request.user, **data),
        title="Record a court hearing",
        success="Court hearing recorded.",
    )
