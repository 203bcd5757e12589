"""Case forms: shape only. Choices are limited to what the user may pick; services check the rules."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from accounts.models import Team, User
from accounts.roles import OFFICER, SUPERVISOR
from cases.forms.fields import FREE_TEXT_MAX_LENGTH, Form, ModelChoiceField, date_field, datetime_field, model_choice
from cases.identifiers import POSTCODE_INVALID, normalise_postcode
from cases.models import Case
from cases.selectors import own_team_members, own_teams
from cases.services.case import LOG_KINDS_WRITTEN, case_check_opened_at, log_entry_check_at, subject_check

PNC_ID_SHAPE = re.compile(r"^\d{2}/\d{1,7}[A-Z]$")
PNC_ID_INVALID = "Enter a PNC ID like 09/123456A."


def teams_of(user: User) -> QuerySet[Team]:
    return user.teams.filter(force=user.force).select_related("force")


class CaseOpenForm(Form):
    team = ModelChoiceField(queryset=Team.objects.none(), empty_label=None)
    officer_in_case = ModelChoiceField(label="Officer in the case (OIC)", queryset=User.objects.none())
    supervisor = ModelChoiceField(queryset=User.objects.none())
    opened_at = datetime_field("Opened at")
    service_checks = (case_check_opened_at,)
    operation = forms.CharField(max_length=80, required=False, help_text="e.g. Safenet.")
    district = forms.CharField(max_length=80, required=False)
    restricted = forms.BooleanField(
        label="Restricted (need-to-know): only the officer in the case and supervisor can see it",
        required=False,
    )
    summary = forms.CharField(max_length=FREE_TEXT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 4}), required=False)

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        model_choice(self, "team").queryset = teams_of(user)
        # The case's officer and supervisor must be officers or supervisors, and supervisors, of its
        # team (`case_open`): offer those of the person's teams, not everyone in the force.
        members = own_team_members(user)
        model_choice(self, "officer_in_case").queryset = members.filter(groups__name__in=[OFFICER, SUPERVISOR])
        model_choice(self, "supervisor").queryset = members.filter(groups__name=SUPERVISOR)


class SubjectForm(Form):
    full_name = forms.CharField(max_length=200, help_text="The suspect. Never record a child here.")
    date_of_birth = date_field("Date of birth", required=False)
    pnc_id = forms.CharField(label="PNC ID", max_length=20, required=False, help_text="e.g. 09/123456A.")
    phone = forms.CharField(
        label="Phone number", max_length=32, required=False, help_text="e.g. 07700 900123, or +33 6 12 34 56 78."
    )
    email = forms.CharField(label="E-mail address", max_length=254, required=False)
    online_account = forms.CharField(
        max_length=200, required=False, help_text="A user name or account ID, with the platform in the notes."
    )
    notes = forms.CharField(max_length=FREE_TEXT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 3}), required=False)
    service_checks = (subject_check,)

    def clean_pnc_id(self) -> str:
        pnc_id = self.cleaned_data["pnc_id"].strip().upper()
        if pnc_id and not PNC_ID_SHAPE.match(pnc_id):
            raise forms.ValidationError(PNC_ID_INVALID)
        return pnc_id


class PremisesForm(Form):
    address = forms.CharField(
        max_length=FREE_TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One line per part of the address.",
    )
    postcode = forms.CharField(max_length=10, required=False)
    description = forms.CharField(max_length=200, required=False, help_text="e.g. home address, workplace.")

    def clean_postcode(self) -> str:
        postcode = self.cleaned_data["postcode"]
        if not postcode.strip():
            return ""
        try:
            return normalise_postcode(postcode)
        except ValidationError:
            raise forms.ValidationError(POSTCODE_INVALID) from None


class CaseLogEntryForm(Form):
    kind = forms.ChoiceField(
        label="Type of entry",
        choices=[(kind.value, kind.label) for kind in LOG_KINDS_WRITTEN],
        widget=forms.RadioSelect,
    )
    text = forms.CharField(max_length=FREE_TEXT_MAX_LENGTH, label="Entry", widget=forms.Textarea(attrs={"rows": 5}))
    at = datetime_field("When", required=False, help_text="Leave blank for now.")
    service_checks = (log_entry_check_at,)


class CaseLogCorrectionForm(Form):
    text = forms.CharField(
        max_length=FREE_TEXT_MAX_LENGTH,
        label="Correction",
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="The original entry is kept.",
    )
    at = datetime_field("When", required=False, help_text="Leave blank for now.")


class CaseListFilterForm(Form):
    """The case list's search and filters (GET). Invalid values are ignored, not errors."""

    q = forms.CharField(
        label="Search", required=False, max_length=200, help_text="Reference, operation or subject's name."
    )
    status = forms.ChoiceField(choices=[("", "Any status"), *Case.Status.choices], required=False)
    stage = forms.ChoiceField(choices=[("", "Any stage"), *Case.Stage.choices], required=False)
    team = ModelChoiceField(queryset=Team.objects.none(), required=False, empty_label="Any team")
    officer = ModelChoiceField(
        label="Officer in the case", queryset=User.objects.none(), required=False, empty_label="Anyone"
    )
    opened_from = date_field("Opened from", required=False)
    opened_to = date_field("Opened to", required=False)

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        model_choice(self, "team").queryset = own_teams(user)
        model_choice(self, "officer").queryset = own_team_members(user)

    def filters(self) -> dict:
        """The valid filters, ready for `case_list_for`."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            name: data[name] for name in self.fields if name not in self.errors and data.get(name) not in ("", None)
        }
