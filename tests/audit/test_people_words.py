"""The auditor pages in people's words: who by name and username, what in plain words, which record
by its reference or label (never "cases.Case 27"), the fields changed by their labels with old and
new values (choices and linked records by their labels), times to the second in UK time with UTC on
hover and in the export; referrals read on the per-person page; partial names found."""

import csv
from datetime import UTC, datetime

import pytest
from django.urls import reverse

from audit.context import acting_as
from audit.models import AuditEntry
from tests.factories.cases import CaseFactory, ReferralFactory, SubjectFactory
from tests.factories.custody import ArrestFactory
from tests.factories.people import UserFactory

pytestmark = pytest.mark.django_db
Kind = AuditEntry.Kind


def _rows(client, **query):
    response = client.get(reverse("audit:search"), query)
    assert response.status_code == 200
    return response, response.context["rows"]


def test_a_change_to_a_case_reads_in_peoples_words(as_auditor, supervisor, officer, team, force):
    case = CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor)
    other = UserFactory(username="dc.other", first_name="Ali", last_name="Khan", rank="DC", force=force)
    with acting_as(supervisor, source="web"):
        type(case).objects.filter(pk=case.pk).update(stage="arrest", officer_in_case=other, restricted=True)
    response, rows = _rows(as_auditor, kind="change", case_reference=case.reference)
    [row] = [row for row in rows if row.entry.object_type == "cases.Case"]
    assert row.who == f"{supervisor.get_full_name()} ({supervisor.username})"
    assert (row.what, row.record) == ("Changed", f"Case {case.reference}")
    fields = {change.label: (change.before, change.after) for change in row.fields}
    assert fields["Stage"] == ("Investigation", "Arrest and custody")
    assert fields["Officer in case"] == (f"{officer} ({officer.username})", "DC Ali Khan (dc.other)")
    assert fields["Restricted"] == ("No", "Yes")
    page = response.content.decode()
    assert "cases.Case" not in page and f"Case {case.reference}" in page and "Arrest and custody" in page


def test_a_record_without_a_registered_label_is_named_as_its_pages_name_it(as_auditor, team, supervisor):
    with acting_as(supervisor, source="web"):
        team.name = "Online Child Abuse Team"
        team.save()
    _, rows = _rows(as_auditor, kind="change")
    [row] = [row for row in rows if row.entry.object_type == "cases.Team"]
    assert row.record == f"Team {team}"
    assert [(change.label, change.after) for change in row.fields] == [("Name", "Online Child Abuse Team")]


def test_an_arrest_is_named_by_whom_and_when_and_its_times_read_in_uk_time(as_auditor, case, supervisor):
    arrest = ArrestFactory(case=case, arrested_at=datetime(2026, 7, 23, 9, 0, tzinfo=UTC))
    with acting_as(supervisor, source="web"):
        type(arrest).objects.filter(pk=arrest.pk).update(left_custody_at=datetime(2026, 7, 23, 13, 5, 9, tzinfo=UTC))
    _, rows = _rows(as_auditor, kind="change", case_reference=case.reference)
    [row] = [row for row in rows if row.entry.object_type == "cases.Arrest"]
    assert row.record == str(arrest) and row.record.startswith(f"Arrest of {arrest.subject} at ")
    [change] = row.fields
    assert (change.before, change.after) == ("(none)", "23 Jul 2026 14:05:09")


def test_times_are_uk_time_to_the_second_with_utc_on_hover(as_auditor, officer):
    AuditEntry.objects.create(
        actor=officer,
        actor_username=officer.username,
        kind=Kind.SIGN_IN,
        occurred_at=datetime(2026, 7, 23, 13, 5, 9, tzinfo=UTC),
    )
    response, _ = _rows(as_auditor, username=officer.username)
    assert (
        '<time datetime="2026-07-23T13:05:09+00:00" title="23 Jul 2026 13:05:09 UTC">23 Jul 2026 14:05:09</time>'
        in response.content.decode()
    )


