"""Where generated rows go: COPY files per table, and the audit trail with its hash chain.

Rows are inserted with the audit row triggers switched off (bench/generate.py), so the sink writes,
for every row, the audit entries the triggers would have written (a `create` with every column,
then a `change` per later update with the changed columns), and the application's own entries
(reads, searches, sign-ins, grants). Entries are held in day buckets and written in time order
once no later case can add to that day, then numbered and chained exactly as the chain trigger
does (audit/0002): id order is chain order and, here, also time order.
"""

import hashlib
import os
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, TextIO

from bench.tables import AUDIT_COLUMNS, LOAD_ORDER, TableSpec, copy_text

DAY_US = 86_400 * 1_000_000
REDACTED = {"cases.User": ("password",)}


def _netstring(text: str) -> bytes:
    encoded = text.encode()
    return b"%d:%s," % (len(encoded), encoded)


@dataclass
class Actor:
    id: int
    username: str
    ip: str


@dataclass
class Chunk:
    """The files of one batch of cases, loaded in one transaction."""

    number: int
    paths: dict[str, str] = field(default_factory=dict)


class Sink:
    def __init__(self, workdir: str, first_ids: dict[str, int], audit_first_id: int, prev_hash: str) -> None:
        self.workdir = workdir
        self.specs = {table: TableSpec(table) for table in LOAD_ORDER}
        self.next_id = dict(first_ids)
        self.audit_first_id = audit_first_id
        self.audit_next_id = audit_first_id
        self.prev_hash = prev_hash
        self.buckets: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
        self.seq = 0
        self.counts: dict[str, int] = defaultdict(int)
        self.chunk_number = 0
        self.files: dict[str, TextIO] = {}
        self.chunk = self._open_chunk()

    # --- Files ----------------------------------------------------------------------------

    def _open_chunk(self) -> Chunk:
        chunk = Chunk(self.chunk_number)
        for table in (*LOAD_ORDER, "audit_auditentry"):
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
        self.flush_before(None)
        for handle in self.files.values():
            handle.close()
        return self.chunk

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
        """The trigger's `create` entry for `row` as first inserted."""
        spec = self.specs[table]
        object_id = str(row["id"])
        self.entry(
            at_us,
            actor,
            "create",
            spec.label,
            object_id,
            ref,
            f"Created {spec.label} {object_id}",
            spec.created_changes(row, REDACTED.get(spec.label, ())),
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
        self.seq += 1
        self.buckets[at_us // DAY_US].append(
            (at_us, self.seq, actor, kind, object_type, object_id, ref, summary, changes, request, source, recipient)
        )

    def flush_before(self, at_us: int | None) -> None:
        """Number, chain and write every held entry of the days before `at_us`'s (all, if None)."""
        limit = None if at_us is None else at_us // DAY_US
        days = sorted(day for day in self.buckets if limit is None or day < limit)
        out = self.files["audit_auditentry"]
        sha256 = hashlib.sha256
        for day in days:
            entries = self.buckets.pop(day)
            entries.sort()
            for (
                at,
                _,
                actor,
                kind,
                object_type,
                object_id,
                ref,
                summary,
                changes,
                request,
                source,
                recipient,
            ) in entries:
                entry_id = self.audit_next_id
                self.audit_next_id += 1
                seconds, micros = divmod(at, 1_000_000)
                stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{micros:06d}"
                actor_id = str(actor.id) if actor else ""
                username = actor.username if actor else ""
                ip = actor.ip if actor and source == "web" else ""
                parts = (
                    self.prev_hash, str(entry_id), stamp + "Z", actor_id, username, kind, object_type,
                    object_id, ref, summary, changes, recipient, ip, request, source,
                )  # fmt: skip
                text = "".join([f"{len(part)}:{part}," for part in parts])
                content = text.encode() if text.isascii() else b"".join(_netstring(part) for part in parts)
                digest = sha256(content).hexdigest()
                out.write(
                    "\t".join(
                        (
                            str(entry_id),
                            stamp + "+00",
                            actor_id or "\\N",
                            username,
                            kind,
                            object_type,
                            object_id,
                            ref,
                            copy_text(summary),
                            copy_text(changes),
                            copy_text(recipient),
                            ip or "\\N",
                            request,
                            source,
                            self.prev_hash,
                            digest,
                        )
                    )
                    + "\n"
                )
                self.prev_hash = digest
        self.counts["audit_auditentry"] = self.audit_next_id - self.audit_first_id


AUDIT_COPY_COLUMNS = ", ".join(AUDIT_COLUMNS)
