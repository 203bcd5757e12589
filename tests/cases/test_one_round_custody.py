"""The custody forms report every problem they can in one round: the field checks and the custody
service's own checks of the values a form holds (cases.forms.fields.Form.service_checks) run
together, so an officer never fixes one error only to be shown the next."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cases.forms.custody import ArrestForm, BailExtensionForm, CustodyExtensionForm, CustodyReviewForm, ReleaseForm
from cases.services.custody import (
    BAIL_ANSWER_BEFORE_RELEASE,
    BAIL_ANSWER_ONLY_ON_BAIL,
    BAIL_CONDITIONS_ONLY_ON_BAIL,
    BAIL_EXTEND_NEW_END_COMPUTED,
    BAIL_EXTEND_NEW_END_REQUIRED,
    CUSTODY_WARRANT_APPLIED_AT_REQUIRED,
    CUSTODY_WARRANT_APPLIED_ONLY_FOR_WARRANT,
    CUSTODY_WARRANT_ISSUED_BEFORE_APPLIED,
    LEFT_CUSTODY_BEFORE_ARREST,
    LEFT_CUSTODY_BEFORE_RELEVANT_TIME,
    RELEVANT_TIME_BEFORE_ARREST,
    arrest_record,
)
from tests.factories.cases import CaseFactory, SubjectFactory
from tests.factories.custody import offence

pytestmark = pytest.mark.django_db


def ago(hours: float) -> str:
    return (timezone.now() - timedelta(hours=hours)).isoformat()


@pytest.fixture
def case(team, officer, supervisor):
    return CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor)


def test_an_arrest_leaving_custody_before_it_began_is_reported_with_a_missing_suspect_and_offences(case):
    form = ArrestForm(
        data={"arrested_at": ago(3), "relevant_time": ago(2), "left_custody_at": ago(4)},
        case=case,
    )
    assert not form.is_valid()
    assert form.errors["left_custody_at"] == [LEFT_CUSTODY_BEFORE_ARREST]
    assert "subject" in form.errors and "suspected_offences" in form.errors


def test_an_arrest_with_its_times_out_of_order_and_in_the_future_reports_each(case):
    form = ArrestForm(
        data={
            "arrested_at": (timezone.now() + timedelta(days=1)).isoformat(),
            "relevant_time": ago(1),
            "left_custody_at": "not a time",
        },
        case=case,
    )
    assert not form.is_valid()
    assert form.errors["arrested_at"] == ["The arrest cannot be in the future."]
    assert form.errors["relevant_time"] == [RELEVANT_TIME_BEFORE_ARREST]
    assert "left_custody_at" in form.errors and "subject" in form.errors


def test_the_arrest_service_still_refuses_what_its_form_would_have_shown(case, officer):
    subject = SubjectFactory(case=case)
    with pytest.raises(ValidationError) as refused:
        arrest_record(
            case=case,
            actor=officer,
            subject=subject,
            arrested_at=timezone.now() - timedelta(hours=3),
            suspected_offences=[offence()],
            relevant_time=timezone.now() - timedelta(hours=1),
            left_custody_at=timezone.now() - timedelta(hours=2),
        )
    assert refused.value.message_dict == {"left_custody_at": [LEFT_CUSTODY_BEFORE_RELEVANT_TIME]}


def test_a_warrant_issued_before_it_was_applied_for_is_reported_with_a_missing_authoriser_and_bad_time():
    form = CustodyExtensionForm(
        data={"authority": "wofd", "authorised_at": ago(2), "applied_at": ago(1), "detention_until": "soon"}
    )
    assert not form.is_valid()
    assert form.errors["authorised_at"] == [CUSTODY_WARRANT_ISSUED_BEFORE_APPLIED]
    assert "authorised_by" in form.errors and "detention_until" in form.errors


@pytest.mark.parametrize(
    ("authority", "applied", "message"),
    [
        ("wofd", False, CUSTODY_WARRANT_APPLIED_AT_REQUIRED),
        ("superintendent", True, CUSTODY_WARRANT_APPLIED_ONLY_FOR_WARRANT),
    ],
)
def test_an_application_time_goes_with_a_warrant_only_and_is_reported_with_a_missing_authoriser(
    authority, applied, message
):
    data = {"authority": authority, "authorised_at": ago(1), "detention_until": ago(-20)}
    if applied:
        data["applied_at"] = ago(2)
    form = CustodyExtensionForm(data=data)
    assert not form.is_valid()
    assert form.errors["applied_at"] == [message]
    assert "authorised_by" in form.errors


def test_an_authorisation_in_the_future_is_reported_with_a_missing_authority():
    form = CustodyExtensionForm(
        data={"authorised_at": (timezone.now() + timedelta(days=1)).isoformat(), "detention_until": ago(-30)}
    )
    assert not form.is_valid()
    assert form.errors["authorised_at"] == ["The authorisation cannot be in the future."]
    assert "authority" in form.errors and "authorised_by" in form.errors


def test_a_review_in_the_future_is_reported_with_a_missing_review_officer():
    form = CustodyReviewForm(data={"reviewed_at": (timezone.now() + timedelta(days=1)).isoformat()})
    assert not form.is_valid()
    assert form.errors["reviewed_at"] == ["The review cannot be in the future."]
    assert len(form.errors["review_officer"]) == 1


def test_bail_conditions_on_a_release_under_investigation_are_reported_with_a_malformed_time():
    form = ReleaseForm(
        data={
            "kind": "rui",
            "released_at": ago(1),
            "bail_conditions": "Not to contact the complainant.",
            "answer_at": "next week",
        }
    )
    assert not form.is_valid()
    assert form.errors["bail_conditions"] == [BAIL_CONDITIONS_ONLY_ON_BAIL]
    assert "answer_at" in form.errors and BAIL_ANSWER_ONLY_ON_BAIL not in form.errors["answer_at"]


def test_a_place_to_answer_bail_is_refused_for_a_release_on_remand():
    form = ReleaseForm(data={"kind": "remanded", "released_at": ago(1), "answer_place": "Hanley police station"})
    assert not form.is_valid()
    assert form.errors == {"answer_place": [BAIL_ANSWER_ONLY_ON_BAIL]}


def test_a_time_to_answer_bail_before_the_release_is_reported_with_a_too_long_place():
    form = ReleaseForm(data={"kind": "bail", "released_at": ago(1), "answer_at": ago(2), "answer_place": "x" * 201})
    assert not form.is_valid()
    assert form.errors["answer_at"] == [BAIL_ANSWER_BEFORE_RELEASE]
    assert "answer_place" in form.errors


@pytest.mark.parametrize(
    ("rank", "new_end", "message"),
    [("magistrates", "", BAIL_EXTEND_NEW_END_REQUIRED), ("inspector", "2030-01-01", BAIL_EXTEND_NEW_END_COMPUTED)],
)
def test_a_last_day_of_bail_for_the_court_only_is_reported_with_a_missing_approver(rank, new_end, message):
    form = BailExtensionForm(data={"approver_rank": rank, "approved_at": ago(1), "new_end": new_end})
    assert not form.is_valid()
    assert form.errors["new_end"] == [message]
    assert "approved_by" in form.errors


def test_an_approval_in_the_future_is_reported_with_a_malformed_approver_rank():
    form = BailExtensionForm(
        data={"approver_rank": "sergeant", "approved_at": (timezone.now() + timedelta(days=1)).isoformat()}
    )
    assert not form.is_valid()
    assert form.errors["approved_at"] == ["The approval cannot be in the future."]
    assert "approver_rank" in form.errors and "approved_by" in form.errors


def test_a_malformed_last_day_for_the_court_shows_its_own_error_once_not_the_services_too():
    form = BailExtensionForm(data={"approver_rank": "magistrates", "approved_at": ago(1), "new_end": "31 Febtember"})
    assert not form.is_valid()
    assert len(form.errors["new_end"]) == 1
    assert form.errors["new_end"] != [BAIL_EXTEND_NEW_END_REQUIRED]
    assert "approved_by" in form.errors
