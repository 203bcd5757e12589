"""Correcting the referral a case was opened from, its identifiers and communications-data requests,
and the closure of a closed case: the same mechanism as every other record (cases.corrections), with
the first entry's rules, the order of events, the reason kept in the history and the case log, and a
second save from an older page shown as a conflict."""

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from cases import formats, rules
from cases.models import (
    Case,
    CaseLogEntry,
    Closure,
    CommsDataRequest,
    RecordVersion,
    Referral,
    Release,
    RetentionReview,
)
from cases.services.case import case_open
from cases.services.closure import (
    CLOSURE_CORRECT_NEEDS_SUPERVISOR,
    CLOSURE_CORRECT_NEW_OUTSTANDING,
    CLOSURE_CORRECT_NOT_CLOSED,
    case_close,
    case_reopen,
    closure_correct,
)
from cases.services.corrections import RECORD_WITHDRAWN, record_withdraw
from cases.services.referrals import (
    COMMS_APPROVED_BEFORE_SUBMISSION,
    COMMS_RESULT_NOT_ADDED,
    IDENTIFIER_OBSERVED_AFTER_RECEIPT,
    REFERRAL_DUPLICATE,
    comms_request_correct,
    comms_request_dependants,
    comms_request_record_approval,
    comms_request_record_result,
    comms_request_submit,
    referral_add_identifier,
    referral_correct,
    referral_create,
    referral_identifier_correct,
    referral_identifier_dependants,
)
from cases.services.versions import VersionConflict
from tests.factories.custody import ArrestFactory, ReleaseFactory

pytestmark = pytest.mark.django_db

RECEIVED = (timezone.now() - timedelta(days=10)).replace(microsecond=0)


def _referral_values(referral: Referral, **changes):
    values = {
        "source": referral.source,
        "source_reference": referral.source_reference,
        "received_at": referral.received_at,
        "risk_grade": referral.risk_grade,
        "platform": referral.platform,
        "files_reported": referral.files_reported,
        "summary": referral.summary,
    }
    return {**values, **changes}


@pytest.fixture
def referral(officer):
    return referral_create(
        actor=officer,
        force=officer.force,
        source=Referral.Source.NCA_CEOP,
        source_reference="CEOP-2026-0001",
        received_at=RECEIVED,
        risk_grade=Referral.RiskGrade.HIGH,
        platform="BitTorrent",
    )


@pytest.fixture
def case(referral, team, officer, supervisor):
    return case_open(
        actor=officer,
        team=team,
        officer_in_case=officer,
        supervisor=supervisor,
        opened_at=RECEIVED + timedelta(days=2),
        referral=referral,
    )


def _versions(key, record):
    return list(RecordVersion.objects.filter(record_type=key, record_id=record.pk).order_by("number"))


# --- The referral ---------------------------------------------------------------------------------


def test_a_referral_is_corrected_with_its_history_and_a_log_line(case, referral, officer):
    version = referral_correct(
        referral=referral,
        actor=officer,
        reason="Risk grade misread from the package.",
        version=referral.version,
        **_referral_values(referral, risk_grade=Referral.RiskGrade.VERY_HIGH, files_reported=40),
    )

    referral.refresh_from_db()
    assert (referral.risk_grade, referral.files_reported, referral.version) == ("very_high", 40, 2)
    assert version.reason == "Risk grade misread from the package."
    assert {(c["label"], c["before"], c["after"]) for c in version.changes} == {
        ("Risk grade", "High", "Very high"),
        ("Files reported", "Not recorded", "40"),
    }
    assert version.log_entry is not None and version.log_entry.case == case
    assert "corrected" in version.log_entry.text and "Risk grade misread" in version.log_entry.text
    assert _versions("referral", referral) == [version]


def test_a_referral_cannot_be_received_after_a_request_made_on_it(case, referral, officer):
    request = comms_request_submit(
        referral=referral, actor=officer, reference="CDR-1", submitted_at=RECEIVED + timedelta(hours=3)
    )

    with pytest.raises(ValidationError) as refused:
        referral_correct(
            referral=referral,
            actor=officer,
            reason="Time mistyped.",
            version=referral.version,
            **_referral_values(referral, received_at=RECEIVED + timedelta(hours=5)),
        )

    message = refused.value.message_dict["received_at"][0]
    assert f"communications-data request {request.reference}" in message
    assert formats.when(request.submitted_at) in message
    referral.refresh_from_db()
    assert referral.received_at == RECEIVED


