"""manage.py archive_audit_partition: verify one month's partition of the audit trail, write it to a
file, record what the checks of the chain need in its place, and detach it (docs/audit.md,
"Partitions and archiving"). Run as the tables' owner."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from audit.context import acting_as
from audit.partitions import PartitionError, partition_archive


class Command(BaseCommand):
    help = (
        "Archive one month's partition of the audit trail (e.g. 2026_11): verified, written as CSV to --to, its "
        "first and last places and their hashes recorded, then detached from the table (and dropped with --drop)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("month", help="The partition's month, YYYY_MM (or before_YYYY_MM).")
        parser.add_argument("--to", required=True, type=Path, help="The directory the CSV file is written to.")
        parser.add_argument("--drop", action="store_true", help="Drop the partition's table once detached.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            with acting_as(None, source="archive_audit_partition"):
                archive = partition_archive(options["month"], options["to"], drop=options["drop"])
        except PartitionError as error:
            raise CommandError(str(error)) from error
        places = ", ".join(f"{first} to {last}" for first, last, *_ in archive.runs) or "none"
        self.stdout.write(
            self.style.SUCCESS(
                f"Archived audit partition {archive.partition}: {archive.entries} entries (places {places}) in "
                f"{archive.file} (SHA-256 {archive.file_sha256}); detached{' and dropped' if options['drop'] else ''}."
            )
        )
