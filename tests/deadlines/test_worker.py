"""Reminders through a real Celery worker and the real Redis broker.

A worker is started as its own process (`celery -A safeguard worker`), pointed at the test database
(the test's data is committed: transactional_db) and at the test broker and queue. The sweep is sent
three times, the third as a redelivery of the first (what Redis does when a worker dies holding a
task); exactly one reminder per deadline, threshold and recipient must come of it, and exactly one
e-mail each, sent by tasks the worker itself queued through the outbox.
"""

import os
import re
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from celery.backends.redis import RedisBackend
from celery.result import AsyncResult
from django.contrib.auth.models import Group
from django.db import OperationalError
from django.utils import timezone

from cases import tasks
from cases.models import Arrest, Notification, Offence, OutstandingDeadline
from cases.services.summaries import cases_to_compute, deadlines_due_for
from reports import tasks as report_tasks
from safeguard.celery import app
from safeguard.outbox.models import OutboxMessage
from tests.deadlines.conftest import BROKER_URL, QUEUE, RESULT_URL
from tests.factories.cases import CaseFactory, SubjectFactory
from tests.processes import database_url, start_worker, stop_worker

WAIT = 60  # seconds: generous for a loaded machine; the test normally takes a few


def worker_env(mail_dir: Path, **extra: str) -> dict[str, str]:
    """A worker's environment: this test database, the test broker and queue, e-mail to files in
    `mail_dir`, and `extra` settings."""
    return {
        **os.environ,
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": BROKER_URL,
        "CELERY_RESULT_BACKEND": RESULT_URL,
        "SAFEGUARD_CELERY_QUEUE": QUEUE,
        "SAFEGUARD_EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "SAFEGUARD_EMAIL_FILE_PATH": str(mail_dir),
        "SAFEGUARD_CONN_MAX_AGE": "0",
        **extra,
    }


@pytest.fixture
def worker(restores_migration_data, transactional_db, broker, tmp_path):
    mail_dir = tmp_path / "mail"
    log = (tmp_path / "worker.log").open("w")
    process = start_worker(QUEUE, env=worker_env(mail_dir), stdout=log)
    yield process, mail_dir
    stop_worker(process)
    log.close()


def wait_for(result_id: str, backend: RedisBackend, worker_log: Path) -> Any:
    try:
        return AsyncResult(result_id, backend=backend, app=app).get(timeout=WAIT)
    except Exception:
        print(worker_log.read_text())  # shown by pytest on failure
        raise


def sent_messages(mail_dir: Path) -> list[str]:
    """The e-mails Django's file backend wrote: one file per connection, several messages a file
    (each followed by a line of 79 dashes), and a file name that may be reused within a second."""
    if not mail_dir.exists():
        return []
    separator = "-" * 79
    return [
        message
        for path in sorted(mail_dir.iterdir())
        for message in path.read_text().split(separator)
        if message.strip()
    ]


def wait_until(condition, what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, f"Timed out waiting for {what}."
        time.sleep(0.2)


def test_the_sweep_through_a_real_worker_reminds_and_emails_exactly_once(worker, team, officer, supervisor):
    process, mail_dir = worker
    worker_log = mail_dir.parent / "worker.log"
    case = CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor, opened_at=timezone.now() - 40 * DAY)
    subject = SubjectFactory(case=case, full_name="John Smith")
    case.safeguarding_referrals.create(
        pseudonymous_reference="CHILD-A", children_count=1, relationship="own_child", recorded_by=officer
    )  # not yet referred to children's services
    Arrest.objects.create(
        case=case, subject=subject, arrested_at=timezone.now() - 30 * DAY, arresting_officer=officer
    )  # charging target and MASH referral missed: 2 deadlines x 2 people
    backend = RedisBackend(app=app, url=RESULT_URL)

    first = tasks.deadline_sweep.apply_async(queue=QUEUE, ignore_result=False)
    assert wait_for(first.id, backend, worker_log)["notifications_created"] == 4
    second = tasks.deadline_sweep.apply_async(queue=QUEUE, ignore_result=False)
    assert wait_for(second.id, backend, worker_log)["notifications_created"] == 0
    backend.forget(first.id)
    redelivered = tasks.deadline_sweep.apply_async(queue=QUEUE, task_id=first.id, ignore_result=False)
    assert wait_for(redelivered.id, backend, worker_log)["notifications_created"] == 0

    assert Notification.objects.count() == 4
    wait_until(lambda: not Notification.objects.filter(emailed_at__isnull=True).exists(), "the e-mails")
    wait_until(lambda: len(sent_messages(mail_dir)) >= 4, "the e-mails to be written")
    # Run the sweep once more and give stray duplicates every chance to appear.
    again = tasks.deadline_sweep.apply_async(queue=QUEUE, ignore_result=False)
    wait_for(again.id, backend, worker_log)
    time.sleep(1)
    messages = sent_messages(mail_dir)
    assert len(messages) == 4, worker_log.read_text()
    assert sorted(m.split("To: ")[1].split("\n")[0] for m in messages) == sorted(
        ["dc.hughes@police.example"] * 2 + ["ds.okafor@police.example"] * 2
    )
    assert OutboxMessage.objects.count() == 4
    assert not OutboxMessage.objects.filter(published_at__isnull=True).exists()
    assert process.poll() is None  # the worker is still running: nothing crashed it


