"""A form reports every problem it can in one round: its field checks and the service's own checks
of the values it holds (cases.forms.fields.Form.service_checks) run together, so a person never
fixes one error only to be shown the next."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cases.forms.case import PNC_ID_INVALID, SubjectForm
from cases.forms.search import DeviceImageCountsForm, DeviceTriageForm, SearchForm
from cases.services.case import SUBJECT_BORN_IN_FUTURE
from cases.services.search import SEARCH_ENDED_BEFORE_START, TRIAGE_NEEDS_EXAMINER, TRIAGE_NEEDS_TIME
from tests.factories.cases import CaseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(team, officer, supervisor):
    return CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor)


def test_a_subject_born_in_the_future_is_reported_with_a_bad_pnc_id_and_a_missing_name():
    tomorrow = timezone.localdate() + timedelta(days=1)
    form = SubjectForm(data={"full_name": "", "date_of_birth": tomorrow.isoformat(), "pnc_id": "nonsense"})
    assert not form.is_valid()
    assert form.errors["date_of_birth"] == [SUBJECT_BORN_IN_FUTURE]
    assert form.errors["pnc_id"] == [PNC_ID_INVALID]
    assert "full_name" in form.errors


def test_a_search_in_the_future_that_ends_before_it_starts_is_reported_with_a_missing_premises(case):
    later = timezone.now() + timedelta(days=2)
    form = SearchForm(
        data={"started_at": later.isoformat(), "ended_at": (later - timedelta(hours=1)).isoformat()}, case=case
    )
    assert not form.is_valid()
    assert "premises" in form.errors
    assert form.errors["started_at"] == ["Started at cannot be in the future."]
    assert form.errors["ended_at"] == ["Ended at cannot be in the future.", SEARCH_ENDED_BEFORE_START]


def test_a_triage_without_its_time_or_examiner_reports_both_with_a_stale_version(case):
    form = DeviceTriageForm(data={"triage_result": "positive", "version": "0"}, case=case)
    assert not form.is_valid()
    assert form.errors["triaged_at"] == [TRIAGE_NEEDS_TIME]
    assert form.errors["examiner"] == [TRIAGE_NEEDS_EXAMINER]
    assert "version" in form.errors


def test_blank_and_negative_image_counts_are_reported_together():
    data = {"source": "triage", "version": "1", "A_still": "-1", "A_moving": ""}
    data.update({name: "0" for name in ("B_still", "B_moving", "C_still", "C_moving")})
    form = DeviceImageCountsForm(data=data)
    assert not form.is_valid()
    assert form.errors["A_still"] == ["Enter a whole number, 0 or more."]
    assert form.errors["A_moving"] == ["Enter a number, 0 if there are none."]


def test_the_service_still_refuses_what_its_form_would_have_shown(case, officer):
    from django.core.exceptions import ValidationError

    from cases.services.case import subject_add

    with pytest.raises(ValidationError) as refused:
        subject_add(
            case=case, actor=officer, full_name="Daniel Mercer", date_of_birth=timezone.localdate() + timedelta(days=1)
        )
    assert refused.value.message_dict == {"date_of_birth": [SUBJECT_BORN_IN_FUTURE]}


def test_orders_at_a_hearing_that_is_not_a_sentence_are_reported_with_a_missing_court(case):
    from cases.forms.court import HearingForm
    from cases.services.court import HEARING_ORDERS_ONLY_AT_SENTENCE

    form = HearingForm(data={"hearing_type": "first_appearance", "shpo_made": "on", "hearing_at": "now"}, case=case)
    assert not form.is_valid()
    assert form.errors["hearing_type"] == [HEARING_ORDERS_ONLY_AT_SENTENCE]
    assert "court" in form.errors and "subject" in form.errors
