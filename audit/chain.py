"""Checking the hash chain (`manage.py verify_audit` and the nightly task).

Each entry's hash is SHA-256 over the previous entry's hash and the entry's canonical content: its
id, time (UTC, microseconds), actor id and username, kind, object type and id, case reference,
summary, changes (PostgreSQL's text form of the stored jsonb), recipient, address, request id and
source, each written as a netstring (`<bytes>:<value>,`) so no value can spill into its neighbour.
The database computes it when the sequencer gives the entry its place (audit/sequencer.py,
`safeguard_audit_hash`); this module recomputes it independently, in Python, so a replaced database
function would not vouch for itself. The chain is walked by place (`seq`), not by id: ids are taken
at insert, places in the order entries were committed and sealed.
"""

import contextlib
import hashlib
from collections.abc import Callable, Generator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection

from audit.archives import archived_runs

GENESIS = "0" * 64
CHUNK = 5000

_SELECT = """
SELECT id, occurred_at, actor_id, actor_username, kind, object_type, object_id, case_reference,
       summary, changes::text, recipient, host(ip), request_id, source, prev_hash, hash, seq
FROM {table} WHERE seq > $1 AND seq <= $2 ORDER BY seq LIMIT {limit}
"""
# The walk's chunk query, planned once per check as a prepared statement with a generic plan: the
# place is no partition key, so every chunk reads all the month partitions' place indexes, and
# planning that afresh for each chunk (some 80 ms with ten years of months) would cost as much as
# reading the entries.
_CHUNK_STATEMENT = "safeguard_audit_chain_chunk"


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    broken_id: int | None = None
    broken_at: datetime | None = None
    reason: str = ""
    waiting: int = 0  # entries not yet sequenced when the check ended (within the bound)

    def describe(self) -> str:
        if self.ok:
            waiting = f"; {self.waiting} newer entries waiting for their place" if self.waiting else ""
            return f"Audit chain OK: {self.checked} entries checked{waiting}."
        where = f"entry {self.broken_id}" if self.broken_id is not None else "the chain head"
        when = f" ({self.broken_at.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC)" if self.broken_at else ""
        return f"Audit chain BROKEN at {where}{when}: {self.reason} {self.checked} entries checked before it."


def _netstring(value: object) -> bytes:
    text = "" if value is None else str(value)
    encoded = text.encode("utf-8")
    return str(len(encoded)).encode() + b":" + encoded + b","


def entry_hash(prev_hash: str, row: tuple[object, ...]) -> str:
    """The hash of one entry, from the columns `_SELECT` reads (after `prev_hash`, before the hashes)."""
    entry_id, occurred_at, *rest = row
    assert isinstance(occurred_at, datetime)
    timestamp = occurred_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    content = b"".join(_netstring(value) for value in (prev_hash, entry_id, timestamp, *rest))
    return hashlib.sha256(content).hexdigest()


_TABLE_NOW = """
SELECT (SELECT last_seq FROM audit_auditchainhead WHERE id = 1),
       (SELECT max(seq) FROM audit_auditentry)
"""
# Entries still unsequenced, and the oldest of them if it has waited past the bound (the partial
# index `audit_unsequenced` holds only these).
_WAITING = """
SELECT count(*), (SELECT id FROM audit_auditentry WHERE seq IS NULL AND occurred_at < now() - %s * interval '1 second'
                  ORDER BY id LIMIT 1)
FROM audit_auditentry WHERE seq IS NULL
"""


def link_broken(row: tuple[Any, ...], expected_prev: str, checked: int) -> ChainReport | None:
    """The report for a sealed entry (a row of `_SELECT`) that does not follow `expected_prev`, the
    hash of the entry at the place before it, or whose content does not match its hash; None if it
    fits. The one check of an entry that the whole chain's walk and a partition's share."""
    entry_id, occurred_at, prev_hash, stored_hash = row[0], row[1], row[14], row[15]
    if prev_hash != expected_prev:
        return ChainReport(
            False, checked, entry_id, occurred_at, "it does not follow the entry before it (missing, moved or changed)."
        )
    if entry_hash(prev_hash, row[:14]) != stored_hash:
        return ChainReport(False, checked, entry_id, occurred_at, "its content does not match its hash.")
    return None


Rows = list[tuple[Any, ...]]


