"""manage.py audit_checkpoint_key: make the Ed25519 key pair that signs and verifies the audit
checkpoints (docs/audit.md, "Checkpoints")."""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from audit.checkpoints import CheckpointError, make_key_pair


class Command(BaseCommand):
    help = (
        "Make a new Ed25519 key pair for audit checkpoints: the private key readable by its owner only (0600), "
        "at SAFEGUARD_AUDIT_CHECKPOINT_KEY or --key, and its public key at --public (by default the first of "
        "SAFEGUARD_AUDIT_CHECKPOINT_PUBLIC_KEYS). An existing file is never replaced."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--key", default=settings.SAFEGUARD_AUDIT_CHECKPOINT_KEY, help="The private key's path.")
        public_keys = settings.SAFEGUARD_AUDIT_CHECKPOINT_PUBLIC_KEYS
        parser.add_argument("--public", default=public_keys[0] if public_keys else "", help="The public key's path.")
        parser.add_argument(
            "--if-missing", action="store_true", help="Do nothing if the private key already exists (make run)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["key"] or not options["public"]:
            raise CommandError(
                "Give the paths: --key and --public, or SAFEGUARD_AUDIT_CHECKPOINT_KEY and "
                "SAFEGUARD_AUDIT_CHECKPOINT_PUBLIC_KEYS."
            )
        private_path, public_path = Path(options["key"]), Path(options["public"])
        if options["if_missing"] and private_path.exists():
            return
        try:
            key_id = make_key_pair(private_path, public_path)
        except (CheckpointError, OSError) as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            self.style.SUCCESS(f"Made checkpoint key {key_id}: private {private_path} (0600), public {public_path}.")
        )
