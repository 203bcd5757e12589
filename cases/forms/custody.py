"""Forms for arrest, custody extensions, release and bail extensions. Shape only: rules live in
cases/services/custody.py, and computed dates (bail end, custody limits) are never typed."""

from django import forms

from cases.forms.fields import (
    FREE_TEXT_MAX_LENGTH,
    Form,
    ModelChoiceField,
    ModelMultipleChoiceField,
    date_field,
    datetime_field,
    model_choice,
)
from cases.models import BailExtension, Case, CustodyExtension, Offence, Release, Subject
from cases.services.custody import (
    arrest_check_times,
    bail_breach_check_time,
    bail_extension_check_approved_at,
    bail_extension_check_court,
    bail_extension_check_designation,
    bail_extension_check_new_end,
    custody_extension_check_application,
    custody_extension_check_times,
    custody_review_check_time,
    release_check_details,
)


class ArrestForm(Form):
    subject = ModelChoiceField(queryset=Subject.objects.none(), empty_label="Choose a suspect")
    arrested_at = datetime_field("Arrested at")
    suspected_offences = ModelMultipleChoiceField(
        queryset=Offence.objects.filter(active=True),
        widget=forms.CheckboxSelectMultiple,
        label="Suspected offences",
    )
    custody_reference = forms.CharField(label="Custody reference", max_length=40, required=False)
    relevant_time = datetime_field(
        "Relevant time",
        required=False,
        help_text="When the PACE detention clock started, usually arrival at the police station.",
    )
    left_custody_at = datetime_field("Left custody at", required=False)
    service_checks = (arrest_check_times,)

    def __init__(self, *args, case: Case, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        model_choice(self, "subject").queryset = case.subjects.filter(withdrawn_at__isnull=True)


class CustodyExtensionForm(Form):
    authority = forms.ChoiceField(choices=CustodyExtension.Authority.choices)
    authorised_at = datetime_field("Authorised at")
    authorised_by = forms.CharField(label="Authorised by", max_length=120, help_text="Name and rank, or the court.")
    detention_until = datetime_field("Detention authorised until")
    applied_at = datetime_field(
        "Warrant of further detention applied for at",
        required=False,
        help_text="Warrants of further detention only: within 36 hours of the relevant time (PACE s.43(5)).",
    )
    court_not_sitting = forms.BooleanField(
        label="The court could not sit at 36 hours and sat within the 6 hours after (PACE s.43(5)(b))",
        required=False,
    )
    service_checks = (custody_extension_check_times, custody_extension_check_application)


class CustodyReviewForm(Form):
    reviewed_at = datetime_field("Reviewed at")
    review_officer = forms.CharField(
        label="Review officer",
        max_length=120,
        help_text="Name and rank: an inspector or above not directly involved in the investigation (PACE s.40).",
    )
    service_checks = (custody_review_check_time,)


class ReleaseForm(Form):
    kind = forms.ChoiceField(label="Released on", choices=Release.Kind.choices)
    released_at = datetime_field("Released at")
    bail_conditions = forms.CharField(
        max_length=FREE_TEXT_MAX_LENGTH,
        label="Bail conditions",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Pre-charge bail only. The end of bail is computed from the arrest date.",
    )
    answer_at = datetime_field(
        "Date and time to answer bail",
        required=False,
        help_text="Pre-charge bail only. Required for an arrest before 3 Apr 2017, when bail had no time limit.",
    )
    answer_place = forms.CharField(
        max_length=200,
        label="Police station to answer bail at",
        required=False,
        help_text="Pre-charge bail only.",
    )
    investigating_body = forms.ChoiceField(
        label="Case investigated by",
        choices=Release.InvestigatingBody.choices,
        initial=Release.InvestigatingBody.STANDARD,
        required=False,
        widget=forms.RadioSelect,
        help_text="Pre-charge bail only. An FCA, HMRC, NCA or SFO case has a longer applicable bail period "
        "(PACE s.47ZB(1)).",
    )
    body_confirmed_by = forms.CharField(
        max_length=120,
        label="Confirmed by",
        required=False,
        help_text="FCA, HMRC, NCA or SFO case only: the officer or member of staff of that body who confirms "
        "that it investigates the case (PACE s.47ZB(4)(b)-(c)).",
    )
    service_checks = (release_check_details,)

    def clean_investigating_body(self) -> str:
        # Left unticked (or not sent by an older form): the police, a standard case.
        return self.cleaned_data["investigating_body"] or Release.InvestigatingBody.STANDARD


class BailBreachForm(Form):
    occurred_at = datetime_field("When the breach happened")
    description = forms.CharField(
        max_length=FREE_TEXT_MAX_LENGTH,
        label="What happened",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The condition broken, or the failure to answer bail.",
    )
    service_checks = (bail_breach_check_time,)


class BailExtensionForm(Form):
    approver_rank = forms.ChoiceField(label="Approved by rank", choices=BailExtension.ApproverRank.choices)
    approved_at = datetime_field("Approved at")
    approved_by = forms.CharField(
        label="Approved by", max_length=120, help_text="Name of the approving officer, or the court."
    )
    new_end = date_field(
        "Last day of bail set by the court",
        required=False,
        help_text="Only for an extension by the magistrates' court: bail runs to the end of that day. For a "
        "police or agency extension the new end is computed.",
    )
    applied_at = datetime_field(
        "Application to the court made at",
        required=False,
        help_text="The magistrates' court only: the application is made before bail ends (PACE s.47ZF(2)); "
        "the court may then decide after it (s.47ZJ(3)).",
    )
    within_subsection_7 = forms.BooleanField(
        label="The court found that the case falls within PACE s.47ZF(7) (its first extension only)",
        required=False,
    )
    designated_at = datetime_field(
        "Case designated exceptionally complex at",
        required=False,
        help_text="Commander or assistant chief constable only: when the DPP designated the case (PACE s.47ZE(2)), "
        "before bail ended (s.47ZE(8)).",
    )
    designated_by = forms.CharField(
        label="Designated by (for the DPP)",
        max_length=120,
        required=False,
        help_text="Commander or assistant chief constable only: who designated the case for the DPP.",
    )
    service_checks = (
        bail_extension_check_approved_at,
        bail_extension_check_new_end,
        bail_extension_check_court,
        bail_extension_check_designation,
    )


class BailCourtApplicationForm(Form):
    applied_at = datetime_field(
        "Application to the court made at",
        help_text="Before bail ends (PACE s.47ZF(2)). Until the court decides, bail is treated as extended "
        "(s.47ZJ(3)).",
    )
