"""Form for a court hearing; the subject is limited to the case's own suspects."""

from django import forms

from cases.forms.fields import FREE_TEXT_MAX_LENGTH, Form, ModelChoiceField, datetime_field, model_choice
from cases.models import Case, CourtHearing, Subject
from cases.services.court import hearing_check_orders


class HearingForm(Form):
    subject = ModelChoiceField(queryset=Subject.objects.none(), empty_label="Choose a suspect")
    court = forms.CharField(max_length=120, help_text="e.g. North Staffordshire Justice Centre.")
    hearing_at = datetime_field("Hearing at")
    hearing_type = forms.ChoiceField(label="Type of hearing", choices=CourtHearing.Type.choices)
    outcome = forms.CharField(max_length=FREE_TEXT_MAX_LENGTH, required=False, widget=forms.Textarea(attrs={"rows": 3}))
    remand_status = forms.ChoiceField(label="Remand status", choices=CourtHearing.RemandStatus.choices, required=False)
    notification_requirements = forms.BooleanField(
        label="Notification requirements apply (Sexual Offences Act 2003 s.80)", required=False
    )
    shpo_made = forms.BooleanField(label="Sexual Harm Prevention Order made", required=False)
    service_checks = (hearing_check_orders,)

    def __init__(self, *args, case: Case, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        model_choice(self, "subject").queryset = case.subjects.filter(withdrawn_at__isnull=True)
