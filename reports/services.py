"""The figures as CSV: downloaded at once for one period, or month by month as a background export
(`ExportJob`, run by `cases.tasks.figures_export_run`). Every download is a disclosure in the audit
trail (kind export, the person downloading as the recipient)."""

import io
from datetime import date, datetime, timedelta
from typing import Any
from uuid import uuid4

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import Q, TextField, Value
from django.db.models.functions import Coalesce, Concat
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import User
from accounts.roles import Capability, user_has_capability
from audit.models import AuditEntry
from audit.objects import ObjectType
from audit.services import audit_record
from cases.formats import day
from cases.models import ExportJob
from reports.figures import COUNTS, FLOWS, FiguresReport, figures_report, figures_reports
from reports.sql import Period
from safeguard.outbox.services import outbox_enqueue
from safeguard.replica import replica_reads
from safeguard.spreadsheet import FormulaSafeWriter

# A month-by-month export longer than this is refused: ten years of months.
EXPORT_MAX_MONTHS = 120
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


def figures_csv(reports: list[FiguresReport], *, header: bool = True) -> str:
    """The reports as CSV text, one line per row of each report, in the report's order, after the
    header line unless `header` is false."""
    out = io.StringIO()
    writer = FormulaSafeWriter(out, lineterminator="\n")
    if header:
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
        object_type=ObjectType.FIGURES,
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


def _stale_before(now: datetime) -> datetime:
    return now - timedelta(seconds=settings.SAFEGUARD_EXPORT_STALE_SECONDS)


def figures_export_run(*, job_id: int) -> ExportJob | None:
    """Run a queued export, or resume one whose run went silent: claim it, compute the figures a
    month at a time from where it stopped, storing each month's rows and a heartbeat as it goes,
    then mark it done. Figures are those the requester may see, as at the time they asked.

    Each run holds the export by a run id of its own: a second delivery of the task does nothing
    while the heartbeat is fresh; once it has been silent for SAFEGUARD_EXPORT_STALE_SECONDS (its
    worker died) a new run takes over and the old one, should it wake, stops at its next write.
    So each month is stored once and the export finished exactly once. Returns the export if this
    run finished it.
    """
    now = timezone.now()
    run_id = uuid4().hex
    stale = _stale_before(now)
    claimable = Q(status=ExportJob.Status.QUEUED) | Q(status=ExportJob.Status.RUNNING, heartbeat_at__lt=stale)
    claimed = ExportJob.objects.filter(claimable, pk=job_id).update(
        status=ExportJob.Status.RUNNING, started_at=Coalesce("started_at", Value(now)), run_id=run_id, heartbeat_at=now
    )
    if not claimed:
        return None
    job = ExportJob.objects.select_related("requested_by").get(pk=job_id)
    ours = ExportJob.objects.filter(pk=job_id, run_id=run_id, status=ExportJob.Status.RUNNING)
    try:
        as_at = datetime.fromisoformat(job.parameters["as_at"])
        months = _period_of(job).months()
        if job.progress_done == 0:
            ours.update(result=figures_csv([]))  # the header; each month's rows follow it
        # The figures are read from the read replica when it is fit (safeguard.replica); the
        # progress is written to the primary.
        with replica_reads():
            remaining = figures_reports(job.requested_by, periods=months[job.progress_done :], now=as_at)
            for done, report in enumerate(remaining, start=job.progress_done + 1):
                rows = figures_csv([report], header=False)
                if not ours.update(
                    progress_done=done,
                    heartbeat_at=timezone.now(),
                    result=Concat("result", Value(rows), output_field=TextField()),
                ):
                    return None  # taken over by another run after this one went silent
    except (OperationalError, InterfaceError):
        raise  # the database went away: the export stays running, with its progress, to be resumed
    except Exception as error:  # the page must say it failed rather than run for ever
        ours.update(
            status=ExportJob.Status.FAILED,
            error=f"The export could not be completed ({type(error).__name__}).",
            result="",
            finished_at=timezone.now(),
        )
        raise
    if not ours.update(status=ExportJob.Status.DONE, finished_at=timezone.now(), heartbeat_at=timezone.now()):
        return None
    job.refresh_from_db()
    return job


@transaction.atomic
def exports_resume_stalled(*, now: datetime | None = None) -> int:
    """Queue again every export whose run went silent (its worker died) or that never started, so it
    is resumed within minutes rather than when the broker gives the lost task back. Idempotent:
    a run claims an export only while it is stalled. Returns how many."""
    stale = _stale_before(now or timezone.now())
    stalled = ExportJob.objects.filter(
        Q(status=ExportJob.Status.RUNNING, heartbeat_at__lt=stale)
        | Q(status=ExportJob.Status.QUEUED, created_at__lt=stale)
    ).values_list("pk", flat=True)
    ids = list(stalled)
    for job_id in ids:
        outbox_enqueue(EXPORT_TASK, job_id)
    return len(ids)


def export_job_download(*, job: ExportJob, actor: User, request: HttpRequest | None = None) -> str:
    """The export's CSV, recorded as a disclosure to `actor` (its requester) before it is returned."""
    if job.status != ExportJob.Status.DONE:
        raise ValidationError(EXPORT_NOT_READY)
    audit_record(
        kind=AuditEntry.Kind.EXPORT,
        actor=actor,
        object_type=ExportJob,
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
