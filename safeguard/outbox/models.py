"""The transactional outbox: background work recorded in the same transaction as the change that
asks for it, and published to Celery only once that transaction has committed (docs/deadlines.md)."""

from django.db import models
from django.db.models import Q
from django.utils import timezone


class OutboxMessage(models.Model):
    """A task to send: its name and JSON arguments (ids, never records). Pending while
    `published_at` is empty; the relay publishes pending rows and fills it in."""

    task = models.CharField(max_length=200)
    args = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["id"], name="outbox_pending", condition=Q(published_at__isnull=True))]

    def __str__(self) -> str:
        state = "published" if self.published_at else "pending"
        return f"{self.task}{tuple(self.args)} ({state})"
