from datetime import timedelta

import pytest
from django.urls import reverse

from cases.models import ChargingSubmission, CourtHearing
from cases.rules import LONDON
from cases.services.court import HEARING_BEFORE_CHARGE
from tests.factories.cases import CaseFactory
from tests.factories.custody import ArrestFactory, ChargingSubmissionFactory


def local(moment):
    return moment.astimezone(LONDON).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def case(team, officer, supervisor):
    return CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor)


@pytest.fixture
def charged(case):
    arrest = ArrestFactory(case=case)
    return ChargingSubmissionFactory(
        case=case,
        subject=arrest.subject,
        submitted_at=arrest.arrested_at + timedelta(hours=10),
        decision=ChargingSubmission.Decision.CHARGE,
        decision_at=arrest.arrested_at + timedelta(hours=12),
    )


@pytest.fixture
def url(case):
    return reverse("cases:hearing_add", args=[case.reference])


def test_the_page_requires_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_page_hides_another_teams_case(client, outsider, url):
    client.force_login(outsider)
    assert client.get(url).status_code == 404


def test_the_page_refuses_the_wrong_method(client, officer, url):
    client.force_login(officer)
    assert client.delete(url).status_code == 405


def test_a_valid_hearing_is_saved(client, officer, case, charged, url):
    client.force_login(officer)
    response = client.post(
        url,
        {
            "subject": charged.subject.pk,
            "court": "Stafford Magistrates",
            "hearing_at": local(charged.decision_at + timedelta(days=1)),
            "hearing_type": "first_appearance",
            "remand_status": "conditional_bail",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == case.get_absolute_url()
    assert case.hearings.get().court == "Stafford Magistrates"


def test_a_hearing_before_the_charge_shows_the_error_and_saves_nothing(client, officer, charged, url):
    client.force_login(officer)
    response = client.post(
        url,
        {
            "subject": charged.subject.pk,
            "court": "Stafford Magistrates",
            "hearing_at": local(charged.decision_at - timedelta(hours=1)),
            "hearing_type": "first_appearance",
        },
    )
    assert response.status_code == 400
    assert HEARING_BEFORE_CHARGE in response.content.decode()
    assert not CourtHearing.objects.exists()
