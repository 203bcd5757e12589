"""Reading a case file: lines, JSON, metadata-only screening, and the shape of each case.

This checks only what a line says (types, known fields, that usernames, codes and keys exist). Rules
across records and times are the services' job: the importer replays every case through them.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import IO, Any

from accounts.models import Force, Team, User
from cases.forms.fields import DATE_EARLIEST, DATE_LATEST, NUMBER_MAX
from cases.io.schema import CASE, IMAGE_CATEGORIES, IMAGE_KINDS, IMAGE_SOURCES, MAX_LINE_BYTES, Field, Record
from cases.io.screening import raw_line_problem, string_problem
from cases.models import Case, Offence

LINE_TOO_LONG = f"Line is longer than the limit of {MAX_LINE_BYTES // (1024 * 1024)} MiB; nothing of it was read."
NOT_UTF8 = "Line is not UTF-8 text."
# No case nests records more than a few levels deep; a line nested deeper is refused whole.
MAX_DEPTH = 16
TOO_DEEP = f"Line nests its data more than {MAX_DEPTH} levels deep; no case does. Nothing of it was read."
DATE_OUT_OF_RANGE_IMPORT = f"Dates must lie between {DATE_EARLIEST:%Y-%m-%d} and {DATE_LATEST:%Y-%m-%d}."
NOT_AN_OBJECT = "Each line must be one JSON object (a case)."
UNKNOWN_FIELD = 'Unknown field "{name}".'
CHILD_NAMED = (
    'Unknown field "{name}". Children are never named: record them under safeguarding by pseudonymous '
    "reference and count only."
)
DUPLICATE_FIELD = 'Field "{name}" appears twice.'
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
DUPLICATE_REFERENCE_IN_FILE = "Case {value} appears more than once in this file (first on line {line})."
DUPLICATE_REFERENCE_IN_DATABASE = "Case {value} already exists in Safeguard."
STATUS_CLOSED_WITHOUT_CLOSURE = 'A case with status "closed" needs a closure.'
STATUS_OPEN_WITH_CLOSURE = 'A case with a closure has status "closed".'
CORRECTION_NEEDS_TARGET = "A correction must say which earlier entry it corrects (corrects)."
ONLY_CORRECTIONS_REFER = 'Only an entry of kind "correction" corrects another.'
CORRECTS_EARLIER = "Must be the position (from 0) of an earlier entry in log."
BAD_COUNT_SOURCE = '"{value}" is not an image count source: one of {choices}.'

_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,19}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CHILD_NAME = re.compile(r"(child|victim|pupil|minor).*(name|dob|birth)|(name|dob|birth).*(child|victim)", re.I)
_KEY_SPACE_RECORD = {
    "subjects": "subject",
    "premises": "premises",
    "warrants": "warrant",
    "searches": "search",
    "arrests": "arrest",
}


@dataclass(frozen=True)
class Problem:
    path: str
    message: str


def _json_type(value: Any) -> str:
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


def join(path: str, name: str | int) -> str:
    if isinstance(name, int):
        return f"{path}[{name}]"
    return f"{path}.{name}" if path else name


class DuplicateKey(ValueError):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for name, value in pairs:
        if name in result:
            raise DuplicateKey(name)
        result[name] = value
    return result


def _no_constants(name: str) -> None:
    raise ValueError(f"{name} is not allowed in JSON")


def read_lines(stream: IO[Any]) -> Iterator[tuple[int, str | None, str | None]]:
    """Yield (line number, text, problem) for each line; an over-long line is skipped, never held."""
    number = 0
    while True:
        chunk = stream.readline(MAX_LINE_BYTES + 2)
        if not chunk:
            return
        number += 1
        raw = chunk if isinstance(chunk, bytes) else chunk.encode("utf-8", errors="surrogateescape")
        complete = raw.endswith(b"\n")
        if not complete and len(raw) > MAX_LINE_BYTES:
            while True:  # discard the rest of the line without keeping it
                more = stream.readline(64 * 1024)
                if not more or (more.endswith(b"\n") if isinstance(more, bytes) else more.endswith("\n")):
                    break
            yield number, None, LINE_TOO_LONG
            continue
        problem = raw_line_problem(raw)  # before stripping: a PNG signature ends in \r\n
        if problem:
            yield number, None, problem
            continue
        raw = raw.rstrip(b"\r\n")
        if len(raw) > MAX_LINE_BYTES:
            yield number, None, LINE_TOO_LONG
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            yield number, None, NOT_UTF8
            continue
        if number == 1:
            text = text.removeprefix("\ufeff")
        yield number, text, None


def decode(text: str) -> tuple[Any, Problem | None]:
    try:
        data = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constants)
    except DuplicateKey as error:
        return None, Problem("", DUPLICATE_FIELD.format(name=error.args[0]))
    except json.JSONDecodeError as error:
        return None, Problem("", f"Not valid JSON: {error.msg} at column {error.colno}.")
    except ValueError as error:
        return None, Problem("", f"Not valid JSON: {error}.")
    except RecursionError:
        return None, Problem("", TOO_DEEP)
    if not isinstance(data, dict):
        return None, Problem("", NOT_AN_OBJECT)
    if _deeper_than(data, MAX_DEPTH):
        return None, Problem("", TOO_DEEP)
    return data, None


def _deeper_than(value: Any, limit: int) -> bool:
    """Whether `value` nests objects and lists more than `limit` levels deep (walked without recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > limit:
                return True
            stack.extend((inner, depth + 1) for inner in (item.values() if isinstance(item, dict) else item))
    return False


def screen(value: Any, path: str = "") -> list[Problem]:
    """Every string (and field name) that looks like a file, an image or encoded data."""
    problems: list[Problem] = []
    if isinstance(value, str):
        reason = string_problem(value)
        if reason:
            problems.append(Problem(path, reason))
    elif isinstance(value, dict):
        for name, item in value.items():
            reason = string_problem(name)
            if reason:
                problems.append(Problem(path, reason))
            else:
                problems.extend(screen(item, join(path, name)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            problems.extend(screen(item, join(path, index)))
    return problems


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


_EMPTY: dict[str, Any] = {"str": "", "text": "", "choice": "", "bool": False, "list": [], "offences": [], "counts": {}}


class CaseCleaner:
    """Checks one case against the schema and returns it with users, codes and times resolved."""

    def __init__(self, lookups: Lookups) -> None:
        self.lookups = lookups
        self.problems: list[Problem] = []
        self.keys: dict[str, set[str]] = {space: set() for space in _KEY_SPACE_RECORD}
        self.force: Force | None = None

    def problem(self, path: str, message: str) -> None:
        self.problems.append(Problem(path, message))

    def clean_case(self, data: dict[str, Any]) -> dict[str, Any]:
        cleaned = self.record(data, CASE, "")
        self._check_case(cleaned)
        return cleaned

    def record(self, data: Any, spec: Record, path: str) -> dict[str, Any]:
        if not isinstance(data, dict):
            self.problem(path, WRONG_TYPE.format(expected="an object", got=_json_type(data)))
            return {}
        for name in data:
            if spec.get(name) is None:
                template = CHILD_NAMED if _CHILD_NAME.search(name) else UNKNOWN_FIELD
                self.problem(join(path, name), template.format(name=name))
        cleaned: dict[str, Any] = {}
        for f in spec.fields:
            if f.read_only:
                continue
            field_path = join(path, f.name)
            value = data.get(f.name)
            if value is None or (value == "" and f.kind not in ("str", "text")):
                if f.required:
                    self.problem(field_path, REQUIRED)
                cleaned[f.name] = _EMPTY.get(f.kind)
                if f.kind == "list":
                    cleaned[f.name] = []
                continue
            cleaned[f.name] = self.value(value, f, field_path)
            if f.kind == "key" and cleaned[f.name] is not None and spec.key_space:
                self._define_key(cleaned[f.name], spec.key_space, field_path)
        return cleaned

    def _define_key(self, value: str, space: str, path: str) -> None:
        if value in self.keys[space]:
            self.problem(path, KEY_TWICE.format(value=value, space=space))
        self.keys[space].add(value)

    def _expect(self, value: Any, types: type | tuple[type, ...], expected: str, path: str) -> bool:
        if isinstance(value, types) and not (isinstance(value, bool) and bool not in _as_tuple(types)):
            return True
        self.problem(path, WRONG_TYPE.format(expected=expected, got=_json_type(value)))
        return False

    def value(self, value: Any, f: Field, path: str) -> Any:
        kind = f.kind
        if kind in ("str", "text", "choice", "key", "ref", "user", "force", "team", "offence", "ip", "date"):
            if not self._expect(value, str, "a string", path):
                return None
            if "\x00" in value:  # PostgreSQL cannot hold it, not even to look a value up
                if not string_problem(value):  # imagery is reported as such by `screen`
                    self.problem(path, NUL_CHARACTER)
                return None
            if kind in ("str", "text", "key") and f.required and not value.strip():
                self.problem(path, REQUIRED)
                return value
        if kind in ("str", "text"):
            if f.max_length and len(value) > f.max_length:
                self.problem(path, TOO_LONG.format(limit=f.max_length, length=len(value)))
            return value
        if kind == "choice":
            assert f.choices is not None
            if value not in f.choices:
                shown = ", ".join(f'"{c}"' if c == "" else c for c in f.choices)
                self.problem(path, NOT_A_CHOICE.format(value=value, choices=shown))
            return value
        if kind == "key":
            if not _KEY.match(value):
                self.problem(path, BAD_KEY)
                return None
            return value
        if kind == "ref":
            assert f.refers_to is not None
            if value not in self.keys[f.refers_to]:
                self.problem(path, UNKNOWN_KEY.format(record=_KEY_SPACE_RECORD[f.refers_to], value=value))
            return value
        if kind == "user":
            found = self.lookups.user(value)
            if found is None:
                self.problem(path, UNKNOWN_USER.format(value=value))
            return found
        if kind == "force":
            self.force = self.lookups.force(value)
            if self.force is None:
                self.problem(path, UNKNOWN_FORCE.format(value=value))
            return self.force
        if kind == "team":
            if self.force is None:
                return None
            team = self.lookups.team(self.force, value)
            if team is None:
                self.problem(path, UNKNOWN_TEAM.format(value=value, force=self.force.code))
            return team
        if kind == "offence":
            offence = self.lookups.offence(value)
            if offence is None:
                self.problem(path, UNKNOWN_OFFENCE.format(value=value))
            return offence
        if kind == "offences":
            return self._offences(value, f, path)
        if kind == "ip":
            try:
                return str(ipaddress.ip_address(value))
            except ValueError:
                self.problem(path, NOT_AN_IP)
                return None
        if kind == "datetime":
            return self._datetime(value, path)
        if kind == "date":
            if not _DATE.match(value):
                self.problem(path, NOT_A_DATE)
                return None
            try:
                day = date.fromisoformat(value)
            except ValueError:
                self.problem(path, NOT_A_DATE)
                return None
            if not DATE_EARLIEST <= day <= DATE_LATEST:
                self.problem(path, DATE_OUT_OF_RANGE_IMPORT)
                return None
            return day
        if kind in ("int", "index"):
            if not self._expect(value, int, "a whole number", path):
                return None
            # Whatever the field says, a number must fit its column (PostgreSQL integer).
            floor = -NUMBER_MAX - 1
            low = 0 if kind == "index" else floor if f.min_value is None else max(f.min_value, floor)
            high = min(f.max_value, NUMBER_MAX) if f.max_value is not None else NUMBER_MAX
            if value < low:
                self.problem(path, OUT_OF_RANGE_MIN.format(limit=low))
            if value > high:
                self.problem(path, OUT_OF_RANGE_MAX.format(limit=high))
            return value
        if kind == "bool":
            return value if self._expect(value, bool, "true or false", path) else False
        if kind == "record":
            assert f.record is not None
            return self.record(value, f.record, path)
        if kind == "list":
            assert f.record is not None
            if not self._expect(value, list, "a list", path):
                return []
            return [self.record(item, f.record, join(path, index)) for index, item in enumerate(value)]
        if kind == "counts":
            return self._counts(value, path)
        raise AssertionError(f"unknown field kind {kind}")

    def _datetime(self, value: Any, path: str) -> datetime | None:
        if not self._expect(value, str, "a string", path):
            return None
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            self.problem(path, NOT_A_DATETIME)
            return None
        if not _DATE.match(value[:10]) or len(value) <= 10:
            self.problem(path, NOT_A_DATETIME)
            return None
        if parsed.tzinfo is None or parsed.utcoffset() is None:
            self.problem(path, NO_OFFSET)
            return None
        if not DATE_EARLIEST <= parsed.date() <= DATE_LATEST:
            self.problem(path, DATE_OUT_OF_RANGE_IMPORT)
            return None
        return parsed

    def _offences(self, value: Any, f: Field, path: str) -> list[Offence]:
        if not self._expect(value, list, "a list of offence codes", path):
            return []
        if f.required and not value:
            self.problem(path, REQUIRED)
        offences: list[Offence] = []
        for index, code in enumerate(value):
            item_path = join(path, index)
            if not self._expect(code, str, "a string", item_path):
                continue
            offence = self.lookups.offence(code)
            if offence is None:
                self.problem(item_path, UNKNOWN_OFFENCE.format(value=code))
            elif offence in offences:
                self.problem(item_path, OFFENCE_TWICE.format(value=code))
            else:
                offences.append(offence)
        return offences

    def _counts(self, value: Any, path: str) -> dict[str, dict[str, dict[str, int]]]:
        if not self._expect(value, dict, "an object", path):
            return {}
        counts: dict[str, dict[str, dict[str, int]]] = {}
        for source, by_category in value.items():
            source_path = join(path, source)
            if source not in IMAGE_SOURCES:
                self.problem(source_path, BAD_COUNT_SOURCE.format(value=source, choices=", ".join(IMAGE_SOURCES)))
                continue
            if not self._expect(by_category, dict, "an object", source_path):
                continue
            counts[source] = {}
            for category, by_kind in by_category.items():
                category_path = join(source_path, category)
                if category not in IMAGE_CATEGORIES:
                    self.problem(
                        category_path, NOT_A_CHOICE.format(value=category, choices=", ".join(IMAGE_CATEGORIES))
                    )
                    continue
                if not self._expect(by_kind, dict, "an object", category_path):
                    continue
                counts[source][category] = {}
                for kind, number in by_kind.items():
                    kind_path = join(category_path, kind)
                    if kind not in IMAGE_KINDS:
                        self.problem(kind_path, NOT_A_CHOICE.format(value=kind, choices=", ".join(IMAGE_KINDS)))
                    elif self._expect(number, int, "a whole number", kind_path):
                        if number < 0:
                            self.problem(kind_path, OUT_OF_RANGE_MIN.format(limit=0))
                        elif number > NUMBER_MAX:
                            self.problem(kind_path, OUT_OF_RANGE_MAX.format(limit=NUMBER_MAX))
                        counts[source][category][kind] = number
        return counts

    def _check_case(self, cleaned: dict[str, Any]) -> None:
        status = cleaned.get("status")
        if status == Case.Status.CLOSED and not cleaned.get("closure"):
            self.problem("status", STATUS_CLOSED_WITHOUT_CLOSURE)
        if status == Case.Status.OPEN and cleaned.get("closure"):
            self.problem("status", STATUS_OPEN_WITH_CLOSURE)
        for index, entry in enumerate(cleaned.get("log") or []):
            path = join("log", index)
            corrects = entry.get("corrects")
            if entry.get("kind") == "correction" and corrects is None:
                self.problem(join(path, "corrects"), CORRECTION_NEEDS_TARGET)
            elif entry.get("kind") != "correction" and corrects is not None:
                self.problem(join(path, "corrects"), ONLY_CORRECTIONS_REFER)
            elif corrects is not None and not 0 <= corrects < index:
                self.problem(join(path, "corrects"), CORRECTS_EARLIER)


def _as_tuple(types: type | tuple[type, ...]) -> tuple[type, ...]:
    return types if isinstance(types, tuple) else (types,)
