"""Who sees what, the denial signal, the supervisor's access pages, the role groups and the admin."""

import re
from pathlib import Path

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts.models import AccessRequest
from accounts.roles import ADMINISTRATOR, AUDITOR, ROLE_PERMISSIONS, ROLE_TABLE, ROLES, Capability
from audit.objects import ObjectType
from audit.signals import access_denied
from cases.models import Case
from cases.permissions import get_case_for_change
from cases.selectors import CaseIds, case_ids_in_view, cases_visible_to, one_of_ids, open_case_ids, referrals_visible_to
from tests.access.world import build_world
from tests.conftest import BrowserClient
from tests.factories.cases import CaseFactory, ReferralFactory
from tests.factories.people import UserFactory

DOCS = Path(__file__).resolve().parents[2] / "docs" / "access.md"


@pytest.fixture
def world(db):
    return build_world()


@pytest.fixture
def denials():
    heard: list[tuple] = []

    def receiver(sender, **kwargs):
        heard.append((kwargs["user"], kwargs["obj_type"], kwargs["obj_id"], kwargs["action"]))

    access_denied.connect(receiver)
    yield heard
    access_denied.disconnect(receiver)


def signed_in(user) -> BrowserClient:
    client = BrowserClient()
    client.force_login(user)
    return client


def refs(queryset) -> list[str]:
    return sorted(queryset.values_list("reference", flat=True))


def test_each_person_sees_exactly_their_cases(world):
    users = world.users

    assert refs(cases_visible_to(users["officer_a"])) == ["STF-A-1"]
    assert refs(cases_visible_to(users["supervisor_a"])) == ["STF-A-1", "STF-A-R"]
    assert refs(cases_visible_to(users["officer_r"])) == ["STF-A-1", "STF-A-R"]
    assert refs(cases_visible_to(users["examiner_assigned"])) == ["STF-A-1"]
    assert refs(cases_visible_to(users["examiner_unassigned"])) == []
    assert refs(cases_visible_to(users["auditor"])) == []
    assert refs(cases_visible_to(users["administrator"])) == []
    assert refs(cases_visible_to(users["officer_b"])) == ["STF-B-1"]


def test_a_disabled_account_sees_nothing(world):
    officer = world.users["officer_a"]
    officer.is_active = False

    assert refs(cases_visible_to(officer)) == []


def test_visibility_is_one_query(world, django_assert_num_queries):
    with django_assert_num_queries(1):
        list(cases_visible_to(world.users["supervisor_a"]))


def test_open_case_ids_are_the_visible_open_cases_read_back_by_id(world):
    supervisor = world.users["supervisor_a"]
    world.cases["case"].status = Case.Status.CLOSED
    world.cases["case"].save(update_fields=["status"])
    restricted = Case.objects.get(reference="STF-A-R")

    ids = open_case_ids(supervisor)

    assert ids == [restricted.pk]
    assert refs(Case.objects.filter(one_of_ids("pk", ids))) == ["STF-A-R"]
    assert open_case_ids(supervisor, officer=world.users["officer_a"]) == []
    assert open_case_ids(world.users["officer_a"]) == []
    assert list(Case.objects.filter(one_of_ids("pk", []))) == []


def test_case_ids_in_view_are_every_visible_case_and_which_are_open(world, django_assert_num_queries):
    supervisor = world.users["supervisor_a"]
    world.cases["case"].status = Case.Status.CLOSED
    world.cases["case"].save(update_fields=["status"])

    with django_assert_num_queries(1):
        in_view = case_ids_in_view(supervisor)

    assert sorted(in_view.all) == sorted(cases_visible_to(supervisor).values_list("pk", flat=True))
    assert world.cases["case"].pk in in_view.all
    assert in_view.open == open_case_ids(supervisor)
    # Team B's case exists, but not for team A's supervisor.
    assert case_ids_in_view(supervisor, team=Case.objects.get(reference="STF-B-1").team) == CaseIds(all=[], open=[])


