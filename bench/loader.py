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


@dataclass
class Chunk:
    """Files to load in one transaction (or, loading frozen, one step of one), one per table."""

    number: int
    paths: dict[str, str] = field(default_factory=dict)


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
        # goes straight into its partition of everything before next month (audit/0010), where all
        # the entries of a fresh database fall; one dated later fails the load.
        self.copy_into: dict[str, str] = {}
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
                self._commit()
            except BaseException as error:
                self.connection.rollback()
                self.errors.append(error)

    def _start_frozen_load(self, cursor: Any) -> None:
        """One transaction for the whole load of an empty table, so its rows can be written frozen
        (COPY FREEZE needs the table emptied in the same transaction): nothing reads or rewrites
        them again to set their hint bits, which matters once the table is bigger than memory."""
        cursor.execute(
            "SELECT p.relname, c.relname FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent "
            "JOIN pg_class c ON c.oid = i.inhrelid WHERE p.relname = ANY(%s) "
            "AND pg_get_expr(c.relpartbound, c.oid) LIKE 'FOR VALUES FROM (MINVALUE)%%'",
            (list(self.tables),),
        )
        self.copy_into = dict(cursor.fetchall())
        for table in self.tables:
            cursor.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
            cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {table})")
            if cursor.fetchone()[0]:
                raise RuntimeError(f"{table} is not empty: it cannot be loaded frozen.")
            cursor.execute(f"TRUNCATE {self.copy_into.get(table, table)}")

    def _commit(self) -> None:
        step = time.monotonic()
        # Django's foreign keys are deferred: the chunk's are checked here.
        self.connection.commit()
        self.commit_seconds += time.monotonic() - step

    def _load(self, connection: Any, chunk: Chunk) -> None:
        with connection.cursor() as cursor:
            for table in self.tables:
                columns = (
                    AUDIT_COPY_COLUMNS if table == "audit_auditentry" else ", ".join(c for c, _ in TABLES[table][1])
                )
                step = time.monotonic()
                # Bytes straight from the file to the server: no decoding and encoding on the way.
                with open(chunk.paths[table], "rb") as handle:
                    target, options = (
                        (self.copy_into.get(table, table), " WITH (FREEZE)") if self.freeze else (table, "")
                    )
                    cursor.copy_expert(f"COPY {target} ({columns}) FROM STDIN{options}", handle, size=1 << 20)
                self.timings[table] = self.timings.get(table, 0.0) + time.monotonic() - step
                os.unlink(chunk.paths[table])
