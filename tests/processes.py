"""For tests that run Safeguard's own processes (a Celery worker, gunicorn) against the test
database: its URL, starting, stopping and killing a worker, and putting back the data migrations loaded
after a transactional test has emptied the database."""

import importlib
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO
from urllib.parse import quote

import psycopg2
from django.apps import apps as django_apps
from django.conf import settings
from django.db import connection

STOP_SECONDS = 20


def database_url() -> str:
    """The URL of the test database this process writes to, for another process to use."""
    db = connection.settings_dict
    password = f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else ""
    return f"postgres://{quote(db['USER'])}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def start_worker(
    queue: str, *, env: dict[str, str], stdout: IO[str] | int, loglevel: str = "INFO"
) -> subprocess.Popen[str]:
    """A real `celery -A safeguard worker` on `queue`, one task at a time in its main process (so
    killing it kills the task), with `env` as its whole environment."""
    command = [sys.executable, "-m", "celery", "-A", "safeguard", "worker", "--pool", "solo", "-Q", queue]
    command += ["--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel", loglevel]
    # A fixed command line of this project's own worker: no outside input.
    return subprocess.Popen(  # noqa: S603
        command, cwd=settings.BASE_DIR, env=env, stdout=stdout, stderr=subprocess.STDOUT, text=True
    )


def start_beat(*, env: dict[str, str], stdout: IO[str] | int, schedule: str) -> subprocess.Popen[str]:
    """A real `celery -A safeguard beat`, keeping its schedule's state in the file `schedule`, with
    `env` as its whole environment (its tasks go to the queue `env` names)."""
    command = [sys.executable, "-m", "celery", "-A", "safeguard", "beat", "--loglevel", "INFO", "--schedule", schedule]
    # A fixed command line of this project's own beat: no outside input.
    return subprocess.Popen(  # noqa: S603
        command, cwd=settings.BASE_DIR, env=env, stdout=stdout, stderr=subprocess.STDOUT, text=True
    )


def stop_worker(process: subprocess.Popen[str]) -> None:
    """Ask the worker to stop; kill it if it has not within STOP_SECONDS."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=STOP_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def kill_worker_and_its_sessions(process: subprocess.Popen[str], *, keep: int) -> None:
    """Kill the worker with SIGKILL (no clean shut-down, no acknowledgement) and end its database
    sessions, as when its machine goes away: every session of the test database but the test's own
    and the session `keep` (the backend pid of the test's other connection)."""
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=STOP_SECONDS)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid() "
            "AND pid <> %s",
            [connection.settings_dict["NAME"], keep],
        )


def restore_migration_data() -> None:
    """Put back what migrations loaded (the offence catalogue, the role groups and their
    permissions), which emptying the database after a transactional test removes. Idempotent."""
    from accounts.roles import set_up_role_groups
    from cases.models import Offence

    catalogue = importlib.import_module("cases.migrations.0003_offence_catalogue")
    if Offence.objects.count() < len(catalogue.OFFENCES):
        catalogue.load_offences(django_apps, None)
    set_up_role_groups()


@contextmanager
def database_refusing_connections() -> Iterator[None]:
    """The test database refusing every new connection, its open sessions ended: a PostgreSQL outage
    for Safeguard's processes, while the rest of the shared cluster keeps running. Run from the
    cluster's maintenance database (a database cannot refuse connections from inside itself)."""
    name = connection.settings_dict["NAME"]
    admin = psycopg2.connect(database_url().rsplit("/", 1)[0] + "/postgres")
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            cursor.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false')
            try:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> %s",
                    [name, _own_backend_pid()],
                )
                time.sleep(0.2)  # let PostgreSQL finish ending them
                yield
            finally:
                cursor.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true')
    finally:
        admin.close()


def _own_backend_pid() -> int:
    """The test's own session, kept: it is already connected, and the test goes on with it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return int(cursor.fetchone()[0])
