"""The beat task through a real Celery worker and the real Redis broker: the worker, a process of its
own with the key and directory from its environment, signs the chain's head as the test left it
(committed: transactional_db), and the checkpoint it writes verifies here."""

import json
import os

import pytest
from celery.backends.redis import RedisBackend
from celery.result import AsyncResult
from django.conf import settings

from audit import tasks
from audit.checkpoints import chain_head, verify_checkpoints
from audit.context import acting_as
from audit.models import AuditEntry
from audit.objects import ObjectType
from audit.sequencer import sequence_entries
from audit.services import audit_record
from safeguard.celery import app
from tests.deadlines.conftest import BROKER_URL, QUEUE, RESULT_URL, broker, restores_migration_data  # noqa: F401
from tests.processes import database_url, start_worker, stop_worker

WAIT = 60  # seconds: generous for a loaded machine; the test normally takes a few


@pytest.fixture
def worker(restores_migration_data, transactional_db, broker, checkpoint_dir, tmp_path):  # noqa: F811
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": BROKER_URL,
        "CELERY_RESULT_BACKEND": RESULT_URL,
        "SAFEGUARD_CELERY_QUEUE": QUEUE,
        "SAFEGUARD_CONN_MAX_AGE": "0",
        "SAFEGUARD_AUDIT_CHECKPOINT_KEY": settings.SAFEGUARD_AUDIT_CHECKPOINT_KEY,
        "SAFEGUARD_AUDIT_CHECKPOINT_PUBLIC_KEYS": ",".join(settings.SAFEGUARD_AUDIT_CHECKPOINT_PUBLIC_KEYS),
        "SAFEGUARD_AUDIT_CHECKPOINT_DIR": str(checkpoint_dir),
    }
    log_path = tmp_path / "worker.log"
    with log_path.open("w") as log:
        process = start_worker(QUEUE, env=env, stdout=log)
        yield log_path
        stop_worker(process)


def run_in_worker(log_path, task) -> object:
    result = task.apply_async(queue=QUEUE, ignore_result=False)
    try:
        return AsyncResult(result.id, backend=RedisBackend(app=app, url=RESULT_URL), app=app).get(timeout=WAIT)
    except Exception:
        print(log_path.read_text())  # shown by pytest on failure
        raise


def test_the_beat_task_run_by_a_worker_writes_a_checkpoint_of_the_head(worker, checkpoint_dir):
    with acting_as(None, source="test"):
        audit_record(kind=AuditEntry.Kind.READ, actor=None, actor_username="x", object_type=ObjectType.PAGE)
    sequence_entries()  # the task seals what is waiting too: sealed here, the head is what it signs
    head = chain_head()

    assert run_in_worker(worker, tasks.checkpoint_audit) == 1
    written = json.loads((checkpoint_dir / "0000000001.checkpoint").read_text())
    assert (written["position"], written["hash"], written["count"]) == (head.position, head.hash, head.count)
    assert verify_checkpoints().ok
    # Run again with nothing new: idempotent, no second checkpoint.
    assert run_in_worker(worker, tasks.checkpoint_audit) is None
    assert len(list(checkpoint_dir.glob("*.checkpoint"))) == 1
