"""Devices: exhibit references, triage, image counts (numbers only, per source) and forensic work."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from cases.models import Case, CaseLogEntry, Device, ImageCount
from cases.services import search as services
from cases.services.common import CASE_CLOSED
from tests.factories.cases import CaseFactory
from tests.factories.people import UserFactory
from tests.factories.warrants import DeviceFactory, ImageCountFactory, SearchFactory, london

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(team, officer, supervisor):
    return CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor)


@pytest.fixture
def device(case):
    return DeviceFactory(case=case, exhibit_reference="SH/1")


def refused(call, message, field=None):
    with pytest.raises(ValidationError) as caught:
        call()
    if field is None:
        assert caught.value.messages == [message]
    else:
        assert caught.value.message_dict == {field: [message]}


def device_row(device):
    return (
        Device.objects.values().get(pk=device.pk),
        list(ImageCount.objects.filter(device=device).values_list("source", "category", "kind", "count")),
        CaseLogEntry.objects.filter(case_id=device.case_id).count(),
    )


def last_log(case):
    return CaseLogEntry.objects.filter(case=case).order_by("-id").first()


def grid(a=(0, 0), b=(0, 0), c=(0, 0)):
    return {
        "A": {"still": a[0], "moving": a[1]},
        "B": {"still": b[0], "moving": b[1]},
        "C": {"still": c[0], "moving": c[1]},
    }


# --- Recording a device -------------------------------------------------------------------------


def test_device_is_recorded_logged_and_moves_the_case_to_search(case, officer):
    search = SearchFactory(case=case)

    device = services.device_record(
        case=case,
        actor=officer,
        exhibit_reference=" SH/1 ",
        device_type="laptop",
        action="seized",
        search=search,
        make_model="Dell Latitude",
    )

    assert device.exhibit_reference == "SH/1"
    assert device.triage_result == Device.TriageResult.NOT_EXAMINED
    case.refresh_from_db()
    assert case.stage == Case.Stage.SEARCH
    assert "Device SH/1 (laptop) recorded: seized." in last_log(case).text


@pytest.mark.parametrize("reference", ["SH/1", "sh/1", " SH/1"])
def test_an_exhibit_reference_already_used_on_the_case_is_refused_clearly(case, officer, device, reference):
    refused(
        lambda: services.device_record(
            case=case, actor=officer, exhibit_reference=reference, device_type="phone", action="seized"
        ),
        services.DEVICE_EXHIBIT_TAKEN,
        "exhibit_reference",
    )
    assert Device.objects.count() == 1


def test_the_same_exhibit_reference_on_another_case_is_allowed(case, officer, device, team):
    other = CaseFactory(team=team)

    services.device_record(case=other, actor=officer, exhibit_reference="SH/1", device_type="phone", action="left")

    assert Device.objects.count() == 2


def test_a_duplicate_exhibit_reference_is_rejected_by_the_database(case, device):
    with pytest.raises(IntegrityError), transaction.atomic():
        Device.objects.create(case=case, exhibit_reference="SH/1", device_type="phone", action="seized")


def test_a_device_from_a_search_of_another_case_is_refused(case, officer, team):
    foreign = SearchFactory(case=CaseFactory(team=team))

    refused(
        lambda: services.device_record(
            case=case, actor=officer, exhibit_reference="SH/9", device_type="phone", action="seized", search=foreign
        ),
        services.DEVICE_SEARCH_OTHER_CASE,
        "search",
    )
    assert not Device.objects.exists()


def test_a_device_on_a_closed_case_is_refused(case, officer):
    Case.objects.filter(pk=case.pk).update(status=Case.Status.CLOSED)
    case.refresh_from_db()

    refused(
        lambda: services.device_record(
            case=case, actor=officer, exhibit_reference="SH/9", device_type="phone", action="seized"
        ),
        CASE_CLOSED,
    )


# --- Triage -------------------------------------------------------------------------------------


def test_triage_records_result_time_and_examiner(device, officer, examiner):
    services.device_record_triage(
        device=device, actor=officer, triage_result="positive", triaged_at=london(2026, 2, 3, 8), examiner=examiner
    )

    device.refresh_from_db()
    assert device.triage_result == Device.TriageResult.POSITIVE
    assert device.triaged_at == london(2026, 2, 3, 8)
    assert device.examiner == examiner
    assert "Triage of device SH/1: positive." in last_log(device.case).text


def test_a_triage_result_needs_the_time(device, officer, examiner):
    before = device_row(device)

    refused(
        lambda: services.device_record_triage(
            device=device, actor=officer, triage_result="negative", triaged_at=None, examiner=examiner
        ),
        services.TRIAGE_NEEDS_TIME,
        "triaged_at",
    )
    assert device_row(device) == before


def test_a_triage_result_needs_the_examiner(device, officer):
    before = device_row(device)

    refused(
        lambda: services.device_record_triage(
            device=device, actor=officer, triage_result="encrypted", triaged_at=london(2026, 2, 3), examiner=None
        ),
        services.TRIAGE_NEEDS_EXAMINER,
        "examiner",
    )
    assert device_row(device) == before


def test_triage_by_an_inactive_examiner_is_refused(device, officer):
    gone = UserFactory(is_active=False)

    refused(
        lambda: services.device_record_triage(
            device=device, actor=officer, triage_result="positive", triaged_at=london(2026, 2, 3), examiner=gone
        ),
        services.TRIAGE_EXAMINER_INACTIVE,
        "examiner",
    )


def test_triage_before_the_search_started_is_refused(case, officer, examiner):
    search = SearchFactory(case=case, started_at=london(2026, 2, 3, 6))
    device = DeviceFactory(case=case, search=search)
    before = device_row(device)

    refused(
        lambda: services.device_record_triage(
            device=device, actor=officer, triage_result="positive", triaged_at=london(2026, 2, 3, 5), examiner=examiner
        ),
        services.TRIAGE_BEFORE_SEARCH,
        "triaged_at",
    )
    assert device_row(device) == before


def test_not_examined_clears_nothing(device, officer, examiner):
    services.device_record_triage(
        device=device, actor=officer, triage_result="inconclusive", triaged_at=london(2026, 2, 3), examiner=examiner
    )

    services.device_record_triage(
        device=device, actor=officer, triage_result="not_examined", triaged_at=None, examiner=None
    )

    device.refresh_from_db()
    assert device.triage_result == Device.TriageResult.NOT_EXAMINED
    assert device.triaged_at == london(2026, 2, 3)
    assert device.examiner == examiner


def test_a_triage_result_without_time_is_rejected_by_the_database(device):
    with pytest.raises(IntegrityError), transaction.atomic():
        Device.objects.filter(pk=device.pk).update(triage_result="positive")


# --- Image counts -------------------------------------------------------------------------------


def test_image_counts_store_all_six_cells_for_the_source(device, officer):
    services.device_set_image_counts(device=device, actor=officer, source="triage", counts=grid(a=(12, 3), c=(40, 0)))

    stored = {(c.category, c.kind): c.count for c in ImageCount.objects.filter(device=device, source="triage")}
    assert stored == {
        ("A", "still"): 12,
        ("A", "moving"): 3,
        ("B", "still"): 0,
        ("B", "moving"): 0,
        ("C", "still"): 40,
        ("C", "moving"): 0,
    }
    assert "A 12 still / 3 moving" in last_log(device.case).text


def test_image_counts_replace_that_sources_counts_and_leave_other_sources(device, officer):
    services.device_set_image_counts(device=device, actor=officer, source="triage", counts=grid(a=(12, 3)))
    services.device_set_image_counts(device=device, actor=officer, source="caid", counts=grid(b=(7, 1)))

    services.device_set_image_counts(device=device, actor=officer, source="triage", counts=grid(a=(20, 0)))

    triage = {(c.category, c.kind): c.count for c in ImageCount.objects.filter(device=device, source="triage")}
    caid = {(c.category, c.kind): c.count for c in ImageCount.objects.filter(device=device, source="caid")}
    assert triage[("A", "still")] == 20
    assert triage[("A", "moving")] == 0
    assert len(triage) == 6
    assert caid[("B", "still")] == 7
    assert ImageCount.objects.filter(device=device).count() == 12


def test_missing_cells_count_as_zero(device, officer):
    services.device_set_image_counts(device=device, actor=officer, source="forensic", counts={"A": {"still": 5}})

    assert ImageCount.objects.get(device=device, category="A", kind="still").count == 5
    assert ImageCount.objects.get(device=device, category="C", kind="moving").count == 0


@pytest.mark.parametrize(
    ("counts", "message"),
    [
        ({"A": {"still": -1}}, services.IMAGE_COUNT_NOT_A_NUMBER),
        ({"A": {"still": "12"}}, services.IMAGE_COUNT_NOT_A_NUMBER),
        ({"A": {"still": 1.5}}, services.IMAGE_COUNT_NOT_A_NUMBER),
        ({"A": {"still": True}}, services.IMAGE_COUNT_NOT_A_NUMBER),
        ({"A": {"still": None}}, services.IMAGE_COUNT_NOT_A_NUMBER),
        ({"D": {"still": 1}}, services.IMAGE_COUNT_UNKNOWN_CATEGORY),
        ({"A": {"thumbnail": 1}}, services.IMAGE_COUNT_UNKNOWN_KIND),
        ({"A": 12}, services.IMAGE_COUNT_NOT_A_GRID),
        ([("A", 12)], services.IMAGE_COUNT_NOT_A_GRID),
    ],
)
def test_anything_but_whole_numbers_is_refused_and_nothing_is_replaced(device, officer, counts, message):
    services.device_set_image_counts(device=device, actor=officer, source="triage", counts=grid(a=(12, 3)))
    before = device_row(device)

    refused(
        lambda: services.device_set_image_counts(device=device, actor=officer, source="triage", counts=counts),
        message,
        "counts",
    )
    assert device_row(device) == before


def test_an_unknown_source_is_refused(device, officer):
    refused(
        lambda: services.device_set_image_counts(device=device, actor=officer, source="hashes", counts=grid()),
        services.IMAGE_COUNT_SOURCE_UNKNOWN,
        "source",
    )
    assert not ImageCount.objects.exists()


def test_a_negative_count_is_rejected_by_the_database(device):
    cell = ImageCountFactory(device=device)

    with pytest.raises(IntegrityError), transaction.atomic():
        ImageCount.objects.filter(pk=cell.pk).update(count=-1)


# --- Full forensic examination ------------------------------------------------------------------


def test_forensic_request_then_completion(device, officer):
    services.device_record_forensic_request(device=device, actor=officer, requested_at=london(2026, 2, 4))
    services.device_record_forensic_completion(device=device, actor=officer, completed_at=london(2026, 5, 4))

    device.refresh_from_db()
    assert device.forensic_requested_at == london(2026, 2, 4)
    assert device.forensic_completed_at == london(2026, 5, 4)
    assert "completed" in last_log(device.case).text


def test_forensic_completion_without_a_request_is_refused(device, officer):
    before = device_row(device)

    refused(
        lambda: services.device_record_forensic_completion(
            device=device, actor=officer, completed_at=london(2026, 5, 4)
        ),
        services.FORENSIC_NOT_REQUESTED,
    )
    assert device_row(device) == before


def test_forensic_completion_before_the_request_is_refused(device, officer):
    services.device_record_forensic_request(device=device, actor=officer, requested_at=london(2026, 2, 4))
    before = device_row(device)

    refused(
        lambda: services.device_record_forensic_completion(
            device=device, actor=officer, completed_at=london(2026, 2, 3)
        ),
        services.FORENSIC_COMPLETED_BEFORE_REQUEST,
        "completed_at",
    )
    assert device_row(device) == before


def test_forensic_request_is_recorded_once(device, officer):
    services.device_record_forensic_request(device=device, actor=officer, requested_at=london(2026, 2, 4))

    refused(
        lambda: services.device_record_forensic_request(device=device, actor=officer, requested_at=london(2026, 2, 5)),
        services.FORENSIC_ALREADY_REQUESTED,
    )


def test_forensic_request_in_the_future_is_refused(device, officer):
    refused(
        lambda: services.device_record_forensic_request(
            device=device, actor=officer, requested_at=timezone.now() + timedelta(days=2)
        ),
        "Requested at cannot be in the future.",
        "requested_at",
    )


def test_forensic_completion_before_request_is_rejected_by_the_database(device):
    with pytest.raises(IntegrityError), transaction.atomic():
        Device.objects.filter(pk=device.pk).update(forensic_completed_at=timezone.now())
