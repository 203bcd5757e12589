"""The pages for the rest of the pre-charge bail law: an FCA, HMRC, NCA or SFO case on the release
form (PACE s.47ZB), a designated case's extension (s.47ZE), the court's application pending
(s.47ZJ), and where bail is shown (arrest page, case page)."""

import pytest
from django.urls import reverse
from guardian.shortcuts import assign_perm

from cases.models import BailExtension, Release
from cases.rules import LONDON
from cases.services.custody import (
    BAIL_BODY_CONFIRMER_REQUIRED,
    BAIL_COURT_APPLIED_AFTER_END,
    BAIL_DESIGNATION_REQUIRED,
    bail_extend,
    release_record,
)
from tests.factories.cases import CaseFactory
from tests.factories.custody import ArrestFactory, london


def local(moment):
    return moment.astimezone(LONDON).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def case(team, officer, supervisor):
    return CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor, opened_at=london(2020, 1, 6, 9))


@pytest.fixture
def arrest(case):
    return ArrestFactory(case=case, arrested_at=london(2023, 1, 31, 6), relevant_time=london(2023, 1, 31, 6))


@pytest.fixture
def bail_to_47zda(arrest, officer):
    """A standard case's bail extended to 9 months (PACE s.47ZDA): to 31 Oct 2023."""
    release = release_record(arrest=arrest, actor=officer, kind="bail", released_at=london(2023, 1, 31, 10))
    for rank, when in (("inspector", london(2023, 4, 20, 12)), ("superintendent", london(2023, 7, 20, 12))):
        bail_extend(release=release, actor=officer, approved_at=when, approved_by=f"{rank} Lowe", approver_rank=rank)
    return release


def apply_url(case, arrest, release):
    return reverse("cases:bail_court_apply", args=[case.reference, arrest.pk, release.pk])


def test_an_nca_case_is_recorded_from_the_release_form_with_its_six_month_end(client, officer, case, arrest):
    client.force_login(officer)
    url = reverse("cases:release_add", args=[case.reference, arrest.pk])
    response = client.post(
        url,
        {
            "kind": "bail",
            "released_at": local(london(2023, 1, 31, 10)),
            "investigating_body": "nca",
            "body_confirmed_by": "NCA officer J. Patel",
        },
    )
    assert response.status_code == 302
    release = arrest.releases.get()
    assert (release.investigating_body, release.bail_ends_at.astimezone(LONDON).date().isoformat()) == (
        "nca",
        "2023-07-31",
    )
    page = client.get(reverse("cases:arrest_detail", args=[case.reference, arrest.pk])).content.decode()
    assert "31 Jul 2023, end of day" in page
    assert "National Crime Agency (NCA case), confirmed by NCA officer J. Patel" in page
    assert "PACE s.47ZB(1)(a)" in page
    case_page = client.get(case.get_absolute_url()).content.decode()
    assert "National Crime Agency (NCA case), confirmed by NCA officer J. Patel" in case_page


def test_an_nca_case_without_its_confirming_officer_names_the_field_and_saves_nothing(client, officer, case, arrest):
    client.force_login(officer)
    url = reverse("cases:release_add", args=[case.reference, arrest.pk])
    response = client.post(
        url, {"kind": "bail", "released_at": local(london(2023, 1, 31, 10)), "investigating_body": "nca"}
    )
    assert response.status_code == 400
    assert BAIL_BODY_CONFIRMER_REQUIRED.format(body="the National Crime Agency") in response.content.decode()
    assert not Release.objects.exists()


def test_a_designated_case_is_extended_from_the_bail_page_and_shown_with_its_section(
    client, officer, case, arrest, bail_to_47zda
):
    client.force_login(officer)
    url = reverse("cases:bail_extend", args=[case.reference, arrest.pk, bail_to_47zda.pk])
    page = client.get(url).content.decode()
    assert (
        "Magistrates&#x27; court (PACE s.47ZF) or Commander or assistant chief constable (or above) (PACE s.47ZE)"
        in page
    )
    response = client.post(
        url,
        {
            "approver_rank": "qualifying_officer",
            "approved_at": local(london(2023, 10, 25, 12)),
            "approved_by": "Cdr Lowe",
            "designated_at": local(london(2023, 10, 24, 9)),
            "designated_by": "CPS Special Crime Division",
        },
    )
    assert response.status_code == 302
    arrest_page = client.get(reverse("cases:arrest_detail", args=[case.reference, arrest.pk])).content.decode()
    assert "To 31 Jan 2024, end of day by Cdr Lowe" in arrest_page
    assert "PACE s.47ZE" in arrest_page
    assert "case designated exceptionally complex for the DPP by CPS Special Crime Division, 24 Oct 2023 09:00" in (
        arrest_page
    )


