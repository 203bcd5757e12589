from datetime import timedelta

import pytest
from django.urls import reverse

from cases.models import SafeguardingReferral
from cases.rules import LONDON
from cases.services.safeguarding import SAFEGUARDING_REFERENCE_NOT_PSEUDONYMOUS, safeguarding_record
from tests.factories.cases import CaseFactory


def local(moment):
    return moment.astimezone(LONDON).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def case(team, officer, supervisor):
    return CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor)


@pytest.fixture
def referral(case, officer):
    return safeguarding_record(
        case=case, actor=officer, pseudonymous_reference="CHILD-A", children_count=2, relationship="own_child"
    )


@pytest.fixture
def urls(case, referral):
    return {
        "safeguarding_add": reverse("cases:safeguarding_add", args=[case.reference]),
        "safeguarding_edit": reverse("cases:safeguarding_edit", args=[case.reference, referral.pk]),
    }


def form(**overrides):
    data = {"pseudonymous_reference": "CHILD-B", "children_count": "1", "relationship": "household"}
    data |= {"children_safeguarded": "0", "mash_referred_at": "", "mash_reference": "", "outcome": ""}
    return data | overrides


@pytest.mark.parametrize("name", ["safeguarding_add", "safeguarding_edit"])
def test_the_pages_require_sign_in(client, urls, name):
    response = client.get(urls[name])
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", ["safeguarding_add", "safeguarding_edit"])
def test_the_pages_hide_another_teams_case(client, outsider, urls, name):
    client.force_login(outsider)
    assert client.get(urls[name]).status_code == 404


@pytest.mark.parametrize("name", ["safeguarding_add", "safeguarding_edit"])
def test_the_pages_refuse_the_wrong_method(client, officer, urls, name):
    client.force_login(officer)
    assert client.patch(urls[name]).status_code == 405


def test_a_valid_record_is_saved(client, officer, case, urls):
    client.force_login(officer)
    response = client.post(urls["safeguarding_add"], form())
    assert response.status_code == 302
    assert case.safeguarding_referrals.filter(pseudonymous_reference="CHILD-B").exists()


def test_a_name_is_refused_with_the_error_and_nothing_saved(client, officer, case, urls):
    client.force_login(officer)
    response = client.post(urls["safeguarding_add"], form(pseudonymous_reference="Jane Smith"))
    assert response.status_code == 400
    assert SAFEGUARDING_REFERENCE_NOT_PSEUDONYMOUS in response.content.decode()
    assert not SafeguardingReferral.objects.filter(pseudonymous_reference="Jane Smith").exists()


def test_the_edit_form_starts_from_the_record_and_saves_the_update(client, officer, case, referral, urls):
    client.force_login(officer)
    assert 'value="CHILD-A"' in client.get(urls["safeguarding_edit"]).content.decode()
    response = client.post(
        urls["safeguarding_edit"],
        form(
            pseudonymous_reference="CHILD-A",
            children_count="2",
            mash_referred_at=local(case.opened_at + timedelta(days=1)),
            children_safeguarded="2",
            version=str(referral.version),
        ),
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.children_safeguarded == 2


def test_an_invalid_update_shows_the_error_and_changes_nothing(client, officer, referral, urls):
    client.force_login(officer)
    response = client.post(urls["safeguarding_edit"], form(pseudonymous_reference="CHILD-A", children_safeguarded="1"))
    assert response.status_code == 400
    referral.refresh_from_db()
    assert (referral.relationship, referral.children_safeguarded) == ("own_child", 0)


def test_the_case_page_shows_children_as_counts_and_references_only(client, officer, case, referral):
    client.force_login(officer)
    content = client.get(case.get_absolute_url()).content.decode()
    assert "CHILD-A" in content
    assert reverse("cases:safeguarding_edit", args=[case.reference, referral.pk]) in content