def test_a_referral_cannot_take_another_referrals_source_reference(case, referral, officer):
    referral_create(
        actor=officer,
        force=officer.force,
        source=Referral.Source.NCA_CEOP,
        source_reference="CEOP-2026-0002",
        received_at=RECEIVED,
        risk_grade=Referral.RiskGrade.LOW,
    )

    with pytest.raises(ValidationError) as refused:
        referral_correct(
            referral=referral,
            actor=officer,
            reason="Reference mistyped.",
            version=referral.version,
            **_referral_values(referral, source_reference="CEOP-2026-0002"),
        )

    assert refused.value.message_dict["source_reference"] == [REFERRAL_DUPLICATE]


def test_a_second_save_of_a_referral_from_an_older_page_is_a_conflict(case, referral, officer, supervisor):
    shown = referral.version
    referral_correct(
        referral=referral,
        actor=officer,
        reason="Platform.",
        version=shown,
        **_referral_values(referral, platform="eMule"),
    )

    with pytest.raises(VersionConflict) as conflict:
        referral_correct(
            referral=Referral.objects.get(pk=referral.pk),
            actor=supervisor,
            reason="Mine.",
            version=shown,
            **_referral_values(referral, platform="Gnutella"),
        )

    current = conflict.value.current
    assert isinstance(current, Referral) and current.platform == "eMule"
    assert Referral.objects.get(pk=referral.pk).platform == "eMule"


# --- Its identifiers ------------------------------------------------------------------------------


def _ip(referral, officer):
    return referral_add_identifier(
        referral=referral,
        actor=officer,
        kind="ip",
        ip_address="203.0.113.7",
        port=51413,
        observed_original=(RECEIVED - timedelta(days=1)).strftime("%Y-%m-%d %H:%M:%S"),
        observed_timezone="UTC",
    )


def test_an_ip_address_its_port_and_time_are_corrected(case, referral, officer):
    identifier = _ip(referral, officer)
    observed = RECEIVED - timedelta(days=2)

    version = referral_identifier_correct(
        identifier=identifier,
        actor=officer,
        reason="Port and time copied from the wrong line.",
        version=identifier.version,
        kind="ip",
        ip_address="203.0.113.8",
        port=6881,
        observed_original=observed.astimezone(rules.LONDON).strftime("%Y-%m-%d %H:%M:%S"),
        observed_timezone="Europe/London",
    )

    identifier.refresh_from_db()
    assert (str(identifier.ip_address), identifier.port, identifier.observed_at) == ("203.0.113.8", 6881, observed)
    labels = {change["field"] for change in version.changes}
    assert {"ip_address", "port", "observed_at", "observed_original", "observed_timezone"} <= labels


def test_an_identifier_cannot_be_observed_after_the_referral_was_received(case, referral, officer):
    identifier = _ip(referral, officer)

    with pytest.raises(ValidationError) as refused:
        referral_identifier_correct(
            identifier=identifier,
            actor=officer,
            reason="Time.",
            version=identifier.version,
            kind="ip",
            ip_address="203.0.113.7",
            port=51413,
            observed_original=(RECEIVED + timedelta(hours=1)).strftime("%Y-%m-%d %H:%M:%S"),
            observed_timezone="UTC",
        )

    assert refused.value.message_dict["observed_original"] == [IDENTIFIER_OBSERVED_AFTER_RECEIPT]


def test_a_phone_number_is_corrected_to_its_normal_form(case, referral, officer):
    identifier = referral_add_identifier(referral=referral, actor=officer, kind="phone", account_id="07700 900123")

    referral_identifier_correct(
        identifier=identifier,
        actor=officer,
        reason="Digit transposed.",
        version=identifier.version,
        kind="phone",
        account_id="07700 900132",
    )

    identifier.refresh_from_db()
    assert identifier.account_id == "+447700900132"


def test_a_second_save_of_an_identifier_is_a_conflict_and_a_withdrawn_one_takes_no_correction(
    case, referral, officer, supervisor
):
    identifier = referral_add_identifier(referral=referral, actor=officer, kind="email", account_id="a@example.com")
    values: dict[str, Any] = {"kind": "email", "account_id": "b@example.com"}
    referral_identifier_correct(identifier=identifier, actor=officer, reason="Typo.", version=1, **values)
    with pytest.raises(VersionConflict):
        referral_identifier_correct(identifier=identifier, actor=supervisor, reason="Mine.", version=1, **values)

    record_withdraw(
        case=case,
        record_type="referral_identifier",
        record=identifier,
        actor=officer,
        reason="Another package's address.",
        version=2,
        describe="E-mail address",
        dependants=referral_identifier_dependants,
    )

    identifier.refresh_from_db()
    assert identifier.withdrawn_at is not None
    with pytest.raises(ValidationError) as refused:
        referral_identifier_correct(
            identifier=identifier, actor=officer, reason="Again.", version=3, kind="email", account_id="c@example.com"
        )
    assert refused.value.messages == [RECORD_WITHDRAWN]