def test_a_real_worker_refreshes_the_summaries_and_readers_then_use_them(worker, team, officer, supervisor):
    process, mail_dir = worker
    case = CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor, opened_at=timezone.now() - 40 * DAY)
    Arrest.objects.create(
        case=case,
        subject=SubjectFactory(case=case, full_name="John Smith"),
        arrested_at=timezone.now() - 30 * DAY,
        arresting_officer=officer,
    )
    backend = RedisBackend(app=app, url=RESULT_URL)
    computed = [d.key for d in deadlines_due_for(supervisor, now=timezone.now())]

    full = report_tasks.refresh_summaries.apply_async(kwargs={"full": True}, queue=QUEUE, ignore_result=False)
    assert wait_for(full.id, backend, mail_dir.parent / "worker.log") == {
        "full": True,
        "cases": 1,
        "deadlines": 1,
        "facts_cases": 1,  # the figure facts' first refresh is from scratch: all cases
        "facts": 2,  # the case opened, the arrest
        "figures_remade": 0,  # after a full refresh nothing is kept to make again
        "figures_forgotten": 0,
    }
    assert cases_to_compute(now=timezone.now()) == set()
    assert [d.key for d in deadlines_due_for(supervisor, now=timezone.now())] == computed
    again = report_tasks.refresh_summaries.apply_async(queue=QUEUE, ignore_result=False)
    assert wait_for(again.id, backend, mail_dir.parent / "worker.log") == {
        "full": False,
        "cases": 0,
        "deadlines": 0,
        "facts_cases": 0,
        "facts": 0,
        "figures_remade": 0,
        "figures_forgotten": 0,
    }
    assert OutstandingDeadline.objects.filter(case=case).count() == 1
    assert process.poll() is None
    # The worker's own records go through Safeguard's single-line handler (cases.logs), not Celery's:
    # "received" is logged before a task runs, so before its result can be read ("succeeded" after).
    record = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO celery\.worker\.strategy Task cases\.tasks\.")
    lines = (mail_dir.parent / "worker.log").read_text().splitlines()
    assert sum(bool(record.match(line)) and line.endswith("received") for line in lines) == 2, lines


DAY = timedelta(days=1)


def test_the_data_migrations_loaded_is_back_for_the_tests_that_follow(db):
    """Runs after the worker test (file order): `restores_migration_data` put back what the emptying
    of the transactional test's database removed."""
    assert Group.objects.filter(name="Administrator", permissions__codename="add_user").exists()
    assert set(Group.objects.values_list("name", flat=True)) >= {"Officer", "Supervisor", "Auditor"}
    assert Offence.objects.count() > 5


def test_a_transient_database_error_is_retried_and_reminds_once(db, team, officer, supervisor, monkeypatch):
    """Retried in-process (Celery runs a retry of an eagerly applied task at once): the first attempt
    fails as if the database had gone away, the retry succeeds, and reminders are made once."""
    case = CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor, opened_at=timezone.now() - 40 * DAY)
    subject = SubjectFactory(case=case)
    case.safeguarding_referrals.create(
        pseudonymous_reference="CHILD-A", children_count=1, relationship="own_child", recorded_by=officer
    )  # not yet referred to children's services
    Arrest.objects.create(case=case, subject=subject, arrested_at=timezone.now() - 30 * DAY, arresting_officer=officer)
    real = tasks.run_sweep
    attempts = []

    def flaky(**kwargs):
        attempts.append(1)
        if len(attempts) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return real(**kwargs)

    monkeypatch.setattr(tasks, "run_sweep", flaky)
    result = tasks.deadline_sweep.apply()
    assert result.successful(), result.traceback
    assert len(attempts) == 2
    assert Notification.objects.count() == 4
    assert tasks.deadline_sweep.apply().get()["notifications_created"] == 0
