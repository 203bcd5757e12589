"""Bad input to the importer: a case file with anything in it gets a report, never a crash.

Hypothesis takes each case of the full example file and puts anything (text, control characters,
huge numbers, odd dates, over-long values, wrong types) in a few of its places, or sends lines that
are not JSON at all. Whatever the file holds, `import_cases` returns a report; when the report has
errors, nothing at all was stored.
"""

import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction
from hypothesis import given
from hypothesis import strategies as st

from casefiles.io import import_cases
from casefiles.io.fields import NUL_CHARACTER
from casefiles.io.importer import model_counts
from casefiles.io.parsing import TOO_DEEP
from tests.casefiles.test_import_cases import FULL, as_file, importer  # noqa: F401  (the cast the file names)
from tests.reliability.strategies import CONTROL, LONG, NUMBERS, ODD_DATES, TEXT

pytestmark = pytest.mark.django_db

CASES = [json.loads(line) for line in FULL.read_text(encoding="utf-8").splitlines()]
JSON_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(),
    TEXT,
    CONTROL,
    NUMBERS,
    ODD_DATES,
    LONG,
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=8), st.integers(), max_size=2),
)
Path = tuple[str | int, ...]


def places(value: Any, path: Path = ()) -> Iterator[Path]:
    """Every place in a case (each key of each object, each item of each list), deepest last."""
    if isinstance(value, dict):
        for key, inner in value.items():
            yield (*path, key)
            yield from places(inner, (*path, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield (*path, index)
            yield from places(inner, (*path, index))


def put(case: dict[str, Any], path: Path, value: Any) -> None:
    target: Any = case
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value


def import_refused_or_stored(lines: list[Any], actor: Any) -> None:
    """Import; whatever the outcome, it is a report, and a report with errors stored nothing."""
    before = model_counts()
    with transaction.atomic():
        report = import_cases(as_file(*lines), actor=actor)
        if not report.ok:
            assert model_counts() == before
            assert all(str(error) for error in report.errors)
        transaction.set_rollback(True)


@pytest.mark.parametrize("index", range(len(CASES)), ids=[case["reference"] for case in CASES])
def test_a_case_with_anything_in_a_few_places_is_reported_not_crashed(index, importer):  # noqa: F811
    original = CASES[index]
    where = list(places(original))

    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        case = copy.deepcopy(original)
        for path in data.draw(st.lists(st.sampled_from(where), min_size=1, max_size=4)):
            try:
                put(case, path, data.draw(JSON_VALUES))
            except (KeyError, IndexError, TypeError):
                continue  # an earlier change replaced what held this place
        import_refused_or_stored([case], importer)

    run()


@given(lines=st.lists(st.binary(max_size=300) | TEXT | CONTROL | LONG, min_size=1, max_size=4))
def test_lines_that_are_not_cases_are_reported_not_crashed(lines, importer):  # noqa: F811
    lines = [line.replace(b"\n", b" ") if isinstance(line, bytes) else line.replace("\n", " ") for line in lines]
    import_refused_or_stored(lines, importer)


@pytest.mark.parametrize("place", ["reference", "operation"])
def test_a_nul_character_is_refused_with_what_to_fix(place, importer):  # noqa: F811
    """PostgreSQL cannot store NUL in text: found by the test above, now reported, not a crash."""
    case = copy.deepcopy(CASES[0])
    case[place] = "STF\x00-2025"
    before = model_counts()
    report = import_cases(as_file(case), actor=importer)
    assert not report.ok
    assert any(NUL_CHARACTER in str(error) for error in report.errors)
    assert model_counts() == before


def _nested(depth: int) -> str:
    return '{"reference": "STF-2026-000001", "notes": ' + "[" * depth + "]" * depth + "}"


@pytest.mark.parametrize("depth", [40, 100_000])
def test_a_deeply_nested_line_is_refused_with_what_to_fix(depth, importer):  # noqa: F811
    before = model_counts()
    report = import_cases(as_file(_nested(depth)), actor=importer)
    assert not report.ok
    assert any(TOO_DEEP in str(error) for error in report.errors)
    assert model_counts() == before


@pytest.mark.parametrize("number", [2_147_483_648, 10**30, -(10**30)])
def test_a_number_beyond_its_column_is_refused_not_crashed(number, importer):  # noqa: F811
    """Every whole number in a case, each in turn, set past what PostgreSQL's integer holds."""
    original = CASES[0]
    numbers = [path for path in places(original) if _at(original, path).__class__ is int]
    assert numbers, "the example case has whole numbers to try"
    for path in numbers:
        case = copy.deepcopy(original)
        put(case, path, number)
        before = model_counts()
        report = import_cases(as_file(case), actor=importer)
        assert not report.ok, path
        assert any("Must be at" in str(error) for error in report.errors), (path, report.errors)
        assert model_counts() == before


@pytest.mark.parametrize("when", ["9999-12-31", "0001-01-01", "9999-12-31T23:59:59+00:00", "0001-01-01T00:00:00+01:00"])
def test_a_date_at_the_end_of_the_calendar_is_reported_not_crashed(when, importer):  # noqa: F811
    """Every date and time in a case, each in turn, at year 9999 or year 1: a report, never a crash
    (a deadline counted from it would overflow the calendar)."""
    original = CASES[0]
    dates = [path for path in places(original) if _dateish(_at(original, path))]
    assert dates
    for path in dates:
        case = copy.deepcopy(original)
        put(case, path, when)
        import_refused_or_stored([case], importer)


def _dateish(value: Any) -> bool:
    return isinstance(value, str) and len(value) >= 10 and value[4] == "-" and value[7] == "-" and value[:4].isdigit()


def _at(case: Any, path: Path) -> Any:
    for step in path:
        case = case[step]
    return case