# --- Communications-data requests -----------------------------------------------------------------


@pytest.fixture
def answered(case, referral, officer):
    """A request submitted, approved and answered."""
    request = comms_request_submit(
        referral=referral, actor=officer, reference="CDR-7", submitted_at=RECEIVED + timedelta(hours=2)
    )
    comms_request_record_approval(
        comms_request=request,
        actor=officer,
        approved_at=RECEIVED + timedelta(hours=6),
        approval_route=CommsDataRequest.Route.OCDA,
    )
    comms_request_record_result(
        comms_request=request,
        actor=officer,
        result_received_at=RECEIVED + timedelta(days=1),
        outcome=CommsDataRequest.Outcome.RESOLVED,
    )
    request.refresh_from_db()
    return request


def _request_values(request, **changes):
    values = {
        "reference": request.reference,
        "submitted_at": request.submitted_at,
        "notes": request.notes,
        "approved_at": request.approved_at,
        "approval_route": request.approval_route,
        "result_received_at": request.result_received_at,
        "outcome": request.outcome,
    }
    return {**values, **changes}


def test_a_request_its_approval_and_result_are_corrected(answered, officer):
    version = comms_request_correct(
        comms_request=answered,
        actor=officer,
        reason="Approved under the urgent route, not by OCDA.",
        version=answered.version,
        **_request_values(
            answered, approval_route=CommsDataRequest.Route.URGENT, outcome=CommsDataRequest.Outcome.NOT_RESOLVED
        ),
    )

    answered.refresh_from_db()
    assert (answered.approval_route, answered.outcome) == ("urgent", "not_resolved")
    assert {c["field"] for c in version.changes} == {"approval_route", "outcome"}


def test_a_request_cannot_be_approved_before_it_was_submitted(answered, officer):
    with pytest.raises(ValidationError) as refused:
        comms_request_correct(
            comms_request=answered,
            actor=officer,
            reason="Time.",
            version=answered.version,
            **_request_values(answered, submitted_at=RECEIVED + timedelta(hours=8)),
        )

    assert refused.value.message_dict["approved_at"] == [COMMS_APPROVED_BEFORE_SUBMISSION]


def test_a_correction_does_not_add_or_remove_a_result(answered, officer):
    with pytest.raises(ValidationError) as refused:
        comms_request_correct(
            comms_request=answered,
            actor=officer,
            reason="No result.",
            version=answered.version,
            **_request_values(answered, result_received_at=None),
        )

    assert refused.value.message_dict["result_received_at"] == [COMMS_RESULT_NOT_ADDED]


def test_a_withdrawn_request_takes_no_approval_and_a_second_save_is_a_conflict(case, referral, officer, supervisor):
    request = comms_request_submit(
        referral=referral, actor=officer, reference="CDR-8", submitted_at=RECEIVED + timedelta(hours=2)
    )
    comms_request_correct(
        comms_request=request,
        actor=officer,
        reason="Reference.",
        version=1,
        **_request_values(request, reference="CDR-9"),
    )
    with pytest.raises(VersionConflict):
        comms_request_correct(
            comms_request=request, actor=supervisor, reason="Mine.", version=1, **_request_values(request, notes="x")
        )
    record_withdraw(
        case=case,
        record_type="comms_request",
        record=request,
        actor=officer,
        reason="Never sent.",
        version=2,
        describe="CDR-9",
        dependants=comms_request_dependants,
    )

    with pytest.raises(ValidationError) as refused:
        comms_request_record_approval(
            comms_request=request,
            actor=officer,
            approved_at=RECEIVED + timedelta(hours=6),
            approval_route=CommsDataRequest.Route.OCDA,
        )
    assert refused.value.messages == [RECORD_WITHDRAWN]


# --- The closure ----------------------------------------------------------------------------------


@pytest.fixture
def closed(case, officer, supervisor):
    """The case closed a day ago with outcome 18, after an arrest four days after it opened."""
    ArrestFactory(case=case, arrested_at=case.opened_at + timedelta(days=4))
    case_close(
        case=case,
        actor=supervisor,
        outcome_type=Closure.OutcomeType.EVIDENTIAL_SUSPECT_IDENTIFIED,
        closed_at=timezone.now() - timedelta(days=1),
        rationale="Evidential difficulties.",
        retention_group="1",
    )
    case.refresh_from_db()
    return case.closure


def _closure_values(closure, **changes):
    values = {"outcome_type": closure.outcome_type, "closed_at": closure.closed_at, "rationale": closure.rationale}
    return {**values, **changes}


