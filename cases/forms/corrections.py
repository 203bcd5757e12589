"""Forms for correcting a record, withdrawing one entered in error, and reopening a case.

A correction form is the record's first-entry form (the same fields, labels, hints and service checks)
with the reason for the correction and the version the page was opened on (`correction_form`).
"""

from functools import cache

from django import forms

from cases.forms.fields import FREE_TEXT_MAX_LENGTH, Form, datetime_field, version_field
from cases.services.case import case_check_opened_at


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


class WithdrawForm(Form):
    reason = reason_field(
        "Why was this entered in error?",
        "The record stays in its history, shown struck through, but leaves the deadlines and figures.",
    )
    version = version_field()


class ReopenForm(Form):
    reason = reason_field("Reason for reopening", "Kept in the case log, the closure's history and the audit trail.")
    version = version_field()
