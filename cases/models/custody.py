"""Stages 5 and 6: arrest and custody, then release pending a charging decision."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from cases import rules
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


class CustodyExtension(Correctable):
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

    class Meta(Correctable.Meta):
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

    class InvestigatingBody(models.TextChoices):
        """PACE s.47ZB(4)(b)-(c): the body investigating the case, as one of its officers or staff
        confirms. It sets the applicable bail period (s.47ZB(1)) and who may extend it (s.47ZDB)."""

        STANDARD = "standard", "Police (standard case)"
        NCA = "nca", "National Crime Agency (NCA case)"
        HMRC = "hmrc", "HM Revenue and Customs (HMRC case)"
        FCA = "fca", "Financial Conduct Authority (FCA case)"
        SFO = "sfo", "Serious Fraud Office (SFO case)"

    arrest = models.ForeignKey(Arrest, on_delete=models.PROTECT, related_name="releases")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    released_at = models.DateTimeField()
    investigating_body = models.CharField(
        "Case investigated by", max_length=10, choices=InvestigatingBody.choices, default=InvestigatingBody.STANDARD
    )
    body_confirmed_by = models.CharField(
        "Confirmed by",
        max_length=120,
        blank=True,
        help_text="FCA, HMRC, NCA or SFO case: the officer or member of staff of that body who confirms that "
        "it investigates the case (PACE s.47ZB(4)(b)-(c)).",
    )
    # PACE s.47ZJ: an application to the magistrates' court made before the end of the applicable bail
    # period and not yet determined; the period is treated as extended until it is (s.47ZJ(3)).
    court_applied_at = models.DateTimeField("Application to the court made at", null=True, blank=True)
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
            # s.47ZB(4)(b)-(c): a case is an FCA, HMRC, NCA or SFO case only when that body confirms it.
            models.CheckConstraint(
                condition=Q(investigating_body="standard", body_confirmed_by="")
                | (Q(kind="bail") & ~Q(investigating_body="standard") & ~Q(body_confirmed_by="")),
                name="release_body_confirmed_on_bail",
            ),
            models.CheckConstraint(
                condition=Q(court_applied_at__isnull=True)
                | (Q(kind="bail") & Q(court_applied_at__gte=F("released_at"))),
                name="release_court_application_on_bail",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {day(self.released_at)}"

    @property
    def initial_period_citation(self) -> str:
        """The provision that sets this bail's initial period (PACE s.47ZB(1)(a) or (b)), "" if none."""
        if self.bail_regime not in (self.BailRegime.PCA_2017, self.BailRegime.PCSCA_2022):
            return ""
        return rules.bail_initial_citation(regime=self.bail_regime, body=self.investigating_body)

    @property
    def answer_text(self) -> str:
        """When and where the person is to answer bail, in words ("to answer bail 23 Nov 2026 14:05
        at Hanley police station"), or "" when neither is recorded."""
        parts = [when(self.answer_at)] if self.answer_at else []
        if self.answer_place:
            parts.append(f"at {self.answer_place}")
        return f"to answer bail {' '.join(parts)}" if parts else ""


class BailExtension(Correctable):
    class ApproverRank(models.TextChoices):
        INSPECTOR = "inspector", "Inspector"
        SUPERINTENDENT = "superintendent", "Superintendent"
        DECISION_MAKER = "decision_maker", "Appropriate decision-maker (FCA, HMRC, NCA or SFO case)"
        QUALIFYING_OFFICER = "qualifying_officer", "Commander or assistant chief constable (or above)"
        MAGISTRATES = "magistrates", "Magistrates' court"

    class Section(models.TextChoices):
        """The section of PACE under which the extension was given."""

        S47ZD = "47ZD", "PACE s.47ZD"
        S47ZDA = "47ZDA", "PACE s.47ZDA"
        S47ZDB = "47ZDB", "PACE s.47ZDB"
        S47ZE = "47ZE", "PACE s.47ZE"
        S47ZF = "47ZF", "PACE s.47ZF"
        S47ZG = "47ZG", "PACE s.47ZG"

    release = models.ForeignKey(Release, on_delete=models.PROTECT, related_name="bail_extensions")
    approved_at = models.DateTimeField()
    approved_by = models.CharField(max_length=120, help_text="Name of the approving officer, or the court.")
    approver_rank = models.CharField(max_length=18, choices=ApproverRank.choices)
    section = models.CharField(max_length=5, choices=Section.choices, editable=False)
    # The magistrates' court: when the application was made, before the period ended (s.47ZF(2)).
    applied_at = models.DateTimeField("Application to the court made at", null=True, blank=True)
    within_subsection_7 = models.BooleanField("The court found the case falls within PACE s.47ZF(7)", default=False)
    # s.47ZE(2), (8): the DPP's designation of the case as exceptionally complex, before the period ended.
    designated_at = models.DateTimeField("Designated exceptionally complex at", null=True, blank=True)
    designated_by = models.CharField("Designated by (for the DPP)", max_length=120, blank=True)
    previous_end = models.DateTimeField(editable=False)
    new_end = models.DateTimeField(editable=False)

    class Meta(Correctable.Meta):
        ordering = ["approved_at"]
        constraints = [
            models.CheckConstraint(condition=Q(new_end__gt=F("previous_end")), name="bail_ext_extends"),
            models.CheckConstraint(
                condition=Q(approver_rank="magistrates") | (Q(applied_at__isnull=True) & Q(within_subsection_7=False)),
                name="bail_ext_application_only_by_court",
            ),
            models.CheckConstraint(
                condition=(Q(section="47ZE") & Q(designated_at__isnull=False) & ~Q(designated_by=""))
                | (~Q(section="47ZE") & Q(designated_at__isnull=True) & Q(designated_by="")),
                name="bail_ext_designation_with_47ze",
            ),
        ]

    def __str__(self) -> str:
        return f"Bail extended to {day(self.new_end)} ({self.get_approver_rank_display()})"

    @property
    def citation(self) -> str:
        return self.get_section_display()


class BailBreach(Correctable):
    """A breach of pre-charge bail: failing to attend at the police station at the time appointed,
    or breaking a condition of bail; either is a ground for arrest without warrant (PACE s.46A(1),
    (1A)). Breaking a condition is not in itself an offence."""

    release = models.ForeignKey(Release, on_delete=models.PROTECT, related_name="bail_breaches")
    occurred_at = models.DateTimeField("When the breach happened")
    description = models.TextField("What happened")
    noted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta(Correctable.Meta):
        ordering = ["occurred_at"]

    def __str__(self) -> str:
        return f"Breach of bail {when(self.occurred_at)}"
