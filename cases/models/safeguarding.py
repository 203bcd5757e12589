"""Stage 9: safeguarding. Children are counted and referred to by pseudonymous reference only."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from .case import Case
from .correctable import Correctable


class SafeguardingReferral(Correctable):
    class Relationship(models.TextChoices):
        OWN_CHILD = "own_child", "Own child"
        STEP_CHILD = "step_child", "Stepchild or partner's child"
        RELATIVE = "relative", "Other relative"
        HOUSEHOLD = "household", "Lives in or visits the household"
        PROFESSIONAL = "professional", "Through work or volunteering"
        OTHER = "other", "Other"

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="safeguarding_referrals")
    pseudonymous_reference = models.CharField(max_length=40, help_text="Never a name: e.g. CHILD-A.")
    children_count = models.PositiveSmallIntegerField(help_text="Children with access to the suspect.")
    relationship = models.CharField(max_length=14, choices=Relationship.choices)
    mash_referred_at = models.DateTimeField("MASH referred at", null=True, blank=True)
    mash_reference = models.CharField("MASH reference", max_length=40, blank=True)
    strategy_discussion = models.BooleanField(default=False)
    section_47_enquiry = models.BooleanField("Section 47 enquiry", default=False)
    children_safeguarded = models.PositiveSmallIntegerField(
        default=0,
        help_text="Children subject to a joint police and children's services safeguarding response.",
    )
    outcome = models.TextField(blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta(Correctable.Meta):
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "pseudonymous_reference"], name="safeguarding_unique_reference"),
            models.CheckConstraint(
                condition=Q(children_safeguarded__lte=F("children_count")),
                name="safeguarding_safeguarded_within_count",
            ),
            models.CheckConstraint(
                condition=Q(children_safeguarded=0) | Q(mash_referred_at__isnull=False),
                name="safeguarding_safeguarded_needs_mash_referral",
            ),
        ]

    def __str__(self) -> str:
        return self.pseudonymous_reference
