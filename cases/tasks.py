"""Background work on case data: deadlines (scheduled in safeguard/celery.py); the figures' exports and
the summaries' refresh are in reports/tasks.py.
Tasks take ids, never records, and are idempotent, as the services they call are
(docs/deadlines.md, docs/figures.md)."""

from smtplib import SMTPException

from celery import shared_task
from django.db import InterfaceError, OperationalError
from kombu.exceptions import OperationalError as BrokerError

from audit.context import acting_as
from cases.services.notifications import deadline_sweep as run_sweep
from cases.services.notifications import notification_send_email

# Transient: the database or the mail server briefly unreachable. Retried with growing, jittered
# delays (1, 2, 4... seconds, at most 10 minutes apart), five times.
TRANSIENT = (OperationalError, InterfaceError, ConnectionError, TimeoutError, SMTPException, BrokerError)


@shared_task(autoretry_for=TRANSIENT, retry_backoff=True, retry_backoff_max=600, retry_jitter=True, max_retries=5)
def deadline_sweep() -> dict[str, int]:
    """Mark expired warrants and remind people of deadlines due soon or missed."""
    with acting_as(None, source="task:deadline_sweep"):
        report = run_sweep()
    return report.as_dict()


@shared_task(autoretry_for=TRANSIENT, retry_backoff=True, retry_backoff_max=600, retry_jitter=True, max_retries=5)
def send_notification_email(notification_id: int) -> bool:
    with acting_as(None, source="task:send_notification_email"):
        return notification_send_email(notification_id=notification_id)
