"""Safeguard's Celery app. Every periodic schedule is declared here, each with why it runs."""

import os
from datetime import timedelta

from celery import Celery
from celery.schedules import crontab
from django.conf import settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safeguard.settings")

app = Celery("safeguard")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# All beat schedules live here.
app.conf.beat_schedule = {
    # Audit: every few seconds, give the entries written since the last run their place in the hash
    # chain (audit/sequencer.py). Writers take no lock, so this is what seals them: the interval is the
    # longest an entry waits. A run left in the queue past the next is dropped (`expires`); a run that
    # finds another running returns at once.
    "sequence-audit": {
        "task": "audit.tasks.sequence_audit",
        "schedule": timedelta(seconds=settings.SAFEGUARD_AUDIT_SEQUENCE_SECONDS),
        "options": {"expires": settings.SAFEGUARD_AUDIT_SEQUENCE_SECONDS},
    },
    # Audit: check the audit trail's hash chain every night, when writes are few, and alert
    # administrators and auditors by e-mail if an entry was changed, removed or moved.
    "verify-audit-chain-nightly": {
        "task": "audit.tasks.verify_audit_chain",
        "schedule": crontab(hour=2, minute=30),
    },
    # Audit: every fifteen minutes, sign the hash chain's head and write it as a checkpoint outside
    # the database (audit/checkpoints.py), so that a chain rewritten whole by the database's owner no
    # longer matches. Fifteen minutes bounds the entries not yet anchored; none is written when the
    # head has not moved.
    "checkpoint-audit-chain": {
        "task": "audit.tasks.checkpoint_audit",
        "schedule": crontab(minute="*/15"),
    },
    # Audit: every night, make the audit trail's monthly partitions for this month and the next two
    # where missing (audit/partitions.py; idempotent), so a month's entries never wait for one.
    "create-audit-partitions": {
        "task": "audit.tasks.create_audit_partitions",
        "schedule": crontab(hour=1, minute=15),
    },
    # Audit: every five minutes, raise anomaly flags from the entries written since the last run
    # (audit/anomalies.py; idempotent, with a high-water mark, so a missed or repeated run is harmless).
    "raise-audit-flags": {
        "task": "audit.tasks.raise_flags",
        "schedule": crontab(minute="*/5"),
    },
    # Deadlines: every ten minutes, mark warrants past their three months as expired and remind the
    # officer in the case and the supervisor of deadlines due soon or missed. Ten minutes because
    # the custody clock is counted in hours; the sweep is idempotent (one reminder per deadline,
    # threshold and recipient).
    "deadline-sweep": {
        "task": "cases.tasks.deadline_sweep",
        "schedule": crontab(minute="*/10"),
    },
    # Tasks (work/services.py): every ten minutes, remind owners of their tasks that have gone
    # overdue, as the deadline sweep does; idempotent (one reminder per task, due date and owner).
    "task-reminder-sweep": {
        "task": "work.tasks.task_reminder_sweep",
        "schedule": crontab(minute="*/10"),
    },
    # Summaries (cases/services/summaries.py): every minute, the deadlines and figure facts of the
    # cases written (or with a deadline fallen due) since the last refresh, so the dashboard, the
    # deadlines page and the figures read few rows; every hour the deadlines from scratch, which
    # also takes in what changes with time alone (a few minutes' work at a million cases, so not
    # more often; docs/figures.md).
    "refresh-summaries": {
        "task": "cases.tasks.refresh_summaries",
        "schedule": crontab(),
    },
    "refresh-summaries-full": {
        "task": "cases.tasks.refresh_summaries",
        "schedule": crontab(minute=5),
        "kwargs": {"full": True},
    },
    # Exports: every minute, resume a figures export whose worker died (its heartbeat stopped for
    # SAFEGUARD_EXPORT_STALE_SECONDS), from the month it reached; a no-op when none has.
    "resume-stalled-exports": {
        "task": "cases.tasks.exports_resume_stalled",
        "schedule": crontab(),
    },
    # Outbox: every minute, publish tasks left pending while Redis was unreachable (the Procfile's
    # `relay_outbox` loop does the same without beat; both may run at once).
    "relay-outbox": {
        "task": "safeguard.outbox.tasks.relay_outbox",
        "schedule": crontab(),
    },
}
