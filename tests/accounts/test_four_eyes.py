"""Four eyes (docs/administration.md): a role that sees or changes much, another force's team, a grant
of a case outside its team and lifting a restriction are approved by a second administrator. Nobody
decides their own request or one about themselves; each refusal is in the audit trail for the
anomaly flags; a request decided or lapsed cannot be approved (again), and changes nothing."""

import re
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from accounts.models import AccessRequest
from accounts.permissions import ABOUT_YOURSELF, OWN_REQUEST
from accounts.roles import AUDITOR, OFFICER, SUPERVISOR, roles_of
from accounts.services import people
from accounts.services.requests import (
    REQUEST_DECIDED,
    REQUEST_EXPIRED,
    access_request_approve,
    access_request_refuse,
)
from audit.models import AuditEntry
from cases.selectors import cases_visible_to
from cases.services import access as case_access
from tests.conftest import BrowserClient
from tests.factories.cases import CaseFactory
from tests.factories.people import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


def signed_in(user) -> BrowserClient:
    client = BrowserClient()
    client.force_login(user)
    return client


def held_roles(user) -> set[str]:
    return set(user.groups.values_list("name", flat=True))


@pytest.fixture
def supervisor_request(administrator, officer):
    [asked] = people.user_set_roles(actor=administrator, person=officer, roles=[OFFICER, SUPERVISOR])
    return asked


def test_a_second_administrator_approves_and_the_role_is_given(supervisor_request, second_administrator, officer):
    access_request_approve(access_request=supervisor_request, actor=second_administrator, note="Promoted DS.")

    assert SUPERVISOR in held_roles(officer)
    supervisor_request.refresh_from_db()
    assert supervisor_request.status == AccessRequest.Status.APPROVED
    assert (supervisor_request.decided_by, supervisor_request.decision_note) == (second_administrator, "Promoted DS.")
    entry = AuditEntry.objects.get(kind=AuditEntry.Kind.ADMIN_ACTION, changes__action="access_request_approve")
    assert entry.object_type == "accounts.AccessRequest"
    assert entry.changes["requested_by"] == "admin.jones"


def test_nobody_approves_their_own_request_and_the_attempt_is_recorded(supervisor_request, administrator, officer):
    with pytest.raises(PermissionDenied, match=OWN_REQUEST):
        access_request_approve(access_request=supervisor_request, actor=administrator)

    assert SUPERVISOR not in held_roles(officer)
    supervisor_request.refresh_from_db()
    assert supervisor_request.status == AccessRequest.Status.PENDING
    [entry] = AuditEntry.objects.filter(kind=AuditEntry.Kind.ACCESS_DENIED, changes__four_eyes="own_request")
    assert entry.object_type == "accounts.AccessRequest"
    assert entry.object_id == str(supervisor_request.pk)
    assert entry.changes == {
        "four_eyes": "own_request",
        "action": "access_request_approve",
        "person": "",
        "request": supervisor_request.pk,
    }


def test_nobody_refuses_their_own_request_either(supervisor_request, administrator):
    with pytest.raises(PermissionDenied, match=OWN_REQUEST):
        access_request_refuse(access_request=supervisor_request, actor=administrator)


def test_nobody_approves_a_request_about_themselves(administrator, second_administrator):
    """Two administrators cannot trade roles: one asks for the other, who may not approve it."""
    [asked] = people.user_set_roles(actor=second_administrator, person=administrator, roles=["Administrator", AUDITOR])

    with pytest.raises(PermissionDenied, match=ABOUT_YOURSELF):
        access_request_approve(access_request=asked, actor=administrator)

    assert AUDITOR not in held_roles(administrator)
    assert AuditEntry.objects.filter(changes__four_eyes="about_yourself", actor_id=administrator.pk).exists()


def test_the_database_refuses_a_request_decided_by_its_requester(supervisor_request, administrator):
    with pytest.raises(IntegrityError), transaction.atomic():
        AccessRequest.objects.filter(pk=supervisor_request.pk).update(
            status="approved", decided_by=administrator, decided_at=timezone.now()
        )


