"""Reminders of deadlines: an in-app inbox, each also sent by e-mail (docs/deadlines.md)."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from .case import Case


class Notification(models.Model):
    """One reminder to one person about one deadline reaching one threshold.

    The unique constraint is what makes reminders happen once: however often the sweep runs or is
    retried, a second insert for the same recipient, deadline and threshold does nothing.
    """

    class Threshold(models.TextChoices):
        DUE_SOON = "due_soon", "Due soon"
        MISSED = "missed", "Missed"

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="notifications")
    deadline_key = models.CharField(max_length=200, help_text="Kind, record and due time of the deadline.")
    threshold = models.CharField(max_length=10, choices=Threshold.choices)
    kind = models.CharField(max_length=30)
    label = models.CharField(max_length=300)
    due_at = models.DateTimeField()
    source = models.CharField(max_length=200)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_recipient_read")]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "deadline_key", "threshold"], name="notification_once_per_threshold"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_threshold_display()}: {self.label}"
