"""A warrant as a record that can be corrected, withdrawn and read version by version: registered
with cases' one registry (`cases.corrections.RECORD_TYPES`) when the app is ready, so that cases,
the lower layer, never imports warrants (docs/design.md, "Borders between apps")."""

from collections.abc import Callable
from typing import Any

from django import forms
from django.urls import reverse

from accounts.models import User
from cases.corrections import RecordType
from cases.forms.fields import FREE_TEXT_MAX_LENGTH, ModelChoiceField, datetime_field, model_choice
from cases.models import Case
from cases.selectors import case_people
from warrants.forms import FurtherEntryForm, WarrantDraftForm, WarrantExecuteForm
from warrants.models import FurtherEntryAuthority, Warrant
from warrants.services import (
    further_entry_correct,
    further_entry_dependants,
    further_entry_describe,
    warrant_check_applied,
    warrant_check_executed,
    warrant_check_issued,
    warrant_check_refused,
    warrant_check_returned,
    warrant_correct,
    warrant_dependants,
)

NOT_YET = "Left blank until this step is recorded on the warrant's page."


class WarrantRecordForm(WarrantDraftForm):
    """The warrant with every step recorded so far, as a correction shows them together. A step not
    yet recorded stays blank: it is recorded on the warrant's page, with its own checks."""

    applied_at = datetime_field("Applied at", required=False, help_text=NOT_YET)
    issued_at = datetime_field(
        "Issued at",
        required=False,
        help_text="The expiry is worked out from this: three months (PACE 1984 s.16(3)). " + NOT_YET,
    )
    issuing_justice = forms.CharField(label="Issuing justice or judge", max_length=120, required=False)
    refused_at = datetime_field("Refused at", required=False, help_text=NOT_YET)
    refusal_reason = forms.CharField(
        max_length=FREE_TEXT_MAX_LENGTH,
        label="Reason given for refusal",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    executed_at = datetime_field("Executed at", required=False, help_text="When the premises were entered.")
    executed_by = ModelChoiceField(queryset=User.objects.none(), label="Executed by", required=False)
    # As the execution's form shows them (both optional there too).
    persons_present = WarrantExecuteForm.base_fields["persons_present"]
    result = WarrantExecuteForm.base_fields["result"]
    returned_at = datetime_field("Returned to court at", required=False, help_text=NOT_YET)
    service_checks: tuple[Callable[..., None], ...] = (
        *WarrantDraftForm.service_checks,
        warrant_check_applied,
        warrant_check_issued,
        warrant_check_refused,
        warrant_check_executed,
        warrant_check_returned,
    )

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, case=case, **kwargs)
        model_choice(self, "executed_by").queryset = case_people(case)


def _warrant_page(case: Case, warrant: Any) -> str:
    return reverse("warrants:detail", kwargs={"reference": case.reference, "pk": warrant.pk})


def _its_warrant_page(case: Case, authority: Any) -> str:
    return reverse("warrants:detail", kwargs={"reference": case.reference, "pk": authority.warrant_id})


WARRANT = RecordType(
    key="warrant",
    label="Search warrant",
    model=Warrant,
    first_entry_form=WarrantRecordForm,
    correct=lambda warrant, actor, data: warrant_correct(warrant=warrant, actor=actor, **data),
    dependants=warrant_dependants,
    takes_case=True,
    page=_warrant_page,
)


# An inspector's written authority for a further entry under a multiple-entry warrant (PACE 1984
# s.16(3A)-(3B)): corrected with its first entry's form and checks, and withdrawn as entered in error.
FURTHER_ENTRY = RecordType(
    key="further_entry",
    label="Further entry",
    model=FurtherEntryAuthority,
    first_entry_form=FurtherEntryForm,
    correct=lambda authority, actor, data: further_entry_correct(authority=authority, actor=actor, **data),
    dependants=further_entry_dependants,
    via="warrant__case",
    page=_its_warrant_page,
    name=further_entry_describe,
)
