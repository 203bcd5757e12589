"""manage.py sequence_audit: give every committed audit entry still waiting its place in the chain."""

from typing import Any

from django.core.management.base import BaseCommand

from audit.sequencer import sequence_entries


class Command(BaseCommand):
    help = (
        "Give every committed audit entry still waiting its place in the hash chain (what the Celery beat task "
        "does every few seconds). Waits for a sequencer already running."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        sealed = sequence_entries(wait=True)
        self.stdout.write(self.style.SUCCESS(f"Sequenced {sealed} audit entries."))
