"""When a record was first entered: kept on the record by the database, and the bound of the search
for its first entry in the audit trail (cases.services.versions.first_entry).

The audit trail is partitioned by month; a search with no time in it is planned over every
partition, one more each month. A record's `first_entered_at` is the time of the statement that
inserted it, which the audit entry that statement wrote cannot precede, so the search starts there.
"""

import json
from datetime import timedelta

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.context import acting_as
from audit.models import AuditEntry
from audit.partitions import partitions
from cases.models import Case, Subject
from cases.models.correctable import Correctable
from cases.services.versions import first_entry, last_change, version_save
from tests.factories.cases import CaseFactory, SubjectFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(team, officer, supervisor):
    return CaseFactory(
        team=team, officer_in_case=officer, supervisor=supervisor, opened_at=timezone.now() - timedelta(days=10)
    )


def _created(record):
    return AuditEntry.objects.get(kind="create", object_type=record._meta.label, object_id=str(record.pk))


def _entered_subject(officer, case):
    with acting_as(officer, source="web"):
        subject = SubjectFactory(case=case, full_name="Jon Smith")
    return Subject.objects.get(pk=subject.pk)


def _relations(plan):
    """Every table a JSON plan reads."""
    found = set()
    stack = [plan[0]["Plan"]]
    while stack:
        node = stack.pop()
        if "Relation Name" in node:
            found.add(node["Relation Name"])
        stack.extend(node.get("Plans", []))
    return found


def test_every_correctable_record_and_the_case_take_the_time_from_the_database():
    kept = [model for model in apps.get_models() if issubclass(model, Correctable)] + [Case]
    assert len(kept) > 15
    with connection.cursor() as cursor:
        for model in kept:
            cursor.execute(
                "SELECT column_default, is_nullable FROM information_schema.columns "
                "WHERE table_name = %s AND column_name = 'first_entered_at'",
                [model._meta.db_table],
            )
            assert cursor.fetchall() == [("statement_timestamp()", "YES")], model._meta.label


def test_a_record_entered_keeps_the_time_of_its_audit_entry(officer, case):
    subject = _entered_subject(officer, case)

    # One statement inserted the row and wrote its entry: the same statement time.
    assert subject.first_entered_at == _created(subject).occurred_at


def test_a_correction_leaves_the_time_first_entered_as_it_was(client, officer, case):
    subject = _entered_subject(officer, case)
    client.force_login(officer)
    later = (timezone.now() + timedelta(days=3)).isoformat()
    response = client.post(
        reverse(
            "cases:record_correct",
            kwargs={"reference": case.reference, "record_type": "subject", "pk": subject.pk},
        ),
        {
            "full_name": "John Smith", "date_of_birth": "", "pnc_id": "", "notes": "", "reason": "Misspelt.",
            "version": 1, "first_entered_at": later,
        },
    )  # fmt: skip

    assert response.status_code == 302
    corrected = Subject.objects.get(pk=subject.pk)
    assert (corrected.full_name, corrected.version) == ("John Smith", 2)
    assert corrected.first_entered_at == subject.first_entered_at


def _plan_reads(sql):
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql)
        plan = cursor.fetchone()[0]
    return {
        name for name in _relations(json.loads(plan) if isinstance(plan, str) else plan) if name.startswith("audit_")
    }


def _entered_a_month_ahead(subject):
    """A test database's entries are all in one partition: the record is made to say it was entered
    in a month ahead (partitions are made two months ahead), so that the search's bound leaves
    partitions out. Its entries are then not found there, and are searched for over the whole trail.
    The latest partition, and the partitions before the bound."""
    ahead = max(partitions(), key=lambda month: month.end)
    assert ahead.start is not None
    moved = ahead.start + timedelta(days=1)
    Subject.objects.filter(pk=subject.pk).update(first_entered_at=moved)
    subject.refresh_from_db()
    earlier = {month.table for month in partitions() if month.end <= moved}
    assert earlier  # so the test can fail
    return ahead, earlier


def _found_after_a_bounded_search(search, subject, expected, ahead, earlier):
    """`search` finds `expected` by a search that leaves the `earlier` partitions out, then one of the
    whole trail (the bound of `_entered_a_month_ahead` being past the entry)."""
    with CaptureQueriesContext(connection) as queries:
        assert search(subject) == expected
    bounded, whole = (_plan_reads(query["sql"]) for query in queries.captured_queries[-2:])

    assert ahead.table in bounded
    assert not bounded & earlier
    assert earlier <= whole


def test_the_first_entry_is_searched_for_only_in_the_months_since_the_record_was_entered(officer, case):
    subject = _entered_subject(officer, case)
    ahead, earlier = _entered_a_month_ahead(subject)

    created = _created(subject)
    _found_after_a_bounded_search(first_entry, subject, created, ahead, earlier)


def test_the_latest_change_is_searched_for_from_the_same_time(officer, case):
    subject = _entered_subject(officer, case)
    subject.full_name = "John Smith"
    with acting_as(officer, source="web"):
        version_save(subject, version=None, fields=["full_name"])
    changed = AuditEntry.objects.get(
        kind="change", object_type="cases.Subject", object_id=str(subject.pk), changes__has_key="version"
    )
    assert last_change(subject) == changed  # from the time the record was really entered
    ahead, earlier = _entered_a_month_ahead(subject)

    _found_after_a_bounded_search(last_change, subject, changed, ahead, earlier)


@pytest.mark.parametrize("entered", [None, "later"])
def test_a_record_whose_time_does_not_bound_its_entry_is_found_over_the_whole_trail(officer, case, entered):
    # Rows loaded in bulk with their entries' own times, or entered before the column existed.
    subject = _entered_subject(officer, case)
    moved = None if entered is None else timezone.now() + timedelta(days=40)
    Subject.objects.filter(pk=subject.pk).update(first_entered_at=moved)
    subject.refresh_from_db()

    assert first_entry(subject) == _created(subject)
