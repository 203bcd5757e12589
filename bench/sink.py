"""Where generated rows go: COPY files per table, chunk by chunk, and the audit entries they make.

Rows are inserted with the audit row triggers switched off (bench/generate.py), so the sink makes,
for every row, the audit entries the triggers would have written (a `create` with every column,
then a `change` per later update with the changed columns), and the application's own entries
(reads, sign-ins, grants). An entry is made whole here but for its id and hashes, as the text the
chain hashes and as its COPY columns; bench/trail.py puts the entries in time order, numbers and
chains them.
"""

import os
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Protocol, TextIO

from bench.loader import Chunk
from bench.tables import LOAD_ORDER, TABLES, TableSpec, copy_text, iso_second

# An entry as made here and chained by bench/trail.py: (time in µs, order made, hashed text after
# the id, COPY columns after the id and before the hashes).
Entry = tuple[int, int, bytes, bytes]
REDACTED = {"cases.User": ("password",)}
NULL = "\\N"


def _netstring_text(text: str) -> str:
    return f"{len(text.encode())}:{text},"


@dataclass
class Actor:
    id: int
    username: str
    ip: str
    hash_part: str = field(init=False, repr=False)
    copy_part: str = field(init=False, repr=False)

    def __post_init__(self) -> None:
        # The actor's id and username as the chain hashes them (netstrings) and as COPY columns.
        self.hash_part = _netstring_text(str(self.id)) + _netstring_text(self.username)
        self.copy_part = f"{self.id}\t{self.username}"


class Trail(Protocol):
    def add(self, entries: list[Entry], horizon_us: int | None) -> None: ...


