"""Summaries kept up to date by Celery, so the dashboard and the deadlines page read a few indexed
rows instead of computing every open case's deadlines on each request (docs/performance.md).

They are derived data: every value is recomputed from the audited case records by
`cases.services.summaries`, they hold nothing that is not in those records, and they are not
audited themselves (audit/triggers.py, `DERIVED_MODELS`). A case changed since the last refresh is
never read from here: its deadlines are computed afresh (`cases.deadlines.deadlines_due_for`).
"""

from django.db import models

from .case import Case


class OutstandingDeadline(models.Model):
    """One outstanding deadline of an open case (not met, not lapsed), as `case_deadlines` computed
    it at the last refresh. Its status (due soon, missed) is worked out when it is read."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=30)
    label = models.TextField()
    due_at = models.DateTimeField()
    source = models.CharField(max_length=200)
    note = models.TextField(blank=True)
    url = models.CharField(max_length=300, blank=True)
    record_type = models.CharField(max_length=100, help_text="The record's model, e.g. cases.arrest.")
    record_id = models.BigIntegerField()

    class Meta:
        indexes = [
            models.Index(fields=["case", "due_at"], name="outstanding_deadline_case_due"),
            # For the deadlines that fell due since the last refresh.
            models.Index(fields=["due_at"], name="outstanding_deadline_due"),
        ]

    def __str__(self) -> str:
        return f"{self.label} (due {self.due_at:%Y-%m-%d %H:%M} UTC)"


class SummaryState(models.Model):
    """How far a summary has been brought up to date: every case write recorded in the audit trail
    up to `audit_watermark` (an audit entry id) is in it. Audit ids are given under the chain's lock,
    held to commit, so every entry up to the highest visible id has committed (audit/0002)."""

    name = models.CharField(max_length=40, primary_key=True)
    audit_watermark = models.BigIntegerField(default=0)
    refreshed_at = models.DateTimeField(null=True, blank=True)
    full_refresh_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} up to audit entry {self.audit_watermark}"
