"""The audit app's scheduled work (safeguard/celery.py): sealing new entries into the hash chain every
few seconds, the nightly check of the chain, the signed checkpoints of its head, the anomaly flags
raised from new entries every few minutes, and the monthly partitions made ahead every night."""

import logging

from celery import shared_task

from audit.anomalies import raise_flags as raise_flags_now
from audit.checkpoints import checkpoint_write
from audit.context import acting_as
from audit.partitions import create_partitions, default_partition_entries
from audit.sequencer import sequence_entries
from audit.services import audit_chain_check

logger = logging.getLogger(__name__)


@shared_task
def sequence_audit() -> int:
    """Idempotent: it seals only entries still waiting, and returns at once if another run is sealing
    them. The number sealed."""
    return sequence_entries()


@shared_task
def verify_audit_chain() -> bool:
    """Idempotent: it only reads, records that it read, and alerts on a break."""
    with acting_as(None, source="task:verify_audit_chain"):
        return audit_chain_check(alert=True).ok


@shared_task
def raise_flags() -> int:
    """Idempotent: it reads only entries past its high-water mark, and entries already behind a flag
    never raise another. The number of flags raised or added to."""
    with acting_as(None, source="task:raise_flags"):
        return raise_flags_now().filed


@shared_task
def checkpoint_audit() -> int | None:
    """Sign the chain's head and write it as the next checkpoint (audit/checkpoints.py); the number
    written, or None when the head has not moved since the newest. Idempotent: run twice, the second
    finds the head already checkpointed. A chain that no longer extends the newest checkpoint, or a
    missing key or directory, fails the task (CheckpointError, in the worker's log) and writes nothing."""
    sequence_entries()  # the entries waiting take their places first, so the checkpoint covers them
    checkpoint = checkpoint_write()
    return checkpoint.number if checkpoint else None


@shared_task
def create_audit_partitions() -> list[str]:
    """Make this month's audit partition and the next ones where missing (audit/partitions.py); the
    tables made. Idempotent: run twice, the second makes none. Entries in the DEFAULT partition (dated
    past every month made) are logged as an error: they should not exist."""
    made = create_partitions()
    stray = default_partition_entries()
    if stray:
        logger.error(
            "%s audit entries are in the DEFAULT partition (audit_auditentry_default): see docs/audit.md.", stray
        )
    return made