def test_approving_twice_says_so_and_changes_nothing(supervisor_request, second_administrator, officer):
    access_request_approve(access_request=supervisor_request, actor=second_administrator)
    officer.groups.clear()

    with pytest.raises(ValidationError) as error:
        access_request_approve(access_request=supervisor_request, actor=second_administrator)

    assert error.value.messages == [REQUEST_DECIDED.format(state="approved")]
    assert held_roles(officer) == set()


def test_approving_twice_on_the_page_is_a_400_with_the_message(supervisor_request, second_administrator):
    client = signed_in(second_administrator)
    url = reverse("administration:request_approve", args=[supervisor_request.pk])

    assert client.post(url).status_code == 302
    again = client.post(url)

    assert again.status_code == 400
    assert REQUEST_DECIDED.format(state="approved") in again.content.decode()


def test_a_refused_request_cannot_then_be_approved(supervisor_request, second_administrator, officer):
    access_request_refuse(access_request=supervisor_request, actor=second_administrator)

    with pytest.raises(ValidationError, match="already refused"):
        access_request_approve(access_request=supervisor_request, actor=second_administrator)
    assert SUPERVISOR not in held_roles(officer)


def test_a_request_lapses_after_the_configured_days(supervisor_request, second_administrator, officer, settings):
    settings.SAFEGUARD_ACCESS_REQUEST_DAYS = 3
    AccessRequest.objects.filter(pk=supervisor_request.pk).update(
        requested_at=timezone.now() - timedelta(days=4), expires_at=timezone.now() - timedelta(days=1)
    )
    supervisor_request.refresh_from_db()
    assert supervisor_request.state_label == "Expired"

    with pytest.raises(ValidationError) as error:
        access_request_approve(access_request=supervisor_request, actor=second_administrator)

    assert error.value.messages == [REQUEST_EXPIRED.format(days=3)]
    assert SUPERVISOR not in held_roles(officer)
    page = signed_in(second_administrator).get(reverse("administration:requests")).content.decode()
    assert "No requests are waiting." in page


def test_a_new_request_lasts_the_configured_days(administrator, officer, settings):
    settings.SAFEGUARD_ACCESS_REQUEST_DAYS = 2
    [asked] = people.user_set_roles(actor=administrator, person=officer, roles=[AUDITOR])

    assert asked.expires_at - asked.requested_at == timedelta(days=2)


def test_the_same_request_is_not_made_twice(supervisor_request, administrator, officer):
    assert people.user_set_roles(actor=administrator, person=officer, roles=[OFFICER, SUPERVISOR]) == []
    assert AccessRequest.objects.count() == 1


def test_an_administrator_of_another_force_cannot_decide(supervisor_request, other_force_administrator, officer):
    response = signed_in(other_force_administrator).post(
        reverse("administration:request_approve", args=[supervisor_request.pk])
    )

    assert response.status_code == 404
    assert SUPERVISOR not in held_roles(officer)
    assert AuditEntry.objects.filter(changes__four_eyes="other_force").exists()


def test_another_forces_team_is_approved_by_that_forces_administrator(
    administrator, second_administrator, officer, other_force_administrator
):
    war_team = TeamFactory(force=other_force_administrator.force, name="OCSAE Team")
    asked = people.user_request_team(actor=administrator, person=officer, team=war_team)

    with pytest.raises(Http404):  # not the team's force
        access_request_approve(access_request=asked, actor=second_administrator)
    access_request_approve(access_request=asked, actor=other_force_administrator)

    assert officer.teams.filter(pk=war_team.pk).exists()


def test_a_disabled_person_is_not_given_the_role(supervisor_request, second_administrator, officer):
    officer.is_active = False
    officer.save()

    with pytest.raises(ValidationError, match="disabled"):
        access_request_approve(access_request=supervisor_request, actor=second_administrator)

    supervisor_request.refresh_from_db()
    assert supervisor_request.status == AccessRequest.Status.PENDING


