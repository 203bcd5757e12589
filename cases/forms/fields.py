"""Form fields shared by the forms: times typed in UK local time (with BST or GMT in the hour repeated
when the clocks go back), stored in UTC; choices of records."""

from datetime import UTC, datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from cases import formats, rules
from safeguard.dates import DATE_EARLIEST as DATE_EARLIEST
from safeguard.dates import DATE_LATEST as DATE_LATEST
from safeguard.dates import DateField as DateField
from safeguard.dates import DateInput as DateInput
from safeguard.dates import date_field as date_field
from safeguard.dates import date_in_range, with_hint
from safeguard.forms import CHOOSE_ONE
from safeguard.forms import Form as Form  # the base of every form, kept importable here


def model_choice(form: forms.BaseForm, name: str) -> "forms.ModelChoiceField[Any]":
    """The form's choice of records `name`, whose queryset each form narrows to the person or case."""
    field = form.fields[name]
    assert isinstance(field, forms.ModelChoiceField)
    return field


CLOCKS = ("BST", "GMT")
TIME_AMBIGUOUS = (
    "{time} happens twice on {day}, as the clocks go back that night: choose BST (the first {time}) or "
    "GMT (the second)."
)
TIME_MISSING = (
    "{time} does not exist on {day}: the clocks go forward from 01:00 GMT to 02:00 BST that night. "
    "Enter the time the clock showed (01:30 GMT is 02:30 BST)."
)


def _split_clock(value: str) -> tuple[str, str]:
    """A typed time and its clock, if one was chosen: "2026-10-25T01:30 GMT" -> ("2026-10-25T01:30", "GMT")."""
    text = value.strip()
    for clock in CLOCKS:
        if text.upper().endswith(" " + clock):
            return text[: -len(clock)].strip(), clock
    return text, ""


def _parse_wall(text: str) -> datetime | None:
    """A typed time in any of `formats.DATETIME_INPUT_FORMATS` (or ISO 8601 with an offset), or None."""
    try:
        parsed = parse_datetime(text.strip())
    except ValueError:
        return None
    if parsed is not None:
        return parsed
    for input_format in formats.DATETIME_INPUT_FORMATS:
        try:
            return datetime.strptime(text.strip(), input_format)
        except ValueError:
            continue
    return None


class DateTimeInput(forms.DateTimeInput):
    """A time typed as Safeguard shows it, in UK time (`23 Nov 2026 14:05`), or the word "now"; a
    plain text box rather than the browser's picker, which writes dates in the computer's own
    locale. With scripts on, a "Now" button beside it fills in the current UK time
    (static/js/safeguard.js, `data-now`).

    In the hour repeated when the clocks go back, a time happens twice: the input is then followed by
    a choice of BST (the first) or GMT (the second), sent as `<name>_clock`, so every such time can be
    entered without JavaScript."""

    input_type = "text"

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__(attrs={"autocomplete": "off", "spellcheck": "false", "data-now": "", **(attrs or {})})

    def format_value(self, value):
        return formats.when(value) if isinstance(value, datetime) else super().format_value(value)

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        value = super().value_from_datadict(data, files, name)
        clock = str(data.get(f"{name}_clock", "")).upper()
        if isinstance(value, str) and value.strip() and clock in CLOCKS and not _split_clock(value)[1]:
            return f"{value.strip()} {clock}"
        return value

    def render(self, name: str, value: Any, attrs: dict | None = None, renderer: Any = None) -> SafeString:
        clock = ""
        if isinstance(value, str):
            value, clock = _split_clock(value)
        html = super().render(name, value, attrs, renderer)
        wall = _parse_wall(value) if isinstance(value, str) else None
        try:
            ambiguous = bool(wall and wall.tzinfo is None and rules.is_ambiguous_uk_time(wall))
        except OverflowError:
            ambiguous = False
        if not clock and not ambiguous:
            return html
        select_id = f"{(attrs or {}).get('id') or 'id_' + name}_clock"
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (code, " selected" if code == clock else "", label)
                for code, label in (("", "Choose"), ("BST", "BST, the first time"), ("GMT", "GMT, the second time"))
            ),
        )
        return format_html(
            '{}<label for="{}" class="clock-label">Clock (the clocks go back that night)</label>'
            '<select id="{}" name="{}_clock">{}</select>',
            html,
            select_id,
            select_id,
            name,
            options,
        )


NOW = "now"
DATETIME_HINT = "For example 23 Nov 2026 14:05 (UK time), or now."


class DateTimeField(forms.DateTimeField):
    """A moment typed in UK time in any of `formats.DATETIME_INPUT_FORMATS`, or "now" (to the
    minute); stored in UTC. Every date-and-time input of every form is one of these.

    A time in the repeated hour of the autumn change needs its clock (BST or GMT); a time in the
    hour skipped in spring is refused, saying why. Django's own field refuses both with "may be
    ambiguous or it may not exist"."""

    widget = DateTimeInput
    input_formats = formats.DATETIME_INPUT_FORMATS
    default_error_messages = {"invalid": "Enter a date and time like 23 Nov 2026 14:05, or now."}

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, datetime) and value.tzinfo is not None:
            local = value.astimezone(rules.LONDON)
            if rules.is_ambiguous_uk_time(local.replace(tzinfo=None)):
                return formats.when(local)  # with its clock: `25 Oct 2026 01:30 BST`
        return super().prepare_value(value)

    def to_python(self, value: Any) -> datetime | None:
        if value in self.empty_values:
            return None
        if isinstance(value, datetime):
            return value if value.tzinfo is not None else self._localise(value, "")
        text, clock = _split_clock(str(value))
        if text.lower() == NOW:
            return timezone.now().replace(second=0, microsecond=0)
        wall = _parse_wall(text)
        if wall is None:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        if wall.tzinfo is not None:
            return wall
        try:
            return self._localise(wall, clock)
        except OverflowError:  # a year at the edge of the calendar: not a time Safeguard records
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None

    def _localise(self, wall: datetime, clock: str) -> datetime:
        said = {"time": f"{wall.hour:02d}:{wall.minute:02d}", "day": formats.day(wall)}
        if rules.is_missing_uk_time(wall):
            raise ValidationError(TIME_MISSING.format(**said), code="missing")
        if rules.is_ambiguous_uk_time(wall):
            if clock not in CLOCKS:
                raise ValidationError(TIME_AMBIGUOUS.format(**said), code="ambiguous")
            # Converted to UTC at once: Python never compares a London time in the repeated hour as
            # equal to another zone's (PEP 495), and the fold is lost on the way to the database.
            return wall.replace(tzinfo=rules.LONDON, fold=0 if clock == "BST" else 1).astimezone(UTC)
        return wall.replace(tzinfo=rules.LONDON).astimezone(UTC)


def datetime_field(label: str, *, required: bool = True, help_text: str = "") -> forms.DateTimeField:
    return DateTimeField(
        label=label,
        required=required,
        help_text=with_hint(help_text, DATETIME_HINT),
        widget=DateTimeInput(),
        validators=[date_in_range],
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

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset:
            yield self.choice(obj)


class ModelChoiceField(forms.ModelChoiceField):
    """A choice of records, starting on "Choose one" (or "None" when optional) unless the form
    names its own empty choice."""

    iterator = _ListedChoices

    def __init__(self, *args, **kwargs) -> None:
        if "empty_label" not in kwargs:
            kwargs["empty_label"] = CHOOSE_ONE if kwargs.get("required", True) else "None"
        super().__init__(*args, **kwargs)


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    iterator = _ListedChoices
