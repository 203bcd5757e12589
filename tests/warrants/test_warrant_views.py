"""Warrant pages: who may see them, what they offer in each state, and what a POST does."""

from datetime import timedelta

import pytest
from django.urls import reverse

from cases.models import CaseLogEntry
from tests.factories.cases import CaseFactory, PremisesFactory
from tests.factories.warrants import WarrantFactory, london, typed
from warrants import services
from warrants.models import FurtherEntryAuthority, Warrant

pytestmark = pytest.mark.django_db


def url(name, warrant):
    return reverse(f"warrants:{name}", kwargs={"reference": warrant.case.reference, "pk": warrant.pk})


@pytest.fixture
def signed_in(client, officer):
    client.force_login(officer)
    return client


@pytest.fixture
def issued_warrant(case, officer, premises):
    warrant = services.warrant_draft(
        case=case, actor=officer, premises=premises, power="poca_s4", entry="multiple", court="Stafford Court"
    )
    services.warrant_apply(warrant=warrant, actor=officer, applied_at=london(2026, 1, 30, 9))
    return services.warrant_record_issue(
        warrant=warrant, actor=officer, issued_at=london(2026, 1, 31, 10), issuing_justice="DJ Khan"
    )


# --- Access -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["detail", "apply", "issue", "refuse", "execute", "return", "further_entry"])
def test_warrant_pages_require_sign_in(client, case, premises, name):
    warrant = WarrantFactory(case=case, premises=premises)

    response = client.get(url(name, warrant))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_create_requires_sign_in(client, case):
    response = client.get(reverse("warrants:create", kwargs={"reference": case.reference}))

    assert response.status_code == 302


@pytest.mark.parametrize("name", ["detail", "apply", "execute"])
def test_warrant_of_another_teams_case_is_not_found(client, outsider, case, premises, name):
    warrant = WarrantFactory(case=case, premises=premises)
    client.force_login(outsider)

    assert client.get(url(name, warrant)).status_code == 404


def test_create_on_another_teams_case_is_not_found(client, outsider, case):
    client.force_login(outsider)

    response = client.post(reverse("warrants:create", kwargs={"reference": case.reference}), {})

    assert response.status_code == 404


def test_warrant_of_another_case_by_id_is_not_found(signed_in, case, team):
    other_case = CaseFactory(team=team)  # visible to the officer, but not the case in the URL
    foreign = WarrantFactory(case=other_case, issued=True)
    path = reverse("warrants:execute", kwargs={"reference": case.reference, "pk": foreign.pk})

    assert signed_in.get(path).status_code == 404
    assert signed_in.post(path, {"executed_at": "2026-02-03T06:30"}).status_code == 404
    foreign.refresh_from_db()
    assert foreign.status == Warrant.Status.ISSUED


def test_wrong_methods_are_refused(signed_in, case, premises):
    warrant = WarrantFactory(case=case, premises=premises)

    assert signed_in.post(url("detail", warrant)).status_code == 405
    assert signed_in.put(url("apply", warrant)).status_code == 405
    assert signed_in.delete(reverse("warrants:create", kwargs={"reference": case.reference})).status_code == 405


# --- Draft --------------------------------------------------------------------------------------


def test_create_saves_a_draft_and_goes_to_the_warrant(signed_in, case, premises, officer):
    response = signed_in.post(
        reverse("warrants:create", kwargs={"reference": case.reference}),
        {"premises": premises.pk, "power": "pace_s8", "entry": "single", "court": "Stafford Court"},
    )

    warrant = Warrant.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("detail", warrant)
    assert warrant.status == Warrant.Status.DRAFT
    assert warrant.applicant == officer


def test_create_refuses_premises_of_another_case_and_saves_nothing(signed_in, case, team):
    elsewhere = PremisesFactory(case=CaseFactory(team=team))

    response = signed_in.post(
        reverse("warrants:create", kwargs={"reference": case.reference}),
        {"premises": elsewhere.pk, "power": "pace_s8", "entry": "single", "court": "Stafford Court"},
    )

    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not Warrant.objects.exists()


