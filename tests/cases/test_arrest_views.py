from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.formats import when
from cases.models import Arrest, ChargingSubmission, CustodyExtension
from cases.rules import LONDON, charging_target_at
from cases.services.charging import charging_record_decision
from cases.services.custody import (
    CUSTODY_SUPERINTENDENT_BEYOND_36H,
    custody_extension_record,
    custody_review_record,
    release_record,
)
from tests.factories.cases import CaseFactory, SubjectFactory
from tests.factories.custody import ArrestFactory, ChargingSubmissionFactory, offence


def local(moment):
    return moment.astimezone(LONDON).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def case(team, officer, supervisor):
    return CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor)


def reviewed(arrest, officer):
    """Two reviews of detention, at 5 and 14 hours: a superintendent may then extend (PACE s.42(4)(b))."""
    for hours in (5, 14):
        custody_review_record(
            arrest=arrest,
            actor=officer,
            reviewed_at=arrest.relevant_time + timedelta(hours=hours),
            review_officer="Insp Shah",
        )
    return arrest


@pytest.fixture
def arrest(case, officer):
    return reviewed(ArrestFactory(case=case), officer)


@pytest.fixture
def urls(case, arrest):
    ref = case.reference
    return {
        "arrest_add": reverse("cases:arrest_add", args=[ref]),
        "arrest_detail": reverse("cases:arrest_detail", args=[ref, arrest.pk]),
        "custody_extension_add": reverse("cases:custody_extension_add", args=[ref, arrest.pk]),
    }


@pytest.mark.parametrize("name", ["arrest_add", "arrest_detail", "custody_extension_add"])
def test_the_pages_require_sign_in(client, urls, name):
    response = client.get(urls[name])
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", ["arrest_add", "arrest_detail", "custody_extension_add"])
def test_the_pages_hide_another_teams_case(client, outsider, urls, name):
    client.force_login(outsider)
    assert client.get(urls[name]).status_code == 404


@pytest.mark.parametrize(("name", "method"), [("arrest_add", "delete"), ("arrest_detail", "post")])
def test_the_pages_refuse_the_wrong_method(client, officer, urls, name, method):
    client.force_login(officer)
    assert getattr(client, method)(urls[name]).status_code == 405


def test_an_arrest_of_another_case_is_not_found(client, officer, case, team):
    client.force_login(officer)
    elsewhere = ArrestFactory(case=CaseFactory(team=team))
    response = client.get(reverse("cases:arrest_detail", args=[case.reference, elsewhere.pk]))
    assert response.status_code == 404


def test_the_arrest_form_shows_the_offences_as_a_fieldset(client, officer, urls):
    client.force_login(officer)
    response = client.get(urls["arrest_add"])
    assert response.status_code == 200
    assert b"<legend>Suspected offences</legend>" in response.content


