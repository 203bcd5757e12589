"""manage.py export_cases [--output FILE] [--reference REF ...]: write cases as JSON Lines."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser, OutputWrapper

from cases.io import export_cases
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
        parser.add_argument("--output", help="File to write (replaced if it exists); default standard output.")
        parser.add_argument(
            "--reference", action="append", default=[], metavar="REF", help="Export only this case (repeatable)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        references = [reference.strip().upper() for reference in options["reference"]]
        if references:
            found = set(Case.objects.filter(reference__in=references).values_list("reference", flat=True))
            missing = [reference for reference in references if reference not in found]
            if missing:
                raise CommandError(f"No case with reference {', '.join(missing)}.")
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
