"""Over-long and over-large values are refused by the form, with an error on the field, before they
reach the database. Every form in Safeguard is walked: a text field without a maximum length, or a
whole-number field without a maximum, fails this test."""

import importlib
import inspect
import pkgutil

import pytest
from django import forms
from django.urls import reverse

import cases.forms
from casefiles.io.parsing import LINE_TOO_LONG
from casefiles.io.schema import MAX_LINE_BYTES
from cases.forms.fields import FREE_TEXT_MAX_LENGTH, NUMBER_MAX
from cases.middleware import TOO_LARGE
from tests.casefiles.test_import_cases import as_file, importer  # noqa: F401  (the cast the file names)
from tests.factories.cases import CaseFactory

FORM_MODULES = [
    *(f"cases.forms.{module.name}" for module in pkgutil.iter_modules(cases.forms.__path__)),
    "warrants.forms",
    "audit.forms",
]


def safeguard_forms() -> list[type[forms.BaseForm]]:
    found = []
    for name in FORM_MODULES:
        module = importlib.import_module(name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, forms.BaseForm) and cls.__module__ == name:
                found.append(cls)
    return found


def test_every_form_is_walked():
    assert len(safeguard_forms()) > 30


@pytest.mark.parametrize("form", safeguard_forms(), ids=lambda form: f"{form.__module__}.{form.__name__}")
def test_every_text_and_number_field_has_a_limit(form):
    unlimited = []
    for name, field in form.base_fields.items():
        if isinstance(field, forms.CharField) and field.max_length is None:
            unlimited.append(f"{name} (text without max_length)")
        if isinstance(field, forms.IntegerField) and field.max_value is None:
            unlimited.append(f"{name} (number without max_value)")
    assert not unlimited, f"{form.__name__}: {', '.join(unlimited)}"


@pytest.mark.django_db
def test_an_over_long_note_is_a_form_error_and_nothing_is_saved(client, team, officer, supervisor):
    case = CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor)
    client.force_login(officer)

    response = client.post(
        reverse("cases:log_add", args=[case.reference]), {"kind": "note", "text": "A" * (FREE_TEXT_MAX_LENGTH + 1)}
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert f"Ensure this value has at most {FREE_TEXT_MAX_LENGTH:,}" in page or (
        f"at most {FREE_TEXT_MAX_LENGTH}" in page
    )
    assert not case.log_entries.filter(kind="note").exists()


@pytest.mark.django_db
def test_a_huge_number_is_a_form_error(client, team, officer, supervisor):
    case = CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor)
    client.force_login(officer)

    response = client.post(
        reverse("cases:safeguarding_add", args=[case.reference]),
        {"pseudonymous_reference": "CHILD-A", "children_count": str(10**30), "relationship": "household",
         "children_safeguarded": "0"},
    )  # fmt: skip

    assert response.status_code == 400
    assert "Ensure this value is less than or equal to" in response.content.decode()
    assert NUMBER_MAX >= 999


@pytest.mark.django_db
def test_a_request_body_over_the_limit_is_refused_with_413_and_says_why(client, settings, team, officer, supervisor):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024
    case = CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor)
    client.force_login(officer)

    response = client.post(reverse("cases:log_add", args=[case.reference]), {"kind": "note", "text": "A" * 70_000})

    assert response.status_code == 413
    assert TOO_LARGE.format(limit=64) in response.content.decode()
    assert not case.log_entries.filter(kind="note").exists()


@pytest.mark.django_db
def test_too_many_fields_is_refused_not_a_server_error(client, officer):
    client.force_login(officer)
    fields = "&".join(f"f{n}=x" for n in range(3000))

    response = client.post(reverse("cases:create"), fields)

    assert response.status_code == 400


@pytest.mark.django_db
def test_an_over_long_import_line_is_a_line_error(importer):  # noqa: F811
    from casefiles.io import import_cases

    report = import_cases(as_file(b"{" + b" " * (MAX_LINE_BYTES + 10) + b"}"), actor=importer)

    assert [str(error) for error in report.errors] == [f"line 1: {LINE_TOO_LONG}"]


@pytest.mark.django_db
@pytest.mark.parametrize("length", [120, 151, 300])
def test_a_long_username_at_sign_in_is_refused_not_a_server_error(client, length):
    response = client.post(reverse("login"), {"username": "u" * length, "password": "wrong"})

    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
