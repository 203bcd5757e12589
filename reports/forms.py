"""Forms of the supervisor's dashboard and the figures: shape only."""

from typing import Any

from django import forms
from django.utils import timezone

from accounts.models import Team, User
from accounts.roles import OFFICER, SUPERVISOR
from cases.forms.access import reason_field
from cases.forms.fields import Form, ModelChoiceField, date_field, model_choice
from cases.models import Case
from cases.selectors import cases_visible_to, own_team_members, own_teams
from reports.sql import Period, default_period

DATES_REVERSED = "The end date must be the same as or after the start date."
DATE_IN_FUTURE = "The end date cannot be in the future."


class PeriodForm(Form):
    """A period of London dates, both included. Left empty: the last 90 days."""

    date_from = date_field("From", required=False)
    date_to = date_field("To", required=False, help_text="Included. Leave both empty for the last 90 days.")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first, last = cleaned.get("date_from"), cleaned.get("date_to")
        if last and last > timezone.localdate():
            self.add_error("date_to", DATE_IN_FUTURE)
        if first and last and last < first:
            self.add_error("date_to", DATES_REVERSED)
        return cleaned

    def period(self) -> Period:
        """The period asked for, the default for what is left out or wrong."""
        default = default_period()
        if not self.is_bound:
            return default
        self.is_valid()
        if "date_from" in self.errors or "date_to" in self.errors:
            return default
        first = self.cleaned_data.get("date_from")
        last = self.cleaned_data.get("date_to") or default.last
        return Period(first or min(default.first, last), last)


class ExportRequestForm(PeriodForm):
    """Both dates are needed to ask for a month-by-month export. Shown on the figures page below
    the period form, hence ids of its own."""

    id_prefix = "export"

    date_from = date_field("From")
    date_to = date_field("To", help_text="Included.")


class DashboardForm(PeriodForm):
    team = ModelChoiceField(queryset=Team.objects.none(), required=False, empty_label="All teams")
    officer = ModelChoiceField(
        label="Officer in the case", queryset=User.objects.none(), required=False, empty_label="All officers"
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice(self, "team").queryset = own_teams(user)
        model_choice(self, "officer").queryset = own_team_members(user)

    def choice(self, name: str) -> Any:
        """A valid team or officer filter, or None."""
        if not self.is_bound:
            return None
        self.is_valid()
        return self.cleaned_data.get(name)


REASSIGN_CASE_NOT_CHOSEN = "Choose at least one case to reassign."
REASSIGN_CASE_UNKNOWN = "Case %(value)s is not an open case you can see. Choose from the list."
REASSIGN_OFFICER_UNKNOWN = "Choose an active officer or supervisor of one of your teams."
REASSIGN_WHOSE_UNKNOWN = "Choose an active member of one of your teams."


class BulkReassignForm(Form):
    """Reassign many cases at once to one officer in the case, for one reason. The cases' checkboxes
    are drawn by the page, one per case listed (`whose_cases`); any open case the person may see is
    accepted here, and the service checks the rest."""

    cases = forms.ModelMultipleChoiceField(
        label="Cases to reassign",
        queryset=Case.objects.none(),
        error_messages={"required": REASSIGN_CASE_NOT_CHOSEN, "invalid_choice": REASSIGN_CASE_UNKNOWN},
    )
    officer_in_case = ModelChoiceField(
        label="New officer in the case",
        queryset=User.objects.none(),
        error_messages={"invalid_choice": REASSIGN_OFFICER_UNKNOWN},
    )
    reason = reason_field()

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        members = own_team_members(user)
        officers = members.filter(groups__name__in=(OFFICER, SUPERVISOR))
        model_choice(self, "officer_in_case").queryset = User.objects.filter(pk__in=officers.values("pk")).order_by(
            "last_name", "first_name"
        )
        cases = self.fields["cases"]
        assert isinstance(cases, forms.ModelMultipleChoiceField)
        cases.queryset = cases_visible_to(user).filter(status=Case.Status.OPEN)


def whose_cases(params: Any, *, user: User) -> tuple[User | None, str]:
    """The officer asked for by `params["whose"]` (or `params["officer"]`, as the dashboard's
    caseload links it) among the active members of `user`'s teams, and an error if it is not one."""
    value = params.get("whose") or params.get("officer") or ""
    if not value:
        return None, ""
    found = own_team_members(user).filter(pk=value).first() if str(value).isdigit() else None
    return (found, "") if found is not None else (None, REASSIGN_WHOSE_UNKNOWN)
