"""Referral pages: the list, recording a referral and its research, its outcome, and opening a case."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import Case, CommsDataRequest, Referral, ReferralIdentifier
from cases.services.referrals import (
    COMMS_APPROVED_BEFORE_SUBMISSION,
    IDENTIFIER_IP_INVALID,
    OUTCOME_NFA_NEEDS_REASON,
    REFERRAL_DUPLICATE,
)
from tests.factories.cases import CaseFactory, CommsDataRequestFactory, ReferralFactory
from tests.factories.people import ForceFactory, TeamFactory, UserFactory


@pytest.fixture
def referral(force, officer):
    return ReferralFactory(
        force=force,
        created_by=officer,
        source_reference="CEOP-2026-4471",
        risk_grade="high",
        received_at=timezone.now() - timedelta(days=2),
        summary="Uploads to a cloud service.",
    )


@pytest.fixture
def signed_in(client, officer):
    client.force_login(officer)
    return client


@pytest.fixture
def other_force_officer(db):
    force = ForceFactory(code="WMC", name="West Mercia Police")
    return UserFactory(username="dc.west", force=force, teams=[TeamFactory(force=force, name="POLIT")])


def local(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def url(name, referral, **kwargs):
    return reverse(f"cases:{name}", kwargs={"pk": referral.pk, **kwargs})


REFERRAL_PAGES = [
    "referral_detail",
    "referral_identifier_add",
    "comms_request_add",
    "referral_outcome",
    "case_open_from_referral",
]


@pytest.mark.parametrize("name", REFERRAL_PAGES)
def test_referral_pages_require_sign_in(client, referral, name):
    response = client.get(url(name, referral))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", REFERRAL_PAGES)
def test_referral_pages_are_404_for_another_force(client, referral, other_force_officer, name):
    client.force_login(other_force_officer)
    assert client.get(url(name, referral)).status_code == 404


@pytest.mark.parametrize("name", REFERRAL_PAGES[1:])
def test_referral_forms_refuse_the_wrong_method(signed_in, referral, name):
    assert signed_in.delete(url(name, referral)).status_code == 405


def test_referral_list_and_detail_refuse_post(signed_in, referral):
    assert signed_in.post(reverse("cases:referral_list")).status_code == 405
    assert signed_in.post(url("referral_detail", referral)).status_code == 405


# --- the list ----------------------------------------------------------------------------------


def test_referral_list_shows_pending_first_then_filters_by_outcome(signed_in, force, officer, other_force_officer):
    now = timezone.now()
    nfa = ReferralFactory(
        force=force,
        source_reference="OLD-NFA",
        received_at=now - timedelta(days=1),
        outcome="nfa",
        outcome_at=now,
        outcome_reason="Duplicate.",
    )
    older = ReferralFactory(force=force, source_reference="PENDING-OLD", received_at=now - timedelta(days=9))
    newer = ReferralFactory(force=force, source_reference="PENDING-NEW", received_at=now - timedelta(days=2))
    ReferralFactory(force=other_force_officer.force, source_reference="ELSEWHERE")
    response = signed_in.get(reverse("cases:referral_list"))
    assert response.status_code == 200
    assert [r.pk for r, _ in response.context["rows"]] == [older.pk, newer.pk, nfa.pk]
    assert "ELSEWHERE" not in response.content.decode()
    response = signed_in.get(reverse("cases:referral_list"), {"outcome": "nfa"})
    assert [r.pk for r, _ in response.context["rows"]] == [nfa.pk]


def test_referral_list_shows_when_a_response_is_due(signed_in, force):
    received = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    ReferralFactory(force=force, risk_grade="medium", received_at=received)
    response = signed_in.get(reverse("cases:referral_list"))
    [(_, due_at)] = response.context["rows"]
    assert due_at == received + timedelta(days=14)
    assert "4 Dec 2026 09:00" in response.content.decode()


def test_a_referral_developed_into_a_restricted_case_is_hidden_from_people_who_cannot_see_it(
    client, force, team, officer, supervisor, examiner
):
    referral = ReferralFactory(force=force, outcome="developed", outcome_at=timezone.now())
    CaseFactory(team=team, referral=referral, restricted=True, officer_in_case=officer, supervisor=supervisor)
    client.force_login(examiner)
    assert client.get(url("referral_detail", referral)).status_code == 404
    assert client.get(reverse("cases:referral_list")).context["rows"] == []
    client.force_login(officer)
    assert client.get(url("referral_detail", referral)).status_code == 200


# --- recording a referral ----------------------------------------------------------------------


def referral_post(**overrides):
    return {
        "source": "nca_ceop",
        "source_reference": "CEOP-2026-0099",
        "received_at": local(timezone.now() - timedelta(hours=3)),
        "risk_grade": "very_high",
        "platform": "Snapchat",
        "files_reported": "3",
        "summary": "",
    } | overrides


def test_referral_create_saves_for_the_users_force_and_goes_to_it(signed_in, officer):
    response = signed_in.post(reverse("cases:referral_create"), referral_post())
    referral = Referral.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("referral_detail", referral)
    assert (referral.force, referral.created_by, referral.files_reported) == (officer.force, officer, 3)


def test_referral_create_shows_errors_and_saves_nothing(signed_in, referral):
    response = signed_in.post(
        reverse("cases:referral_create"), referral_post(source_reference=referral.source_reference)
    )
    assert response.status_code == 400
    assert response.context["form"].errors["source_reference"] == [REFERRAL_DUPLICATE]
    response = signed_in.post(reverse("cases:referral_create"), referral_post(files_reported="-1", risk_grade=""))
    assert response.status_code == 400
    assert Referral.objects.count() == 1


def test_referral_detail_shows_the_referral_and_what_to_do_next(signed_in, referral):
    response = signed_in.get(url("referral_detail", referral))
    body = response.content.decode()
    assert "CEOP-2026-4471" in body
    assert url("case_open_from_referral", referral) in body
    assert url("referral_outcome", referral) in body


# --- identifiers and research ------------------------------------------------------------------


def test_identifier_add_stores_utc_and_shows_it(signed_in, referral):
    observed = timezone.localtime(referral.received_at - timedelta(days=1), timezone=UTC)
    response = signed_in.post(
        url("referral_identifier_add", referral),
        {
            "kind": "ip",
            "ip_address": "203.0.113.7",
            "port": "51413",
            "observed_original": observed.strftime("%Y-%m-%d %H:%M:%S"),
            "observed_timezone": "UTC",
        },
    )
    assert response.status_code == 302
    identifier = ReferralIdentifier.objects.get()
    assert identifier.observed_at == observed.replace(microsecond=0)
    assert "203.0.113.7, port 51413" in signed_in.get(url("referral_detail", referral)).content.decode()


def test_identifier_add_shows_the_service_error_on_its_field(signed_in, referral):
    response = signed_in.post(
        url("referral_identifier_add", referral),
        {
            "kind": "ip",
            "ip_address": "999.1.1.1",
            "observed_original": "2026-11-01 10:00:00",
            "observed_timezone": "UTC",
        },
    )
    assert response.status_code == 400
    assert response.context["form"].errors["ip_address"] == [IDENTIFIER_IP_INVALID]
    assert not ReferralIdentifier.objects.exists()


def test_comms_request_is_recorded_approved_and_resulted_through_the_pages(signed_in, referral, officer):
    submitted = referral.received_at + timedelta(hours=1)
    response = signed_in.post(
        url("comms_request_add", referral), {"reference": "CD-77", "submitted_at": local(submitted)}
    )
    assert response.status_code == 302
    request = CommsDataRequest.objects.get()
    approval = url("comms_request_approval", referral, request_pk=request.pk)
    response = signed_in.post(
        approval, {"approved_at": local(submitted - timedelta(hours=1)), "approval_route": "ocda"}
    )
    assert response.status_code == 400
    assert response.context["form"].errors["approved_at"] == [COMMS_APPROVED_BEFORE_SUBMISSION]
    response = signed_in.post(
        approval, {"approved_at": local(submitted + timedelta(hours=2)), "approval_route": "ocda"}
    )
    assert response.status_code == 302
    result = url("comms_request_result", referral, request_pk=request.pk)
    response = signed_in.post(
        result, {"result_received_at": local(submitted + timedelta(hours=5)), "outcome": "resolved"}
    )
    assert response.status_code == 400  # the time-conversion check box is required
    response = signed_in.post(
        result,
        {"result_received_at": local(submitted + timedelta(hours=5)), "outcome": "resolved", "time_checked": "on"},
    )
    assert response.status_code == 302
    request.refresh_from_db()
    assert (request.outcome, request.time_verified_by) == ("resolved", officer)


def test_comms_request_of_another_referral_is_404(signed_in, referral, force):
    other = CommsDataRequestFactory(referral=ReferralFactory(force=force))
    response = signed_in.get(url("comms_request_approval", referral, request_pk=other.pk))
    assert response.status_code == 404


# --- outcome and opening a case ----------------------------------------------------------------


def test_outcome_nfa_needs_a_reason_then_saves(signed_in, referral):
    page = url("referral_outcome", referral)
    response = signed_in.post(page, {"outcome": "nfa", "outcome_at": local(timezone.now())})
    assert response.status_code == 400
    assert response.context["form"].errors["outcome_reason"] == [OUTCOME_NFA_NEEDS_REASON]
    referral.refresh_from_db()
    assert referral.outcome == "pending"
    response = signed_in.post(
        page, {"outcome": "nfa", "outcome_at": local(timezone.now()), "outcome_reason": "No offence disclosed."}
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.outcome == "nfa"


def test_open_case_form_is_filled_in_from_the_referral_and_the_user(signed_in, referral, team, officer):
    response = signed_in.get(url("case_open_from_referral", referral))
    assert response.status_code == 200
    initial = response.context["form"].initial
    assert initial["team"] == team
    assert initial["officer_in_case"] == officer
    assert initial["summary"] == "Uploads to a cloud service."
    assert abs(initial["opened_at"] - timezone.now()) < timedelta(minutes=2)


def test_open_case_from_referral_in_a_few_clicks(signed_in, referral, team, officer, supervisor):
    response = signed_in.post(
        url("case_open_from_referral", referral),
        {
            "team": team.pk,
            "officer_in_case": officer.pk,
            "supervisor": supervisor.pk,
            "opened_at": local(timezone.now()),
            "summary": referral.summary,
        },
    )
    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == case.get_absolute_url()
    referral.refresh_from_db()
    assert case.referral == referral
    assert referral.outcome == Referral.Outcome.DEVELOPED
    detail = signed_in.get(url("referral_detail", referral)).content.decode()
    assert case.reference in detail


def test_open_case_from_a_developed_referral_shows_the_error_and_saves_nothing(
    signed_in, referral, team, officer, supervisor
):
    CaseFactory(team=team, referral=referral, officer_in_case=officer, supervisor=supervisor)
    Referral.objects.filter(pk=referral.pk).update(outcome="developed", outcome_at=timezone.now())
    response = signed_in.post(
        url("case_open_from_referral", referral),
        {
            "team": team.pk,
            "officer_in_case": officer.pk,
            "supervisor": supervisor.pk,
            "opened_at": local(timezone.now()),
        },
    )
    assert response.status_code == 400
    assert "already been developed into a case" in response.content.decode()
    assert Case.objects.count() == 1
