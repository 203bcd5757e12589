from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from cases import rules
from cases.models import Case, CaseLogEntry, Charge, ChargingSubmission
from cases.services.charging import (
    CHARGE_CATEGORY_INVALID,
    CHARGE_COUNTS_AT_LEAST_ONE,
    CHARGE_OFFENCE_NOT_IN_CATALOGUE,
    CHARGING_ALREADY_PENDING,
    CHARGING_CHARGE_NEEDS_CHARGES,
    CHARGING_CHARGES_ONLY_ON_CHARGE,
    CHARGING_DECISION_ALREADY,
    CHARGING_DECISION_BEFORE_ARREST,
    CHARGING_DECISION_BEFORE_SUBMISSION,
    CHARGING_NEEDS_ARREST,
    CHARGING_SUBJECT_OTHER_CASE,
    CHARGING_SUBMITTED_BEFORE_ARREST,
    charging_record_decision,
    charging_submit,
)
from cases.templatetags.safeguard import charging_target
from tests.factories.cases import CaseFactory, SubjectFactory
from tests.factories.custody import ArrestFactory, ChargingSubmissionFactory, london, offence

Decision = ChargingSubmission.Decision


@pytest.fixture
def case(team, officer, supervisor):
    return CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor, opened_at=london(2025, 1, 6, 9))


@pytest.fixture
def arrest(case):
    return ArrestFactory(case=case, arrested_at=london(2025, 2, 3, 6), relevant_time=london(2025, 2, 3, 6, 30))


def submit(case, officer, subject, submitted_at, **extra):
    return charging_submit(
        case=case, actor=officer, subject=subject, submitted_at=submitted_at, test="full_code", **extra
    )


@pytest.fixture
def submission(case, officer, arrest):
    return submit(case, officer, arrest.subject, london(2025, 2, 10, 12), cps_reference="CPS-51AA1234525")


def decide(submission, officer, decision, decision_at, charges=()):
    return charging_record_decision(
        submission=submission, actor=officer, decision=decision, decision_at=decision_at, charges=charges
    )


def charge(code="POCA1978-1-1-a", counts=3, category="A"):
    return {"offence": offence(code), "counts": counts, "category": category}


# --- Submission ---------------------------------------------------------------------------------


def test_it_records_a_submission_for_an_arrested_subject(submission, case):
    assert submission.decision == Decision.PENDING
    assert submission.cps_reference == "CPS-51AA1234525"
    assert CaseLogEntry.objects.filter(case=case, text__contains="submission to the CPS").exists()


def test_a_submission_needs_an_arrest_of_the_subject_on_this_case(case, officer):
    subject = SubjectFactory(case=case)
    with pytest.raises(ValidationError) as error:
        submit(case, officer, subject, london(2025, 2, 10, 12))
    assert error.value.message_dict["subject"] == [CHARGING_NEEDS_ARREST]
    assert not ChargingSubmission.objects.exists()


def test_a_submission_cannot_precede_the_arrest(case, officer, arrest):
    with pytest.raises(ValidationError) as error:
        submit(case, officer, arrest.subject, arrest.arrested_at - timedelta(minutes=1))
    assert error.value.message_dict["submitted_at"] == [CHARGING_SUBMITTED_BEFORE_ARREST]
    assert not ChargingSubmission.objects.exists()


def test_a_submission_for_a_subject_of_another_case_is_refused(case, officer, team):
    stranger = ArrestFactory(case=CaseFactory(team=team)).subject
    with pytest.raises(ValidationError) as error:
        submit(case, officer, stranger, london(2025, 2, 10, 12))
    assert error.value.message_dict["subject"] == [CHARGING_SUBJECT_OTHER_CASE]
    assert not ChargingSubmission.objects.exists()


def test_a_second_pending_submission_for_the_subject_is_refused(case, officer, submission):
    with pytest.raises(ValidationError) as error:
        submit(case, officer, submission.subject, london(2025, 2, 11, 12))
    assert error.value.message_dict["subject"] == [CHARGING_ALREADY_PENDING]
    assert ChargingSubmission.objects.count() == 1


# --- Decision -----------------------------------------------------------------------------------


