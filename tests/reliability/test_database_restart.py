"""PostgreSQL drops Safeguard's connections (a restart, a failover, an idle timeout): the next request
still succeeds.

Safeguard keeps a database connection open between requests (CONN_MAX_AGE) and checks it before
reusing it (CONN_HEALTH_CHECKS). The test runs the real web server (gunicorn, one worker, as
production runs it) on the test database, signs a person in, then has PostgreSQL end every server
process serving that database other than the test's own (`pg_terminate_backend`): to the web server
this is exactly what a restart does to its open connection. A restart of the whole cluster would do
the same, but would also cut off everyone else using the cluster while the suite runs.
"""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection, connections
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from tests.conftest import BrowserClient
from tests.processes import database_refusing_connections, database_url

pytestmark = pytest.mark.django_db

BASE_DIR = Path(settings.BASE_DIR)
STARTUP_SECONDS = 30


def committed(work: Callable[[], Any]) -> Any:
    """Run `work` on a connection of its own, outside the test's transaction, so that what it writes
    is committed and the web server can see it; then close that connection."""

    def run() -> Any:
        try:
            return work()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(url: str, cookie: str) -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Cookie": cookie})  # noqa: S310  (http://127.0.0.1 only)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310  (http://127.0.0.1 only)
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def _other_backends() -> set[int]:
    with connection.cursor() as cursor:
        # Statistics views are a snapshot taken once per transaction; the test runs in one.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return {row[0] for row in cursor.fetchall()}


def _terminate_other_backends() -> set[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid, pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return {pid for pid, terminated in cursor.fetchall() if terminated}


@contextmanager
def serving(**env_settings: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """gunicorn (one worker) serving Safeguard on the test database: its base URL and its master."""
    port = _free_port()
    env = os.environ | {
        "DATABASE_URL": database_url(),
        "SAFEGUARD_SSL_REDIRECT": "0",
        "SAFEGUARD_CONN_MAX_AGE": "600",
        "DJANGO_SETTINGS_MODULE": "safeguard.settings",
        **env_settings,
    }
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen(  # noqa: S603
        [str(gunicorn), "safeguard.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1", "--timeout", "30"],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            try:
                with urllib.request.urlopen(f"{base}/health/", timeout=2):  # noqa: S310
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    stderr = process.stderr.read().decode() if process.stderr else ""
                    pytest.fail(f"gunicorn did not start:\n{stderr[-3000:]}")
                time.sleep(0.2)
        yield base, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def web_server() -> Iterator[str]:
    """gunicorn serving Safeguard on the test database; its base URL."""
    with serving() as (base, _):
        yield base


@pytest.fixture
def session_cookie() -> Iterator[str]:
    """A committed, fully signed-in session (password and two-factor), as the web server sees it."""

    def sign_in() -> tuple[User, str]:
        user = User.objects.create(username="reliability.db", first_name="Robin", last_name="Reed", is_active=True)
        browser = BrowserClient()
        browser.force_login(user)
        return user, browser.cookies[settings.SESSION_COOKIE_NAME].value

    def sign_out(user: User, key: str) -> None:
        Session.objects.filter(session_key=key).delete()
        TOTPDevice.objects.filter(user=user).delete()
        user.delete()

    user, key = committed(sign_in)
    try:
        yield f"{settings.SESSION_COOKIE_NAME}={key}"
    finally:
        committed(lambda: sign_out(user, key))


def test_the_next_request_succeeds_after_postgresql_drops_the_connection(web_server, session_cookie):
    status, page = _get(f"{web_server}/", session_cookie)
    assert status == 200, page[:500]
    assert "Robin Reed" in page  # signed in: the session was read from the database

    terminated = _terminate_other_backends()
    assert terminated, "the web server must have held a database connection open between requests"
    time.sleep(0.2)  # let PostgreSQL finish ending them

    status, page = _get(f"{web_server}/", session_cookie)

    assert status == 200, page[:500]
    assert "Robin Reed" in page
    # The page was served over a new connection, not the one PostgreSQL ended.
    assert _other_backends() - terminated


def test_while_postgresql_stays_down_the_person_is_told_to_try_again_in_a_minute(web_server, session_cookie):
    """An outage longer than a restart: the test database refuses every new connection (the rest of
    the shared cluster keeps running) and the web server's connection is ended."""
    assert _get(f"{web_server}/", session_cookie)[0] == 200
    with database_refusing_connections():
        request = urllib.request.Request(f"{web_server}/", headers={"Cookie": session_cookie})  # noqa: S310
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=10)  # noqa: S310  (http://127.0.0.1 only)
        page = refused.value.read().decode()
        assert refused.value.code == 503
        assert refused.value.headers["Retry-After"] == "60"
        assert "Safeguard is unavailable for a moment" in page and "Try again in a minute" in page
        assert "Traceback" not in page and "OperationalError" not in page and "psycopg2" not in page
    status, page = _get(f"{web_server}/", session_cookie)
    assert status == 200 and "Robin Reed" in page  # back as soon as the database is
