"""The audit trail's monthly partitions (docs/audit.md, "Partitions and archiving").

`audit_auditentry` is partitioned by range of `occurred_at`, one partition per UTC month
(`audit_auditentry_2027_01`), plus the partition of the entries written before partitioning
(`audit_auditentry_before_2027_01`, migration audit/0010) and a DEFAULT partition that catches an
entry dated past every month made, which should stay empty. Partitions are made ahead by the
database function `safeguard_audit_create_partitions` (the table's owner's: the application's role
may call it), from Celery beat, after every migrate, and by the migration.

A partition is verified on its own (`verify_partition`, `verify_audit --partition`): each entry's
hash, and its link to the entry at the place before it, in the partition, in another, or kept by an
archive. An old partition is archived (`partition_archive`): verified, written to a file, its runs
of places and their boundary hashes recorded (audit.models.AuditArchive), then detached; the checks
of the whole chain then step over its places (audit/archives.py).
"""

import contextlib
import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from django.db import connection, transaction
from django.utils import timezone

from audit.archives import archived_hash
from audit.chain import CHUNK, GENESIS, ChainReport, entry_chunks, link_broken
from audit.checkpoints import checkpoint_positions
from audit.models import AuditArchive
from audit.selectors import last_place
from audit.sequencer import sequence_entries

# This month and the next two always exist.
MONTHS_AHEAD = 2
PARENT = "audit_auditentry"
DEFAULT = "audit_auditentry_default"
_LABEL = re.compile(r"^(before_)?\d{4}_\d{2}$")

_PARTITIONS = """
SELECT c.relname, pg_get_expr(c.relpartbound, c.oid)
FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
WHERE i.inhparent = 'audit_auditentry'::regclass ORDER BY c.relname
"""
_BOUND = re.compile(r"FROM \((?:'([^']+)'|MINVALUE)\) TO \('([^']+)'\)")


class PartitionError(Exception):
    """A partition cannot be verified or archived as asked; the message says why."""


@dataclass(frozen=True)
class Partition:
    table: str
    label: str  # "2027_01", "before_2027_01"
    start: datetime | None  # None: from the beginning
    end: datetime


def create_partitions(ahead: int = MONTHS_AHEAD) -> list[str]:
    """Make the partitions of this month and the next `ahead` that are missing; the tables made.
    Idempotent."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT safeguard_audit_create_partitions(%s)", [ahead])
        return [name for (name,) in cursor.fetchall()]


def partitions() -> list[Partition]:
    """The month partitions attached now, oldest first (not the DEFAULT partition)."""
    found = []
    with connection.cursor() as cursor:
        cursor.execute(_PARTITIONS)
        for table, bound in cursor.fetchall():
            match = _BOUND.search(bound)
            if match is None:  # DEFAULT
                continue
            start = datetime.fromisoformat(match.group(1)).astimezone(UTC) if match.group(1) else None
            found.append(Partition(table, table.removeprefix(PARENT + "_"), start, _parse_time(match.group(2))))
    return sorted(found, key=lambda partition: partition.end)


def _parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value).astimezone(UTC)


def partition(label: str) -> Partition:
    if not _LABEL.match(label):
        raise PartitionError(f"{label!r} is not a partition's name: give the month as YYYY_MM (e.g. 2026_11).")
    for found in partitions():
        if found.label == label:
            return found
    raise PartitionError(f"There is no audit partition {label} attached (archived already, or never made).")


def default_partition_entries() -> int:
    """Entries in the DEFAULT partition: dated past every month made. Should be 0."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {DEFAULT}")  # noqa: S608
        return int(cursor.fetchone()[0])


def hash_before(place: int) -> str | None:
    """The hash of the entry at the place before `place`: in any partition, or kept by an archive."""
    if place == 1:
        return GENESIS
    with connection.cursor() as cursor:
        cursor.execute("SELECT hash FROM audit_auditentry WHERE seq = %s", [place - 1])
        row = cursor.fetchone()
    return str(row[0]) if row else archived_hash(place - 1)


