"""A page costs the same number of queries however much data it shows: 1 row or 50.

Speed at scale is shown by the benchmark (docs/performance.md); these tests keep the property it
depends on, that no page runs a query per row.
"""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.roles import AUDITOR
from audit.models import AuditEntry
from tests.factories.cases import CaseFactory, CaseLogEntryFactory, PremisesFactory, SubjectFactory
from tests.factories.custody import ArrestFactory, ChargingSubmissionFactory
from tests.factories.people import UserFactory
from tests.factories.warrants import DeviceFactory, ImageCountFactory, SearchFactory, WarrantFactory

pytestmark = pytest.mark.django_db


def _queries(client, url, data=None):
    client.get(url, data or {})  # warm: session, two-factor device, content types
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, data or {})
    assert response.status_code == 200
    return len(captured.captured_queries)


def _cases(count, team, officer, supervisor):
    return [
        CaseFactory(
            team=team,
            officer_in_case=officer,
            supervisor=supervisor,
            opened_at=timezone.now() - timedelta(days=count - n),
        )
        for n in range(count)
    ]


def test_case_list_queries_do_not_grow_with_the_cases_shown(client, team, officer, supervisor):
    client.force_login(officer)
    url = reverse("cases:list")
    _cases(1, team, officer, supervisor)
    with_one = _queries(client, url)
    _cases(49, team, officer, supervisor)
    with_fifty = _queries(client, url)
    filtered = _queries(client, url, {"status": "open", "stage": "investigation"})
    first_page = client.get(url).context["page"]
    older = _queries(client, url, {"before": first_page.older.encode()})
    older_page = client.get(url, {"before": first_page.older.encode()}).context["page"]
    newer = _queries(client, url, {"after": older_page.newer.encode()})

    assert len(first_page.rows) == len(older_page.rows) == 25
    assert with_one == with_fifty == filtered == older == newer


def _device_with_counts(case, n: int) -> None:
    """A device with the six image counts of its triage and of a forensic report, shown on the case page."""
    device = DeviceFactory(case=case, exhibit_reference=f"SH/{n}")
    for source in ("triage", "forensic"):
        for category in "ABC":
            for kind in ("still", "moving"):
                ImageCountFactory(device=device, source=source, category=category, kind=kind, count=n)


def test_case_page_queries_do_not_grow_with_its_records(client, team, officer, supervisor):
    client.force_login(officer)
    small, large = _cases(2, team, officer, supervisor)
    SubjectFactory(case=small)
    PremisesFactory(case=small)
    CaseLogEntryFactory(case=small, author=officer)
    _device_with_counts(small, 1)
    for n in range(50):
        SubjectFactory(case=large, full_name=f"Subject {n}")
        PremisesFactory(case=large, address=f"{n} High Street")
        CaseLogEntryFactory(case=large, author=officer)
        _device_with_counts(large, n + 1)

    one = _queries(client, reverse("cases:detail", kwargs={"reference": small.reference}))
    fifty = _queries(client, reverse("cases:detail", kwargs={"reference": large.reference}))

    assert one == fifty


@pytest.mark.parametrize("filters", [{"username": "dc.busy"}, {"case_reference": "STF-2026-000001"}, {}])
def test_auditor_search_queries_do_not_grow_with_the_entries_shown(client, force, filters):
    auditor = UserFactory(username="ps.reid", force=force, roles=[AUDITOR])
    client.force_login(auditor)
    url = reverse("audit:search")
    fields = {"kind": AuditEntry.Kind.READ, "object_type": "cases.Case"}
    fields |= {"actor_username": "dc.busy", "case_reference": "STF-2026-000001"}
    AuditEntry.objects.create(**fields)
    with_one = _queries(client, url, filters)
    for _ in range(49):
        AuditEntry.objects.create(**fields)
    with_fifty = _queries(client, url, filters)

    # Records are labelled with one query per kind of record shown, never one per entry: a page of
    # one entry among the sign-in's entries of other kinds may take more queries than a page of fifty
    # entries of one kind, never fewer.
    assert with_fifty <= with_one


def _records_named_through_a_link(case, officer, n: int) -> None:
    """Records whose names name a record they link to (an arrest its subject, a search and a warrant
    their premises, a log line its case, a submission its subject): their audit entries are labelled
    on the auditor's pages by those names."""
    subject = SubjectFactory(case=case, full_name=f"Named Subject {n}")
    premises = PremisesFactory(case=case, address=f"{n} Link Street")
    ArrestFactory(case=case, subject=subject)
    ChargingSubmissionFactory(case=case, subject=subject)
    WarrantFactory(case=case, premises=premises)
    SearchFactory(case=case, premises=premises)
    CaseLogEntryFactory(case=case, author=officer)


def test_auditor_search_names_linked_records_without_a_query_per_entry(client, team, officer, supervisor):
    auditor = UserFactory(username="ps.link", force=team.force, roles=[AUDITOR])
    client.force_login(auditor)
    small, large = _cases(2, team, officer, supervisor)
    _records_named_through_a_link(small, officer, 0)
    for n in range(8):
        _records_named_through_a_link(large, officer, n + 1)
    url = reverse("audit:search")

    one = _queries(client, url, {"case_reference": small.reference})
    eight = _queries(client, url, {"case_reference": large.reference})

    # One query per kind of record shown: a page cut at its length may show fewer kinds, never more.
    assert eight <= one
