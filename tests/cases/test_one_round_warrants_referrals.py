"""The warrant, referral and closure forms report every problem they can in one round: a time in
the future, or a rule on values the form holds, is shown beside a missing or malformed field
(cases.forms.fields.Form.service_checks), and the service still refuses it on its own."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cases.forms.closure import CloseCaseForm, RetentionReviewForm
from cases.forms.referrals import (
    CommsApprovalForm,
    CommsRequestForm,
    CommsResultForm,
    ReferralForm,
    ReferralIdentifierForm,
    ReferralOutcomeForm,
)
from cases.services.referrals import (
    IDENTIFIER_IP_INVALID,
    IDENTIFIER_IP_NEEDS_TIME,
    IDENTIFIER_NEEDS_TIMEZONE,
    IDENTIFIER_PORT_WITHOUT_IP,
    OUTCOME_DISSEMINATED_NEEDS_RECIPIENT,
    OUTCOME_NFA_NEEDS_REASON,
    referral_check_outcome,
)
from tests.factories.cases import CaseFactory
from warrants.forms import (
    FurtherEntryForm,
    WarrantApplyForm,
    WarrantExecuteForm,
    WarrantIssueForm,
    WarrantRefuseForm,
    WarrantReturnForm,
)
from warrants.services import WARRANT_FURTHER_ENTRY_BEFORE_AUTHORITY, warrant_check_further_entry

pytestmark = pytest.mark.django_db


def _later() -> str:
    """A time two days ahead, well past the five minutes' grace for clocks."""
    return (timezone.now() + timedelta(days=2)).isoformat()


@pytest.fixture
def case(team, officer, supervisor):
    return CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor)


# Each form, the data it is given, the time field in the future, its label in the error, and the
# field that is missing or malformed in the same round (None where the time is the form's only field).
FUTURE_TIME_WITH_A_MISSING_FIELD = [
    (WarrantApplyForm, {}, "applied_at", "Applied at", None),
    (WarrantIssueForm, {"issuing_justice": ""}, "issued_at", "Issued at", "issuing_justice"),
    (WarrantRefuseForm, {"refusal_reason": ""}, "refused_at", "Refused at", "refusal_reason"),
    (WarrantReturnForm, {}, "returned_at", "Returned at", None),
    (ReferralForm, {"source": "nonsense", "source_reference": ""}, "received_at", "Received at", "source"),
    (CommsRequestForm, {"reference": ""}, "submitted_at", "Submitted at", "reference"),
    (CommsApprovalForm, {"approval_route": "nonsense"}, "approved_at", "Approved at", "approval_route"),
    (CommsResultForm, {"outcome": ""}, "result_received_at", "Result received at", "outcome"),
    (CloseCaseForm, {"outcome_type": "nonsense", "rationale": ""}, "closed_at", "The closure", "outcome_type"),
    (RetentionReviewForm, {"decision": "nonsense"}, "reviewed_at", "The review", "decision"),
]


@pytest.mark.parametrize(("form_class", "data", "time_field", "label", "missing"), FUTURE_TIME_WITH_A_MISSING_FIELD)
def test_a_time_in_the_future_is_reported_with_a_missing_or_malformed_field(
    form_class, data, time_field, label, missing
):
    form = form_class(data={**data, time_field: _later()})
    assert not form.is_valid()
    assert form.errors[time_field] == [f"{label} cannot be in the future."]
    if missing is not None:
        assert missing in form.errors


def test_an_execution_in_the_future_is_reported_with_a_missing_executor(case):
    form = WarrantExecuteForm(data={"executed_at": _later(), "executed_by": ""}, case=case)
    assert not form.is_valid()
    assert form.errors["executed_at"] == ["Executed at cannot be in the future."]
    assert "executed_by" in form.errors


def test_a_further_entry_before_its_authority_is_reported_with_a_missing_inspector():
    authorised = timezone.now() - timedelta(days=1)
    form = FurtherEntryForm(
        data={
            "authorised_by": "",
            "authorised_at": authorised.isoformat(),
            "entered_at": (authorised - timedelta(hours=2)).isoformat(),
        }
    )
    assert not form.is_valid()
    assert form.errors["entered_at"] == [WARRANT_FURTHER_ENTRY_BEFORE_AUTHORITY]
    assert "authorised_by" in form.errors


def test_an_entry_after_its_authority_passes_the_check():
    authorised = timezone.now() - timedelta(days=1)
    warrant_check_further_entry(authorised_at=authorised, entered_at=authorised + timedelta(hours=1))


@pytest.mark.parametrize(
    ("outcome", "field", "message"),
    [
        ("nfa", "outcome_reason", OUTCOME_NFA_NEEDS_REASON),
        ("disseminated", "disseminated_to", OUTCOME_DISSEMINATED_NEEDS_RECIPIENT),
    ],
)
def test_an_outcome_without_what_goes_with_it_is_reported_with_a_time_in_the_future(outcome, field, message):
    form = ReferralOutcomeForm(data={"outcome": outcome, "outcome_at": _later(), field: "   "})
    assert not form.is_valid()
    assert form.errors[field] == [message]
    assert form.errors["outcome_at"] == ["Outcome at cannot be in the future."]


def test_an_outcome_with_what_goes_with_it_passes_the_check():
    earlier = timezone.now() - timedelta(hours=1)
    referral_check_outcome(outcome="disseminated", outcome_at=earlier, disseminated_to="Kent Police")
    with pytest.raises(ValidationError) as refused:
        referral_check_outcome(outcome="nfa", outcome_at=earlier, outcome_reason="")
    assert refused.value.message_dict == {"outcome_reason": [OUTCOME_NFA_NEEDS_REASON]}


def test_a_bad_ip_address_without_its_time_is_reported_with_a_malformed_port():
    data = {"kind": "ip", "ip_address": "999.1.1.1", "port": "eighty", "observed_original": ""}
    form = ReferralIdentifierForm(data=data)
    assert not form.is_valid()
    assert form.errors["ip_address"] == [IDENTIFIER_IP_INVALID]
    assert form.errors["observed_original"] == [IDENTIFIER_IP_NEEDS_TIME]
    assert "port" in form.errors


def test_an_account_with_a_port_and_a_time_without_its_zone_are_reported_together():
    data = {"kind": "account", "account_id": "user123", "port": "443", "observed_original": "2026-11-02 21:14:07"}
    form = ReferralIdentifierForm(data=data)
    assert not form.is_valid()
    assert form.errors["port"] == [IDENTIFIER_PORT_WITHOUT_IP]
    assert form.errors["observed_timezone"] == [IDENTIFIER_NEEDS_TIMEZONE]
