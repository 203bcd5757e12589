"""Stage 8: court hearings."""

from django.db import models

from .case import Case, Subject
from .correctable import Correctable


class CourtHearing(Correctable):
    class Type(models.TextChoices):
        FIRST_APPEARANCE = "first_appearance", "First appearance"
        PLEA = "plea", "Plea"
        TRIAL = "trial", "Trial"
        SENTENCE = "sentence", "Sentence"

    class RemandStatus(models.TextChoices):
        NOT_SET = "", "Not recorded"
        UNCONDITIONAL_BAIL = "unconditional_bail", "Unconditional bail"
        CONDITIONAL_BAIL = "conditional_bail", "Conditional bail"
        CUSTODY = "custody", "Remanded in custody"

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="hearings")
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="hearings")
    court = models.CharField(max_length=120)
    hearing_at = models.DateTimeField()
    hearing_type = models.CharField(max_length=18, choices=Type.choices)
    outcome = models.TextField(blank=True)
    remand_status = models.CharField(max_length=20, choices=RemandStatus.choices, blank=True)
    notification_requirements = models.BooleanField(
        default=False, help_text="Convicted: notification requirements apply (Sexual Offences Act 2003 s.80)."
    )
    shpo_made = models.BooleanField("SHPO made", default=False, help_text="Sexual Harm Prevention Order made.")

    class Meta(Correctable.Meta):
        ordering = ["hearing_at"]
        indexes = [models.Index(fields=["hearing_type", "hearing_at"], name="hearing_type_at")]

    def __str__(self) -> str:
        return f"{self.get_hearing_type_display()} at {self.court}"
