"""Court hearings."""

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_http_methods

from cases.forms.court import HearingForm
from cases.permissions import get_case_for_change
from cases.services.court import hearing_record
from cases.views.stage import record_stage


@require_http_methods(["GET", "POST"])
def hearing_add(request: HttpRequest, reference: str) -> HttpResponse:
    case = get_case_for_change(request.user, reference)  # type: ignore[arg-type]
    return record_stage(
        request,
        case=case,
        form=HearingForm(request.POST or None, case=case),
        save=lambda data: hearing_record(case=case, actor=request.user, **data),  # type: ignore[arg-type]
        title="Record a court hearing",
        success="Court hearing recorded.",
    )
