"""The auditor's search form (shape only)."""

from typing import Any

from django import forms

from audit.models import AuditEntry, Flag
from audit.selectors import AuditFilters
from safeguard.dates import date_field
from safeguard.forms import Form

DATES_REVERSED = "The end date must be on or after the start date."


class AuditSearchForm(Form):
    username = forms.CharField(
        label="Person",
        required=False,
        max_length=150,
        help_text="A username, or part of a username or name: e.g. reid, dc.h, Jo Reid",
    )
    case_reference = forms.CharField(
        label="Case reference", required=False, max_length=24, help_text="e.g. STF-2026-000123"
    )
    kind = forms.ChoiceField(label="Event", required=False, choices=[("", "Any event"), *AuditEntry.Kind.choices])
    date_from = date_field("From (date)", required=False)
    date_to = date_field("To (date)", required=False)
    ip = forms.GenericIPAddressField(label="IP address", required=False)

    def clean_case_reference(self) -> str:
        return str(self.cleaned_data["case_reference"]).strip().upper()

    def clean_username(self) -> str:
        return str(self.cleaned_data["username"]).strip()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("date_from") and cleaned.get("date_to") and cleaned["date_to"] < cleaned["date_from"]:
            self.add_error("date_to", DATES_REVERSED)
        return cleaned

    def filters(self) -> AuditFilters:
        data = self.cleaned_data
        return AuditFilters(
            username=data.get("username") or "",
            case_reference=data.get("case_reference") or "",
            kind=data.get("kind") or "",
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            ip=data.get("ip") or "",
        )


class AuditExportForm(AuditSearchForm):
    recipient = forms.CharField(
        label="Recipient",
        max_length=200,
        help_text="Who the export is for (name and organisation): recorded in the audit trail.",
    )


class FlagFilterForm(Form):
    status = forms.ChoiceField(
        label="Status", required=False, choices=[("", "Any status"), *Flag.Status.choices], initial=Flag.Status.OPEN
    )
    kind = forms.ChoiceField(label="Kind", required=False, choices=[("", "Any kind"), *Flag.Kind.choices])


class FlagReviewForm(Form):
    note = forms.CharField(
        label="Review note",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What you looked at and what you found: recorded with your name.",
    )
