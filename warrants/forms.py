"""Forms for each step of a warrant. Each runs its service's checks of the values it holds beside
its field checks (`service_checks`); the services check the rest against the warrant's record.

No form takes the expiry: it is computed from the issue (PACE 1984 s.16(3)).
"""

from django import forms

from accounts.models import User
from cases.forms.fields import FREE_TEXT_MAX_LENGTH, Form, ModelChoiceField, datetime_field, model_choice
from cases.models import Case, Premises
from cases.selectors import case_people
from warrants.models import Warrant
from warrants.services import (
    warrant_check_applied,
    warrant_check_executed,
    warrant_check_further_entry,
    warrant_check_issued,
    warrant_check_references,
    warrant_check_refused,
    warrant_check_returned,
)


class WarrantDraftForm(Form):
    premises = ModelChoiceField(queryset=Premises.objects.none(), label="Premises to be searched")
    power = forms.ChoiceField(label="Power", choices=Warrant.Power.choices)
    entry = forms.ChoiceField(
        label="Entries authorised",
        choices=Warrant.Entry.choices,
        help_text="A further entry under a multiple-entry warrant needs an inspector's written authority.",
    )
    court = forms.CharField(label="Court applied to", max_length=120)
    warrant_reference = forms.CharField(
        max_length=40, required=False, help_text="The number on the warrant, if known now; or give it on issue."
    )
    court_reference = forms.CharField(
        max_length=40, required=False, help_text="The issuing court's own reference for the application, if known."
    )
    service_checks = (warrant_check_references,)

    def __init__(self, *args, case: Case, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        model_choice(self, "premises").queryset = case.premises.all()


class WarrantApplyForm(Form):
    applied_at = datetime_field("Applied at")
    service_checks = (warrant_check_applied,)


class WarrantIssueForm(Form):
    issued_at = datetime_field(
        "Issued at", help_text="The expiry is worked out from this: three months (PACE 1984 s.16(3))."
    )
    issuing_justice = forms.CharField(label="Issuing justice or judge", max_length=120)
    warrant_reference = forms.CharField(
        max_length=40, required=False, help_text="The number on the warrant. Left blank, any given before is kept."
    )
    court_reference = forms.CharField(
        max_length=40, required=False, help_text="The court's own reference. Left blank, any given before is kept."
    )
    service_checks = (warrant_check_issued, warrant_check_references)


class WarrantRefuseForm(Form):
    refused_at = datetime_field("Refused at")
    refusal_reason = forms.CharField(
        max_length=FREE_TEXT_MAX_LENGTH, label="Reason given for refusal", widget=forms.Textarea(attrs={"rows": 4})
    )
    service_checks = (warrant_check_refused,)


class WarrantExecuteForm(Form):
    executed_at = datetime_field("Executed at", help_text="When the premises were entered.")
    executed_by = ModelChoiceField(queryset=User.objects.none(), label="Executed by")
    persons_present = forms.CharField(
        max_length=FREE_TEXT_MAX_LENGTH,
        label="Persons present",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Everyone who entered, e.g. forensic staff under a constable's supervision (PACE 1984 s.16(2A)).",
    )
    result = forms.CharField(
        max_length=FREE_TEXT_MAX_LENGTH, label="Result", required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    service_checks = (warrant_check_executed,)

    def __init__(self, *args, case: Case, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        model_choice(self, "executed_by").queryset = case_people(case)


class WarrantReturnForm(Form):
    returned_at = datetime_field("Returned to court at")
    service_checks = (warrant_check_returned,)


class FurtherEntryForm(Form):
    authorised_by = forms.CharField(label="Inspector giving written authority", max_length=120)
    authorised_at = datetime_field("Authorised at")
    entered_at = datetime_field("Entered at", required=False, help_text="Leave blank if entry has not yet been made.")
    service_checks = (warrant_check_further_entry,)
