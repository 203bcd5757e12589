"""Loading finished chunk files with COPY, in a thread with a connection of its own (or inline)."""

import os
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bench.finish import compress_wal
from bench.tables import AUDIT_COLUMNS, TABLES

AUDIT_COPY_COLUMNS = ", ".join(AUDIT_COLUMNS)
AUDIT_TABLE = "audit_auditentry"


@dataclass
class Chunk:
    """Files to load in one transaction (or, loading frozen, one step of one), one per table."""

    number: int
    paths: dict[str, str] = field(default_factory=dict)
    # The audit entries' UTC month ("2024_03"): a file of them holds one month's (bench/trail.py).
    month: str | None = None


class Loader:
    """COPYs its tables of each finished chunk, in load order, one transaction per chunk; in a
    thread with a connection of its own, or inline through the caller's connection."""

    def __init__(
        self,
        name: str,
        tables: tuple[str, ...],
        connect: Callable[[], Any] | None,
        inline_connection: Any = None,
        freeze: bool = False,
    ) -> None:
        self.name = name
        self.tables = tables
        self.freeze = freeze and connect is not None
        # COPY FREEZE is refused into a partitioned table (the audit table, by month): a frozen load
        # goes straight into each month's partition (`MonthPartitions`).
        self.months: MonthPartitions | None = None
        self.inline = inline_connection
        self.errors: list[BaseException] = []
        self.timings: dict[str, float] = {}
        self.commit_seconds = 0.0
        self.queue: queue.Queue[Chunk | None] = queue.Queue(maxsize=4)
        self.thread: threading.Thread | None = None
        if connect is not None:
            self.connection = connect()
            self.thread = threading.Thread(target=self._run, name=f"load {name}", daemon=True)
            self.thread.start()

    @property
    def busy_seconds(self) -> float:
        return sum(self.timings.values()) + self.commit_seconds

    def submit(self, chunk: Chunk) -> None:
        if self.errors:
            raise RuntimeError(f"Loading {self.name} failed") from self.errors[0]
        if self.thread is None:
            self._load(self.inline, chunk)
        else:
            self.queue.put(chunk)

    def abort(self) -> None:
        """After a failure in the main thread: stop a COPY in progress so its locks go."""
        if self.thread is not None and self.thread.is_alive():
            self.connection.cancel()
            self.queue.put(None)
            self.thread.join(timeout=30)

    def finish(self) -> None:
        if self.thread is not None:
            self.queue.put(None)
            self.thread.join()
            self.connection.close()
        if self.errors:
            raise RuntimeError(f"Loading {self.name} failed") from self.errors[0]

    def _run(self) -> None:
        try:
            with self.connection.cursor() as cursor:
                cursor.execute("SET synchronous_commit = off")
                compress_wal(cursor)
                if self.freeze:
                    self._start_frozen_load(cursor)
            if not self.freeze:
                self.connection.commit()
        except BaseException as error:
            self.connection.rollback()
            self.errors.append(error)
        while (chunk := self.queue.get()) is not None:
            if self.errors:
                continue
            try:
                self._load(self.connection, chunk)
                if not self.freeze:
                    self._commit()
            except BaseException as error:
                self.connection.rollback()
                self.errors.append(error)
        if self.freeze and not self.errors:
            try:
                if self.months is not None:
                    with self.connection.cursor() as cursor:
                        self.months.finish(cursor)
                self._commit()
            except BaseException as error:
                self.connection.rollback()
                self.errors.append(error)

    def _start_frozen_load(self, cursor: Any) -> None:
        """One transaction for the whole load of an empty table, so its rows can be written frozen
        (COPY FREEZE needs the table made or emptied in the same transaction): nothing reads or
        rewrites them again to set their hint bits, which matters once the table is bigger than memory."""
        cursor.execute("SET TIME ZONE 'UTC'")  # partition bounds are read and written as UTC
        for table in self.tables:
            cursor.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
            cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {table})")
            if cursor.fetchone()[0]:
                raise RuntimeError(f"{table} is not empty: it cannot be loaded frozen.")
            if table == AUDIT_TABLE:
                self.months = MonthPartitions(cursor)
            else:
                cursor.execute(f"TRUNCATE {table}")

    def _commit(self) -> None:
        step = time.monotonic()
        # Django's foreign keys are deferred: the chunk's are checked here.
        self.connection.commit()
        self.commit_seconds += time.monotonic() - step

    def _load(self, connection: Any, chunk: Chunk) -> None:
        with connection.cursor() as cursor:
            for table in self.tables:
                columns = AUDIT_COPY_COLUMNS if table == AUDIT_TABLE else ", ".join(c for c, _ in TABLES[table][1])
                step = time.monotonic()
                # Bytes straight from the file to the server: no decoding and encoding on the way.
                with open(chunk.paths[table], "rb") as handle:
                    target, options = (table, "")
                    if self.freeze:
                        target, options = (table, " WITH (FREEZE)")
                        if table == AUDIT_TABLE and self.months is not None:
                            target = self.months.partition(cursor, chunk.month)
                    cursor.copy_expert(f"COPY {target} ({columns}) FROM STDIN{options}", handle, size=1 << 20)
                self.timings[table] = self.timings.get(table, 0.0) + time.monotonic() - step
                os.unlink(chunk.paths[table])


