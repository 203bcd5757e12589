"""Shortening the audit trail unseen: deleting or moving back the chain head, removing entries from
the middle, and writing an entry with a chosen time or source as the application's role. Each is
found by `verify_audit` or undone by the database."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.utils import timezone

from audit.chain import verify_chain
from audit.context import acting_as
from audit.models import AuditEntry
from audit.sequencer import sequence_entries
from audit.services import audit_record
from cases.models import Case
from tests.audit.conftest import run_as_owner, verify_after_sealing

pytestmark = pytest.mark.django_db
Kind = AuditEntry.Kind


@pytest.fixture
def entries(officer):
    with acting_as(officer, source="web"):
        for n in range(6):
            audit_record(kind=Kind.READ, actor=officer, object_type=Case, object_id=str(n))
    sequence_entries()
    return list(AuditEntry.objects.order_by("-id")[:6])[::-1]


def test_deleting_the_chain_head_row_leaves_no_entry_unchecked(entries):
    run_as_owner("DELETE FROM audit_auditchainhead")
    report = verify_chain()
    assert not report.ok
    assert "chain head row is missing" in report.reason
    with pytest.raises(CommandError, match="BROKEN"):
        call_command("verify_audit")


def test_moving_the_chain_head_back_leaves_no_entry_unchecked(entries):
    earlier = entries[2]
    run_as_owner(
        "UPDATE audit_auditchainhead SET last_seq = %s, last_id = %s, last_hash = %s",
        [earlier.seq, earlier.id, earlier.hash],
    )
    report = verify_chain()
    assert not report.ok
    assert f"entries up to place {entries[-1].seq} lie past the chain head (place {earlier.seq})" in report.reason
    with pytest.raises(CommandError, match="lie past the chain head"):
        call_command("verify_audit")


def test_removing_entries_from_the_middle_names_the_gap(entries):
    run_as_owner("DELETE FROM audit_auditentry WHERE id IN (%s, %s)", [entries[2].id, entries[3].id])
    report = verify_chain()
    assert (report.ok, report.broken_id) == (False, entries[4].id)
    assert f"places {entries[2].seq} to {entries[3].seq} of the chain before it are missing." in report.reason


def test_a_gap_in_ids_left_by_a_rolled_back_entry_leaves_no_gap_in_places(entries, officer):
    with pytest.raises(RuntimeError), transaction.atomic():
        audit_record(kind=Kind.READ, actor=officer, object_type=Case, object_id="rolled back")
        raise RuntimeError
    after = audit_record(kind=Kind.READ, actor=officer, object_type=Case, object_id="after")
    assert after.id > entries[-1].id + 1
    sequence_entries()
    after.refresh_from_db()
    assert after.seq == entries[-1].seq + 1  # places have no gap where ids do
    report = verify_chain()
    assert report.ok, report.describe()


def _insert_as_app(sql: str, params: list[Any]) -> AuditEntry:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL ROLE safeguard_app")
        cursor.execute(sql, params)
        cursor.execute("SELECT max(id) FROM audit_auditentry")
        (entry_id,) = cursor.fetchone()
    return AuditEntry.objects.get(pk=entry_id)


def test_the_application_role_cannot_backdate_an_entry_or_name_its_source():
    long_ago = datetime(2001, 1, 1, tzinfo=UTC)
    before = timezone.now()
    entry = _insert_as_app(
        "INSERT INTO audit_auditentry (occurred_at, actor_username, kind, object_type, object_id, case_reference, "
        "summary, changes, recipient, request_id, source) "
        "VALUES (%s, '', 'read', 'cases.Case', '1', '', 'forged', '{}', '', '', 'web')",
        [long_ago],
    )
    assert entry.occurred_at >= before - timedelta(seconds=5)
    assert entry.source == "database:safeguard_app"
    assert verify_after_sealing().ok


def test_the_application_role_cannot_name_another_actor_time_or_source_within_a_session(officer, supervisor):
    long_ago = timezone.now() - timedelta(days=400)
    with (
        acting_as(officer, source="import", ip="192.0.2.9", request_id="req-stamp"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("SET LOCAL ROLE safeguard_app")
        forged = AuditEntry.objects.create(
            occurred_at=long_ago,
            actor_id=supervisor.pk,
            actor_username=supervisor.username,
            kind=Kind.READ,
            object_type="cases.Case",  # the column holds the model's label
            source="web",
            ip="203.0.113.1",
            request_id="chosen",
        )
    forged.refresh_from_db()
    assert forged.occurred_at > long_ago + timedelta(days=399)
    assert (forged.actor_id, forged.actor_username) == (officer.pk, officer.username)
    assert (forged.source, forged.ip, forged.request_id) == ("import", "192.0.2.9", "req-stamp")
    assert verify_after_sealing().ok
