"""The figures as CSV: downloaded at once for one period, or month by month as a background export
(`ExportJob`, run by `cases.tasks.figures_export_run`). Every download is a disclosure in the audit
trail (kind export, the person downloading as the recipient)."""

import io
from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

from audit.models import AuditEntry
from audit.services import audit_record
from cases.formats import day
from cases.models import ExportJob, User
from cases.reports.figures import COUNTS, FLOWS, FiguresReport, figures_report, figures_reports
from cases.reports.sql import Period
from cases.roles import Capability, user_has_capability
from safeguard.outbox.services import outbox_enqueue
from safeguard.spreadsheet import FormulaSafeWriter

# A month-by-month export longer than this is refused: ten years of months.
EXPORT_MAX_MONTHS = 120
# A running export not finished this long after it started is taken to have lost its worker.
EXPORT_STALE_AFTER = timedelta(minutes=30)
EXPORT_TOO_LONG = f"Choose a period of at most {EXPORT_MAX_MONTHS} months to export month by month."
EXPORT_NOT_READY = "This export is not ready to download yet."
FIGURES_NOT_ALLOWED = "Only supervisors can see and export the unit's figures."

LEVELS = {"team": "Team", "force": "Force", "region_force": "Force in region", "region": "Region"}

CSV_COLUMNS = [
    "period_from",
    "period_to",
    "level",
    "region",
    "force",
    "team",
    *(name for name, _ in COUNTS),
    *(f"{name}_{part}" for name, _ in FLOWS for part in ("count", "median_days", "p90_days")),
    "charging_decisions_met",
    "charging_decisions_missed",
    "charging_within_target_percent",
]


def _number(value: float | int | None) -> float | int | str:
    return "" if value is None else value


def figures_csv(reports: list[FiguresReport]) -> str:
    """The reports as CSV text, one line per row of each report, in the report's order."""
    out = io.StringIO()
    writer = FormulaSafeWriter(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for report in reports:
        for row in report.rows():
            flows: list[object] = []
            for name, _ in FLOWS:
                flow = row.flows[name] if row.flows else None
                flows += [_number(flow.count), _number(flow.median), _number(flow.p90)] if flow else ["", "", ""]
            writer.writerow(
                [
                    report.period.first.isoformat(),
                    report.period.last.isoformat(),
                    LEVELS[row.level],
                    row.region,
                    row.force,
                    row.team,
                    *row.count_list(),
                    *flows,
                    _number(row.charging_met) if row.flows else "",
                    _number(row.charging_missed) if row.flows else "",
                    _number(row.charging_share_met) if row.flows else "",
                ]
            )
    return out.getvalue()


def _require_figures(actor: User) -> None:
    if not user_has_capability(actor, Capability.FIGURES):
        raise PermissionDenied(FIGURES_NOT_ALLOWED)


def figures_download(*, actor: User, period: Period, now: datetime, request: HttpRequest | None = None) -> str:
    """The figures for `period` as CSV, recorded as a disclosure to `actor` before it is returned."""
    _require_figures(actor)
    text = figures_csv([figures_report(actor, period=period, now=now)])
    audit_record(
        kind=AuditEntry.Kind.EXPORT,
        actor=actor,
        object_type="cases.Figures",
        summary=f"Downloaded the figures for {day(period.first)} to {day(period.last)} as CSV",
        recipient=actor.get_username(),
        changes={"date_from": period.first.isoformat(), "date_to": period.last.isoformat()},
        request=request,
    )
    return text


def _period_of(job: ExportJob) -> Period:
    return Period(date.fromisoformat(job.parameters["date_from"]), date.fromisoformat(job.parameters["date_to"]))


EXPORT_TASK = "cases.tasks.figures_export_run"


@transaction.atomic
def figures_export_request(*, actor: User, period: Period, now: datetime | None = None) -> ExportJob:
    """Ask for the figures month by month over `period`; the export runs in the background once
    this transaction has committed. The figures are as at `now` (the time of asking)."""
    _require_figures(actor)
    months = period.months()
    if len(months) > EXPORT_MAX_MONTHS:
        raise ValidationError({"date_from": EXPORT_TOO_LONG})
    job = ExportJob.objects.create(
        kind=ExportJob.Kind.FIGURES,
        requested_by=actor,
        parameters={
            "date_from": period.first.isoformat(),
            "date_to": period.last.isoformat(),
            "as_at": (now or timezone.now()).isoformat(),
        },
        progress_total=len(months),
    )
    # Through the outbox: published once this commits, and kept until Redis takes it if it is down.
    outbox_enqueue(EXPORT_TASK, job.pk)
    return job


def figures_export_run(*, job_id: int) -> ExportJob | None:
    """Run a queued export: claim it (so a second delivery of the task does nothing while it runs), compute the
    figures a month at a time, saving progress after each, then store the CSV. Figures are those
    the requester may see, as at the time they asked."""
    now = timezone.now()
    # A run whose worker was lost (the task is delivered again) is taken over once it has been
    # silent for EXPORT_STALE_AFTER; a run still going is left alone.
    claimable = Q(status=ExportJob.Status.QUEUED) | Q(
        status=ExportJob.Status.RUNNING, started_at__lt=now - EXPORT_STALE_AFTER
    )
    claimed = ExportJob.objects.filter(claimable, pk=job_id).update(
        status=ExportJob.Status.RUNNING, started_at=now, progress_done=0
    )
    if not claimed:
        return None
    job = ExportJob.objects.select_related("requested_by").get(pk=job_id)
    try:
        as_at = datetime.fromisoformat(job.parameters["as_at"])
        reports = []
        months = figures_reports(job.requested_by, periods=_period_of(job).months(), now=as_at)
        for done, report in enumerate(months, start=1):
            reports.append(report)
            ExportJob.objects.filter(pk=job.pk).update(progress_done=done)
        job.result = figures_csv(reports)
        job.status = ExportJob.Status.DONE
        job.progress_done = job.progress_total
    except Exception as error:  # the page must say it failed rather than run for ever
        job.status = ExportJob.Status.FAILED
        job.error = f"The export could not be completed ({type(error).__name__})."
        job.result = ""
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "error", "result", "finished_at"])
        raise
    job.finished_at = timezone.now()
    job.save(update_fields=["result", "status", "progress_done", "finished_at"])
    return job


def export_job_download(*, job: ExportJob, actor: User, request: HttpRequest | None = None) -> str:
    """The export's CSV, recorded as a disclosure to `actor` (its requester) before it is returned."""
    if job.status != ExportJob.Status.DONE:
        raise ValidationError(EXPORT_NOT_READY)
    audit_record(
        kind=AuditEntry.Kind.EXPORT,
        actor=actor,
        object_type="cases.ExportJob",
        object_id=str(job.pk),
        summary=f"Downloaded figures export {job.pk} as CSV",
        recipient=actor.get_username(),
        changes=dict(job.parameters),
        request=request,
    )
    return job.result


def export_parameters_display(job: ExportJob) -> dict[str, Any]:
    period = _period_of(job)
    return {"date_from": period.first, "date_to": period.last, "months": len(period.months())}
