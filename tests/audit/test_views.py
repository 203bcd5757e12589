"""The auditor pages: only auditors (404 for everyone else), filters, keyset pages, CSV export
(itself audited with its recipient), who accessed a case, what a person accessed, and flags."""

import csv
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from audit.models import AuditEntry
from audit.selectors import PAGE_SIZE
from tests.factories.people import UserFactory

pytestmark = pytest.mark.django_db
Kind = AuditEntry.Kind
LONDON = ZoneInfo("Europe/London")
PAGES = ["audit:search", "audit:flags"]


def _entry(**fields):
    defaults = {"kind": Kind.READ, "object_type": "cases.Case", "actor_username": "someone"}
    return AuditEntry.objects.create(**{**defaults, **fields})


@pytest.mark.parametrize("name", PAGES)
def test_the_pages_do_not_exist_for_anyone_but_an_auditor(client, officer, supervisor, name):
    for person in (officer, supervisor, UserFactory(username="root", is_superuser=True, is_staff=True)):
        client.force_login(person)
        assert client.get(reverse(name)).status_code == 404


def test_a_signed_out_visitor_is_sent_to_sign_in(client):
    assert client.get(reverse("audit:search")).status_code == 302


def test_the_pages_refuse_post(as_auditor):
    assert as_auditor.post(reverse("audit:search")).status_code == 405


@pytest.mark.parametrize(
    "name,kwargs",
    [("audit:search", {}), ("audit:flags", {}), ("audit:case_access", {"reference": "STF-2026-000001"}),
     ("audit:user_access", {"username": "dc.hughes"})],
)  # fmt: skip
def test_each_page_view_is_one_audit_read_entry(as_auditor, auditor, name, kwargs, new_entries):
    since = new_entries()
    assert as_auditor.get(reverse(name, kwargs=kwargs)).status_code == 200
    [entry] = since.entries()
    assert (entry.kind, entry.actor_id) == (Kind.AUDIT_READ, auditor.pk)


def test_search_filters_by_user_case_kind_dates_and_address(as_auditor):
    when = datetime(2026, 6, 1, 23, 30, tzinfo=LONDON)
    wanted = _entry(actor_username="dc.hughes", case_reference="STF-2026-000007", ip="192.0.2.4", occurred_at=when)
    _entry(actor_username="dc.hughes", case_reference="STF-2026-000008", ip="192.0.2.4", occurred_at=when)
    _entry(actor_username="dc.hughes", case_reference="STF-2026-000007", ip="192.0.2.5", occurred_at=when)
    _entry(
        actor_username="dc.hughes",
        case_reference="STF-2026-000007",
        ip="192.0.2.4",
        occurred_at=when + timedelta(days=1),
    )
    query = {
        "username": "dc.hughes", "case_reference": "stf-2026-000007", "kind": "read",
        "date_from": "2026-06-01", "date_to": "2026-06-01", "ip": "192.0.2.4",
    }  # fmt: skip
    response = as_auditor.get(reverse("audit:search"), query)
    assert [entry.id for entry in response.context["page"].rows] == [wanted.id]


def test_search_shows_errors_for_reversed_dates(as_auditor):
    response = as_auditor.get(reverse("audit:search"), {"date_from": "2026-06-02", "date_to": "2026-06-01"})
    assert response.status_code == 400
    assert "The end date must be on or after the start date." in response.content.decode()


def test_pages_go_older_and_newer_by_keyset(as_auditor):
    start = datetime(2026, 1, 1, 9, tzinfo=LONDON)
    made = [_entry(actor_username="pager", occurred_at=start + timedelta(minutes=n)) for n in range(PAGE_SIZE + 5)]
    newest_first = [entry.id for entry in reversed(made)]
    first = as_auditor.get(reverse("audit:search"), {"username": "pager"}).context["page"]
    assert [entry.id for entry in first.rows] == newest_first[:PAGE_SIZE]
    assert first.newer is None and first.older is not None
    second = as_auditor.get(reverse("audit:search"), {"username": "pager", "before": first.older.encode()}).context[
        "page"
    ]
    assert [entry.id for entry in second.rows] == newest_first[PAGE_SIZE:]
    assert second.older is None and second.newer is not None
    back = as_auditor.get(reverse("audit:search"), {"username": "pager", "after": second.newer.encode()}).context[
        "page"
    ]
    assert [entry.id for entry in back.rows] == newest_first[:PAGE_SIZE]
    assert back.newer is None


def test_a_nonsense_cursor_shows_the_newest_page(as_auditor):
    assert as_auditor.get(reverse("audit:search"), {"before": "not-a-cursor"}).status_code == 200


def test_export_streams_the_search_as_csv_and_records_the_disclosure(as_auditor, auditor, new_entries):
    _entry(actor_username="exported", summary="=HYPERLINK(1)", case_reference="STF-2026-000009")
    _entry(actor_username="not.exported")
    since = new_entries()
    response = as_auditor.get(reverse("audit:export"), {"username": "exported", "recipient": "PSD, Staffordshire"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(b"".join(response.streaming_content).decode().splitlines()))
    assert rows[0][:3] == ["id", "occurred_at_utc", "username"]
    assert [row[2] for row in rows[1:]] == ["exported"]
    assert rows[1][rows[0].index("summary")] == "'=HYPERLINK(1)"
    [entry] = since.entries()
    assert (entry.kind, entry.recipient, entry.actor_id) == (Kind.EXPORT, "PSD, Staffordshire", auditor.pk)
    assert entry.changes == {"filters": {"username": "exported"}}


def test_export_without_a_recipient_is_refused_and_sends_nothing(as_auditor, new_entries):
    since = new_entries()
    response = as_auditor.get(reverse("audit:export"), {"username": "exported"})
    assert response.status_code == 400
    assert [entry.kind for entry in since.entries()] == [Kind.AUDIT_READ]


def test_who_accessed_a_case_counts_reads_by_person(as_auditor):
    _entry(actor_username="dc.a", case_reference="STF-2026-000010")
    _entry(actor_username="dc.a", case_reference="STF-2026-000010")
    _entry(actor_username="dc.b", case_reference="STF-2026-000010", kind=Kind.EXPORT)
    _entry(actor_username="dc.c", case_reference="STF-2026-000010", kind=Kind.CHANGE)
    people = as_auditor.get(reverse("audit:case_access", args=["STF-2026-000010"])).context["people"]
    assert sorted((person["actor_username"], person["count"]) for person in people) == [("dc.a", 2), ("dc.b", 1)]


def test_what_a_person_accessed_lists_case_references(as_auditor):
    _entry(actor_username="dc.a", case_reference="STF-2026-000011")
    _entry(actor_username="dc.a", case_reference="STF-2026-000012", kind=Kind.SEARCH)
    _entry(actor_username="dc.a", kind=Kind.SIGN_IN)
    response = as_auditor.get(reverse("audit:user_access", args=["dc.a"]))
    assert sorted(case["case_reference"] for case in response.context["cases"]) == [
        "STF-2026-000011",
        "STF-2026-000012",
    ]
