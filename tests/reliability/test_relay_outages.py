"""The outbox relay (`manage.py relay_outbox`, Procfile) outlives its database and its broker.

The real command runs in its own process. PostgreSQL: the test database stops taking connections
and the relay's session is ended (what a restart or failover does to it), for several of its
rounds; Redis: the relay's broker is a redis-server of the test's own, on a port of its own,
stopped and started again (the shared Redis keeps running). Each time the relay must keep running,
log one line when the outage starts and one when it ends, and publish what was queued meanwhile.
"""

import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from django.conf import settings

from safeguard.outbox.models import OutboxMessage
from tests.deadlines.conftest import QUEUE
from tests.deadlines.test_worker import wait_until, worker_env
from tests.processes import database_refusing_connections

TASK = "safeguard.outbox.tasks.relay_outbox"  # any task: nothing runs it here
OUTAGE_SECONDS = 4


class Relay:
    def __init__(self, tmp_path: Path, **env: str) -> None:
        self.log_path = tmp_path / "relay.log"
        self.log = self.log_path.open("w")
        command = [sys.executable, "manage.py", "relay_outbox", "--interval", "0.2", "--max-backoff", "1"]
        # A fixed command line of this project's own relay: no outside input.
        self.process = subprocess.Popen(  # noqa: S603
            command,
            cwd=settings.BASE_DIR,
            env=worker_env(tmp_path / "mail", **env),
            stdout=self.log,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def text(self) -> str:
        return self.log_path.read_text()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=20)
        self.log.close()


def _queue(message: str) -> OutboxMessage:
    # Written as a web request or task would, but left for the relay (not published on commit here).
    return OutboxMessage.objects.create(task=TASK, args=[message])


def _published(message: OutboxMessage) -> bool:
    message.refresh_from_db()
    return message.published_at is not None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def relay_on_test_broker(restores_migration_data, transactional_db, broker, tmp_path) -> Iterator[Relay]:
    relay = Relay(tmp_path)
    yield relay
    relay.stop()


def test_the_relay_outlives_a_database_outage(relay_on_test_broker, broker):
    relay = relay_on_test_broker
    before = _queue("before")
    wait_until(lambda: _published(before), "the relay to publish")
    with database_refusing_connections():
        wait_until(lambda: "PostgreSQL unreachable" in relay.text(), "the relay to notice the outage")
        time.sleep(OUTAGE_SECONDS)  # several of its rounds, with backoff
        assert relay.process.poll() is None, relay.text()
    back = time.monotonic()
    after = _queue("after")
    wait_until(lambda: _published(after), "the relay to publish after the outage")
    print(f"Relay: published {time.monotonic() - back:.1f} s after PostgreSQL was back.")
    wait_until(lambda: "PostgreSQL reachable again" in relay.text(), "the relay to log its recovery")

    assert relay.process.poll() is None
    log = relay.text()
    assert log.count("PostgreSQL unreachable") == 1, log
    assert log.count("PostgreSQL reachable again") == 1, log
    assert "Traceback" not in log
    assert broker.llen(QUEUE) == 2  # each published once


def test_the_relay_outlives_a_redis_outage(restores_migration_data, transactional_db, broker, tmp_path):
    port = _free_port()
    own_broker = f"redis://127.0.0.1:{port}/0"
    relay = Relay(tmp_path, CELERY_BROKER_URL=own_broker, CELERY_RESULT_BACKEND=f"redis://127.0.0.1:{port}/1")
    server: subprocess.Popen[str] | None = None
    try:
        during = _queue("during")
        wait_until(lambda: "Redis unreachable" in relay.text(), "the relay to notice Redis is down")
        time.sleep(OUTAGE_SECONDS)
        assert relay.process.poll() is None, relay.text()
        assert not _published(during)
        # A fixed command line: this test's own Redis, in memory only.
        server = subprocess.Popen(  # noqa: S603
            ["redis-server", "--port", str(port), "--save", "", "--appendonly", "no"],  # noqa: S607
            stdout=subprocess.DEVNULL,
            text=True,
        )
        back = time.monotonic()
        wait_until(lambda: _published(during), "the relay to publish once Redis is back")
        print(f"Relay: published {time.monotonic() - back:.1f} s after Redis was started again.")
        wait_until(lambda: "Redis reachable again" in relay.text(), "the relay to log Redis's recovery")
        log = relay.text()
        assert relay.process.poll() is None
        assert log.count("Redis unreachable") == 1, log
        assert "must be restarted" not in log and "Retry limit exceeded" not in log, log
        assert redis.Redis.from_url(own_broker).llen(QUEUE) == 1
    finally:
        relay.stop()
        if server is not None:
            server.terminate()
            server.wait(timeout=20)
