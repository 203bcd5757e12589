"""Forms for closing a case and for Management of Police Information reviews."""

from collections.abc import Sequence
from typing import Any

from django import forms

from cases.forms.fields import FREE_TEXT_MAX_LENGTH, Form, datetime_field
from cases.models import Closure, RetentionReview
from cases.services.closure import CONFIRMATION_LABEL, OutstandingItem, closure_check_time, retention_review_check_time


class ClosureForm(Form):
    """The closure's own values: what a correction of a closed case's closure shows."""

    outcome_type = forms.ChoiceField(label="Home Office outcome type", choices=Closure.OutcomeType.choices)
    closed_at = datetime_field("Closed at")
    rationale = forms.CharField(max_length=FREE_TEXT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 4}))
    service_checks = (closure_check_time,)


class CloseCaseForm(ClosureForm):
    retention_group = forms.ChoiceField(
        label="MoPI retention group",
        choices=RetentionReview.Group.choices,
        help_text="Sexual offences are usually group 1. The next review date is computed.",
    )

    def __init__(self, *args: Any, outstanding: Sequence[OutstandingItem] = (), **kwargs: Any) -> None:
        """One checkbox and one reason per item outstanding at the closing time, for a supervisor
        to confirm the case may close although it is outstanding."""
        super().__init__(*args, **kwargs)
        self.outstanding = list(outstanding)
        for item in self.outstanding:
            self.fields[f"confirm_{item.key}"] = forms.BooleanField(
                required=False,
                label=CONFIRMATION_LABEL.format(item=item.label),
                help_text=f"Otherwise {item.todo}.",
            )
            self.fields[f"reason_{item.key}"] = forms.CharField(
                required=False,
                max_length=FREE_TEXT_MAX_LENGTH,
                label=f"Reason for closing although {item.label}",
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def closing(self) -> dict[str, Any]:
        """The cleaned values as `case_close` takes them: the confirmations as item key to reason."""
        data = {name: self.cleaned_data[name] for name in ("outcome_type", "closed_at", "rationale", "retention_group")}
        data["confirmations"] = {
            item.key: self.cleaned_data.get(f"reason_{item.key}", "")
            for item in self.outstanding
            if self.cleaned_data.get(f"confirm_{item.key}")
        }
        return data


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
    service_checks = (retention_review_check_time,)
