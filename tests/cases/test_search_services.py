"""Recording a search: premises and warrant of the same case, under a warrant only while it is in force."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from cases.models import Case, CaseLogEntry, Search
from cases.services import search as services
from cases.services.common import CASE_CLOSED
from tests.factories.cases import CaseFactory, PremisesFactory
from tests.factories.warrants import SearchFactory, WarrantFactory, london
from warrants import services as warrant_services
from warrants.models import Warrant
from warrants.services import warrant_apply, warrant_draft, warrant_record_issue

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(team, officer, supervisor):
    # Opened before the warrants the tests apply for (a warrant is never applied for before its case).
    return CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor, opened_at=london(2026, 1, 5, 9))


@pytest.fixture
def premises(case):
    return PremisesFactory(case=case)


@pytest.fixture
def warrant(case, officer, premises):
    """Issued 31 Jan 2026 10:00: entry lawful through the whole of 30 Apr 2026, its last day (PACE s.16(3))."""
    warrant = warrant_draft(case=case, actor=officer, premises=premises, power="poca_s4", entry="single", court="X")
    warrant_apply(warrant=warrant, actor=officer, applied_at=london(2026, 1, 30, 9))
    return warrant_record_issue(
        warrant=warrant, actor=officer, issued_at=london(2026, 1, 31, 10), issuing_justice="DJ Khan"
    )


def refused(call, message, field=None):
    with pytest.raises(ValidationError) as caught:
        call()
    if field is None:
        assert caught.value.messages == [message]
    else:
        assert caught.value.message_dict == {field: [message]}


def test_search_without_warrant_is_recorded_logged_and_moves_the_case_to_search(case, officer, premises):
    search = services.search_record(
        case=case, actor=officer, premises=premises, started_at=london(2026, 2, 3, 6), ended_at=london(2026, 2, 3, 9)
    )

    assert search.officer_in_charge == officer
    assert search.warrant is None
    case.refresh_from_db()
    assert case.stage == Case.Stage.SEARCH
    entry = CaseLogEntry.objects.filter(case=case).order_by("-id").first()
    assert entry is not None and entry.kind == CaseLogEntry.Kind.SYSTEM
    assert "Search of" in entry.text


def test_search_under_a_warrant_being_executed_is_recorded(case, officer, premises, warrant):
    search = services.search_record(
        case=case, actor=officer, premises=premises, started_at=london(2026, 4, 30, 10), warrant=warrant
    )

    assert search.warrant == warrant


def test_search_under_a_warrant_late_on_its_last_day_is_recorded(case, officer, premises, warrant):
    search = services.search_record(
        case=case, actor=officer, premises=premises, started_at=london(2026, 4, 30, 23, 59), warrant=warrant
    )
    assert search.warrant == warrant


def test_search_under_a_warrant_after_its_expiry_is_refused(case, officer, premises, warrant):
    refused(
        lambda: services.search_record(
            case=case, actor=officer, premises=premises, started_at=london(2026, 5, 1, 0, 0), warrant=warrant
        ),
        warrant_services.SEARCH_OUTSIDE_WARRANT,
        "started_at",
    )
    assert not Search.objects.exists()


def test_search_under_a_warrant_before_its_issue_is_refused(case, officer, premises, warrant):
    refused(
        lambda: services.search_record(
            case=case, actor=officer, premises=premises, started_at=london(2026, 1, 31, 9), warrant=warrant
        ),
        warrant_services.SEARCH_OUTSIDE_WARRANT,
        "started_at",
    )
    assert not Search.objects.exists()


@pytest.mark.parametrize("state", ["draft", "applied", "refused", "expired"])
def test_search_under_a_warrant_not_in_force_is_refused(case, officer, premises, state):
    warrant = WarrantFactory(case=case, premises=premises, **({} if state == "draft" else {state: True}))

    refused(
        lambda: services.search_record(
            case=case, actor=officer, premises=premises, started_at=timezone.now(), warrant=warrant
        ),
        warrant_services.SEARCH_WARRANT_NOT_ISSUED,
        "warrant",
    )
    assert not Search.objects.exists()


def test_search_under_a_warrant_of_another_case_is_refused(case, officer, premises, team):
    foreign = WarrantFactory(case=CaseFactory(team=team), issued=True)

    refused(
        lambda: services.search_record(
            case=case, actor=officer, premises=premises, started_at=timezone.now(), warrant=foreign
        ),
        warrant_services.SEARCH_WARRANT_OTHER_CASE,
        "warrant",
    )
    assert not Search.objects.exists()


def test_search_under_a_warrant_must_be_of_its_premises(case, officer, warrant):
    other_premises = PremisesFactory(case=case)

    refused(
        lambda: services.search_record(
            case=case, actor=officer, premises=other_premises, started_at=london(2026, 2, 3), warrant=warrant
        ),
        warrant_services.SEARCH_WARRANT_OTHER_PREMISES,
        "warrant",
    )


def test_search_of_premises_of_another_case_is_refused(case, officer, team):
    elsewhere = PremisesFactory(case=CaseFactory(team=team))

    refused(
        lambda: services.search_record(case=case, actor=officer, premises=elsewhere, started_at=london(2026, 2, 3)),
        services.SEARCH_PREMISES_OTHER_CASE,
        "premises",
    )
    assert not Search.objects.exists()
    assert not CaseLogEntry.objects.filter(case=case).exists()


def test_search_ending_before_it_started_is_refused(case, officer, premises):
    refused(
        lambda: services.search_record(
            case=case,
            actor=officer,
            premises=premises,
            started_at=london(2026, 2, 3, 9),
            ended_at=london(2026, 2, 3, 8),
        ),
        services.SEARCH_ENDED_BEFORE_START,
        "ended_at",
    )
    assert not Search.objects.exists()


def test_search_in_the_future_is_refused(case, officer, premises):
    refused(
        lambda: services.search_record(
            case=case, actor=officer, premises=premises, started_at=timezone.now() + timedelta(days=1)
        ),
        "Started at cannot be in the future.",
        "started_at",
    )


def test_search_on_a_closed_case_is_refused(case, officer, premises):
    Case.objects.filter(pk=case.pk).update(status=Case.Status.CLOSED)
    case.refresh_from_db()

    refused(
        lambda: services.search_record(case=case, actor=officer, premises=premises, started_at=london(2026, 2, 3)),
        CASE_CLOSED,
    )
    assert not Search.objects.exists()


def test_search_ending_before_start_is_rejected_by_the_database(case):
    search = SearchFactory(case=case)

    with pytest.raises(IntegrityError), transaction.atomic():
        Search.objects.filter(pk=search.pk).update(ended_at=search.started_at - timedelta(minutes=1))


def test_search_under_an_executed_and_returned_warrant_is_allowed(case, officer, premises):
    warrant = WarrantFactory(case=case, premises=premises, returned=True)

    assert warrant.executed_at is not None
    search = services.search_record(
        case=case, actor=officer, premises=premises, started_at=warrant.executed_at, warrant=warrant
    )

    assert search.warrant is not None and search.warrant.status == Warrant.Status.RETURNED
