"""Background work of the work app: reminders of overdue tasks (scheduled in safeguard/celery.py).
Thin and idempotent, as every task (docs/work.md)."""

from celery import shared_task

from audit.context import acting_as
from cases.tasks import TRANSIENT
from work.services import task_reminder_sweep as run_sweep


@shared_task(autoretry_for=TRANSIENT, retry_backoff=True, retry_backoff_max=600, retry_jitter=True, max_retries=5)
def task_reminder_sweep() -> dict[str, int]:
    """Remind owners of their overdue tasks, once each."""
    with acting_as(None, source="task:task_reminder_sweep"):
        report = run_sweep()
    return report.as_dict()
