"""Device pages: recording a device, its triage, image counts grid and forensic examination."""

import pytest
from django.urls import reverse

from cases.models import CaseLogEntry, Device, ImageCount
from cases.services.search import DEVICE_EXHIBIT_TAKEN, FORENSIC_NOT_REQUESTED, TRIAGE_NEEDS_EXAMINER
from tests.factories.cases import CaseFactory
from tests.factories.warrants import DeviceFactory, ImageCountFactory, SearchFactory

pytestmark = pytest.mark.django_db

DEVICE_PAGES = [
    "device_detail",
    "device_triage",
    "device_image_counts",
    "device_forensic_request",
    "device_forensic_complete",
]


@pytest.fixture
def case(team, officer, supervisor):
    return CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor)


@pytest.fixture
def device(case):
    return DeviceFactory(case=case, exhibit_reference="SH/1")


@pytest.fixture
def signed_in(client, officer):
    client.force_login(officer)
    return client


def url(name, device):
    return reverse(f"cases:{name}", kwargs={"reference": device.case.reference, "pk": device.pk})


def counts_post(source="triage", version=1, **cells):
    data = {"source": source, "version": str(version)}
    for category in "ABC":
        for kind in ("still", "moving"):
            data[f"{category}_{kind}"] = cells.get(f"{category}_{kind}", "0")
    return data


# --- Access -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", DEVICE_PAGES)
def test_device_pages_require_sign_in(client, device, name):
    response = client.get(url(name, device))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", DEVICE_PAGES)
def test_device_pages_of_another_teams_case_are_not_found(client, outsider, device, name):
    client.force_login(outsider)

    assert client.get(url(name, device)).status_code == 404


def test_device_of_another_case_by_id_is_not_found(signed_in, case, team):
    foreign = DeviceFactory(case=CaseFactory(team=team))
    path = reverse("cases:device_image_counts", kwargs={"reference": case.reference, "pk": foreign.pk})

    assert signed_in.get(path).status_code == 404
    assert signed_in.post(path, counts_post(A_still="5")).status_code == 404
    assert not ImageCount.objects.exists()


def test_device_pages_refuse_other_methods(signed_in, device):
    assert signed_in.post(url("device_detail", device)).status_code == 405
    assert signed_in.put(url("device_triage", device)).status_code == 405
    assert signed_in.delete(reverse("cases:device_add", kwargs={"reference": device.case.reference})).status_code == 405


# --- Recording a device -------------------------------------------------------------------------


def test_device_add_records_the_device(signed_in, case):
    search = SearchFactory(case=case)

    response = signed_in.post(
        reverse("cases:device_add", kwargs={"reference": case.reference}),
        {"exhibit_reference": "SH/2", "device_type": "phone", "action": "seized", "search": search.pk},
    )

    assert response.status_code == 302
    assert Device.objects.get().search == search


def test_device_add_with_a_used_exhibit_reference_shows_the_error(signed_in, device):
    response = signed_in.post(
        reverse("cases:device_add", kwargs={"reference": device.case.reference}),
        {"exhibit_reference": "SH/1", "device_type": "phone", "action": "seized"},
    )

    assert response.status_code == 400
    assert DEVICE_EXHIBIT_TAKEN in response.content.decode()
    assert Device.objects.count() == 1


def test_device_add_refuses_a_search_of_another_case(signed_in, case, team):
    foreign = SearchFactory(case=CaseFactory(team=team))

    response = signed_in.post(
        reverse("cases:device_add", kwargs={"reference": case.reference}),
        {"exhibit_reference": "SH/2", "device_type": "phone", "action": "seized", "search": foreign.pk},
    )

    assert response.status_code == 400
    assert not Device.objects.exists()


# --- Triage -------------------------------------------------------------------------------------


