"""Checking the hash chain (`manage.py verify_audit` and the nightly task).

Each entry's hash is SHA-256 over the previous entry's hash and the entry's canonical content: its
id, time (UTC, microseconds), actor id and username, kind, object type and id, case reference,
summary, changes (PostgreSQL's text form of the stored jsonb), recipient, address, request id and
source, each written as a netstring (`<bytes>:<value>,`) so no value can spill into its neighbour.
The database computes it on insert (audit/0002, `safeguard_audit_hash`); this module recomputes it
independently, in Python, so a replaced database function would not vouch for itself.
"""

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import connection

GENESIS = "0" * 64
CHUNK = 5000

_SELECT = """
SELECT id, occurred_at, actor_id, actor_username, kind, object_type, object_id, case_reference,
       summary, changes::text, recipient, host(ip), request_id, source, prev_hash, hash
FROM audit_auditentry WHERE id > %s AND id <= %s ORDER BY id LIMIT %s
"""


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    broken_id: int | None = None
    broken_at: datetime | None = None
    reason: str = ""

    def describe(self) -> str:
        if self.ok:
            return f"Audit chain OK: {self.checked} entries checked."
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
SELECT (SELECT last_id FROM audit_auditchainhead WHERE id = 1),
       (SELECT max(id) FROM audit_auditentry),
       (SELECT count(*) FROM audit_auditentry WHERE id <= %s)
"""


def verify_chain(chunk: int = CHUNK) -> ChainReport:
    """Walk every entry in id order, in keyset chunks, and report the first that does not fit.

    The walk goes up to the chain head as it stood when the check began (entries appended meanwhile
    are left for the next check), and the last entry must be the one the head names, so entries cut
    from the end are found too. Then the table as a whole must agree with the walk, read in one
    statement (one snapshot, in which the head and the newest entry are always written together): the
    head row exists, no entry lies past it (a head deleted or moved back would otherwise leave the
    entries after it unchecked), and the number of entries up to where the walk began equals the
    number walked. A gap in the ids is explained only when the entries either side of it still chain
    (an entry whose transaction rolled back took an id and left nothing); any other gap breaks the
    chain at the entry after it.
    """
    checked = 0
    expected_prev = GENESIS
    last_id = 0
    last_at: datetime | None = None
    with connection.cursor() as cursor:
        cursor.execute("SELECT last_id, last_hash FROM audit_auditchainhead WHERE id = 1")
        head = cursor.fetchone()
        head_id, head_hash = head if head else (0, GENESIS)
        while True:
            cursor.execute(_SELECT, [last_id, head_id, chunk])
            rows = cursor.fetchall()
            for row in rows:
                entry_id, occurred_at = row[0], row[1]
                prev_hash, stored_hash = row[14], row[15]
                if prev_hash != expected_prev:
                    gap = f" Entries {last_id + 1} to {entry_id - 1} are missing." if entry_id > last_id + 1 else ""
                    return ChainReport(
                        False,
                        checked,
                        entry_id,
                        occurred_at,
                        f"it does not follow the entry before it (missing, moved or changed).{gap}",
                    )
                if entry_hash(prev_hash, row[:14]) != stored_hash:
                    return ChainReport(False, checked, entry_id, occurred_at, "its content does not match its hash.")
                expected_prev = stored_hash
                last_id, last_at = entry_id, occurred_at
                checked += 1
            if len(rows) < chunk:
                break
        cursor.execute(_TABLE_NOW, [head_id])
        head_now, newest_id, count = cursor.fetchone()
    if head is None and (newest_id is not None or checked):
        return ChainReport(False, checked, None, None, "the chain head row is missing; no entry was checked.")
    if (head_id, head_hash) != (last_id, expected_prev):
        return ChainReport(
            False,
            checked,
            head_id,
            None,
            f"the chain head names entry {head_id}, but the chain ends at entry {last_id}.",
        )
    if head_now is None or (newest_id or 0) != head_now:
        return ChainReport(
            False,
            checked,
            None,
            last_at,
            f"entries up to {newest_id} lie past the chain head (entry {head_now}), unchecked.",
        )
    if count != checked:
        return ChainReport(
            False,
            checked,
            None,
            None,
            f"the table holds {count} entries up to entry {head_id}, but the chain links {checked}.",
        )
    return ChainReport(True, checked)