def entry_chunks(
    cursor: Any, head_seq: int, chunk: int, after: Callable[[], int], table: str = "audit_auditentry"
) -> Generator[Rows, None, None]:
    """The sealed entries of `table` (the whole trail, or one partition) up to place `head_seq`, in
    place order, `chunk` at a time, each chunk the entries after the place `after()` gives (keyset
    pagination: each chunk its own statement and snapshot, so a long check holds no snapshot open).
    The statement is prepared for the walk and dropped after it."""
    cursor.execute("SELECT 1 FROM pg_prepared_statements WHERE name = %s", [_CHUNK_STATEMENT])
    if cursor.fetchone():  # left by a check whose transaction failed before it could drop it
        cursor.execute(f"DEALLOCATE {_CHUNK_STATEMENT}")
    cursor.execute("SET plan_cache_mode = force_generic_plan")
    query = _SELECT.format(table=connection.ops.quote_name(table), limit=int(chunk))
    cursor.execute(f"PREPARE {_CHUNK_STATEMENT} (bigint, bigint) AS {query}")
    try:
        while True:
            cursor.execute(f"EXECUTE {_CHUNK_STATEMENT} (%s, %s)", [after(), head_seq])
            rows = cursor.fetchall()
            yield rows
            if len(rows) < chunk:
                return
    finally:
        if not connection.needs_rollback and connection.connection is not None:
            with contextlib.suppress(DatabaseError):
                cursor.execute(f"DEALLOCATE {_CHUNK_STATEMENT}")
                cursor.execute("RESET plan_cache_mode")


def verify_chain(chunk: int = CHUNK) -> ChainReport:
    """Walk every sequenced entry in place order, in keyset chunks, and report the first that does
    not fit: a place missing (deleted entries), an entry that does not follow the one before (moved,
    or changed with its hash recomputed), or one whose content does not match its hash.

    The walk goes up to the chain head as it stood when the check began (entries sealed meanwhile
    are left for the next check), and the last entry must be the one the head names, so entries cut
    from the end are found too. Then the table as a whole must agree with the walk, read in one
    statement (one snapshot, in which the head and the entries it seals are always written together):
    the head row exists and no entry lies past it (a head deleted or moved back would otherwise leave
    the entries after it unchecked). Places are given without gaps, one sequencer at a time, so any
    gap is a deletion. Last, an entry that has waited for its place longer than
    SAFEGUARD_AUDIT_UNSEQUENCED_MAX_SECONDS fails the check: the chain does not protect it yet.
    """
    checked = 0
    expected_prev = GENESIS
    last_seq = last_id = 0
    last_at: datetime | None = None
    archived = archived_runs()
    with connection.cursor() as cursor:
        cursor.execute("SELECT last_seq, last_id, last_hash FROM audit_auditchainhead WHERE id = 1")
        head = cursor.fetchone()
        head_seq, head_id, head_hash = head if head else (0, 0, GENESIS)
        with contextlib.closing(entry_chunks(cursor, head_seq, chunk, lambda: last_seq)) as chunks:
            for rows in chunks:
                for row in rows:
                    entry_id, occurred_at = row[0], row[1]
                    stored_hash, seq = row[15], row[16]
                    # Archived places (audit/archives.py) are stepped over, from the hash before them.
                    while seq != last_seq + 1 and (run := archived.get(last_seq + 1)):
                        if run.prev_hash != expected_prev:
                            break
                        last_seq, expected_prev = run.last, run.hash
                    if seq != last_seq + 1:
                        return ChainReport(
                            False,
                            checked,
                            entry_id,
                            occurred_at,
                            f"places {last_seq + 1} to {seq - 1} of the chain before it are missing.",
                        )
                    if broken := link_broken(row, expected_prev, checked):
                        return broken
                    expected_prev = stored_hash
                    last_seq, last_id, last_at = seq, entry_id, occurred_at
                    checked += 1
        cursor.execute(_TABLE_NOW)
        head_now, newest_seq = cursor.fetchone()
        cursor.execute(_WAITING, [settings.SAFEGUARD_AUDIT_UNSEQUENCED_MAX_SECONDS])
        waiting, overdue_id = cursor.fetchone()
    if head is None and (newest_seq is not None or checked):
        return ChainReport(False, checked, None, None, "the chain head row is missing; no entry was checked.")
    if (head_seq, head_id, head_hash) != (last_seq, last_id, expected_prev):
        return ChainReport(
            False,
            checked,
            head_id,
            None,
            f"the chain head names entry {head_id} at place {head_seq}, but the chain ends at entry {last_id} "
            f"at place {last_seq}.",
        )
    if (newest_seq or 0) != (head_now or 0):
        return ChainReport(
            False,
            checked,
            None,
            last_at,
            f"entries up to place {newest_seq} lie past the chain head (place {head_now}), unchecked.",
        )
    if overdue_id is not None:
        return ChainReport(
            False,
            checked,
            overdue_id,
            None,
            f"it has waited more than {settings.SAFEGUARD_AUDIT_UNSEQUENCED_MAX_SECONDS} s for its place in the "
            f"chain ({waiting} entries waiting): is the sequencer (audit.tasks.sequence_audit) running?",
        )
    return ChainReport(True, checked, waiting=waiting)
