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


def _subclasses(cls):  # type: ignore[no-untyped-def]
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
        files = forms.IntegerField(label="Files")
        confirmed = forms.BooleanField(label="Confirmed")
        own = forms.CharField(label="Own", error_messages={"required": "Enter the court's name."})

    errors = Example(data={}).errors

    assert {name: messages[0] for name, messages in errors.items()} == {
        "court": "Fill this in.",
        "heard_at": "Enter a date and time.",
        "born_on": "Enter a date.",
        "kind": "Choose one.",
        "offences": "Choose at least one.",
        "files": "Enter a number, 0 if there are none.",
        "confirmed": "Tick this box to go on.",
        "own": "Enter the court's name.",
    }
