"""The audit trail in monthly partitions (audit/partitions.py, migration audit/0010): partitions made
ahead and idempotently, entries filed by month, append-only on every partition reached directly,
each partition verified on its own, and an old one archived without breaking the chain's checks."""

import csv
import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from audit.chain import verify_chain
from audit.checkpoints import chain_head, checkpoint_write, verify_checkpoints
from audit.models import AuditArchive, AuditEntry
from audit.partitions import (
    MONTHS_AHEAD,
    PartitionError,
    create_partitions,
    partition_archive,
    partitions,
    verify_partition,
)
from audit.sequencer import sequence_entries
from audit.services import audit_record
from audit.tasks import create_audit_partitions
from cases.models import Case
from tests.audit.conftest import run_as_owner

pytestmark = pytest.mark.django_db


def _month(offset: int) -> datetime:
    """The first instant of the UTC month `offset` months from this one."""
    start = timezone.now().astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    for _ in range(offset):
        start = (start + timedelta(days=32)).replace(day=1)
    return start


def _label(offset: int) -> str:
    return f"{_month(offset):%Y_%m}"


def _holding(moment: datetime) -> str:
    """The partition table an entry dated `moment` is filed in."""
    for partition in partitions():
        if (partition.start is None or partition.start <= moment) and moment < partition.end:
            return partition.table
    return "audit_auditentry_default"


def _insert_dated(moment: datetime, summary: str = "dated") -> AuditEntry:
    """An entry with the time given: only the tables' owner (here a superuser) may give one."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO audit_auditentry (occurred_at, actor_username, kind, object_type, object_id, case_reference, "
            "summary, changes, recipient, request_id, source) "
            "VALUES (%s, 'pc.dated', 'read', 'cases.Case', '1', '', %s, '{}', '', '', 'test') RETURNING id",
            [moment, summary],
        )
        (entry_id,) = cursor.fetchone()
    return AuditEntry.objects.get(pk=entry_id)


def _as_role(role: str, sql: str, params: list[Any] | None = None) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL ROLE {role}")
        cursor.execute(sql, params)


def test_this_month_and_the_next_two_have_a_partition_and_a_default_catches_the_rest():
    for offset in range(MONTHS_AHEAD + 1):
        assert _holding(_month(offset) + timedelta(days=3)) != "audit_auditentry_default"
    assert _holding(_month(MONTHS_AHEAD + 1) + timedelta(days=3)) == "audit_auditentry_default"


def test_the_beat_task_makes_a_missing_month_and_is_idempotent():
    last = f"audit_auditentry_{_label(MONTHS_AHEAD)}"
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {last}")
    assert create_audit_partitions.apply().get() == [last]
    assert create_audit_partitions.apply().get() == []
    assert _holding(_month(MONTHS_AHEAD) + timedelta(days=1)) == last


def test_a_month_the_default_partition_holds_entries_of_is_skipped_and_the_months_after_are_made():
    held, after = _label(MONTHS_AHEAD + 1), _label(MONTHS_AHEAD + 2)
    stray = _insert_dated(_month(MONTHS_AHEAD + 1) + timedelta(days=3), "dated past every partition")
    assert _holding(stray.occurred_at) == "audit_auditentry_default"
    made = create_partitions(MONTHS_AHEAD + 2)
    assert made == [f"audit_auditentry_{after}"]
    assert f"audit_auditentry_{held}" not in {partition.table for partition in partitions()}
    assert _holding(stray.occurred_at) == "audit_auditentry_default"
    assert AuditEntry.objects.get(pk=stray.pk).summary == "dated past every partition"


def test_the_application_role_may_make_partitions_which_belong_to_the_owner_and_only_take_entries():
    last = f"audit_auditentry_{_label(MONTHS_AHEAD)}"
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {last}")
    _as_role("safeguard_app", f"SELECT safeguard_audit_create_partitions({MONTHS_AHEAD})")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relowner::regrole::text, has_table_privilege('safeguard_app', oid, 'SELECT, INSERT'), "
            "has_table_privilege('safeguard_app', oid, 'UPDATE, DELETE, TRUNCATE') FROM pg_class WHERE relname = %s",
            [last],
        )
        assert cursor.fetchone() == ("safeguard_owner", True, False)


def test_the_application_role_may_not_make_a_partition_of_its_own_choosing():
    """Only the months ahead, through `safeguard_audit_create_partitions`: the function that makes
    one partition of any bounds (audit/0014) is the owner's alone."""
    with pytest.raises(DatabaseError, match="permission denied for function safeguard_audit_create_partition"):
        _as_role(
            "safeguard_app",
            "SELECT safeguard_audit_create_partition('audit_auditentry_1999_01', '1999-01-01', '1999-02-01')",
        )
    assert "audit_auditentry_1999_01" not in {partition.table for partition in partitions()}


