"""Sign-in forms: the password step (Django's, with a length check first) and the two-factor code.
Password change uses Django's own form."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm, UsernameField

from safeguard.forms import Form

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
