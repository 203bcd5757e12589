"""Bring the summaries the dashboard, deadlines page and figures read up to date now, as Celery does
every minute; `--full` rebuilds both from scratch (after a bulk load, or a change of
SAFEGUARD_CHARGING_TARGET_DAYS). docs/figures.md, "Summary tables kept by Celery"."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import connection

from audit.context import acting_as
from cases.models import FigureFact, OutstandingDeadline
from cases.services.summaries import deadline_summary_refresh, figure_facts_refresh


class Command(BaseCommand):
    help = "Refresh the deadline summary and the figure facts (--full: from scratch)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--full", action="store_true", help="Rebuild both summaries from scratch.")

    def handle(self, *args: Any, full: bool = False, **options: Any) -> None:
        with acting_as(None, source="command:refresh_summaries"):
            deadlines = deadline_summary_refresh(full=full)
            facts = figure_facts_refresh(full=full)
        if full and not connection.in_atomic_block:
            # Rebuilt from scratch: set the visibility map (the figures read the facts by index-only
            # scans) and the statistics now, rather than when autovacuum next comes by.
            with connection.cursor() as cursor:
                tables = ", ".join(model._meta.db_table for model in (FigureFact, OutstandingDeadline))
                cursor.execute(f"VACUUM (ANALYZE) {tables}")
        self.stdout.write(
            f"Deadline summary: {deadlines.rows} outstanding deadlines of {deadlines.cases} cases"
            f"{' (from scratch)' if deadlines.full else ''}. "
            f"Figure facts: {facts.rows} facts of {facts.cases} cases{' (from scratch)' if facts.full else ''}."
        )
