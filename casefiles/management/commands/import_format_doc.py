"""`manage.py import_format_doc`: rewrite the field tables of docs/import-format.md from casefiles/io/schema.py."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from casefiles.io import formatdoc

OUT_OF_DATE = "docs/import-format.md does not match casefiles/io/schema.py: run manage.py import_format_doc."


class Command(BaseCommand):
    help = "Rewrite the field tables of docs/import-format.md from the format's declarations."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--check", action="store_true", help="Change nothing; fail if the doc is out of date.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["check"]:
            if formatdoc.documented_section(formatdoc.DOC.read_text(encoding="utf-8")) != formatdoc.fields_section():
                raise CommandError(OUT_OF_DATE)
            self.stdout.write("docs/import-format.md is up to date.")
            return
        changed = formatdoc.write_doc()
        self.stdout.write("docs/import-format.md rewritten." if changed else "docs/import-format.md was up to date.")