def test_case_ids_in_view_read_apart_agree_with_the_rules_as_one_condition(world):
    """case_ids_in_view reads each way to see a case apart (a UNION); cases_in_view is the same rules
    as one condition. For every person, whole and filtered by team and by officer, they agree."""
    from guardian.shortcuts import assign_perm

    from cases.selectors import cases_in_view

    assign_perm("cases.view_case", Group.objects.get(name=AUDITOR), world.cases["case"])
    Case.objects.filter(reference="STF-A-1").update(status=Case.Status.CLOSED)
    disabled = UserFactory(is_active=False)
    teams = [None, *{case.team for case in Case.objects.select_related("team")}]
    officers = [None, *{case.officer_in_case for case in Case.objects.select_related("officer_in_case")}]
    checked = 0
    for user in [*world.users.values(), disabled]:
        for team in teams:
            for officer in officers:
                expected = cases_in_view(user, team=team, officer=officer)
                in_view = case_ids_in_view(user, team=team, officer=officer)
                assert in_view.all == sorted(expected.values_list("pk", flat=True)), (user, team, officer)
                assert in_view.open == sorted(expected.filter(status="open").values_list("pk", flat=True))
                checked += bool(in_view.all)
    assert checked > 5  # not only empty answers


def test_a_case_granted_to_a_group_is_visible_to_its_members(world):
    from guardian.shortcuts import assign_perm

    auditors = Group.objects.get(name=AUDITOR)
    assign_perm("cases.view_case", auditors, world.cases["case"])

    assert refs(cases_visible_to(world.users["auditor"])) == ["STF-A-1"]


def test_referrals_are_for_officers_and_supervisors_of_the_force(world):
    users = world.users
    pending = world.referrals["referral"]

    for name in ("officer_a", "supervisor_a", "officer_b"):
        assert pending in referrals_visible_to(users[name]), name
    for name in ("examiner_assigned", "examiner_unassigned", "auditor", "administrator"):
        assert list(referrals_visible_to(users[name])) == [], name
    assert world.referrals["other_force"] not in referrals_visible_to(users["officer_a"])


def test_a_referral_developed_into_a_restricted_case_is_hidden_from_the_team(world):
    case = world.cases["restricted"]
    referral = ReferralFactory(force=case.force)
    Case.objects.filter(pk=case.pk).update(referral=referral)

    assert referral not in referrals_visible_to(world.users["officer_a"])
    assert referral in referrals_visible_to(world.users["officer_r"])


def test_a_hidden_case_and_a_missing_one_are_both_reported_as_denied(world, denials):
    """The same work for both (tests/security/test_hidden_and_missing_alike.py): the audit trail
    says which existed."""
    client = signed_in(world.users["officer_a"])

    client.get(reverse("cases:detail", kwargs={"reference": "STF-A-R"}))
    client.get(reverse("cases:detail", kwargs={"reference": "STF-NO-SUCH"}))

    officer = world.users["officer_a"]
    assert denials == [(officer, Case, "STF-A-R", "view"), (officer, Case, "STF-NO-SUCH", "view")]


def test_a_refused_change_is_a_403_reported_as_denied(world, denials):
    client = signed_in(world.users["examiner_assigned"])

    response = client.get(reverse("cases:subject_add", kwargs={"reference": "STF-A-1"}))

    assert response.status_code == 403
    assert denials == [(world.users["examiner_assigned"], Case, "STF-A-1", "record_team_cases")]


def test_closing_a_case_needs_a_supervisor(world, denials):
    officer = world.users["officer_a"]

    response = signed_in(officer).post(reverse("cases:case_close", kwargs={"reference": "STF-A-1"}), {})

    assert response.status_code == 403
    assert denials == [(officer, Case, "STF-A-1", "approve_closure")]
    assert get_case_for_change(world.users["supervisor_a"], "STF-A-1", capability=Capability.APPROVE_CLOSURE)


def test_opening_a_case_needs_an_officer_or_supervisor(world, denials):
    response = signed_in(world.users["auditor"]).get(reverse("cases:create"))

    assert response.status_code == 403
    assert denials == [(world.users["auditor"], ObjectType.PAGE, "", "record_team_cases")]


