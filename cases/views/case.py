"""The case list, opening a case, the case page, subjects, premises and the case log."""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from accounts.http import AuthenticatedHttpRequest
from accounts.models import User
from accounts.roles import Capability
from audit.services import audit_search
from cases.deadlines import case_deadlines
from cases.forms.case import (
    CaseListFilterForm,
    CaseLogCorrectionForm,
    CaseLogEntryForm,
    CaseOpenForm,
    PremisesForm,
    SubjectForm,
)
from cases.models import Case, CaseLogEntry
from cases.permissions import (
    get_case_for_change,
    get_case_for_page,
    get_case_for_user,
    get_child_or_404,
    require_capability,
)
from cases.selectors import case_access_rows, case_actions, case_allows, case_list_page, case_list_parts
from cases.services.case import case_log_add, case_log_correct, case_open, premises_add, subject_add
from cases.views.find import PANEL_MATCHES, deconfliction_panel, show_deconfliction_notices
from cases.views.stage import record_stage
from safeguard.keyset import Position

CASES_PER_PAGE = 25

# What other apps add to the case page (work: the case's tasks to do), each registered by the app
# that owns it (WorkConfig.ready), so that cases, the lower layer, names none of them: called with the
# case and the person, each returns values for the page's template, read in a fixed number of queries.
CasePanel = Callable[[Case, User], dict[str, object]]
_CASE_PANELS: list[CasePanel] = []


def register_case_panel(panel: CasePanel) -> None:
    if panel not in _CASE_PANELS:
        _CASE_PANELS.append(panel)


LOG_ENTRIES_PER_PAGE = 50


class AfterSave:
    """Where to go once a create has saved: the new record's page, known only after the service ran.

    `record_stage` redirects to `redirect_to`, and Django's `redirect` accepts anything with
    `get_absolute_url`, so the URL is read after `save` has set `url`.
    """

    url = ""

    def get_absolute_url(self) -> str:
        return self.url


def page_links(request: AuthenticatedHttpRequest) -> str:
    """The current query string without the page asked for (`page`, or a keyset page's `before` or
    `after`), so page links keep the search and filters."""
    params = request.GET.copy()
    for name in ("page", "before", "after"):
        params.pop(name, None)
    return params.urlencode()


BAD_PAGE_LINK = "That page link is not valid, so the newest cases are shown instead."


@require_GET
def case_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The cases a person may see, newest opened first, searched and filtered, a keyset page at a
    time ("Older cases", "Newer cases"): never counted and no OFFSET (`case_list_page`). A page
    link that is not valid shows the newest page and says so, with a 400."""
    filter_form = CaseListFilterForm(request.GET or None, user=request.user)
    filters = filter_form.filters() if request.GET else {}
    position = Position.from_query(request.GET)
    if position.invalid:
        messages.error(request, BAD_PAGE_LINK)
    cases = case_list_parts(request.user, **filters)
    page = case_list_page(cases, size=CASES_PER_PAGE, position=position)
    shown = [case.reference for case in page.rows]
    audit_search(request, object_type=Case, filters=filters, shown=shown, page=position.describe())
    context = {
        "filter_form": filter_form,
        "filtered": bool(filters),
        "page": page,
        "query": page_links(request),
        "nav": "cases",
    }
    return render(request, "cases/list.html", context, status=400 if position.invalid else 200)


@require_http_methods(["GET", "POST"])
def case_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Open a case without a referral (e.g. intelligence from within the force)."""
    user = request.user
    require_capability(user, Capability.RECORD_TEAM_CASES)
    first_team = user.teams.order_by("name").first()
    initial = {
        "team": first_team,
        "officer_in_case": user,
        "opened_at": timezone.now().replace(second=0, microsecond=0),
    }
    form = CaseOpenForm(request.POST or None, user=user, initial=initial)
    created = AfterSave()

    def save(data: dict[str, Any]) -> None:
        created.url = case_open(actor=user, **data).get_absolute_url()

    return record_stage(
        request,
        case=None,
        form=form,
        save=save,
        title="Open a case",
        success="Case opened.",
        template="cases/referrals/form.html",
        submit="Open case",
        redirect_to=created,
        extra={"back_url": reverse("cases:list"), "back_label": "Cases", "nav": "cases"},
    )


@require_GET
def case_detail(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    case = get_case_for_page(request.user, reference)
    deadlines = case_deadlines(case, now=timezone.now())
    context = {
        "case": case,
        "deadlines": [d for d in deadlines if d.outstanding],
        "past_deadlines": [d for d in deadlines if not d.outstanding],
        "nav": "cases",
        "may": case_actions(case, request.user),
        "matches": deconfliction_panel(request, case),
        "matches_limit": PANEL_MATCHES,
    }
    if case_allows(case, request.user, Capability.SUPERVISE):
        context.update(can_supervise=True, access_rows=case_access_rows(case))
    for panel in _CASE_PANELS:
        context.update(panel(case, request.user))
    return render(request, "cases/detail.html", context)


@require_http_methods(["GET", "POST"])
def subject_add_view(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    case = get_case_for_change(request.user, reference)
    form = SubjectForm(request.POST or None)
    return record_stage(
        request,
        case=case,
        form=form,
        save=lambda data: show_deconfliction_notices(
            request,
            subject_add(case=case, actor=request.user, **data),
        ),
        title="Add a subject",
        success="Subject added.",
    )


@require_http_methods(["GET", "POST"])
def premises_add_view(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    case = get_case_for_change(request.user, reference)
    form = PremisesForm(request.POST or None)
    return record_stage(
        request,
        case=case,
        form=form,
        save=lambda data: show_deconfliction_notices(
            request,
            premises_add(case=case, actor=request.user, **data),
        ),
        title="Add premises",
        success="Premises added.",
    )


@require_GET
def case_log(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    case = get_case_for_user(request.user, reference)
    entries = case.log_entries.select_related("author", "corrects", "record_version").prefetch_related("corrections")
    page = Paginator(entries, LOG_ENTRIES_PER_PAGE).get_page(request.GET.get("page"))
    may = case_actions(case, request.user)
    return render(request, "cases/log.html", {"case": case, "page": page, "nav": "cases", "may": may})


@require_http_methods(["GET", "POST"])
def case_log_add_view(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    case = get_case_for_change(request.user, reference)
    form = CaseLogEntryForm(request.POST or None)
    return record_stage(
        request,
        case=case,
        form=form,
        save=lambda data: case_log_add(case=case, actor=request.user, **data),
        title="Add a case log entry",
        success="Case log entry added.",
        redirect_to=reverse("cases:log", kwargs={"reference": case.reference}),
    )


@require_http_methods(["GET", "POST"])
def case_log_correct_view(request: AuthenticatedHttpRequest, reference: str, pk: int) -> HttpResponse:
    case = get_case_for_change(request.user, reference)
    entry = get_child_or_404(case, CaseLogEntry, pk)
    form = CaseLogCorrectionForm(request.POST or None)
    return record_stage(
        request,
        case=case,
        form=form,
        save=lambda data: case_log_correct(entry=entry, actor=request.user, **data),
        title="Correct a case log entry",
        success="Correction added. The original entry is kept.",
        template="cases/log_correct.html",
        submit="Add correction",
        redirect_to=reverse("cases:log", kwargs={"reference": case.reference}),
        extra={"entry": entry},
    )
