"""The audit trail of a benchmark load: entries numbered, hash-chained and written in time order.

The sink (bench/sink.py) makes each entry as the row triggers and the application would have:
everything of it but its id and hashes, both as the text the chain hashes and as its COPY columns.
Here the entries are held in day buckets until no later case can add to their day, then sorted by
time, numbered, chained exactly as the chain trigger does (audit/0002: SHA-256 over the netstrings
of the previous hash, the id and the rest) and written to COPY files, which are handed to a loader.
"""

import binascii
import hashlib
import os
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from bench.loader import Chunk
from bench.sink import Entry

DAY_US = 86_400 * 1_000_000
ENTRIES_PER_FILE = 200_000
AUDIT_TABLE = "audit_auditentry"


@dataclass
class TrailResult:
    entries: int
    last_id: int
    last_hash: str


class Trail:
    def __init__(
        self,
        workdir: str,
        first_id: int,
        prev_hash: str,
        load: Callable[[Chunk], None],
        per_file: int = ENTRIES_PER_FILE,
    ) -> None:
        self.workdir = workdir
        self.first_id = first_id
        self.next_id = first_id
        if len(prev_hash) != 64:
            raise ValueError(f"The chain head's hash is not a SHA-256 in hex: {prev_hash!r}")
        self.prev_hash = prev_hash.encode()
        self.load = load
        self.per_file = per_file
        self.buckets: dict[int, list[Entry]] = defaultdict(list)
        self.held = 0
        self.files = 0
        self._open()

    def _open(self) -> None:
        self.path = os.path.join(self.workdir, f"audit-{self.files:05d}.tsv")
        self.out = open(self.path, "wb", buffering=1 << 20)  # noqa: SIM115
        self.in_file = 0
        self.files += 1

    def _hand_over(self) -> None:
        self.out.close()
        self.load(Chunk(self.files, {AUDIT_TABLE: self.path}))

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
        for day in days:
            entries = self.buckets.pop(day)
            entries.sort()
            parts: list[bytes] = []
            add = parts.extend
            for _, _, hashed, line in entries:
                entry_id = b"%d" % next_id
                next_id += 1
                # The previous hash is always 64 hex digits: its netstring is "64:<hash>,".
                digest = hexlify(sha256(b"64:" + previous + b",%d:%s," % (len(entry_id), entry_id) + hashed).digest())
                add((entry_id, b"\t", line, b"\t", previous, b"\t", digest, b"\n"))
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
        return TrailResult(self.next_id - self.first_id, self.next_id - 1, self.prev_hash.decode())
