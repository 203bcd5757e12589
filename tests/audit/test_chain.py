"""The hash chain: it verifies after a mixed workload once the sequencer has sealed it, stays whole
under concurrent writers, and shows the first sealed entry tampered with (changed, removed, moved or
reordered); an entry left unsealed past the bound fails the check."""

import threading
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections, transaction
from django.utils import timezone

from audit.chain import GENESIS, verify_chain
from audit.context import acting_as
from audit.models import AuditChainHead, AuditEntry
from audit.objects import ObjectType
from audit.sequencer import sequence_entries
from audit.services import audit_record
from cases.models import Case, Subject
from cases.services.case import subject_add
from tests.audit.conftest import run_as_owner

pytestmark = pytest.mark.django_db
Kind = AuditEntry.Kind


@pytest.fixture
def workload(case, officer):
    with acting_as(officer, source="web", ip="192.0.2.1"):
        subject = subject_add(case=case, actor=officer, full_name="Chain Subject")
        Subject.objects.filter(pk=subject.pk).update(notes='ünïcödé, quotes " and newlines\n')
        audit_record(kind=Kind.READ, actor=officer, object_type=Case, case_reference=case.reference)
        with connection.cursor() as cursor:
            cursor.execute("UPDATE cases_subject SET pnc_id = '01/2345A' WHERE id = %s", [subject.pk])
        Subject.objects.filter(pk=subject.pk).delete()
    sequence_entries()
    return list(AuditEntry.objects.order_by("-id")[:5])[::-1]


def test_the_chain_verifies_after_a_mixed_workload(workload):
    report = verify_chain()
    assert report.ok, report.describe()
    assert report.checked >= 5
    assert [entry.prev_hash for entry in workload[1:]] == [entry.hash for entry in workload[:-1]]


def test_each_entry_links_to_the_one_before_it(workload):
    first = AuditEntry.objects.get(seq=1)
    assert first.prev_hash == GENESIS
    for entry in workload:
        assert AuditEntry.objects.get(seq=entry.seq - 1).hash == entry.prev_hash


def test_an_entry_is_written_unsealed_and_sealed_once_by_the_sequencer(officer):
    entry = audit_record(kind=Kind.READ, actor=officer, object_type=Case, object_id="1")
    assert (entry.seq, entry.prev_hash, entry.hash) == (None, None, None)
    assert sequence_entries() >= 1
    entry.refresh_from_db()
    assert entry.seq is not None and entry.hash is not None and len(entry.hash) == 64
    assert sequence_entries() == 0  # nothing left waiting
    assert verify_chain().ok


def test_verify_audit_seals_what_is_waiting_before_it_checks(officer, capsys):
    entry = audit_record(kind=Kind.READ, actor=officer, object_type=Case, object_id="1")
    call_command("verify_audit")
    assert "Audit chain OK:" in capsys.readouterr().out
    entry.refresh_from_db()
    assert entry.seq is not None


def test_an_entry_waiting_past_the_bound_fails_the_check(officer, settings, capsys):
    settings.SAFEGUARD_AUDIT_UNSEQUENCED_MAX_SECONDS = 60
    sequence_entries()
    # Written by the owner with its own time (the stamp trigger keeps it): as if it had waited 2 minutes.
    stale = AuditEntry.objects.create(
        kind=Kind.READ, object_type="cases.Case", occurred_at=timezone.now() - timedelta(minutes=2)
    )
    fresh = AuditEntry.objects.create(kind=Kind.READ, object_type="cases.Case")
    report = verify_chain()
    assert (report.ok, report.broken_id) == (False, stale.id)
    assert "waited more than 60 s for its place" in report.reason and "2 entries waiting" in report.reason
    with pytest.raises(CommandError, match=f"BROKEN at entry {stale.id}"):
        call_command("verify_audit", "--no-sequence")
    # Sealed (as verify_audit does by default), it is covered by the chain, and the check passes.
    call_command("verify_audit")
    assert "Audit chain OK:" in capsys.readouterr().out
    fresh.refresh_from_db()
    assert fresh.seq is not None


