"""The supervisor's dashboard and the unit's figures (docs/figures.md). Supervisors only (the role
table's "Dashboards and figures"); anyone else is refused with 403. An export is seen only by the
person who asked for it (404 for anyone else)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.http import AuthenticatedHttpRequest
from accounts.models import User
from accounts.roles import Capability
from audit.objects import ObjectType
from audit.services import audit_read
from cases.models import Case
from cases.permissions import get_export_job_for_user, require_capability
from cases.selectors import (
    case_ids_changeable_by,
    case_ids_in_view,
    case_ids_supervised_by,
    one_of_ids,
    own_team_members,
)
from cases.services.access import case_reassign_many
from cases.services.summaries import first_deadlines_due_for
from reports import dashboard as board
from reports.charts import bar_chart, stacked_bar_chart
from reports.figures import COUNTS, FLOWS, figures_report
from reports.forms import BulkReassignForm, DashboardForm, ExportRequestForm, PeriodForm, whose_cases
from reports.services import (
    export_job_download,
    export_parameters_display,
    figures_download,
    figures_export_request,
)
from safeguard.forms import add_service_error
from safeguard.replica import reads_from_replica
from work.selectors import london_today, reviews_overdue_count

STAGE_CLASSES = {
    Case.Stage.INVESTIGATION: "chart-stage-investigation",
    Case.Stage.WARRANT: "chart-stage-warrant",
    Case.Stage.SEARCH: "chart-stage-search",
    Case.Stage.ARREST: "chart-stage-arrest",
    Case.Stage.CHARGING: "chart-stage-charging",
    Case.Stage.COURT: "chart-stage-court",
}
# The dashboard shows the most urgent deadlines; the deadlines page has them all.
DASHBOARD_DEADLINES = 20
# Seconds between refreshes of the page of an export that is still running.
EXPORT_REFRESH_SECONDS = 3
BAD_PAGE_LINK = "That page link of the charging table is not valid, so its first page is shown instead."
# Actions on a case offered from the dashboard's rows, by URL name, each taking the case's reference.
CASE_ACTIONS = (("work:review_add", "Review"), ("work:task_create", "Set a task"))


def case_action_links(reference: str) -> list[tuple[str, str]]:
    """(label, address) of each of CASE_ACTIONS for the case with `reference`."""
    return [(label, reverse(name, args=[reference])) for name, label in CASE_ACTIONS]


@require_GET
def dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    user: User = request.user
    require_capability(user, Capability.FIGURES)
    form = DashboardForm(request.GET or None, user=user)
    period, team, officer = form.period(), form.choice("team"), form.choice("officer")
    now = timezone.now()
    scope = {"team": team, "officer": officer}
    # The cases in view, read once for the four panels that start from them.
    in_view = case_ids_in_view(user, **scope)
    after_text = request.GET.get("after", "")
    after = board.ChargingCursor.decode(after_text) if after_text else None
    if after_text and after is None:
        messages.error(request, BAD_PAGE_LINK)
    page = board.charging_rows(user, now=now, period=period, in_view=in_view, after=after, **scope)
    rows = page.rows
    performance = board.charging_performance(user, period=period, now=now, in_view=in_view, **scope)
    counts = performance.counts()
    caseload = board.caseload(user, open_ids=in_view.open, **scope)
    due = first_deadlines_due_for(user, now=now, first=DASHBOARD_DEADLINES, open_ids=in_view.open, **scope)
    deadlines = due.first
    audit_read(
        actor=user,
        object_type=ObjectType.DASHBOARD,
        summary="Looked at the supervisor's dashboard",
        changes={
            "team": team.pk if team else None,
            "officer": officer.pk if officer else None,
            "date_from": period.first.isoformat(),
            "date_to": period.last.isoformat(),
            "case_references": sorted(
                {row.arrest.case.reference for row in rows} | {deadline.case.reference for deadline in deadlines}
            ),
        },
        request=request,
    )
    status_chart = bar_chart(
        key="charging-status",
        title="Charging decisions against the four-week target",
        description="; ".join(f"{status.label}: {count}" for status, count in counts.items()),
        bars=[(status.label, count, f"chart-{status.value}") for status, count in counts.items()],
    )
    caseload_chart = stacked_bar_chart(
        key="caseload",
        title="Open cases per officer in the case, by stage",
        description="; ".join(f"{row.officer_name}: {row.total} open" for row in caseload),
        rows=[
            (row.officer_name, [(stage.label, count, STAGE_CLASSES[stage]) for stage, count in row.by_stage])
            for row in caseload
        ],
    )
    context = {
        "nav": "dashboard",
        "form": form,
        "period": period,
        "rows": rows,
        "page": page,
        "page_query": _without_page(request.GET),
        "table": _with_actions(user, rows),
        "counts": counts,
        "performance": performance,
        "caseload": caseload,
        "deadlines": deadlines,
        "changeable": case_ids_changeable_by(user, (d.case.pk for d in deadlines)),
        "deadlines_total": due.total,
        "reviews_overdue": reviews_overdue_count(in_view.open, today=london_today(now)),
        "stages": board.OPEN_STAGES,
        "status_chart": status_chart,
        "caseload_chart": caseload_chart,
        "target_days": board.charging_target().days,
        "due_soon_days": board.due_soon().days,
        "now": now,
    }
    return render(
        request, "reports/dashboard.html", context, status=400 if form.errors or (after_text and after is None) else 200
    )


def _with_actions(user: User, rows: list[board.ChargingRow]) -> list[dict[str, object]]:
    """Each row of the charging table with what the supervisor may do from it where they supervise
    the case: reassign it, review it, set a task on it."""
    supervised = case_ids_supervised_by(user, {row.arrest.case_id for row in rows})
    return [
        {
            "row": row,
            "reassign": row.arrest.case_id in supervised,
            "actions": case_action_links(row.arrest.case.reference) if row.arrest.case_id in supervised else [],
        }
        for row in rows
    ]


def _without_page(params: QueryDict) -> str:
    """The query string of the dashboard's filters, without the page of the charging table."""
    kept = params.copy()
    kept.pop("after", None)
    return kept.urlencode()


