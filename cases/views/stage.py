"""The one pattern every "record a stage" page follows.

GET shows the form; POST validates its shape, calls one service, and on success redirects to the
case page with a confirmation. A service's `ValidationError` is shown on the form, on the field it
names where it names one, and nothing is saved (services are atomic).
"""

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from cases.models import Case


def add_service_error(form: forms.Form, error: ValidationError) -> None:
    """Attach a service error to the form: to its field when the form has that field, else to the form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def record_stage(
    request: HttpRequest,
    *,
    case: Case,
    form: forms.Form,
    save: Callable[[dict[str, Any]], object],
    title: str,
    success: str,
    template: str = "cases/stage_form.html",
    submit: str = "Save",
    redirect_to: str | None = None,
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    """Render `form` for `case`; on a valid POST call `save(cleaned_data)` and go back to the case."""
    if request.method == "POST" and form.is_valid():
        try:
            save(form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, success)
            return redirect(redirect_to or case.get_absolute_url())
    status = 400 if request.method == "POST" else 200
    context = {"case": case, "form": form, "title": title, "submit": submit, "nav": "cases", **(extra or {})}
    return render(request, template, context, status=status)
