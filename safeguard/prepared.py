"""Statements prepared once per database connection (PostgreSQL's PREPARE and EXECUTE).

A few statements cost PostgreSQL more to plan than to run: the case page's one statement of every
record (`cases.records`, 22 subqueries). Sent as plain SQL, it is planned again on every request.
Run through `fetch_prepared`, it is prepared the first time a connection runs it, and later runs on
that connection EXECUTE it: PostgreSQL keeps one plan for all values (a generic plan) once it has
seen that the plans it makes for each run's values cost no less, and plans again by itself when a
table it reads is changed (see PREPARE in PostgreSQL's documentation). That is the condition for
using it: a statement whose plan does not depend on its values. One whose best plan does gains
nothing, as PostgreSQL goes on planning it for each run's values: so a record's first audit entry
(`cases.services.versions.first_entry`, whose month partitions depend on its time bound) is
searched as plain SQL.

A statement's name is a hash of its text, so the same text is prepared once per connection whoever
runs it, and different texts never share a name. Which connection has prepared what is kept per
psycopg2 connection: a new connection (after CONN_MAX_AGE, or a lost one) prepares again. A prepared
statement outlives a rolled-back transaction, as PostgreSQL keeps it for the whole session.

Not for use behind a connection pooler in transaction mode (PgBouncer's default), which would hand
the session's prepared statements to other clients' transactions; Safeguard connects directly.
"""

import hashlib
import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any
from weakref import WeakKeyDictionary

from django.db import connections

# The statements each open psycopg2 connection has prepared, by name.
_prepared: "WeakKeyDictionary[Any, set[str]]" = WeakKeyDictionary()

_PLACEHOLDER = re.compile(r"%(.)")


def statement_name(sql: str) -> str:
    return "safeguard_" + hashlib.sha256(sql.encode()).hexdigest()[:24]


@lru_cache(maxsize=256)
def numbered(sql: str) -> tuple[str, int]:
    """`sql` with psycopg2's placeholders (%s) numbered as PREPARE takes them ($1, $2, ...), and how
    many parameters it takes. Escaped percent signs (%%) stay escaped: the text is sent with the
    EXECUTE that follows it, whose parameters psycopg2 fills in."""
    count = 0

    def replace(match: re.Match[str]) -> str:
        nonlocal count
        if match.group(1) == "%":
            return "%%"
        if match.group(1) != "s":
            raise ValueError(f"Only %s placeholders can be prepared, not %{match.group(1)}")
        count += 1
        return f"${count}"

    return _PLACEHOLDER.sub(replace, sql), count


def fetch_prepared(sql: str, params: Sequence[Any], *, using: str = "default") -> list[tuple[Any, ...]]:
    """The rows of `sql` (with %s placeholders, as for `cursor.execute`) run with `params`, prepared
    on the connection the first time it runs there, in the same round trip as its first EXECUTE (so
    a page makes as many queries either way). Parameter types come from the statement, as PREPARE
    infers them: give a cast (`%s::bigint[]`) where the context does not say."""
    name = statement_name(sql)
    body, count = numbered(sql)
    if count != len(params):
        raise ValueError(f"The statement takes {count} parameters, {len(params)} given")
    connection = connections[using]
    with connection.cursor() as cursor:
        done = _prepared.setdefault(connection.connection, set())
        arguments = f" ({', '.join(['%s'] * len(params))})" if params else ""
        execute = f"EXECUTE {name}{arguments}"
        if name in done:
            cursor.execute(execute, list(params))
        else:
            cursor.execute(f"PREPARE {name} AS {body}; {execute}", list(params))
            done.add(name)
        return cursor.fetchall()
