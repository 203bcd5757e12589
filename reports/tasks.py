"""Background work for the reports: the figures' exports and the refresh of the summaries they and the
deadlines read (scheduled in safeguard/celery.py). Tasks take ids, never records, and are safe to run
twice (docs/figures.md).

The tasks keep the names they were first registered under (`cases.tasks.*`), so that messages already
queued, the outbox's pending rows and beat's schedule still reach them."""

from celery import shared_task
from django.utils import timezone

from audit.context import acting_as
from cases.services.summaries import deadline_summary_refresh, figure_facts_refresh
from cases.tasks import RetriedWhenTransient
from reports.cache import forget_unused
from reports.figures import remake_default_figures
from reports.services import exports_resume_stalled as resume_exports
from reports.services import figures_export_run as run_export


@shared_task(name="cases.tasks.figures_export_run", base=RetriedWhenTransient)
def figures_export_run(job_id: int) -> None:
    """Idempotent: the service claims a queued export and ignores one already claimed."""
    with acting_as(None, source="task:figures_export"):
        run_export(job_id=job_id)


@shared_task(name="cases.tasks.exports_resume_stalled", base=RetriedWhenTransient)
def exports_resume_stalled() -> int:
    """Queue again the exports whose worker died (their heartbeat stopped); each resumes where it was."""
    with acting_as(None, source="task:exports_resume_stalled"):
        return resume_exports()


@shared_task(name="cases.tasks.refresh_summaries", base=RetriedWhenTransient)
def refresh_summaries(full: bool = False) -> dict[str, int | bool]:
    """The deadline summary (from scratch if `full`) and the figure facts (what changed), then the
    default period's figures of the forces whose facts changed, recomputed and cached before anyone
    asks. Idempotent, and safe to run concurrently: refreshes queue on each summary's state row."""
    with acting_as(None, source="task:refresh_summaries"):
        deadlines = deadline_summary_refresh(full=full)
        facts = figure_facts_refresh()
        remade = remake_default_figures(facts.forces_changed, now=timezone.now())
        forgotten = forget_unused(now=timezone.now())
    return {
        "full": deadlines.full,
        "cases": deadlines.cases,
        "deadlines": deadlines.rows,
        "facts_cases": facts.cases,
        "facts": facts.rows,
        "figures_remade": remade,
        "figures_forgotten": forgotten,
    }
