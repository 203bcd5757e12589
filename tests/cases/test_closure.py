from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cases import rules
from cases.models import Case, CaseLogEntry, Closure, RetentionReview
from cases.services.closure import (
    CLOSURE_BEFORE_CASE_OPENED,
    CLOSURE_BEFORE_EVENT,
    CLOSURE_CAUTION_NEEDS_DECISION,
    CLOSURE_CHARGED_NEEDS_DECISION,
    CLOSURE_CHARGING_PENDING,
    CLOSURE_OUTCOME_INVALID,
    CLOSURE_WARRANTS_NOT_RETURNED,
    RETENTION_BEFORE_CLOSURE,
    RETENTION_CASE_NOT_CLOSED,
    RETENTION_DECISION_INVALID,
    case_close,
    retention_review_record,
)
from cases.services.common import CASE_CLOSED
from tests.factories.cases import CaseFactory, PremisesFactory
from tests.factories.custody import ArrestFactory, ChargingSubmissionFactory, london
from warrants.models import Warrant


@pytest.fixture
def case(team, officer, supervisor):
    return CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor, opened_at=london(2025, 1, 6, 9))


def close(case, actor, **overrides):
    values = {
        "case": case,
        "actor": actor,
        "outcome_type": "15",
        "closed_at": london(2025, 6, 2, 16),
        "rationale": "Evidential difficulties: the suspect is identified.",
        "retention_group": "1",
    }
    values.update(overrides)
    return case_close(**values)


def issued_warrant(case, officer, status=Warrant.Status.ISSUED):
    """An issued warrant built directly (warrant services belong to another slice)."""
    issued_at = london(2025, 1, 10, 11)
    return Warrant.objects.create(
        case=case,
        premises=PremisesFactory(case=case, address="14 Mill Lane\nStone"),
        power=Warrant.Power.PACE_S8,
        court="North Staffordshire Justice Centre",
        applicant=officer,
        status=status,
        applied_at=issued_at - timedelta(hours=3),
        issuing_justice="DJ Lowe",
        issued_at=issued_at,
        expires_at=rules.warrant_expires_at(issued_at),
        executed_at=issued_at + timedelta(days=2) if status == Warrant.Status.EXECUTED else None,
    )


def assert_not_closed(case):
    case.refresh_from_db()
    assert case.status == Case.Status.OPEN
    assert not Closure.objects.exists()
    assert not RetentionReview.objects.exists()
    assert not CaseLogEntry.objects.filter(text__startswith="Case closed").exists()


def test_closing_sets_status_stage_and_the_first_retention_review(case, supervisor):
    closure = close(case, supervisor)

    case.refresh_from_db()
    assert (case.status, case.stage) == (Case.Status.CLOSED, Case.Stage.CLOSED)
    assert closure.closed_by == supervisor
    review = RetentionReview.objects.get(case=case)
    assert (review.decision, review.retention_group, review.reviewed_at) == ("set", "1", london(2025, 6, 2, 16))
    assert review.next_review_at == london(2035, 6, 2, 16)  # group 1: every 10 years
    assert CaseLogEntry.objects.filter(
        case=case, text="Case closed: outcome 15: Evidential difficulties: suspect identified."
    ).exists()


def test_closing_is_refused_while_an_issued_warrant_is_neither_executed_nor_returned(case, officer, supervisor):
    warrant = issued_warrant(case, officer)
    with pytest.raises(ValidationError) as error:
        close(case, supervisor)
    expected = CLOSURE_WARRANTS_NOT_RETURNED.format(
        warrants=f"warrant {warrant.pk} for 14 Mill Lane, ST16 2AA (issued)"
    )
    assert error.value.messages == [expected]
    assert_not_closed(case)


def test_closing_is_refused_while_an_executed_warrant_is_not_returned(case, officer, supervisor):
    warrant = issued_warrant(case, officer, status=Warrant.Status.EXECUTED)
    with pytest.raises(ValidationError) as error:
        close(case, supervisor)
    assert f"warrant {warrant.pk} for 14 Mill Lane, ST16 2AA (executed)" in error.value.messages[0]
    assert_not_closed(case)


def test_closing_is_allowed_once_the_warrant_is_returned(case, officer, supervisor):
    warrant = issued_warrant(case, officer)
    with pytest.raises(ValidationError):
        close(case, supervisor)
    warrant.status = Warrant.Status.RETURNED
    warrant.returned_at = warrant.expires_at + timedelta(days=1)
    warrant.save()

    close(case, supervisor)
    case.refresh_from_db()
    assert case.status == Case.Status.CLOSED


def test_closing_is_refused_while_a_charging_submission_awaits_a_decision(case, supervisor):
    arrest = ArrestFactory(case=case, arrested_at=london(2025, 2, 3, 6), relevant_time=london(2025, 2, 3, 6, 30))
    ChargingSubmissionFactory(case=case, subject=arrest.subject, submitted_at=london(2025, 2, 10, 12))
    with pytest.raises(ValidationError) as error:
        close(case, supervisor)
    assert error.value.messages == [CLOSURE_CHARGING_PENDING]
    assert_not_closed(case)


