"""Reading a case file: lines, JSON, metadata-only screening, and the shape of each case.

This checks only what a line says, against the declarations in casefiles/io/schema.py (types, known
fields, that usernames, codes and keys exist), and a few rules within the line. Rules across records
and times are the services' job: the importer replays every case through them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import IO, Any

from pydantic import ValidationError

from casefiles.io.fields import CheckContext, Lookups, Problem, join, problems_from
from casefiles.io.schema import MAX_LINE_BYTES, REFERRAL_LINE, CaseRecord, ReferralLineRecord
from casefiles.io.screening import raw_line_problem, string_problem
from cases.models import Case

LINE_TOO_LONG = f"Line is longer than the limit of {MAX_LINE_BYTES // (1024 * 1024)} MiB; nothing of it was read."
NOT_UTF8 = "Line is not UTF-8 text."
# No case nests records more than a few levels deep; a line nested deeper is refused whole.
MAX_DEPTH = 16
TOO_DEEP = f"Line nests its data more than {MAX_DEPTH} levels deep; no case does. Nothing of it was read."
NOT_AN_OBJECT = "Each line must be one JSON object (a case)."
DUPLICATE_FIELD = 'Field "{name}" appears twice.'
DUPLICATE_REFERENCE_IN_FILE = "Case {value} appears more than once in this file (first on line {line})."
DUPLICATE_REFERENCE_IN_DATABASE = "Case {value} already exists in Safeguard."
STATUS_CLOSED_WITHOUT_CLOSURE = 'A case with status "closed" needs a closure.'
STATUS_OPEN_WITH_CLOSURE = 'A case with a closure has status "closed".'
CORRECTION_NEEDS_TARGET = "A correction must say which earlier entry it corrects (corrects)."
ONLY_CORRECTIONS_REFER = 'Only an entry of kind "correction" corrects another.'
CORRECTS_EARLIER = "Must be the position (from 0) of an earlier entry in log."


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


def clean_line(data: dict[str, Any], lookups: Lookups) -> tuple[CaseRecord | ReferralLineRecord | None, list[Problem]]:
    """The line checked against its declaration (a case, or a referral without a case when it says
    `"type": "referral"`), with users, codes and times resolved, or the problems found (every one,
    each at its path in the line)."""
    record = ReferralLineRecord if data.get("type") == REFERRAL_LINE else CaseRecord
    try:
        line = record.model_validate(data, context=CheckContext(lookups))
    except ValidationError as error:
        return None, problems_from(error)
    problems = _within_the_case(line) if isinstance(line, CaseRecord) else []
    return (None if problems else line), problems


def _within_the_case(case: CaseRecord) -> list[Problem]:
    problems = []
    if case.status == Case.Status.CLOSED and not case.closure:
        problems.append(Problem("status", STATUS_CLOSED_WITHOUT_CLOSURE))
    if case.status == Case.Status.OPEN and case.closure:
        problems.append(Problem("status", STATUS_OPEN_WITH_CLOSURE))
    for index, entry in enumerate(case.log):
        path = join(join("log", index), "corrects")
        if entry.kind == "correction" and entry.corrects is None:
            problems.append(Problem(path, CORRECTION_NEEDS_TARGET))
        elif entry.kind != "correction" and entry.corrects is not None:
            problems.append(Problem(path, ONLY_CORRECTIONS_REFER))
        elif entry.corrects is not None and not 0 <= entry.corrects < index:
            problems.append(Problem(path, CORRECTS_EARLIER))
    return problems
