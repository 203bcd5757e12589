"""Forms for closing a case and for Management of Police Information reviews."""

from django import forms

from cases.forms.fields import FREE_TEXT_MAX_LENGTH, Form, datetime_field
from cases.models import Closure, RetentionReview


class CloseCaseForm(Form):
    outcome_type = forms.ChoiceField(label="Home Office outcome type", choices=Closure.OutcomeType.choices)
    closed_at = datetime_field("Closed at")
    rationale = forms.CharField(max_length=FREE_TEXT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 4}))
    retention_group = forms.ChoiceField(
        label="MoPI retention group",
        choices=RetentionReview.Group.choices,
        help_text="Sexual offences are usually group 1. The next review date is computed.",
    )


class RetentionReviewForm(Form):
    retention_group = forms.ChoiceField(label="MoPI retention group", choices=RetentionReview.Group.choices)
    decision = forms.ChoiceField(
        choices=[
            (RetentionReview.Decision.RETAIN, "Retain and review again"),
            (RetentionReview.Decision.DISPOSE, "Dispose"),
        ]
    )
    reviewed_at = datetime_field("Reviewed at")
    rationale = forms.CharField(max_length=FREE_TEXT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 4}))
