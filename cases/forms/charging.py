"""Forms for submissions to the CPS and the charging decision with up to five charges."""

from typing import Any

from django import forms

from cases.forms.fields import FREE_TEXT_MAX_LENGTH, Form, ModelChoiceField, datetime_field, model_choice
from cases.models import Case, ChargingSubmission, ImageCategory, Offence, Subject
from cases.services.charging import charging_check_decision_at, charging_check_submitted_at

CHARGE_ROW_NEEDS_OFFENCE = "Choose the offence for this charge, or clear the row."
MAX_CHARGE_ROWS = 5


class ChargingSubmissionForm(Form):
    subject = ModelChoiceField(queryset=Subject.objects.none(), empty_label="Choose a suspect")
    submitted_at = datetime_field("Submitted to the CPS at")
    test = forms.ChoiceField(choices=ChargingSubmission.Test.choices)
    cps_reference = forms.CharField(label="CPS reference", max_length=40, required=False)
    service_checks = (charging_check_submitted_at,)

    def __init__(self, *args, case: Case, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        model_choice(self, "subject").queryset = case.subjects.filter(withdrawn_at__isnull=True)


class ChargeForm(Form):
    offence = ModelChoiceField(
        queryset=Offence.objects.filter(active=True), required=False, empty_label="No charge in this row"
    )
    counts = forms.IntegerField(label="Number of counts", min_value=1, max_value=999, initial=1, required=False)
    category = forms.ChoiceField(
        label="Image category",
        choices=[("", "Not applicable"), *ImageCategory.choices],
        required=False,
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("offence") is None:
            self.add_error("offence", CHARGE_ROW_NEEDS_OFFENCE)
        if cleaned.get("counts") is None:
            cleaned["counts"] = 1
        return cleaned


# Unchanged rows (no offence chosen, one count, no category) are empty and skipped.
ChargeFormSet = forms.formset_factory(ChargeForm, extra=MAX_CHARGE_ROWS, max_num=MAX_CHARGE_ROWS, validate_max=True)


class ChargingDecisionDetailsForm(Form):
    """The CPS decision itself; a correction shows these (each charge is corrected on its own)."""

    decision = forms.ChoiceField(
        choices=[c for c in ChargingSubmission.Decision.choices if c[0] != ChargingSubmission.Decision.PENDING]
    )
    decision_at = datetime_field("Decision at")
    decision_notes = forms.CharField(
        max_length=FREE_TEXT_MAX_LENGTH,
        label="Decision notes",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    service_checks = (charging_check_decision_at,)


class ChargingDecisionForm(ChargingDecisionDetailsForm):
    """The decision with up to five charges, as first recorded."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.charges = ChargeFormSet(self.data or None, prefix="charges")

    def is_valid(self) -> bool:
        form_ok = super().is_valid()
        charges_ok = self.charges.is_valid()
        return form_ok and charges_ok

    def charge_rows(self) -> list[dict[str, Any]]:
        """The filled-in rows, as the service takes them."""
        return [
            {"offence": row["offence"], "counts": row["counts"], "category": row.get("category", "")}
            for row in self.charges.cleaned_data
            if row
        ]
