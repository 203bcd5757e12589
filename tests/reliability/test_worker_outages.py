"""The Celery worker and beat outlive a PostgreSQL outage and a Redis outage.

Real processes: a worker and beat whose broker is a redis-server of the test's own, on a port of its
own (the shared Redis keeps running), on the test database. Redis is stopped for several seconds and
started again; the test database refuses connections for several seconds. Both processes must keep
running, and a task sent after each outage (and one sent during the database's) must run.
"""

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from celery import Celery

from tests.deadlines.conftest import QUEUE
from tests.deadlines.test_worker import wait_until, worker_env
from tests.processes import database_refusing_connections, start_beat, start_worker, stop_worker
from tests.reliability.test_relay_outages import _free_port

# Reads the database (a reminder that does not exist: nothing to send); never sent by beat, whose
# own tasks would otherwise be counted too.
TASK = "cases.tasks.send_notification_email"
OUTAGE_SECONDS = 5


# Celery(...) makes itself the current app unless told not to: the project's shared tasks would then
# send to this test's Redis, long stopped, in every later test of the same process.
class OwnRedis:
    def __init__(self) -> None:
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[str] | None = None

    def start(self) -> None:
        # A fixed command line: this test's own Redis, in memory only.
        self.process = subprocess.Popen(  # noqa: S603
            ["redis-server", "--port", str(self.port), "--save", "", "--appendonly", "no"],  # noqa: S607
            stdout=subprocess.DEVNULL,
            text=True,
        )
        sender = Celery(broker=self.url, set_as_current=False)
        wait_until(lambda: _reachable(sender), "the test's Redis to start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=20)
            self.process = None


def _reachable(app: Celery) -> bool:
    try:
        with app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1)
        return True
    except Exception:
        return False


def _send(url: str) -> None:
    sender = Celery(broker=url, set_as_current=False)
    sender.send_task(TASK, args=[0], queue=QUEUE, ignore_result=True)


@pytest.fixture
def processes(
    restores_migration_data, transactional_db, tmp_path
) -> Iterator[tuple[OwnRedis, dict[str, subprocess.Popen[str]], Path]]:
    redis = OwnRedis()
    redis.start()
    env = worker_env(
        tmp_path / "mail", CELERY_BROKER_URL=redis.url, CELERY_RESULT_BACKEND=f"redis://127.0.0.1:{redis.port}/1"
    )
    log_path = tmp_path / "processes.log"
    log = log_path.open("w")
    worker = start_worker(QUEUE, env=env, stdout=log)
    beat = start_beat(env=env, stdout=log, schedule=str(tmp_path / "celerybeat-schedule"))
    try:
        wait_until(lambda: "ready." in log_path.read_text(), "the worker to start")
        yield redis, {"worker": worker, "beat": beat}, log_path
    finally:
        stop_worker(beat)
        stop_worker(worker)
        log.close()
        redis.stop()


def test_the_worker_and_beat_outlive_redis_and_postgresql_outages(processes):
    redis, running, log_path = processes

    def runs(text: str) -> int:
        return sum(1 for line in text.splitlines() if TASK in line and "succeeded" in line)

    _send(redis.url)
    wait_until(lambda: runs(log_path.read_text()) == 1, "a first task to run")

    redis.stop()
    time.sleep(OUTAGE_SECONDS)
    for name, process in running.items():
        assert process.poll() is None, f"{name} stopped while Redis was down:\n{log_path.read_text()}"
    redis.start()
    back = time.monotonic()
    _send(redis.url)
    try:
        wait_until(lambda: runs(log_path.read_text()) == 2, "a task sent after Redis came back to run")
        print(f"Worker: a task sent when Redis was back ran {time.monotonic() - back:.1f} s after Redis started.")
    except AssertionError:
        print(log_path.read_text())
        raise

    with database_refusing_connections():
        _send(redis.url)  # runs while the database is down: retried with growing delays
        time.sleep(OUTAGE_SECONDS)
        for name, process in running.items():
            assert process.poll() is None, f"{name} stopped while PostgreSQL was down:\n{log_path.read_text()}"
    start = time.monotonic()
    wait_until(lambda: runs(log_path.read_text()) == 3, "the task sent during the outage to run once it was over")
    _send(redis.url)
    wait_until(lambda: runs(log_path.read_text()) == 4, "a task sent after the database came back to run")
    print(f"Worker: the task retried through the database outage ran {time.monotonic() - start:.1f} s after it.")
    assert all(process.poll() is None for process in running.values())
    assert "Retry in" in log_path.read_text()  # the database outage was met, and the task retried
