"""Month-by-month exports of the figures: asked for, run (here in-process; with a real worker in
test_figures_export_worker.py), shown with their progress only to the person who asked, and
downloaded as an audited disclosure."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import OperationalError
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from cases.models import ExportJob
from reports import services as exports
from reports.figures import figures_report
from reports.services import (
    EXPORT_TASK,
    EXPORT_TOO_LONG,
    FIGURES_NOT_ALLOWED,
    exports_resume_stalled,
    figures_csv,
    figures_export_request,
    figures_export_run,
)
from reports.sql import Period
from safeguard.outbox.models import OutboxMessage
from tests.reports.conftest import QUARTER

AS_AT = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


@pytest.fixture
def job(west_midlands, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        job = figures_export_request(actor=west_midlands["ds.okafor"], period=QUARTER, now=AS_AT)
    assert len(callbacks) == 1  # the task is sent only once the request has committed
    return job


def test_asking_queues_one_month_per_step(job, west_midlands):
    assert (job.status, job.progress_done, job.progress_total) == (ExportJob.Status.QUEUED, 0, 3)
    assert job.requested_by == west_midlands["ds.okafor"]
    assert job.parameters == {"date_from": "2026-01-01", "date_to": "2026-03-31", "as_at": AS_AT.isoformat()}


def test_running_it_gives_the_figures_of_each_month_as_the_report_does(job, west_midlands):
    figures_export_run(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.progress_done, job.progress_total) == (ExportJob.Status.DONE, 3, 3)
    assert job.started_at and job.finished_at
    months = [
        Period(date(2026, m, 1), last)
        for m, last in ((1, date(2026, 1, 31)), (2, date(2026, 2, 28)), (3, date(2026, 3, 31)))
    ]
    supervisor = west_midlands["ds.okafor"]
    assert job.result == figures_csv([figures_report(supervisor, period=month, now=AS_AT) for month in months])
    assert job.result.count(",Team,West Midlands,Staffordshire Police,Safenet,") == 3


def test_running_it_twice_does_nothing_the_second_time(job):
    assert figures_export_run(job_id=job.pk) is not None
    assert figures_export_run(job_id=job.pk) is None


def test_a_run_that_lost_its_worker_is_resumed_from_its_progress_once_its_heartbeat_stops(job, west_midlands, settings):
    supervisor = west_midlands["ds.okafor"]
    first_month = figures_report(supervisor, period=Period(date(2026, 1, 1), date(2026, 1, 31)), now=AS_AT)
    # A run that stored January, then its worker died: the header and January's rows are kept.
    kept = figures_csv([first_month])
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportJob.Status.RUNNING,
        started_at=timezone.now(),
        heartbeat_at=timezone.now(),
        progress_done=1,
        result=kept,
    )
    assert figures_export_run(job_id=job.pk) is None  # its heartbeat is fresh: still going elsewhere
    silent = timezone.now() - timedelta(seconds=settings.SAFEGUARD_EXPORT_STALE_SECONDS + 1)
    ExportJob.objects.filter(pk=job.pk).update(heartbeat_at=silent)
    assert figures_export_run(job_id=job.pk) is not None
    job.refresh_from_db()
    assert (job.status, job.progress_done) == (ExportJob.Status.DONE, 3)
    months = [Period(date(2026, 1, 1), date(2026, 1, 31)), Period(date(2026, 2, 1), date(2026, 2, 28))]
    months.append(Period(date(2026, 3, 1), date(2026, 3, 31)))
    assert job.result == figures_csv([figures_report(supervisor, period=month, now=AS_AT) for month in months])
    assert job.result.count("period_from") == 1  # one header, each month once


def test_a_finished_export_is_never_run_again(job):
    figures_export_run(job_id=job.pk)
    finished = ExportJob.objects.get(pk=job.pk)
    # Once done, neither a late delivery nor the sweeper runs it again.
    assert figures_export_run(job_id=job.pk) is None
    assert exports_resume_stalled(now=timezone.now() + timedelta(hours=1)) == 0
    assert ExportJob.objects.get(pk=job.pk).finished_at == finished.finished_at


def test_the_sweeper_queues_again_only_exports_whose_heartbeat_stopped(
    job, settings, django_capture_on_commit_callbacks
):
    now = timezone.now()
    ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.RUNNING, heartbeat_at=now, started_at=now)
    assert exports_resume_stalled(now=now) == 0
    later = now + timedelta(seconds=settings.SAFEGUARD_EXPORT_STALE_SECONDS + 1)
    before = OutboxMessage.objects.filter(task=EXPORT_TASK).count()
    with django_capture_on_commit_callbacks():
        assert exports_resume_stalled(now=later) == 1
    assert OutboxMessage.objects.filter(task=EXPORT_TASK).count() == before + 1
    assert OutboxMessage.objects.filter(task=EXPORT_TASK).latest("pk").args == [job.pk]


def test_only_supervisors_may_ask_and_not_for_more_than_ten_years(west_midlands):
    with pytest.raises(PermissionDenied, match=FIGURES_NOT_ALLOWED):
        figures_export_request(actor=west_midlands["dc.hughes"], period=QUARTER)
    with pytest.raises(ValidationError) as error:
        figures_export_request(actor=west_midlands["ds.okafor"], period=Period(date(2010, 1, 1), date(2026, 1, 1)))
    assert EXPORT_TOO_LONG in str(error.value)


def test_the_page_refreshes_itself_with_a_progress_bar_while_running(client, job, west_midlands):
    client.force_login(west_midlands["ds.okafor"])
    page = client.get(job.get_absolute_url()).content.decode()
    assert '<meta http-equiv="refresh" content="3">' in page
    assert '<progress id="export-progress" max="3" value="0">' in page
    assert "reports:figures_export_download" not in page and "Download the CSV" not in page
    response = client.get(reverse("reports:figures_export_download", kwargs={"pk": job.pk}))
    assert response.status_code == 302 and response.url == job.get_absolute_url()
    assert not AuditEntry.objects.filter(kind=AuditEntry.Kind.EXPORT).exists()


def test_when_done_the_page_links_the_download_which_is_audited_once(client, job, west_midlands):
    figures_export_run(job_id=job.pk)
    client.force_login(west_midlands["ds.okafor"])
    page = client.get(job.get_absolute_url()).content.decode()
    assert "http-equiv" not in page and "<progress" not in page
    assert reverse("reports:figures_export_download", kwargs={"pk": job.pk}) in page
    response = client.get(reverse("reports:figures_export_download", kwargs={"pk": job.pk}))
    job.refresh_from_db()
    assert response.status_code == 200 and response.content.decode() == job.result
    [entry] = AuditEntry.objects.filter(kind=AuditEntry.Kind.EXPORT)
    assert (entry.actor, entry.recipient, entry.object_id) == (west_midlands["ds.okafor"], "ds.okafor", str(job.pk))


def test_nobody_else_sees_an_export_not_even_another_supervisor(client, job, west_midlands):
    figures_export_run(job_id=job.pk)
    for username in ("ds.shah", "dc.hughes"):
        client.force_login(west_midlands[username])
        assert client.get(job.get_absolute_url()).status_code == 404
        assert client.get(reverse("reports:figures_export_download", kwargs={"pk": job.pk})).status_code == 404
    assert not AuditEntry.objects.filter(kind=AuditEntry.Kind.EXPORT).exists()
    assert AuditEntry.objects.filter(kind=AuditEntry.Kind.ACCESS_DENIED, object_type="cases.ExportJob").count() == 4


def test_the_export_form_asks_for_both_dates(client, west_midlands):
    client.force_login(west_midlands["ds.okafor"])
    response = client.post(reverse("reports:figures_export_create"), {"date_from": "2026-01-01"})
    assert response.status_code == 400
    assert "To: Enter a date." in response.content.decode()
    assert not ExportJob.objects.exists()


def test_the_export_form_creates_the_job_and_shows_its_page(client, west_midlands, django_capture_on_commit_callbacks):
    client.force_login(west_midlands["ds.okafor"])
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(
            reverse("reports:figures_export_create"), {"date_from": "2026-01-01", "date_to": "2026-02-15"}
        )
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response.url == job.get_absolute_url()
    assert job.progress_total == 2 and len(callbacks) == 1


def test_the_stored_csv_is_not_copied_into_the_audit_trail(job):
    figures_export_run(job_id=job.pk)
    changes = AuditEntry.objects.filter(object_type="cases.ExportJob", kind=AuditEntry.Kind.CHANGE)
    assert changes.exists()
    assert all("Staffordshire" not in str(entry.changes) for entry in changes)


def test_a_database_outage_mid_export_leaves_it_running_with_its_progress(job, monkeypatch):
    """The connection lost after the first month: the export is not marked failed but stays
    running with January kept, so the sweeper resumes it once its heartbeat is stale."""
    real = exports.figures_reports

    def cut_off(*args, **kwargs):
        reports = real(*args, **kwargs)
        yield next(reports)
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(exports, "figures_reports", cut_off)
    with pytest.raises(OperationalError):
        figures_export_run(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.progress_done, job.error) == (ExportJob.Status.RUNNING, 1, "")
    assert job.result.count("\n") > 1  # the header and January's rows
