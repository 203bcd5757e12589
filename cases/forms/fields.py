"""Form fields shared by the forms: times typed in UK local time, stored in UTC; choices of records."""

from datetime import date, datetime

from django import forms
from django.core.exceptions import ValidationError


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


class Form(forms.Form):
    """Every Safeguard form: a required field left empty says what to enter (`required_message`),
    unless the field has its own message."""

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        generic = str(forms.Field.default_error_messages["required"])
        for field in self.fields.values():
            if str(field.error_messages.get("required", "")) == generic:
                field.error_messages = {**field.error_messages, "required": required_message(field)}


class DateTimeInput(forms.DateTimeInput):
    """A native date-and-time picker; the value is UK local time (Django converts to UTC on save)."""

    input_type = "datetime-local"

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


# Every date and time a form takes lies between these: far beyond any real case, yet far enough from
# the ends of the calendar (years 1 and 9999) that a day or a time zone added never overflows.
DATE_EARLIEST = date(1900, 1, 1)
DATE_LATEST = date(2199, 12, 31)
DATE_OUT_OF_RANGE = f"Enter a date between {DATE_EARLIEST:%-d %b %Y} and {DATE_LATEST:%-d %b %Y}."


def date_in_range(value: date | datetime) -> None:
    day = value.date() if isinstance(value, datetime) else value
    if not DATE_EARLIEST <= day <= DATE_LATEST:
        raise ValidationError(DATE_OUT_OF_RANGE, code="out_of_range")


def datetime_field(label: str, *, required: bool = True, help_text: str = "") -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label, required=required, help_text=help_text, widget=DateTimeInput(), validators=[date_in_range]
    )


def date_field(label: str, *, required: bool = True, help_text: str = "") -> forms.DateField:
    return forms.DateField(
        label=label, required=required, help_text=help_text, widget=DateInput(), validators=[date_in_range]
    )


VERSION_STALE = "This page is out of date. Open it again from the case page, then make your changes."


def version_field() -> forms.IntegerField:
    """The version of the record the form was opened on, sent back unchanged (cases.services.versions)."""
    return forms.IntegerField(
        widget=forms.HiddenInput(),
        min_value=1,
        max_value=2_147_483_647,
        error_messages={key: VERSION_STALE for key in ("required", "invalid", "min_value", "max_value")},
    )


# Free text (notes, summaries, outcomes): several pages, far beyond any real entry, so that a value
# pasted by mistake is a form error rather than a quarter of a megabyte stored.
FREE_TEXT_MAX_LENGTH = 10_000
# The largest whole number a count column holds (PostgreSQL integer).
NUMBER_MAX = 2_147_483_647


class _ListedChoices(forms.models.ModelChoiceIterator):
    """The choices read with one plain query. Django reads them through a server-side cursor
    (DECLARE, FETCH, CLOSE: three round trips outside a transaction), which pays off only for
    more rows than a select can usefully list."""

    def __iter__(self):  # type: ignore[no-untyped-def]
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset:
            yield self.choice(obj)


class ModelChoiceField(forms.ModelChoiceField):
    iterator = _ListedChoices


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    iterator = _ListedChoices