def test_a_supervisor_corrects_the_closure_of_a_closed_case_and_the_retention_review_follows(closed, supervisor):
    case = closed.case
    closed_at = (timezone.now() - timedelta(days=2)).replace(microsecond=0)

    version = closure_correct(
        closure=closed,
        actor=supervisor,
        reason="Closing date taken from the wrong entry.",
        version=closed.version,
        **_closure_values(closed, closed_at=closed_at, rationale="Evidential difficulties: no disclosure."),
    )

    case.refresh_from_db()
    closed.refresh_from_db()
    assert case.status == Case.Status.CLOSED
    assert closed.closed_at == closed_at and closed.rationale.endswith("no disclosure.")
    review = RetentionReview.objects.get(case=case, decision=RetentionReview.Decision.SET)
    assert review.reviewed_at == closed_at
    assert review.next_review_at == rules.retention_next_review_at(reviewed_at=closed_at, retention_group="1")
    assert version.log_entry is not None and "Closure of the case corrected" in version.log_entry.text
    assert CaseLogEntry.objects.filter(case=case, pk=version.log_entry.pk).exists()


def test_only_a_supervisor_corrects_a_closure(closed, officer):
    with pytest.raises(ValidationError) as refused:
        closure_correct(
            closure=closed,
            actor=officer,
            reason="Mine.",
            version=closed.version,
            **_closure_values(closed, rationale="x"),
        )

    assert refused.value.messages == [CLOSURE_CORRECT_NEEDS_SUPERVISOR]


def test_a_closure_cannot_be_moved_before_an_event_of_the_case(closed, supervisor):
    arrested = closed.case.arrests.get().arrested_at

    with pytest.raises(ValidationError) as refused:
        closure_correct(
            closure=closed,
            actor=supervisor,
            reason="Date.",
            version=closed.version,
            **_closure_values(closed, closed_at=arrested - timedelta(hours=1)),
        )

    assert "an arrest" in refused.value.message_dict["closed_at"][0]


def test_a_closure_cannot_be_moved_to_a_time_that_leaves_bail_outstanding(case, supervisor):
    """Bail that had ended by the closing time was not outstanding, so nobody confirmed it: a closing
    time moved back into the bail is refused, naming it."""
    arrest = ArrestFactory(case=case, arrested_at=timezone.now() - timedelta(days=4))
    ReleaseFactory(
        arrest=arrest,
        kind=Release.Kind.BAIL,
        bail_regime=Release.BailRegime.PCSCA_2022,
        released_at=arrest.arrested_at + timedelta(hours=8),
        bail_ends_at=timezone.now() - timedelta(days=2),
    )
    closure = case_close(
        case=case,
        actor=supervisor,
        outcome_type=Closure.OutcomeType.EVIDENTIAL_SUSPECT_IDENTIFIED,
        closed_at=timezone.now() - timedelta(days=1),
        rationale="Evidential difficulties.",
        retention_group="1",
    )
    case.refresh_from_db()

    with pytest.raises(ValidationError) as refused:
        closure_correct(
            closure=closure,
            actor=supervisor,
            reason="Date.",
            version=closure.version,
            **_closure_values(closure, closed_at=timezone.now() - timedelta(days=3)),
        )

    message = refused.value.message_dict["closed_at"][0]
    assert message.startswith(CLOSURE_CORRECT_NEW_OUTSTANDING.split("{item}")[0].strip())
    assert "pre-charge bail" in message


def test_a_reopened_cases_closure_is_not_corrected_and_an_older_page_is_a_conflict(closed, supervisor):
    shown = closed.version
    closure_correct(
        closure=closed, actor=supervisor, reason="Why.", version=shown, **_closure_values(closed, rationale="A")
    )
    with pytest.raises(VersionConflict):
        closure_correct(
            closure=closed, actor=supervisor, reason="Why.", version=shown, **_closure_values(closed, rationale="B")
        )

    case_reopen(case=closed.case, actor=supervisor, reason="New intelligence.")
    closed.refresh_from_db()
    with pytest.raises(ValidationError) as refused:
        closure_correct(
            closure=closed,
            actor=supervisor,
            reason="Why.",
            version=closed.version,
            **_closure_values(closed, rationale="C"),
        )
    assert refused.value.messages == [CLOSURE_CORRECT_NOT_CLOSED]


def test_the_closure_correction_page_saves_while_the_case_is_closed(closed, client, supervisor):
    client.force_login(supervisor)
    url = reverse(
        "cases:record_correct",
        kwargs={"reference": closed.case.reference, "record_type": "closure", "pk": closed.pk},
    )
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "outcome_type": closed.outcome_type,
            "closed_at": formats.when(closed.closed_at),
            "rationale": "Corrected rationale.",
            "reason": "Rationale typed on the wrong case.",
            "version": closed.version,
        },
    )

    assert response.status_code == 302
    closed.refresh_from_db()
    assert closed.rationale == "Corrected rationale."
