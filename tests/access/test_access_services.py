"""Grants, revokes, examiner assignment, reassignment and restriction: only a supervisor of the case's
team, each with its rule, its error text, its case-log line and its access_changed signal. A grant
outside the case's team and lifting a restriction wait for an administrator (four eyes: more in
tests/accounts/test_four_eyes.py)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.models import AccessRequest
from accounts.roles import EXAMINER, OFFICER, SUPERVISOR, Capability
from accounts.services.requests import access_request_approve
from audit.signals import access_changed
from cases.models import CaseLogEntry
from cases.models.access import CaseUserObjectPermission
from cases.selectors import case_allows, cases_visible_to
from cases.services import access as services
from cases.services.case import case_open
from tests.factories.cases import CaseFactory
from tests.factories.people import ForceFactory, TeamFactory, UserFactory


@pytest.fixture
def case(team, officer, supervisor):
    return CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor)


@pytest.fixture
def changes():
    heard: list[dict] = []

    def receiver(sender, **kwargs):
        heard.append(kwargs)

    access_changed.connect(receiver)
    yield heard
    access_changed.disconnect(receiver)


def grants(case, user) -> set[str]:
    return set(
        CaseUserObjectPermission.objects.filter(content_object=case, user=user).values_list(
            "permission__codename", flat=True
        )
    )


def last_log(case) -> str:
    return case.log_entries.filter(kind=CaseLogEntry.Kind.SYSTEM).order_by("-id").first().text


def grant_approved(*, case, supervisor, user, level, administrator) -> None:
    """A grant to someone outside the case's team: asked by the supervisor, approved by an administrator."""
    asked = services.case_grant_access(case=case, actor=supervisor, user=user, level=level)
    assert isinstance(asked, AccessRequest)
    access_request_approve(access_request=asked, actor=administrator)


def test_a_supervisor_grants_a_member_of_the_team_at_once(team, officer, supervisor, changes):
    case = CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor, restricted=True)
    colleague = UserFactory(force=team.force, teams=[team], roles=[OFFICER])

    assert services.case_grant_access(case=case, actor=supervisor, user=colleague, level="view") is None

    assert grants(case, colleague) == {"view_case"}
    assert AccessRequest.objects.count() == 0


def test_a_grant_to_someone_of_another_team_waits_for_an_administrator(case, supervisor, outsider, changes):
    asked = services.case_grant_access(case=case, actor=supervisor, user=outsider, level="view", reason="Joint op.")

    assert isinstance(asked, AccessRequest)
    assert (asked.kind, asked.person, asked.case_reference, asked.level, asked.reason) == (
        AccessRequest.Kind.CASE_GRANT,
        outsider,
        case.reference,
        "view",
        "Joint op.",
    )
    assert grants(case, outsider) == set()
    assert case not in cases_visible_to(outsider)
    assert changes == []


def test_a_supervisor_grants_read_access_to_someone_of_another_team(case, supervisor, outsider, changes, administrator):
    grant_approved(case=case, supervisor=supervisor, user=outsider, level="view", administrator=administrator)

    assert grants(case, outsider) == {"view_case"}
    assert case in cases_visible_to(outsider)
    assert not case_allows(case, outsider, Capability.RECORD_TEAM_CASES)
    assert last_log(case) == (
        f"Access granted to {outsider}: read (asked by {supervisor}, approved by {administrator})."
    )
    assert [(c["actor"], c["user"], c["case"], c["change"]) for c in changes] == [
        (administrator, outsider, case, "grant:view")
    ]


def test_a_record_grant_lets_someone_of_another_team_record(case, supervisor, outsider, administrator):
    grant_approved(case=case, supervisor=supervisor, user=outsider, level="record", administrator=administrator)

    assert grants(case, outsider) == {"view_case", "change_case"}
    assert case_allows(case, outsider, Capability.RECORD_TEAM_CASES)
    assert not case_allows(case, outsider, Capability.SUPERVISE)


@pytest.mark.parametrize("actor_name", ["officer", "examiner", "outsider"])
def test_only_a_supervisor_of_the_team_may_grant(request, case, outsider, actor_name, changes):
    actor = request.getfixturevalue(actor_name)

    with pytest.raises(PermissionDenied, match=services.ACCESS_SUPERVISOR_ONLY):
        services.case_grant_access(case=case, actor=actor, user=outsider, level="view")

    assert grants(case, outsider) == set()
    assert changes == []


def test_a_supervisor_of_another_team_may_not_grant(case, other_team, outsider):
    other_supervisor = UserFactory(force=other_team.force, teams=[other_team], roles=[SUPERVISOR])

    with pytest.raises(PermissionDenied, match=services.ACCESS_SUPERVISOR_ONLY):
        services.case_grant_access(case=case, actor=other_supervisor, user=outsider, level="view")


