"""Keyset pagination, newest first, on a moment and the id: the audit search and the case list.

A page is the rows just older (or just newer) than the row a link names, read with one query of one
row more than a page (to know whether there is another). There is no OFFSET and no COUNT: a page
never reads the rows of the pages before it, nor counts all the rows that match. Where an index
gives the rows in (moment, id) order, as for the audit search, a page reads little more than itself;
the case list still reads every case a person may see once (docs/performance.md).

A link names its row by a cursor, `<time in London, ISO 8601>_<id>`, in the query string: `before`
for the page of older rows, `after` for the page of newer ones, neither for the newest page.
"""

from collections.abc import Callable, Mapping, Sequence
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


def keyset_page(
    rows: "QuerySet[M] | Sequence[QuerySet[M]]", *, at: str, size: int, position: Position | None = None
) -> Page[M]:
    """One page of `rows`, newest first, by keyset on (`at`, id).

    One query, of `size` + 1 rows. Going newer until there is nothing newer ends on the newest page
    itself: if fewer than `size` rows are newer than the cursor (some have gone since the link was
    made), the newest page is read instead, a second query.

    `rows` may be several querysets of the same model and columns, whose rows together are the rows
    to page through (the case list: one for each way a person may see a case). Each is then read in
    (`at`, id) order apart, `size` + 1 rows at most, and the answers joined (`UNION`, so a row in
    several is shown once): each part can be read from an index of its own, where the parts as one
    condition (an OR) would make PostgreSQL read every matching row to sort them.
    """
    position = position or Position()
    after = position.after
    if after is not None:
        found = _first(rows, lambda part: newer_than(part, at, after), (at, "id"), size + 1)
        more_newer = len(found) > size
        if not more_newer and len(found) < size:
            return keyset_page(rows, at=at, size=size)
        shown = list(reversed(found[:size]))
        return Page(shown, _cursor(shown[-1], at), _cursor(shown[0], at) if more_newer else None, not more_newer)
    before = position.before
    narrow = (lambda part: part) if before is None else (lambda part: older_than(part, at, before))
    found = _first(rows, narrow, (f"-{at}", "-id"), size + 1)
    shown = found[:size]
    older = _cursor(shown[-1], at) if len(found) > size else None
    newer = _cursor(shown[0], at) if position.before is not None and shown else None
    return Page(shown, older, newer, position.before is None)


def _first(
    rows: "QuerySet[M] | Sequence[QuerySet[M]]",
    narrow: Callable[[QuerySet[M]], QuerySet[M]],
    order: tuple[str, str],
    count: int,
) -> list[M]:
    """The first `count` of `rows`, narrowed, in `order`: of each part apart, then of their union."""
    parts = [narrow(part).order_by(*order)[:count] for part in ([rows] if isinstance(rows, QuerySet) else rows)]
    if not parts:
        return []
    if len(parts) == 1:
        return list(parts[0])
    return list(parts[0].union(*parts[1:]).order_by(*order)[:count])


def _cursor(row: Model, at: str) -> Cursor:
    return Cursor(getattr(row, at), row.pk)