def test_a_decision_to_charge_records_its_charges_and_moves_the_case_to_charging(submission, officer, case):
    decide(
        submission,
        officer,
        Decision.CHARGE,
        london(2025, 2, 20, 15),
        charges=[charge(), charge("CJA1988-160", counts=2, category="")],
    )

    submission.refresh_from_db()
    assert submission.decision == Decision.CHARGE
    assert submission.decision_at == london(2025, 2, 20, 15)
    assert [(c.offence.code, c.counts, c.category) for c in submission.charges.all()] == [
        ("POCA1978-1-1-a", 3, "A"),
        ("CJA1988-160", 2, ""),
    ]
    case.refresh_from_db()
    assert case.stage == Case.Stage.CHARGING
    assert CaseLogEntry.objects.filter(case=case, text__startswith="CPS decision").exists()


def test_a_charging_decision_cannot_precede_the_arrest(case, officer, arrest):
    # An imported submission dated before the arrest: the decision still cannot precede the arrest.
    early = ChargingSubmissionFactory(case=case, subject=arrest.subject, submitted_at=london(2025, 2, 1, 9))
    with pytest.raises(ValidationError) as error:
        decide(early, officer, Decision.NO_FURTHER_ACTION, arrest.arrested_at - timedelta(hours=1))
    assert error.value.message_dict["decision_at"] == [CHARGING_DECISION_BEFORE_ARREST]
    early.refresh_from_db()
    assert early.decision == Decision.PENDING


def test_a_charging_decision_cannot_precede_the_submission(submission, officer):
    with pytest.raises(ValidationError) as error:
        decide(submission, officer, Decision.NO_FURTHER_ACTION, submission.submitted_at - timedelta(hours=1))
    assert error.value.message_dict["decision_at"] == [CHARGING_DECISION_BEFORE_SUBMISSION]
    submission.refresh_from_db()
    assert submission.decision == Decision.PENDING


def test_a_decision_to_charge_needs_a_charge(submission, officer):
    with pytest.raises(ValidationError) as error:
        decide(submission, officer, Decision.CHARGE, london(2025, 2, 20, 15))
    assert error.value.message_dict["charges"] == [CHARGING_CHARGE_NEEDS_CHARGES]
    submission.refresh_from_db()
    assert submission.decision == Decision.PENDING


@pytest.mark.parametrize("decision", [Decision.NO_FURTHER_ACTION, Decision.CAUTION, Decision.FURTHER_EVIDENCE])
def test_other_decisions_take_no_charges(submission, officer, decision):
    with pytest.raises(ValidationError) as error:
        decide(submission, officer, decision, london(2025, 2, 20, 15), charges=[charge()])
    assert error.value.message_dict["charges"] == [CHARGING_CHARGES_ONLY_ON_CHARGE]
    assert not Charge.objects.exists()


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"counts": 0}, CHARGE_COUNTS_AT_LEAST_ONE),
        ({"category": "D"}, CHARGE_CATEGORY_INVALID),
        ({"code": "CJA2009-62", "retire": True}, CHARGE_OFFENCE_NOT_IN_CATALOGUE),
    ],
)
def test_each_charge_is_checked(submission, officer, row, message):
    values = charge(code=row.get("code", "POCA1978-1-1-a"))
    if row.get("retire"):
        values["offence"].active = False
        values["offence"].save()
    values.update({key: value for key, value in row.items() if key in ("counts", "category")})
    with pytest.raises(ValidationError) as error:
        decide(submission, officer, Decision.CHARGE, london(2025, 2, 20, 15), charges=[values])
    assert error.value.message_dict["charges"] == [message]
    assert not Charge.objects.exists()
    submission.refresh_from_db()
    assert submission.decision == Decision.PENDING


def test_a_second_decision_on_a_submission_is_refused(submission, officer):
    decide(submission, officer, Decision.FURTHER_EVIDENCE, london(2025, 2, 20, 15))
    with pytest.raises(ValidationError) as error:
        decide(submission, officer, Decision.CHARGE, london(2025, 2, 21, 15), charges=[charge()])
    assert error.value.messages == [CHARGING_DECISION_ALREADY]
    assert not Charge.objects.exists()


def test_a_new_submission_may_follow_a_request_for_further_evidence(submission, officer, case):
    decide(submission, officer, Decision.FURTHER_EVIDENCE, london(2025, 2, 20, 15))
    again = submit(case, officer, submission.subject, london(2025, 3, 20, 15))
    assert again.decision == Decision.PENDING


def test_the_charging_target_is_28_days_after_the_arrest_and_shown_by_a_filter(arrest):
    expected = arrest.arrested_at + timedelta(days=28)
    assert rules.charging_target_at(arrest.arrested_at) == expected
    assert charging_target(arrest.arrested_at) == expected
    assert rules.CHARGING_TARGET.local_target is True
