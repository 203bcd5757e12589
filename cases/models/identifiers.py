"""The identifier index (one search over every record) and deconfliction matches.

`IndexedIdentifier` holds every identifier recorded anywhere (references, people, addresses, phone
numbers, e-mail addresses, accounts, IP addresses, exhibits) in its normalised form
(`cases.identifiers`), with the case or referral it belongs to and its force. It is written by the
services that record the identifiers, in the same transaction (`cases.services.identifiers`), and
can be rebuilt from the records (`manage.py identifiers_reindex`): it holds nothing of its own.
A correction or a withdrawal brings a record's rows up to date the same way; the rows of values it
no longer holds are kept, superseded (`superseded_at`), and only current rows are searched and matched.

A `DeconflictionMatch` is one pair of index rows of different investigations that name the same
identifier; a `DeconflictionDecision` is a person confirming ("same suspect") or undoing the link.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from accounts.models import Force

from .case import Case
from .referrals import Referral


class IndexedIdentifier(models.Model):
    class Kind(models.TextChoices):
        CASE_REFERENCE = "case_reference", "Case reference"
        EXTERNAL_REFERENCE = "external_reference", "External reference"
        COMMS_REFERENCE = "comms_reference", "Communications-data request reference"
        PERSON = "person", "Person"
        PNC_ID = "pnc_id", "PNC ID"
        ADDRESS = "address", "Address"
        POSTCODE = "postcode", "Postcode"
        PHONE = "phone", "Phone number"
        EMAIL = "email", "E-mail address"
        ACCOUNT = "account", "Online account"
        IP_ADDRESS = "ip", "IP address"
        EXHIBIT = "exhibit", "Exhibit reference"
        WARRANT_REFERENCE = "warrant_reference", "Warrant reference"
        COURT_REFERENCE = "court_reference", "Court reference"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    # Normalised (cases.identifiers); what searches and deconfliction compare.
    value = models.CharField(max_length=300)
    # As recorded, for showing.
    shown = models.CharField(max_length=300)
    # A person's date of birth: a person matches another only with the same name and date of birth.
    date_of_birth = models.DateField(null=True, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    port = models.PositiveIntegerField(null=True, blank=True)
    observed_at = models.DateTimeField(null=True, blank=True)
    # Not indexed alone: the search reads a force's rows through the trigram indexes that lead with
    # it (below), and a B-tree of the force would only tempt PostgreSQL into reading all its rows.
    force = models.ForeignKey(Force, on_delete=models.PROTECT, related_name="+", db_index=False)
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    referral = models.ForeignKey(Referral, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    # The record it was read from ("cases.Subject", 12), so a re-index replaces it exactly.
    source_type = models.CharField(max_length=40)
    source_id = models.BigIntegerField()
    recorded_at = models.DateTimeField(default=timezone.now)
    # When the record was corrected to another value, or withdrawn as entered in error: the row is
    # kept (a match may name it) but no longer searched, matched or shown as a match.
    superseded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["kind", "value"]
        # Also `identifier_force_value_trgm`, a trigram index on (force, UPPER(value)) for part of a
        # value and the words of a name or an address in any order (LIKE), and
        # `identifier_force_person_trgm`, the same of people's rows alone (similarity of names),
        # written as SQL in migration 0036. They lead with the force (btree_gin), so that a search
        # reads only the rows of a force the person may see (cases.selectors.forces_in_view); the
        # force must be compared as a bigint for PostgreSQL to use that column (`_in_force`).
        # (The case and the referral are indexed by their foreign keys.)
        indexes = [
            # Exact matches on a normalised value (deconfliction, and a search for a whole value).
            models.Index(fields=["value", "kind"], name="identifier_value_kind"),
            # An IP address seen within a window of time: an equality and a range of one B-tree.
            # (Each observation is a moment, not a period, so a B-tree range scan serves; a GiST
            # index over ranges would be needed only if observations were periods.)
            models.Index(
                fields=["ip_address", "observed_at"],
                name="identifier_ip_observed",
                condition=Q(kind="ip"),
            ),
            models.Index(fields=["source_type", "source_id"], name="identifier_source"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(case__isnull=False) | Q(referral__isnull=False), name="identifier_has_case_or_referral"
            ),
            models.CheckConstraint(
                condition=~Q(kind="ip") | (Q(ip_address__isnull=False) & Q(observed_at__isnull=False)),
                name="identifier_index_ip_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.shown}"


class DeconflictionMatch(models.Model):
    """Two index rows of different investigations naming the same identifier.

    The pair is stored once, lower id first, whichever was recorded second (`first_id < second_id`).
    """

    first = models.ForeignKey(IndexedIdentifier, on_delete=models.CASCADE, related_name="+")
    second = models.ForeignKey(IndexedIdentifier, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=IndexedIdentifier.Kind.choices)
    found_at = models.DateTimeField(default=timezone.now)
    found_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-found_at", "-id"]
        verbose_name_plural = "deconfliction matches"
        indexes = [
            models.Index(fields=["second"], name="match_second"),
            models.Index(fields=["-found_at", "-id"], name="match_found"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["first", "second"], name="match_unique_pair"),
            models.CheckConstraint(condition=Q(first__lt=F("second")), name="match_pair_ordered"),
        ]

    def __str__(self) -> str:
        return f"Deconfliction match {self.pk} ({self.get_kind_display()})"

    @property
    def superseded(self) -> bool:
        """A side's value was since corrected away, or its record withdrawn: kept, no longer shown."""
        return self.first.superseded_at is not None or self.second.superseded_at is not None


class DeconflictionDecision(models.Model):
    """A person confirming that a match is the same suspect, or undoing that; never edited. The
    latest decision is the link's state."""

    class Decision(models.TextChoices):
        CONFIRMED = "confirmed", "Confirmed: same suspect"
        UNDONE = "undone", "Link undone"

    match = models.ForeignKey(DeconflictionMatch, on_delete=models.CASCADE, related_name="decisions")
    decision = models.CharField(max_length=10, choices=Decision.choices)
    reason = models.TextField()
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-decided_at", "-id"]
        constraints = [models.CheckConstraint(condition=~Q(reason=""), name="decision_has_reason")]

    def __str__(self) -> str:
        return f"{self.get_decision_display()} by {self.decided_by_id}"