def test_grant_refuses_an_unknown_level_and_saves_nothing(case, supervisor, outsider):
    with pytest.raises(ValidationError) as error:
        services.case_grant_access(case=case, actor=supervisor, user=outsider, level="everything")

    assert error.value.message_dict == {"level": [services.ACCESS_LEVEL_INVALID]}
    assert grants(case, outsider) == set()


def test_grant_refuses_someone_of_another_force(case, supervisor):
    stranger = UserFactory(force=ForceFactory(code="WAR"), roles=[OFFICER])

    with pytest.raises(ValidationError) as error:
        services.case_grant_access(case=case, actor=supervisor, user=stranger, level="view")

    assert error.value.message_dict == {"user": [services.ACCESS_USER_OTHER_FORCE]}
    assert grants(case, stranger) == set()


def test_grant_refuses_a_disabled_account(case, supervisor, outsider):
    outsider.is_active = False
    outsider.save()

    with pytest.raises(ValidationError) as error:
        services.case_grant_access(case=case, actor=supervisor, user=outsider, level="view")

    assert error.value.message_dict == {"user": [services.ACCESS_USER_INACTIVE]}


def test_revoke_removes_every_grant(case, supervisor, outsider, changes, administrator):
    grant_approved(case=case, supervisor=supervisor, user=outsider, level="record", administrator=administrator)

    services.case_revoke_access(case=case, actor=supervisor, user=outsider)

    assert grants(case, outsider) == set()
    assert case not in cases_visible_to(outsider)
    assert last_log(case) == f"Access granted to {outsider} revoked."
    assert changes[-1]["change"] == "revoke"


def test_revoke_refuses_someone_with_nothing_granted(case, supervisor, outsider):
    with pytest.raises(ValidationError) as error:
        services.case_revoke_access(case=case, actor=supervisor, user=outsider)

    assert error.value.message_dict == {"user": [services.ACCESS_NOTHING_TO_REVOKE]}


def test_revoke_keeps_the_named_people_on_a_restricted_case(team, officer, supervisor):
    case = CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor, restricted=True)

    with pytest.raises(ValidationError) as error:
        services.case_revoke_access(case=case, actor=supervisor, user=officer)

    assert error.value.message_dict == {"user": [services.ACCESS_NAMED_ON_RESTRICTED]}
    assert grants(case, officer) == {"view_case", "change_case"}


def test_assigning_an_examiner_lets_them_see_the_case_and_record_devices_only(case, supervisor, examiner, changes):
    assert case not in cases_visible_to(examiner)

    services.case_assign_examiner(case=case, actor=supervisor, examiner=examiner)

    assert grants(case, examiner) == {"view_case", "record_triage"}
    assert case in cases_visible_to(examiner)
    assert case_allows(case, examiner, Capability.RECORD_DEVICES)
    assert not case_allows(case, examiner, Capability.RECORD_TEAM_CASES)
    assert last_log(case) == f"Digital forensics examiner {examiner} assigned."
    assert changes[-1]["change"] == "assign_examiner"


def test_assign_examiner_refuses_someone_who_is_not_an_examiner(case, supervisor, officer):
    with pytest.raises(ValidationError) as error:
        services.case_assign_examiner(case=case, actor=supervisor, examiner=officer)

    assert error.value.message_dict == {"examiner": [services.EXAMINER_NOT_EXAMINER]}
    assert grants(case, officer) == set()


def test_assign_examiner_refuses_an_examiner_already_assigned(case, supervisor, examiner):
    services.case_assign_examiner(case=case, actor=supervisor, examiner=examiner)

    with pytest.raises(ValidationError) as error:
        services.case_assign_examiner(case=case, actor=supervisor, examiner=examiner)

    assert error.value.message_dict == {"examiner": [services.EXAMINER_ALREADY_ASSIGNED]}


def test_reassign_names_a_new_officer_in_the_case(case, team, supervisor, changes):
    colleague = UserFactory(force=team.force, teams=[team], roles=[OFFICER])

    services.case_reassign(case=case, actor=supervisor, reason="Workload", officer_in_case=colleague)

    case.refresh_from_db()
    assert case.officer_in_case == colleague
    assert last_log(case) == f"Officer in the case now {colleague}. Reason: Workload"
    assert changes[-1]["change"] == "reassign_officer_in_case"


def test_reassign_refuses_an_officer_of_another_team_and_saves_nothing(case, supervisor, outsider, officer):
    with pytest.raises(ValidationError) as error:
        services.case_reassign(case=case, actor=supervisor, reason="Workload", officer_in_case=outsider)

    assert error.value.message_dict == {"officer_in_case": [services.REASSIGN_OIC_NOT_ELIGIBLE]}
    case.refresh_from_db()
    assert case.officer_in_case == officer


