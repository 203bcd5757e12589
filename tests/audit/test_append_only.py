"""Append-only, enforced by the database: as the application's role (safeguard_app) the audit
trail can be read and added to, never changed, emptied or have its triggers switched off."""

import pytest
from django.db import DatabaseError, connection, transaction

from audit.chain import verify_chain
from audit.models import AuditEntry
from audit.services import audit_record
from cases.models import Case, Subject

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
    assert len(entry.hash) == 64
    assert AuditEntry.objects.filter(object_type="cases.Subject", object_id=str(subject.pk)).count() == 1
    assert verify_chain().ok


def test_the_admin_gives_no_one_a_way_to_add_change_or_delete_entries(rf, auditor, django_user_model):
    from django.contrib import admin

    model_admin = admin.site._registry[AuditEntry]
    request = rf.get("/")
    request.user = django_user_model(is_superuser=True, is_staff=True, is_active=True)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)
    assert model_admin.get_actions(request) == {}
