from typing import Any

from django.apps import AppConfig
from django.core import checks
from django.db import connections
from django.db.models.signals import post_migrate


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "Audit trail"

    def ready(self) -> None:
        # Imported here, not above: they import models, which cannot load before the app registry is ready.
        from audit import receivers
        from audit.checkpoints import check_configured

        receivers.connect()
        post_migrate.connect(_install_triggers, sender=self, dispatch_uid="audit_install_triggers")
        post_migrate.connect(_create_partitions, sender=self, dispatch_uid="audit_create_partitions")
        checks.register(check_configured, checks.Tags.security, deploy=True)


def _install_triggers(sender: Any, using: str = "default", **kwargs: Any) -> None:
    """After every migrate: put the audit triggers on every audited table (audit/triggers.py)."""
    from audit.triggers import install_triggers  # as in `ready`: it imports models

    install_triggers(connections[using])


def _create_partitions(sender: Any, using: str = "default", **kwargs: Any) -> None:
    """After every migrate: this month's audit partition and the next ones exist (audit/partitions.py)."""
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT to_regproc('safeguard_audit_create_partitions')")
        if cursor.fetchone()[0] is None:  # audit/0010 not applied (or unapplied)
            return
        from audit.partitions import MONTHS_AHEAD  # as in `ready`: it imports models

        cursor.execute("SELECT safeguard_audit_create_partitions(%s)", [MONTHS_AHEAD])