def test_a_commanders_extension_without_the_designation_names_the_fields_and_saves_nothing(
    client, officer, case, arrest, bail_to_47zda
):
    client.force_login(officer)
    url = reverse("cases:bail_extend", args=[case.reference, arrest.pk, bail_to_47zda.pk])
    response = client.post(
        url,
        {
            "approver_rank": "qualifying_officer",
            "approved_at": local(london(2023, 10, 25, 12)),
            "approved_by": "Cdr Lowe",
        },
    )
    assert response.status_code == 400
    assert BAIL_DESIGNATION_REQUIRED in response.content.decode()
    assert BailExtension.objects.count() == 2


def test_an_application_to_the_court_is_recorded_and_shown_as_pending(client, officer, case, arrest, bail_to_47zda):
    client.force_login(officer)
    response = client.post(apply_url(case, arrest, bail_to_47zda), {"applied_at": local(london(2023, 10, 30, 10))})
    assert response.status_code == 302
    bail_to_47zda.refresh_from_db()
    assert bail_to_47zda.court_applied_at == london(2023, 10, 30, 10)
    page = client.get(reverse("cases:arrest_detail", args=[case.reference, arrest.pk])).content.decode()
    assert "Application to the court made 30 Oct 2023 10:00, not yet determined:" in page
    assert "treated as extended until the court decides (PACE s.47ZJ(3))" in page
    case_page = client.get(case.get_absolute_url()).content.decode()
    assert "not yet determined: treated as extended (PACE s.47ZJ(3))" in case_page
    # Past the end of 31 Oct 2023, the deadline is neither met nor missed.
    assert '<strong class="tag tag-orange">Treated as extended (application pending, s.47ZJ(3))</strong>' in case_page


def test_an_application_after_bail_ended_names_the_field_and_the_rule_and_saves_nothing(
    client, officer, case, arrest, bail_to_47zda
):
    client.force_login(officer)
    response = client.post(apply_url(case, arrest, bail_to_47zda), {"applied_at": local(london(2023, 11, 1, 10))})
    assert response.status_code == 400
    assert BAIL_COURT_APPLIED_AFTER_END.format(end="31 Oct 2023") in response.content.decode()
    bail_to_47zda.refresh_from_db()
    assert bail_to_47zda.court_applied_at is None


def test_the_application_page_requires_sign_in(client, case, arrest, bail_to_47zda):
    response = client.get(apply_url(case, arrest, bail_to_47zda))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_application_page_hides_another_teams_case(client, outsider, case, arrest, bail_to_47zda):
    client.force_login(outsider)
    url = apply_url(case, arrest, bail_to_47zda)
    assert client.get(url).status_code == 404
    assert client.post(url, {"applied_at": local(london(2023, 10, 30, 10))}).status_code == 404
    bail_to_47zda.refresh_from_db()
    assert bail_to_47zda.court_applied_at is None


def test_the_application_page_is_forbidden_to_one_who_may_see_the_case_but_not_record_on_it(
    client, examiner, case, arrest, bail_to_47zda
):
    for codename in ("view_case", "record_triage"):
        assign_perm(f"cases.{codename}", examiner, case)
    client.force_login(examiner)
    url = apply_url(case, arrest, bail_to_47zda)
    assert client.get(url).status_code == 403
    assert client.post(url, {"applied_at": local(london(2023, 10, 30, 10))}).status_code == 403
    bail_to_47zda.refresh_from_db()
    assert bail_to_47zda.court_applied_at is None


def test_the_application_page_refuses_the_wrong_method(client, officer, case, arrest, bail_to_47zda):
    client.force_login(officer)
    assert client.delete(apply_url(case, arrest, bail_to_47zda)).status_code == 405


def test_the_arrest_page_offers_an_application_to_the_court_only_when_the_court_may_extend_next(
    client, officer, case, arrest, bail_to_47zda
):
    client.force_login(officer)
    page = reverse("cases:arrest_detail", args=[case.reference, arrest.pk])
    assert "Record an application to the court to extend this bail" in client.get(page).content.decode()

    fresh = ArrestFactory(case=case, arrested_at=london(2023, 3, 1, 6), relevant_time=london(2023, 3, 1, 6))
    release_record(arrest=fresh, actor=officer, kind="bail", released_at=london(2023, 3, 1, 10))
    fresh_page = client.get(reverse("cases:arrest_detail", args=[case.reference, fresh.pk])).content.decode()
    # s.47ZF(1): the court comes after s.47ZDA, s.47ZDB or s.47ZE, not before an inspector.
    assert "Extend this bail" in fresh_page
    assert "Record an application to the court" not in fresh_page
