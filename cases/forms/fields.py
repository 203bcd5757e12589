"""Form fields shared by the forms: times typed in UK local time (with BST or GMT in the hour repeated
when the clocks go back), stored in UTC; choices of records."""

import inspect
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from typing import Any, TypeGuard, cast

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from cases import formats, rules


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
        generic = str(forms.Field.default_error_messages["required"])
        for field in self.fields.values():
            if str(field.error_messages.get("required", "")) == generic:
                field.error_messages = {**field.error_messages, "required": required_message(field)}
            if _is_drop_down(field) and not any(value == "" for value, _label in choices_of(field)):
                field.choices = [("", CHOOSE_ONE if field.required else NOT_RECORDED), *choices_of(field)]

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


class DateInput(forms.DateInput):
    """A date typed as Safeguard shows it (`23 Nov 2026`), or the word "today"."""

    input_type = "text"

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__(attrs={"autocomplete": "off", "spellcheck": "false", **(attrs or {})})

    def format_value(self, value):
        return formats.day(value) if isinstance(value, date) else super().format_value(value)


NOW, TODAY = "now", "today"
DATETIME_HINT = "For example 23 Nov 2026 14:05 (UK time), or now."
DATE_HINT = "For example 23 Nov 2026, or today."


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


class DateField(forms.DateField):
    """A date in any of `formats.DATE_INPUT_FORMATS`, or "today" (in London)."""

    input_formats = formats.DATE_INPUT_FORMATS
    default_error_messages = {"invalid": "Enter a date like 23 Nov 2026, or today."}

    def to_python(self, value):
        if isinstance(value, str) and value.strip().lower() == TODAY:
            return timezone.localdate(timezone=formats.LONDON)
        return super().to_python(value)


def _with_hint(help_text: str, hint: str) -> str:
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


def datetime_field(label: str, *, required: bool = True, help_text: str = "") -> forms.DateTimeField:
    return DateTimeField(
        label=label,
        required=required,
        help_text=_with_hint(help_text, DATETIME_HINT),
        widget=DateTimeInput(),
        validators=[date_in_range],
    )


def date_field(label: str, *, required: bool = True, help_text: str = "") -> forms.DateField:
    return DateField(
        label=label,
        required=required,
        help_text=_with_hint(help_text, DATE_HINT),
        widget=DateInput(),
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