def test_entries_land_in_their_month_and_are_found_by_id(officer):
    later = _insert_dated(_month(1) + timedelta(days=2, hours=5))
    now = audit_record(kind=AuditEntry.Kind.READ, actor=officer, object_type=Case, object_id="1")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, tableoid::regclass::text FROM audit_auditentry WHERE id IN (%s, %s)", [later.id, now.id]
        )
        filed = dict(cursor.fetchall())
    assert filed[later.id] == f"audit_auditentry_{_label(1)}"
    assert filed[now.id] == _holding(timezone.now())
    assert AuditEntry.objects.get(pk=later.pk).summary == "dated"


def test_an_entry_is_filed_by_the_database_clock_whatever_the_application_server_clock_says(officer, monkeypatch):
    """The application sends no time of its own: a server whose clock runs into next month (skew,
    or a request at midnight at the turn of a month) still has its entries written, and filed in the
    month the database stamps them with, instead of failing with a row moved between partitions."""
    skewed = _month(1) + timedelta(days=1, hours=3)
    monkeypatch.setattr(timezone, "now", lambda: skewed)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL ROLE safeguard_app")
        entry = audit_record(kind=AuditEntry.Kind.READ, actor=officer, object_type=Case, object_id="1")
        cursor.execute("SELECT statement_timestamp()")
        (database_now,) = cursor.fetchone()
    with connection.cursor() as cursor:
        cursor.execute("SELECT tableoid::regclass::text, occurred_at FROM audit_auditentry WHERE id = %s", [entry.id])
        table, occurred_at = cursor.fetchone()
    assert abs(occurred_at - database_now) < timedelta(minutes=1)
    assert entry.occurred_at == occurred_at  # read back from the database (RETURNING), not the server's clock
    assert table == _holding(database_now) != _holding(skewed)


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE {table} SET summary = 'changed'",
        "DELETE FROM {table}",
        "TRUNCATE {table}",
        "ALTER TABLE {table} DISABLE TRIGGER audit_entry_append_only",
    ],
)
def test_a_partition_reached_directly_is_append_only_for_the_application_role(sql):
    entry = _insert_dated(_month(1) + timedelta(days=1))
    table = f"audit_auditentry_{_label(1)}"
    with pytest.raises(DatabaseError):
        _as_role("safeguard_app", sql.format(table=table))
    assert AuditEntry.objects.get(pk=entry.pk).summary == "dated"


@pytest.mark.parametrize("offset", [1, MONTHS_AHEAD])
def test_no_partition_can_be_changed_or_emptied_even_by_the_owner(offset):
    entry = _insert_dated(_month(offset) + timedelta(days=1))
    table = f"audit_auditentry_{_label(offset)}"
    for sql in (f"UPDATE {table} SET summary = 'x'", f"DELETE FROM {table}", f"TRUNCATE {table}"):  # noqa: S608
        with pytest.raises(DatabaseError, match="append-only"):
            _as_role("safeguard_owner", sql)
    with pytest.raises(DatabaseError, match="append-only"):
        _as_role("safeguard_owner", "TRUNCATE audit_auditentry")
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def _chain_across_months() -> tuple[list[AuditEntry], list[AuditEntry]]:
    """Entries dated next month, sealed between entries of this one."""
    sequence_entries()
    _insert_dated(timezone.now(), "before")
    sequence_entries()
    later = [_insert_dated(_month(1) + timedelta(days=4, minutes=n), f"next month {n}") for n in range(3)]
    sequence_entries()
    now = [_insert_dated(timezone.now(), f"after {n}") for n in range(2)]
    sequence_entries()
    return [AuditEntry.objects.get(pk=e.pk) for e in later], [AuditEntry.objects.get(pk=e.pk) for e in now]