def verify_partition(label: str, chunk: int = CHUNK) -> ChainReport:
    """Check every entry of one partition sealed when the check began, in place order, read in
    keyset chunks as the whole chain's walk reads them (audit.chain.entry_chunks): its content
    matches its hash, and it follows the entry at the place before it, whether that entry is in this
    partition (the usual case), in the one before (the month's first entry) or another, or archived."""
    table = partition(label).table
    checked = 0
    last_seq, last_hash = 0, GENESIS
    with (
        connection.cursor() as cursor,
        contextlib.closing(entry_chunks(cursor, last_place(), chunk, lambda: last_seq, table=table)) as chunks,
    ):
        for rows in chunks:
            for row in rows:
                entry_id, occurred_at, stored_hash, seq = row[0], row[1], row[15], row[16]
                expected = last_hash if seq == last_seq + 1 else hash_before(seq)
                if expected is None:
                    return ChainReport(
                        False, checked, entry_id, occurred_at, f"the entry at place {seq - 1}, before it, is missing."
                    )
                if broken := link_broken(row, expected, checked):
                    return broken
                last_seq, last_hash = seq, stored_hash
                checked += 1
    return ChainReport(True, checked)


_RUNS = """
SELECT min(seq), max(seq) FROM (SELECT seq, seq - row_number() OVER (ORDER BY seq) AS island FROM {table}) AS places
GROUP BY island ORDER BY 1
"""


def partition_archive(label: str, directory: Path, *, drop: bool = False) -> AuditArchive:
    """Archive one month's partition: verify it, write its entries to `directory` (CSV with a header,
    in place order), record what the checks of the chain need in place of them, and detach it (and
    with `drop`, drop it). Refused for the month now running, for the DEFAULT partition, and while
    any of its entries waits for its place or it holds the chain's head."""
    found = partition(label)
    now = timezone.now()
    if (found.start is None or found.start <= now) and now < found.end:
        raise PartitionError(f"Partition {label} holds this month's entries: only a month that has ended is archived.")
    sequence_entries(wait=True)
    table = connection.ops.quote_name(found.table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FILTER (WHERE seq IS NULL), count(*), "  # noqa: S608
            f"count(*) FILTER (WHERE seq = (SELECT last_seq FROM audit_auditchainhead WHERE id = 1)) FROM {table}"
        )
        waiting, entries, head = cursor.fetchone()
    if waiting:
        raise PartitionError(f"{waiting} entries of partition {label} wait for their place: run sequence_audit first.")
    if head:
        raise PartitionError(f"Partition {label} holds the chain's newest entry: it cannot be archived yet.")
    report = verify_partition(label)
    if not report.ok:
        raise PartitionError(f"Partition {label} does not verify, so it is not archived: {report.describe()}")
    runs = []
    with connection.cursor() as cursor:
        cursor.execute(_RUNS.format(table=table))
        for first, last in cursor.fetchall():
            cursor.execute(f"SELECT hash FROM {table} WHERE seq = %s", [last])  # noqa: S608
            runs.append([first, last, hash_before(first), cursor.fetchone()[0]])
        places = [place for place in checkpoint_positions() if any(run[0] <= place <= run[1] for run in runs)]
        anchors = {}
        for place in places:
            cursor.execute(f"SELECT hash FROM {table} WHERE seq = %s", [place])  # noqa: S608
            anchors[str(place)] = cursor.fetchone()[0]
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{found.table}.csv"
    with open(path, "xb") as handle, connection.cursor() as cursor:
        cursor.copy_expert(f"COPY (SELECT * FROM {table} ORDER BY seq) TO STDOUT WITH (FORMAT csv, HEADER)", handle)  # noqa: S608
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    with transaction.atomic():
        archive = AuditArchive.objects.create(
            partition=label,
            range_start=found.start,
            range_end=found.end,
            entries=entries,
            runs=runs,
            anchors=anchors,
            file=str(path),
            file_sha256=digest.hexdigest(),
        )
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE {PARENT} DETACH PARTITION {table}")
            if drop:
                cursor.execute(f"DROP TABLE {table}")
    return archive
