"""Keyset pagination, newest first, on a moment and the id: the audit search and the case list.

A page is the rows just older (or just newer) than the row a link names, read with one query of one
row more than a page (to know whether there is another). There is no OFFSET and no COUNT: a page
never reads the rows of the pages before it, nor counts all the rows that match. Where an index
gives the rows in (moment, id) order, as for the audit search, a page reads little more than itself;
the case list still reads every case a person may see once (docs/performance.md).

A link names its row by a cursor, `<time in London, ISO 8601>_<id>`, in the query string: `before`
for the page of older rows, `after` for the page of newer ones, neither for the newest page.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar
from zoneinfo import ZoneInfo

from django.db.models import Model, Q, QuerySet

LONDON = ZoneInfo("Europe/London")
LARGEST_ID = 2**63 - 1  # bigint: a larger id would only make PostgreSQL refuse the query

M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class Cursor:
    at: datetime
    id: int

    def encode(self) -> str:
        return f"{self.at.astimezone(LONDON).isoformat()}_{self.id}"

    @classmethod
    def decode(cls, value: str) -> "Cursor | None":
        """The cursor `value` names, or None if it is not one (a link mistyped or altered)."""
        stamp, _, row_id = value.rpartition("_")
        try:
            moment = datetime.fromisoformat(stamp)
            number = int(row_id)
            if moment.tzinfo is None or not 0 < number <= LARGEST_ID:
                return None
            moment.astimezone(UTC)  # an offset that pushes the moment out of range raises here
        except (ValueError, OverflowError):
            return None
        return cls(moment, number)


@dataclass(frozen=True)
class Position:
    """Which page a request asks for: the newest, or the page older or newer than a cursor.

    `invalid` when the query string has a cursor that is not one, or both `before` and `after`
    (no link sends both): the newest page is shown instead, and the page can say why.
    """

    before: Cursor | None = None
    after: Cursor | None = None
    invalid: bool = False

    @classmethod
    def from_query(cls, params: Mapping[str, Any]) -> "Position":
        before_text, after_text = params.get("before", ""), params.get("after", "")
        if not before_text and not after_text:
            return cls()
        if before_text and after_text:
            return cls(invalid=True)
        cursor = Cursor.decode(before_text or after_text)
        if cursor is None:
            return cls(invalid=True)
        return cls(before=cursor) if before_text else cls(after=cursor)

    def describe(self) -> str:
        """For the audit trail: which page was shown."""
        if self.before is not None:
            return f"page older than {self.before.encode()}"
        if self.after is not None:
            return f"page newer than {self.after.encode()}"
        return "newest page"


@dataclass(frozen=True)
class Page(Generic[M]):
    """One page, newest first. `older`/`newer`: the cursor for the next page that way, None if there
    is none; `newest`: this is the newest page (nothing newer to show)."""

    rows: list[M]
    older: Cursor | None
    newer: Cursor | None
    newest: bool


def older_than(rows: QuerySet[M], at: str, cursor: Cursor) -> QuerySet[M]:
    """The rows before `cursor` in (at, id) order. The first filter alone is a range on `at` that an
    index on it (or on a column and it) can read; the second settles ties on the moment by id."""
    return rows.filter(**{f"{at}__lte": cursor.at}).filter(
        Q(**{f"{at}__lt": cursor.at}) | Q(**{at: cursor.at, "id__lt": cursor.id})
    )


def newer_than(rows: QuerySet[M], at: str, cursor: Cursor) -> QuerySet[M]:
    return rows.filter(**{f"{at}__gte": cursor.at}).filter(
        Q(**{f"{at}__gt": cursor.at}) | Q(**{at: cursor.at, "id__gt": cursor.id})
    )


def newest_first(rows: QuerySet[M], at: str) -> QuerySet[M]:
    return rows.order_by(f"-{at}", "-id")


def keyset_page(rows: QuerySet[M], *, at: str, size: int, position: Position | None = None) -> Page[M]:
    """One page of `rows`, newest first, by keyset on (`at`, id).

    One query, of `size` + 1 rows. Going newer until there is nothing newer ends on the newest page
    itself: if fewer than `size` rows are newer than the cursor (some have gone since the link was
    made), the newest page is read instead, a second query.
    """
    position = position or Position()
    if position.after is not None:
        found = list(newer_than(rows, at, position.after).order_by(at, "id")[: size + 1])
        more_newer = len(found) > size
        if not more_newer and len(found) < size:
            return keyset_page(rows, at=at, size=size)
        shown = list(reversed(found[:size]))
        return Page(shown, _cursor(shown[-1], at), _cursor(shown[0], at) if more_newer else None, not more_newer)
    query = rows if position.before is None else older_than(rows, at, position.before)
    found = list(newest_first(query, at)[: size + 1])
    shown = found[:size]
    older = _cursor(shown[-1], at) if len(found) > size else None
    newer = _cursor(shown[0], at) if position.before is not None and shown else None
    return Page(shown, older, newer, position.before is None)


def _cursor(row: Model, at: str) -> Cursor:
    return Cursor(getattr(row, at), row.pk)
