"""A month-by-month export run by a real Celery worker (a `celery -A safeguard worker` subprocess)
through the real Redis broker, against this test database: its progress reaches done, and its
download is the synchronous report's CSV, disclosed once in the audit trail.

The worker reads only its own queue (a fresh name per run), so it never takes another process's
tasks even on a shared Redis database. Broker and results: CELERY_BROKER_URL and
CELERY_RESULT_BACKEND, as for Safeguard itself."""

import os
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from uuid import uuid4

import pytest
from django.conf import settings
from django.urls import reverse

from audit.models import AuditEntry
from cases.models import ExportJob
from reports.figures import figures_report
from reports.services import figures_csv
from safeguard.celery import app
from tests.processes import database_url, restore_migration_data, start_worker, stop_worker
from tests.reports.conftest import QUARTER, build_west_midlands

WAIT_SECONDS = 90

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module", autouse=True)
def _restore_migration_data(django_db_blocker):
    """A transactional test ends by emptying every table, taking the data migrations loaded (role
    groups, the offence catalogue) with it. Put them back once this module's test database has been
    emptied, so a reused test database is as migrations left it. (Module scope: this runs after the
    test's own clean-up.)"""
    yield
    with django_db_blocker.unblock():
        restore_migration_data()


def _use_queue(queue: str | None) -> None:
    """Send tasks from this process to `queue` (None: back to the default): Celery caches its
    routing and connections, so they are dropped to take the new setting."""
    app.conf.task_default_queue = queue or "celery"
    app.__dict__.pop("amqp", None)
    app._pool = None  # type: ignore[attr-defined]  # Celery's private connection pool: no public way to drop it


@pytest.fixture
def worker() -> Iterator[subprocess.Popen]:
    queue = f"safeguard-test-{uuid4().hex}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "CELERY_RESULT_BACKEND": settings.CELERY_RESULT_BACKEND,
    }
    process = start_worker(queue, env=env, stdout=subprocess.PIPE, loglevel="WARNING")
    _use_queue(queue)
    try:
        yield process
    finally:
        _use_queue(None)
        stop_worker(process)


def _wait_until_finished(job: ExportJob, process: subprocess.Popen) -> list[int]:
    """Poll the job until it is done or failed; returns the progress seen on the way."""
    seen = []
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        job.refresh_from_db()
        seen.append(job.progress_done)
        if not job.running:
            return seen
        if process.poll() is not None:
            pytest.fail(f"The worker stopped:\n{process.stdout.read() if process.stdout else ''}")
        time.sleep(0.2)
    process.terminate()
    pytest.fail(f"The export did not finish in {WAIT_SECONDS} s. Worker output:\n{process.communicate()[0]}")


@pytest.fixture
def west_midlands(transactional_db):
    """The data set committed, so that the worker, on its own connection, sees it."""
    return build_west_midlands()


def test_a_real_worker_runs_the_export_and_its_download_is_the_report(west_midlands, worker, client):
    supervisor = west_midlands["ds.okafor"]
    client.force_login(supervisor)

    response = client.post(
        reverse("reports:figures_export_create"), {"date_from": "2026-01-01", "date_to": "2026-03-31"}
    )
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response.url == job.get_absolute_url()

    seen = _wait_until_finished(job, worker)
    assert job.status == ExportJob.Status.DONE, job.error
    assert (job.progress_done, job.progress_total) == (3, 3)
    assert seen == sorted(seen) and seen[-1] == 3
    assert job.started_at and job.finished_at and job.finished_at >= job.started_at

    as_at = datetime.fromisoformat(job.parameters["as_at"]).astimezone(UTC)
    expected = figures_csv([figures_report(supervisor, period=month, now=as_at) for month in QUARTER.months()])
    page = client.get(job.get_absolute_url()).content.decode()
    assert "Download the CSV" in page and "<progress" not in page
    download = client.get(reverse("reports:figures_export_download", kwargs={"pk": job.pk}))
    assert download.status_code == 200
    assert download.content.decode() == expected
    # The sum of the months is the quarter's synchronous report: Staffordshire's force row.
    quarter = figures_report(supervisor, period=QUARTER, now=as_at).force_total
    assert quarter is not None
    force_rows = [line.split(",") for line in expected.splitlines() if ",Force,West Midlands,Staffordshire" in line]
    sums = [sum(int(row[index]) for row in force_rows) for index in range(6, 11)]
    assert sums == [3, 2, 4, 2, 5] == list(quarter.counts.values())

    [entry] = AuditEntry.objects.filter(kind=AuditEntry.Kind.EXPORT)
    assert (entry.actor_id, entry.recipient, entry.object_id) == (supervisor.pk, "ds.okafor", str(job.pk))