# --- Each step ----------------------------------------------------------------------------------


def test_apply_records_the_application(signed_in, case, premises):
    warrant = WarrantFactory(case=case, premises=premises)

    response = signed_in.post(url("apply", warrant), {"applied_at": "2026-01-30T09:00"})

    assert response.status_code == 302
    assert response["Location"] == url("detail", warrant)
    warrant.refresh_from_db()
    assert warrant.status == Warrant.Status.APPLIED
    assert warrant.applied_at == london(2026, 1, 30, 9)


def test_issue_shows_the_services_error_and_saves_nothing(signed_in, case, officer, premises):
    warrant = WarrantFactory(case=case, premises=premises)
    services.warrant_apply(warrant=warrant, actor=officer, applied_at=london(2026, 1, 30, 9))
    logged = CaseLogEntry.objects.count()

    response = signed_in.post(url("issue", warrant), {"issued_at": "2026-01-30T08:00", "issuing_justice": "DJ Khan"})

    assert response.status_code == 400
    assert services.WARRANT_ISSUED_BEFORE_APPLIED in response.content.decode()
    warrant.refresh_from_db()
    assert warrant.status == Warrant.Status.APPLIED
    assert CaseLogEntry.objects.count() == logged


def test_issue_records_the_issue_and_shows_the_computed_expiry(signed_in, case, officer, premises):
    warrant = WarrantFactory(case=case, premises=premises)
    services.warrant_apply(warrant=warrant, actor=officer, applied_at=london(2026, 1, 30, 9))

    response = signed_in.post(url("issue", warrant), {"issued_at": "2026-01-31T10:00", "issuing_justice": "DJ Khan"})

    assert response.status_code == 302
    page = signed_in.get(url("detail", warrant)).content.decode()
    assert "Last day for entry" in page
    assert "30 Apr 2026: entry at any time that day" in page
    assert "PACE 1984 s.16(3)" in page


def test_refuse_records_the_refusal(signed_in, case, premises):
    # Applied at a fixed time before the refusal below (a time relative to now made this depend on the clock).
    warrant = WarrantFactory(case=case, premises=premises, applied=True, applied_at=london(2026, 11, 19, 9))

    response = signed_in.post(
        url("refuse", warrant), {"refused_at": "2026-11-20T10:00", "refusal_reason": "Grounds not made out."}
    )

    assert response.status_code == 302
    warrant.refresh_from_db()
    assert warrant.status == Warrant.Status.REFUSED


def test_execute_page_shows_expiry_and_its_source(signed_in, issued_warrant):
    page = signed_in.get(url("execute", issued_warrant)).content.decode()

    assert "30 Apr 2026: entry at any time that day" in page
    assert "PACE 1984 s.16(3)" in page
    assert 'name="executed_at"' in page


def test_execute_records_the_execution(signed_in, issued_warrant, officer):
    response = signed_in.post(
        url("execute", issued_warrant),
        {"executed_at": "2026-02-03T06:30", "executed_by": officer.pk, "persons_present": "DC Hughes"},
    )

    assert response.status_code == 302
    issued_warrant.refresh_from_db()
    assert issued_warrant.status == Warrant.Status.EXECUTED
    assert issued_warrant.executed_by == officer


def test_execute_after_expiry_shows_the_error_and_saves_nothing(signed_in, issued_warrant, officer):
    response = signed_in.post(
        url("execute", issued_warrant), {"executed_at": "2026-05-01T00:01", "executed_by": officer.pk}
    )

    assert response.status_code == 400
    assert services.WARRANT_EXECUTED_AFTER_LAST_DAY.format(day="30 Apr 2026") in response.content.decode()
    issued_warrant.refresh_from_db()
    assert issued_warrant.status == Warrant.Status.ISSUED
    assert issued_warrant.executed_at is None


