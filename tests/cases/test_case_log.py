"""The case log: entries are added, corrected by new entries, and never edited or deleted."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.utils import timezone

from cases.models import CaseLogEntry
from cases.services import case as svc
from cases.services.common import CASE_CLOSED
from tests.factories.cases import CaseFactory, CaseLogEntryFactory


@pytest.fixture
def case(team, officer, supervisor):
    return CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor)


def test_case_log_add_records_an_entry_by_the_actor(case, supervisor):
    entry = svc.case_log_add(case=case, actor=supervisor, kind="decision", text="  Apply for a s.8 warrant. ")
    assert (entry.case, entry.author, entry.kind, entry.text) == (
        case,
        supervisor,
        "decision",
        "Apply for a s.8 warrant.",
    )
    assert entry.created_at <= timezone.now()


def test_case_log_add_keeps_a_given_time(case, officer):
    at = case.opened_at + timedelta(hours=2)
    entry = svc.case_log_add(case=case, actor=officer, kind="action", text="Called the CEOP desk.", at=at)
    assert entry.created_at == at


@pytest.mark.parametrize("kind", ["system", "correction", "gossip"])
def test_case_log_add_refuses_kinds_people_do_not_write(case, officer, kind):
    with pytest.raises(ValidationError) as caught:
        svc.case_log_add(case=case, actor=officer, kind=kind, text="Something.")
    assert caught.value.message_dict == {"kind": [svc.LOG_KIND_NOT_ALLOWED]}
    assert not CaseLogEntry.objects.exists()


def test_case_log_add_needs_text(case, officer):
    with pytest.raises(ValidationError) as caught:
        svc.case_log_add(case=case, actor=officer, kind="note", text="   ")
    assert caught.value.message_dict == {"text": [svc.LOG_TEXT_REQUIRED]}
    assert not CaseLogEntry.objects.exists()


def test_case_log_add_refuses_a_time_before_the_case_or_in_the_future(case, officer):
    with pytest.raises(ValidationError) as caught:
        svc.case_log_add(case=case, actor=officer, kind="note", text="x", at=case.opened_at - timedelta(minutes=1))
    assert caught.value.message_dict == {"at": [svc.LOG_BEFORE_CASE_OPENED]}
    with pytest.raises(ValidationError) as caught:
        svc.case_log_add(case=case, actor=officer, kind="note", text="x", at=timezone.now() + timedelta(hours=1))
    assert caught.value.message_dict == {"at": ["Time cannot be in the future."]}
    assert not CaseLogEntry.objects.exists()


def test_case_log_add_refuses_a_closed_case(team, officer, supervisor):
    closed = CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor, status="closed")
    with pytest.raises(ValidationError) as caught:
        svc.case_log_add(case=closed, actor=officer, kind="note", text="x")
    assert caught.value.messages == [CASE_CLOSED]
    assert not CaseLogEntry.objects.exists()


def test_a_correction_is_a_new_entry_on_the_same_case_that_refers_to_the_old_one(case, officer, supervisor):
    original = CaseLogEntryFactory(case=case, text="Warrant applied for at Stafford.")
    correction = svc.case_log_correct(entry=original, actor=supervisor, text="Applied for at Cannock, not Stafford.")
    assert correction.pk != original.pk
    assert (correction.case, correction.kind, correction.corrects) == (case, CaseLogEntry.Kind.CORRECTION, original)
    original.refresh_from_db()
    assert original.text == "Warrant applied for at Stafford."
    assert list(original.corrections.all()) == [correction]


def test_a_correction_needs_text_and_cannot_precede_the_entry(case, officer):
    original = CaseLogEntryFactory(case=case)
    with pytest.raises(ValidationError) as caught:
        svc.case_log_correct(entry=original, actor=officer, text=" ")
    assert caught.value.message_dict == {"text": [svc.LOG_TEXT_REQUIRED]}
    with pytest.raises(ValidationError) as caught:
        svc.case_log_correct(entry=original, actor=officer, text="x", at=original.created_at - timedelta(seconds=1))
    assert caught.value.message_dict == {"at": [svc.LOG_CORRECTION_BEFORE_ENTRY]}
    assert CaseLogEntry.objects.count() == 1


def test_a_correction_is_refused_on_a_closed_case(team, officer, supervisor):
    closed = CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor, status="closed")
    original = CaseLogEntryFactory(case=closed)
    with pytest.raises(ValidationError) as caught:
        svc.case_log_correct(entry=original, actor=officer, text="x")
    assert caught.value.messages == [CASE_CLOSED]
    assert CaseLogEntry.objects.count() == 1


def test_there_is_no_service_that_edits_or_deletes_a_log_entry():
    names = [name for name in dir(svc) if name.startswith("case_log_")]
    assert sorted(names) == ["case_log_add", "case_log_correct", "case_log_system"]


def test_the_database_refuses_to_edit_a_log_entry_even_with_raw_orm(case):
    entry = CaseLogEntryFactory(case=case, text="Original.")
    with pytest.raises(DatabaseError), transaction.atomic():
        CaseLogEntry.objects.filter(pk=entry.pk).update(text="Rewritten.")
    entry.refresh_from_db()
    assert entry.text == "Original."


def test_the_database_refuses_to_delete_a_log_entry(case):
    entry = CaseLogEntryFactory(case=case)
    with pytest.raises(DatabaseError), transaction.atomic():
        CaseLogEntry.objects.filter(pk=entry.pk).delete()
    assert CaseLogEntry.objects.filter(pk=entry.pk).exists()


def test_the_database_refuses_a_correction_that_refers_to_nothing(case, officer):
    with pytest.raises(DatabaseError), transaction.atomic():
        CaseLogEntry.objects.create(case=case, author=officer, kind="correction", text="Orphan.")
    assert not CaseLogEntry.objects.exists()
