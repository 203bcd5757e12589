"""Forms for who may see and record on a case. Shape only; `cases.services.access` checks the rules."""

from django import forms
from django.db.models import QuerySet

from accounts.models import User
from accounts.roles import EXAMINER, OFFICER, SUPERVISOR
from cases.forms.fields import Form, ModelChoiceField, model_choice, version_field
from cases.models import Case
from cases.services.access import REASSIGN_REASON_MAX, AccessLevel


def people_of_force(case: Case) -> QuerySet[User]:
    return User.objects.filter(is_active=True, force_id=case.force_id)


class GrantAccessForm(Form):
    user = ModelChoiceField(label="Person", queryset=User.objects.none())
    level = forms.ChoiceField(label="Access", choices=AccessLevel.choices, widget=forms.RadioSelect)
    reason = forms.CharField(
        label="Why",
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Access for someone outside the case's team is approved by an administrator, who reads this.",
    )

    def __init__(self, *args, case: Case, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        model_choice(self, "user").queryset = people_of_force(case)


class RevokeAccessForm(Form):
    user = ModelChoiceField(label="Person", queryset=User.objects.none())

    def __init__(self, *args, case: Case, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        model_choice(self, "user").queryset = User.objects.filter(pk__in=case.user_grants.values("user_id"))


class AssignExaminerForm(Form):
    examiner = ModelChoiceField(label="Digital forensics examiner", queryset=User.objects.none())

    def __init__(self, *args, case: Case, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        model_choice(self, "examiner").queryset = people_of_force(case).filter(groups__name=EXAMINER)


def reason_field() -> forms.CharField:
    """Why a case is reassigned: kept in the case log and the audit trail."""
    return forms.CharField(
        label="Reason",
        max_length=REASSIGN_REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Kept in the case log and the audit trail, for example: workload, leave, skills.",
    )


class ReassignForm(Form):
    officer_in_case = ModelChoiceField(label="Officer in the case (OIC)", queryset=User.objects.none())
    supervisor = ModelChoiceField(queryset=User.objects.none())
    reason = reason_field()
    version = version_field()

    def __init__(self, *args, case: Case, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        team = case.team.members.filter(is_active=True)
        officers = team.filter(groups__name__in=(OFFICER, SUPERVISOR)).distinct()
        model_choice(self, "officer_in_case").queryset = officers
        model_choice(self, "supervisor").queryset = team.filter(groups__name=SUPERVISOR)


class RestrictForm(Form):
    restricted = forms.BooleanField(
        label="Restricted (need-to-know): visible only to people granted it by name", required=False
    )
    version = version_field()
