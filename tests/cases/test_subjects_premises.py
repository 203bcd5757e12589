"""subject_add and premises_add."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cases.models import CaseLogEntry, Premises, Subject
from cases.services import case as svc
from cases.services.common import CASE_CLOSED
from tests.factories.cases import CaseFactory, PremisesFactory, SubjectFactory


@pytest.fixture
def case(team, officer, supervisor):
    return CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor)


def test_subject_add_records_the_suspect_and_logs_it(case, officer):
    subject = svc.subject_add(
        case=case, actor=officer, full_name="  John   Smith ", date_of_birth=date(1980, 4, 2), pnc_id="09/123456a"
    )
    assert subject.full_name == "John Smith"
    assert subject.pnc_id == "09/123456A"
    entry = case.log_entries.get()
    assert (entry.kind, entry.text, entry.author) == (CaseLogEntry.Kind.SYSTEM, "Subject added: John Smith.", officer)


def test_subject_add_needs_a_name(case, officer):
    with pytest.raises(ValidationError) as caught:
        svc.subject_add(case=case, actor=officer, full_name="   ")
    assert caught.value.message_dict == {"full_name": [svc.SUBJECT_NAME_REQUIRED]}
    assert not Subject.objects.exists()
    assert not case.log_entries.exists()


def test_subject_add_refuses_a_birth_date_in_the_future(case, officer):
    with pytest.raises(ValidationError) as caught:
        svc.subject_add(
            case=case, actor=officer, full_name="John Smith", date_of_birth=timezone.localdate() + timedelta(days=1)
        )
    assert caught.value.message_dict == {"date_of_birth": [svc.SUBJECT_BORN_IN_FUTURE]}
    assert not Subject.objects.exists()


def test_subject_add_refuses_the_same_person_twice(case, officer):
    SubjectFactory(case=case, full_name="John Smith", date_of_birth=date(1980, 4, 2), pnc_id="09/123456A")
    with pytest.raises(ValidationError) as caught:
        svc.subject_add(case=case, actor=officer, full_name="john smith", date_of_birth=date(1980, 4, 2))
    assert caught.value.messages == [svc.SUBJECT_DUPLICATE]
    with pytest.raises(ValidationError) as caught:
        svc.subject_add(case=case, actor=officer, full_name="Jon Smith", pnc_id="09/123456A")
    assert caught.value.message_dict == {"pnc_id": [svc.SUBJECT_PNC_DUPLICATE]}
    assert Subject.objects.count() == 1


def test_the_same_person_may_be_a_subject_of_another_case(case, officer, team, supervisor):
    other = CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor)
    SubjectFactory(case=other, full_name="John Smith", pnc_id="09/123456A")
    svc.subject_add(case=case, actor=officer, full_name="John Smith", pnc_id="09/123456A")
    assert Subject.objects.count() == 2


def test_subject_add_refuses_a_closed_case(team, officer, supervisor):
    closed = CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor, status="closed")
    with pytest.raises(ValidationError) as caught:
        svc.subject_add(case=closed, actor=officer, full_name="John Smith")
    assert caught.value.messages == [CASE_CLOSED]
    assert not Subject.objects.exists()


def test_premises_add_records_the_address_and_logs_it(case, officer):
    premises = svc.premises_add(
        case=case, actor=officer, address=" 12 Station Road \n\n Stafford ", postcode="st16 2aa", description="Home"
    )
    assert premises.address == "12 Station Road\nStafford"
    assert premises.postcode == "ST16 2AA"
    assert case.log_entries.get().text == "Premises added: 12 Station Road, ST16 2AA."


def test_premises_add_needs_an_address(case, officer):
    with pytest.raises(ValidationError) as caught:
        svc.premises_add(case=case, actor=officer, address=" \n ")
    assert caught.value.message_dict == {"address": [svc.PREMISES_ADDRESS_REQUIRED]}
    assert not Premises.objects.exists()


def test_premises_add_refuses_the_same_premises_twice(case, officer):
    PremisesFactory(case=case, address="12 Station Road\nStafford", postcode="ST16 2AA")
    with pytest.raises(ValidationError) as caught:
        svc.premises_add(case=case, actor=officer, address="12 station road\nstafford", postcode="ST16 2AA")
    assert caught.value.messages == [svc.PREMISES_DUPLICATE]
    assert Premises.objects.count() == 1


def test_premises_add_refuses_a_closed_case(team, officer, supervisor):
    closed = CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor, status="closed")
    with pytest.raises(ValidationError) as caught:
        svc.premises_add(case=closed, actor=officer, address="1 High Street")
    assert caught.value.messages == [CASE_CLOSED]
    assert not Premises.objects.exists()
