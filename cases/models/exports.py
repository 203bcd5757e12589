"""Exports of the unit's figures that run in the background (cases.tasks.figures_export_run).

The CSV is kept in the database as text: Safeguard writes no files. Only the person who asked for
an export may see it or download it (`cases.permissions.get_export_job_for_user`).
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone


class ExportJob(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Running"
        DONE = "done", "Ready to download"
        FAILED = "failed", "Failed"

    class Kind(models.TextChoices):
        FIGURES = "figures", "Figures, month by month"

    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.FIGURES)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="export_jobs")
    # What was asked for, as JSON: {"date_from": "2026-01-01", "date_to": "2026-03-31"}.
    parameters = models.JSONField(default=dict)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    result = models.TextField(blank=True, help_text="The CSV, as text.")
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The run that holds the export (one delivery of its task) and when it last said it was alive:
    # a run whose heartbeat stops is resumed by another from `progress_done` (reports/services.py).
    run_id = models.CharField(max_length=32, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["requested_by", "-created_at"], name="exportjob_requester_created")]
        constraints = [
            models.CheckConstraint(condition=Q(progress_done__lte=F("progress_total")), name="exportjob_done_le_total"),
            models.CheckConstraint(
                condition=Q(status__in=["done", "failed"], finished_at__isnull=False)
                | (~Q(status__in=["done", "failed"]) & Q(finished_at__isnull=True)),
                name="exportjob_finished_when_ended",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} export {self.pk} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return reverse("reports:figures_export", kwargs={"pk": self.pk})

    @property
    def running(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)
