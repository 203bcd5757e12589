from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from cases.models import CaseLogEntry, SafeguardingReferral
from cases.services.safeguarding import (
    SAFEGUARDING_CHILDREN_AT_LEAST_ONE,
    SAFEGUARDING_MASH_BEFORE_CASE,
    SAFEGUARDING_MASH_REFERENCE_NEEDS_DATE,
    SAFEGUARDING_REFERENCE_NOT_PSEUDONYMOUS,
    SAFEGUARDING_REFERENCE_TAKEN,
    SAFEGUARDING_SAFEGUARDED_NEEDS_MASH,
    SAFEGUARDING_SAFEGUARDED_OVER_COUNT,
    safeguarding_record,
    safeguarding_update,
)
from tests.factories.cases import CaseFactory


@pytest.fixture
def case(team, officer, supervisor):
    return CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor)


def record(case, officer, **overrides):
    values = {
        "case": case,
        "actor": officer,
        "pseudonymous_reference": "CHILD-A",
        "children_count": 2,
        "relationship": "own_child",
        "mash_referred_at": case.opened_at + timedelta(days=1),
        "mash_reference": "MASH-2026-0415",
        "strategy_discussion": True,
        "children_safeguarded": 2,
    }
    values.update(overrides)
    return safeguarding_record(**values)


def test_it_records_children_by_count_and_pseudonymous_reference(case, officer):
    referral = record(case, officer)

    assert (referral.pseudonymous_reference, referral.children_count, referral.children_safeguarded) == (
        "CHILD-A",
        2,
        2,
    )
    assert CaseLogEntry.objects.filter(case=case, text__startswith="Safeguarding CHILD-A recorded").exists()


@pytest.mark.parametrize("reference", ["CHILD-A", "C1", "CHILD-2", "HH1-C3", "A" * 39 + "1"])
def test_it_accepts_pseudonymous_references(case, officer, reference):
    assert record(case, officer, pseudonymous_reference=reference).pseudonymous_reference == reference


@pytest.mark.parametrize(
    "reference", ["Jane Smith", "jane", "JANE", "SMITH-JANE", "CHILD A", "child-a", "CHILD--A", "A" * 40 + "1", ""]
)
def test_it_refuses_anything_that_could_be_a_name(case, officer, reference):
    with pytest.raises(ValidationError) as error:
        record(case, officer, pseudonymous_reference=reference)
    assert error.value.message_dict["pseudonymous_reference"] == [SAFEGUARDING_REFERENCE_NOT_PSEUDONYMOUS]
    assert not SafeguardingReferral.objects.exists()
    assert not CaseLogEntry.objects.exists()


def test_it_refuses_a_reference_already_used_on_the_case(case, officer):
    record(case, officer)
    with pytest.raises(ValidationError) as error:
        record(case, officer)
    assert error.value.message_dict["pseudonymous_reference"] == [SAFEGUARDING_REFERENCE_TAKEN]
    assert SafeguardingReferral.objects.count() == 1


def test_it_refuses_more_children_safeguarded_than_counted(case, officer):
    with pytest.raises(ValidationError) as error:
        record(case, officer, children_count=1, children_safeguarded=2)
    assert error.value.message_dict["children_safeguarded"] == [SAFEGUARDING_SAFEGUARDED_OVER_COUNT]
    assert not SafeguardingReferral.objects.exists()


def test_it_counts_children_safeguarded_only_after_a_mash_referral(case, officer):
    with pytest.raises(ValidationError) as error:
        record(case, officer, mash_referred_at=None, mash_reference="", children_safeguarded=1)
    assert error.value.message_dict["children_safeguarded"] == [SAFEGUARDING_SAFEGUARDED_NEEDS_MASH]
    assert not SafeguardingReferral.objects.exists()


def test_it_refuses_a_mash_referral_before_the_case_was_opened(case, officer):
    with pytest.raises(ValidationError) as error:
        record(case, officer, mash_referred_at=case.opened_at - timedelta(hours=1))
    assert error.value.message_dict["mash_referred_at"] == [SAFEGUARDING_MASH_BEFORE_CASE]
    assert not SafeguardingReferral.objects.exists()


def test_it_refuses_a_mash_reference_without_its_date(case, officer):
    with pytest.raises(ValidationError) as error:
        record(case, officer, mash_referred_at=None, children_safeguarded=0)
    assert error.value.message_dict["mash_referred_at"] == [SAFEGUARDING_MASH_REFERENCE_NEEDS_DATE]
    assert not SafeguardingReferral.objects.exists()


def test_it_refuses_a_record_of_no_children(case, officer):
    with pytest.raises(ValidationError) as error:
        record(case, officer, children_count=0, children_safeguarded=0)
    assert error.value.message_dict["children_count"] == [SAFEGUARDING_CHILDREN_AT_LEAST_ONE]
    assert not SafeguardingReferral.objects.exists()


def test_an_update_records_the_mash_referral_and_children_safeguarded(case, officer):
    referral = record(case, officer, mash_referred_at=None, mash_reference="", children_safeguarded=0)
    safeguarding_update(
        referral=referral,
        actor=officer,
        pseudonymous_reference="CHILD-A",
        children_count=2,
        relationship="own_child",
        mash_referred_at=case.opened_at + timedelta(days=2),
        mash_reference="MASH-2026-0415",
        section_47_enquiry=True,
        children_safeguarded=1,
        outcome="Child protection plan.",
    )
    referral.refresh_from_db()
    assert (referral.children_safeguarded, referral.section_47_enquiry, referral.strategy_discussion) == (
        1,
        True,
        False,
    )
    assert CaseLogEntry.objects.filter(case=case, text__startswith="Safeguarding CHILD-A updated").exists()


def test_an_update_cannot_take_another_records_reference_and_saves_nothing(case, officer):
    record(case, officer, pseudonymous_reference="CHILD-A")
    other = record(case, officer, pseudonymous_reference="CHILD-B")
    with pytest.raises(ValidationError) as error:
        safeguarding_update(
            referral=other, actor=officer, pseudonymous_reference="CHILD-A", children_count=5, relationship="relative"
        )
    assert error.value.message_dict["pseudonymous_reference"] == [SAFEGUARDING_REFERENCE_TAKEN]
    other.refresh_from_db()
    assert (other.pseudonymous_reference, other.children_count) == ("CHILD-B", 2)
