"""The date field every form uses: a date typed as Safeguard shows it (`23 Nov 2026`) or "today" (in
London), within the range of dates any form takes. A shared module, so that the audit trail's pages
take dates the same way as the cases' pages; the date-and-time field, which needs the UK clock
rules, is in cases.forms.fields."""

from datetime import date, datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from safeguard import formats

TODAY = "today"
DATE_HINT = "For example 23 Nov 2026, or today."


class DateInput(forms.DateInput):
    """A date typed as Safeguard shows it (`23 Nov 2026`), or the word "today"."""

    input_type = "text"

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__(attrs={"autocomplete": "off", "spellcheck": "false", **(attrs or {})})

    def format_value(self, value):
        return formats.day(value) if isinstance(value, date) else super().format_value(value)


class DateField(forms.DateField):
    """A date in any of `formats.DATE_INPUT_FORMATS`, or "today" (in London)."""

    input_formats = formats.DATE_INPUT_FORMATS
    default_error_messages = {"invalid": "Enter a date like 23 Nov 2026, or today."}

    def to_python(self, value):
        if isinstance(value, str) and value.strip().lower() == TODAY:
            return timezone.localdate(timezone=formats.LONDON)
        return super().to_python(value)


def with_hint(help_text: str, hint: str) -> str:
    """A field's help text followed by the example of what to type."""
    return f"{help_text} {hint}" if help_text else hint


# Every date and time a form takes lies between these: far beyond any real case, yet far enough from
# the ends of the calendar (years 1 and 9999) that a day or a time zone added never overflows.
DATE_EARLIEST = date(1900, 1, 1)
DATE_LATEST = date(2199, 12, 31)
DATE_OUT_OF_RANGE = f"Enter a date between {formats.day(DATE_EARLIEST)} and {formats.day(DATE_LATEST)}."


def date_in_range(value: date | datetime) -> None:
    day = value.date() if isinstance(value, datetime) else value
    if not DATE_EARLIEST <= day <= DATE_LATEST:
        raise ValidationError(DATE_OUT_OF_RANGE, code="out_of_range")


def date_field(label: str, *, required: bool = True, help_text: str = "") -> forms.DateField:
    return DateField(
        label=label,
        required=required,
        help_text=with_hint(help_text, DATE_HINT),
        widget=DateInput(),
        validators=[date_in_range],
    )
