"""Forms for searches, devices, triage and image counts. Shape only; the services check the rules.

Every choice of a related record is limited to the case's own records.
"""

from django import forms

from accounts.models import User
from cases.forms.fields import (
    FREE_TEXT_MAX_LENGTH,
    NUMBER_MAX,
    Form,
    ModelChoiceField,
    datetime_field,
    model_choice,
    version_field,
)
from cases.models import Case, Device, ImageCategory, ImageCount, Premises, Search
from cases.selectors import case_people
from cases.services.search import (
    device_check_forensic_completed_at,
    device_check_forensic_requested_at,
    device_check_triage,
    search_check_times,
    search_warrant_choices,
)

COUNT_ERRORS = {
    "required": "Enter a number, 0 if there are none.",
    "invalid": "Enter a whole number, 0 or more.",
    "min_value": "Enter a whole number, 0 or more.",
    "max_value": f"Enter a whole number no larger than {NUMBER_MAX:,}.",
}


class SearchForm(Form):
    premises = ModelChoiceField(queryset=Premises.objects.none(), label="Premises searched")
    warrant = ModelChoiceField(
        queryset=None,  # the case's warrants a search may be under (`search_warrant_choices`)
        label="Search warrant",
        required=False,
        help_text="Leave blank for a search under another power or with consent.",
    )
    started_at = datetime_field("Started at")
    ended_at = datetime_field("Ended at", required=False)
    notes = forms.CharField(
        max_length=FREE_TEXT_MAX_LENGTH, label="Notes", required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    service_checks = (search_check_times,)

    def __init__(self, *args, case: Case, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        model_choice(self, "premises").queryset = case.premises.filter(withdrawn_at__isnull=True)
        model_choice(self, "warrant").queryset = search_warrant_choices(case)


class DeviceForm(Form):
    exhibit_reference = forms.CharField(label="Exhibit reference", max_length=40, help_text="e.g. SH/1.")
    device_type = forms.ChoiceField(label="Type", choices=Device.Type.choices)
    make_model = forms.CharField(label="Make and model", max_length=120, required=False)
    action = forms.ChoiceField(label="What was done with it", choices=Device.Action.choices)
    search = ModelChoiceField(
        queryset=Search.objects.none(),
        label="Found during search",
        required=False,
    )
    notes = forms.CharField(
        max_length=FREE_TEXT_MAX_LENGTH, label="Notes", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, case: Case, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        model_choice(self, "search").queryset = case.searches.select_related("premises")


class DeviceTriageForm(Form):
    triage_result = forms.ChoiceField(label="Triage result", choices=Device.TriageResult.choices)
    triaged_at = datetime_field("Triaged at", required=False, help_text="Needed for any result but not examined.")
    examiner = ModelChoiceField(
        queryset=User.objects.none(),
        label="Examiner",
        required=False,
        help_text="Needed for any result but not examined.",
    )
    version = version_field()
    service_checks = (device_check_triage,)

    def __init__(self, *args, case: Case, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        model_choice(self, "examiner").queryset = case_people(case)


def count_field_name(category: str, kind: str) -> str:
    return f"{category}_{kind}"


class DeviceImageCountsForm(Form):
    """One source's counts as a grid: rows A/B/C, columns still/moving. Numbers only."""

    source = forms.ChoiceField(label="Source of the counts", choices=ImageCount.Source.choices)
    version = version_field()

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for category in ImageCategory.values:
            for kind, kind_label in ImageCount.Kind.choices:
                self.fields[count_field_name(category, kind)] = forms.IntegerField(
                    label=f"Category {category}, {kind_label.lower()} images",
                    min_value=0,
                    max_value=NUMBER_MAX,
                    error_messages=COUNT_ERRORS,
                    widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 0, "step": 1}),
                )

    def grid(self) -> list[tuple[str, list[forms.BoundField]]]:
        """(category, [still field, moving field]) for each row of the table."""
        return [
            (category, [self[count_field_name(category, kind)] for kind in ImageCount.Kind.values])
            for category in ImageCategory.values
        ]

    def counts(self) -> dict[str, dict[str, int]]:
        return {
            category: {kind: self.cleaned_data[count_field_name(category, kind)] for kind in ImageCount.Kind.values}
            for category in ImageCategory.values
        }


class DeviceForensicRequestForm(Form):
    requested_at = datetime_field("Full forensic examination requested at")
    service_checks = (device_check_forensic_requested_at,)


class DeviceForensicCompleteForm(Form):
    completed_at = datetime_field("Full forensic examination completed at")
    service_checks = (device_check_forensic_completed_at,)
