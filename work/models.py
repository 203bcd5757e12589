"""Work on a case: tasks (what, whose, by when) and supervisors' reviews of a case (docs/work.md).

A task is made by a person, or suggested by the rules when a stage is recorded (`work.rules`) and
then accepted or dismissed by a person. Every write goes through `work.services`; the tables carry
the audit trigger like the rest of a case's records (audit/triggers.py, AUDITED_APPS).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from cases.models import Case


class Task(models.Model):
    class Status(models.TextChoices):
        SUGGESTED = "suggested", "Suggested"
        OPEN = "open", "To do"
        DONE = "done", "Done"
        DISMISSED = "dismissed", "Dismissed"

    class Priority(models.TextChoices):
        HIGH = "high", "High"
        NORMAL = "normal", "Normal"
        LOW = "low", "Low"

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="tasks")
    title = models.CharField("What", max_length=200)
    details = models.TextField(blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="tasks", db_index=False)
    due_on = models.DateField("Due date")
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    # The rule that suggested it (`work.rules.SUGGESTIONS`), or "" for a task a person made.
    suggested_by = models.CharField(max_length=40, blank=True)
    completion_note = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True)
    created_at = models.DateTimeField(default=timezone.now)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    review = models.ForeignKey(
        "work.SupervisoryReview", null=True, blank=True, on_delete=models.PROTECT, related_name="actions"
    )

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [
            # My work: a person's tasks still to do (or to accept), soonest due first.
            models.Index(
                fields=["owner", "due_on", "id"],
                condition=Q(status__in=["open", "suggested"]),
                name="task_owner_outstanding",
            ),
            models.Index(fields=["case", "status"], name="task_case_status"),
            # The reminder sweep: tasks to do that have fallen due.
            models.Index(fields=["due_on"], condition=Q(status="open"), name="task_open_due"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["done", "dismissed"], closed_at__isnull=False)
                | (Q(status__in=["open", "suggested"]) & Q(closed_at__isnull=True)),
                name="task_closed_when_done_or_dismissed",
            ),
            models.CheckConstraint(condition=~Q(status="done") | ~Q(completion_note=""), name="task_done_with_note"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("work:task_detail", kwargs={"pk": self.pk})

    @property
    def outstanding(self) -> bool:
        return self.status in (self.Status.OPEN, self.Status.SUGGESTED)


class TaskReassignment(models.Model):
    """A task moved from one person to another, and why (kept, not overwritten, so the task's page
    shows every move)."""

    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="reassignments")
    from_owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    to_owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]
        constraints = [models.CheckConstraint(condition=~Q(reason=""), name="task_reassignment_has_reason")]

    def __str__(self) -> str:
        return f"{self.task_id}: {self.from_owner_id} to {self.to_owner_id}"


class SupervisoryReview(models.Model):
    """A supervisor's review of a case: when, what was decided, and when it is next due. The actions
    set are tasks (`Task.review`)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="supervisory_reviews", db_index=False)
    reviewed_on = models.DateField()
    stage = models.CharField(max_length=16, choices=Case.Stage.choices, help_text="The case's stage when reviewed.")
    decision = models.TextField()
    next_review_on = models.DateField()
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-reviewed_on", "-id"]
        indexes = [models.Index(fields=["case", "-reviewed_on", "-id"], name="review_case_latest")]
        constraints = [
            models.CheckConstraint(
                condition=Q(next_review_on__gt=models.F("reviewed_on")), name="review_next_after_review"
            ),
        ]

    def __str__(self) -> str:
        return f"Review of {self.case_id} on {self.reviewed_on:%Y-%m-%d}"
