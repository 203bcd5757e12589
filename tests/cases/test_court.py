from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from cases.models import Case, CaseLogEntry, ChargingSubmission, CourtHearing
from cases.services.court import (
    CHOICE_INVALID,
    HEARING_BEFORE_CHARGE,
    HEARING_ORDERS_ONLY_AT_SENTENCE,
    HEARING_SUBJECT_OTHER_CASE,
    hearing_record,
)
from tests.factories.cases import CaseFactory, SubjectFactory
from tests.factories.custody import ArrestFactory, ChargingSubmissionFactory, london


@pytest.fixture
def case(team, officer, supervisor):
    return CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor, opened_at=london(2025, 1, 6, 9))


@pytest.fixture
def charged(case):
    """A subject arrested on 3 Feb 2025 and charged on 20 Feb 2025."""
    arrest = ArrestFactory(case=case, arrested_at=london(2025, 2, 3, 6), relevant_time=london(2025, 2, 3, 6, 30))
    return ChargingSubmissionFactory(
        case=case,
        subject=arrest.subject,
        submitted_at=london(2025, 2, 10, 12),
        decision=ChargingSubmission.Decision.CHARGE,
        decision_at=london(2025, 2, 20, 15),
    )


def hear(case, officer, subject, hearing_at, hearing_type="first_appearance", **extra):
    return hearing_record(
        case=case,
        actor=officer,
        subject=subject,
        court="North Staffordshire Justice Centre",
        hearing_at=hearing_at,
        hearing_type=hearing_type,
        **extra,
    )


def test_a_hearing_after_the_charge_is_recorded_and_moves_the_case_to_court(case, officer, charged):
    hearing = hear(case, officer, charged.subject, london(2025, 3, 3, 10), remand_status="conditional_bail")

    assert hearing.get_remand_status_display() == "Conditional bail"
    case.refresh_from_db()
    assert case.stage == Case.Stage.COURT
    assert CaseLogEntry.objects.filter(case=case, text__startswith="First appearance hearing").exists()


def test_a_hearing_may_be_listed_in_the_future(case, officer, charged):
    hearing = hear(case, officer, charged.subject, london(2099, 1, 5, 10), hearing_type="trial")
    assert hearing.hearing_type == CourtHearing.Type.TRIAL


def test_a_hearing_before_the_charge_decision_is_refused(case, officer, charged):
    with pytest.raises(ValidationError) as error:
        hear(case, officer, charged.subject, charged.decision_at - timedelta(days=1))
    assert error.value.message_dict["hearing_at"] == [HEARING_BEFORE_CHARGE]
    assert not CourtHearing.objects.exists()


def test_a_hearing_of_a_subject_not_charged_is_refused(case, officer):
    arrest = ArrestFactory(case=case, arrested_at=london(2025, 2, 3, 6), relevant_time=london(2025, 2, 3, 6, 30))
    ChargingSubmissionFactory(
        case=case,
        subject=arrest.subject,
        submitted_at=london(2025, 2, 10, 12),
        decision=ChargingSubmission.Decision.NO_FURTHER_ACTION,
        decision_at=london(2025, 2, 20, 15),
    )
    with pytest.raises(ValidationError) as error:
        hear(case, officer, arrest.subject, london(2025, 3, 3, 10))
    assert error.value.message_dict["hearing_at"] == [HEARING_BEFORE_CHARGE]
    assert not CourtHearing.objects.exists()


def test_a_hearing_of_a_subject_of_another_case_is_refused(case, officer, team):
    stranger = SubjectFactory(case=CaseFactory(team=team))
    with pytest.raises(ValidationError) as error:
        hear(case, officer, stranger, london(2025, 3, 3, 10))
    assert error.value.message_dict["subject"] == [HEARING_SUBJECT_OTHER_CASE]
    assert not CourtHearing.objects.exists()


@pytest.mark.parametrize("order", ["notification_requirements", "shpo_made"])
def test_orders_on_conviction_are_refused_except_at_sentence(case, officer, charged, order):
    with pytest.raises(ValidationError) as error:
        hear(case, officer, charged.subject, london(2025, 3, 3, 10), hearing_type="plea", **{order: True})
    assert error.value.message_dict["hearing_type"] == [HEARING_ORDERS_ONLY_AT_SENTENCE]
    assert not CourtHearing.objects.exists()


def test_a_sentence_hearing_records_notification_requirements_and_an_shpo(case, officer, charged):
    hearing = hear(
        case,
        officer,
        charged.subject,
        london(2025, 6, 2, 10),
        hearing_type="sentence",
        outcome="Community order, 36 months.",
        notification_requirements=True,
        shpo_made=True,
    )
    assert hearing.notification_requirements and hearing.shpo_made


def test_an_unknown_hearing_type_is_refused_on_its_field(case, officer, charged):
    with pytest.raises(ValidationError) as error:
        hear(case, officer, charged.subject, london(2025, 3, 3, 10), hearing_type="mention")
    assert error.value.message_dict["hearing_type"] == [CHOICE_INVALID]
    assert not CourtHearing.objects.exists()
