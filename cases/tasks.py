"""Background work on case data: deadlines (scheduled in safeguard/celery.py) and figures exports.
Tasks take ids, never records, and are safe to run twice: the services they call are idempotent
(docs/deadlines.md, docs/figures.md)."""

from smtplib import SMTPException

from celery import shared_task
from django.db import InterfaceError, OperationalError
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from audit.context import acting_as
from cases.reports.cache import forget_unused
from cases.reports.figures import remake_default_figures
from cases.services.exports import exports_resume_stalled as resume_exports
from cases.services.exports import figures_export_run as run_export
from cases.services.notifications import deadline_sweep as run_sweep
from cases.services.notifications import notification_send_email
from cases.services.summaries import deadline_summary_refresh, figure_facts_refresh

# Transient: the database or the mail server briefly unreachable. Retried with growing, jittered
# delays (1, 2, 4... seconds, at most 10 minutes apart), five times.
TRANSIENT = (OperationalError, InterfaceError, ConnectionError, TimeoutError, SMTPException, BrokerError)


@shared_task(autoretry_for=TRANSIENT, retry_backoff=True, retry_backoff_max=600, retry_jitter=True, max_retries=5)
def deadline_sweep() -> dict[str, int]:
    """Mark expired warrants and remind people of deadlines due soon or missed."""
    with acting_as(None, source="task:deadline_sweep"):
        report = run_sweep()
    return {
        "warrants_expired": report.warrants_expired,
        "deadlines": report.deadlines,
        "notifications_created": report.notifications_created,
    }


@shared_task(autoretry_for=TRANSIENT, retry_backoff=True, retry_backoff_max=600, retry_jitter=True, max_retries=5)
def send_notification_email(notification_id: int) -> bool:
    with acting_as(None, source="task:send_notification_email"):
        return notification_send_email(notification_id=notification_id)


@shared_task(autoretry_for=TRANSIENT, retry_backoff=True, retry_backoff_max=600, retry_jitter=True, max_retries=5)
def figures_export_run(job_id: int) -> None:
    """Safe to run twice: the service claims a queued export and ignores one already claimed."""
    with acting_as(None, source="task:figures_export"):
        run_export(job_id=job_id)


@shared_task(autoretry_for=TRANSIENT, retry_backoff=True, retry_backoff_max=600, retry_jitter=True, max_retries=5)
def exports_resume_stalled() -> int:
    """Queue again the exports whose worker died (their heartbeat stopped); each resumes where it was."""
    with acting_as(None, source="task:exports_resume_stalled"):
        return resume_exports()


@shared_task(autoretry_for=TRANSIENT, retry_backoff=True, retry_backoff_max=600, retry_jitter=True, max_retries=5)
def refresh_summaries(full: bool = False) -> dict[str, int | bool]:
    """The deadline summary (from scratch if `full`) and the figure facts (what changed), then the
    default period's figures of the forces whose facts changed, recomputed and cached before anyone
    asks. Idempotent, and safe to run concurrently: refreshes queue on each summary's state row."""
    with acting_as(None, source="task:refresh_summaries"):
        deadlines = deadline_summary_refresh(full=full)
        facts = figure_facts_refresh()
        remade = remake_default_figures(facts.forces_changed, now=timezone.now())
        forgotten = forget_unused(now=timezone.now())
    return {
        "full": deadlines.full,
        "cases": deadlines.cases,
        "deadlines": deadlines.rows,
        "facts_cases": facts.cases,
        "facts": facts.rows,
        "figures_remade": remade,
        "figures_forgotten": forgotten,
    }
