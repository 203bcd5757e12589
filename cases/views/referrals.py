"""Referrals: the list, recording one, its identifiers and research, its outcome, and opening a case."""

from typing import Any

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from accounts.http import AuthenticatedHttpRequest
from accounts.roles import Capability
from audit.services import audit_search
from cases import rules
from cases.corrections import RECORD_TYPES
from cases.forms.case import CaseOpenForm
from cases.forms.find import ReferralFilterForm
from cases.forms.referrals import (
    CommsApprovalForm,
    CommsRequestForm,
    CommsResultForm,
    ReferralForm,
    ReferralIdentifierForm,
    ReferralOutcomeForm,
)
from cases.models import Case, CommsDataRequest, Referral
from cases.permissions import get_referral_child_or_404, get_referral_for_user, require_capability
from cases.selectors import (
    case_actions,
    cases_visible_to,
    matches_of,
    referral_has_case,
    referral_list_for,
    referral_record_versions,
)
from cases.services.case import case_open
from cases.services.referrals import (
    comms_request_record_approval,
    comms_request_record_result,
    comms_request_submit,
    referral_add_identifier,
    referral_create,
    referral_record_outcome,
)
from cases.views.case import AfterSave, page_links
from cases.views.find import show_deconfliction_notices
from cases.views.stage import record_stage

REFERRALS_PER_PAGE = 25
FORM_TEMPLATE = "cases/referrals/form.html"


def _detail_url(referral: Referral) -> str:
    return reverse("cases:referral_detail", kwargs={"pk": referral.pk})


def _record(request: AuthenticatedHttpRequest, referral: Referral, **kwargs: Any) -> HttpResponse:
    """`record_stage` for a referral's pages: there is no case yet, so back to the referral."""
    extra = {"referral": referral, "back_url": _detail_url(referral), "back_label": str(referral), "nav": "referrals"}
    return record_stage(
        request,
        case=None,
        template=FORM_TEMPLATE,
        redirect_to=kwargs.pop("redirect_to", None) or _detail_url(referral),
        extra=extra,
        **kwargs,
    )


def response_due(referral: Referral):
    return rules.referral_response_due_at(received_at=referral.received_at, risk_grade=referral.risk_grade)


