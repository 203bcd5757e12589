"""Stage 10: closure with a Home Office outcome, and Management of Police Information review."""

from django.conf import settings
from django.db import models

from .case import Case


class Closure(models.Model):
    class OutcomeType(models.TextChoices):
        """Home Office crime outcome types, as recorded in police systems."""

        CHARGED = "1", "1: Charged or summonsed"
        CAUTION_YOUTH = "2", "2: Caution (youth)"
        CAUTION_ADULT = "3", "3: Caution (adult)"
        TAKEN_INTO_CONSIDERATION = "4", "4: Taken into consideration"
        OFFENDER_DIED = "5", "5: Offender died"
        COMMUNITY_RESOLUTION = "8", "8: Community resolution"
        NOT_IN_PUBLIC_INTEREST_CPS = "9", "9: Prosecution not in the public interest (CPS)"
        NOT_IN_PUBLIC_INTEREST_POLICE = "10", "10: Formal action not in the public interest (police)"
        PREVENTED_UNDER_AGE = "11", "11: Prosecution prevented: suspect under age"
        PREVENTED_SUSPECT_ILL = "12", "12: Prosecution prevented: suspect too ill"
        PREVENTED_WITNESS = "13", "13: Prosecution prevented: victim or key witness unavailable"
        EVIDENTIAL_NO_SUSPECT = "14", "14: Evidential difficulties: suspect not identified"
        EVIDENTIAL_SUSPECT_IDENTIFIED = "15", "15: Evidential difficulties: suspect identified"
        EVIDENTIAL_VICTIM_NOT_SUPPORTING = "16", "16: Evidential difficulties: victim does not support action"
        TIME_LIMIT_EXPIRED = "17", "17: Prosecution time limit expired"
        NO_SUSPECT_IDENTIFIED = "18", "18: Investigation complete: no suspect identified"
        ANOTHER_BODY = "20", "20: Further action by another body"
        FURTHER_INVESTIGATION_NOT_IN_PUBLIC_INTEREST = "21", "21: Further investigation not in the public interest"
        DIVERSIONARY = "22", "22: Diversionary, educational or intervention activity"

    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="closure")
    outcome_type = models.CharField("Home Office outcome type", max_length=3, choices=OutcomeType.choices)
    closed_at = models.DateTimeField()
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    rationale = models.TextField()
    # Moves on with each reopening and closing again (cases.services.versions); the values each
    # closing had are kept in the closure's history (cases.models.versions.RecordVersion).
    version = models.PositiveIntegerField(default=1, db_default=1)  # db_default: as cases.models.correctable
    # Set while the case is reopened; cleared when it is closed again.
    reopened_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-closed_at"]

    def __str__(self) -> str:
        return f"{self.case} closed: outcome {self.outcome_type}"


class RetentionReview(models.Model):
    """A MoPI review: the retention group and when the record must next be reviewed."""

    class Group(models.TextChoices):
        GROUP_1 = "1", "Group 1: certain public protection matters (includes sexual offences)"
        GROUP_2 = "2", "Group 2: other sexual, violent or serious offences"
        GROUP_3 = "3", "Group 3: all other offences"

    class Decision(models.TextChoices):
        SET = "set", "Retention group set at closure"
        RETAIN = "retain", "Retain and review again"
        DISPOSE = "dispose", "Dispose"

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="retention_reviews")
    retention_group = models.CharField(max_length=1, choices=Group.choices)
    decision = models.CharField(max_length=8, choices=Decision.choices)
    reviewed_at = models.DateTimeField()
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    rationale = models.TextField()
    next_review_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-reviewed_at"]
        indexes = [models.Index(fields=["next_review_at"], name="retention_next_review")]

    def __str__(self) -> str:
        return f"{self.case} MoPI group {self.retention_group}"


class ClosureConfirmation(models.Model):
    """A supervisor's confirmation that a case may close although something was outstanding at the
    closing time (a hearing listed ahead, pre-charge bail running, a forensic examination not
    completed), with the reason. Made only by `cases.services.closure.case_close`."""

    closure = models.ForeignKey(Closure, on_delete=models.PROTECT, related_name="confirmations")
    item_key = models.CharField(max_length=40, help_text="What was outstanding, e.g. bail-12.")
    item = models.TextField(help_text="What was outstanding, in words, at the closing time.")
    reason = models.TextField()
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # The closure's version when it was confirmed: a case closed again after reopening is confirmed again.
    closing = models.PositiveIntegerField(default=1, db_default=1)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["closure", "closing", "item_key"], name="closure_confirmation_once_per_item"
            ),
            models.CheckConstraint(condition=~models.Q(reason=""), name="closure_confirmation_has_reason"),
        ]

    def __str__(self) -> str:
        return f"Closure confirmed although {self.item}"