def test_the_case_page_shows_people_with_access_to_supervisors_only(world):
    url = reverse("cases:detail", kwargs={"reference": "STF-A-1"})

    supervisor_page = signed_in(world.users["supervisor_a"]).get(url).content.decode()
    officer_page = signed_in(world.users["officer_a"]).get(url).content.decode()

    assert "People with access" in supervisor_page
    assert str(world.users["examiner_assigned"]) in supervisor_page
    assert "People with access" not in officer_page


def test_a_supervisor_asks_for_access_across_teams_from_the_page(world):
    """Someone of another team: asked of an administrator (four eyes), not granted yet."""
    outsider = world.users["officer_b"]
    url = reverse("cases:access_grant", kwargs={"reference": "STF-A-1"})

    response = signed_in(world.users["supervisor_a"]).post(url, {"user": outsider.pk, "level": "view"}, follow=True)

    assert response.redirect_chain[-1][0] == world.cases["case"].get_absolute_url()
    assert "an administrator of the force must approve the access" in response.content.decode()
    assert world.cases["case"] not in cases_visible_to(outsider)
    assert AccessRequest.objects.get(kind=AccessRequest.Kind.CASE_GRANT).person == outsider


def test_a_supervisor_grants_a_team_member_access_to_a_restricted_case_from_the_page(world):
    colleague = world.users["officer_a"]
    url = reverse("cases:access_grant", kwargs={"reference": "STF-A-R"})

    response = signed_in(world.users["supervisor_a"]).post(url, {"user": colleague.pk, "level": "view"})

    assert response.status_code == 302
    assert world.cases["restricted"] in cases_visible_to(colleague)


def test_an_invalid_grant_shows_the_error_and_saves_nothing(world):
    outsider = world.users["officer_b"]
    url = reverse("cases:access_grant", kwargs={"reference": "STF-A-1"})

    response = signed_in(world.users["supervisor_a"]).post(url, {"user": outsider.pk})

    assert response.status_code == 400
    assert world.cases["case"] not in cases_visible_to(outsider)


def test_a_supervisor_assigns_an_examiner_from_the_page(world):
    examiner = world.users["examiner_unassigned"]
    url = reverse("cases:examiner_assign", kwargs={"reference": "STF-A-1"})

    response = signed_in(world.users["supervisor_a"]).post(url, {"examiner": examiner.pk})

    assert response.status_code == 302
    assert world.cases["case"] in cases_visible_to(examiner)


def test_a_supervisor_revokes_access_from_the_page(world):
    examiner = world.users["examiner_assigned"]
    url = reverse("cases:access_revoke", kwargs={"reference": "STF-A-1"})

    response = signed_in(world.users["supervisor_a"]).post(url, {"user": examiner.pk})

    assert response.status_code == 302
    assert world.cases["case"] not in cases_visible_to(examiner)


def test_migrations_create_the_role_groups(db):
    assert sorted(Group.objects.filter(name__in=ROLES).values_list("name", flat=True)) == sorted(ROLES)
    administrator = Group.objects.get(name=ADMINISTRATOR)
    held = set(administrator.permissions.values_list("content_type__app_label", "codename"))
    assert held == set(ROLE_PERMISSIONS[ADMINISTRATOR])
    assert {("accounts", "change_user"), ("accounts", "change_team")} <= held


def test_the_admin_holds_people_teams_and_forces_only():
    """No case content (and no grants) in the admin; other apps' own records (e.g. authenticator
    devices) are theirs to decide."""
    registered = {model._meta.label for model in admin.site._registry}
    content_apps = {"accounts", "cases", "warrants", "guardian"}

    assert {label for label in registered if label.split(".")[0] in content_apps} == {
        "accounts.User",
        "accounts.Team",
        "accounts.Force",
    }
    assert "auth.Group" not in registered


def test_an_administrator_manages_people_in_safeguard_not_the_admin_and_sees_no_cases(world):
    client = signed_in(world.users["administrator"])

    assert client.get(reverse("administration:people")).status_code == 200
    assert client.get("/admin/accounts/user/").status_code == 302
    assert client.get(reverse("cases:detail", kwargs={"reference": "STF-A-1"})).status_code == 404


