"""The search page and the case page's warrant and search sections."""

from datetime import timedelta

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from cases.models import Case, Search
from cases.records import case_page_select, load_case_page_records
from tests.factories.cases import CaseFactory, PremisesFactory
from tests.factories.warrants import DeviceFactory, ImageCountFactory, SearchFactory, WarrantFactory, london, typed

pytestmark = pytest.mark.django_db

HOUR = timedelta(hours=1)


@pytest.fixture
def case(team, officer, supervisor):
    return CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor)


@pytest.fixture
def premises(case):
    return PremisesFactory(case=case)


def add_url(case):
    return reverse("cases:search_add", kwargs={"reference": case.reference})


def test_search_page_requires_sign_in(client, case):
    response = client.get(add_url(case))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_search_page_of_another_teams_case_is_not_found(client, outsider, case, premises):
    client.force_login(outsider)

    assert client.get(add_url(case)).status_code == 404
    assert client.post(add_url(case), {"premises": premises.pk, "started_at": "2026-02-03T06:00"}).status_code == 404
    assert not Search.objects.exists()


def test_search_page_refuses_other_methods(client, officer, case):
    client.force_login(officer)

    assert client.put(add_url(case)).status_code == 405


def test_search_is_recorded_under_a_warrant_of_the_case(client, officer, case, premises):
    warrant = WarrantFactory(case=case, premises=premises, issued=True)
    client.force_login(officer)

    assert warrant.issued_at is not None
    response = client.post(
        add_url(case),
        {"premises": premises.pk, "warrant": warrant.pk, "started_at": typed(warrant.issued_at + HOUR), "notes": ""},
    )

    assert response.status_code == 302
    assert response["Location"] == case.get_absolute_url()
    search = Search.objects.get()
    assert search.warrant == warrant
    assert search.officer_in_charge == officer


def test_search_ending_before_it_started_shows_the_error_and_saves_nothing(client, officer, case, premises):
    client.force_login(officer)

    response = client.post(
        add_url(case), {"premises": premises.pk, "started_at": "2026-02-03T06:00", "ended_at": "2026-02-03T05:00"}
    )

    assert response.status_code == 400
    assert "The search cannot end before it started." in response.content.decode()
    assert not Search.objects.exists()


def test_search_page_refuses_a_warrant_of_another_case_by_id(client, officer, case, premises, team):
    foreign = WarrantFactory(case=CaseFactory(team=team), issued=True)
    client.force_login(officer)

    response = client.post(
        add_url(case), {"premises": premises.pk, "warrant": foreign.pk, "started_at": "2026-11-22T06:00"}
    )

    assert response.status_code == 400
    assert not Search.objects.exists()


# --- The case page's sections ------------------------------------------------------------------


def render_partials(case):
    """The two sections as an officer of the case's team sees them (cases.views.case.case_page_actions)."""
    context = {"case": case, "may": {"record": True, "record_devices": True}}
    return render_to_string("cases/detail/_warrants.html", context) + render_to_string(
        "cases/detail/_searches.html", context
    )


def test_case_page_sections_show_warrants_searches_and_counts_in_words(case, premises):
    WarrantFactory(case=case, premises=premises, expired=True)
    WarrantFactory(case=case, premises=premises, issued=True)
    search = SearchFactory(case=case, premises=premises, started_at=london(2026, 2, 3, 6))
    device = DeviceFactory(
        case=case, search=search, exhibit_reference="SH/1", triage_result="positive", triaged_at=london(2026, 2, 3, 8)
    )
    ImageCountFactory(device=device, source="caid", category="A", kind="still", count=12)
    ImageCountFactory(device=device, source="caid", category="A", kind="moving", count=3)
    for category in "ABC":
        for kind, count in (("still", 40), ("moving", 0)):
            ImageCountFactory(device=device, source="triage", category=category, kind=kind, count=count)

    html = render_partials(load_case_page_records(case_page_select(Case.objects.filter(pk=case.pk)).get()))

    assert "<strong>Expired</strong>" in html
    assert "<strong>Issued</strong>" in html
    assert "Record the return to court" in html
    assert "Record the execution" in html
    assert "Apply for a warrant" in html
    assert "SH/1" in html
    assert "Positive" in html
    # Each source's counts by category, triage first, where the device is listed (not only on its page).
    triage = (
        "On-scene triage: category A 40 still, 0 moving; category B 40 still, 0 moving; category C 40 still, 0 moving"
    )
    caid = "CAID match: category A 12 still, 3 moving; category B not counted; category C not counted"
    assert triage in html and caid in html
    assert html.index(triage) < html.index(caid)
    assert "3 Feb 2026 06:00" in html
    assert "Record a device" in html


def test_case_page_sections_make_no_queries_once_prefetched(case, premises, django_assert_num_queries):
    for _ in range(3):
        warrant = WarrantFactory(case=case, premises=PremisesFactory(case=case), executed=True)
        search = SearchFactory(case=case, premises=warrant.premises, warrant=warrant)
        device = DeviceFactory(case=case, search=search)
        ImageCountFactory(device=device)
    prefetched = load_case_page_records(case_page_select(Case.objects.filter(pk=case.pk)).get())

    with django_assert_num_queries(0):
        render_partials(prefetched)


def test_case_page_shows_the_sections(client, officer, case, premises):
    WarrantFactory(case=case, premises=premises, applied=True)
    client.force_login(officer)

    page = client.get(case.get_absolute_url()).content.decode()

    assert "Search warrants" in page
    assert "<strong>Applied</strong>" in page
    assert reverse("warrants:create", kwargs={"reference": case.reference}) in page
    assert reverse("cases:search_add", kwargs={"reference": case.reference}) in page
