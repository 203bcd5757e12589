"""Forms of the search over every record, the referral list's filters, and deconfliction links."""

import unicodedata
from datetime import date
from typing import TypedDict, cast

from django import forms
from django.core.exceptions import ValidationError

from cases.forms.fields import FREE_TEXT_MAX_LENGTH, Form, date_field
from cases.models import Referral

QUERY_MAX_LENGTH = 200
QUERY_TOO_LONG = f"Search for at most {QUERY_MAX_LENGTH} characters: one reference, name, address or number."
QUERY_CONTROL_CHARACTERS = (
    "The search contains control characters (such as a tab or a line break): type it on one line."
)


def no_control_characters(value: str) -> None:
    """Refuse control characters (Unicode category Cc: tabs, line breaks, NUL, escape...)."""
    if any(unicodedata.category(character) == "Cc" for character in value):
        raise ValidationError(QUERY_CONTROL_CHARACTERS)


def query_field(label: str, *, help_text: str = "") -> forms.CharField:
    # Not stripped before checking: a line break at either end is refused, not silently dropped.
    return forms.CharField(
        label=label,
        required=False,
        strip=False,
        max_length=QUERY_MAX_LENGTH,
        validators=[no_control_characters],
        error_messages={"max_length": QUERY_TOO_LONG},
        help_text=help_text,
    )


class FindForm(Form):
    q = query_field(
        "Search every record",
        help_text="A reference (case, CEOP, NCMEC, CAID, force), a name, a postcode, a phone number, "
        "an e-mail address, an account, an IP address, a PNC ID or an exhibit reference.",
    )


class ReferralFilters(TypedDict, total=False):
    """The referral list's filters, as `referral_list_for` takes them."""

    q: str
    outcome: str
    risk_grade: str
    source: str
    received_from: date
    received_to: date


class ReferralFilterForm(Form):
    q = query_field(
        "Search",
        help_text="Source reference, IP address, account, phone number or e-mail address.",
    )
    outcome = forms.ChoiceField(choices=[("", "All outcomes"), *Referral.Outcome.choices], required=False)
    risk_grade = forms.ChoiceField(
        label="Risk grade", choices=[("", "All risk grades"), *Referral.RiskGrade.choices], required=False
    )
    source = forms.ChoiceField(choices=[("", "All sources"), *Referral.Source.choices], required=False)
    received_from = date_field("Received from", required=False)
    received_to = date_field("Received to", required=False)

    def filters(self) -> ReferralFilters:
        """The filters given, for the selector (`referral_list_for`); none if the form is invalid."""
        if not self.is_bound or not self.is_valid():
            return {}
        data = dict(self.cleaned_data)
        data["q"] = data["q"].strip()
        return cast(ReferralFilters, {name: value for name, value in data.items() if value not in ("", None)})


class MatchDecisionForm(Form):
    reason = forms.CharField(label="Reason", max_length=FREE_TEXT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 3}))