def test_only_a_superuser_uses_the_admin(world):
    root = UserFactory(username="root", is_superuser=True, is_staff=True)

    assert signed_in(root).get("/admin/accounts/user/").status_code == 200
    assert signed_in(root).get("/admin/cases/case/").status_code == 404


def test_an_officer_cannot_use_the_admin(world):
    response = signed_in(world.users["officer_a"]).get("/admin/accounts/user/")

    assert response.status_code == 302


def test_docs_show_the_same_role_table_as_the_code():
    """docs/access.md's table: one row per capability, a "Yes" under each role that has it."""
    text = DOCS.read_text()
    header = "| What | " + " | ".join(ROLES) + " |"
    assert header in text
    for _, description, roles in ROLE_TABLE:
        cells = " | ".join("Yes" if role in roles else "No" for role in ROLES)
        row = f"| {description} | {cells} |"
        assert row in text, f"docs/access.md should have the row: {row}"
    rows = [line for line in text.splitlines() if re.search(r"\| (Yes|No) \|$", line)]
    assert len(rows) == len(ROLE_TABLE)


def test_a_case_opened_by_factory_as_restricted_is_visible_to_its_named_people(team, officer, supervisor):
    case = CaseFactory(team=team, officer_in_case=officer, supervisor=supervisor, restricted=True)
    colleague = UserFactory(force=team.force, teams=[team], roles=["Officer"])

    assert case in cases_visible_to(officer)
    assert case not in cases_visible_to(colleague)


def test_case_list_pages_read_each_way_apart_are_the_pages_of_the_rules_as_one_condition(world):
    """The case list's pages read each way to see a case apart and join them (`case_list_parts`);
    `case_list_for` is the same cases under the rules as one condition. For every person, filtered
    and not, pages of two walked older to the end and back newer hold exactly its cases in its order,
    each once, though a case is seen several ways (granted, as officer and as a team member)."""
    from datetime import UTC, datetime

    from guardian.shortcuts import assign_perm

    from cases.selectors import case_list_for, case_list_page, case_list_parts
    from safeguard.keyset import Position

    users = world.users
    team_a = world.cases["case"].team
    same_moment = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)  # ties, settled by id
    for n in range(5):
        CaseFactory(
            team=team_a,
            officer_in_case=users["officer_a"] if n % 2 else users["officer_r"],
            supervisor=users["supervisor_a"],
            reference=f"STF-A-T{n}",
            opened_at=same_moment,
            status="closed" if n == 3 else "open",
            restricted=n == 4,
        )
    assign_perm("cases.view_case", users["officer_b"], world.cases["case"])
    assign_perm("cases.view_case", Group.objects.get(name=AUDITOR), world.cases["restricted"])
    assign_perm("cases.view_case", users["officer_a"], Case.objects.get(reference="STF-A-T4"))
    disabled = UserFactory(is_active=False)
    filters = [{}, {"status": "open"}, {"q": "STF-A-T"}, {"team": team_a}, {"officer": users["officer_a"]}]
    walked = 0
    for user in [*users.values(), disabled]:
        for chosen in filters:
            expected = [case.pk for case in case_list_for(user, **chosen)]
            parts = case_list_parts(user, **chosen)
            seen, page = [], case_list_page(parts, size=2)
            assert page == case_list_page(case_list_for(user, **chosen), size=2)
            seen += [case.pk for case in page.rows]
            while page.older is not None:
                page = case_list_page(parts, size=2, position=Position(before=page.older))
                seen += [case.pk for case in page.rows]
            assert seen == expected, (user, chosen)
            back = [case.pk for case in page.rows]
            while page.newer is not None:
                page = case_list_page(parts, size=2, position=Position(after=page.newer))
                back = [case.pk for case in page.rows] + back
            assert back == expected, (user, chosen)
            walked += len(expected) > 2
    assert walked > 5  # several lists run over more than one page
