"""A figures export whose worker is killed is resumed within minutes, from the month it reached,
and finished exactly once.

A real worker runs a month-by-month export through the real Redis. Once it has stored a few
months, another session holds the export's row, so the run stops at its next heartbeat; the worker
is killed with SIGKILL and its database session ended. The broker would give the lost task back
only after its visibility timeout (10 minutes here, as in production): instead the sweeper
(`cases.tasks.exports_resume_stalled`, every minute under beat) finds the heartbeat stopped and
queues the export again, and a new worker resumes it.
"""

import time
from datetime import UTC, datetime

import psycopg2
from django.db import connection

from audit.models import AuditEntry
from cases.models import ExportJob
from reports import tasks
from reports.figures import figures_report
from reports.services import figures_csv, figures_export_request
from reports.sql import Period
from tests.deadlines.test_worker import WAIT, wait_until
from tests.processes import database_url, kill_worker_and_its_sessions
from tests.reliability.test_worker_killed import _waiting_on_a_lock, workers  # noqa: F401
from tests.reports.conftest import build_west_midlands

STALE_SECONDS = 3
# Production's visibility timeout: the resumption must not wait for it.
SETTINGS = {"SAFEGUARD_EXPORT_STALE_SECONDS": str(STALE_SECONDS), "SAFEGUARD_TASK_VISIBILITY_TIMEOUT": "600"}
PERIOD = Period(datetime(2017, 1, 1).date(), datetime(2026, 12, 31).date())  # 120 months


def _progress_values(job: ExportJob) -> list[int]:
    """The progress of each committed step of the export, from its audit trail, in order."""
    changes = AuditEntry.objects.filter(object_type="cases.ExportJob", object_id=str(job.pk), kind="change")
    return [
        entry.changes["progress_done"]["after"] for entry in changes.order_by("id") if "progress_done" in entry.changes
    ]


def test_an_export_whose_worker_is_killed_resumes_from_its_progress_and_finishes_once(workers, settings):  # noqa: F811
    settings.SAFEGUARD_EXPORT_STALE_SECONDS = STALE_SECONDS  # the sweeper, run here as beat would
    people = build_west_midlands()
    supervisor = people["ds.okafor"]
    database = connection.settings_dict["NAME"]
    first = workers.start(**SETTINGS)
    job = figures_export_request(actor=supervisor, period=PERIOD)  # queued once this commits
    total = job.progress_total

    blocker = psycopg2.connect(database_url())
    try:
        with blocker.cursor() as cursor:
            deadline = time.monotonic() + WAIT
            reached = 0
            while reached < 2:  # a few months stored, then hold the row: the run stops at its next step
                assert time.monotonic() < deadline, workers.logs()
                cursor.execute("SELECT progress_done FROM cases_exportjob WHERE id = %s FOR UPDATE", [job.pk])
                reached = cursor.fetchone()[0]
                if reached < 2:
                    blocker.rollback()
                    time.sleep(0.01)
        assert reached < total, "the export finished before it could be caught"
        wait_until(lambda: _waiting_on_a_lock(database), "the export's next step to wait")
        kill_worker_and_its_sessions(first, keep=blocker.get_backend_pid())
    finally:
        blocker.rollback()
        blocker.close()
    killed_at = time.monotonic()
    job.refresh_from_db()
    assert (job.status, job.progress_done) == (ExportJob.Status.RUNNING, reached)

    workers.start(**SETTINGS)
    assert tasks.exports_resume_stalled() == 0  # its heartbeat is still fresh: nothing to resume yet
    time.sleep(STALE_SECONDS + 0.5)
    assert tasks.exports_resume_stalled() == 1  # what beat runs every minute
    wait_until(lambda: ExportJob.objects.get(pk=job.pk).status != ExportJob.Status.RUNNING, "the export to finish")
    resumed_in = time.monotonic() - killed_at

    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE, job.error
    assert job.progress_done == total
    # Every month stored once, in order: the resumed run went on from `reached`, not from the start.
    assert _progress_values(job) == list(range(1, total + 1))
    as_at = datetime.fromisoformat(job.parameters["as_at"]).astimezone(UTC)
    assert job.result == figures_csv([figures_report(supervisor, period=m, now=as_at) for m in PERIOD.months()])
    assert resumed_in < 60, resumed_in
    print(f"Export finished {resumed_in:.1f} s after its worker was killed (stale after {STALE_SECONDS} s).")
