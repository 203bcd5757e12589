"""Background work on case data: deadlines (scheduled in safeguard/celery.py); the figures' exports and
the summaries' refresh are in reports/tasks.py.
Tasks take ids, never records, and are idempotent, as the services they call are
(docs/deadlines.md, docs/figures.md)."""

import random
from datetime import datetime
from smtplib import SMTPException
from typing import Any

from celery import Task, shared_task
from django.db import InterfaceError, OperationalError
from kombu.exceptions import OperationalError as BrokerError

from audit.context import acting_as
from cases.services.notifications import deadline_sweep as run_sweep
from cases.services.notifications import notification_send_email

# Transient: the database or the mail server briefly unreachable.
TRANSIENT = (OperationalError, InterfaceError, ConnectionError, TimeoutError, SMTPException, BrokerError)
RETRIES = 5
FIRST_DELAY_SECONDS = 2
MAX_DELAY_SECONDS = 600


def retry_delay(retries: int) -> float:
    """Seconds before retry number `retries + 1`: a delay that doubles from FIRST_DELAY_SECONDS (2,
    4, 8, 16, 32 s; at most MAX_DELAY_SECONDS), of which a random part up to half is left off, so
    that tasks failing together do not retry together ("equal jitter"). Never under half the delay:
    the five retries span at least 31 s, so an outage of a few seconds cannot use them all up, as
    Celery's own full jitter (anything from 0 s) could."""
    delay = min(MAX_DELAY_SECONDS, FIRST_DELAY_SECONDS * 2**retries)
    return delay / 2 + random.uniform(0, delay / 2)


class RetriedWhenTransient(Task):
    """A task retried on a TRANSIENT error, RETRIES times, after `retry_delay`; then it fails."""

    autoretry_for = TRANSIENT
    max_retries = RETRIES
    retry_backoff = False  # the delay is `retry_delay`, set in `retry`

    def retry(
        self,
        args: tuple[Any, ...] | None = None,
        kwargs: dict[str, Any] | None = None,
        exc: Exception | None = None,
        throw: bool = True,
        eta: datetime | None = None,
        countdown: float | None = None,
        max_retries: int | None = None,
        **options: Any,
    ) -> Any:
        if countdown is None and eta is None:
            countdown = retry_delay(self.request.retries)
        return super().retry(args, kwargs, exc, throw, eta, countdown, max_retries, **options)


@shared_task(base=RetriedWhenTransient)
def deadline_sweep() -> dict[str, int]:
    """Mark expired warrants and remind people of deadlines due soon or missed."""
    with acting_as(None, source="task:deadline_sweep"):
        report = run_sweep()
    return report.as_dict()


@shared_task(base=RetriedWhenTransient)
def send_notification_email(notification_id: int) -> bool:
    with acting_as(None, source="task:send_notification_email"):
        return notification_send_email(notification_id=notification_id)