class MonthPartitions:
    """The audit table's monthly partitions, made in a frozen load's transaction (docs/audit.md,
    "Partitions and archiving"), so that a generated history lies in partitions by month as if
    Safeguard had run partitioned all along, and each can be loaded with COPY FREEZE.

    The table is empty: its partition of the entries from before partitioning (audit/0010, from
    MINVALUE to a month's start) is detached and dropped; each month loaded gets its partition, made
    by the database function that makes every audit partition, `safeguard_audit_create_partition`
    (audit/0014); a month already made ahead is emptied in the transaction instead. At the end the
    months between get empty partitions and the partition of everything before the first month is
    made again. Months are named as partitions name them ("2024_03"), and their bounds are worked
    out by PostgreSQL, in UTC (the load's time zone)."""

    def __init__(self, cursor: Any) -> None:
        cursor.execute(
            "SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i JOIN pg_class c "
            "ON c.oid = i.inhrelid WHERE i.inhparent = %s::regclass "
            "AND pg_get_expr(c.relpartbound, c.oid) LIKE 'FOR VALUES FROM (MINVALUE)%%'",
            (AUDIT_TABLE,),
        )
        found = cursor.fetchone()
        if found is None:
            raise RuntimeError(f"{AUDIT_TABLE} has no partition of the entries before partitioning (audit/0010).")
        before, bound = found
        # "FOR VALUES FROM (MINVALUE) TO ('2027-01-01 00:00:00+00')": the month it ends at, "2027_01".
        self.bound = bound.split("TO ('", 1)[1][:7].replace("-", "_")
        cursor.execute(f"ALTER TABLE {AUDIT_TABLE} DETACH PARTITION {before}")
        cursor.execute(f"DROP TABLE {before}")
        self.ready: set[str] = set()
        self.first: str | None = None

    def partition(self, cursor: Any, month: str | None) -> str:
        """The partition to COPY `month`'s entries into, made or emptied in this transaction."""
        if month is None:
            raise RuntimeError("A frozen load of audit entries needs each file's month.")
        name = f"{AUDIT_TABLE}_{month}"
        if name not in self.ready:
            cursor.execute("SELECT to_regclass(%s) IS NOT NULL", (name,))
            if cursor.fetchone()[0]:
                cursor.execute(f"TRUNCATE {name}")
            else:
                cursor.execute(
                    "SELECT safeguard_audit_create_partition(%s, start, start + interval '1 month') "
                    "FROM to_timestamp(%s, 'YYYY_MM') AS start",
                    (name, month),
                )
            self.ready.add(name)
            self.first = month if self.first is None else min(self.first, month)
        return name

    def finish(self, cursor: Any) -> None:
        """Empty partitions for the months between the first loaded and the old bound, and the
        partition of everything before the first month."""
        first = self.first or self.bound
        cursor.execute(
            "SELECT safeguard_audit_create_partition(%(table)s || '_' || to_char(start, 'YYYY_MM'), start, "
            "start + interval '1 month') FROM generate_series(to_timestamp(%(first)s, 'YYYY_MM'), "
            "to_timestamp(%(bound)s, 'YYYY_MM') - interval '1 month', interval '1 month') AS start "
            "WHERE to_regclass(%(table)s || '_' || to_char(start, 'YYYY_MM')) IS NULL",
            {"table": AUDIT_TABLE, "first": first, "bound": self.bound},
        )
        cursor.execute(
            "SELECT safeguard_audit_create_partition(%s, NULL, to_timestamp(%s, 'YYYY_MM'))",
            (f"{AUDIT_TABLE}_before_{first}", first),
        )
