"""Writing to the outbox and relaying it to Celery (docs/deadlines.md, "The outbox").

`outbox_enqueue` records a task in the caller's transaction, so the task exists exactly when the
change that asked for it was committed, and asks for it to be published right after the commit.
If the broker (Redis) cannot be reached then, the row stays pending and `outbox_relay`, run in a
loop by `manage.py relay_outbox` (Procfile) and every minute by Celery beat, publishes it once the
broker is back. A row may be published twice if the relay dies between publishing and marking it:
every task sent this way is safe to run twice.
"""

import logging
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from safeguard.celery import app
from safeguard.outbox.models import OutboxMessage

logger = logging.getLogger(__name__)
BATCH = 100
# Give up on an unreachable broker within a fraction of a second rather than kombu's default of
# retrying for seconds: the relay runs after a web request's commit, and the row waits anyway.
FAIL_FAST = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}


@dataclass(frozen=True)
class RelayReport:
    published: int
    failed: bool
    error: str = ""


def outbox_enqueue(task: str, *args: int | str) -> OutboxMessage:
    """Record `task(*args)` in the current transaction; it is published only after the commit."""
    message = OutboxMessage.objects.create(task=task, args=list(args))
    transaction.on_commit(lambda: outbox_relay(ids=[message.pk]), robust=True)
    return message


def outbox_enqueue_each(task: str, ids: list[int]) -> list[OutboxMessage]:
    """Record `task(id)` for each of `ids` in the current transaction, in one statement; as
    `outbox_enqueue`, published only after the commit."""
    messages = OutboxMessage.objects.bulk_create(OutboxMessage(task=task, args=[pk]) for pk in ids)
    if messages:
        transaction.on_commit(lambda: outbox_relay(ids=[message.pk for message in messages]), robust=True)
    return messages


def outbox_relay(*, ids: list[int] | None = None, limit: int = BATCH, broker_url: str | None = None) -> RelayReport:
    """Publish pending messages, oldest first, each in its own short transaction.

    Each row is claimed with SELECT ... FOR UPDATE SKIP LOCKED, so relays running at once never
    publish the same row together. At the first failure to reach the broker the row keeps its place
    (with the error and one more attempt counted) and the relay stops until its next round.
    """
    pending = OutboxMessage.objects.filter(published_at__isnull=True)
    if ids is not None:
        pending = pending.filter(pk__in=ids)
    candidates = list(pending.order_by("pk").values_list("pk", flat=True)[:limit])
    published = 0
    if not candidates:
        return RelayReport(published=0, failed=False)
    with app.connection_for_write(url=broker_url, transport_options=FAIL_FAST) as connection:
        for pk in candidates:
            with transaction.atomic():
                message = (
                    OutboxMessage.objects.select_for_update(skip_locked=True)
                    .filter(pk=pk, published_at__isnull=True)
                    .first()
                )
                if message is None:
                    continue  # published meanwhile, or being published by another relay
                try:
                    app.send_task(
                        message.task, args=message.args, connection=connection, retry=False, ignore_result=True
                    )
                except Exception as error:
                    message.attempts += 1
                    message.last_error = f"{type(error).__name__}: {error}"[:1000]
                    message.save(update_fields=["attempts", "last_error"])
                    logger.debug("Outbox: broker unreachable, %s left pending: %s", message, error)
                    return RelayReport(published=published, failed=True, error=message.last_error)
                message.published_at = timezone.now()
                message.attempts += 1
                message.save(update_fields=["published_at", "attempts"])
                published += 1
    return RelayReport(published=published, failed=False)
