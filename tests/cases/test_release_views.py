from datetime import timedelta

import pytest
from django.urls import reverse

from cases.models import BailExtension, Release
from cases.rules import LONDON
from cases.services.custody import (
    BAIL_BEFORE_2017_NEEDS_ANSWER,
    BAIL_EXTEND_WRONG_RANK,
    RELEASE_BEFORE_ARREST,
    release_record,
)
from tests.factories.cases import CaseFactory
from tests.factories.custody import ArrestFactory, london


def local(moment):
    return moment.astimezone(LONDON).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def case(team, officer, supervisor):
    return CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor)


@pytest.fixture
def arrest(case):
    return ArrestFactory(case=case)


@pytest.fixture
def bail(arrest, officer):
    return release_record(
        arrest=arrest, actor=officer, kind=Release.Kind.BAIL, released_at=arrest.arrested_at + timedelta(hours=6)
    )


@pytest.fixture
def urls(case, arrest, bail):
    return {
        "release_add": reverse("cases:release_add", args=[case.reference, arrest.pk]),
        "bail_extend": reverse("cases:bail_extend", args=[case.reference, arrest.pk, bail.pk]),
        "arrest_detail": reverse("cases:arrest_detail", args=[case.reference, arrest.pk]),
    }


@pytest.mark.parametrize("name", ["release_add", "bail_extend"])
def test_the_pages_require_sign_in(client, urls, name):
    response = client.get(urls[name])
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", ["release_add", "bail_extend"])
def test_the_pages_hide_another_teams_case(client, outsider, urls, name):
    client.force_login(outsider)
    assert client.get(urls[name]).status_code == 404


@pytest.mark.parametrize("name", ["release_add", "bail_extend"])
def test_the_pages_refuse_the_wrong_method(client, officer, urls, name):
    client.force_login(officer)
    assert client.delete(urls[name]).status_code == 405


def test_a_valid_release_is_saved_and_goes_back_to_the_arrest(client, officer, arrest, bail, urls):
    client.force_login(officer)
    response = client.post(
        urls["release_add"], {"kind": "rui", "released_at": local(bail.released_at + timedelta(days=1))}
    )
    assert response.status_code == 302
    assert response["Location"] == urls["arrest_detail"]
    assert arrest.releases.filter(kind=Release.Kind.RUI).exists()


def test_a_release_before_the_arrest_shows_the_error_and_saves_nothing(client, officer, arrest, urls):
    client.force_login(officer)
    response = client.post(
        urls["release_add"], {"kind": "rui", "released_at": local(arrest.arrested_at - timedelta(hours=1))}
    )
    assert response.status_code == 400
    assert RELEASE_BEFORE_ARREST in response.content.decode()
    assert arrest.releases.count() == 1


def test_the_bail_page_shows_the_computed_end_and_next_rank(client, officer, bail, urls):
    client.force_login(officer)
    response = client.get(urls["bail_extend"])
    assert response.status_code == 200
    assert "Inspector" in response.content.decode()


def test_a_valid_bail_extension_is_saved_with_its_computed_end(client, officer, bail, urls):
    client.force_login(officer)
    response = client.post(
        urls["bail_extend"],
        {
            "approver_rank": "inspector",
            "approved_at": local(bail.released_at + timedelta(hours=1)),
            "approved_by": "Insp Carter",
        },
    )
    assert response.status_code == 302
    assert bail.bail_extensions.get().new_end > bail.bail_ends_at


def test_a_bail_extension_by_the_wrong_rank_shows_the_error_and_saves_nothing(client, officer, bail, urls):
    client.force_login(officer)
    response = client.post(
        urls["bail_extend"],
        {
            "approver_rank": "superintendent",
            "approved_at": local(bail.released_at + timedelta(hours=1)),
            "approved_by": "Supt Rees",
        },
    )
    assert response.status_code == 400
    assert BAIL_EXTEND_WRONG_RANK.format(rank="Inspector (PACE s.47ZD)") in response.content.decode()
    assert not BailExtension.objects.exists()


def test_a_release_that_is_not_bail_has_no_extension_page(client, officer, case, arrest, bail):
    rui = release_record(
        arrest=arrest, actor=officer, kind=Release.Kind.RUI, released_at=bail.released_at + timedelta(days=1)
    )
    client.force_login(officer)
    response = client.get(reverse("cases:bail_extend", args=[case.reference, arrest.pk, rui.pk]))
    assert response.status_code == 404


def test_bail_after_a_2016_arrest_is_recorded_from_the_page_with_its_answer_date_and_has_no_extension_page(
    client, officer, team, supervisor
):
    case = CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor, opened_at=london(2016, 1, 4, 9))
    arrest = ArrestFactory(case=case, arrested_at=london(2016, 6, 1, 9), relevant_time=london(2016, 6, 1, 9, 20))
    client.force_login(officer)
    add = reverse("cases:release_add", args=[case.reference, arrest.pk])

    without = client.post(add, {"kind": "bail", "released_at": local(london(2016, 6, 1, 18))})
    assert without.status_code == 400
    assert BAIL_BEFORE_2017_NEEDS_ANSWER in without.content.decode()

    response = client.post(
        add,
        {
            "kind": "bail",
            "released_at": local(london(2016, 6, 1, 18)),
            "answer_at": local(london(2016, 9, 1, 10)),
            "answer_place": "Stafford police station",
        },
    )
    assert response.status_code == 302
    release = arrest.releases.get()
    assert release.bail_regime == Release.BailRegime.PRE_2017
    page = client.get(reverse("cases:arrest_detail", args=[case.reference, arrest.pk])).content.decode()
    assert "Pre-charge bail before 3 Apr 2017: no statutory time limit" in page
    assert "To answer bail 1 Sep 2016 10:00 at Stafford police station" in page
    assert "Extend this bail" not in page
    extend = reverse("cases:bail_extend", args=[case.reference, arrest.pk, release.pk])
    assert client.get(extend).status_code == 404