@require_http_methods(["GET", "POST"])
def reassign(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Reassign many cases at once: an officer's open cases, each with a checkbox, to one new
    officer in the case for one reason, all or none (`case_reassign_many`). Supervisors only (403
    for anyone else); only cases the supervisor may see are listed or accepted."""
    user: User = request.user
    require_capability(user, Capability.SUPERVISE)
    posted = request.method == "POST"
    whose, whose_error = whose_cases(request.POST if posted else request.GET, user=user)
    form = BulkReassignForm(request.POST if posted else None, user=user)
    if posted and form.is_valid():
        data = form.cleaned_data
        try:
            done = case_reassign_many(
                cases=list(data["cases"]), actor=user, officer_in_case=data["officer_in_case"], reason=data["reason"]
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request, f"{len(done)} case{'s' if len(done) != 1 else ''} reassigned to {data['officer_in_case']}."
            )
            return redirect(
                f"{reverse('reports:reassign')}?officer={whose.pk}" if whose else reverse("reports:dashboard")
            )
    cases = []
    if whose is not None:
        open_ids = case_ids_in_view(user, officer=whose).open
        cases = list(Case.objects.filter(one_of_ids("pk", open_ids)).select_related("team").order_by("reference"))
        audit_read(
            actor=user,
            object_type=ObjectType.DASHBOARD,
            summary="Looked at an officer's cases to reassign",
            changes={"officer": whose.pk, "case_references": [case.reference for case in cases]},
            request=request,
        )
    context = {
        "nav": "dashboard",
        "form": form,
        "whose": whose,
        "whose_error": whose_error,
        "members": own_team_members(user),
        "cases": cases,
        "chosen": set(request.POST.getlist("cases")),
    }
    return render(request, "reports/reassign.html", context, status=400 if posted or whose_error else 200)


@require_GET
@reads_from_replica
def figures(request: AuthenticatedHttpRequest) -> HttpResponse:
    user: User = request.user
    require_capability(user, Capability.FIGURES)
    form = PeriodForm(request.GET or None)
    period = form.period()
    now = timezone.now()
    if request.GET.get("format") == "csv" and not form.errors:
        text = figures_download(actor=user, period=period, now=now, request=request)
        response = HttpResponse(text, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="figures-{period.first}-to-{period.last}.csv"'
        return response
    report = figures_report(user, period=period, now=now)
    audit_read(
        actor=user,
        object_type=ObjectType.FIGURES,
        summary="Looked at the figures",
        changes={"date_from": period.first.isoformat(), "date_to": period.last.isoformat()},
        request=request,
    )
    context = {
        "nav": "figures",
        "form": form,
        "export_form": ExportRequestForm(initial={"date_from": period.first, "date_to": period.last}),
        "period": period,
        "report": report,
        "counts": COUNTS,
        "flows": FLOWS,
        "csv_query": f"date_from={period.first.isoformat()}&date_to={period.last.isoformat()}&format=csv",
        "jobs": list(user.export_jobs.order_by("-created_at", "-id")[:5]),
    }
    return render(request, "reports/figures.html", context, status=400 if form.errors else 200)


@require_POST
def figures_export_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    user: User = request.user
    require_capability(user, Capability.FIGURES)
    form = ExportRequestForm(request.POST)
    if form.is_valid():
        try:
            job = figures_export_request(actor=user, period=form.period())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect(job)
    context = {"nav": "figures", "form": form}
    return render(request, "reports/export_refused.html", context, status=400)


@require_GET
def figures_export(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    job = get_export_job_for_user(request.user, pk)
    context = {
        "nav": "figures",
        "job": job,
        "parameters": export_parameters_display(job),
        "refresh_seconds": EXPORT_REFRESH_SECONDS,
    }
    return render(request, "reports/export.html", context)


@require_GET
def figures_export_download(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    user: User = request.user
    job = get_export_job_for_user(user, pk)
    try:
        text = export_job_download(job=job, actor=user, request=request)
    except ValidationError:
        return redirect(job)
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="figures-export-{job.pk}.csv"'
    return response
