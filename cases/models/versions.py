"""Corrections of recorded facts: every version of a record, and records withdrawn as entered in error.

A recorded fact is corrected in place (the row holds the current values, so every page, deadline,
summary and figure reads them as they now stand), and each correction is kept as a `RecordVersion`:
when, who, why, and each field's value before and after, in words. The first entry is version 1;
each correction, withdrawal, reopening or closing again makes the next. Nothing is deleted: a record
entered in error is withdrawn (`withdrawn_at`), which leaves it in its history and on the case page,
struck through, but out of the deadlines and figures. The audit trail keeps its own row-level copy
of every change as well (audit/triggers.py).

A version belongs to the case its record is on, or, for a referral not developed into a case and its
identifiers and communications-data requests, to the referral: such a referral has no case to keep
it. Once the referral is developed, its records' next versions belong to the case, numbered on from
the referral's (`cases.services.corrections.versions_of` reads both).
"""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone

from .case import Case, CaseLogEntry
from .referrals import Referral

# The record types (cases.corrections.RECORD_TYPES) that can be corrected while their referral has no
# case: the referral itself and its research. No other type has a version without a case.
REFERRAL_RECORD_TYPES = ("referral", "referral_identifier", "comms_request")


class RecordVersion(models.Model):
    """One change to a record after it was first entered. Written only by cases.services.corrections."""

    class Kind(models.TextChoices):
        CORRECTED = "corrected", "Corrected"
        WITHDRAWN = "withdrawn", "Withdrawn: entered in error"
        REOPENED = "reopened", "Case reopened"
        CLOSED_AGAIN = "closed_again", "Case closed again"

    # Exactly one of the two: the case, or the referral not developed into a case.
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.PROTECT, related_name="record_versions")
    # Not indexed alone: the referral's unique constraint below leads with it.
    referral = models.ForeignKey(
        Referral, null=True, blank=True, db_index=False, on_delete=models.PROTECT, related_name="record_versions"
    )
    # The kind of record, a key of cases.corrections.RECORD_TYPES ("arrest", "hearing", ...).
    record_type = models.CharField(max_length=40)
    record_id = models.BigIntegerField()
    # The version of the record this change made: 2 for the first change (the first entry is version 1).
    # Counted per record, not the row's optimistic `version`, which other writes move on too.
    number = models.PositiveIntegerField()
    kind = models.CharField(max_length=16, choices=Kind.choices)
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    # [{"field": name, "label": label, "before": shown value, "after": shown value}], in the form's order.
    changes = models.JSONField(default=list, encoder=DjangoJSONEncoder)
    # The case-log line that says the record was corrected (reached from the log to this history);
    # none for a referral's version: a referral has no case log, its page lists its versions.
    log_entry = models.OneToOneField(
        CaseLogEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="record_version"
    )

    class Meta:
        ordering = ["record_type", "record_id", "number"]
        constraints = [
            # Also the index the history page reads, a record's versions in order.
            models.UniqueConstraint(
                fields=["case", "record_type", "record_id", "number"], name="record_version_once_per_number"
            ),
            # The same for the versions kept on a referral not developed into a case.
            models.UniqueConstraint(
                fields=["referral", "record_type", "record_id", "number"],
                name="record_version_once_per_number_on_referral",
            ),
            models.CheckConstraint(condition=~models.Q(reason=""), name="record_version_has_reason"),
            models.CheckConstraint(
                condition=(models.Q(case__isnull=False) & models.Q(referral__isnull=True))
                | (
                    models.Q(case__isnull=True)
                    & models.Q(referral__isnull=False)
                    & models.Q(record_type__in=REFERRAL_RECORD_TYPES)
                ),
                name="record_version_of_case_or_referral",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.record_type} {self.record_id} version {self.number}: {self.get_kind_display()}"