def test_entries_waiting_within_the_bound_are_counted_not_failed(officer):
    sequence_entries()
    audit_record(kind=Kind.READ, actor=officer, object_type=Case, object_id="1")
    report = verify_chain()
    assert report.ok and report.waiting == 1
    assert "1 newer entries waiting for their place" in report.describe()


def test_verify_audit_reports_ok_with_the_count(workload, capsys):
    call_command("verify_audit")
    assert "Audit chain OK:" in capsys.readouterr().out


def test_an_edited_entry_is_the_first_broken_one(workload):
    target = workload[2]
    run_as_owner("UPDATE audit_auditentry SET summary = 'nothing to see' WHERE id = %s", [target.id])
    report = verify_chain()
    assert (report.ok, report.broken_id) == (False, target.id)
    assert "content does not match" in report.reason


def test_a_deleted_entry_breaks_the_chain_at_the_next_one(workload):
    run_as_owner("DELETE FROM audit_auditentry WHERE id = %s", [workload[1].id])
    report = verify_chain()
    assert (report.ok, report.broken_id) == (False, workload[2].id)
    assert f"places {workload[1].seq} to {workload[1].seq} of the chain before it are missing" in report.reason


def test_a_deleted_entry_whose_place_is_given_to_the_next_is_found_by_its_link(workload):
    """Deleting an entry and moving every later one back a place, so the places have no gap."""
    run_as_owner("DELETE FROM audit_auditentry WHERE id = %s", [workload[1].id])
    run_as_owner("UPDATE audit_auditentry SET seq = -seq WHERE seq > %s", [workload[1].seq])
    run_as_owner("UPDATE audit_auditentry SET seq = -seq - 1 WHERE seq < 0")
    report = verify_chain()
    assert (report.ok, report.broken_id) == (False, workload[2].id)
    assert "does not follow the entry before it" in report.reason


def test_reordering_two_entries_places_is_found_at_the_earlier_place(workload):
    first, second = workload[1], workload[2]
    run_as_owner(
        "UPDATE audit_auditentry SET seq = CASE id WHEN %s THEN %s ELSE %s END WHERE id IN (%s, %s)",
        [first.id, -1, -2, first.id, second.id],
    )
    run_as_owner("UPDATE audit_auditentry SET seq = %s WHERE seq = -1", [second.seq])
    run_as_owner("UPDATE audit_auditentry SET seq = %s WHERE seq = -2", [first.seq])
    report = verify_chain()
    assert (report.ok, report.broken_id) == (False, second.id)
    assert "does not follow the entry before it" in report.reason


def test_cutting_the_last_entries_is_found_by_the_chain_head(workload):
    run_as_owner("DELETE FROM audit_auditentry WHERE id >= %s", [workload[3].id])
    report = verify_chain()
    assert (report.ok, report.broken_id) == (False, workload[4].id)


def test_swapping_two_entries_is_found_at_the_earlier(workload):
    first, second = workload[1], workload[3]
    columns = (
        "occurred_at, actor_id, actor_username, kind, object_type, object_id, case_reference, summary, "
        "changes, recipient, ip, request_id, source, prev_hash, hash"
    )
    swap = f"UPDATE audit_auditentry AS a SET ({columns}) = (SELECT {columns} FROM audit_auditentry b "  # noqa: S608
    run_as_owner(
        swap + "WHERE b.id = CASE a.id WHEN %s THEN %s ELSE %s END) WHERE a.id IN (%s, %s)",
        [first.id, second.id, first.id, first.id, second.id],
    )
    report = verify_chain()
    assert (report.ok, report.broken_id) == (False, first.id)


def test_verify_audit_exits_non_zero_naming_the_broken_entry(workload):
    run_as_owner("UPDATE audit_auditentry SET recipient = 'x' WHERE id = %s", [workload[0].id])
    with pytest.raises(CommandError, match=f"BROKEN at entry {workload[0].id}"):
        call_command("verify_audit")


def test_verifying_is_itself_recorded_as_a_read_of_the_audit_trail(workload, new_entries):
    since = new_entries()
    call_command("verify_audit")
    [entry] = since.entries()
    assert entry.kind == Kind.AUDIT_READ


