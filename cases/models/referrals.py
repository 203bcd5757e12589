"""Stage 1: referrals (intelligence) and their research."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from accounts.models import Force

from .correctable import Correctable


class Referral(models.Model):
    class Source(models.TextChoices):
        NCA_CEOP = "nca_ceop", "NCA-CEOP package"
        P2P_MONITORING = "p2p_monitoring", "Peer-to-peer monitoring (e.g. Child Protection System)"
        UK_FORCE = "uk_force", "Another UK force"
        OVERSEAS = "overseas", "Overseas law enforcement"
        PARTNER_PUBLIC = "partner_public", "Partner or member of the public"

    class RiskGrade(models.TextChoices):
        VERY_HIGH = "very_high", "Very high"
        HIGH = "high", "High"
        MEDIUM = "medium", "Medium"
        LOW = "low", "Low"

    class Outcome(models.TextChoices):
        PENDING = "pending", "Being researched"
        DEVELOPED = "developed", "Developed into an investigation"
        DISSEMINATED = "disseminated", "Disseminated to another force"
        NO_FURTHER_ACTION = "nfa", "No further action"

    force = models.ForeignKey(Force, on_delete=models.PROTECT, related_name="referrals")
    source = models.CharField(max_length=20, choices=Source.choices)
    source_reference = models.CharField(max_length=80, help_text="e.g. the CEOP or CyberTipline reference.")
    received_at = models.DateTimeField()
    platform = models.CharField(max_length=120, blank=True, help_text="Service or network, e.g. BitTorrent.")
    files_reported = models.PositiveIntegerField(null=True, blank=True, help_text="A count only, never files.")
    risk_grade = models.CharField(max_length=10, choices=RiskGrade.choices)
    summary = models.TextField(blank=True)
    outcome = models.CharField(max_length=12, choices=Outcome.choices, default=Outcome.PENDING)
    outcome_at = models.DateTimeField(null=True, blank=True)
    outcome_reason = models.TextField(blank=True)
    disseminated_to = models.CharField(max_length=120, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    # Moves on with each correction (cases.services.versions). A referral is corrected, never
    # withdrawn: one received in error is closed with no further action.
    version = models.PositiveIntegerField(default=1, db_default=1)  # db_default: as cases.models.correctable

    class Meta:
        ordering = ["-received_at"]
        indexes = [models.Index(fields=["force", "outcome", "-received_at"], name="referral_force_outcome")]
        constraints = [
            models.UniqueConstraint(fields=["force", "source", "source_reference"], name="referral_unique_source_ref"),
            models.CheckConstraint(
                condition=Q(outcome="pending") | Q(outcome_at__isnull=False),
                name="referral_outcome_has_date",
            ),
            models.CheckConstraint(
                condition=~Q(outcome="nfa") | ~Q(outcome_reason=""),
                name="referral_nfa_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(outcome="disseminated") | ~Q(disseminated_to=""),
                name="referral_disseminated_has_recipient",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_source_display()} {self.source_reference}"


class ReferralIdentifier(Correctable):
    """An identifier the referral names: an IP address seen at a time, an online account, a phone
    number or an e-mail address. The last three are held in `account_id`, normalised
    (cases.identifiers: phone numbers in E.164, e-mail addresses in lower case)."""

    class Kind(models.TextChoices):
        IP_ADDRESS = "ip", "IP address"
        ACCOUNT = "account", "Account ID"
        PHONE = "phone", "Phone number"
        EMAIL = "email", "E-mail address"

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="identifiers")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    ip_address = models.GenericIPAddressField("IP address", null=True, blank=True)
    port = models.PositiveIntegerField(null=True, blank=True)
    account_id = models.CharField("account ID, phone number or e-mail address", max_length=200, blank=True)
    observed_at = models.DateTimeField(
        "time of observation", null=True, blank=True, help_text="Time of observation, stored in UTC."
    )
    observed_original = models.CharField(
        "time of observation, as the referral gives it",
        max_length=80,
        blank=True,
        help_text="The time exactly as the referral gives it.",
    )
    observed_timezone = models.CharField(
        "time zone of that time", max_length=64, blank=True, help_text="Time zone the referral's time is in."
    )

    class Meta(Correctable.Meta):
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="ip") | (Q(ip_address__isnull=False) & Q(observed_at__isnull=False)),
                name="identifier_ip_has_address_and_time",
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=["account", "phone", "email"]) | ~Q(account_id=""),
                name="identifier_account_has_id",
            ),
            models.CheckConstraint(condition=Q(port__isnull=True) | Q(port__lte=65535), name="identifier_port_range"),
        ]

    def __str__(self) -> str:
        if self.kind == self.Kind.IP_ADDRESS:
            return f"{self.ip_address}:{self.port}" if self.port else str(self.ip_address)
        return self.account_id


class CommsDataRequest(Correctable):
    """A communications-data request under the Investigatory Powers Act 2016 Part 3."""

    class Route(models.TextChoices):
        OCDA = "ocda", "Office for Communications Data Authorisations (OCDA)"
        URGENT = "urgent", "Urgent (designated senior officer)"

    class Outcome(models.TextChoices):
        PENDING = "pending", "Awaiting result"
        RESOLVED = "resolved", "Subscriber resolved"
        NOT_RESOLVED = "not_resolved", "Subscriber not resolved"

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="comms_requests")
    reference = models.CharField(max_length=80)
    submitted_at = models.DateTimeField()
    approved_at = models.DateTimeField(null=True, blank=True)
    approval_route = models.CharField(max_length=10, choices=Route.choices, blank=True)
    result_received_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=14, choices=Outcome.choices, default=Outcome.PENDING)
    time_verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Who checked the conversion of the observation time to UTC.",
    )
    notes = models.TextField(blank=True)

    class Meta(Correctable.Meta):
        ordering = ["submitted_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(approved_at__isnull=True) | Q(approved_at__gte=F("submitted_at")),
                name="cdr_approved_after_submitted",
            ),
            models.CheckConstraint(
                condition=Q(result_received_at__isnull=True) | Q(result_received_at__gte=F("submitted_at")),
                name="cdr_result_after_submitted",
            ),
            models.CheckConstraint(
                condition=Q(outcome="pending") | Q(result_received_at__isnull=False),
                name="cdr_outcome_has_result_date",
            ),
        ]

    def __str__(self) -> str:
        return self.reference