def test_execute_of_a_draft_by_url_says_why_not_and_offers_no_form(signed_in, case, premises, officer):
    warrant = WarrantFactory(case=case, premises=premises)

    page = signed_in.get(url("execute", warrant))
    posted = signed_in.post(url("execute", warrant), {"executed_at": "2026-02-03T06:30", "executed_by": officer.pk})

    assert page.status_code == 200
    assert services.WARRANT_EXECUTION_BEFORE_ISSUE in page.content.decode()
    assert 'name="executed_at"' not in page.content.decode()
    assert posted.status_code == 400
    assert services.WARRANT_EXECUTION_BEFORE_ISSUE in posted.content.decode()
    warrant.refresh_from_db()
    assert warrant.status == Warrant.Status.DRAFT


def test_execute_by_someone_outside_the_case_is_refused(signed_in, issued_warrant, outsider):
    response = signed_in.post(
        url("execute", issued_warrant), {"executed_at": "2026-02-03T06:30", "executed_by": outsider.pk}
    )

    assert response.status_code == 400
    issued_warrant.refresh_from_db()
    assert issued_warrant.executed_at is None


def test_return_records_the_return(signed_in, case, premises):
    warrant = WarrantFactory(case=case, premises=premises, executed=True)

    assert warrant.executed_at is not None
    response = signed_in.post(url("return", warrant), {"returned_at": typed(warrant.executed_at + timedelta(hours=1))})

    assert response.status_code == 302
    warrant.refresh_from_db()
    assert warrant.status == Warrant.Status.RETURNED


def test_further_entry_records_the_inspectors_authority(signed_in, issued_warrant, officer):
    services.warrant_record_execution(
        warrant=issued_warrant, actor=officer, executed_at=london(2026, 2, 3, 6, 30), executed_by=officer
    )

    response = signed_in.post(
        url("further_entry", issued_warrant),
        {"authorised_by": "Inspector Shah", "authorised_at": "2026-03-01T09:00", "entered_at": ""},
    )

    assert response.status_code == 302
    assert FurtherEntryAuthority.objects.get().authorised_by == "Inspector Shah"


def test_further_entry_without_the_inspector_is_refused(signed_in, issued_warrant, officer):
    services.warrant_record_execution(
        warrant=issued_warrant, actor=officer, executed_at=london(2026, 2, 3, 6, 30), executed_by=officer
    )

    response = signed_in.post(url("further_entry", issued_warrant), {"authorised_at": "2026-03-01T09:00"})

    assert response.status_code == 400
    assert not FurtherEntryAuthority.objects.exists()


# --- What the detail page offers ----------------------------------------------------------------


def test_detail_of_a_draft_offers_only_the_application(signed_in, case, premises):
    warrant = WarrantFactory(case=case, premises=premises)

    page = signed_in.get(url("detail", warrant)).content.decode()

    assert url("apply", warrant) in page
    for name in ("issue", "refuse", "execute", "return", "further_entry"):
        assert url(name, warrant) not in page
    assert "Draft" in page


def test_detail_of_an_issued_warrant_in_force_offers_only_execution(signed_in, case, premises):
    warrant = WarrantFactory(case=case, premises=premises, issued=True, entry=Warrant.Entry.MULTIPLE)

    page = signed_in.get(url("detail", warrant)).content.decode()

    assert url("execute", warrant) in page
    for name in ("apply", "issue", "refuse", "return", "further_entry"):
        assert url(name, warrant) not in page


def test_detail_of_an_issued_warrant_past_expiry_offers_its_return(signed_in, case, premises):
    warrant = WarrantFactory(case=case, premises=premises, expired=True, status=Warrant.Status.ISSUED)

    page = signed_in.get(url("detail", warrant)).content.decode()

    assert url("return", warrant) in page
