"""The kinds of value a case file holds, as pydantic types, and the messages a bad value gets.

Each kind is a marker used in `Annotated[...]` (casefiles/io/schema.py). A marker gives pydantic the
rule (pydantic-core checks it) and gives docs/import-format.md the words for its Type and Meaning
columns. Lookups of usernames, force codes, team names, offence codes and local keys read the
`CheckContext` passed to `model_validate(..., context=...)`, so each import looks each name up once.

Messages name the rule in the file's words; `problems_from` turns pydantic's errors into them, with
the path of the value in the line (`warrants[0].executed_at`). `Record`, at the end, is what every
record has in common: unknown fields refused, no coercion, and what a left-out value means.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Annotated, Any, ClassVar

from django.db import models
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    ValidationError,
    ValidationInfo,
    model_validator,
)
from pydantic_core import PydanticCustomError, core_schema

from accounts.models import Force, Team, User
from casefiles.io.screening import string_problem
from cases.forms.fields import DATE_EARLIEST, DATE_LATEST, NUMBER_MAX
from cases.models import ImageCategory, ImageCount, Offence

DATE_OUT_OF_RANGE_IMPORT = f"Dates must lie between {DATE_EARLIEST:%Y-%m-%d} and {DATE_LATEST:%Y-%m-%d}."
UNKNOWN_FIELD = 'Unknown field "{name}".'
CHILD_NAMED = (
    'Unknown field "{name}". Children are never named: record them under safeguarding by pseudonymous '
    "reference and count only."
)
REQUIRED = "This field is required."
WRONG_TYPE = "Expected {expected}, got {got}."
NUL_CHARACTER = "Contains a NUL character (\\u0000), which cannot be stored: remove it."
TOO_LONG = "At most {limit} characters (this has {length})."
NOT_A_CHOICE = '"{value}" is not one of: {choices}.'
NOT_A_DATETIME = "Not a date and time in ISO 8601 with an offset, e.g. 2026-03-02T06:05:00+00:00."
NO_OFFSET = "This time has no offset from UTC: add one, e.g. 2026-03-02T06:05:00+00:00."
NOT_A_DATE = "Not a date in the form YYYY-MM-DD."
NOT_AN_IP = "Not an IPv4 or IPv6 address."
OUT_OF_RANGE_MIN = "Must be at least {limit}."
OUT_OF_RANGE_MAX = "Must be at most {limit}."
UNKNOWN_USER = 'No user with username "{value}".'
UNKNOWN_FORCE = 'No force with code "{value}".'
UNKNOWN_TEAM = 'No team "{value}" in force {force}.'
UNKNOWN_OFFENCE = 'No offence with code "{value}" in the catalogue.'
OFFENCE_TWICE = 'Offence "{value}" is listed twice.'
BAD_KEY = "A key is 1 to 20 letters, digits, dots, dashes or underscores, e.g. S1."
KEY_TWICE = 'Key "{value}" is used twice in {space}.'
UNKNOWN_KEY = 'No {record} with key "{value}" in this case.'
BAD_COUNT_SOURCE = '"{value}" is not an image count source: one of {choices}.'

# A field name that looks like a child's name or date of birth gets CHILD_NAMED, not UNKNOWN_FIELD.
_CHILD_NAME = re.compile(r"(child|victim|pupil|minor).*(name|dob|birth)|(name|dob|birth).*(child|victim)", re.I)
_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,19}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
KEY_SPACE_RECORD = {
    "subjects": "subject",
    "premises": "premises",
    "warrants": "warrant",
    "searches": "search",
    "arrests": "arrest",
}
IMAGE_SOURCES = tuple(ImageCount.Source.values)
IMAGE_CATEGORIES = tuple(ImageCategory.values)
IMAGE_KINDS = tuple(ImageCount.Kind.values)
# A value refused by the metadata-only screening (casefiles.io.parsing.screen), which reports it itself.
_SCREENED = "screened"


@dataclass(frozen=True)
class Problem:
    path: str
    message: str


def join(path: str, name: str | int) -> str:
    if isinstance(name, int):
        return f"{path}[{name}]"
    return f"{path}.{name}" if path else name


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "an object"


def _refuse(message: str) -> PydanticCustomError:
    # Messages are already worded; pydantic formats `{name}` only from a context, and this has none.
    return PydanticCustomError("case_file", message)


class Lookups:
    """Users, forces, teams and offences by their names in the file, looked up once per import."""

    def __init__(self) -> None:
        self._users: dict[str, User | None] = {}
        self._forces: dict[str, Force | None] = {}
        self._teams: dict[tuple[int, str], Team | None] = {}
        self._offences: dict[str, Offence | None] = {}

    def user(self, username: str) -> User | None:
        if username not in self._users:
            self._users[username] = User.objects.filter(username=username).first()
        return self._users[username]

    def force(self, code: str) -> Force | None:
        if code not in self._forces:
            self._forces[code] = Force.objects.filter(code=code).first()
        return self._forces[code]

    def team(self, force: Force, name: str) -> Team | None:
        if (force.pk, name) not in self._teams:
            self._teams[(force.pk, name)] = Team.objects.filter(force=force, name=name).first()
        return self._teams[(force.pk, name)]

    def offence(self, code: str) -> Offence | None:
        if code not in self._offences:
            self._offences[code] = Offence.objects.filter(code=code).first()
        return self._offences[code]


@dataclass
class CheckContext:
    """What checking one case needs besides the line: the import's lookups, the case's force (for
    its team) and the local keys defined so far (fields are checked in path order)."""

    lookups: Lookups
    force: Force | None = None
    keys: dict[str, set[str]] = field(default_factory=lambda: {space: set() for space in KEY_SPACE_RECORD})


def _context(info: ValidationInfo) -> CheckContext:
    context = info.context
    assert isinstance(context, CheckContext), "validate a case with context=CheckContext(...)"
    return context


def _string(value: Any) -> str:
    """A JSON string that PostgreSQL can hold (not even a lookup can carry a NUL)."""
    if not isinstance(value, str):
        raise _refuse(WRONG_TYPE.format(expected="a string", got=json_type(value)))
    if "\x00" in value:
        if string_problem(value):
            raise PydanticCustomError(_SCREENED, "")
        raise _refuse(NUL_CHARACTER)
    return value


def _checked_string(schema: core_schema.CoreSchema) -> core_schema.CoreSchema:
    return core_schema.no_info_before_validator_function(_string, schema)


# Field kinds. `label` is the Type column of docs/import-format.md.


@dataclass(frozen=True)
class Chars:
    """A string; its length limit and choices come from `model.name` when given, so the format
    cannot drift from the database. A model field with choices makes this a choice."""

    model: type[models.Model] | None = None
    name: str = ""
    max_length: int | None = None

    @property
    def choices(self) -> tuple[str, ...] | None:
        if self.model is None:
            return None
        model_field = self.model._meta.get_field(self.name)
        return tuple(str(value) for value, _ in model_field.choices) if model_field.choices else None  # type: ignore[union-attr]  # a column, not a relation

    @property
    def limit(self) -> int | None:
        if self.model is None:
            return self.max_length
        return getattr(self.model._meta.get_field(self.name), "max_length", None)

    @property
    def label(self) -> str:
        return "choice" if self.choices else "string"

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        if self.choices:
            return _checked_string(core_schema.literal_schema(list(self.choices)))
        return _checked_string(core_schema.str_schema(max_length=self.limit))


@dataclass(frozen=True)
class OneOf:
    """A choice from a model's `TextChoices`, less the values only Safeguard itself records, or
    from the values given."""

    values: type[models.TextChoices] | tuple[str, ...]
    exclude: tuple[str, ...] = ()
    label = "choice"
    limit = None

    @property
    def choices(self) -> tuple[str, ...]:
        values = self.values if isinstance(self.values, tuple) else tuple(self.values.values)
        return tuple(value for value in values if value not in self.exclude)

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return _checked_string(core_schema.literal_schema(list(self.choices)))


@dataclass(frozen=True)
class Parsed:
    """A string read into a value by `parse(text)`, or by `parse(text, context)` when it needs
    the import's lookups or the case's keys."""

    label: str
    parse: Callable[..., Any]
    with_context: bool = False
    limit: int | None = None
    choices = None

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        parse = self.parse
        if self.with_context:
            return core_schema.with_info_plain_validator_function(
                lambda value, info: parse(_string(value), _context(info))
            )
        return core_schema.no_info_plain_validator_function(lambda value: parse(_string(value)))


@dataclass(frozen=True)
class Number:
    """A whole number within its limits and within PostgreSQL's integer, whatever the limits say."""

    low: int | None = None
    high: int | None = None
    label: str = "whole number"
    limit = None
    choices = None

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        floor = -NUMBER_MAX - 1
        low = floor if self.low is None else max(self.low, floor)
        high = NUMBER_MAX if self.high is None else min(self.high, NUMBER_MAX)
        return core_schema.int_schema(ge=low, le=high, strict=True)


