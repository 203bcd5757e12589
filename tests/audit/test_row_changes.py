"""Every create, change and delete of case data is one audit entry, however it is written."""

import pytest
from django.contrib.auth.models import Group
from django.db import connection

from accounts.models import User
from audit.context import acting_as
from audit.models import AuditEntry
from cases.models import Subject
from cases.services.case import subject_add

pytestmark = pytest.mark.django_db
Kind = AuditEntry.Kind


def test_a_service_write_is_one_create_entry_with_who_where_and_the_case(case, officer, new_entries):
    since = new_entries()
    with acting_as(officer, source="web", ip="198.51.100.7", request_id="req-1"):
        subject = subject_add(case=case, actor=officer, full_name="Ian Example")
    [entry] = since.entries(object_type="cases.Subject")
    assert entry.kind == Kind.CREATE
    assert entry.object_id == str(subject.pk)
    assert entry.case_reference == case.reference
    assert (entry.actor_id, entry.actor_username) == (officer.pk, "dc.hughes")
    assert (entry.ip, entry.request_id, entry.source) == ("198.51.100.7", "req-1", "web")
    assert entry.changes["full_name"] == {"before": None, "after": "Ian Example"}


def test_queryset_update_is_one_change_entry_per_row_with_before_and_after(case, officer, new_entries):
    subject = Subject.objects.create(case=case, full_name="Before Name")
    since = new_entries()
    with acting_as(officer, source="web"):
        Subject.objects.filter(pk=subject.pk).update(full_name="After Name")
    [entry] = since.entries()
    assert (entry.kind, entry.object_type, entry.actor_id) == (Kind.CHANGE, "cases.Subject", officer.pk)
    assert entry.changes == {"full_name": {"before": "Before Name", "after": "After Name"}}


def test_raw_sql_is_caught_and_says_which_database_role_wrote_it(case, new_entries):
    subject = Subject.objects.create(case=case, full_name="Raw")
    since = new_entries()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE cases_subject SET notes = 'changed by hand, 100%%' WHERE id = %s", [subject.pk])
    [entry] = since.entries()
    assert entry.kind == Kind.CHANGE
    assert entry.changes == {"notes": {"before": "", "after": "changed by hand, 100%"}}
    assert entry.actor_id is None
    assert entry.source == "database:postgres"


def test_raw_sql_without_parameters_inside_a_context_keeps_its_percent_signs(case, officer, new_entries):
    subject = Subject.objects.create(case=case, full_name="Percent")
    since = new_entries()
    with acting_as(officer, source="shell"), connection.cursor() as cursor:
        cursor.execute(f"UPDATE cases_subject SET notes = '50% done' WHERE id = {int(subject.pk)}")  # noqa: S608
    [entry] = since.entries()
    assert entry.changes["notes"]["after"] == "50% done"
    assert entry.actor_id == officer.pk


def test_delete_is_one_entry_keeping_the_values_deleted(case, officer, new_entries):
    subject = Subject.objects.create(case=case, full_name="Gone Soon")
    since = new_entries()
    with acting_as(officer, source="web"):
        Subject.objects.filter(pk=subject.pk).delete()
    [entry] = since.entries()
    assert entry.kind == Kind.DELETE
    assert entry.case_reference == case.reference
    assert entry.changes["full_name"] == {"before": "Gone Soon", "after": None}


def test_bulk_create_is_one_entry_per_row(case, new_entries):
    since = new_entries()
    Subject.objects.bulk_create([Subject(case=case, full_name=f"Bulk {n}") for n in range(3)])
    assert len(since.entries(kind=Kind.CREATE, object_type="cases.Subject")) == 3


def test_an_update_that_changes_nothing_is_not_an_entry(case, new_entries):
    subject = Subject.objects.create(case=case, full_name="Same")
    since = new_entries()
    Subject.objects.filter(pk=subject.pk).update(full_name="Same")
    assert since.entries() == []


def test_passwords_are_never_copied_and_last_login_alone_is_not_an_entry(officer, new_entries):
    since = new_entries()
    officer.set_password("another long password")
    officer.save(update_fields=["password"])
    User.objects.filter(pk=officer.pk).update(last_login="2026-11-23T10:00:00Z")
    [entry] = since.entries()
    assert entry.changes == {"password": {"before": "[not recorded]", "after": "[not recorded]"}}


def test_a_referrals_entries_carry_the_case_developed_from_it(case, new_entries):
    from tests.factories.cases import ReferralFactory

    referral = ReferralFactory(force=case.force)
    since = new_entries()
    type(case).objects.filter(pk=case.pk).update(referral=referral)
    referral.summary = "updated"
    referral.save(update_fields=["summary"])
    [entry] = since.entries(object_type="cases.Referral")
    assert entry.case_reference == case.reference


def test_group_membership_rows_are_recorded(officer, new_entries):
    group = Group.objects.get(name="Supervisor")
    since = new_entries()
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO cases_user_groups (user_id, group_id) VALUES (%s, %s)", [officer.pk, group.pk])
    [entry] = since.entries()
    assert (entry.kind, entry.object_type) == (Kind.CREATE, "cases.User_groups")
