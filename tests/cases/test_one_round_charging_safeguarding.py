"""The charging and safeguarding forms report their service's own checks in the same round as their
field checks (cases.forms.fields.Form.service_checks)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cases.forms.case import CaseLogEntryForm, CaseOpenForm
from cases.forms.charging import ChargingDecisionForm, ChargingSubmissionForm
from cases.forms.custody import BailBreachForm
from cases.forms.safeguarding import SafeguardingForm
from cases.forms.search import DeviceForensicCompleteForm, DeviceForensicRequestForm
from cases.services.case import LOG_KINDS_WRITTEN
from cases.services.safeguarding import (
    SAFEGUARDING_CHILDREN_AT_LEAST_ONE,
    SAFEGUARDING_MASH_REFERENCE_NEEDS_DATE,
    SAFEGUARDING_REFERENCE_NOT_PSEUDONYMOUS,
    SAFEGUARDING_SAFEGUARDED_OVER_COUNT,
)
from tests.factories.cases import CaseFactory

pytestmark = pytest.mark.django_db


def tomorrow() -> str:
    return (timezone.now() + timedelta(days=1)).isoformat()


def test_a_submission_in_the_future_is_reported_with_a_missing_suspect_and_test(team, officer, supervisor):
    case = CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor)
    form = ChargingSubmissionForm(data={"submitted_at": tomorrow()}, case=case)
    assert not form.is_valid()
    assert form.errors["submitted_at"] == ["The submission cannot be in the future."]
    assert "subject" in form.errors and "test" in form.errors


def test_a_decision_in_the_future_is_reported_with_a_missing_decision():
    form = ChargingDecisionForm(
        data={"decision_at": tomorrow(), "charges-TOTAL_FORMS": "0", "charges-INITIAL_FORMS": "0"}
    )
    assert not form.is_valid()
    assert form.errors["decision_at"] == ["The decision cannot be in the future."]
    assert "decision" in form.errors


def test_a_named_child_no_children_and_a_mash_reference_without_a_date_are_reported_together():
    form = SafeguardingForm(
        data={
            "pseudonymous_reference": "Emily Smith",
            "children_count": "0",
            "mash_reference": "MASH-26-1",
            "children_safeguarded": "2",
        }
    )
    assert not form.is_valid()
    assert form.errors["pseudonymous_reference"] == [SAFEGUARDING_REFERENCE_NOT_PSEUDONYMOUS]
    assert form.errors["children_count"] == [SAFEGUARDING_CHILDREN_AT_LEAST_ONE]
    assert form.errors["mash_referred_at"] == [SAFEGUARDING_MASH_REFERENCE_NEEDS_DATE]
    assert form.errors["children_safeguarded"] == [SAFEGUARDING_SAFEGUARDED_OVER_COUNT]
    assert "relationship" in form.errors


def test_a_mash_referral_in_the_future_is_reported_with_a_missing_relationship():
    form = SafeguardingForm(
        data={
            "pseudonymous_reference": "CHILD-A",
            "children_count": "1",
            "mash_referred_at": tomorrow(),
            "children_safeguarded": "0",
        }
    )
    assert not form.is_valid()
    assert form.errors["mash_referred_at"] == ["The MASH referral cannot be in the future."]
    assert "relationship" in form.errors


def test_a_case_opened_in_the_future_is_reported_with_a_missing_team_and_officers(officer):
    form = CaseOpenForm(data={"opened_at": tomorrow()}, user=officer)
    assert not form.is_valid()
    assert form.errors["opened_at"] == ["Opened at cannot be in the future."]
    assert "officer_in_case" in form.errors and "supervisor" in form.errors


def test_a_case_log_entry_in_the_future_is_reported_with_a_missing_entry():
    form = CaseLogEntryForm(data={"at": tomorrow(), "kind": LOG_KINDS_WRITTEN[0].value})
    assert not form.is_valid()
    assert form.errors["at"] == ["Time cannot be in the future."]
    assert "text" in form.errors


def test_a_breach_of_bail_in_the_future_is_reported_with_a_missing_description():
    form = BailBreachForm(data={"occurred_at": tomorrow(), "description": ""})
    assert not form.is_valid()
    assert form.errors["occurred_at"] == ["The breach cannot be in the future."]
    assert "description" in form.errors


@pytest.mark.parametrize(
    ("form_class", "field", "label"),
    [
        (DeviceForensicRequestForm, "requested_at", "Requested at"),
        (DeviceForensicCompleteForm, "completed_at", "Completed at"),
    ],
)
def test_a_forensic_examination_in_the_future_is_reported_by_the_form(form_class, field, label):
    form = form_class(data={field: tomorrow()})
    assert not form.is_valid()
    assert form.errors[field] == [f"{label} cannot be in the future."]
