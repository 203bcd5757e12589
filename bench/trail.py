"""The audit trail of a benchmark load: entries numbered, hash-chained and written in time order.

The sink (bench/sink.py) makes each entry as the row triggers and the application would have:
everything of it but its id and hashes, both as the text the chain hashes and as its COPY columns.
Here the entries are held in day buckets until no later case can add to their day, then sorted by
time, numbered, given their places in the chain and chained exactly as the sequencer does (audit/0009:
SHA-256 over the netstrings of the previous hash, the id and the rest) and written to COPY files,
each of one UTC month's entries (the month of a partition), which are handed to a loader.

Chaining is the one part of the generation that must go in order, and at a million cases the
entries held for their day take a few GB that the chain step walks through cold; in a real load it
runs in a process of its own (`TrailProcess`), which also loads the audit entries on a connection
of its own, while the main process makes the cases.
"""

import binascii
import hashlib
import multiprocessing
import os
import queue
import threading
import time
import traceback
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bench.loader import Chunk, Loader
from bench.sink import Entry

DAY_US = 86_400 * 1_000_000
ENTRIES_PER_FILE = 200_000
# Batches of entries waiting to be sent to the trail process (a batch is the entries of about 500 cases).
OUTBOX_BATCHES = 8
AUDIT_TABLE = "audit_auditentry"


@dataclass
class TrailResult:
    entries: int
    last_id: int
    last_hash: str
    last_seq: int
    timings: dict[str, float] = field(default_factory=dict)


