"""The hash chain: it verifies after a mixed workload, stays whole under concurrent writers, and
shows the first entry tampered with (changed, removed or moved)."""

import threading

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections, transaction

from audit.chain import GENESIS, verify_chain
from audit.context import acting_as
from audit.models import AuditEntry
from audit.objects import ObjectType
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
    return list(AuditEntry.objects.order_by("-id")[:5])[::-1]


def test_the_chain_verifies_after_a_mixed_workload(workload):
    report = verify_chain()
    assert report.ok, report.describe()
    assert report.checked >= 5
    assert [entry.prev_hash for entry in workload[1:]] == [entry.hash for entry in workload[:-1]]


def test_each_entry_links_to_the_one_before_it():
    first = AuditEntry.objects.order_by("id").first()
    assert first is None or first.prev_hash in (GENESIS, *AuditEntry.objects.values_list("hash", flat=True))


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
    """Two connections appending at once: the lock serialises them, so the chain never forks.
    Their entries are committed, so they are removed (as the owner) afterwards."""
    start = AuditEntry.objects.order_by("-id").values_list("id", "hash").first() or (0, GENESIS)
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

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

    threads = [threading.Thread(target=writer, args=(name,)) for name in ("thread.one", "thread.two")]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert not errors
        assert AuditEntry.objects.filter(id__gt=start[0]).count() == 30
        report = verify_chain()
        assert report.ok, report.describe()
    finally:
        _remove_committed_entries_after(start)


def _remove_committed_entries_after(start: tuple[int, str]) -> None:
    def cleanup() -> None:
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("ALTER TABLE audit_auditentry DISABLE TRIGGER audit_entry_append_only")
                cursor.execute("DELETE FROM audit_auditentry WHERE id > %s", [start[0]])
                cursor.execute("ALTER TABLE audit_auditentry ENABLE TRIGGER audit_entry_append_only")
                cursor.execute("UPDATE audit_auditchainhead SET last_id = %s, last_hash = %s WHERE id = 1", list(start))
        finally:
            connections.close_all()

    thread = threading.Thread(target=cleanup)
    thread.start()
    thread.join(timeout=60)
