"""What the benchmark load takes off the tables before it, and putting it back after, in parallel.

Taken off (bench/generate.py decides which):

- the audit table's secondary indexes: dropped, and built again afterwards from the same
  definitions (`pg_indexes.indexdef`); one sort per index is much cheaper than keeping seven
  indexes up to date row by row;
- the foreign keys of the tables loaded: dropped, and added back afterwards from the same
  definitions (`pg_get_constraintdef`), which makes PostgreSQL check every row against them at
  once with one join per key, instead of one lookup and one row lock per row and key. This is
  PostgreSQL's own advice for a bulk load ("Populating a Database", and what pg_restore does). A
  key is added NOT VALID first (instantly) and then validated: validating takes only a light lock
  on the referenced table, so keys of different tables are checked at the same time. A row that
  breaks a key makes the validation, and so the load, fail.

Put back on several connections at once: the index builds start together, so they read the
table together (PostgreSQL's synchronised sequential scans: a table bigger than memory is read
about once, not once per index); each sorts in one process, the builds themselves being the
parallelism. Each loaded table is validated and then vacuumed and analysed by one task (the
vacuum marks its pages all-visible, as autovacuum would soon after, so that index-only scans need
not visit them; a load in one transaction only analyses); the audit table is analysed last, when
its indexes are back.
"""

import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

MAINTENANCE_MEMORY = "1GB"
SESSION_SETTINGS = (
    f"SET maintenance_work_mem = '{MAINTENANCE_MEMORY}'",  # index sorts; foreign key checks use it too
    "SET max_parallel_maintenance_workers = 0",
    "SET synchronous_commit = off",
)
AUDIT_TABLE = "audit_auditentry"


def compress_wal(cursor: Any) -> None:
    """Compress full-page images in the WAL for this session, with LZ4 where PostgreSQL has it.

    A new index is written to the WAL page by page as full-page images (wal_level replica), as
    much again as the index itself; they compress well. A session setting for superusers."""
    cursor.execute("SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'wal_compression'")
    if cursor.fetchone()[0]:
        cursor.execute("SET wal_compression = lz4")


@dataclass
class TakenOff:
    index_definitions: list[str] = field(default_factory=list)
    foreign_keys: list[tuple[str, str, str]] = field(default_factory=list)  # (table, name, definition)


def take_off(cursor: Any, tables: tuple[str, ...], *, audit_indexes: bool, foreign_keys: bool) -> TakenOff:
    """Drop the audit table's secondary indexes and the foreign keys of `tables`, as asked."""
    taken = TakenOff()
    if audit_indexes:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s "
            "AND indexname <> 'audit_auditentry_pkey' ORDER BY indexname",
            (AUDIT_TABLE,),
        )
        for name, definition in cursor.fetchall():
            # A partitioned table's index is defined `ON ONLY` the parent: built again on every partition.
            taken.index_definitions.append(definition.replace(" ON ONLY ", " ON ", 1))
            cursor.execute(f'DROP INDEX "{name}"')
    if foreign_keys:
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE contype = 'f' AND conrelid = ANY(%s::regclass[]) ORDER BY 1, 2",
            (list(tables),),
        )
        taken.foreign_keys = cursor.fetchall()
        for table, name, _ in taken.foreign_keys:
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    return taken


def add_foreign_keys_unchecked(cursor: Any, taken: TakenOff) -> None:
    """Add the foreign keys back NOT VALID: in force for new rows at once, not yet checked."""
    for table, name, definition in taken.foreign_keys:
        cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition} NOT VALID')


def tasks(taken: TakenOff, tables: tuple[str, ...], *, vacuum: bool) -> list[tuple[str, list[str]]]:
    """What to run after the load, each task's statements in order; the index builds first. With
    `vacuum` (tasks run outside a transaction, by `run`'s workers) each table is vacuumed as well
    as analysed."""
    analyse = "VACUUM (ANALYZE)" if vacuum else "ANALYZE"
    work = [(f"index {definition.split()[2]}", [definition]) for definition in taken.index_definitions]
    keys: dict[str, list[str]] = {table: [] for table in tables}
    for table, name, _ in taken.foreign_keys:
        keys[table].append(f'ALTER TABLE {table} VALIDATE CONSTRAINT "{name}"')
    work += [(f"table {table}", [*statements, f"{analyse} {table}"]) for table, statements in keys.items()]
    return work


def run(
    work: list[tuple[str, list[str]]],
    connection: Any,
    connect: Callable[[], Any] | None,
    workers: int,
) -> dict[str, float]:
    """Run `work` on `workers` connections of their own, or in order on `connection` (without
    `connect`, inside the caller's transaction). Returns each task's seconds."""
    timings: dict[str, float] = {}
    if connect is None or workers <= 1:
        with connection.cursor() as cursor:
            for setting in SESSION_SETTINGS:
                cursor.execute(setting)
            compress_wal(cursor)
            for label, statements in work:
                step = time.monotonic()
                for statement in statements:
                    cursor.execute(statement)
                if connect is not None:
                    connection.commit()
                timings[label] = time.monotonic() - step
        return timings
    pending: queue.SimpleQueue[tuple[str, list[str]]] = queue.SimpleQueue()
    for task in work:
        pending.put(task)
    errors: list[BaseException] = []

    def worker() -> None:
        session = connect()
        session.autocommit = True
        try:
            with session.cursor() as cursor:
                for setting in SESSION_SETTINGS:
                    cursor.execute(setting)
                compress_wal(cursor)
                while not errors:
                    try:
                        label, statements = pending.get_nowait()
                    except queue.Empty:
                        break
                    step = time.monotonic()
                    for statement in statements:
                        cursor.execute(statement)
                    timings[label] = time.monotonic() - step
        except BaseException as error:
            errors.append(error)
        finally:
            session.close()

    threads = [threading.Thread(target=worker, name="finish") for _ in range(min(workers, len(work)))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise RuntimeError("Putting back indexes, foreign keys or statistics failed") from errors[0]
    return timings
