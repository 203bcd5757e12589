"""API clients: the systems around a unit (referral intake, records systems, the region's figures)
that call Safeguard's API (docs/api.md). A client belongs to one force and holds scopes; it proves
itself with a bearer token, of which only a SHA-256 hash and a short public prefix are kept."""

from datetime import datetime

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone

from accounts.models import Force


class Scope(models.TextChoices):
    REFERRAL_INTAKE = "referral_intake", "Referral intake"
    READ_CASES = "read_cases", "Read cases"
    READ_DEADLINES = "read_deadlines", "Read deadlines"
    READ_FIGURES = "read_figures", "Read figures"


class ApiClient(models.Model):
    force = models.ForeignKey(Force, on_delete=models.PROTECT, related_name="api_clients")
    name = models.CharField(max_length=100, unique=True, help_text="e.g. NCA referral intake.")
    scopes = ArrayField(models.CharField(max_length=20, choices=Scope.choices))
    # The token is `<prefix>.<secret>`: the prefix finds the client, the secret's hash proves it.
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    token_hash = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    # A referral is recorded by a person (Referral.created_by), who is told of its deconfliction
    # matches: for a client with the referral intake scope, the person of its force it records for.
    records_for = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Referral intake: who the referrals it delivers are recorded for, and told of their matches.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def audit_name(self) -> str:
        """How the audit trail names the client as the actor of what it does."""
        return f"api:{self.name}"

    def is_usable(self, *, now: datetime) -> bool:
        """Neither revoked nor expired at `now`."""
        return self.revoked_at is None and self.expires_at > now


class IdempotentDelivery(models.Model):
    """A referral delivered with an `Idempotency-Key` (docs/api.md): a retry with the same key and
    the same body is answered with the first answer, and records nothing again. The unique key per
    client is what makes two deliveries at once safe: the second waits on the first's row."""

    client = models.ForeignKey(ApiClient, on_delete=models.PROTECT, related_name="deliveries")
    key = models.CharField(max_length=200)
    # SHA-256 of the body as JSON with its keys sorted: the same data, however spaced or ordered.
    body_hash = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField()
    response = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["client", "key"], name="idempotent_delivery_unique_key")]

    def __str__(self) -> str:
        return f"{self.client} {self.key}"
