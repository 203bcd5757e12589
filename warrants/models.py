"""Stage 3: search warrants. Expiry is computed (PACE 1984 s.16(3)), never typed."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse

from cases.models import Case, Premises
from cases.models.correctable import Correctable


class Warrant(Correctable):
    class Power(models.TextChoices):
        PACE_S8 = "pace_s8", "Police and Criminal Evidence Act 1984 s.8"
        POCA_S4 = "poca_s4", "Protection of Children Act 1978 s.4"

    class Entry(models.TextChoices):
        SINGLE = "single", "Single entry"
        MULTIPLE = "multiple", "Multiple entry"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        APPLIED = "applied", "Applied"
        ISSUED = "issued", "Issued"
        REFUSED = "refused", "Refused"
        EXECUTED = "executed", "Executed"
        EXPIRED = "expired", "Expired"
        RETURNED = "returned", "Returned to court"

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="warrants")
    premises = models.ForeignKey(Premises, on_delete=models.PROTECT, related_name="warrants")
    power = models.CharField(max_length=8, choices=Power.choices)
    entry = models.CharField(max_length=8, choices=Entry.choices, default=Entry.SINGLE)
    court = models.CharField(max_length=120)
    # As the court writes them, normalised (cases.identifiers.normalise_document_reference); both
    # optional, both in the identifier index (docs/search.md).
    warrant_reference = models.CharField(max_length=40, blank=True, help_text="The number on the warrant.")
    court_reference = models.CharField(
        "Court reference", max_length=40, blank=True, help_text="The issuing court's own reference."
    )
    applicant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    applied_at = models.DateTimeField(null=True, blank=True)
    issuing_justice = models.CharField(max_length=120, blank=True)
    issued_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    refused_at = models.DateTimeField(null=True, blank=True)
    refusal_reason = models.TextField(blank=True)
    executed_at = models.DateTimeField(null=True, blank=True)
    executed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    persons_present = models.TextField(blank=True, help_text="Everyone who entered, e.g. forensic staff (s.16(2A)).")
    result = models.TextField(blank=True)
    returned_at = models.DateTimeField(null=True, blank=True)

    class Meta(Correctable.Meta):
        ordering = ["-applied_at", "-id"]
        indexes = [
            models.Index(fields=["status", "expires_at"], name="warrant_status_expires"),
            models.Index(fields=["case", "status"], name="warrant_case_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__isnull=True) | Q(expires_at__gt=F("issued_at")),
                name="warrant_expires_after_issue",
            ),
            models.CheckConstraint(
                condition=Q(issued_at__isnull=True) | Q(expires_at__isnull=False),
                name="warrant_issued_has_expiry",
            ),
            models.CheckConstraint(
                condition=Q(issued_at__isnull=True) | (Q(applied_at__isnull=False) & Q(issued_at__gte=F("applied_at"))),
                name="warrant_issued_after_applied",
            ),
            models.CheckConstraint(
                condition=Q(executed_at__isnull=True)
                | (
                    Q(issued_at__isnull=False)
                    & Q(executed_at__gte=F("issued_at"))
                    & Q(executed_at__lte=F("expires_at"))
                ),
                name="warrant_executed_within_validity",
            ),
            models.CheckConstraint(
                condition=Q(returned_at__isnull=True) | Q(returned_at__gte=F("issued_at")),
                name="warrant_returned_after_issue",
            ),
            models.CheckConstraint(
                condition=~Q(status="refused") | Q(refused_at__isnull=False),
                name="warrant_refused_has_date",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["issued", "executed", "expired", "returned"]) | Q(issued_at__isnull=False),
                name="warrant_status_needs_issue",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_power_display()} warrant for {self.premises}"

    def get_absolute_url(self) -> str:
        return reverse("warrants:detail", kwargs={"reference": self.case.reference, "pk": self.pk})


class FurtherEntryAuthority(Correctable):
    """An inspector's written authority for a further entry under a multiple-entry warrant (PACE s.16(3A)-(3B)).
    Corrected and withdrawn as entered in error like the warrant (warrants.corrections)."""

    warrant = models.ForeignKey(Warrant, on_delete=models.PROTECT, related_name="further_entries")
    authorised_by = models.CharField(max_length=120, help_text="Inspector's name.")
    authorised_at = models.DateTimeField()
    entered_at = models.DateTimeField(null=True, blank=True)

    class Meta(Correctable.Meta):
        ordering = ["authorised_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(entered_at__isnull=True) | Q(entered_at__gte=F("authorised_at")),
                name="further_entry_after_authority",
            ),
        ]

    def __str__(self) -> str:
        return f"Further entry authorised by {self.authorised_by}"
