"""Readers of records withdrawn as entered in error: the case file export leaves them out (an imported
file must not bring a mistake back as a current record), and the case page and the referral's page
show a withdrawn identifier or communications-data request struck through, with nothing new to
record against it."""

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from casefiles.io.exporter import case_to_line, cases_for_export
from cases.corrections import RECORD_TYPES
from cases.models import Case, Referral
from cases.services.case import case_open, subject_add
from cases.services.corrections import record_withdraw
from cases.services.referrals import comms_request_submit, referral_add_identifier, referral_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(team, officer, supervisor):
    referral = referral_create(
        actor=officer,
        force=officer.force,
        source=Referral.Source.NCA_CEOP,
        source_reference="CEOP-2026-0100",
        received_at=timezone.now() - timedelta(days=5),
        risk_grade=Referral.RiskGrade.HIGH,
    )
    return case_open(
        actor=officer,
        team=team,
        officer_in_case=officer,
        supervisor=supervisor,
        opened_at=timezone.now() - timedelta(days=4),
        referral=referral,
    )


def _withdraw(case: Case, key: str, record, actor) -> None:
    kind = RECORD_TYPES[key]
    assert kind.dependants is not None
    record_withdraw(
        case=case,
        record_type=key,
        record=record,
        actor=actor,
        reason="Entered on the wrong case.",
        version=record.version,
        describe=kind.describe(record),
        dependants=kind.dependants,
    )


def _exported(case: Case) -> dict:
    (loaded,) = cases_for_export(references=[case.reference])
    return json.loads(case_to_line(loaded))


def test_the_case_file_leaves_out_records_withdrawn_as_entered_in_error(case, officer):
    referral = case.referral
    assert referral is not None
    kept = subject_add(case=case, actor=officer, full_name="Ann Example")
    mistaken = subject_add(case=case, actor=officer, full_name="Bob Mistaken")
    wrong_address = referral_add_identifier(referral=referral, actor=officer, kind="email", account_id="x@example.com")
    referral_add_identifier(referral=referral, actor=officer, kind="email", account_id="y@example.com")
    never_sent = comms_request_submit(
        referral=referral, actor=officer, reference="CDR-0", submitted_at=referral.received_at + timedelta(hours=1)
    )

    _withdraw(case, "subject", mistaken, officer)
    _withdraw(case, "referral_identifier", wrong_address, officer)
    _withdraw(case, "comms_request", never_sent, officer)

    exported = _exported(case)
    assert [s["full_name"] for s in exported["subjects"]] == [kept.full_name]
    assert [s["key"] for s in exported["subjects"]] == ["S1"]
    assert [i["account_id"] for i in exported["referral"]["identifiers"]] == ["y@example.com"]
    assert exported["referral"]["comms_requests"] == []


def test_the_case_page_and_the_referrals_page_strike_through_a_withdrawn_request(case, officer, client):
    referral = case.referral
    assert referral is not None
    request = comms_request_submit(
        referral=referral,
        actor=officer,
        reference="CDR-WRONG-1",
        submitted_at=referral.received_at + timedelta(hours=1),
    )
    _withdraw(case, "comms_request", request, officer)
    client.force_login(officer)

    case_page = client.get(case.get_absolute_url()).content.decode()
    referral_page = client.get(reverse("cases:referral_detail", kwargs={"pk": referral.pk})).content.decode()

    assert "<del>CDR-WRONG-1</del>" in case_page and "<del>CDR-WRONG-1</del>" in referral_page
    approval = reverse("cases:comms_request_approval", kwargs={"pk": referral.pk, "request_pk": request.pk})
    assert approval not in referral_page
    history = reverse(
        "cases:record_history", kwargs={"reference": case.reference, "record_type": "comms_request", "pk": request.pk}
    )
    assert history in case_page and history in referral_page
    correct_referral = reverse(
        "cases:record_correct", kwargs={"reference": case.reference, "record_type": "referral", "pk": referral.pk}
    )
    assert correct_referral in case_page and correct_referral in referral_page
