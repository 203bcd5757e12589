"""Referral services: recording a referral, its identifiers, communications-data requests and outcome."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cases.models import CaseLogEntry, CommsDataRequest, Referral, ReferralIdentifier
from cases.services import referrals as svc
from cases.services.common import CASE_CLOSED
from tests.factories.cases import CaseFactory, CommsDataRequestFactory, ReferralFactory
from tests.factories.people import ForceFactory


@pytest.fixture
def referral(force, officer):
    return ReferralFactory(
        force=force, created_by=officer, received_at=datetime(2026, 11, 5, 9, 0, tzinfo=UTC), risk_grade="high"
    )


def create(officer, **overrides):
    values = {
        "actor": officer,
        "force": officer.force,
        "source": Referral.Source.NCA_CEOP,
        "source_reference": "CEOP-2026-0001",
        "received_at": timezone.now() - timedelta(hours=2),
        "risk_grade": Referral.RiskGrade.VERY_HIGH,
        "platform": "Kik",
        "files_reported": 40,
    }
    return svc.referral_create(**(values | overrides))


# --- referral_create ---------------------------------------------------------------------------


def test_referral_create_records_a_pending_referral_for_the_force(officer):
    referral = create(officer)
    assert referral.outcome == Referral.Outcome.PENDING
    assert referral.force == officer.force
    assert referral.created_by == officer
    assert referral.files_reported == 40


def test_referral_create_refuses_another_forces_referral(officer):
    other = ForceFactory(code="WMP", name="West Mercia Police")
    with pytest.raises(ValidationError) as caught:
        create(officer, force=other)
    assert caught.value.messages == [svc.REFERRAL_OTHER_FORCE]
    assert not Referral.objects.exists()


def test_referral_create_refuses_a_user_without_a_force(officer):
    officer.force = None
    officer.save()
    with pytest.raises(ValidationError) as caught:
        create(officer, force=None)
    assert caught.value.messages == [svc.REFERRAL_OTHER_FORCE]
    assert not Referral.objects.exists()


def test_referral_create_refuses_a_duplicate_source_reference(officer):
    create(officer)
    with pytest.raises(ValidationError) as caught:
        create(officer)
    assert caught.value.message_dict == {"source_reference": [svc.REFERRAL_DUPLICATE]}
    assert Referral.objects.count() == 1


def test_referral_create_refuses_a_time_in_the_future(officer):
    with pytest.raises(ValidationError) as caught:
        create(officer, received_at=timezone.now() + timedelta(days=1))
    assert caught.value.message_dict == {"received_at": ["Received at cannot be in the future."]}
    assert not Referral.objects.exists()


def test_referral_create_refuses_a_blank_source_reference(officer):
    with pytest.raises(ValidationError) as caught:
        create(officer, source_reference="   ")
    assert caught.value.message_dict == {"source_reference": [svc.REFERRAL_SOURCE_REFERENCE_REQUIRED]}
    assert not Referral.objects.exists()


def test_referral_create_refuses_an_unknown_risk_grade(officer):
    with pytest.raises(ValidationError) as caught:
        create(officer, risk_grade="urgent")
    assert caught.value.message_dict == {"risk_grade": [svc.REFERRAL_RISK_GRADE_UNKNOWN]}
    assert not Referral.objects.exists()


# --- referral_add_identifier -------------------------------------------------------------------


def test_ip_identifier_stores_the_observation_in_utc_from_the_original_zone(referral, officer):
    identifier = svc.referral_add_identifier(
        referral=referral,
        actor=officer,
        kind="ip",
        ip_address="203.0.113.7",
        port=51413,
        observed_original="2026-11-02 21:14:07",
        observed_timezone="America/New_York",
    )
    identifier.refresh_from_db()
    # New York is on EST (UTC-5) on 2 Nov 2026.
    assert identifier.observed_at == datetime(2026, 11, 3, 2, 14, 7, tzinfo=UTC)
    assert identifier.observed_original == "2026-11-02 21:14:07"
    assert identifier.observed_timezone == "America/New_York"
    assert identifier.port == 51413


@pytest.mark.parametrize(
    "original",
    ["2026-11-02T21:14:07", "2026-11-02 21:14:07.250000", "2026-11-02 21:14"],
)
def test_ip_identifier_reads_iso_like_times(referral, officer, original):
    identifier = svc.referral_add_identifier(
        referral=referral,
        actor=officer,
        kind="ip",
        ip_address="2001:db8::1",
        observed_original=original,
        observed_timezone="UTC",
    )
    assert identifier.observed_at is not None
    assert identifier.observed_at.replace(second=0, microsecond=0) == datetime(2026, 11, 2, 21, 14, tzinfo=UTC)


def test_a_london_summer_time_is_converted_to_utc(referral, officer):
    identifier = svc.referral_add_identifier(
        referral=referral,
        actor=officer,
        kind="ip",
        ip_address="198.51.100.4",
        observed_original="2026-07-01 12:00:00",
        observed_timezone="Europe/London",
    )
    assert identifier.observed_at == datetime(2026, 7, 1, 11, 0, tzinfo=UTC)


def test_an_ambiguous_local_time_needs_its_offset(referral, officer):
    # 25 Oct 2026: London clocks go back at 02:00 BST, so 01:30 happens twice.
    with pytest.raises(ValidationError) as caught:
        svc.referral_add_identifier(
            referral=referral,
            actor=officer,
            kind="ip",
            ip_address="198.51.100.4",
            observed_original="2026-10-25 01:30:00",
            observed_timezone="Europe/London",
        )
    assert caught.value.message_dict == {"observed_original": [svc.IDENTIFIER_TIME_AMBIGUOUS]}
    identifier = svc.referral_add_identifier(
        referral=referral,
        actor=officer,
        kind="ip",
        ip_address="198.51.100.4",
        observed_original="2026-10-25 01:30:00+00:00",
        observed_timezone="Europe/London",
    )
    assert identifier.observed_at == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)
    assert ReferralIdentifier.objects.count() == 1


def test_a_skipped_local_time_is_refused(referral, officer):
    # 29 Mar 2026: London clocks go forward at 01:00 GMT, so 01:30 never happens.
    with pytest.raises(ValidationError) as caught:
        svc.referral_add_identifier(
            referral=referral,
            actor=officer,
            kind="ip",
            ip_address="198.51.100.4",
            observed_original="2026-03-29 01:30:00",
            observed_timezone="Europe/London",
        )
    assert caught.value.message_dict == {"observed_original": [svc.IDENTIFIER_TIME_DOES_NOT_EXIST]}
    assert not ReferralIdentifier.objects.exists()


def test_an_offset_that_disagrees_with_the_zone_is_refused(referral, officer):
    with pytest.raises(ValidationError) as caught:
        svc.referral_add_identifier(
            referral=referral,
            actor=officer,
            kind="ip",
            ip_address="198.51.100.4",
            observed_original="2026-11-02 21:14:07+02:00",
            observed_timezone="America/New_York",
        )
    assert caught.value.message_dict == {"observed_original": [svc.IDENTIFIER_OFFSET_MISMATCH]}
    assert not ReferralIdentifier.objects.exists()


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"ip_address": "300.1.2.3"}, {"ip_address": [svc.IDENTIFIER_IP_INVALID]}),
        ({"ip_address": ""}, {"ip_address": [svc.IDENTIFIER_IP_INVALID]}),
        ({"observed_original": ""}, {"observed_original": [svc.IDENTIFIER_IP_NEEDS_TIME]}),
        ({"observed_timezone": ""}, {"observed_timezone": [svc.IDENTIFIER_NEEDS_TIMEZONE]}),
        ({"observed_timezone": "Mars/Olympus_Mons"}, {"observed_timezone": [svc.IDENTIFIER_TIMEZONE_UNKNOWN]}),
        ({"observed_timezone": "../../etc/passwd"}, {"observed_timezone": [svc.IDENTIFIER_TIMEZONE_UNKNOWN]}),
        ({"observed_original": "2nd November, evening"}, {"observed_original": [svc.IDENTIFIER_TIME_UNREADABLE]}),
        ({"port": 0}, {"port": [svc.IDENTIFIER_PORT_RANGE]}),
        ({"port": 65536}, {"port": [svc.IDENTIFIER_PORT_RANGE]}),
        ({"observed_original": "2026-11-06 09:00:00"}, {"observed_original": [svc.IDENTIFIER_OBSERVED_AFTER_RECEIPT]}),
    ],
)
def test_ip_identifier_rules(referral, officer, fields, expected):
    values = {
        "ip_address": "203.0.113.7",
        "port": 443,
        "observed_original": "2026-11-02 21:14:07",
        "observed_timezone": "UTC",
    }
    with pytest.raises(ValidationError) as caught:
        svc.referral_add_identifier(referral=referral, actor=officer, kind="ip", **(values | fields))
    assert caught.value.message_dict == expected
    assert not ReferralIdentifier.objects.exists()


def test_port_limits_are_accepted(referral, officer):
    for port in (1, 65535):
        svc.referral_add_identifier(
            referral=referral,
            actor=officer,
            kind="ip",
            ip_address="203.0.113.7",
            port=port,
            observed_original="2026-11-02 21:14:07",
            observed_timezone="UTC",
        )
    assert sorted(referral.identifiers.values_list("port", flat=True)) == [1, 65535]


def test_account_identifier_needs_an_account_id(referral, officer):
    with pytest.raises(ValidationError) as caught:
        svc.referral_add_identifier(referral=referral, actor=officer, kind="account", account_id="  ")
    assert caught.value.message_dict == {"account_id": [svc.IDENTIFIER_ACCOUNT_REQUIRED]}
    assert not ReferralIdentifier.objects.exists()
    identifier = svc.referral_add_identifier(referral=referral, actor=officer, kind="account", account_id="user_4471")
    assert identifier.account_id == "user_4471"
    assert identifier.observed_at is None


def test_identifier_on_a_developed_referral_is_logged_on_its_case(force, team, officer, supervisor):
    referral = ReferralFactory(force=force, created_by=officer, outcome="developed", outcome_at=timezone.now())
    case = CaseFactory(team=team, referral=referral, officer_in_case=officer, supervisor=supervisor)
    svc.referral_add_identifier(referral=referral, actor=officer, kind="account", account_id="user_4471")
    entry = case.log_entries.get()
    assert entry.kind == CaseLogEntry.Kind.SYSTEM
    assert entry.text == "Referral identifier recorded: Account ID."
    assert entry.author == officer


def test_identifier_on_a_closed_case_referral_is_refused(force, team, officer, supervisor):
    referral = ReferralFactory(force=force, created_by=officer, outcome="developed", outcome_at=timezone.now())
    CaseFactory(team=team, referral=referral, officer_in_case=officer, supervisor=supervisor, status="closed")
    with pytest.raises(ValidationError) as caught:
        svc.referral_add_identifier(referral=referral, actor=officer, kind="account", account_id="user_4471")
    assert caught.value.messages == [CASE_CLOSED]
    assert not ReferralIdentifier.objects.exists()


# --- communications-data requests --------------------------------------------------------------


def test_comms_request_is_submitted_approved_and_resulted(referral, officer, supervisor):
    submitted = referral.received_at + timedelta(hours=3)
    request = svc.comms_request_submit(referral=referral, actor=officer, reference="CD-0001", submitted_at=submitted)
    svc.comms_request_record_approval(
        comms_request=request, actor=officer, approved_at=submitted + timedelta(hours=5), approval_route="ocda"
    )
    svc.comms_request_record_result(
        comms_request=request, actor=supervisor, result_received_at=submitted + timedelta(days=1), outcome="resolved"
    )
    request.refresh_from_db()
    assert request.approval_route == CommsDataRequest.Route.OCDA
    assert request.outcome == CommsDataRequest.Outcome.RESOLVED
    assert request.time_verified_by == supervisor


def test_comms_request_cannot_be_submitted_before_the_referral_arrived(referral, officer):
    with pytest.raises(ValidationError) as caught:
        svc.comms_request_submit(
            referral=referral, actor=officer, reference="CD-1", submitted_at=referral.received_at - timedelta(minutes=1)
        )
    assert caught.value.message_dict == {"submitted_at": [svc.COMMS_SUBMITTED_BEFORE_RECEIPT]}
    assert not CommsDataRequest.objects.exists()


def test_comms_request_approval_cannot_precede_submission(referral, officer):
    request = CommsDataRequestFactory(referral=referral)
    with pytest.raises(ValidationError) as caught:
        svc.comms_request_record_approval(
            comms_request=request,
            actor=officer,
            approved_at=request.submitted_at - timedelta(minutes=1),
            approval_route="urgent",
        )
    assert caught.value.message_dict == {"approved_at": [svc.COMMS_APPROVED_BEFORE_SUBMISSION]}
    request.refresh_from_db()
    assert request.approved_at is None
    assert request.approval_route == ""


def test_comms_request_approval_is_recorded_once(referral, officer):
    request = CommsDataRequestFactory(referral=referral)
    approved_at = request.submitted_at + timedelta(hours=1)
    svc.comms_request_record_approval(
        comms_request=request, actor=officer, approved_at=approved_at, approval_route="ocda"
    )
    with pytest.raises(ValidationError) as caught:
        svc.comms_request_record_approval(
            comms_request=request, actor=officer, approved_at=approved_at + timedelta(hours=1), approval_route="urgent"
        )
    assert caught.value.messages == [svc.COMMS_ALREADY_APPROVED]
    request.refresh_from_db()
    assert request.approval_route == "ocda"


def test_comms_request_result_cannot_precede_submission_or_approval(referral, officer):
    request = CommsDataRequestFactory(referral=referral)
    with pytest.raises(ValidationError) as caught:
        svc.comms_request_record_result(
            comms_request=request, actor=officer, result_received_at=request.submitted_at, outcome="resolved"
        )
    assert caught.value.messages == [svc.COMMS_RESULT_NEEDS_APPROVAL]
    approved_at = request.submitted_at + timedelta(hours=2)
    svc.comms_request_record_approval(
        comms_request=request, actor=officer, approved_at=approved_at, approval_route="ocda"
    )
    with pytest.raises(ValidationError) as caught:
        svc.comms_request_record_result(
            comms_request=request,
            actor=officer,
            result_received_at=request.submitted_at - timedelta(minutes=1),
            outcome="resolved",
        )
    assert caught.value.message_dict == {"result_received_at": [svc.COMMS_RESULT_BEFORE_SUBMISSION]}
    with pytest.raises(ValidationError) as caught:
        svc.comms_request_record_result(
            comms_request=request,
            actor=officer,
            result_received_at=approved_at - timedelta(minutes=1),
            outcome="not_resolved",
        )
    assert caught.value.message_dict == {"result_received_at": [svc.COMMS_RESULT_BEFORE_APPROVAL]}
    request.refresh_from_db()
    assert request.result_received_at is None
    assert request.outcome == CommsDataRequest.Outcome.PENDING
    assert request.time_verified_by is None


def test_comms_request_result_needs_a_resolved_or_not_resolved_outcome(referral, officer):
    request = CommsDataRequestFactory(
        referral=referral, approved_at=referral.received_at + timedelta(hours=4), approval_route="ocda"
    )
    assert request.approved_at is not None
    with pytest.raises(ValidationError) as caught:
        svc.comms_request_record_result(
            comms_request=request, actor=officer, result_received_at=request.approved_at, outcome="pending"
        )
    assert caught.value.message_dict == {"outcome": [svc.COMMS_OUTCOME_REQUIRED]}


# --- referral_record_outcome -------------------------------------------------------------------


def test_no_further_action_needs_a_reason(referral, officer):
    with pytest.raises(ValidationError) as caught:
        svc.referral_record_outcome(referral=referral, actor=officer, outcome="nfa", outcome_at=timezone.now())
    assert caught.value.message_dict == {"outcome_reason": [svc.OUTCOME_NFA_NEEDS_REASON]}
    referral.refresh_from_db()
    assert referral.outcome == Referral.Outcome.PENDING
    svc.referral_record_outcome(
        referral=referral,
        actor=officer,
        outcome="nfa",
        outcome_at=timezone.now(),
        outcome_reason="Subscriber not resolved; no further lines of enquiry.",
    )
    referral.refresh_from_db()
    assert referral.outcome == Referral.Outcome.NO_FURTHER_ACTION
    assert referral.outcome_at is not None


def test_dissemination_needs_a_recipient(referral, officer):
    with pytest.raises(ValidationError) as caught:
        svc.referral_record_outcome(
            referral=referral, actor=officer, outcome="disseminated", outcome_at=timezone.now(), disseminated_to=" "
        )
    assert caught.value.message_dict == {"disseminated_to": [svc.OUTCOME_DISSEMINATED_NEEDS_RECIPIENT]}
    referral.refresh_from_db()
    assert referral.outcome == Referral.Outcome.PENDING
    svc.referral_record_outcome(
        referral=referral,
        actor=officer,
        outcome="disseminated",
        outcome_at=timezone.now(),
        disseminated_to="West Mercia Police",
    )
    referral.refresh_from_db()
    assert referral.disseminated_to == "West Mercia Police"


def test_developed_is_not_an_outcome_recorded_here(referral, officer):
    with pytest.raises(ValidationError) as caught:
        svc.referral_record_outcome(referral=referral, actor=officer, outcome="developed", outcome_at=timezone.now())
    assert caught.value.message_dict == {"outcome": [svc.OUTCOME_DEVELOPED_NEEDS_CASE]}


def test_an_outcome_cannot_precede_receipt_or_be_recorded_twice(referral, officer):
    with pytest.raises(ValidationError) as caught:
        svc.referral_record_outcome(
            referral=referral,
            actor=officer,
            outcome="nfa",
            outcome_at=referral.received_at - timedelta(hours=1),
            outcome_reason="Duplicate of an earlier package.",
        )
    assert caught.value.message_dict == {"outcome_at": [svc.OUTCOME_BEFORE_RECEIPT]}
    svc.referral_record_outcome(
        referral=referral, actor=officer, outcome="nfa", outcome_at=timezone.now(), outcome_reason="Duplicate."
    )
    with pytest.raises(ValidationError) as caught:
        svc.referral_record_outcome(
            referral=referral, actor=officer, outcome="disseminated", outcome_at=timezone.now(), disseminated_to="NCA"
        )
    assert caught.value.messages == [svc.OUTCOME_ALREADY_RECORDED]
    referral.refresh_from_db()
    assert referral.outcome == Referral.Outcome.NO_FURTHER_ACTION
