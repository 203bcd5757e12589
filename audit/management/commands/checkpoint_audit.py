"""manage.py checkpoint_audit: sign the audit chain's head now and add it to the checkpoint directory
(audit/checkpoints.py), as the Celery beat task does at its interval."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from audit.checkpoints import CheckpointError, chain_head, checkpoint_write


class Command(BaseCommand):
    help = (
        "Write a signed checkpoint of the audit chain's head (position, hash, count, time) to "
        "SAFEGUARD_AUDIT_CHECKPOINT_DIR, signed with SAFEGUARD_AUDIT_CHECKPOINT_KEY."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            checkpoint = checkpoint_write()
        except CheckpointError as error:
            raise CommandError(str(error)) from None
        if checkpoint is None:
            head = chain_head()
            self.stdout.write(f"No checkpoint written: the chain head (entry {head.position}) is already the newest.")
            return
        self.stdout.write(self.style.SUCCESS(f"Wrote {checkpoint.file_name()}: {checkpoint.describe()}."))