class Trail:
    def __init__(
        self,
        workdir: str,
        first_id: int,
        prev_hash: str,
        load: Callable[[Chunk], None],
        per_file: int = ENTRIES_PER_FILE,
        *,
        first_seq: int,
    ) -> None:
        self.workdir = workdir
        self.first_id = first_id
        self.next_id = first_id
        # Entries are numbered without gaps, so an entry's place is its id less this.
        self.seq_offset = first_id - first_seq
        if len(prev_hash) != 64:
            raise ValueError(f"The chain head's hash is not a SHA-256 in hex: {prev_hash!r}")
        self.prev_hash = prev_hash.encode()
        self.load = load
        self.per_file = per_file
        self.buckets: dict[int, list[Entry]] = defaultdict(list)
        self.held = 0
        self.files = 0
        # A file holds one UTC month's entries (a partition's, docs/audit.md "Partitions and archiving").
        self.month: str | None = None
        self._open()

    def _open(self) -> None:
        self.path = os.path.join(self.workdir, f"audit-{self.files:05d}.tsv")
        self.out = open(self.path, "wb", buffering=1 << 20)  # noqa: SIM115
        self.in_file = 0
        self.files += 1

    def _hand_over(self) -> None:
        self.out.close()
        self.load(Chunk(self.files, {AUDIT_TABLE: self.path}, month=self.month))

    def add(self, entries: list[Entry], horizon_us: int | None) -> None:
        """Hold `entries`; then write every held entry of the days before `horizon_us`'s (no later
        entry can fall on them)."""
        buckets = self.buckets
        for entry in entries:
            buckets[entry[0] // DAY_US].append(entry)
        self.held += len(entries)
        if horizon_us is not None:
            self.flush_before(horizon_us // DAY_US)

    def flush_before(self, day_limit: int | None) -> None:
        """Number, chain and write the held entries of the days before `day_limit` (all, if None)."""
        days = sorted(day for day in self.buckets if day_limit is None or day < day_limit)
        sha256 = hashlib.sha256
        hexlify = binascii.hexlify
        previous = self.prev_hash
        next_id = self.next_id
        seq_offset = self.seq_offset
        for day in days:
            month = _month(day)
            if month != self.month:
                if self.in_file:
                    self._hand_over()
                    self._open()
                self.month = month
            entries = self.buckets.pop(day)
            entries.sort()
            parts: list[bytes] = []
            add = parts.extend
            for _, _, hashed, line in entries:
                entry_id = b"%d" % next_id
                seq = b"%d" % (next_id - seq_offset)
                next_id += 1
                # The previous hash is always 64 hex digits: its netstring is "64:<hash>,".
                digest = hexlify(sha256(b"64:" + previous + b",%d:%s," % (len(entry_id), entry_id) + hashed).digest())
                add((entry_id, b"\t", line, b"\t", previous, b"\t", digest, b"\t", seq, b"\n"))
                previous = digest
            self.out.write(b"".join(parts))
            self.in_file += len(entries)
            self.held -= len(entries)
        self.prev_hash = previous
        self.next_id = next_id
        if self.in_file >= self.per_file:
            self._hand_over()
            self._open()

    def close(self) -> TrailResult:
        self.flush_before(None)
        self._hand_over()
        return TrailResult(
            self.next_id - self.first_id, self.next_id - 1, self.prev_hash.decode(), self.next_id - 1 - self.seq_offset
        )


def _month(day: int) -> str:
    """The UTC month of a day counted from the epoch, as a partition names it: "2024_03"."""
    return datetime.fromtimestamp(day * 86_400, UTC).strftime("%Y_%m")


# --- In a process of its own ---------------------------------------------------------------------


def _serve(
    pipe: Any, params: dict[str, Any] | None, workdir: str, first_id: int, prev_hash: str, first_seq: int, freeze: bool
) -> None:
    """The trail process: chain what the main process sends and load it on a connection of its own
    (without `params`, only write the files: the test reads them)."""
    try:
        loader = None
        if params is not None:
            import psycopg2

            loader = Loader("audit entries", (AUDIT_TABLE,), lambda: psycopg2.connect(**params), freeze=freeze)
        trail = Trail(
            workdir, first_id, prev_hash, loader.submit if loader else lambda chunk: None, first_seq=first_seq
        )
        busy = 0.0
        while (message := pipe.recv()) is not None:
            step = time.monotonic()
            trail.add(*message)
            busy += time.monotonic() - step
        step = time.monotonic()
        result = trail.close()
        result.timings["chaining, in the trail process"] = busy + time.monotonic() - step
        if loader is not None:
            loader.finish()
            for table, spent in loader.timings.items():
                result.timings[f"COPY {table}, from the trail process"] = spent
            result.timings[f"commits of the {loader.name}"] = loader.commit_seconds
        pipe.send(result)
    except BaseException:
        pipe.send(traceback.format_exc())
        raise


class TrailProcess:
    """A `Trail` in a process of its own, loading the audit entries on a connection of its own
    (frozen if `freeze`): `add` sends it entries, `close` waits for the end of its load.

    The entries are sent by a thread of this process from a short queue: sending a batch waits until
    the trail process has read all of it, which it does only between batches it chains, and the
    generator goes on making cases meanwhile (the thread waits with the GIL released)."""

    held = None  # in the other process

    def __init__(
        self,
        params: dict[str, Any] | None,
        workdir: str,
        first_id: int,
        prev_hash: str,
        *,
        first_seq: int,
        freeze: bool,
    ) -> None:
        context = multiprocessing.get_context("spawn")  # a fresh interpreter: no inherited connections
        self.pipe, child = context.Pipe()
        self.process = context.Process(
            target=_serve,
            args=(child, params, workdir, first_id, prev_hash, first_seq, freeze),
            name="audit trail",
        )
        self.process.start()
        child.close()
        self._outbox: queue.Queue[tuple[list[Entry], int | None] | None] = queue.Queue(maxsize=OUTBOX_BATCHES)
        self._send_failed = threading.Event()
        self._sender = threading.Thread(target=self._send_all, name="audit trail sender", daemon=True)
        self._sender.start()

    def _send_all(self) -> None:
        while True:
            message = self._outbox.get()
            try:
                self.pipe.send(message)
            except OSError:
                self._send_failed.set()
                return
            if message is None:
                return

    def _put(self, message: tuple[list[Entry], int | None] | None) -> bool:
        """Queue `message` for the sender; False if sending has failed (the process has ended)."""
        while not self._send_failed.is_set():
            try:
                self._outbox.put(message, timeout=1)
                return True
            except queue.Full:
                continue
        return False

    def add(self, entries: list[Entry], horizon_us: int | None) -> None:
        if not self._put((entries, horizon_us)):
            raise RuntimeError(f"The audit trail process failed:\n{self._last_word()}")

    def _last_word(self) -> str:
        try:
            return str(self.pipe.recv()) if self.pipe.poll(10) else "(no word from it)"
        except (EOFError, OSError):
            return "(it ended without a word)"

    def close(self) -> TrailResult:
        self._put(None)  # if it has failed, its last word is still in the pipe
        self._sender.join()
        try:
            answer = self.pipe.recv()
        except (EOFError, OSError):
            answer = "(it ended without a word)"
        self.process.join()
        if not isinstance(answer, TrailResult):
            raise RuntimeError(f"The audit trail process failed:\n{answer}")
        return answer

    def abort(self) -> None:
        if self.process.is_alive():
            self.process.terminate()  # its connection goes, and with it its load's transaction
        self.process.join(timeout=30)
