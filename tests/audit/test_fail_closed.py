"""Fail closed: if the audit entry cannot be written, the change or read it describes does not
happen; and audit entries roll back with their transaction."""

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction

from audit.models import AuditEntry
from audit.services import audit_record
from cases.models import Case, Subject
from cases.services.case import subject_add

pytestmark = pytest.mark.django_db


@pytest.fixture
def audit_refuses_inserts():
    """For this test only: the audit table refuses every new entry (the test's transaction undoes it)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION pg_temp.refuse_audit() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'audit store unavailable'; END $$"
        )
        cursor.execute(
            "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_auditentry "
            "FOR EACH ROW EXECUTE FUNCTION pg_temp.refuse_audit()"
        )


def test_a_change_whose_audit_entry_fails_is_not_saved(case, officer, audit_refuses_inserts):
    with pytest.raises(DatabaseError, match="audit store unavailable"), transaction.atomic():
        subject_add(case=case, actor=officer, full_name="Never Saved")
    assert not Subject.objects.filter(full_name="Never Saved").exists()


def test_a_raw_sql_change_whose_audit_entry_fails_is_not_saved(case, audit_refuses_inserts):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO cases_subject (case_id, full_name, pnc_id, notes) VALUES (%s, 'Raw', '', '')", [case.pk]
        )
    assert not Subject.objects.filter(full_name="Raw").exists()


def test_a_read_whose_audit_entry_fails_raises_to_the_caller(officer, audit_refuses_inserts):
    with pytest.raises(DatabaseError), transaction.atomic():
        audit_record(kind=AuditEntry.Kind.READ, actor=officer, object_type=Case, object_id="1")


def test_without_insert_right_the_change_fails_too(case, officer):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("REVOKE INSERT ON audit_auditentry FROM safeguard_app")
        cursor.execute("SET LOCAL ROLE safeguard_app")
        Subject.objects.create(case=case, full_name="No Insert Right")
    assert not Subject.objects.filter(full_name="No Insert Right").exists()


def test_audit_entries_roll_back_with_their_transaction(case, officer, new_entries):
    since = new_entries()
    with pytest.raises(ValidationError), transaction.atomic():
        subject_add(case=case, actor=officer, full_name="Rolled Back")
        audit_record(kind=AuditEntry.Kind.READ, actor=officer, object_type=Case, object_id=str(case.pk))
        raise ValidationError("the service's rule failed")
    assert since.entries() == []
    assert not Subject.objects.filter(full_name="Rolled Back").exists()
