"""manage.py import_cases FILE --actor USERNAME [--dry-run]: import cases, all or nothing."""

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import User
from audit.context import acting_as  # audit: writes attributed to the importing person
from casefiles.io import import_cases


class Command(BaseCommand):
    help = (
        "Import cases from a JSON Lines file (docs/import-format.md) through the services. "
        "All or nothing: any bad line is reported and nothing is stored."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="Path to the .jsonl file, or - for standard input.")
        parser.add_argument("--actor", required=True, help="Username of the person importing.")
        parser.add_argument("--dry-run", action="store_true", help="Check every line, store nothing.")
        parser.add_argument("--progress-every", type=int, default=500, help="Report progress every N lines.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            actor = User.objects.get(username=options["actor"])
        except User.DoesNotExist:
            raise CommandError(f'No user with username "{options["actor"]}".') from None
        if options["file"] == "-":
            stream, total = sys.stdin.buffer, None
            report = self._run(stream, actor, options, total)
        else:
            try:
                with open(options["file"], "rb") as stream:
                    total = sum(1 for _ in stream)
                    stream.seek(0)
                    report = self._run(stream, actor, options, total)
            except OSError as error:
                raise CommandError(f"Cannot read {options['file']}: {error.strerror}.") from None
        for line_error in report.errors:
            self.stderr.write(str(line_error))
        if not report.ok:
            raise CommandError(report.summary())
        self.stdout.write(self.style.SUCCESS(report.summary()))

    def _run(self, stream: Any, actor: User, options: dict[str, Any], total: int | None) -> Any:
        def progress(line: int) -> None:
            self.stdout.write(f"imported {line}/{total} lines" if total else f"imported {line} lines")

        with acting_as(actor, source="import"):  # audit
            return import_cases(
                stream,
                actor=actor,
                dry_run=options["dry_run"],
                progress=progress,
                progress_every=max(1, options["progress_every"]),
            )
