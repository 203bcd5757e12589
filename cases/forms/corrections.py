"""Forms for correcting a record, withdrawing one entered in error, and reopening a case.

A correction form is the record's first-entry form (the same fields, labels, hints and service checks)
with the reason for the correction and the version the page was opened on (`correction_form`).
"""

from functools import cache
from typing import Any

from django import forms

from accounts.models import User
from cases import rules
from cases.forms.custody import BailExtensionForm
from cases.forms.fields import (
    FREE_TEXT_MAX_LENGTH,
    Form,
    ModelChoiceField,
    datetime_field,
    model_choice,
    version_field,
)
from cases.forms.search import DeviceForm
from cases.models import BailExtension, Case, Device
from cases.selectors import case_people
from cases.services.case import case_check_opened_at
from cases.services.search import device_check_forensic_times, device_check_triage


def reason_field(label: str, help_text: str) -> forms.CharField:
    return forms.CharField(
        label=label, max_length=FREE_TEXT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 3}), help_text=help_text
    )


class CorrectionFields(Form):
    reason = reason_field(
        "Reason for the correction",
        "Kept with the record's history and shown in the case log, e.g. the time was mistyped.",
    )
    version = version_field()


@cache
def correction_form(first_entry: type[forms.Form]) -> type[forms.Form]:
    """The first-entry form `first_entry` with a reason and the record's version."""
    name = first_entry.__name__.removesuffix("Form") + "CorrectionForm"
    return type(name, (first_entry, CorrectionFields), {"__module__": __name__})


class CaseDetailsForm(Form):
    """The case's own details that can be corrected (its team and people have their own pages)."""

    opened_at = datetime_field("Opened at")
    operation = forms.CharField(max_length=80, required=False, help_text="e.g. Safenet.")
    district = forms.CharField(max_length=80, required=False)
    summary = forms.CharField(max_length=FREE_TEXT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 4}), required=False)
    service_checks = (case_check_opened_at,)


class DeviceRecordForm(DeviceForm):
    """A device with its triage and forensic examination, as a correction shows them together."""

    triage_result = forms.ChoiceField(label="Triage result", choices=Device.TriageResult.choices)
    triaged_at = datetime_field("Triaged at", required=False, help_text="Needed for any result but not examined.")
    examiner = ModelChoiceField(queryset=User.objects.none(), label="Examiner", required=False)
    forensic_requested_at = datetime_field("Full forensic examination requested at", required=False)
    forensic_completed_at = datetime_field("Full forensic examination completed at", required=False)
    service_checks = (device_check_triage, device_check_forensic_times)

    def __init__(self, *args, case: Case, **kwargs) -> None:
        super().__init__(*args, case=case, **kwargs)
        model_choice(self, "examiner").queryset = case_people(case)


class BailExtensionRecordForm(BailExtensionForm):
    """An extension as a correction shows it: the last day of bail is the court's own, a date, and
    blank for a police or agency extension, whose end is worked out again."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        initial = kwargs.get("initial")
        if initial and initial.get("new_end") is not None:
            by_court = initial.get("approver_rank") == BailExtension.ApproverRank.MAGISTRATES
            kwargs["initial"] = {**initial, "new_end": rules.uk_date(initial["new_end"]) if by_court else None}
        super().__init__(*args, **kwargs)


class WithdrawForm(Form):
    reason = reason_field(
        "Why was this entered in error?",
        "The record stays in its history, shown struck through, but leaves the deadlines and figures.",
    )
    version = version_field()


class ReopenForm(Form):
    reason = reason_field("Reason for reopening", "Kept in the case log, the closure's history and the audit trail.")
    version = version_field()
