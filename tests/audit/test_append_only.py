"""Append-only, enforced by the database: as the application's role (safeguard_app) the audit
trail can be read and added to, never changed, emptied or have its triggers switched off. The one
update let through, from anyone, is the sequencer's: an unsealed entry's place and hashes set once,
from NULL, right, under the sequencer's lock, and nothing else changed."""

import pytest
from django.db import DatabaseError, connection, transaction

from audit.chain import GENESIS, verify_chain
from audit.models import AuditEntry
from audit.sequencer import sequence_entries
from audit.services import audit_record
from cases.models import Case, Subject, UnsummarisedWrite
from tests.audit.conftest import verify_after_sealing

pytestmark = pytest.mark.django_db

REFUSED_AS_APP = [
    "UPDATE audit_auditentry SET summary = 'changed'",
    "DELETE FROM audit_auditentry",
    "TRUNCATE audit_auditentry",
    "ALTER TABLE audit_auditentry DISABLE TRIGGER audit_entry_append_only",
    "ALTER TABLE audit_auditentry DISABLE TRIGGER USER",
    "DROP TRIGGER audit_entry_chain ON audit_auditentry",
    "UPDATE audit_auditchainhead SET last_id = 0",
    "SELECT setval('audit_auditentry_id_seq', 1)",
    "INSERT INTO audit_auditentry (id, kind, prev_hash, hash) OVERRIDING SYSTEM VALUE VALUES (1, 'read', 'x', 'y')",
    "UPDATE audit_auditentry SET seq = 1, prev_hash = repeat('0', 64), hash = repeat('0', 64) WHERE seq IS NULL",
]


@pytest.fixture
def an_entry(officer):
    return audit_record(kind=AuditEntry.Kind.READ, actor=officer, object_type=Case, object_id="1")


@pytest.mark.parametrize("sql", REFUSED_AS_APP)
def test_the_application_role_cannot(sql, an_entry):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL ROLE safeguard_app")
        cursor.execute(sql)
    assert AuditEntry.objects.filter(pk=an_entry.pk, summary="").exists()


def test_the_append_only_trigger_refuses_even_the_owner(an_entry):
    for sql in ("UPDATE audit_auditentry SET summary = 'x'", "DELETE FROM audit_auditentry"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)


def test_the_application_role_adds_entries_through_the_normal_paths(case, officer):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL ROLE safeguard_app")
        entry = audit_record(kind=AuditEntry.Kind.READ, actor=officer, object_type=Case, object_id=str(case.pk))
        subject = Subject.objects.create(case=case, full_name="Written by the app role")
        cursor.execute("SELECT current_user")
        assert cursor.fetchone() == ("safeguard_app",)
    entry.refresh_from_db()
    assert entry.hash is None  # unsealed until the sequencer comes
    assert AuditEntry.objects.filter(object_type="cases.Subject", object_id=str(subject.pk)).count() == 1
    # And the write is queued for the summaries to take in (cases/0043), under the same role.
    queued = UnsummarisedWrite.objects.filter(case_reference=case.reference, object_type="cases.Subject")
    assert sorted(queued.values_list("summary", flat=True)) == ["deadlines", "figures"]
    assert verify_after_sealing().ok


def test_the_application_role_runs_the_sequencer_without_any_right_to_change_an_entry(an_entry):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL ROLE safeguard_app")
        cursor.execute(
            "INSERT INTO audit_auditentry (actor_username, kind, object_type, object_id, case_reference, summary, "
            "changes, recipient, request_id, source) VALUES ('', 'read', 'cases.Case', '1', '', '', '{}', '', '', '') "
            "RETURNING id"
        )
        (written,) = cursor.fetchone()
        cursor.execute("SELECT safeguard_audit_sequence(1000, false)")
        assert cursor.fetchone()[0] >= 2
    assert AuditEntry.objects.get(pk=written).seq is not None
    assert AuditEntry.objects.get(pk=an_entry.pk).seq is not None
    assert verify_chain().ok


def test_an_entry_written_with_a_place_or_hashes_is_written_unsealed():
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO audit_auditentry (actor_username, kind, object_type, object_id, case_reference, summary, "
            "changes, recipient, request_id, source, seq, prev_hash, hash) "
            "VALUES ('', 'read', 'cases.Case', '1', '', '', '{}', '', '', '', 999999, %s, %s) RETURNING id",
            [GENESIS, GENESIS],
        )
        (written,) = cursor.fetchone()
    assert AuditEntry.objects.filter(pk=written).values_list("seq", "prev_hash", "hash").get() == (None, None, None)


