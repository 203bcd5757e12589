"""Upgrading a trail written before the sequencer (audit/0007 to 0009): the entries keep their
hashes, take their chain order (id order, as the old chain lock gave it) as their places, and the
chain verifies; the chain head and the flags' mark move to places. Migrated back and forward inside
the test's transaction, which undoes it all."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from audit.chain import verify_chain
from audit.models import AuditChainHead, AuditEntry, FlagMark
from audit.sequencer import sequence_entries

pytestmark = pytest.mark.django_db

BEFORE = [("audit", "0006_anomaly_flags")]
AFTER = [("audit", "0009_sequencer")]


def _migrate(targets: list[tuple[str, str]]) -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)


def test_entries_written_before_the_sequencer_keep_their_hashes_and_the_chain_verifies():
    sequence_entries()  # the test database's own entries, sealed: the old schema needs every hash
    _migrate(BEFORE)
    with connection.cursor() as cursor:
        for n in range(4):  # chained on insert by the old trigger, under its lock
            cursor.execute(
                "INSERT INTO audit_auditentry (actor_username, kind, object_type, object_id, case_reference, summary, "
                "changes, recipient, request_id, source) VALUES ('old.writer', 'read', 'cases.Case', %s, '', "
                "'before the sequencer', '{}', '', '', 'web') RETURNING id, prev_hash, hash",
                [str(n)],
            )
        cursor.execute("SELECT id, prev_hash, hash FROM audit_auditentry ORDER BY id")
        old = cursor.fetchall()
        cursor.execute(
            "INSERT INTO audit_flagmark (id, last_entry_id) VALUES (1, %s) "
            "ON CONFLICT (id) DO UPDATE SET last_entry_id = excluded.last_entry_id",
            [old[-2][0]],
        )
    assert all(digest for _, _, digest in old)

    _migrate(AFTER)

    migrated = list(AuditEntry.objects.order_by("id").values_list("id", "prev_hash", "hash", "seq"))
    assert [(entry_id, prev, digest) for entry_id, prev, digest, _ in migrated] == old
    assert [seq for *_, seq in migrated] == list(range(1, len(old) + 1))
    head = AuditChainHead.objects.get(pk=1)
    assert (head.last_seq, head.last_id, head.last_hash) == (len(old), old[-1][0], old[-1][2])
    assert FlagMark.objects.get(pk=1).last_seq == len(old) - 1
    report = verify_chain()
    assert report.ok, report.describe()
    assert report.checked == len(old)
    # And the chain goes on from there: a new entry is sealed after them.
    entry = AuditEntry.objects.create(kind=AuditEntry.Kind.READ, object_type="cases.Case")
    assert sequence_entries() == 1
    entry.refresh_from_db()
    assert (entry.seq, entry.prev_hash) == (len(old) + 1, old[-1][2])
    assert verify_chain().ok