def test_reassign_refuses_a_supervisor_who_is_not_a_supervisor(case, supervisor, team):
    colleague = UserFactory(force=team.force, teams=[team], roles=[OFFICER])

    with pytest.raises(ValidationError) as error:
        services.case_reassign(case=case, actor=supervisor, reason="Workload", supervisor=colleague)

    assert error.value.message_dict == {"supervisor": [services.REASSIGN_SUPERVISOR_NOT_ELIGIBLE]}


def test_reassign_refuses_no_change(case, supervisor, officer):
    with pytest.raises(ValidationError, match=services.REASSIGN_NOTHING):
        services.case_reassign(case=case, actor=supervisor, reason="Workload", officer_in_case=officer)


def test_reassigning_a_restricted_case_grants_the_new_officer(team, officer, supervisor):
    case = CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor, restricted=True)
    colleague = UserFactory(force=team.force, teams=[team], roles=[OFFICER])
    assert case not in cases_visible_to(colleague)

    services.case_reassign(case=case, actor=supervisor, reason="Workload", officer_in_case=colleague)

    assert case in cases_visible_to(colleague)
    assert case in cases_visible_to(officer)  # the officer replaced keeps their grant until revoked


def test_restricting_hides_the_case_from_the_team_but_not_its_named_people(case, officer, supervisor, team, changes):
    colleague = UserFactory(force=team.force, teams=[team], roles=[OFFICER])
    assert case in cases_visible_to(colleague)

    services.case_set_restricted(case=case, actor=supervisor, restricted=True)

    assert case not in cases_visible_to(colleague)
    assert case in cases_visible_to(officer)
    assert case in cases_visible_to(supervisor)
    assert grants(case, officer) == {"view_case", "change_case"}
    assert last_log(case) == "Case restricted: need-to-know. Visible only to people granted it by name."
    assert {c["change"] for c in changes} == {"grant:record", "restrict"}


def test_lifting_the_restriction_waits_for_an_administrator_then_shows_the_case_to_the_team(
    team, officer, supervisor, administrator
):
    case = CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor, restricted=True)
    colleague = UserFactory(force=team.force, teams=[team], roles=[OFFICER])

    services.case_set_restricted(case=case, actor=supervisor, restricted=False)

    case.refresh_from_db()
    assert case.restricted is True
    assert case not in cases_visible_to(colleague)
    asked = AccessRequest.objects.get(kind=AccessRequest.Kind.CASE_UNRESTRICT, case_id=case.pk)
    assert last_log(case) == "Lifting the restriction asked of an administrator."

    access_request_approve(access_request=asked, actor=administrator)

    case.refresh_from_db()
    assert case.restricted is False
    assert case in cases_visible_to(colleague)


def test_asking_twice_to_lift_a_restriction_is_refused(team, officer, supervisor):
    case = CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor, restricted=True)
    services.case_set_restricted(case=case, actor=supervisor, restricted=False)

    with pytest.raises(ValidationError) as error:
        services.case_set_restricted(case=case, actor=supervisor, restricted=False)

    assert error.value.message_dict == {"restricted": [services.RESTRICT_LIFT_PENDING]}
    assert AccessRequest.objects.count() == 1


def test_restrict_refuses_no_change(case, supervisor):
    with pytest.raises(ValidationError) as error:
        services.case_set_restricted(case=case, actor=supervisor, restricted=False)

    assert error.value.message_dict == {"restricted": [services.RESTRICT_UNCHANGED_OFF]}


def test_restrict_needs_a_supervisor(case, officer):
    with pytest.raises(PermissionDenied, match=services.ACCESS_SUPERVISOR_ONLY):
        services.case_set_restricted(case=case, actor=officer, restricted=True)
    case.refresh_from_db()
    assert case.restricted is False


def test_opening_a_restricted_case_grants_its_officer_and_supervisor(team, officer, supervisor, changes):
    colleague = UserFactory(force=team.force, teams=[team], roles=[OFFICER])

    case = case_open(
        actor=officer,
        team=team,
        officer_in_case=officer,
        supervisor=supervisor,
        opened_at=timezone.now(),
        restricted=True,
    )

    assert grants(case, officer) == grants(case, supervisor) == {"view_case", "change_case"}
    assert case in cases_visible_to(officer)
    assert case not in cases_visible_to(colleague)
    assert sorted((c["user"].pk, c["change"]) for c in changes) == sorted(
        [(officer.pk, "grant:record"), (supervisor.pk, "grant:record")]
    )


def test_an_examiner_in_the_team_does_not_see_its_cases(case, examiner):
    assert case not in cases_visible_to(examiner)


def test_examiner_group_name_is_the_domain_name():
    assert EXAMINER == "Digital forensics examiner"


def test_a_team_member_without_a_role_sees_nothing(case, team):
    nobody = UserFactory(force=team.force, teams=[TeamFactory(force=team.force, name="Other")])
    nobody.teams.add(team)

    assert list(cases_visible_to(nobody)) == []
