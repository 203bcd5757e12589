"""The outbox relay as a periodic task (scheduled in safeguard/celery.py), beside `relay_outbox`."""

from celery import shared_task

from safeguard.outbox.services import outbox_relay


@shared_task
def relay_outbox() -> int:
    """Publish what is pending. Idempotent, and safe beside the relay command (SKIP LOCKED)."""
    return outbox_relay().published
