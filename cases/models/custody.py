"""Stages 5 and 6: arrest and custody, then release pending a charging decision."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from cases.formats import day, when

from .case import Case, Subject
from .correctable import Correctable


class Offence(models.Model):
    """The offence catalogue: statute and section, loaded as data."""

    code = models.CharField(max_length=40, unique=True, help_text="Stable key, e.g. POCA1978-1-1-a.")
    statute = models.CharField(max_length=120)
    section = models.CharField(max_length=40)
    title = models.CharField(max_length=200)
    max_sentence_years = models.PositiveSmallIntegerField(null=True, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["statute", "section"]

    def __str__(self) -> str:
        return f"{self.statute} {self.section}: {self.title}"


class Arrest(Correctable):
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="arrests")
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="arrests")
    arrested_at = models.DateTimeField()
    arresting_officer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    suspected_offences = models.ManyToManyField(Offence, related_name="arrests")
    custody_reference = models.CharField(max_length=40, blank=True)
    relevant_time = models.DateTimeField(
        null=True, blank=True, help_text="When the PACE detention clock started (arrival at the station)."
    )
    left_custody_at = models.DateTimeField(null=True, blank=True)

    class Meta(Correctable.Meta):
        ordering = ["arrested_at"]
        indexes = [
            # The arrests of a period kept if their case is among those in view (the dashboard's
            # charging performance): read from the index alone, the case and subject with the time.
            models.Index(fields=["arrested_at"], include=["case", "subject"], name="arrest_arrested_at"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(relevant_time__isnull=True) | Q(relevant_time__gte=F("arrested_at")),
                name="arrest_relevant_time_after_arrest",
            ),
            models.CheckConstraint(
                condition=Q(left_custody_at__isnull=True) | Q(left_custody_at__gte=F("arrested_at")),
                name="arrest_left_custody_after_arrest",
            ),
        ]

    def __str__(self) -> str:
        return f"Arrest of {self.subject} at {when(self.arrested_at)}"


class CustodyReview(Correctable):
    """A review of detention without charge by an inspector not directly involved (PACE s.40(1)(b))."""

    arrest = models.ForeignKey(Arrest, on_delete=models.PROTECT, related_name="custody_reviews")
    reviewed_at = models.DateTimeField()
    review_officer = models.CharField(max_length=120, help_text="Name and rank of the review officer.")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta(Correctable.Meta):
        ordering = ["reviewed_at"]

    def __str__(self) -> str:
        return f"Review of detention at {when(self.reviewed_at)}"


class CustodyExtension(models.Model):
    """Authority to detain beyond 24 hours: PACE s.42 (superintendent) or ss.43-44 (magistrates)."""

    class Authority(models.TextChoices):
        SUPERINTENDENT = "superintendent", "Superintendent, to 36 hours (PACE s.42)"
        WARRANT_OF_FURTHER_DETENTION = "wofd", "Warrant of further detention (PACE s.43)"
        EXTENSION_OF_WARRANT = "wofd_ext", "Extension of warrant of further detention (PACE s.44)"

    arrest = models.ForeignKey(Arrest, on_delete=models.PROTECT, related_name="custody_extensions")
    authority = models.CharField(max_length=16, choices=Authority.choices)
    authorised_at = models.DateTimeField()
    authorised_by = models.CharField(max_length=120, help_text="Name and rank, or the court.")
    detention_until = models.DateTimeField()
    applied_at = models.DateTimeField(
        null=True, blank=True, help_text="When the warrant of further detention was applied for (PACE s.43(5))."
    )
    court_not_sitting = models.BooleanField(
        default=False,
        help_text="The court could not sit at 36 hours but sat within the 6 hours after (PACE s.43(5)(b)).",
    )

    class Meta:
        ordering = ["authorised_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(detention_until__gt=F("authorised_at")), name="custody_ext_until_after_authorised"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_authority_display()} until {when(self.detention_until)}"


class Release(Correctable):
    """How a suspect left custody pending a decision."""

    class Kind(models.TextChoices):
        BAIL = "bail", "Pre-charge bail"
        RUI = "rui", "Released under investigation"
        REMANDED = "remanded", "Remanded in custody"
        CHARGED = "charged", "Charged"

    class BailRegime(models.TextChoices):
        PRE_2017 = "pre2017", "Pre-charge bail before 3 Apr 2017: no statutory time limit"
        PCA_2017 = "pca2017", "Policing and Crime Act 2017 (arrests 3 Apr 2017 to 27 Oct 2022)"
        PCSCA_2022 = "pcsca2022", "Police, Crime, Sentencing and Courts Act 2022 (arrests from 28 Oct 2022)"

    arrest = models.ForeignKey(Arrest, on_delete=models.PROTECT, related_name="releases")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    released_at = models.DateTimeField()
    bail_regime = models.CharField(max_length=10, choices=BailRegime.choices, blank=True, editable=False)
    bail_ends_at = models.DateTimeField(null=True, blank=True, editable=False)
    bail_conditions = models.TextField(blank=True)
    # PACE s.47(3)(c): the time and police station at which a person released on bail is to attend.
    answer_at = models.DateTimeField("Date and time to answer bail", null=True, blank=True)
    answer_place = models.CharField("Place to answer bail", max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta(Correctable.Meta):
        ordering = ["released_at"]
        constraints = [
            # Bail has a regime and, except before 3 Apr 2017 (no statutory limit), an end.
            models.CheckConstraint(
                condition=(
                    Q(kind="bail")
                    & ~Q(bail_regime="")
                    & (Q(bail_ends_at__isnull=False) | Q(bail_regime="pre2017", answer_at__isnull=False))
                )
                | (~Q(kind="bail") & Q(bail_ends_at__isnull=True) & Q(bail_regime="")),
                name="release_bail_has_end_and_regime",
            ),
            models.CheckConstraint(
                condition=Q(kind="bail") | (Q(answer_at__isnull=True) & Q(answer_place="")),
                name="release_answer_only_on_bail",
            ),
            models.CheckConstraint(
                condition=Q(answer_at__isnull=True) | Q(answer_at__gt=F("released_at")),
                name="release_answer_after_release",
            ),
            models.CheckConstraint(
                condition=Q(bail_ends_at__isnull=True) | Q(bail_ends_at__gt=F("released_at")),
                name="release_bail_ends_after_release",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {day(self.released_at)}"

    @property
    def answer_text(self) -> str:
        """When and where the person is to answer bail, in words ("to answer bail 23 Nov 2026 14:05
        at Hanley police station"), or "" when neither is recorded."""
        parts = [when(self.answer_at)] if self.answer_at else []
        if self.answer_place:
            parts.append(f"at {self.answer_place}")
        return f"to answer bail {' '.join(parts)}" if parts else ""


class BailExtension(models.Model):
    class ApproverRank(models.TextChoices):
        INSPECTOR = "inspector", "Inspector"
        SUPERINTENDENT = "superintendent", "Superintendent"
        MAGISTRATES = "magistrates", "Magistrates' court"

    release = models.ForeignKey(Release, on_delete=models.PROTECT, related_name="bail_extensions")
    approved_at = models.DateTimeField()
    approved_by = models.CharField(max_length=120, help_text="Name of the approving officer, or the court.")
    approver_rank = models.CharField(max_length=16, choices=ApproverRank.choices)
    previous_end = models.DateTimeField(editable=False)
    new_end = models.DateTimeField(editable=False)

    class Meta:
        ordering = ["approved_at"]
        constraints = [
            models.CheckConstraint(condition=Q(new_end__gt=F("previous_end")), name="bail_ext_extends"),
        ]

    def __str__(self) -> str:
        return f"Bail extended to {day(self.new_end)} ({self.get_approver_rank_display()})"


class BailBreach(models.Model):
    """A breach of pre-charge bail: failing to attend at the police station at the time appointed,
    or breaking a condition of bail; either is a ground for arrest without warrant (PACE s.46A(1),
    (1A)). Breaking a condition is not in itself an offence."""

    release = models.ForeignKey(Release, on_delete=models.PROTECT, related_name="bail_breaches")
    occurred_at = models.DateTimeField("When the breach happened")
    description = models.TextField("What happened")
    noted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["occurred_at"]

    def __str__(self) -> str:
        return f"Breach of bail {when(self.occurred_at)}"