class Sink:
    """Case rows to COPY files, chunk by chunk; audit entries made and handed to `trail` in batches."""

    def __init__(self, workdir: str, first_ids: dict[str, int], trail: Trail) -> None:
        self.workdir = workdir
        self.specs = {table: TableSpec(table, REDACTED.get(TABLES[table][0], ())) for table in LOAD_ORDER}
        self.next_id = dict(first_ids)
        self.trail = trail
        self.held: list[Entry] = []
        self._fixed: dict[tuple[int | None, str, str, str, str], tuple[str, str, str, str, str]] = {}
        self._second, self._second_text = -1, ""
        self.seq = 0
        self.counts: dict[str, int] = defaultdict(int)
        self.chunk_number = 0
        self.files: dict[str, TextIO] = {}
        self.chunk = self._open_chunk()

    # --- Files ----------------------------------------------------------------------------

    def _open_chunk(self) -> Chunk:
        chunk = Chunk(self.chunk_number)
        for table in LOAD_ORDER:
            path = os.path.join(self.workdir, f"{self.chunk_number:05d}-{table}.tsv")
            chunk.paths[table] = path
            self.files[table] = open(path, "w", encoding="utf-8", buffering=1 << 20)  # noqa: SIM115
        return chunk

    def rotate(self) -> Chunk:
        """Close the current chunk's files and start the next; returns the finished chunk."""
        for handle in self.files.values():
            handle.close()
        finished = self.chunk
        self.chunk_number += 1
        self.chunk = self._open_chunk()
        return finished

    def close(self) -> Chunk:
        """The last chunk; every entry handed to the trail."""
        self.flush_before(None)
        for handle in self.files.values():
            handle.close()
        return self.chunk

    def flush_before(self, at_us: int | None) -> None:
        """Hand the entries made so far to the trail, saying that no later entry will fall on a day
        before `at_us`'s (None: no later entry at all)."""
        self.trail.add(self.held, at_us)
        self.held = []

    # --- Case data ------------------------------------------------------------------------

    def new_id(self, table: str) -> int:
        value = self.next_id[table]
        self.next_id[table] = value + 1
        return value

    def write(self, table: str, row: dict[str, object]) -> None:
        """Write a row in its final state (after every update the story made to it)."""
        self.files[table].write(self.specs[table].copy_line(row))
        self.counts[table] += 1

    def created(
        self, table: str, row: dict[str, object], at_us: int, actor: Actor | None, request: str, ref: str
    ) -> None:
        """The trigger's `create` entry for `row` as first inserted. A row that keeps when it was first
        entered (cases.models.correctable) takes the entry's time, to the second below: the time the
        database would have written, which the entry's cannot precede."""
        spec = self.specs[table]
        if "first_entered_at" in spec.types:
            row["first_entered_at"] = at_us // 1_000_000
        object_id = str(row["id"])
        self.entry(
            at_us,
            actor,
            "create",
            spec.label,
            object_id,
            ref,
            f"Created {spec.label} {object_id}",
            spec.created_changes(row),
            request,
        )

    def changed(
        self,
        table: str,
        row: dict[str, object],
        new: dict[str, object],
        at_us: int,
        actor: Actor,
        request: str,
        ref: str,
    ) -> None:
        """Apply `new` to `row` and write the trigger's `change` entry for it."""
        spec = self.specs[table]
        new = {key: value for key, value in new.items() if row[key] != value}
        if not new:
            return
        before = {key: row[key] for key in new}
        row.update(new)
        object_id = str(row["id"])
        self.entry(
            at_us,
            actor,
            "change",
            spec.label,
            object_id,
            ref,
            f"Changed {spec.label} {object_id}",
            spec.changed_changes(before, new),
            request,
        )

    # --- The audit trail ------------------------------------------------------------------

    def entry(
        self,
        at_us: int,
        actor: Actor | None,
        kind: str,
        object_type: str,
        object_id: str,
        ref: str,
        summary: str,
        changes: str,
        request: str,
        source: str = "web",
        recipient: str = "",
    ) -> None:
        """Hold an entry for its day: everything of it but its id and the hashes, made now, both
        as the text the chain hashes (netstrings, in the order of audit/0002) and as its COPY
        columns (in the same order)."""
        key = (actor.id if actor else None, kind, object_type, source, recipient)
        fixed = self._fixed.get(key)
        if fixed is None:
            fixed = self._fixed[key] = _fixed_parts(actor, kind, object_type, source, recipient)
        hash_head, hash_middle, hash_tail, copy_head, copy_middle = fixed
        seconds, fraction = divmod(at_us, 1_000_000)
        if seconds != self._second:  # entries of one request mostly fall in the same second
            self._second, self._second_text = seconds, iso_second(seconds)
        stamp = f"{self._second_text}.{fraction:06d}Z"
        text = (
            f"27:{stamp},{hash_head}{len(object_id)}:{object_id},{len(ref)}:{ref},{len(summary)}:{summary},"
            f"{len(changes)}:{changes},{hash_middle}{len(request)}:{request},{hash_tail}"
        )
        hashed = text.encode()
        if len(hashed) != len(text):  # not all ASCII: netstring lengths count bytes
            middle = "".join(_netstring_text(part) for part in (object_id, ref, summary, changes))
            hashed = f"27:{stamp},{hash_head}{middle}{hash_middle}{_netstring_text(request)}{hash_tail}".encode()
        # `changes` is JSON text: its only character COPY needs escaped is the backslash.
        if "\\" in changes:
            changes = changes.replace("\\", "\\\\")
        line = (
            f"{stamp}\t{copy_head}\t{object_id}\t{ref}\t{copy_text(summary)}\t{changes}\t{copy_middle}{request}\t{source}"
        ).encode()
        self.seq += 1
        self.held.append((at_us, self.seq, hashed, line))


def _fixed_parts(
    actor: Actor | None, kind: str, object_type: str, source: str, recipient: str
) -> tuple[str, str, str, str, str]:
    """The parts of an entry that depend only on who, what kind, of what, from where: the hashed
    netstrings before the object id, between changes and request id, and after it; and the COPY
    columns before the object id and between changes and request id."""
    ip = actor.ip if actor is not None and source == "web" else ""
    who_hash = actor.hash_part if actor is not None else "0:,0:,"
    who_copy = actor.copy_part if actor is not None else f"{NULL}\t"
    return (
        who_hash + _netstring_text(kind) + _netstring_text(object_type),
        _netstring_text(recipient) + _netstring_text(ip),
        _netstring_text(source),
        f"{who_copy}\t{kind}\t{object_type}",
        f"{copy_text(recipient)}\t{ip or NULL}\t",
    )
