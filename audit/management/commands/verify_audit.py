"""manage.py verify_audit: seal the entries waiting for their place, then check the audit trail's hash
chain and the signed checkpoints of its head; exit 1 at the first broken entry (or one that waited too
long for its place) or any checkpoint the chain does not match."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from audit.context import acting_as
from audit.services import audit_chain_check


class Command(BaseCommand):
    help = (
        "Check the audit trail's hash chain, entry by entry, and hold it against every signed checkpoint of "
        "its head. Reports OK with the counts, or the first broken entry and what each checkpoint shows."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--alert", action="store_true", help="E-mail administrators and auditors on a break.")
        parser.add_argument(
            "--no-sequence",
            action="store_true",
            help="Do not seal waiting entries first: count them, and fail for any waiting past the bound.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        with acting_as(None, source="verify_audit"):
            report = audit_chain_check(alert=options["alert"], sequence=not options["no_sequence"])
        if not report.ok:
            raise CommandError(report.describe())
        self.stdout.write(self.style.SUCCESS(report.chain.describe()))
        if report.checkpoints.configured:
            self.stdout.write(self.style.SUCCESS(report.checkpoints.describe()))
        else:
            self.stderr.write(self.style.WARNING(report.checkpoints.describe()))
