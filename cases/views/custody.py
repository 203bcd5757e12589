"""Arrest and custody, release and bail: one short view per page, each around `record_stage`."""

from django.db.models import prefetch_related_objects
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from accounts.http import AuthenticatedHttpRequest
from cases import rules
from cases.forms.custody import (
    ArrestForm,
    BailBreachForm,
    BailCourtApplicationForm,
    BailExtensionForm,
    CustodyExtensionForm,
    CustodyReviewForm,
    ReleaseForm,
)
from cases.models import Arrest, BailExtension, Release
from cases.permissions import get_case_for_change, get_case_for_user, get_child_or_404
from cases.selectors import case_actions
from cases.services.custody import (
    arrest_record,
    bail_breach_record,
    bail_court_application_record,
    bail_current_end,
    bail_extend,
    bail_next_steps,
    bail_steps_in_words,
    custody_extension_record,
    custody_review_record,
    release_record,
)
from cases.views.stage import record_stage


def _arrest_url(reference: str, arrest: Arrest) -> str:
    return reverse("cases:arrest_detail", kwargs={"reference": reference, "pk": arrest.pk})


@require_http_methods(["GET", "POST"])
def arrest_add(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    case = get_case_for_change(request.user, reference)
    form = ArrestForm(request.POST or None, case=case)
    return record_stage(
        request,
        case=case,
        form=form,
        save=lambda data: arrest_record(case=case, actor=request.user, **data),
        title="Record an arrest",
        success="Arrest recorded.",
        template="cases/custody/arrest_form.html",
    )


@require_GET
def arrest_detail(request: AuthenticatedHttpRequest, reference: str, pk: int) -> HttpResponse:
    """The arrest with its PACE custody clock, releases and bail, all computed by cases.rules."""
    case = get_case_for_user(request.user, reference)
    arrest = get_child_or_404(case, Arrest, pk)
    prefetch_related_objects(
        [arrest],
        "subject",
        "suspected_offences",
        "custody_extensions",
        "custody_reviews",
        "releases__bail_extensions",
        "releases__bail_breaches__noted_by",
    )
    clock = None
    if arrest.relevant_time is not None:
        extensions = [e for e in arrest.custody_extensions.all() if e.withdrawn_at is None]
        current_limit = extensions[-1].detention_until if extensions else rules.custody_limit_at(arrest.relevant_time)
        clock = {
            "limit_24h": rules.custody_limit_at(arrest.relevant_time),
            "limit_36h": rules.custody_superintendent_limit_at(arrest.relevant_time),
            "maximum": rules.custody_maximum_at(arrest.relevant_time),
            "current_limit": current_limit,
            "reviews": rules.custody_reviews_due(relevant_time=arrest.relevant_time, until=current_limit),
            "next_review": rules.custody_next_review_due(
                relevant_time=arrest.relevant_time,
                reviews=[r.reviewed_at for r in arrest.custody_reviews.all() if r.withdrawn_at is None],
            ),
        }
    # Bails whose next extension may be the court's: an application to it can be recorded (s.47ZF(2)).
    court_next = [
        release.pk
        for release in arrest.releases.all()
        if release.kind == Release.Kind.BAIL
        and release.bail_regime != Release.BailRegime.PRE_2017
        and any(step.rank == BailExtension.ApproverRank.MAGISTRATES for step in bail_next_steps(release))
    ]
    context = {
        "case": case,
        "may": case_actions(case, request.user),
        "arrest": arrest,
        "court_next": court_next,
        "clock": clock,
        "charging_target": rules.charging_target_at(arrest.arrested_at),
        "rules": {
            "reviews": rules.PACE_REVIEWS,
            "limit": rules.PACE_DETENTION_LIMIT,
            "superintendent": rules.PACE_SUPERINTENDENT_EXTENSION,
            "warrant": rules.PACE_WARRANT_OF_FURTHER_DETENTION,
            "charging_target": rules.CHARGING_TARGET,
            "bail_pca2017": rules.BAIL_PCA_2017,
            "bail_pcsca2022": rules.BAIL_PCSCA_2022,
        },
        "nav": "cases",
    }
    return render(request, "cases/custody/arrest_detail.html", context)


@require_http_methods(["GET", "POST"])
def custody_extension_add(request: AuthenticatedHttpRequest, reference: str, pk: int) -> HttpResponse:
    case = get_case_for_change(request.user, reference)
    arrest = get_child_or_404(case, Arrest, pk)
    return record_stage(
        request,
        case=case,
        form=CustodyExtensionForm(request.POST or None),
        save=lambda data: custody_extension_record(arrest=arrest, actor=request.user, **data),
        title=f"Record an extension of detention: {arrest.subject}",
        success="Extension of detention recorded.",
        redirect_to=_arrest_url(reference, arrest),
    )


@require_http_methods(["GET", "POST"])
def custody_review_add(request: AuthenticatedHttpRequest, reference: str, pk: int) -> HttpResponse:
    case = get_case_for_change(request.user, reference)
    arrest = get_child_or_404(case, Arrest, pk)
    return record_stage(
        request,
        case=case,
        form=CustodyReviewForm(request.POST or None),
        save=lambda data: custody_review_record(arrest=arrest, actor=request.user, **data),
        title=f"Record a review of detention: {arrest.subject}",
        success="Review of detention recorded.",
        redirect_to=_arrest_url(reference, arrest),
    )


@require_http_methods(["GET", "POST"])
def release_add(request: AuthenticatedHttpRequest, reference: str, pk: int) -> HttpResponse:
    case = get_case_for_change(request.user, reference)
    arrest = get_child_or_404(case, Arrest, pk)
    return record_stage(
        request,
        case=case,
        form=ReleaseForm(request.POST or None),
        save=lambda data: release_record(arrest=arrest, actor=request.user, **data),
        title=f"Record a release: {arrest.subject}",
        success="Release recorded.",
        redirect_to=_arrest_url(reference, arrest),
    )


@require_http_methods(["GET", "POST"])
def bail_extend_view(request: AuthenticatedHttpRequest, reference: str, arrest_pk: int, pk: int) -> HttpResponse:
    case = get_case_for_change(request.user, reference)
    arrest = get_child_or_404(case, Arrest, arrest_pk)
    release = _bail_with_limit(arrest, pk)
    steps = bail_next_steps(release)
    form = BailExtensionForm(request.POST or None, initial={"approver_rank": steps[0].rank})
    next_rank = bail_steps_in_words(steps)
    return record_stage(
        request,
        case=case,
        form=form,
        save=lambda data: bail_extend(release=release, actor=request.user, **data),
        title=f"Extend pre-charge bail: {arrest.subject}",
        success="Bail extension recorded.",
        template="cases/custody/bail_extend_form.html",
        redirect_to=_arrest_url(reference, arrest),
        extra={"release": release, "next_rank": next_rank, "current_end": bail_current_end(release)},
    )


def _bail_with_limit(arrest: Arrest, pk: int) -> Release:
    """A bail on this arrest that has a statutory time limit (not before 3 Apr 2017), or 404."""
    bails = arrest.releases.filter(kind=Release.Kind.BAIL).exclude(bail_regime=Release.BailRegime.PRE_2017)
    return get_object_or_404(bails.prefetch_related("bail_extensions"), pk=pk)


@require_http_methods(["GET", "POST"])
def bail_court_apply(request: AuthenticatedHttpRequest, reference: str, arrest_pk: int, pk: int) -> HttpResponse:
    """Record an application to the magistrates' court to extend bail, pending its decision (PACE s.47ZJ)."""
    case = get_case_for_change(request.user, reference)
    arrest = get_child_or_404(case, Arrest, arrest_pk)
    release = _bail_with_limit(arrest, pk)
    return record_stage(
        request,
        case=case,
        form=BailCourtApplicationForm(request.POST or None),
        save=lambda data: bail_court_application_record(release=release, actor=request.user, **data),
        title=f"Record an application to the court to extend bail: {arrest.subject}",
        success="Application to the court recorded: bail is treated as extended until the court decides.",
        redirect_to=_arrest_url(reference, arrest),
    )


@require_http_methods(["GET", "POST"])
def bail_breach_add(request: AuthenticatedHttpRequest, reference: str, arrest_pk: int, pk: int) -> HttpResponse:
    case = get_case_for_change(request.user, reference)
    arrest = get_child_or_404(case, Arrest, arrest_pk)
    release = get_object_or_404(arrest.releases.filter(kind=Release.Kind.BAIL), pk=pk)
    return record_stage(
        request,
        case=case,
        form=BailBreachForm(request.POST or None),
        save=lambda data: bail_breach_record(release=release, actor=request.user, **data),
        title=f"Record a breach of bail: {arrest.subject}",
        success="Breach of bail recorded.",
        redirect_to=_arrest_url(reference, arrest),
    )
