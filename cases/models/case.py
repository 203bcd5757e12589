"""Stage 2: the investigation (case), its subjects and premises, and the case log."""

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Now
from django.urls import reverse
from django.utils import timezone

from accounts.models import Force, Team, User
from cases.formats import when

from .correctable import Correctable
from .referrals import Referral


class Case(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    class Stage(models.TextChoices):
        """How far along the path the case has got; kept by the services that record each stage."""

        INVESTIGATION = "investigation", "Investigation"
        WARRANT = "warrant", "Search warrant"
        SEARCH = "search", "Search and triage"
        ARREST = "arrest", "Arrest and custody"
        CHARGING = "charging", "Charging decision"
        COURT = "court", "Court"
        CLOSED = "closed", "Closed"

    reference = models.CharField(max_length=24, unique=True, editable=False)
    force = models.ForeignKey(Force, on_delete=models.PROTECT, related_name="cases")
    # Indexed below (Meta.indexes), with the columns the visibility rules read.
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="cases", db_index=False)
    referral = models.OneToOneField(Referral, null=True, blank=True, on_delete=models.PROTECT, related_name="case")
    officer_in_case = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="cases_as_oic", db_index=False
    )
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="cases_as_supervisor", db_index=False
    )
    operation = models.CharField(max_length=80, blank=True, help_text="e.g. Safenet.")
    district = models.CharField(max_length=80, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    stage = models.CharField(max_length=16, choices=Stage.choices, default=Stage.INVESTIGATION)
    restricted = models.BooleanField(
        default=False, help_text="Need-to-know: visible only to people granted it by name."
    )
    summary = models.TextField(blank=True)
    opened_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField(default=1)
    # As a record's (cases.models.correctable): when it was first entered, by the database's clock.
    first_entered_at = models.DateTimeField(null=True, editable=False, db_default=Now())
    # Not columns: set on a case read for its page (cases.records) and by its fetch-and-authorise
    # helper (cases.permissions), for the records read under it.
    latest_log_entries: list["CaseLogEntry"]
    _fetched_for: "User"

    class Meta:
        ordering = ["-opened_at"]
        indexes = [
            models.Index(fields=["team", "status", "-opened_at"], name="case_team_status_opened"),
            models.Index(fields=["officer_in_case", "status"], name="case_oic_status"),
            # A supervisor's open cases, without reading every case they have ever supervised.
            models.Index(fields=["supervisor", "status"], name="case_supervisor_status"),
            models.Index(fields=["force", "-opened_at"], name="case_force_opened"),
            # Each way to see a case (cases.selectors.case_ids_in_view, case_list_parts) read from an
            # index alone: the case's id, what the rules and the dashboard's filters ask of it, and
            # its opening time (the case list's order), not its row. They also serve as the foreign
            # keys' indexes.
            models.Index(
                fields=["team"],
                include=["id", "restricted", "status", "officer_in_case", "opened_at"],
                name="case_team_visible",
            ),
            models.Index(
                fields=["officer_in_case"],
                include=["id", "restricted", "status", "team", "opened_at"],
                name="case_oic_visible",
            ),
            models.Index(
                fields=["supervisor"],
                include=["id", "restricted", "status", "team", "officer_in_case", "opened_at"],
                name="case_supervisor_visible",
            ),
        ]
        # Per-case grants (cases.models.access): view_case to see it, change_case to record on it,
        # record_triage to record devices and triage (an assigned examiner).
        permissions = [("record_triage", "Record devices and triage")]

    def __str__(self) -> str:
        return self.reference

    def get_absolute_url(self) -> str:
        return reverse("cases:detail", kwargs={"reference": self.reference})


class Subject(Correctable):
    """A suspect. Children are never recorded here: see safeguarding."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="subjects")
    full_name = models.CharField(max_length=200)
    date_of_birth = models.DateField(null=True, blank=True)
    pnc_id = models.CharField("PNC ID", max_length=20, blank=True)
    # Stored normalised (cases.identifiers): the phone number in E.164, the e-mail address in lower
    # case, the online account as given (trimmed). Indexed and deconflicted as a referral's are.
    phone = models.CharField("Phone number", max_length=32, blank=True)
    email = models.CharField("E-mail address", max_length=254, blank=True)
    online_account = models.CharField(max_length=200, blank=True, help_text="A user name or account ID.")
    notes = models.TextField(blank=True)

    class Meta(Correctable.Meta):
        ordering = ["id"]
        # Also `subject_name_trgm`, a trigram index on UPPER(full_name) for the case list's search by
        # part of a name (migration 0006, with those on the case's reference and operation; SQL there,
        # as Django cannot yet write that index).
        indexes = [models.Index(fields=["full_name"], name="subject_name")]

    def __str__(self) -> str:
        return self.full_name


class Premises(Correctable):
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="premises")
    address = models.TextField()
    postcode = models.CharField(max_length=10, blank=True)
    description = models.CharField(max_length=200, blank=True, help_text="e.g. home address, workplace.")

    class Meta(Correctable.Meta):
        ordering = ["id"]
        verbose_name_plural = "premises"

    def __str__(self) -> str:
        first_line = self.address.splitlines()[0] if self.address else ""
        return f"{first_line}, {self.postcode}".strip(", ")


@pgtrigger.register(
    pgtrigger.Protect(name="case_log_append_only", operation=pgtrigger.Update | pgtrigger.Delete),
)
class CaseLogEntry(models.Model):
    """The running case log. Entries are never edited or deleted: a correction is a new entry."""

    class Kind(models.TextChoices):
        ACTION = "action", "Action"
        DECISION = "decision", "Decision"
        NOTE = "note", "Note"
        CORRECTION = "correction", "Correction"
        SYSTEM = "system", "Recorded stage"

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="log_entries")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    text = models.TextField()
    corrects = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrections")
    # When the action or decision happened; an import keeps the historical time.
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "case log entries"
        indexes = [models.Index(fields=["case", "-created_at"], name="caselog_case_created")]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="correction") & Q(corrects__isnull=False))
                | (~Q(kind="correction") & Q(corrects__isnull=True)),
                name="caselog_correction_refers_to_entry",
            ),
            models.CheckConstraint(condition=~Q(corrects=F("id")), name="caselog_not_self_correction"),
        ]

    def __str__(self) -> str:
        return f"{self.case} {self.get_kind_display()} {when(self.created_at)}"
