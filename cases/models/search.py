"""Stage 4: search and on-scene triage of devices. Image counts are numbers only."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from cases.formats import when

from .case import Case, Premises
from .choices import ImageCategory
from .correctable import Correctable


class Search(Correctable):
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="searches")
    warrant = models.ForeignKey(
        "warrants.Warrant", null=True, blank=True, on_delete=models.PROTECT, related_name="searches"
    )
    premises = models.ForeignKey(Premises, on_delete=models.PROTECT, related_name="searches")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    officer_in_charge = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    notes = models.TextField(blank=True)

    class Meta(Correctable.Meta):
        ordering = ["started_at"]
        verbose_name_plural = "searches"
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=F("started_at")),
                name="search_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"Search of {self.premises} at {when(self.started_at)}"


class Device(Correctable):
    class Type(models.TextChoices):
        COMPUTER = "computer", "Computer"
        LAPTOP = "laptop", "Laptop"
        PHONE = "phone", "Phone"
        TABLET = "tablet", "Tablet"
        STORAGE = "storage", "Storage"
        OTHER = "other", "Other"

    class Action(models.TextChoices):
        PREVIEWED = "previewed", "Previewed"
        SEIZED = "seized", "Seized"
        LEFT = "left", "Left at scene"

    class TriageResult(models.TextChoices):
        NOT_EXAMINED = "not_examined", "Not examined"
        POSITIVE = "positive", "Positive"
        NEGATIVE = "negative", "Negative"
        INCONCLUSIVE = "inconclusive", "Inconclusive"
        ENCRYPTED = "encrypted", "Encrypted or locked"

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="devices")
    search = models.ForeignKey(Search, null=True, blank=True, on_delete=models.PROTECT, related_name="devices")
    exhibit_reference = models.CharField(max_length=40)
    device_type = models.CharField(max_length=10, choices=Type.choices)
    make_model = models.CharField(max_length=120, blank=True)
    action = models.CharField(max_length=10, choices=Action.choices)
    triage_result = models.CharField(max_length=14, choices=TriageResult.choices, default=TriageResult.NOT_EXAMINED)
    examiner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="devices_examined"
    )
    triaged_at = models.DateTimeField(null=True, blank=True)
    forensic_requested_at = models.DateTimeField(null=True, blank=True)
    forensic_completed_at = models.DateTimeField(null=True, blank=True)
    notes = models.TextField(blank=True)

    class Meta(Correctable.Meta):
        ordering = ["exhibit_reference"]
        indexes = [
            models.Index(
                fields=["forensic_requested_at"],
                name="device_forensic_outstanding",
                condition=Q(forensic_requested_at__isnull=False, forensic_completed_at__isnull=True),
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["case", "exhibit_reference"], name="device_unique_exhibit_per_case"),
            models.CheckConstraint(
                condition=Q(triage_result="not_examined") | Q(triaged_at__isnull=False),
                name="device_triage_result_has_time",
            ),
            models.CheckConstraint(
                condition=Q(forensic_completed_at__isnull=True)
                | (Q(forensic_requested_at__isnull=False) & Q(forensic_completed_at__gte=F("forensic_requested_at"))),
                name="device_forensic_completed_after_request",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.exhibit_reference} ({self.get_device_type_display()})"


class ImageCount(models.Model):
    """`count[category][kind]` for one device, from one source. A number, never an image or hash."""

    class Kind(models.TextChoices):
        STILL = "still", "Still"
        MOVING = "moving", "Moving"

    class Source(models.TextChoices):
        TRIAGE = "triage", "On-scene triage"
        CAID = "caid", "CAID match"
        FORENSIC = "forensic", "Forensic report"

    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="image_counts")
    category = models.CharField(max_length=1, choices=ImageCategory.choices)
    kind = models.CharField(max_length=6, choices=Kind.choices)
    source = models.CharField(max_length=10, choices=Source.choices)
    count = models.PositiveIntegerField()

    class Meta:
        ordering = ["source", "category", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["device", "source", "category", "kind"], name="imagecount_unique_cell"),
        ]

    def __str__(self) -> str:
        return f"{self.category}/{self.kind}: {self.count} ({self.get_source_display()})"