@dataclass(frozen=True)
class ReadOnly:
    """Written by the export (derived by cases/rules.py or the services), ignored on import."""

    label: str
    limit = None
    choices = None


def parse_datetime(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise _refuse(NOT_A_DATETIME) from None
    if not _DATE.match(value[:10]) or len(value) <= 10:
        raise _refuse(NOT_A_DATETIME)
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise _refuse(NO_OFFSET)
    if not DATE_EARLIEST <= parsed.date() <= DATE_LATEST:
        raise _refuse(DATE_OUT_OF_RANGE_IMPORT)
    return parsed


def parse_date(value: str) -> date:
    if not _DATE.match(value):
        raise _refuse(NOT_A_DATE)
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise _refuse(NOT_A_DATE) from None
    if not DATE_EARLIEST <= day <= DATE_LATEST:
        raise _refuse(DATE_OUT_OF_RANGE_IMPORT)
    return day


def parse_ip(value: str) -> str:
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        raise _refuse(NOT_AN_IP) from None


def find_user(value: str, context: CheckContext) -> User:
    found = context.lookups.user(value)
    if found is None:
        raise _refuse(UNKNOWN_USER.format(value=value))
    return found


def find_force(value: str, context: CheckContext) -> Force:
    context.force = context.lookups.force(value)
    if context.force is None:
        raise _refuse(UNKNOWN_FORCE.format(value=value))
    return context.force


def find_team(value: str, context: CheckContext) -> Team | None:
    if context.force is None:  # the force is reported already
        return None
    team = context.lookups.team(context.force, value)
    if team is None:
        raise _refuse(UNKNOWN_TEAM.format(value=value, force=context.force.code))
    return team


def find_offence(value: str, context: CheckContext) -> Offence:
    offence = context.lookups.offence(value)
    if offence is None:
        raise _refuse(UNKNOWN_OFFENCE.format(value=value))
    return offence


def no_offence_twice(offences: list[Offence]) -> list[Offence]:
    seen: set[int] = set()
    for offence in offences:
        if offence.pk in seen:
            raise _refuse(OFFENCE_TWICE.format(value=offence.code))
        seen.add(offence.pk)
    return offences


def defines_key(space: str) -> Callable[[str, CheckContext], str]:
    """A record's own key: unique in its list, and usable by the records after it."""

    def define(value: str, context: CheckContext) -> str:
        if not _KEY.match(value):
            raise _refuse(BAD_KEY)
        if value in context.keys[space]:
            context.keys[space].add(value)
            raise _refuse(KEY_TWICE.format(value=value, space=space))
        context.keys[space].add(value)
        return value

    return define


def refers_to(space: str) -> Callable[[str, CheckContext], str]:
    """The key of a record defined earlier in the same case."""

    def refer(value: str, context: CheckContext) -> str:
        if value not in context.keys[space]:
            raise _refuse(UNKNOWN_KEY.format(record=KEY_SPACE_RECORD[space], value=value))
        return value

    return refer


def Key(space: str) -> Parsed:
    return Parsed("key", defines_key(space), with_context=True, limit=20)


def Ref(space: str) -> Parsed:
    return Parsed(f"key of {space}", refers_to(space), with_context=True)


DATETIME = Parsed("date-time", parse_datetime)
DATE = Parsed("date", parse_date)
IP_ADDRESS = Parsed("IP address", parse_ip)
USERNAME = Parsed("username", find_user, with_context=True)
FORCE_CODE = Parsed("force code", find_force, with_context=True)
TEAM_NAME = Parsed("team name", find_team, with_context=True)
OFFENCE_CODE = Parsed("offence code", find_offence, with_context=True)


# From pydantic's errors to the file's messages.

_EXPECTED = {
    "int_type": "a whole number",
    "bool_type": "true or false",
    "list_type": "a list",
    "model_type": "an object",
    "model_attributes_type": "an object",
    "dict_type": "an object",
}


def _path(loc: Iterable[str | int]) -> str:
    path = ""
    for part in loc:
        path = join(path, part)
    return path


def _message(error: Any, counts_depth: int | None) -> str | None:
    kind, value, ctx = error["type"], error.get("input"), error.get("ctx") or {}
    if kind == _SCREENED:
        return None
    if kind in ("missing", "too_short"):
        return REQUIRED
    if kind == "extra_forbidden":
        name = str(error["loc"][-1])
        if counts_depth == 1:
            return BAD_COUNT_SOURCE.format(value=name, choices=", ".join(IMAGE_SOURCES))
        if counts_depth in (2, 3):
            choices = IMAGE_CATEGORIES if counts_depth == 2 else IMAGE_KINDS
            return NOT_A_CHOICE.format(value=name, choices=", ".join(choices))
        return (CHILD_NAMED if _CHILD_NAME.search(name) else UNKNOWN_FIELD).format(name=name)
    if kind in _EXPECTED:
        return WRONG_TYPE.format(expected=_EXPECTED[kind], got=json_type(value))
    if kind == "string_too_long":
        return TOO_LONG.format(limit=ctx["max_length"], length=len(value))
    if kind == "literal_error":
        listed = re.findall(r"'((?:[^'\\]|\\.)*)'", str(ctx.get("expected", "")))
        shown = ", ".join('""' if choice == "" else choice for choice in listed)
        return NOT_A_CHOICE.format(value=value, choices=shown)
    if kind == "greater_than_equal":
        return OUT_OF_RANGE_MIN.format(limit=ctx["ge"])
    if kind == "less_than_equal":
        return OUT_OF_RANGE_MAX.format(limit=ctx["le"])
    return str(error["msg"])


def problems_from(error: ValidationError) -> list[Problem]:
    """Each of pydantic's errors as the file's problem: the value's path in the line and the rule."""
    problems = []
    for item in error.errors(include_url=False):
        loc = list(item["loc"])
        counts_depth = len(loc) - loc.index("image_counts") - 1 if "image_counts" in loc else None
        message = _message(item, counts_depth)
        if message is not None:
            problems.append(Problem(_path(loc), message))
    return problems


@dataclass(frozen=True)
class Label:
    """Only the Type column's words, for a kind pydantic checks by its own types."""

    label: str
    limit = None
    choices = None


# The building blocks of casefiles/io/schema.py.


class Record(BaseModel):
    """One object in a case line. Unknown fields are refused; values are never coerced (a number
    is not a string, "4" is not a number)."""

    model_config = ConfigDict(extra="forbid", strict=True, arbitrary_types_allowed=True)

    record_name: ClassVar[str]

    @model_validator(mode="before")
    @classmethod
    def _left_out(cls, data: Any) -> Any:
        """Null means left out, and so does "" for anything but free text; a required string of
        spaces is missing; read-only fields are dropped whatever they say."""
        if not isinstance(data, dict):
            return data  # refused by pydantic as not an object
        kept = {}
        for name, value in data.items():
            spec = cls.model_fields.get(name)
            if spec is None:
                kept[name] = value  # refused as unknown
                continue
            kind = field_kind(spec)
            free_text = isinstance(kind, Chars) and not kind.choices
            if isinstance(kind, ReadOnly) or value is None or (value == "" and not free_text):
                continue
            text_or_key = free_text or getattr(kind, "label", "") == "key"
            if text_or_key and spec.is_required() and isinstance(value, str) and not value.strip():
                continue
            kept[name] = value
        return kept


def field_kind(spec: Any) -> Any:
    """The kind marker of a field (one of the classes above), or None for true/false, records and lists."""
    for item in spec.metadata:
        if hasattr(item, "label"):
            return item
    annotation = spec.annotation
    for arg in getattr(annotation, "__args__", ()):
        for item in getattr(arg, "__metadata__", ()):
            if hasattr(item, "label"):
                return item
    return None


class KindCounts(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    still: Annotated[int, Number(0, NUMBER_MAX)] | None = None
    moving: Annotated[int, Number(0, NUMBER_MAX)] | None = None


class CategoryCounts(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    A: KindCounts | None = None
    B: KindCounts | None = None
    C: KindCounts | None = None


class ImageCounts(BaseModel):
    """Numbers only, by source, category and kind; a cell left out is 0."""

    model_config = ConfigDict(extra="forbid", strict=True)

    triage: CategoryCounts | None = None
    caid: CategoryCounts | None = None
    forensic: CategoryCounts | None = None

    def by_source(self) -> dict[str, dict[str, dict[str, int]]]:
        return self.model_dump(exclude_none=True)


OffenceCodes = Annotated[
    list[Annotated[Offence | None, OFFENCE_CODE]],
    Field(min_length=1),
    AfterValidator(no_offence_twice),
    Label("list of offence codes"),
]
Counts = Annotated[ImageCounts, Label("image counts")]
Usernames = Annotated[list[Annotated[User | None, USERNAME]], Label("list of usernames")]