def test_the_requests_page_offers_no_decision_on_ones_own_request(
    supervisor_request, administrator, second_administrator
):
    own = signed_in(administrator).get(reverse("administration:requests")).content.decode()
    other = signed_in(second_administrator).get(reverse("administration:requests")).content.decode()
    approve = reverse("administration:request_approve", args=[supervisor_request.pk])

    assert approve not in own and "Another administrator must decide this" in own
    assert approve in other


# --- Cases: grants across teams and lifting a restriction ---------------------------------------


@pytest.fixture
def restricted_case(team, officer, supervisor):
    return CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor, restricted=True)


def test_a_grant_across_teams_is_made_only_when_an_administrator_approves(
    restricted_case, supervisor, outsider, administrator
):
    asked = case_access.case_grant_access(case=restricted_case, actor=supervisor, user=outsider, level="record")
    assert asked is not None
    assert restricted_case not in cases_visible_to(outsider)

    access_request_approve(access_request=asked, actor=administrator)

    assert restricted_case in cases_visible_to(outsider)


def test_the_person_granted_cannot_approve_their_own_grant(team, restricted_case, supervisor, force):
    administrator_in_team = UserFactory(username="admin.team", force=force, roles=["Administrator", OFFICER])
    asked = case_access.case_grant_access(
        case=restricted_case, actor=supervisor, user=administrator_in_team, level="view"
    )
    assert asked is not None

    with pytest.raises(PermissionDenied, match=ABOUT_YOURSELF):
        access_request_approve(access_request=asked, actor=administrator_in_team)

    assert restricted_case not in cases_visible_to(administrator_in_team)


def test_an_examiner_of_another_team_is_assigned_only_on_approval(team, other_team, supervisor, officer, administrator):
    case = CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor)
    examiner = UserFactory(
        username="dfi.other", force=team.force, teams=[other_team], roles=["Digital forensics examiner"]
    )

    asked = case_access.case_assign_examiner(case=case, actor=supervisor, examiner=examiner)
    assert asked is not None

    assert case not in cases_visible_to(examiner)
    access_request_approve(access_request=asked, actor=administrator)
    assert case in cases_visible_to(examiner)


def test_lifting_a_restriction_from_the_page_waits_for_approval(restricted_case, supervisor, team, administrator):
    colleague = UserFactory(username="dc.colleague", force=team.force, teams=[team], roles=[OFFICER])
    url = reverse("cases:case_restrict", args=[restricted_case.reference])

    response = signed_in(supervisor).post(url, {"version": restricted_case.version}, follow=True)

    page = response.content.decode()
    assert "sent to an administrator to approve" in page, re.findall(r"message-[a-z]+\">[^<]*", page)
    assert restricted_case not in cases_visible_to(colleague)
    asked = AccessRequest.objects.get(kind=AccessRequest.Kind.CASE_UNRESTRICT)
    assert signed_in(administrator).post(reverse("administration:request_approve", args=[asked.pk])).status_code == 302
    assert restricted_case in cases_visible_to(colleague)


def test_an_approved_role_counts_from_the_next_request(supervisor_request, second_administrator, officer):
    assert SUPERVISOR not in roles_of(officer)
    access_request_approve(access_request=supervisor_request, actor=second_administrator)
    officer.refresh_from_db()
    fresh = type(officer).objects.get(pk=officer.pk)
    assert SUPERVISOR in roles_of(fresh)


@pytest.mark.parametrize("button", ["administration:request_approve", "administration:request_refuse"])
def test_a_note_that_cannot_be_kept_decides_nothing_and_says_so(
    supervisor_request, second_administrator, officer, button
):
    response = signed_in(second_administrator).post(reverse(button, args=[supervisor_request.pk]), {"note": "x" * 2001})

    assert response.status_code == 400
    assert "Note: " in response.content.decode()
    supervisor_request.refresh_from_db()
    assert supervisor_request.status == AccessRequest.Status.PENDING
    assert SUPERVISOR not in held_roles(officer)