def test_triage_is_recorded(signed_in, device, examiner):
    response = signed_in.post(
        url("device_triage", device),
        {"triage_result": "positive", "triaged_at": "2026-02-03T08:00", "examiner": examiner.pk, "version": 1},
    )

    assert response.status_code == 302
    assert response["Location"] == url("device_detail", device)
    device.refresh_from_db()
    assert device.examiner == examiner


def test_triage_without_an_examiner_shows_the_error_and_saves_nothing(signed_in, device):
    response = signed_in.post(
        url("device_triage", device), {"triage_result": "positive", "triaged_at": "2026-02-03T08:00", "version": 1}
    )

    assert response.status_code == 400
    assert TRIAGE_NEEDS_EXAMINER in response.content.decode()
    device.refresh_from_db()
    assert device.triage_result == Device.TriageResult.NOT_EXAMINED


# --- Image counts grid --------------------------------------------------------------------------


def test_image_counts_grid_is_labelled_for_every_cell(signed_in, device):
    page = signed_in.get(url("device_image_counts", device)).content.decode()

    for category in "ABC":
        for kind in ("still", "moving"):
            assert f'for="id_{category}_{kind}"' in page
    assert '<th scope="row">A</th>' in page
    assert 'enctype="multipart/form-data"' not in page


def test_image_counts_page_shows_the_chosen_sources_counts(signed_in, device):
    ImageCountFactory(device=device, source="caid", category="B", kind="moving", count=7)

    page = signed_in.get(url("device_image_counts", device) + "?source=caid").content.decode()

    assert 'name="B_moving" value="7"' in page


def test_image_counts_post_replaces_that_sources_counts(signed_in, device):
    ImageCountFactory(device=device, source="triage", category="A", kind="still", count=99)
    ImageCountFactory(device=device, source="forensic", category="C", kind="still", count=4)

    response = signed_in.post(url("device_image_counts", device), counts_post("triage", A_still="12", A_moving="3"))

    assert response.status_code == 302
    triage = {(c.category, c.kind): c.count for c in ImageCount.objects.filter(device=device, source="triage")}
    assert triage[("A", "still")] == 12
    assert triage[("A", "moving")] == 3
    assert ImageCount.objects.get(device=device, source="forensic").count == 4


@pytest.mark.parametrize("value", ["-1", "1.5", "twelve", ""])
def test_image_counts_other_than_whole_numbers_are_refused(signed_in, device, value):
    ImageCountFactory(device=device, source="triage", category="A", kind="still", count=99)
    logged = CaseLogEntry.objects.count()

    response = signed_in.post(url("device_image_counts", device), counts_post("triage", A_still=value))

    assert response.status_code == 400
    assert "Enter a" in response.content.decode()
    assert list(ImageCount.objects.values_list("count", flat=True)) == [99]
    assert CaseLogEntry.objects.count() == logged


# --- Forensic examination -----------------------------------------------------------------------


def test_forensic_request_and_completion_are_recorded(signed_in, device):
    assert (
        signed_in.post(url("device_forensic_request", device), {"requested_at": "2026-02-04T09:00"}).status_code == 302
    )
    assert (
        signed_in.post(url("device_forensic_complete", device), {"completed_at": "2026-05-04T09:00"}).status_code == 302
    )

    device.refresh_from_db()
    assert device.forensic_completed_at is not None


def test_forensic_completion_without_request_shows_the_error(signed_in, device):
    response = signed_in.post(url("device_forensic_complete", device), {"completed_at": "2026-05-04T09:00"})

    assert response.status_code == 400
    assert FORENSIC_NOT_REQUESTED in response.content.decode()
    device.refresh_from_db()
    assert device.forensic_completed_at is None


def test_device_detail_shows_counts_by_source(signed_in, device):
    ImageCountFactory(device=device, source="forensic", category="A", kind="still", count=12)

    page = signed_in.get(url("device_detail", device)).content.decode()

    assert "Forensic report" in page
    assert "<td>12</td>" in page
    assert "Not recorded" in page
