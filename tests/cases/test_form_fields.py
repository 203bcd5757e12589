"""cases.forms.fields: the choices of records a form offers."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.forms.case import CaseListFilterForm

pytestmark = pytest.mark.django_db


def test_a_choice_of_records_is_read_with_one_plain_query_not_a_server_side_cursor(officer, supervisor):
    form = CaseListFilterForm(user=officer, initial={"officer": supervisor.pk})

    with CaptureQueriesContext(connection) as queries:
        select = str(form["officer"])

    assert len(queries) == 1
    assert "DECLARE" not in queries[0]["sql"]
    assert f'<option value="{officer.pk}">' in select
    assert f'<option value="{supervisor.pk}" selected>' in select
    assert '<option value="">Anyone</option>' in select


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_every_form_of_safeguard_says_what_to_enter_when_a_required_field_is_empty():
    """Every form class of Safeguard's apps is a cases.forms.fields.Form (Django's own sign-in form
    aside), so none shows Django's "This field is required." (docs/reliability.md)."""
    import importlib
    import pkgutil

    from django import forms
    from django.contrib.auth.forms import AuthenticationForm

    import cases.forms
    from cases.forms.fields import Form

    for module in ("audit.forms", "warrants.forms"):
        importlib.import_module(module)
    for info in pkgutil.iter_modules(cases.forms.__path__):
        importlib.import_module(f"cases.forms.{info.name}")
    ours = [
        cls
        for cls in _subclasses(forms.Form)
        if cls.__module__.split(".")[0] in ("cases", "warrants", "audit") and cls is not Form
    ]
    assert len(ours) > 40
    outside = [cls.__name__ for cls in ours if not issubclass(cls, Form | AuthenticationForm)]
    assert outside == []


def test_a_required_field_left_empty_says_what_to_enter_by_its_kind():
    from django import forms

    from cases.forms.fields import Form, date_field, datetime_field

    class Example(Form):
        court = forms.CharField(label="Court")
        heard_at = datetime_field("Heard at")
        born_on = date_field("Date of birth")
        kind = forms.ChoiceField(label="Kind", choices=[("a", "A")])
        offences = forms.MultipleChoiceField(label="Offences", choices=[("a", "A")])
        file_count = forms.IntegerField(label="Files")
        confirmed = forms.BooleanField(label="Confirmed")
        own = forms.CharField(label="Own", error_messages={"required": "Enter the court's name."})

    errors = Example(data={}).errors

    assert {name: messages[0] for name, messages in errors.items()} == {
        "court": "Fill this in.",
        "heard_at": "Enter a date and time.",
        "born_on": "Enter a date.",
        "kind": "Choose one.",
        "offences": "Choose at least one.",
        "file_count": "Enter a number, 0 if there are none.",
        "confirmed": "Tick this box to go on.",
        "own": "Enter the court's name.",
    }


# No default that records something that did not happen (cases.forms.fields.Form).


@pytest.fixture
def case(team, officer, supervisor):
    from tests.factories.cases import CaseFactory

    return CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor)


def _selected(html: str) -> list[str]:
    import re

    return re.findall(r'<option value="([^"]*)"[^>]*\bselected\b', html)


def test_a_choice_that_matters_starts_empty_and_must_be_made(case):
    from cases.forms.charging import ChargingDecisionForm
    from cases.forms.closure import CloseCaseForm
    from cases.forms.search import DeviceForm

    device = DeviceForm(case=case)
    assert _selected(str(device["action"])) == [""]
    assert '<option value="" selected>Choose one</option>' in str(device["action"])
    decision = ChargingDecisionForm()
    assert _selected(str(decision["decision"])) == [""]
    assert _selected(str(CloseCaseForm()["retention_group"])) == [""]

    posted = ChargingDecisionForm(data={"decision_at": "now"})
    assert not posted.is_valid()
    assert posted.errors["decision"] == ["Choose one."]


def test_an_optional_choice_starts_on_not_recorded_and_a_list_of_records_never_shows_dashes(case):
    from cases.forms.court import HearingForm
    from cases.forms.search import DeviceForm

    remand = str(HearingForm(case=case)["remand_status"])
    assert '<option value="" selected>Not recorded</option>' in remand
    assert "---------" not in str(DeviceForm(case=case)["search"])


def test_the_only_possible_supervisor_is_chosen_already_and_one_of_two_is_not(officer, supervisor, team):
    from accounts.roles import SUPERVISOR
    from cases.forms.case import CaseOpenForm
    from tests.factories.people import UserFactory

    assert _selected(str(CaseOpenForm(user=officer)["supervisor"])) == [str(supervisor.pk)]
    # Submitted, the form holds what was sent, nothing chosen for the person.
    assert "supervisor" in CaseOpenForm(data={}, user=officer).errors

    UserFactory(username="ds.second", force=team.force, teams=[team], roles=[SUPERVISOR])
    assert _selected(str(CaseOpenForm(user=officer)["supervisor"])) == [""]
