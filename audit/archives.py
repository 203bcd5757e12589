"""The places of the audit chain whose entries were archived (audit.models.AuditArchive): the checks
of the chain step over them, from the hash before each run of archived places to the hash of its last
(docs/audit.md, "Partitions and archiving"). The entries themselves were verified when archived."""

from dataclasses import dataclass

from django.db import connection


@dataclass(frozen=True)
class Run:
    first: int
    last: int
    prev_hash: str  # the hash of the entry before `first`
    hash: str  # the hash of the entry at `last`


def archived_runs() -> dict[int, Run]:
    """Every archived run of places, by its first place."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('audit_auditarchive')")
        if cursor.fetchone()[0] is None:  # before audit/0011 (a test of an older migration)
            return {}
        cursor.execute(
            "SELECT (r ->> 0)::bigint, (r ->> 1)::bigint, r ->> 2, r ->> 3 "
            "FROM audit_auditarchive a, jsonb_array_elements(a.runs) r"
        )
        runs = [Run(*row) for row in cursor.fetchall()]
    return {run.first: run for run in runs}


def archived_hash(position: int) -> str | None:
    """The hash at an archived place, where the archive kept it: the last of a run, or a place a
    checkpoint named."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT r ->> 3 FROM audit_auditarchive a, jsonb_array_elements(a.runs) r WHERE (r ->> 1)::bigint = %s "
            "UNION ALL SELECT a.anchors ->> %s FROM audit_auditarchive a WHERE a.anchors ? %s",
            [position, str(position), str(position)],
        )
        row = cursor.fetchone()
    return str(row[0]) if row else None


# How many archived places lie after the place given as the parameter and up to the chain head's
# (`h.last_seq`): added to the count of entries still in the table (audit/checkpoints.py).
ARCHIVED_COUNT_SQL = """(SELECT coalesce(sum(greatest(0, least((r ->> 1)::bigint, h.last_seq)
                                                 - greatest((r ->> 0)::bigint, %s + 1) + 1)), 0)
   FROM audit_auditarchive a, jsonb_array_elements(a.runs) r)"""
