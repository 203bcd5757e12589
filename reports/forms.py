"""Forms of the supervisor's dashboard and the figures: shape only."""

from typing import Any

from django.utils import timezone

from accounts.models import Team, User
from cases.forms.fields import Form, ModelChoiceField, date_field, model_choice
from cases.selectors import own_team_members, own_teams
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
