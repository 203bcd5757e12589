"""Events the triggers cannot see are one entry each: sign-in, sign-out, failures, lockouts,
refusals, access and role changes, administrators' actions, reads, searches and disclosures."""

import pytest
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from audit.models import AuditEntry
from audit.services import audit_record
from audit.signals import access_changed, access_denied
from cases.models import Case

pytestmark = pytest.mark.django_db
Kind = AuditEntry.Kind
PASSWORD = "correct horse battery staple"


def test_signing_in_is_one_sign_in_entry_with_the_address(client, officer, new_entries):
    since = new_entries()
    client.post(reverse("login"), {"username": "dc.hughes", "password": PASSWORD}, REMOTE_ADDR="203.0.113.9")
    [entry] = since.entries(kind=Kind.SIGN_IN)
    assert (entry.actor_id, entry.ip, entry.source) == (officer.pk, "203.0.113.9", "web")
    assert len(entry.request_id) == 32


def test_a_wrong_password_is_one_failure_entry_naming_the_username_tried(client, officer, new_entries):
    since = new_entries()
    client.post(reverse("login"), {"username": "dc.hughes", "password": "wrong"}, REMOTE_ADDR="203.0.113.9")
    [entry] = since.entries(kind=Kind.SIGN_IN_FAILED)
    assert (entry.actor_id, entry.actor_username, entry.ip) == (None, "dc.hughes", "203.0.113.9")
    assert since.entries(kind=Kind.SIGN_IN) == []


def test_signing_out_is_one_sign_out_entry(client, officer, new_entries):
    client.force_login(officer)
    since = new_entries()
    client.post(reverse("logout"))
    [entry] = since.entries(kind=Kind.SIGN_OUT)
    assert entry.actor_id == officer.pk


def test_the_failure_that_locks_an_account_is_one_lockout_entry(client, officer, new_entries):
    for _ in range(4):
        client.post(reverse("login"), {"username": "dc.hughes", "password": "wrong"})
    since = new_entries()
    client.post(reverse("login"), {"username": "dc.hughes", "password": "wrong"})
    [entry] = since.entries(kind=Kind.LOCKOUT)
    assert entry.actor_username == "dc.hughes"


def test_a_refusal_is_one_access_denied_entry(outsider, case, new_entries):
    since = new_entries()
    access_denied.send(
        sender=Case,
        user=outsider,
        obj_type=Case,
        obj_id=case.reference,
        action="view",
        request=None,
        case_reference=case.reference,
    )
    [entry] = since.entries(kind=Kind.ACCESS_DENIED)
    assert (entry.actor_id, entry.case_reference) == (outsider.pk, case.reference)


def test_a_grant_is_one_permission_change_entry(supervisor, outsider, case, new_entries):
    since = new_entries()
    access_changed.send(sender=Case, actor=supervisor, user=outsider, case=case, change="grant:read")
    [entry] = since.entries(kind=Kind.PERMISSION_CHANGE)
    assert (entry.actor_id, entry.object_id, entry.case_reference) == (supervisor.pk, str(outsider.pk), case.reference)


def test_giving_a_role_is_one_role_change_entry(officer, new_entries):
    since = new_entries()
    officer.groups.add(Group.objects.get(name="Supervisor"))
    [entry] = since.entries(kind=Kind.ROLE_CHANGE)
    assert entry.changes == {"roles": ["Supervisor"], "action": "add"}


def test_an_administrators_action_logged_by_the_admin_is_one_admin_action_entry(officer, new_entries):
    since = new_entries()
    LogEntry.objects.create(
        user=officer,
        content_type=ContentType.objects.get_for_model(Group),
        object_id="1",
        object_repr="Officer",
        action_flag=ADDITION,
        change_message="[]",
    )
    assert len(since.entries(kind=Kind.ADMIN_ACTION)) == 1
    assert since.entries(object_type="admin.LogEntry", kind=Kind.CREATE) == []


@pytest.mark.parametrize(
    "kind",
    [Kind.READ, Kind.SEARCH, Kind.EXPORT, Kind.PRINT, Kind.LINK, Kind.MERGE, Kind.AUDIT_READ],
)
def test_each_recorded_event_is_exactly_one_entry(kind, officer, case, new_entries):
    since = new_entries()
    audit_record(
        kind=kind, actor=officer, object_type=Case, object_id=str(case.pk), case_reference=case.reference,
        recipient="CPS Staffordshire" if kind in (Kind.EXPORT, Kind.PRINT) else "",
    )  # fmt: skip
    [entry] = since.entries()
    assert (entry.kind, entry.actor_id, entry.case_reference) == (kind, officer.pk, case.reference)


def test_an_unknown_kind_is_refused(officer):
    with pytest.raises(ValueError):
        audit_record(kind="peek", actor=officer, object_type=Case)
