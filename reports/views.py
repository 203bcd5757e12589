"""The supervisor's dashboard and the unit's figures (docs/figures.md). Supervisors only (the role
table's "Dashboards and figures"); anyone else is refused with 403. An export is seen only by the
person who asked for it (404 for anyone else)."""

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from accounts.http import AuthenticatedHttpRequest
from accounts.models import User
from accounts.roles import Capability
from audit.objects import ObjectType
from audit.services import audit_read
from cases.models import Case
from cases.permissions import get_export_job_for_user, require_capability
from cases.selectors import case_ids_changeable_by, case_ids_in_view
from cases.services.summaries import first_deadlines_due_for
from reports import dashboard as board
from reports.charts import bar_chart, stacked_bar_chart
from reports.figures import COUNTS, FLOWS, figures_report
from reports.forms import DashboardForm, ExportRequestForm, PeriodForm
from reports.services import (
    export_job_download,
    export_parameters_display,
    figures_download,
    figures_export_request,
)
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
    rows = board.charging_rows(user, now=now, in_view=in_view, **scope)
    counts = board.status_counts(rows)
    performance = board.charging_performance(user, period=period, now=now, in_view=in_view, **scope)
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
    return render(request, "reports/dashboard.html", context, status=400 if form.errors else 200)


@require_GET
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