def test_the_export_gives_utc_times_names_and_record_labels(as_auditor, officer, team, supervisor):
    case = CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor)
    AuditEntry.objects.create(
        actor=officer,
        actor_username=officer.username,
        kind=Kind.READ,
        object_type="cases.Case",
        object_id=str(case.pk),
        case_reference=case.reference,
        occurred_at=datetime(2026, 7, 23, 13, 5, 9, tzinfo=UTC),
    )
    response = as_auditor.get(reverse("audit:export"), {"username": officer.username, "recipient": "PSD"})
    rows = list(csv.DictReader(b"".join(response.streaming_content).decode().splitlines()))
    [row] = [row for row in rows if row["kind"] == "read"]
    assert row["occurred_at_utc"] == "2026-07-23T13:05:09+00:00"
    assert (row["name"], row["event"], row["record"]) == (
        f"{officer.get_full_name()} ({officer.username})",
        "Read (consultation)",
        f"Case {case.reference}",
    )


@pytest.mark.parametrize("typed", ["hugh", "HUGHES", "Sam Hu", "dc.h"])
def test_part_of_a_username_or_name_finds_the_person(as_auditor, officer, supervisor, typed):
    AuditEntry.objects.create(actor=officer, actor_username=officer.username, kind=Kind.SIGN_IN)
    AuditEntry.objects.create(actor=supervisor, actor_username=supervisor.username, kind=Kind.SIGN_IN)
    _, rows = _rows(as_auditor, username=typed, kind="sign_in")
    assert {row.entry.actor_username for row in rows} == {officer.username}


def test_a_name_no_one_has_finds_only_that_exact_username(as_auditor, officer):
    AuditEntry.objects.create(actor_username="nobody.real", kind=Kind.SIGN_IN_FAILED)
    AuditEntry.objects.create(actor=officer, actor_username=officer.username, kind=Kind.SIGN_IN)
    assert {row.entry.actor_username for row in _rows(as_auditor, username="nobody.real")[1]} == {"nobody.real"}
    assert _rows(as_auditor, username="zzz")[1] == []


def test_the_per_person_page_lists_referrals_read(as_auditor, officer, force):
    referral = ReferralFactory(force=force)
    for _ in range(2):
        AuditEntry.objects.create(
            actor=officer,
            actor_username=officer.username,
            kind=Kind.READ,
            object_type="cases.Referral",
            object_id=str(referral.pk),
        )
    AuditEntry.objects.create(
        actor=officer, actor_username=officer.username, kind=Kind.CHANGE, object_type="cases.Referral", object_id="9"
    )
    response = as_auditor.get(reverse("audit:user_access", args=[officer.username]))
    [row] = response.context["referrals"]
    assert (row["label"], row["count"]) == (f"Referral from {referral}", 2)
    text = response.content.decode()
    assert f"Referral from {referral}" in text
    # The referrals table is on the page once, in its body, not in the page's title.
    assert text.count("<h2>Referrals</h2>") == 1
    title = text[text.index("<title>") : text.index("</title>")]
    assert "<h2>" not in title and f"What {officer.username} accessed" in title


def test_who_accessed_a_case_names_each_person(as_auditor, officer):
    AuditEntry.objects.create(
        actor=officer, actor_username=officer.username, kind=Kind.READ, case_reference="STF-2026-000010"
    )
    AuditEntry.objects.create(actor_username="gone.user", kind=Kind.READ, case_reference="STF-2026-000010")
    response = as_auditor.get(reverse("audit:case_access", args=["STF-2026-000010"]))
    assert sorted(person["who"] for person in response.context["people"]) == [
        f"{officer.get_full_name()} ({officer.username})",
        "gone.user",
    ]


def test_values_read_as_people_write_them(as_auditor, supervisor, officer, new_entries):
    since = new_entries()
    with acting_as(supervisor, source="web"):
        officer.set_password("a new long passphrase")
        officer.save(update_fields=["password"])
    _, rows = _rows(as_auditor, kind="change", username=supervisor.username)
    [row] = [row for row in rows if row.entry.id in {entry.id for entry in since.entries()}]
    assert [(change.label, change.before, change.after) for change in row.fields] == [
        ("Password", "(not recorded)", "(not recorded)")
    ]


def test_a_deleted_row_shows_what_it_held_and_is_named_by_kind_and_id(as_auditor, supervisor, case):
    subject = SubjectFactory(case=case)
    subject_id = subject.pk
    with acting_as(supervisor, source="web"):
        subject.delete()
    _, rows = _rows(as_auditor, kind="delete", case_reference=case.reference)
    [row] = [row for row in rows if row.entry.object_type == "cases.Subject"]
    assert row.record == f"Subject {subject_id}" and row.what == "Deleted"
    assert all(change.after == "" for change in row.fields)
    assert ("Case", f"Case {case.reference}") in {(change.label, change.before) for change in row.fields}
