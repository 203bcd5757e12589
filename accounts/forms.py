"""Sign-in forms: the password step (Django's, with a length check first) and the two-factor code.
Password change uses Django's own form."""

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm, UsernameField
from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from accounts.models import Team, User
from accounts.roles import ROLES
from accounts.services.people import DIRECT_ROLES
from safeguard.forms import Form

ACCOUNT_DISABLED = (
    "Your account is disabled: {reason} Ask your force's Safeguard administrator if you think this is wrong."
)

CODE_HINT = "The 6-digit code your authenticator app shows now. Spaces are ignored."


class SignInForm(AuthenticationForm):
    """Django's sign-in form, with limits on both fields: a username longer than any account's is a
    form error before the password is checked (it cannot be anyone's, and the failed attempt could
    not be recorded), and a password is at most 4,096 characters."""

    username = UsernameField(max_length=150, widget=forms.TextInput(attrs={"autofocus": True}))
    password = forms.CharField(
        label="Password",
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def clean(self) -> dict[str, Any]:
        try:
            return super().clean()
        except ValidationError:
            reason = self._disabled_reason()
            if reason is None:
                raise
            raise ValidationError(ACCOUNT_DISABLED.format(reason=reason.rstrip(".") + "."), code="disabled") from None

    def _disabled_reason(self) -> str | None:
        """Why the account is disabled, but only for the right password: anyone else is told only
        that the username or password is wrong, so the message says nothing of which accounts exist."""
        username, password = self.cleaned_data.get("username"), self.cleaned_data.get("password")
        if not username or not password:
            return None
        person = User.objects.filter(username=username, is_active=False).first()
        if person is None or not person.check_password(password):
            return None
        return person.disabled_reason or "no reason was recorded"


class TwoFactorCodeForm(Form):
    """A code from the authenticator app, or one of the person's backup codes."""

    code = forms.CharField(
        label="Code",
        max_length=20,
        help_text=CODE_HINT + " If you do not have your app, enter one of your backup codes.",
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )

    def clean_code(self) -> str:
        return "".join(self.cleaned_data["code"].split()).lower()


class TwoFactorSetupForm(Form):
    """The first code from a newly added authenticator app: six digits only."""

    code = forms.RegexField(
        label="Code from your app",
        regex=r"^\s*(\d\s*){6}$",
        max_length=12,
        help_text=CODE_HINT,
        error_messages={"invalid": "Enter the 6 digits your authenticator app shows, for example 123456."},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"}),
    )

    def clean_code(self) -> str:
        return "".join(self.cleaned_data["code"].split())


# User administration (accounts.views.administration). Shape only: accounts.services.people and
# accounts.services.requests check the rules.


class PeopleSearchForm(Form):
    q = forms.CharField(
        label="Find a person",
        required=False,
        max_length=100,
        help_text="Part of a username, name, e-mail address or collar number.",
    )


def _teams_field(label: str = "Teams") -> "forms.ModelMultipleChoiceField[Team]":
    return forms.ModelMultipleChoiceField(
        label=label, queryset=Team.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )


def _roles_field(choices: list[tuple[str, str]], help_text: str) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label="Roles", choices=choices, required=False, widget=forms.CheckboxSelectMultiple, help_text=help_text
    )


class InviteForm(Form):
    username = UsernameField(label="Username", max_length=150)
    email = forms.EmailField(label="E-mail address", max_length=254, help_text="The invitation is sent here.")
    first_name = forms.CharField(label="First name", max_length=150)
    last_name = forms.CharField(label="Last name", max_length=150)
    rank = forms.CharField(label="Rank", max_length=40, required=False, help_text="e.g. DC, DS, Police Staff.")
    collar_number = forms.CharField(label="Collar number", max_length=20, required=False)
    teams = _teams_field()
    roles = _roles_field(
        [(role, role) for role in DIRECT_ROLES],
        "Supervisor, Auditor and Administrator are asked for on the person's page once invited: a second "
        "administrator approves them.",
    )

    def __init__(self, *args: Any, teams: "QuerySet[Team]", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_queryset(self, "teams", teams)


class TeamsForm(Form):
    teams = _teams_field("Teams of your force")

    def __init__(self, *args: Any, teams: "QuerySet[Team]", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set_queryset(self, "teams", teams)


class RolesForm(Form):
    roles = _roles_field(
        [(role, role) for role in ROLES],
        "Officer and Digital forensics examiner are given at once. Supervisor, Auditor and Administrator "
        "are sent to a second administrator to approve. Unticking a role takes it away at once.",
    )


class TeamRequestForm(Form):
    team = forms.ModelChoiceField(label="Team of another force", queryset=Team.objects.none())
    reason = forms.CharField(
        label="Why", max_length=1000, widget=forms.Textarea(attrs={"rows": 3}), help_text="For the approver."
    )

    def __init__(self, *args: Any, teams: "QuerySet[Team]", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["team"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = teams


class DisableForm(Form):
    reason = forms.CharField(
        label="Reason",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The person is shown this when they next sign in with the right password.",
    )


class DecisionForm(Form):
    note = forms.CharField(label="Note", max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}))


def _set_queryset(form: forms.Form, name: str, queryset: "QuerySet[Team]") -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ModelMultipleChoiceField)
    field.queryset = queryset
