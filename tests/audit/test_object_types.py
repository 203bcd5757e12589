"""One vocabulary of object types (audit/objects.py) and one `audit_read` for every read."""

import csv

import pytest
from django.urls import reverse

from accounts.models import User
from audit.context import acting_as
from audit.models import AuditEntry
from audit.objects import ObjectType, UnknownObjectType, canonical_object_type
from audit.services import audit_read, audit_record
from cases.models import Case, Device
from tests.audit.conftest import verify_after_sealing
from tests.factories.warrants import DeviceFactory

pytestmark = pytest.mark.django_db
Kind = AuditEntry.Kind


@pytest.mark.parametrize("free_text", ["case", "cases.Case", "", "anything"])
def test_a_free_text_object_type_is_refused_and_nothing_is_written(officer, free_text, new_entries):
    since = new_entries()
    with pytest.raises(UnknownObjectType):
        audit_record(kind=Kind.READ, actor=officer, object_type=free_text)
    with pytest.raises(UnknownObjectType):
        audit_read(actor=officer, object_type=free_text, object_id="1")
    assert since.entries() == []


def test_a_record_is_named_by_its_model_label_as_the_triggers_name_it(officer, case, new_entries):
    since = new_entries()
    with acting_as(officer, source="import"):
        entry = audit_read(actor=officer, object_type=Case, object_id=case.pk, case_reference=case.reference)
        case.summary = "Changed"
        case.save(update_fields=["summary"])
    assert entry is not None and (entry.kind, entry.object_type) == (Kind.READ, "cases.Case")
    assert entry.summary == f"Read case {case.pk}"
    [change] = since.entries(kind=Kind.CHANGE)
    assert change.object_type == entry.object_type


def test_a_read_of_the_audit_trail_is_an_audit_read_entry_written_at_once(auditor, new_entries):
    since = new_entries()
    with acting_as(auditor, source="web"):
        entry = audit_read(actor=auditor, object_type=ObjectType.AUDIT_TRAIL, summary="Looked", changes={"n": 1})
    assert since.entries() == [entry]
    assert entry is not None
    assert (entry.kind, entry.object_type, entry.changes) == (Kind.AUDIT_READ, "audit.AuditEntry", {"n": 1})


def test_a_page_read_with_a_summary_is_written_at_once_and_a_record_read_waits_for_the_page(officer, case, new_entries):
    since = new_entries()
    with acting_as(officer, source="web") as context:
        assert audit_read(actor=officer, object_type=Case, object_id=case.pk) is None
        listed = audit_read(actor=officer, object_type=Case, summary="Deadlines: 1 case(s) shown")
    assert since.entries() == [listed]
    assert [read.stored_type for read in context.reads] == ["cases.Case"]


def test_older_short_spellings_read_as_the_label_they_meant_without_touching_the_chain(as_auditor, case):
    device = DeviceFactory(case=case)
    old = AuditEntry.objects.create(
        kind=Kind.READ, object_type="device", object_id=str(device.pk), actor_username="dc.before"
    )
    assert canonical_object_type("device") == "cases.Device" == Device._meta.label
    assert canonical_object_type("page") == "page"

    page = as_auditor.get(reverse("audit:search"), {"username": "dc.before"})
    label = f"Device {device}"  # the kind of record, then its name as Safeguard's pages give it
    assert [row.record for row in page.context["rows"]] == [label]
    export = as_auditor.get(reverse("audit:export"), {"username": "dc.before", "recipient": "PSD"})
    [row] = list(csv.DictReader(b"".join(export.streaming_content).decode().splitlines()))
    assert (row["object_type"], row["object_id"], row["record"]) == ("cases.Device", str(device.pk), label)

    old.refresh_from_db()
    assert old.object_type == "device"
    assert verify_after_sealing().ok


def test_a_model_that_moved_app_keeps_the_name_the_trail_has_always_given_it(officer, new_entries):
    since = new_entries()
    with acting_as(officer, source="import"):
        entry = audit_record(kind=Kind.SIGN_IN, actor=officer, object_type=User, object_id=str(officer.pk))
        officer.first_name = "Changed"
        officer.save(update_fields=["first_name"])
    [change] = since.entries(kind=Kind.CHANGE)
    assert entry.object_type == change.object_type == "cases.User" != User._meta.label
    assert entry.object_type_label == str(User._meta.verbose_name).capitalize()
    assert canonical_object_type("user") == "cases.User"
