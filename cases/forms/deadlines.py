"""The deadlines page's filters (GET), for supervisors. Invalid values are ignored, not errors."""

from typing import Any

from accounts.models import Team, User
from cases.forms.fields import Form, ModelChoiceField, model_choice
from cases.selectors import own_team_members, own_teams


class DeadlineFilterForm(Form):
    team = ModelChoiceField(queryset=Team.objects.none(), required=False, empty_label="All my teams")
    officer = ModelChoiceField(
        label="Officer in the case", queryset=User.objects.none(), required=False, empty_label="Anyone"
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice(self, "team").queryset = own_teams(user)
        model_choice(self, "officer").queryset = own_team_members(user)

    def filters(self) -> dict[str, Any]:
        """The valid filters, ready for `deadlines_due_for`."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {name: data[name] for name in ("team", "officer") if name not in self.errors and data.get(name)}
