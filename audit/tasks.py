"""Nightly check of the audit trail's hash chain (scheduled in safeguard/celery.py)."""

from celery import shared_task

from audit.context import acting_as
from audit.services import audit_chain_check


@shared_task
def verify_audit_chain() -> bool:
    """Idempotent: it only reads, records that it read, and alerts on a break."""
    with acting_as(None, source="task:verify_audit_chain"):
        return audit_chain_check(alert=True).ok