@require_GET
def referral_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Referrals, searched and filtered like the case list. A malformed filter is a 400 naming it."""
    filter_form = ReferralFilterForm(request.GET or None)
    filters = filter_form.filters()
    invalid = filter_form.is_bound and not filter_form.is_valid()
    referrals = referral_list_for(request.user, **filters) if not invalid else Referral.objects.none()
    page = Paginator(referrals, REFERRALS_PER_PAGE).get_page(request.GET.get("page"))
    rows = [
        (referral, response_due(referral) if referral.outcome == Referral.Outcome.PENDING else None)
        for referral in page
    ]
    audit_search(
        request,
        object_type=Referral,
        filters=dict(filters),
        shown=[str(referral.pk) for referral, _ in rows],
        page=page.number,
    )
    context = {
        "filter_form": filter_form,
        "page": page,
        "rows": rows,
        "query": page_links(request),
        "response_rule": rules.REFERRAL_RESPONSE,
        "now": timezone.now(),
        "nav": "referrals",
    }
    return render(request, "cases/referrals/list.html", context, status=400 if invalid else 200)


@require_http_methods(["GET", "POST"])
def referral_create_view(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    require_capability(user, Capability.REFERRALS)
    form = ReferralForm(request.POST or None)
    created = AfterSave()

    def save(data: dict[str, Any]) -> None:
        assert user.force is not None, "a referral is recorded for the force of the person recording it"
        referral = referral_create(actor=user, force=user.force, **data)
        created.url = _detail_url(referral)

    return record_stage(
        request,
        case=None,
        form=form,
        save=save,
        title="Record a referral",
        success="Referral recorded.",
        template=FORM_TEMPLATE,
        redirect_to=created,
        extra={"back_url": reverse("cases:referral_list"), "back_label": "Referrals", "nav": "referrals"},
    )


@require_GET
def referral_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    referral = get_referral_for_user(request.user, pk)
    identifiers = list(referral.identifiers.all())
    comms_requests = list(referral.comms_requests.select_related("time_verified_by"))
    # The case is named only to someone who may see it.
    case = cases_visible_to(request.user).filter(referral=referral).first()
    developed = referral.outcome == Referral.Outcome.DEVELOPED
    # Corrected on its own pages only while no case was opened from it (seen or not).
    on_a_case = case is not None or referral_has_case(referral)
    changes = [
        {
            "version": version,
            "label": RECORD_TYPES[version.record_type].label,
            "url": reverse(
                "cases:referral_record_history",
                kwargs={"pk": referral.pk, "record_type": version.record_type, "record_pk": version.record_id},
            )
            + f"#version-{version.number}",
        }
        for version in referral_record_versions(referral)
    ]
    context = {
        "referral": referral,
        "identifiers": identifiers,
        "comms_requests": comms_requests,
        "matches": list(matches_of(referral=referral)),
        "case": case,
        # Its records are corrected on its own record pages while it has no case (by who may see it:
        # who may record referrals), and on the case's once developed, by who may record on the case.
        "may": case_actions(case, request.user) if case is not None else {"record": not on_a_case},
        "developed": developed,
        "on_a_case": on_a_case,
        "changes": changes,
        "response_due_at": response_due(referral),
        "response_rule": rules.REFERRAL_RESPONSE,
        "now": timezone.now(),
        "nav": "referrals",
    }
    return render(request, "cases/referrals/detail.html", context)


@require_http_methods(["GET", "POST"])
def referral_identifier_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    referral = get_referral_for_user(request.user, pk)
    form = ReferralIdentifierForm(request.POST or None)
    return _record(
        request,
        referral,
        form=form,
        save=lambda data: show_deconfliction_notices(
            request,
            referral_add_identifier(referral=referral, actor=request.user, **data),
        ),
        title="Add an identifier",
        success="Identifier added.",
    )


@require_http_methods(["GET", "POST"])
def comms_request_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    referral = get_referral_for_user(request.user, pk)
    form = CommsRequestForm(request.POST or None)
    return _record(
        request,
        referral,
        form=form,
        save=lambda data: show_deconfliction_notices(
            request,
            comms_request_submit(referral=referral, actor=request.user, **data),
        ),
        title="Record a communications-data request",
        success="Communications-data request recorded.",
    )


@require_http_methods(["GET", "POST"])
def comms_request_approval(request: AuthenticatedHttpRequest, pk: int, request_pk: int) -> HttpResponse:
    referral = get_referral_for_user(request.user, pk)
    comms_request = get_referral_child_or_404(referral, CommsDataRequest, request_pk, user=request.user)
    form = CommsApprovalForm(request.POST or None)
    return _record(
        request,
        referral,
        form=form,
        save=lambda data: comms_request_record_approval(comms_request=comms_request, actor=request.user, **data),
        title=f"Record approval of request {comms_request.reference}",
        success="Approval recorded.",
    )


@require_http_methods(["GET", "POST"])
def comms_request_result(request: AuthenticatedHttpRequest, pk: int, request_pk: int) -> HttpResponse:
    referral = get_referral_for_user(request.user, pk)
    comms_request = get_referral_child_or_404(referral, CommsDataRequest, request_pk, user=request.user)
    form = CommsResultForm(request.POST or None)

    def save(data: dict[str, Any]) -> None:
        comms_request_record_result(
            comms_request=comms_request,
            actor=request.user,
            result_received_at=data["result_received_at"],
            outcome=data["outcome"],
        )

    return _record(
        request,
        referral,
        form=form,
        save=save,
        title=f"Record the result of request {comms_request.reference}",
        success="Result recorded.",
    )


@require_http_methods(["GET", "POST"])
def referral_outcome(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    referral = get_referral_for_user(request.user, pk)
    form = ReferralOutcomeForm(request.POST or None)
    return _record(
        request,
        referral,
        form=form,
        save=lambda data: referral_record_outcome(referral=referral, actor=request.user, **data),
        title="Record the referral's outcome",
        success="Outcome recorded.",
    )


@require_http_methods(["GET", "POST"])
def case_open_from_referral(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Create a case from a referral in a few clicks: the form comes filled in; check it and save."""
    user = request.user
    referral = get_referral_for_user(user, pk)
    require_capability(user, Capability.RECORD_TEAM_CASES)
    initial = {
        "team": user.teams.order_by("name").first(),
        "officer_in_case": user,
        "opened_at": timezone.now().replace(second=0, microsecond=0),
        "summary": referral.summary,
    }
    form = CaseOpenForm(request.POST or None, user=user, initial=initial)
    created = AfterSave()

    def save(data: dict[str, Any]) -> Case:
        case = case_open(actor=user, referral=referral, **data)
        created.url = case.get_absolute_url()
        return case

    return _record(
        request,
        referral,
        form=form,
        save=save,
        title="Open a case from this referral",
        success="Case opened. The referral is marked as developed into an investigation.",
        submit="Open case",
        redirect_to=created,
    )
