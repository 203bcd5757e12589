"""A Celery worker killed in the middle of a task: after a worker starts again, the task runs to the
end exactly once.

A real worker (`celery -A safeguard worker --pool solo`) takes the deadline sweep from the real
Redis broker. The test holds a lock on the reminders table, so the sweep is caught part-way, its
database session waiting on that lock; then the worker is killed with SIGKILL (no clean shut-down,
no acknowledgement: tasks are acknowledged late). A new worker starts; once the broker's visibility
timeout (3 s here) has passed, the unacknowledged task is delivered to it and runs. Exactly one
reminder per deadline and person, and one e-mail each, come of it.
"""

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import psycopg2
import pytest
from django.db import connection
from django.utils import timezone

from cases import tasks
from cases.models import Arrest, Notification
from tests.deadlines.conftest import QUEUE
from tests.deadlines.test_worker import DAY, sent_messages, wait_until, worker_env
from tests.factories.cases import CaseFactory, SubjectFactory
from tests.processes import database_url, kill_worker_and_its_sessions, start_worker, stop_worker

VISIBILITY_TIMEOUT = 3


class Workers:
    """Workers started one after another, each logging to its own file."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.mail_dir = tmp_path / "mail"
        self.processes: list[subprocess.Popen[str]] = []
        self.logs_open: list[IO[str]] = []

    def start(self, **settings: str) -> subprocess.Popen[str]:
        defaults = {"SAFEGUARD_TASK_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT), "SAFEGUARD_TASK_RESTORE_SECONDS": "1"}
        env = worker_env(self.mail_dir, **(defaults | settings))
        log = (self.tmp_path / f"worker-{len(self.processes)}.log").open("w")
        self.logs_open.append(log)
        process = start_worker(QUEUE, env=env, stdout=log)
        self.processes.append(process)
        return process

    def logs(self) -> str:
        return "\n".join(path.read_text() for path in sorted(self.tmp_path.glob("worker-*.log")))

    def stop_all(self) -> None:
        for process in self.processes:
            stop_worker(process)
        for log in self.logs_open:
            log.close()


@pytest.fixture
def workers(restores_migration_data, transactional_db, broker, tmp_path) -> Iterator[Workers]:
    started = Workers(tmp_path)
    yield started
    started.stop_all()


def _waiting_on_a_lock(database: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock'", [database]
        )
        return bool(cursor.fetchone()[0])


def test_a_task_whose_worker_is_killed_mid_way_completes_exactly_once_after_restart(workers, team, officer, supervisor):
    case = CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor, opened_at=timezone.now() - 40 * DAY)
    subject = SubjectFactory(case=case, full_name="John Smith")
    case.safeguarding_referrals.create(
        pseudonymous_reference="CHILD-A", children_count=1, relationship="own_child", recorded_by=officer
    )
    Arrest.objects.create(
        case=case, subject=subject, arrested_at=timezone.now() - 30 * DAY, arresting_officer=officer
    )  # charging target and MASH referral missed: 2 deadlines x 2 people
    database = connection.settings_dict["NAME"]

    # Hold the reminders table from another session, so the sweep stops part-way through.
    blocker = psycopg2.connect(database_url())
    try:
        with blocker.cursor() as cursor:
            cursor.execute("LOCK TABLE cases_notification IN EXCLUSIVE MODE")
        first = workers.start()
        result = tasks.deadline_sweep.apply_async(queue=QUEUE)
        wait_until(lambda: _waiting_on_a_lock(database), "the sweep to reach the reminders")

        kill_worker_and_its_sessions(first, keep=blocker.get_backend_pid())
    finally:
        blocker.rollback()
        blocker.close()
    assert Notification.objects.count() == 0  # nothing of the interrupted run was kept

    workers.start()
    try:
        wait_until(lambda: Notification.objects.count() >= 4, "the sweep to run again after the restart")
        wait_until(lambda: not Notification.objects.filter(emailed_at__isnull=True).exists(), "the e-mails")
        wait_until(lambda: len(sent_messages(workers.mail_dir)) >= 4, "the e-mails to be written")
        time.sleep(VISIBILITY_TIMEOUT + 1)  # any second delivery would have come by now
    except AssertionError:
        print(workers.logs())
        raise

    assert Notification.objects.count() == 4
    assert len(sent_messages(workers.mail_dir)) == 4
    logs = workers.logs()
    assert logs.count(f"Task cases.tasks.deadline_sweep[{result.id}] received") == 2  # before and after the kill
    assert logs.count(f"Task cases.tasks.deadline_sweep[{result.id}] succeeded") == 1