def test_concurrent_writers_keep_one_unbroken_chain(db):
    """Two connections appending at once, and the sequencer sealing as they go: no lock is shared by
    the writers, and the chain the sequencer builds never forks. Their entries are committed, so
    they are removed (as the owner) afterwards."""
    # Nothing is sealed on this test's own connection: its transaction would hold the sequencer's lock
    # until the test ends.
    start = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
    head = AuditChainHead.objects.filter(pk=1).first() or AuditChainHead(last_seq=0, last_id=0, last_hash=GENESIS)
    errors: list[BaseException] = []
    barrier = threading.Barrier(3)

    def writer(name: str) -> None:
        try:
            barrier.wait()
            for n in range(15):
                with transaction.atomic():
                    audit_record(
                        kind=Kind.READ, actor=None, actor_username=name, object_type=ObjectType.PAGE, object_id=str(n)
                    )
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    def sequencer() -> None:
        try:
            barrier.wait()
            for _ in range(10):
                sequence_entries()
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(name,)) for name in ("thread.one", "thread.two")]
    threads.append(threading.Thread(target=sequencer))
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert not errors
        assert AuditEntry.objects.filter(id__gt=start).count() == 30
        report = _verified_from_another_connection()
        assert report.ok, report.describe()
    finally:
        _remove_committed_entries_after(start, head)


def _verified_from_another_connection():
    """Seal and check on a connection of its own, which sees the threads' commits."""
    reports = []

    def check() -> None:
        try:
            sequence_entries(wait=True)
            reports.append(verify_chain())
        finally:
            connections.close_all()

    thread = threading.Thread(target=check)
    thread.start()
    thread.join(timeout=60)
    return reports[0]


def _remove_committed_entries_after(start: int, head: AuditChainHead) -> None:
    def cleanup() -> None:
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("ALTER TABLE audit_auditentry DISABLE TRIGGER audit_entry_append_only")
                cursor.execute("DELETE FROM audit_auditentry WHERE id > %s", [start])
                # Entries committed earlier and sealed by this test wait again, as they did before it.
                cursor.execute(
                    "UPDATE audit_auditentry SET seq = NULL, prev_hash = NULL, hash = NULL WHERE seq > %s",
                    [head.last_seq],
                )
                cursor.execute("ALTER TABLE audit_auditentry ENABLE TRIGGER audit_entry_append_only")
                cursor.execute(
                    "INSERT INTO audit_auditchainhead (id, last_seq, last_id, last_hash) VALUES (1, %s, %s, %s) "
                    "ON CONFLICT (id) DO UPDATE SET last_seq = excluded.last_seq, last_id = excluded.last_id, "
                    "last_hash = excluded.last_hash",
                    [head.last_seq, head.last_id, head.last_hash],
                )
        finally:
            connections.close_all()

    thread = threading.Thread(target=cleanup)
    thread.start()
    thread.join(timeout=60)


def _session_state() -> tuple[list[str], str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM pg_prepared_statements ORDER BY name")
        prepared = [name for (name,) in cursor.fetchall()]
        cursor.execute("SHOW plan_cache_mode")
        return prepared, cursor.fetchone()[0]


def test_a_check_in_small_chunks_leaves_the_session_as_it_found_it_whether_it_passes_or_breaks(workload):
    """The walk's chunk query is prepared once per check (a generic plan: no re-planning of every
    month partition for each chunk) and dropped after it, also when the walk stops at a break."""
    before = _session_state()
    assert verify_chain(chunk=2).ok
    assert _session_state() == before
    run_as_owner("UPDATE audit_auditentry SET summary = 'nothing to see' WHERE id = %s", [workload[1].id])
    report = verify_chain(chunk=2)
    assert (report.ok, report.broken_id) == (False, workload[1].id)
    assert _session_state() == before


def test_a_chunk_statement_left_by_a_failed_check_does_not_stop_the_next(workload):
    with connection.cursor() as cursor:
        cursor.execute("PREPARE safeguard_audit_chain_chunk (bigint, bigint) AS SELECT $1, $2")
    report = verify_chain(chunk=3)
    assert report.ok, report.describe()
    assert "safeguard_audit_chain_chunk" not in _session_state()[0]
