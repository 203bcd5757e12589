"""A throwaway Safeguard on this machine: its own database (named after DATABASE_URL's, with a
suffix), migrated, with the database roles and the demo loaded, served by gunicorn with 2 workers on
a free loopback port, as in the Procfile, with production settings (no debug, no demo mode,
HTTPS redirect, secure cookies). Used by `make load` and `make screenshots`; dropped afterwards.

Call `use_throwaway_database` before Django is set up: it points this process's settings at the
throwaway database.
"""

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

BASE_DIR = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
LOOPBACK = "127.0.0.1"
# Safeguard's reverse proxy ends HTTPS and says so; clients of the throwaway server play that part.
PROXY_HEADERS = {"X-Forwarded-Proto": "https"}


def use_throwaway_database(suffix: str) -> tuple[str, str]:
    """Point this process (and the servers it starts) at `<database><suffix>`, created empty.
    Returns the server's maintenance URL and the database's name, for `drop_database`."""
    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/safeguard")
    server, _, name = url.rpartition("/")
    database = f"{name.split('?')[0]}{suffix}"
    admin_url = f"{server}/postgres"
    os.environ.update(
        {
            "DATABASE_URL": f"{server}/{database}",
            "SAFEGUARD_DEBUG": "0",
            "SAFEGUARD_DEMO": "0",
            "SAFEGUARD_SSL_REDIRECT": "1",
            "SAFEGUARD_SECURE_COOKIES": "1",
            "SAFEGUARD_SECRET_KEY": secrets.token_urlsafe(64),
            "SAFEGUARD_LOG_LEVEL": "WARNING",
            "DJANGO_SETTINGS_MODULE": "safeguard.settings",
        }
    )
    drop_database(admin_url, database)
    _psql(admin_url, f'CREATE DATABASE "{database}"')
    return admin_url, database


def drop_database(admin_url: str, database: str) -> None:
    _psql(admin_url, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def _psql(admin_url: str, sql: str) -> None:
    subprocess.run(["psql", admin_url, "-qc", sql], check=True)


def prepare_demo() -> None:
    """Migrate, set up the database roles, collect the static files (served by WhiteNoise) and load
    the demo (Django must be set up)."""
    from io import StringIO

    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("setup_database_roles", verbosity=0, stdout=StringIO())
    call_command("collectstatic", interactive=False, verbosity=0)
    call_command("load_demo", force=True, verbosity=0, stdout=StringIO())


@contextmanager
def gunicorn(log: IO[str] | None = None, **settings: str) -> Iterator[str]:
    """gunicorn serving Safeguard on a free loopback port; yields its address (http://127.0.0.1:N).
    `log`: a file for its output (its own records and the access lines), else this process's.
    `settings`: environment variables to change for the server (e.g. SAFEGUARD_SSL_REDIRECT="0")."""
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        port = int(probe.getsockname()[1])
    host = f"http://{LOOPBACK}:{port}"
    command = [str(VENV_BIN / "gunicorn"), "-c", "python:safeguard.gunicorn_config", "safeguard.wsgi"]
    command += ["--bind", f"{LOOPBACK}:{port}"]
    server = subprocess.Popen(
        [*command, "--workers", "2", "--timeout", "60", "--no-control-socket"],
        cwd=BASE_DIR,
        env={**os.environ, **settings},
        stdout=log,
        stderr=subprocess.STDOUT if log is not None else None,
    )
    try:
        _wait_until_up(host)
        yield host
    finally:
        server.terminate()
        server.wait(timeout=30)


def _wait_until_up(host: str) -> None:
    # /health/ answers whether the HTTPS redirect is on or off, given the proxy's header.
    request = urllib.request.Request(f"{host}/health/", headers=PROXY_HEADERS)
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(request, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError("gunicorn did not answer /health/ within 60 seconds.")
        time.sleep(0.5)
