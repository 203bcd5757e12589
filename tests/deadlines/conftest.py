"""Redis for tests of background work: databases of their own, and a queue of their own per run,
so nothing is sent to the queue a developer's own worker reads."""

import os
import uuid

import pytest
import redis

from safeguard.celery import app
from tests.processes import restore_migration_data

BROKER_URL = os.environ.get("SAFEGUARD_TEST_BROKER_URL", "redis://127.0.0.1:6379/4")
RESULT_URL = os.environ.get("SAFEGUARD_TEST_RESULT_BACKEND", "redis://127.0.0.1:6379/5")
# A port nothing listens on: the broker "down".
UNREACHABLE_BROKER_URL = "redis://127.0.0.1:1/4"
QUEUE = f"safeguard-test-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def broker(settings):
    """The test broker, empty, as the Celery app's broker for this test; its queue is removed after."""
    saved = app.conf.broker_url, app.conf.task_default_queue
    # Item assignment, as attribute assignment does (celery-types types these attributes read-only).
    app.conf["broker_url"], app.conf["task_default_queue"] = BROKER_URL, QUEUE
    client = redis.Redis.from_url(BROKER_URL)
    client.delete(QUEUE)
    yield client
    client.delete(QUEUE)
    app.conf["broker_url"], app.conf["task_default_queue"] = saved


def queued_tasks(client: redis.Redis) -> list[str]:
    """Names of the tasks waiting in the test queue."""
    import json

    return [json.loads(raw)["headers"]["task"] for raw in client.lrange(QUEUE, 0, -1)]


@pytest.fixture
def restores_migration_data(django_db_blocker):
    """A transactional test's database is emptied afterwards, data that migrations loaded included.
    Requested before `transactional_db`, this puts that data back before the test (an earlier
    transactional test on the same worker may have emptied it) and after the emptying, for the tests
    that follow (tests.processes.restore_migration_data)."""
    with django_db_blocker.unblock():
        restore_migration_data()
    yield
    with django_db_blocker.unblock():
        restore_migration_data()
