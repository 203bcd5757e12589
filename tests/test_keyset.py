"""Keyset cursors (safeguard.keyset): what a page link carries, read back exactly or refused.

The pages themselves are tested where they are used, against PostgreSQL: the case list
(tests/cases/test_views_case.py) and the audit search (tests/audit/test_views.py).
"""

from datetime import UTC, datetime

import pytest
from django.http import QueryDict

from safeguard.keyset import LONDON, Cursor, Position


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 1, 15, 9, 30, 12, 345678, tzinfo=UTC),  # winter: London is UTC
        datetime(2026, 7, 15, 23, 30, tzinfo=UTC),  # summer: the next day in London
        datetime(2026, 10, 25, 0, 30, tzinfo=UTC),  # the hour the clocks go back, first time round
        datetime(2026, 10, 25, 1, 30, tzinfo=UTC),  # and second time round
    ],
)
def test_a_cursor_reads_back_as_the_same_moment_and_id(moment):
    cursor = Cursor(moment, 41)

    text = cursor.encode()

    assert Cursor.decode(text) == cursor
    assert text.startswith(moment.astimezone(LONDON).isoformat())


@pytest.mark.parametrize(
    "text",
    [
        "",
        "_",
        "12",
        "not-a-cursor",
        "2026-03-02T10:00:00_12",  # no offset
        "2026-03-02_12",  # a date, not a moment
        "2026-03-02T10:00:00+00:00_",
        "2026-03-02T10:00:00+00:00_-3",
        "2026-03-02T10:00:00+00:00_0",
        f"2026-03-02T10:00:00+00:00_{2**63}",
        "9999-12-31T23:59:59-14:00_12",
        "0001-01-01T00:00:00+14:00_12",
    ],
)
def test_text_that_is_not_a_cursor_is_refused(text):
    assert Cursor.decode(text) is None


CURSOR = "2026-03-02T10:00:00+00:00_12"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", Position()),
        ("status=open&page=2", Position()),
        ("before=", Position()),
        (f"before={CURSOR.replace('+', '%2B')}", Position(before=Cursor.decode(CURSOR))),
        (f"after={CURSOR.replace('+', '%2B')}", Position(after=Cursor.decode(CURSOR))),
        ("before=nonsense", Position(invalid=True)),
        (f"before={CURSOR.replace('+', '%2B')}&after={CURSOR.replace('+', '%2B')}", Position(invalid=True)),
        # An unescaped "+" arrives as a space: not a cursor.
        (f"before={CURSOR}", Position(invalid=True)),
    ],
)
def test_the_page_asked_for_is_read_from_the_query_string(query, expected):
    assert Position.from_query(QueryDict(query)) == expected


def test_the_page_is_described_for_the_audit_trail():
    cursor = Cursor.decode(CURSOR)
    assert Position().describe() == "newest page"
    assert Position(before=cursor).describe() == f"page older than {CURSOR}"
    assert Position(after=cursor).describe() == f"page newer than {CURSOR}"
