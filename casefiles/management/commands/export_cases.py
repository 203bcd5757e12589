"""manage.py export_cases --actor USER --recipient WHO [--output FILE] [--reference REF ...]:
write cases as JSON Lines. Every export is a disclosure: one EXPORT entry in the audit trail names
who exported what, for whom; if it cannot be recorded, nothing is exported."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser, OutputWrapper
from django.db import transaction

from accounts.models import User
from audit.context import acting_as
from audit.models import AuditEntry
from audit.services import audit_record
from casefiles.io import export_cases
from cases.models import Case


class _Lines:
    """Writes exported lines to the command's stdout exactly as given (they end in a newline)."""

    def __init__(self, out: OutputWrapper) -> None:
        self.out = out

    def write(self, text: str) -> None:
        self.out.write(text, ending="")


class Command(BaseCommand):
    help = (
        "Export cases as JSON Lines (docs/import-format.md), one case per line in reference order, "
        "to standard output or --output FILE."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--actor", required=True, help="Username of the person exporting.")
        parser.add_argument(
            "--recipient", required=True, help="Who the export is for (a person, unit or system): it is a disclosure."
        )
        parser.add_argument("--output", help="File to write (replaced if it exists); default standard output.")
        parser.add_argument(
            "--reference", action="append", default=[], metavar="REF", help="Export only this case (repeatable)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            actor = User.objects.get(username=options["actor"], is_active=True)
        except User.DoesNotExist:
            raise CommandError(f'No active user with username "{options["actor"]}".') from None
        recipient = options["recipient"].strip()
        if not recipient:
            raise CommandError("Say who the export is for with --recipient.")
        references = [reference.strip().upper() for reference in options["reference"]]
        if references:
            found = set(Case.objects.filter(reference__in=references).values_list("reference", flat=True))
            missing = [reference for reference in references if reference not in found]
            if missing:
                raise CommandError(f"No case with reference {', '.join(missing)}.")
        # The entry and the export stand or fall together: an export that fails is not recorded as
        # made, and an export whose record cannot be written does not happen.
        with acting_as(actor, source="export"), transaction.atomic():
            audit_record(
                kind=AuditEntry.Kind.EXPORT,
                actor=actor,
                object_type=Case,
                summary=f"Exported {', '.join(references) if references else 'all cases'} as JSON Lines",
                changes={"references": references or "all", "output": options["output"] or "standard output"},
                recipient=recipient,
            )
            self._export(options, references)

    def _export(self, options: dict[str, Any], references: list[str]) -> None:
        if options["output"]:
            try:
                with open(options["output"], "w", encoding="utf-8", newline="\n") as out:
                    written = export_cases(out, references=references)
            except OSError as error:
                raise CommandError(f"Cannot write {options['output']}: {error.strerror}.") from None
            self.stderr.write(f"Exported {written} case(s) to {options['output']}.", style_func=str)
        else:
            written = export_cases(_Lines(self.stdout), references=references)
            self.stderr.write(f"Exported {written} case(s).", style_func=str)
