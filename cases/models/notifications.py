"""The in-app inbox: reminders of deadlines, each also sent by e-mail (docs/deadlines.md), and
deconfliction matches (docs/search.md)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
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
        # Not a deadline: an identifier on the recipient's case or referral matches one held
        # elsewhere (cases.services.identifiers). `match` says which; `case` is the recipient's own
        # case, if the identifier is on a case.
        MATCH = "match", "Deconfliction match"

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.PROTECT, related_name="notifications")
    match = models.ForeignKey(
        "cases.DeconflictionMatch", null=True, blank=True, on_delete=models.PROTECT, related_name="notifications"
    )
    deadline_key = models.CharField(max_length=200, help_text="Kind, record and due time of the deadline.")
    threshold = models.CharField(max_length=10, choices=Threshold.choices)
    kind = models.CharField(max_length=30)
    label = models.CharField(max_length=300)
    due_at = models.DateTimeField(null=True, blank=True)
    source = models.CharField(max_length=200)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    # Not columns: set on a reminder shown in the inbox or My work (cases.services.notifications):
    # whether its deadline or task no longer needs anyone, and where it is dealt with.
    cleared: bool
    link: str

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_recipient_read"),
            # A person's unread reminders, newest first (My work): read in order and cut by LIMIT,
            # however many they have, not all of them sorted on every request.
            models.Index(
                fields=["recipient", "-created_at", "-id"],
                condition=Q(read_at__isnull=True),
                name="notification_unread_newest",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "deadline_key", "threshold"], name="notification_once_per_threshold"
            ),
            models.CheckConstraint(
                condition=Q(threshold="match", match__isnull=False)
                | (~Q(threshold="match") & Q(case__isnull=False, due_at__isnull=False)),
                name="notification_deadline_or_match",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_threshold_display()}: {self.label}"
