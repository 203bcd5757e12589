"""The form an administrator registers an API client with (docs/administration.md)."""

from typing import Any

from django import forms
from django.db.models import QuerySet

from accounts.models import User
from api.models import Scope
from safeguard.dates import date_field
from safeguard.forms import Form


class ClientForm(Form):
    name = forms.CharField(max_length=100, help_text="What the client is, e.g. NCA referral intake.")
    scopes = forms.MultipleChoiceField(choices=Scope.choices, widget=forms.CheckboxSelectMultiple)
    records_for = forms.ModelChoiceField(
        queryset=User.objects.none(),
        required=False,
        label="Records referrals for",
        help_text="Referral intake only: the person its referrals are recorded for, told of their matches.",
    )
    expires = date_field(
        "Expires", required=False, help_text="Last day the token works. Left empty: a year from today."
    )

    def __init__(self, *args: Any, recorders: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["records_for"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = recorders
