"""Background work on case data. Thin: take ids, call a service (cases.services)."""

from celery import shared_task

from audit.context import acting_as
from cases.services.exports import figures_export_run as run_export


@shared_task
def figures_export_run(job_id: int) -> None:
    """Safe to run twice: the service claims a queued export and ignores one already claimed."""
    with acting_as(None, source="task:figures_export"):
        run_export(job_id=job_id)