def _next_place_and_hash(*, seal_first: bool = True) -> tuple[int, str]:
    if seal_first:
        sequence_entries()
    with connection.cursor() as cursor:
        cursor.execute("SELECT last_seq, last_hash FROM audit_auditchainhead WHERE id = 1")
        return cursor.fetchone() or (0, GENESIS)


# Each is refused even for the owner: (SQL on the unsealed entry %(id)s, with the right next place
# %(seq)s, the right previous hash %(prev)s, and the hash its content gives %(hash)s).
SEALS_REFUSED = {
    "a wrong hash": "UPDATE audit_auditentry SET seq = %(seq)s, prev_hash = %(prev)s, hash = %(prev)s "
    "WHERE id = %(id)s",
    "a wrong previous hash": "UPDATE audit_auditentry SET seq = %(seq)s, prev_hash = repeat('1', 64), "
    "hash = safeguard_audit_hash(repeat('1', 64), audit_auditentry) WHERE id = %(id)s",
    "a place already taken": "UPDATE audit_auditentry SET seq = %(seq)s - 1, prev_hash = %(prev)s, hash = %(hash)s "
    "WHERE id = %(id)s",
    "the content changed too": "UPDATE audit_auditentry SET seq = %(seq)s, prev_hash = %(prev)s, hash = %(hash)s, "
    "summary = 'changed' WHERE id = %(id)s",
    "the place alone": "UPDATE audit_auditentry SET seq = %(seq)s WHERE id = %(id)s",
    "the hashes without a place": "UPDATE audit_auditentry SET prev_hash = %(prev)s, hash = %(hash)s WHERE id = %(id)s",
}


@pytest.mark.parametrize("sql", SEALS_REFUSED.values(), ids=SEALS_REFUSED.keys())
def test_the_database_refuses_any_seal_but_the_right_one(sql, officer):
    seq, prev = _next_place_and_hash()
    entry = audit_record(kind=AuditEntry.Kind.READ, actor=officer, object_type=Case, object_id="1")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT safeguard_audit_hash(%s, e) FROM audit_auditentry e WHERE id = %s",
            [prev, entry.id],
        )
        (right_hash,) = cursor.fetchone()
    values = {"id": entry.id, "seq": seq + 1, "prev": prev, "hash": right_hash}
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, values)
    # The right seal, by hand as the owner, is the one let through: it is what the sequencer does.
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE audit_auditentry SET seq = %(seq)s, prev_hash = %(prev)s, hash = %(hash)s WHERE id = %(id)s",
            values,
        )
        cursor.execute(
            "UPDATE audit_auditchainhead SET last_seq = %(seq)s, last_id = %(id)s, last_hash = %(hash)s", values
        )
    assert verify_chain().ok


def test_a_sealed_entry_is_never_sealed_again(officer):
    entry = audit_record(kind=AuditEntry.Kind.READ, actor=officer, object_type=Case, object_id="1")
    sequence_entries()
    entry.refresh_from_db()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE audit_auditentry SET seq = seq, prev_hash = prev_hash, hash = hash WHERE id = %s", [entry.id]
        )
    for sql in ("UPDATE audit_auditentry SET seq = NULL, prev_hash = NULL, hash = NULL WHERE id = %s",):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [entry.id])


def test_only_the_sequencer_holding_its_lock_may_seal(officer):
    """A second connection holding the sequencer's lock: a seal made meanwhile is refused."""
    import psycopg2

    from tests.processes import database_url

    # Not sealed first: that would take the sequencer's lock in this test's transaction until its end.
    seq, prev = _next_place_and_hash(seal_first=False)
    entry = audit_record(kind=AuditEntry.Kind.READ, actor=officer, object_type=Case, object_id="1")
    other = psycopg2.connect(database_url())
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(7310452062)")
        with connection.cursor() as cursor:
            cursor.execute("SELECT safeguard_audit_sequence(1000, false)")
            assert cursor.fetchone() == (-1,)  # another sequencer runs: return at once, seal nothing
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "UPDATE audit_auditentry SET seq = %s, prev_hash = %s, "
                "hash = safeguard_audit_hash(%s, audit_auditentry) WHERE id = %s",
                [seq + 1, prev, prev, entry.id],
            )
    finally:
        other.rollback()
        other.close()


def test_the_admin_gives_no_one_a_way_to_add_change_or_delete_entries(rf, auditor, django_user_model):
    from django.contrib import admin

    model_admin = admin.site._registry[AuditEntry]
    request = rf.get("/")
    request.user = django_user_model(is_superuser=True, is_staff=True, is_active=True)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)
    assert model_admin.get_actions(request) == {}
