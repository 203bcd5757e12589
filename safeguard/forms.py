"""The base of every Safeguard form (`Form`: what an empty required field says, drop-downs that start
on no choice, the service's own checks in the same round) and how a service's error reaches a form."""

import inspect
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from typing import Any, TypeGuard, cast

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError


def required_message(field: forms.Field) -> str:
    """What to do about a required field left empty, by its kind. Django's own "This field is
    required." says nothing of what to fix; the error summary puts the field's label before this."""
    if isinstance(field, forms.BooleanField):
        return "Tick this box to go on."
    if isinstance(field, forms.ModelMultipleChoiceField | forms.MultipleChoiceField):
        return "Choose at least one."
    if isinstance(field, forms.ModelChoiceField | forms.ChoiceField):
        return "Choose one."
    if isinstance(field, forms.DateTimeField):
        return "Enter a date and time."
    if isinstance(field, forms.DateField):
        return "Enter a date."
    if isinstance(field, forms.IntegerField | forms.DecimalField | forms.FloatField):
        return "Enter a number, 0 if there are none."
    if isinstance(field, forms.GenericIPAddressField):
        return "Enter an IP address."
    return "Fill this in."


CHOOSE_ONE = "Choose one"
NOT_RECORDED = "Not recorded"

# What a person had typed into a form sent after their session ended, by field name (as sent), set
# for the one request that shows the page again once they have signed in
# (accounts.middleware.KeptFormMiddleware). Every empty form made in that request starts from it.
KEPT_FORM_DATA: ContextVar[dict[str, list[str]] | None] = ContextVar("kept_form_data", default=None)


class Form(forms.Form):
    """Every Safeguard form: a required field left empty says what to enter (`required_message`),
    unless the field has its own message; and no field records what did not happen by being left
    alone:

    - a drop-down list starts on an empty "Choose one" (required) or "Not recorded" (optional)
      choice, never on its first real choice, so a required choice must be made;
    - where a required choice has only one possible answer (one supervisor in the team), that
      answer is chosen already (`get_initial_for_field`).

    `id_prefix` keeps ids unique on a page that shows two forms with the same field names (the
    figures' period and its month-by-month export): the ids become `id_<prefix>_<name>`, so each
    label, hint and error points at its own form's field. The names sent are unchanged."""

    id_prefix = ""
    # The service's own checks of values this form holds (`subject_check`, `search_check_times`):
    # each is called with the fields it names as keyword arguments, once they have cleaned, even
    # when other fields have errors, so that a person sees every problem in one round. The service
    # still runs them itself: they are its rules, the form only shows them early.
    service_checks: tuple[Callable[..., None], ...] = ()
    _fields_with_own_errors: set[str]

    def __init__(self, *args, **kwargs) -> None:
        if self.id_prefix and "auto_id" not in kwargs:
            kwargs["auto_id"] = f"id_{self.id_prefix}_%s"
        super().__init__(*args, **kwargs)
        kept = KEPT_FORM_DATA.get()
        if kept and not self.is_bound:
            self.initial = {**self.initial, **self._kept_values(kept)}
        generic = str(forms.Field.default_error_messages["required"])
        for field in self.fields.values():
            if str(field.error_messages.get("required", "")) == generic:
                field.error_messages = {**field.error_messages, "required": required_message(field)}
            if _is_drop_down(field) and not any(value == "" for value, _label in choices_of(field)):
                field.choices = [("", CHOOSE_ONE if field.required else NOT_RECORDED), *choices_of(field)]

    def _kept_values(self, kept: dict[str, list[str]]) -> dict[str, object]:
        """The values of this form's fields among `kept`: a list for a field of several choices, else
        the last value sent. Shown as typed; nothing is cleaned or saved until the form is sent again."""
        values: dict[str, object] = {}
        for name, field in self.fields.items():
            sent = kept.get(self.add_prefix(name))
            if sent is None:
                continue
            several = isinstance(field, forms.MultipleChoiceField | forms.ModelMultipleChoiceField)
            values[name] = sent if several else (sent[-1] if sent else "")
        return values

    def full_clean(self) -> None:
        super().full_clean()
        if not self.is_bound or (self.empty_permitted and not self.has_changed()):
            return
        # A field's own error (missing, malformed) says what to fix; a service's message about the
        # same field would only repeat it in other words.
        self._fields_with_own_errors = {name for name in self.errors if name in self.fields}
        for check in self.service_checks:
            parameters = inspect.signature(check).parameters
            needed = [name for name, p in parameters.items() if p.default is inspect.Parameter.empty]
            if any(name not in self.cleaned_data for name in needed):
                continue  # a field it needs has its own error already
            values = {name: self.cleaned_data[name] for name in parameters if name in self.cleaned_data}
            try:
                check(**values)
            except ValidationError as error:
                self._add_service_problems(error)

    def _add_service_problems(self, error: ValidationError) -> None:
        found = error.message_dict if hasattr(error, "error_dict") else {NON_FIELD_ERRORS: error.messages}
        for name, messages in found.items():
            field = name if name in self.fields else None
            if field in self._fields_with_own_errors:
                continue
            already = [str(message) for message in self.errors.get(field or NON_FIELD_ERRORS, [])]
            new = [message for message in messages if message not in already]
            if new:
                self.add_error(field, new)

    def get_initial_for_field(self, field: forms.Field, field_name: str):
        value = super().get_initial_for_field(field, field_name)
        if value in (None, "") and field.required and not self.is_bound:
            return _only_choice(field)
        return value


def _is_drop_down(field: forms.Field) -> TypeGuard[forms.ChoiceField]:
    """A single choice from a fixed list, shown as a <select> (radio buttons start unticked)."""
    return (
        type(field) in (forms.ChoiceField, forms.TypedChoiceField)
        and isinstance(field.widget, forms.Select)
        and not isinstance(field.widget, forms.RadioSelect | forms.SelectMultiple)
    )


def choices_of(field: forms.ChoiceField) -> list[tuple[Any, Any]]:
    """The field's (value, label) pairs. Django normalises whatever a field is given to such pairs
    (`normalize_choices`), but the stubs type the getter as everything the setter accepts."""
    return list(cast(Iterable[tuple[Any, Any]], field.choices))


def _only_choice(field: forms.Field) -> object:
    """The one possible answer of a single-choice field, or None if there are none or several."""
    if isinstance(field, forms.ModelMultipleChoiceField):
        return None
    if isinstance(field, forms.ModelChoiceField):
        rows = list(field.queryset[:2]) if field.queryset is not None else []
        return rows[0].pk if len(rows) == 1 else None
    if isinstance(field, forms.ChoiceField) and not isinstance(field, forms.MultipleChoiceField):
        choices = choices_of(field)
        values = [value for value, label in choices if value != "" and not isinstance(label, list | tuple)]
        grouped = any(isinstance(label, list | tuple) for _value, label in choices)
        return values[0] if len(values) == 1 and not grouped else None
    return None


def add_service_error(form: forms.Form, error: ValidationError) -> None:
    """Attach a service error to the form: to its field when the form has that field, else to the form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)