def test_closing_needs_a_home_office_outcome_type(case, supervisor):
    with pytest.raises(ValidationError) as error:
        close(case, supervisor, outcome_type="99")
    assert error.value.message_dict["outcome_type"] == [CLOSURE_OUTCOME_INVALID]
    assert_not_closed(case)


def test_closing_before_the_case_was_opened_is_refused(case, supervisor):
    with pytest.raises(ValidationError) as error:
        close(case, supervisor, closed_at=case.opened_at - timedelta(days=1))
    assert error.value.message_dict["closed_at"] == [CLOSURE_BEFORE_CASE_OPENED]
    assert_not_closed(case)


def test_a_closed_case_cannot_be_closed_again(case, supervisor):
    close(case, supervisor)
    with pytest.raises(ValidationError) as error:
        close(case, supervisor, closed_at=london(2025, 7, 1, 9))
    assert error.value.messages == [CASE_CLOSED]
    assert Closure.objects.count() == 1


# --- Retention reviews --------------------------------------------------------------------------


def review(case, actor, **overrides):
    values = {
        "case": case,
        "actor": actor,
        "retention_group": "3",
        "decision": "retain",
        "reviewed_at": london(2026, 1, 5, 10),
        "rationale": "Reviewed under MoPI.",
    }
    values.update(overrides)
    return retention_review_record(**values)


def test_a_retention_review_to_retain_computes_the_next_review(case, supervisor):
    close(case, supervisor)
    recorded = review(case, supervisor)

    assert recorded.next_review_at == london(2032, 1, 5, 10)  # group 3: every 6 years
    assert CaseLogEntry.objects.filter(case=case, text="MoPI review: Retain and review again.").exists()


def test_a_retention_review_to_dispose_leaves_no_next_review(case, supervisor):
    close(case, supervisor)
    assert review(case, supervisor, decision="dispose").next_review_at is None


def test_a_retention_review_on_an_open_case_is_refused(case, supervisor):
    with pytest.raises(ValidationError) as error:
        review(case, supervisor)
    assert error.value.messages == [RETENTION_CASE_NOT_CLOSED]
    assert not RetentionReview.objects.exists()


def test_a_retention_review_cannot_set_the_group_again(case, supervisor):
    close(case, supervisor)
    with pytest.raises(ValidationError) as error:
        review(case, supervisor, decision="set")
    assert error.value.message_dict["decision"] == [RETENTION_DECISION_INVALID]
    assert RetentionReview.objects.count() == 1


def test_a_retention_review_before_closure_is_refused(case, supervisor):
    close(case, supervisor)
    with pytest.raises(ValidationError) as error:
        review(case, supervisor, reviewed_at=london(2025, 6, 1, 9))
    assert error.value.message_dict["reviewed_at"] == [RETENTION_BEFORE_CLOSURE]
    assert RetentionReview.objects.count() == 1


def test_a_retention_review_in_the_future_is_refused(case, supervisor):
    close(case, supervisor)
    with pytest.raises(ValidationError) as error:
        review(case, supervisor, reviewed_at=timezone.now() + timedelta(days=1))
    assert error.value.message_dict["reviewed_at"] == ["The review cannot be in the future."]
    assert RetentionReview.objects.count() == 1


# --- The order of events and the outcome ---------------------------------------------------------


def test_a_case_cannot_be_closed_before_an_event_recorded_on_it(case, supervisor):
    ArrestFactory(case=case, arrested_at=london(2025, 6, 10, 7))
    with pytest.raises(ValidationError) as error:
        close(case, supervisor, closed_at=london(2025, 6, 2, 16))
    assert error.value.message_dict["closed_at"] == [
        CLOSURE_BEFORE_EVENT.format(event="an arrest", at="10 Jun 2025 07:00")
    ]
    assert_not_closed(case)


def test_a_charged_outcome_needs_a_recorded_decision_to_charge(case, supervisor):
    with pytest.raises(ValidationError) as error:
        close(case, supervisor, outcome_type="1")
    assert error.value.message_dict["outcome_type"] == [CLOSURE_CHARGED_NEEDS_DECISION]
    assert_not_closed(case)

    arrest = ArrestFactory(case=case, arrested_at=london(2025, 2, 1, 7))
    ChargingSubmissionFactory(
        case=case,
        subject=arrest.subject,
        submitted_at=london(2025, 3, 1, 9),
        decision="charge",
        decision_at=london(2025, 4, 1, 9),
    )
    assert close(case, supervisor, outcome_type="1").outcome_type == "1"


def test_a_caution_outcome_needs_a_recorded_decision_to_caution(case, supervisor):
    with pytest.raises(ValidationError) as error:
        close(case, supervisor, outcome_type="3")
    assert error.value.message_dict["outcome_type"] == [CLOSURE_CAUTION_NEEDS_DECISION]
    assert_not_closed(case)
