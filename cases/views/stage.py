"""The one pattern every "record a stage" page follows.

GET shows the form; POST validates its shape, calls one service, and on success redirects to the
case page with a confirmation. A service's `ValidationError` is shown on the form, on the field it
names where it names one, and nothing is saved (services are atomic).

An edit page of a versioned record (optimistic locking, cases.services.versions) also passes
`current`, the form's initial values for a record. When someone else saved first, the page shows
the conflict, the values the person typed (still in the form, ready to save again) and, beside
them, the current ones.
"""

from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import models
from django.http import HttpResponse
from django.shortcuts import redirect, render

from accounts.http import AuthenticatedHttpRequest
from cases.formats import when
from cases.models import Case
from cases.services.versions import VersionConflict
from safeguard.forms import add_service_error, choices_of

NOT_RECORDED = "Not recorded"


class HasAbsoluteUrl(Protocol):
    """Somewhere Django's `redirect` can go: a record, or a URL known only once saved (`AfterSave`)."""

    def get_absolute_url(self) -> str: ...


def record_stage(
    request: AuthenticatedHttpRequest,
    *,
    case: Case | None,
    form: forms.Form,
    save: Callable[[dict[str, Any]], object],
    title: str,
    success: str | Callable[[Any], str],
    template: str = "cases/stage_form.html",
    submit: str = "Save",
    redirect_to: str | HasAbsoluteUrl | None = None,
    extra: dict[str, Any] | None = None,
    current: Callable[[Any], dict[str, object]] | None = None,
) -> HttpResponse:
    """Render `form` for `case`; on a valid POST call `save(cleaned_data)` and go back to the case.
    `success` is the confirmation, or makes it from what `save` returned."""
    current_values: list[tuple[str, str]] = []
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            saved = save(form.cleaned_data)
        except VersionConflict as conflict:
            current_values = show_conflict(form, conflict, current)
            status = 409
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, success(saved) if callable(success) else success)
            destination = redirect_to or case
            assert destination is not None, "a page without a case says where to go after saving"
            return redirect(destination)
    if request.method == "POST" and status == 200:
        status = 400
    context = {"case": case, "form": form, "title": title, "submit": submit, "nav": "cases", **(extra or {})}
    context["current_values"] = current_values
    return render(request, template, context, status=status)


def show_conflict(
    form: forms.Form, conflict: VersionConflict, current: Callable[[Any], dict[str, object]] | None
) -> list[tuple[str, str]]:
    """Keep the typed values in `form`, ready to save over the current record if the person still
    means to, and return the current record's values as (label, shown value) to put beside them."""
    data = form.data.copy()  # type: ignore[attr-defined]  # a bound form's QueryDict
    data["version"] = str(conflict.current_version)
    form.data = data
    form.add_error(None, conflict.messages)
    if current is None:
        return []
    values = current(conflict.current)
    return [
        (str(form[name].label), shown_value(field, values.get(name)))
        for name, field in form.fields.items()
        if not field.widget.is_hidden
    ]


def _chosen_records(field: forms.ModelChoiceField, values: list[Any] | tuple[Any, ...]) -> list[Any]:
    """The records a multiple choice of records holds, in its order, read in one query whatever
    their number; a key no longer found is None (shown as not recorded)."""
    assert field.queryset is not None, "every choice of records is given its queryset"
    keys = [value for value in values if not isinstance(value, models.Model)]
    found = {str(pk): record for pk, record in field.queryset.model._default_manager.in_bulk(keys).items()}
    return [value if isinstance(value, models.Model) else found.get(str(value)) for value in values]


def shown_value(field: forms.Field, value: object) -> str:
    """A stored value as a person reads it: a choice's label, a person's name, a London time."""
    if isinstance(field, forms.BooleanField):
        return "Yes" if value else "No"
    if value is None or value == "" or value == []:
        return NOT_RECORDED
    if isinstance(value, list | tuple):  # the choices of a multiple choice
        if isinstance(field, forms.ModelChoiceField):
            value = _chosen_records(field, value)
        return "; ".join(shown_value(field, item) for item in value)
    if isinstance(value, datetime):
        return when(value)
    if isinstance(field, forms.ModelChoiceField):
        assert field.queryset is not None, "every choice of records is given its queryset"
        model = field.queryset.model
        chosen = value if isinstance(value, models.Model) else model._default_manager.filter(pk=value).first()
        return str(chosen) if chosen is not None else NOT_RECORDED
    if isinstance(field, forms.ChoiceField):
        return str(dict(choices_of(field)).get(value, value))
    return str(value)