def test_a_valid_arrest_is_saved_and_goes_back_to_the_case(client, officer, case, urls):
    subject = SubjectFactory(case=case, full_name="Daniel Price")
    client.force_login(officer)
    response = client.post(
        urls["arrest_add"],
        {
            "subject": subject.pk,
            "arrested_at": local(case.opened_at + timedelta(days=1)),
            "suspected_offences": [offence("POCA1978-1-1-a").pk, offence("CJA1988-160").pk],
            "custody_reference": "ST/00099/26",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == case.get_absolute_url()
    saved = Arrest.objects.get(subject=subject)
    assert saved.custody_reference == "ST/00099/26"
    assert saved.suspected_offences.count() == 2


def test_an_arrest_without_offences_shows_the_error_and_saves_nothing(client, officer, case, urls):
    subject = SubjectFactory(case=case)
    client.force_login(officer)
    response = client.post(
        urls["arrest_add"], {"subject": subject.pk, "arrested_at": local(case.opened_at + timedelta(days=1))}
    )
    assert response.status_code == 400
    assert not Arrest.objects.filter(subject=subject).exists()
    assert "Suspected offences: Choose at least one." in response.content.decode()


def test_a_subject_of_another_case_cannot_be_posted(client, officer, case, team, urls):
    stranger = SubjectFactory(case=CaseFactory(team=team))
    client.force_login(officer)
    response = client.post(
        urls["arrest_add"],
        {
            "subject": stranger.pk,
            "arrested_at": local(case.opened_at + timedelta(days=1)),
            "suspected_offences": [offence().pk],
        },
    )
    assert response.status_code == 400
    assert not Arrest.objects.filter(subject=stranger).exists()


def test_the_arrest_page_shows_the_custody_clock_and_charging_target_with_sources(client, officer, arrest, urls):
    client.force_login(officer)
    response = client.get(urls["arrest_detail"])
    assert response.status_code == 200
    content = response.content.decode()
    assert "Police and Criminal Evidence Act 1984 s.41" in content
    assert "Police and Criminal Evidence Act 1984 s.40" in content
    assert "Local target: four-week charging target, 28 days" in content
    assert "Insp Shah" in content  # the reviews of detention held


def test_a_valid_extension_is_saved_and_goes_back_to_the_arrest(client, officer, arrest, urls):
    client.force_login(officer)
    response = client.post(
        urls["custody_extension_add"],
        {
            "authority": "superintendent",
            "authorised_at": local(arrest.relevant_time + timedelta(hours=20)),
            "authorised_by": "Supt Rees",
            "detention_until": local(arrest.relevant_time + timedelta(hours=36)),
        },
    )
    assert response.status_code == 302
    assert response["Location"] == urls["arrest_detail"]
    assert arrest.custody_extensions.count() == 1


def test_an_extension_beyond_36_hours_shows_the_rule_and_saves_nothing(client, officer, arrest, urls):
    client.force_login(officer)
    response = client.post(
        urls["custody_extension_add"],
        {
            "authority": "superintendent",
            "authorised_at": local(arrest.relevant_time + timedelta(hours=20)),
            "authorised_by": "Supt Rees",
            "detention_until": local(arrest.relevant_time + timedelta(hours=40)),
        },
    )
    assert response.status_code == 400
    assert CUSTODY_SUPERINTENDENT_BEYOND_36H in response.content.decode()
    assert not CustodyExtension.objects.exists()


def test_the_case_page_shows_the_arrest_and_its_charging_target(client, officer, case, arrest):
    client.force_login(officer)
    response = client.get(case.get_absolute_url())
    assert response.status_code == 200
    content = response.content.decode()
    assert str(arrest.subject) in content
    assert when(charging_target_at(arrest.arrested_at)) in content
    assert reverse("cases:arrest_add", args=[case.reference]) in content


def _fill(case, officer, n):
    """n arrests, each with bail, an extension of detention and a charge decision with charges."""
    for _ in range(n):
        arrest = reviewed(ArrestFactory(case=case), officer)
        custody_extension_record(
            arrest=arrest,
            actor=officer,
            authority="superintendent",
            authorised_at=arrest.relevant_time + timedelta(hours=20),
            authorised_by="Supt Rees",
            detention_until=arrest.relevant_time + timedelta(hours=30),
        )
        release_record(
            arrest=arrest, actor=officer, kind="bail", released_at=arrest.relevant_time + timedelta(hours=31)
        )
        submission = ChargingSubmissionFactory(
            case=case, subject=arrest.subject, submitted_at=arrest.arrested_at + timedelta(days=1)
        )
        charging_record_decision(
            submission=submission,
            actor=officer,
            decision=ChargingSubmission.Decision.CHARGE,
            decision_at=submission.submitted_at + timedelta(hours=2),
            charges=[{"offence": offence(), "counts": 4, "category": "B"}],
        )


def test_the_case_page_costs_the_same_queries_for_one_arrest_or_three(client, officer, case):
    client.force_login(officer)
    client.get(case.get_absolute_url())  # the first request after sign-in also writes the session
    _fill(case, officer, 1)
    with CaptureQueriesContext(connection) as one:
        response = client.get(case.get_absolute_url())
    assert response.status_code == 200
    assert "4 counts: Protection of Children Act 1978 s.1(1)(a), category B" in response.content.decode()
    assert "Pre-charge bail" in response.content.decode()

    _fill(case, officer, 2)
    with CaptureQueriesContext(connection) as three:
        client.get(case.get_absolute_url())
    assert len(three.captured_queries) == len(one.captured_queries)


def test_a_review_of_detention_is_recorded_from_its_page(client, officer, case):
    arrest = ArrestFactory(case=case)
    client.force_login(officer)
    assert arrest.relevant_time is not None
    url = reverse("cases:custody_review_add", args=[case.reference, arrest.pk])
    response = client.post(
        url, {"reviewed_at": local(arrest.relevant_time + timedelta(hours=5)), "review_officer": "Insp Shah"}
    )
    assert response.status_code == 302
    assert arrest.custody_reviews.get().review_officer == "Insp Shah"
    page = client.get(reverse("cases:arrest_detail", args=[case.reference, arrest.pk])).content.decode()
    # The next review is due 9 hours after the one held (PACE s.40(3)(b)).
    assert f"Next review due by {when(arrest.relevant_time + timedelta(hours=14))}" in page


def test_a_review_without_its_officer_names_the_field_and_saves_nothing(client, officer, case):
    arrest = ArrestFactory(case=case)
    client.force_login(officer)
    url = reverse("cases:custody_review_add", args=[case.reference, arrest.pk])
    assert arrest.relevant_time is not None
    response = client.post(url, {"reviewed_at": local(arrest.relevant_time + timedelta(hours=5))})
    assert response.status_code == 400
    assert "Review officer: Fill this in." in response.content.decode()
    assert not arrest.custody_reviews.exists()
