"""The transactional outbox: work is recorded with the change, published after commit, kept while
Redis is unreachable and published when it is back."""

import base64
import io
import json

import pytest
from django.core.management import call_command
from django.db import transaction

from safeguard.celery import app
from safeguard.outbox.models import OutboxMessage
from safeguard.outbox.services import outbox_enqueue, outbox_relay
from tests.deadlines.conftest import BROKER_URL, QUEUE, UNREACHABLE_BROKER_URL, queued_tasks


def test_a_message_is_published_only_after_its_transaction_commits(db, broker, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        message = outbox_enqueue("cases.tasks.send_notification_email", 41)
        assert queued_tasks(broker) == []  # nothing leaves before the commit
    assert len(callbacks) == 1
    message.refresh_from_db()
    assert message.published_at is not None
    assert queued_tasks(broker) == ["cases.tasks.send_notification_email"]


def test_a_rolled_back_change_sends_nothing(db, broker, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        outbox_enqueue("cases.tasks.send_notification_email", 41)
        raise RuntimeError("the change failed")
    assert callbacks == []
    assert OutboxMessage.objects.count() == 0
    assert queued_tasks(broker) == []


def test_work_waits_while_redis_is_down_and_drains_when_it_is_back(db, broker, django_capture_on_commit_callbacks):
    app.conf["broker_url"] = UNREACHABLE_BROKER_URL
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        outbox_enqueue("cases.tasks.send_notification_email", 1)
        outbox_enqueue("cases.tasks.send_notification_email", 2)
    pending = OutboxMessage.objects.filter(published_at__isnull=True)
    assert pending.count() == 2  # the commit went through; the work is kept
    report = outbox_relay()
    assert report.failed and "Connection refused" in report.error
    assert pending.count() == 2
    assert pending.order_by("pk")[0].attempts == 2  # after commit, then the relay

    app.conf["broker_url"] = BROKER_URL  # Redis is back
    out = io.StringIO()
    call_command("relay_outbox", "--once", stdout=out)
    assert out.getvalue().strip() == "Published 2 task(s)."
    assert pending.count() == 0
    assert queued_tasks(broker) == ["cases.tasks.send_notification_email"] * 2
    bodies = [json.loads(base64.b64decode(json.loads(raw)["body"])) for raw in broker.lrange(QUEUE, 0, -1)]
    assert sorted(body[0] for body in bodies) == [[1], [2]]  # the ids, as JSON


def test_a_published_message_is_not_published_again(db, broker):
    message = OutboxMessage.objects.create(task="safeguard.outbox.tasks.relay_outbox", args=[])
    assert outbox_relay().published == 1
    assert outbox_relay().published == 0
    message.refresh_from_db()
    assert message.attempts == 1
    assert queued_tasks(broker) == ["safeguard.outbox.tasks.relay_outbox"]
