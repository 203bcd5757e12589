"""manage.py verify_audit: seal the entries waiting for their place, then check the audit trail's hash
chain and the signed checkpoints of its head; exit 1 at the first broken entry (or one that waited too
long for its place) or any checkpoint the chain does not match."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from audit.context import acting_as
from audit.objects import ObjectType
from audit.partitions import PartitionError, default_partition_entries, verify_partition
from audit.sequencer import sequence_entries
from audit.services import audit_chain_check, audit_read


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
        parser.add_argument(
            "--partition",
            metavar="YYYY_MM",
            help="Check one month's partition only: its entries, and the first one's link to the entry before it.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["partition"]:
            self._partition(options["partition"], sequence=not options["no_sequence"])
            return
        stray = default_partition_entries()
        if stray:
            self.stderr.write(self.style.WARNING(f"{stray} entries are in the DEFAULT partition: see docs/audit.md."))
        with acting_as(None, source="verify_audit"):
            report = audit_chain_check(alert=options["alert"], sequence=not options["no_sequence"])
        if not report.ok:
            raise CommandError(report.describe())
        self.stdout.write(self.style.SUCCESS(report.chain.describe()))
        if report.checkpoints.configured:
            self.stdout.write(self.style.SUCCESS(report.checkpoints.describe()))
        else:
            self.stderr.write(self.style.WARNING(report.checkpoints.describe()))

    def _partition(self, label: str, *, sequence: bool) -> None:
        if sequence:
            sequence_entries(wait=True)
        try:
            report = verify_partition(label)
        except PartitionError as error:
            raise CommandError(str(error)) from error
        with acting_as(None, source="verify_audit"):
            audit_read(
                actor=None,
                object_type=ObjectType.AUDIT_TRAIL,
                summary=f"Partition {label}: {report.describe()}",
                changes={"partition": label, "ok": report.ok, "checked": report.checked, "broken_id": report.broken_id},
            )
        if not report.ok:
            raise CommandError(f"Partition {label}: {report.describe()}")
        self.stdout.write(self.style.SUCCESS(f"Partition {label}: {report.describe()}"))
