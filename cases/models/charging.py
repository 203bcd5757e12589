"""Stage 7: charging submissions to the CPS, decisions and charges."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from .case import Case, Subject
from .choices import ImageCategory
from .correctable import Correctable
from .custody import Offence


class ChargingSubmission(Correctable):
    class Test(models.TextChoices):
        FULL_CODE = "full_code", "Full Code Test"
        THRESHOLD = "threshold", "Threshold Test"

    class Decision(models.TextChoices):
        PENDING = "pending", "Awaiting decision"
        CHARGE = "charge", "Charge"
        NO_FURTHER_ACTION = "nfa", "No further action"
        CAUTION = "caution", "Caution"
        FURTHER_EVIDENCE = "further_evidence", "Further evidence requested"

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="charging_submissions")
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="charging_submissions")
    submitted_at = models.DateTimeField()
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    test = models.CharField(max_length=10, choices=Test.choices)
    cps_reference = models.CharField("CPS reference", max_length=40, blank=True)
    decision = models.CharField(max_length=16, choices=Decision.choices, default=Decision.PENDING)
    decision_at = models.DateTimeField(null=True, blank=True)
    decision_notes = models.TextField(blank=True)

    class Meta(Correctable.Meta):
        ordering = ["submitted_at"]
        indexes = [
            # The decisions of the last target period kept if their case is in view (the dashboard's
            # charging table): read from the index alone.
            models.Index(fields=["decision", "decision_at"], include=["case"], name="charging_decision_at"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(decision="pending") & Q(decision_at__isnull=True))
                | (~Q(decision="pending") & Q(decision_at__isnull=False)),
                name="charging_decision_has_date",
            ),
            models.CheckConstraint(
                condition=Q(decision_at__isnull=True) | Q(decision_at__gte=F("submitted_at")),
                name="charging_decision_after_submission",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_test_display()} submission for {self.subject}"


class Charge(Correctable):
    submission = models.ForeignKey(ChargingSubmission, on_delete=models.PROTECT, related_name="charges")
    offence = models.ForeignKey(Offence, on_delete=models.PROTECT, related_name="charges")
    counts = models.PositiveSmallIntegerField(default=1)
    category = models.CharField(max_length=1, choices=ImageCategory.choices, blank=True)

    class Meta(Correctable.Meta):
        ordering = ["id"]
        constraints = [models.CheckConstraint(condition=Q(counts__gte=1), name="charge_at_least_one_count")]

    def __str__(self) -> str:
        return f"{self.counts} x {self.offence}"
