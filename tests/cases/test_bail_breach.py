"""Breaches of pre-charge bail: failing to answer bail or breaking a condition (PACE s.46A(1), (1A))."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from guardian.shortcuts import assign_perm

from audit.context import acting_as
from audit.models import AuditEntry
from cases.models import BailBreach, CaseLogEntry, Release
from cases.rules import LONDON
from cases.services.corrections import TOO_LATE
from cases.services.custody import (
    BAIL_BREACH_AFTER_END,
    BAIL_BREACH_BEFORE_RELEASE,
    BAIL_BREACH_DESCRIPTION_REQUIRED,
    BAIL_BREACH_NOT_BAIL,
    bail_breach_record,
    release_record,
)
from tests.factories.cases import CaseFactory
from tests.factories.custody import ArrestFactory, london


@pytest.fixture
def case(team, officer, supervisor):
    return CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor, opened_at=london(2016, 1, 4, 9))


@pytest.fixture
def arrest(case):
    return ArrestFactory(case=case, arrested_at=london(2023, 1, 10, 9), relevant_time=london(2023, 1, 10, 9, 20))


@pytest.fixture
def bail(arrest, officer):
    """Bailed on 10 Jan 2023 under the 2022 regime: bail ends at the end of 10 Apr 2023."""
    return release_record(
        arrest=arrest,
        actor=officer,
        kind=Release.Kind.BAIL,
        released_at=london(2023, 1, 10, 15),
        bail_conditions="No contact with children under 16.",
        answer_at=london(2023, 2, 7, 10),
        answer_place="Hanley police station",
    )


def breach(release, actor, occurred_at, description="Failed to attend Hanley police station at 10:00."):
    return bail_breach_record(release=release, actor=actor, occurred_at=occurred_at, description=description)


def test_a_failure_to_answer_bail_is_recorded_with_who_noted_it_and_a_log_entry(bail, officer, case):
    recorded = breach(bail, officer, london(2023, 2, 7, 10, 30))

    assert recorded.noted_by == officer
    assert recorded.occurred_at == london(2023, 2, 7, 10, 30)
    entry = CaseLogEntry.objects.filter(case=case).latest("created_at")
    assert entry.text.startswith("Breach of bail by ")
    assert "(7 Feb 2023 10:30): Failed to attend Hanley police station at 10:00." in entry.text


def test_a_breach_is_audited_as_a_write_of_case_data(bail, officer, case):
    with acting_as(officer, source="web"):
        recorded = breach(bail, officer, london(2023, 2, 1, 21))
    [entry] = AuditEntry.objects.filter(object_type="cases.BailBreach", object_id=str(recorded.pk))
    assert (entry.kind, entry.case_reference, entry.actor_id) == (AuditEntry.Kind.CREATE, case.reference, officer.pk)
    assert entry.changes["description"] == {"before": None, "after": "Failed to attend Hanley police station at 10:00."}


def test_a_breach_on_the_last_day_of_bail_is_recorded_but_not_the_day_after(bail, officer):
    # 3 months beginning with 11 Jan 2023 (the bail start date) end at the end of 10 Apr 2023.
    breach(bail, officer, london(2023, 4, 10, 23, 59))
    with pytest.raises(ValidationError) as error:
        breach(bail, officer, london(2023, 4, 11, 0, 1))
    assert error.value.message_dict["occurred_at"] == [BAIL_BREACH_AFTER_END.format(end="10 Apr 2023, end of day")]


def test_a_breach_after_the_end_while_an_application_to_the_court_is_pending_is_recorded(bail, officer):
    # PACE s.47ZJ(3): bail is treated as extended until the court determines the application.
    Release.objects.filter(pk=bail.pk).update(court_applied_at=london(2023, 4, 5, 10))
    recorded = breach(bail, officer, london(2023, 4, 12, 10))
    assert recorded.occurred_at == london(2023, 4, 12, 10)


def test_a_breach_before_the_release_on_bail_is_refused(bail, officer):
    with pytest.raises(ValidationError) as error:
        breach(bail, officer, london(2023, 1, 10, 14))
    assert error.value.message_dict["occurred_at"] == [BAIL_BREACH_BEFORE_RELEASE]
    assert not BailBreach.objects.exists()


def test_a_breach_after_a_later_release_replaced_the_bail_is_refused(bail, officer, arrest):
    release_record(arrest=arrest, actor=officer, kind=Release.Kind.RUI, released_at=london(2023, 2, 1, 9))
    with pytest.raises(ValidationError) as error:
        breach(bail, officer, london(2023, 2, 2, 9))
    assert error.value.message_dict["occurred_at"] == [
        TOO_LATE.format(
            label="The breach", record="the released under investigation of 1 Feb 2023 09:00", at="1 Feb 2023 09:00"
        )
    ]


def test_a_breach_of_bail_before_2017_with_no_limit_is_recorded_long_after(case, officer):
    arrest = ArrestFactory(case=case, arrested_at=london(2016, 6, 1, 9), relevant_time=london(2016, 6, 1, 9, 20))
    old = release_record(
        arrest=arrest,
        actor=officer,
        kind=Release.Kind.BAIL,
        released_at=london(2016, 6, 1, 18),
        answer_at=london(2017, 6, 1, 10),
    )
    assert breach(old, officer, london(2017, 5, 30, 22)).release == old


def test_a_breach_needs_what_happened_and_only_bail_can_be_breached(bail, officer, arrest):
    with pytest.raises(ValidationError) as error:
        breach(bail, officer, london(2023, 2, 1, 21), description="   ")
    assert error.value.message_dict["description"] == [BAIL_BREACH_DESCRIPTION_REQUIRED]
    rui = release_record(arrest=arrest, actor=officer, kind=Release.Kind.RUI, released_at=london(2023, 3, 1, 9))
    with pytest.raises(ValidationError) as error:
        breach(rui, officer, london(2023, 3, 2, 9))
    assert error.value.messages == [BAIL_BREACH_NOT_BAIL]


# --- The page ------------------------------------------------------------------------------------


def local(moment):
    return moment.astimezone(LONDON).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def url(case, arrest, bail):
    return reverse("cases:bail_breach_add", args=[case.reference, arrest.pk, bail.pk])


def test_the_page_requires_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_page_hides_another_teams_case(client, outsider, url):
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    assert client.post(url, {"occurred_at": local(london(2023, 2, 1, 9)), "description": "x"}).status_code == 404
    assert not BailBreach.objects.exists()


def test_the_page_is_forbidden_to_one_who_may_see_the_case_but_not_record_on_it(client, examiner, case, url):
    # An examiner assigned to the case may see it and record triage, not bail.
    for codename in ("view_case", "record_triage"):
        assign_perm(f"cases.{codename}", examiner, case)
    client.force_login(examiner)
    assert client.get(url).status_code == 403
    assert client.post(url, {"occurred_at": local(london(2023, 2, 1, 9)), "description": "x"}).status_code == 403
    assert not BailBreach.objects.exists()


def test_the_page_refuses_the_wrong_method(client, officer, url):
    client.force_login(officer)
    assert client.delete(url).status_code == 405


def test_a_breach_is_saved_from_the_page_and_shown_on_the_arrest_and_case_pages(client, officer, case, arrest, url):
    client.force_login(officer)
    response = client.post(
        url, {"occurred_at": local(london(2023, 2, 7, 10, 30)), "description": "Failed to answer bail."}
    )
    assert response.status_code == 302
    assert BailBreach.objects.get().noted_by == officer
    arrest_page = client.get(reverse("cases:arrest_detail", args=[case.reference, arrest.pk])).content.decode()
    assert "Breach of bail</strong> 7 Feb 2023 10:30: Failed to answer bail." in arrest_page
    assert "To answer bail 7 Feb 2023 10:00 at Hanley police station" in arrest_page
    case_page = client.get(reverse("cases:detail", args=[case.reference])).content.decode()
    assert "to answer bail 7 Feb 2023 10:00 at Hanley police station" in case_page
    assert "Breach of bail 7 Feb 2023 10:30: Failed to answer bail." in case_page


def test_a_breach_before_the_release_shows_the_error_on_the_page_and_saves_nothing(client, officer, url):
    client.force_login(officer)
    response = client.post(url, {"occurred_at": local(london(2023, 1, 10, 14)), "description": "Curfew broken."})
    assert response.status_code == 400
    assert BAIL_BREACH_BEFORE_RELEASE in response.content.decode()
    assert not BailBreach.objects.exists()