def test_a_partition_is_verified_alone_with_its_link_to_the_entry_before_it():
    later, _ = _chain_across_months()
    report = verify_partition(_label(1))
    assert report.ok and report.checked == 3
    call_command("verify_audit", "--partition", _label(1))
    recorded = AuditEntry.objects.filter(kind=AuditEntry.Kind.AUDIT_READ).latest("id")
    assert recorded.changes == {"partition": _label(1), "ok": True, "checked": 3, "broken_id": None}

    run_as_owner("UPDATE audit_auditentry SET summary = 'nothing to see' WHERE id = %s", [later[1].id])
    report = verify_partition(_label(1))
    assert not report.ok and report.broken_id == later[1].id
    with pytest.raises(CommandError, match=f"Partition {_label(1)}: Audit chain BROKEN at entry {later[1].id}"):
        call_command("verify_audit", "--partition", _label(1))


def test_the_first_entry_of_a_partition_must_follow_the_last_before_it():
    later, _ = _chain_across_months()
    assert later[0].seq is not None
    before = AuditEntry.objects.get(seq=later[0].seq - 1)
    run_as_owner("UPDATE audit_auditentry SET hash = repeat('1', 64) WHERE id = %s", [before.id])
    report = verify_partition(_label(1))
    assert not report.ok and report.broken_id == later[0].id and "does not follow" in report.reason


def test_an_unknown_or_malformed_partition_is_refused():
    with pytest.raises(CommandError, match="no audit partition 1999_01"):
        call_command("verify_audit", "--partition", "1999_01")
    with pytest.raises(PartitionError, match="YYYY_MM"):
        verify_partition("audit_auditentry; DROP TABLE x")


def test_an_archived_partition_is_stepped_over_and_tampering_with_the_rest_is_still_caught(tmp_path):
    later, now = _chain_across_months()
    call_command("archive_audit_partition", _label(1), "--to", str(tmp_path), "--drop")

    archive = AuditArchive.objects.get(partition=_label(1))
    assert archive.entries == 3
    assert archive.runs == [[later[0].seq, later[-1].seq, later[0].prev_hash, later[-1].hash]]
    path = tmp_path / f"audit_auditentry_{_label(1)}.csv"
    assert archive.file == str(path)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == archive.file_sha256
    with open(path, newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(int(row["seq"]), row["hash"]) for row in rows] == [(e.seq, e.hash) for e in later]
    assert not AuditEntry.objects.filter(pk__in=[e.pk for e in later]).exists()
    assert _label(1) not in [partition.label for partition in partitions()]

    report = verify_chain()
    assert report.ok, report.describe()
    call_command("verify_audit")
    assert verify_partition(_holding(timezone.now()).removeprefix("audit_auditentry_")).ok

    run_as_owner("UPDATE audit_auditentry SET summary = 'nothing to see' WHERE id = %s", [now[0].id])
    report = verify_chain()
    assert not report.ok and report.broken_id == now[0].id


def test_an_entry_removed_next_to_an_archived_run_is_still_caught(tmp_path):
    _, now = _chain_across_months()
    partition_archive(_label(1), tmp_path)
    run_as_owner("DELETE FROM audit_auditentry WHERE id = %s", [now[0].id])
    report = verify_chain()
    assert not report.ok and report.broken_id == now[1].id


def test_the_month_running_and_the_chain_head_are_not_archived(tmp_path):
    with pytest.raises(PartitionError, match="this month's entries"):
        partition_archive(_holding(timezone.now()).removeprefix("audit_auditentry_"), tmp_path)
    _insert_dated(_month(1) + timedelta(days=1))
    sequence_entries()
    with pytest.raises(PartitionError, match="newest entry"):
        partition_archive(_label(1), tmp_path)
    assert not AuditArchive.objects.exists()


def test_checkpoints_inside_an_archived_partition_are_still_held_against_the_chain(tmp_path):
    sequence_entries()
    first = _insert_dated(_month(1) + timedelta(days=1), "next month 0")
    _insert_dated(_month(1) + timedelta(days=1, minutes=1), "next month 1")
    sequence_entries()
    inside = checkpoint_write()  # anchors a place inside the month, not its last
    _insert_dated(_month(1) + timedelta(days=1, minutes=2), "next month 2")
    _insert_dated(timezone.now(), "after")
    sequence_entries()
    newest = checkpoint_write()
    assert inside is not None and newest is not None
    first.refresh_from_db()
    partition_archive(_label(1), tmp_path)

    archive = AuditArchive.objects.get(partition=_label(1))
    assert archive.anchors == {str(inside.position): inside.hash}
    assert first.seq is not None
    assert archive.runs[0][:3] == [first.seq, first.seq + 2, first.prev_hash]
    assert not AuditEntry.objects.filter(pk=first.pk).exists()
    report = verify_checkpoints()
    assert report.ok, report.describe()
    assert chain_head().count == newest.count
    call_command("verify_audit")
