"""User administration by an administrator of a force (docs/administration.md): finding people, inviting
them, teams and roles, disabling with a reason, unlocking, resetting an authenticator. Each service is
refused for another force's person and for the administrator's own account, records the refusal,
and audits what it does; bad input changes nothing and says what to fix."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import Group
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.forms import ACCOUNT_DISABLED
from accounts.models import AccessRequest, Invitation, User
from accounts.permissions import NOT_ADMINISTRATOR, OWN_ACCOUNT
from accounts.roles import ADMINISTRATOR, AUDITOR, EXAMINER, OFFICER, SUPERVISOR
from accounts.services import people as services
from accounts.services import user_disable
from audit.models import AuditEntry
from tests.conftest import BrowserClient
from tests.emails import assert_links_on_base_url
from tests.factories.people import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"


def signed_in(user) -> BrowserClient:
    client = BrowserClient()
    client.force_login(user)
    return client


def admin_actions(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(kind=AuditEntry.Kind.ADMIN_ACTION, changes__action=action))


def refusals(code: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(kind=AuditEntry.Kind.ACCESS_DENIED, changes__four_eyes=code))


def invite(administrator, team, **extra):
    values = {
        "actor": administrator,
        "username": "dc.new",
        "email": "dc.new@police.example",
        "first_name": "Nia",
        "last_name": "Adeyemi",
        "rank": "DC",
        "teams": [team],
        "roles": [OFFICER],
        **extra,
    }
    return services.user_invite(**values)


def token_of(link: str) -> str:
    return link.rstrip("/").rsplit("/", 1)[1]


# --- Finding people ---------------------------------------------------------------------------


def test_the_list_shows_only_the_administrators_own_force(administrator, officer, outsider, other_force_administrator):
    client = signed_in(administrator)

    page = client.get(reverse("administration:people")).content.decode()

    assert officer.username in page and outsider.username in page  # both of the force (two teams)
    assert other_force_administrator.username not in page


@pytest.mark.parametrize("query", ["hugh", "Sam", "dc.hug", "SAM HUGHES"])
def test_people_are_found_by_part_of_their_username_or_name(administrator, officer, supervisor, query):
    page = signed_in(administrator).get(reverse("administration:people"), {"q": query}).content.decode()

    assert officer.username in page
    assert supervisor.username not in page


def test_the_list_costs_a_fixed_number_of_queries(administrator, team, django_assert_max_num_queries):
    for number in range(30):
        UserFactory(username=f"dc.many{number}", force=team.force, teams=[team], roles=[OFFICER])
    client = signed_in(administrator)
    with django_assert_max_num_queries(20):
        assert client.get(reverse("administration:people")).status_code == 200


def test_a_person_of_another_force_is_not_found_and_the_attempt_is_recorded(administrator, other_force_administrator):
    response = signed_in(administrator).get(reverse("administration:person", args=[other_force_administrator.pk]))

    assert response.status_code == 404
    missing = signed_in(administrator).get(reverse("administration:person", args=[999_999]))
    assert missing.status_code == 404
    [entry] = refusals("other_force")
    assert entry.actor_id == administrator.pk
    assert entry.changes["person"] == other_force_administrator.username


def test_a_supervisor_is_refused_administration_and_the_refusal_recorded(supervisor, officer):
    response = signed_in(supervisor).get(reverse("administration:person", args=[officer.pk]))

    assert response.status_code == 403
    assert NOT_ADMINISTRATOR in response.content.decode()
    assert refusals("not_administrator")[0].actor_id == supervisor.pk


# --- Inviting ---------------------------------------------------------------------------------


def test_an_invitation_makes_an_account_without_a_password_and_mails_a_single_use_link(
    administrator, team, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        person, link = invite(administrator, team)

    assert person.force == administrator.force
    assert list(person.teams.all()) == [team]
    assert list(person.groups.values_list("name", flat=True)) == [OFFICER]
    assert not person.has_usable_password()
    [message] = mail.outbox
    assert message.to == ["dc.new@police.example"]
    assert assert_links_on_base_url(str(message.body)) == [link]
    invitation = Invitation.objects.get(user=person)
    assert invitation.token_hash == services.token_hash(token_of(link))
    assert token_of(link) not in invitation.token_hash
    assert admin_actions("user_invite")[0].actor_id == administrator.pk


def test_the_token_is_not_copied_into_the_audit_trail(administrator, team):
    _person, link = invite(administrator, team)
    hashed = services.token_hash(token_of(link))

    assert not AuditEntry.objects.filter(changes__icontains=hashed).exists()
    assert not AuditEntry.objects.filter(changes__icontains=token_of(link)).exists()


@pytest.mark.parametrize(
    ("extra", "field", "message"),
    [
        ({"username": "dc.hughes"}, "username", services.USERNAME_TAKEN),
        ({"username": "DC.Hughes"}, "username", services.USERNAME_TAKEN),
        ({"email": "DC.HUGHES@police.example"}, "email", services.EMAIL_TAKEN),
        ({"roles": [SUPERVISOR]}, "roles", services.ROLE_NEEDS_APPROVAL.format(roles=SUPERVISOR)),
    ],
)
def test_bad_invitations_say_what_to_fix_and_change_nothing(administrator, team, officer, extra, field, message):
    before = User.objects.count()

    with pytest.raises(ValidationError) as error:
        invite(administrator, team, **extra)

    assert error.value.message_dict[field] == [message]
    assert User.objects.count() == before
    assert Invitation.objects.count() == 0
    assert mail.outbox == []


def test_an_invitation_to_another_forces_team_is_refused(administrator, team, other_force_administrator):
    war_team = TeamFactory(force=other_force_administrator.force, name="OCSAE Team")

    with pytest.raises(ValidationError) as error:
        invite(administrator, team, teams=[war_team])

    assert error.value.message_dict["teams"] == [services.TEAM_OTHER_FORCE]


def test_the_invite_page_shows_a_duplicate_username_on_its_field(administrator, team, officer):
    response = signed_in(administrator).post(
        reverse("administration:invite"),
        {"username": "dc.hughes", "email": "x@police.example", "first_name": "A", "last_name": "B", "teams": [team.pk]},
    )

    assert response.status_code == 400
    assert services.USERNAME_TAKEN in response.content.decode()


def test_the_invited_person_sets_a_password_once(client, administrator, team):
    person, link = invite(administrator, team)
    url = reverse("invitation_accept", args=[token_of(link)])

    response = client.post(url, {"new_password1": "a long new passphrase", "new_password2": "a long new passphrase"})

    assert response.status_code == 302 and response.url == reverse("login")
    person.refresh_from_db()
    assert person.check_password("a long new passphrase")
    again = client.post(url, {"new_password1": "another passphrase!", "new_password2": "another passphrase!"})
    assert again.status_code == 400
    assert services.INVITATION_INVALID in again.content.decode()
    person.refresh_from_db()
    assert person.check_password("a long new passphrase")


def test_an_expired_link_changes_nothing(client, administrator, team):
    person, link = invite(administrator, team)
    Invitation.objects.update(
        expires_at=timezone.now() - timedelta(seconds=1), created_at=timezone.now() - timedelta(days=4)
    )

    response = client.post(
        reverse("invitation_accept", args=[token_of(link)]),
        {"new_password1": "a long new passphrase", "new_password2": "a long new passphrase"},
    )

    assert response.status_code == 400
    assert services.INVITATION_INVALID in response.content.decode()
    person.refresh_from_db()
    assert not person.has_usable_password()
    with pytest.raises(ValidationError, match="cannot be used"):
        services.invitation_accept(token=token_of(link), password="a long new passphrase")


def test_an_unknown_link_answers_as_an_expired_one(client, administrator, team):
    _person, link = invite(administrator, team)
    Invitation.objects.update(
        expires_at=timezone.now() - timedelta(seconds=1), created_at=timezone.now() - timedelta(days=4)
    )

    expired = client.get(reverse("invitation_accept", args=[token_of(link)]))
    unknown = client.get(reverse("invitation_accept", args=["x" * 43]))

    assert expired.status_code == unknown.status_code == 400
    assert expired.content == unknown.content


def test_a_new_invitation_stops_the_old_link(administrator, team):
    person, old = invite(administrator, team)

    new = services.user_invite_again(actor=administrator, person=person)

    assert services.invitation_find(token_of(old)) is None
    found = services.invitation_find(token_of(new))
    assert found is not None and found.user == person


def test_no_new_invitation_once_a_password_is_set(administrator, officer):
    with pytest.raises(ValidationError, match="already set a password"):
        services.user_invite_again(actor=administrator, person=officer)


# --- Teams and roles --------------------------------------------------------------------------


def test_teams_are_set_within_the_force_only(administrator, officer, team, other_team):
    services.user_set_teams(actor=administrator, person=officer, teams=[other_team])

    assert list(officer.teams.all()) == [other_team]
    assert admin_actions("user_set_teams")[0].changes["teams"] == [str(other_team)]


def test_an_officer_role_is_given_at_once_and_a_supervisor_role_is_asked_for(administrator, officer):
    asked = services.user_set_roles(actor=administrator, person=officer, roles=[OFFICER, EXAMINER, SUPERVISOR])

    assert set(officer.groups.values_list("name", flat=True)) == {OFFICER, EXAMINER}
    assert [(request.kind, request.role, request.person) for request in asked] == [
        (AccessRequest.Kind.ROLE, SUPERVISOR, officer)
    ]


@pytest.mark.parametrize("role", [AUDITOR, ADMINISTRATOR, SUPERVISOR])
def test_every_role_that_sees_or_changes_much_waits_for_a_second_administrator(administrator, officer, role):
    services.user_set_roles(actor=administrator, person=officer, roles=[OFFICER, role])

    assert role not in set(officer.groups.values_list("name", flat=True))
    assert AccessRequest.objects.get().role == role


def test_taking_a_role_away_is_at_once(administrator, supervisor):
    assert services.user_set_roles(actor=administrator, person=supervisor, roles=[OFFICER]) == []

    assert list(supervisor.groups.values_list("name", flat=True)) == [OFFICER]


@pytest.mark.parametrize(
    "change",
    [
        lambda admin: services.user_set_roles(actor=admin, person=admin, roles=[ADMINISTRATOR, AUDITOR]),
        lambda admin: services.user_set_teams(actor=admin, person=admin, teams=[]),
        lambda admin: services.user_reset_two_factor(actor=admin, person=admin),
        lambda admin: services.user_unlock(actor=admin, person=admin),
        lambda admin: user_disable(user=admin, actor=admin, reason="x"),
    ],
    ids=["roles", "teams", "authenticator", "unlock", "disable"],
)
def test_an_administrator_cannot_act_on_their_own_account_and_the_attempt_is_recorded(administrator, change):
    with pytest.raises(PermissionDenied, match=OWN_ACCOUNT):
        change(administrator)

    assert AccessRequest.objects.count() == 0
    assert set(administrator.groups.values_list("name", flat=True)) == {ADMINISTRATOR}
    [entry] = refusals("own_account")
    assert entry.actor_id == administrator.pk
    assert entry.object_type == "cases.User"
    assert entry.changes["person"] == administrator.username


def test_the_roles_page_refuses_the_administrators_own_account(administrator):
    response = signed_in(administrator).post(
        reverse("administration:person_roles", args=[administrator.pk]), {"roles": [AUDITOR]}
    )

    assert response.status_code == 403
    assert not Group.objects.get(name=AUDITOR).user_set.filter(pk=administrator.pk).exists()


@pytest.mark.parametrize(
    "change",
    [
        lambda admin, person: services.user_set_roles(actor=admin, person=person, roles=[]),
        lambda admin, person: services.user_set_teams(actor=admin, person=person, teams=[]),
        lambda admin, person: services.user_reset_two_factor(actor=admin, person=person),
        lambda admin, person: user_disable(user=person, actor=admin, reason="x"),
    ],
    ids=["roles", "teams", "authenticator", "disable"],
)
def test_an_administrator_of_another_force_changes_nothing(other_force_administrator, officer, change):
    with pytest.raises(Http404):
        change(other_force_administrator, officer)

    officer.refresh_from_db()
    assert officer.is_active and officer.groups.exists() and officer.teams.exists()
    assert refusals("other_force")[0].actor_id == other_force_administrator.pk


def test_membership_of_another_forces_team_is_asked_of_that_forces_administrators(
    administrator, officer, other_force_administrator
):
    war_team = TeamFactory(force=other_force_administrator.force, name="OCSAE Team")

    asked = services.user_request_team(actor=administrator, person=officer, team=war_team, reason="Joint operation")

    assert (asked.kind, asked.force, asked.team) == (AccessRequest.Kind.TEAM, war_team.force, war_team)
    assert not officer.teams.filter(pk=war_team.pk).exists()


def test_a_team_of_ones_own_force_is_not_asked_for(administrator, officer, other_team):
    with pytest.raises(ValidationError) as error:
        services.user_request_team(actor=administrator, person=officer, team=other_team)

    assert error.value.message_dict["team"] == [services.TEAM_OWN_FORCE]


# --- Disabling, unlocking, resetting ----------------------------------------------------------


def test_a_disabled_person_is_told_why_but_only_after_the_right_password(client, administrator, officer):
    user_disable(user=officer, actor=administrator, reason="Left the unit on transfer.")

    right = client.post(reverse("login"), {"username": officer.username, "password": PASSWORD})
    wrong = client.post(reverse("login"), {"username": officer.username, "password": "not the password"})
    nobody = client.post(reverse("login"), {"username": "no.such.person", "password": "not the password"})

    disabled = ACCOUNT_DISABLED.format(reason="Left the unit on transfer.")
    assert disabled in right.content.decode().replace("&#x27;", "'")
    assert "disabled" not in wrong.content.decode()
    assert wrong.content.decode().count("Please enter a correct") == nobody.content.decode().count(
        "Please enter a correct"
    )
    assert "_auth_user_id" not in client.session
    assert admin_actions("user_disable")[0].changes["reason"] == "Left the unit on transfer."


def test_disabling_needs_a_reason(administrator, officer):
    response = signed_in(administrator).post(
        reverse("administration:person_disable", args=[officer.pk]), {"reason": "  "}
    )

    assert response.status_code == 400
    officer.refresh_from_db()
    assert officer.is_active


def test_enabling_again_clears_the_reason(administrator, officer):
    user_disable(user=officer, actor=administrator, reason="Suspended.")

    services.user_enable(actor=administrator, person=officer)

    officer.refresh_from_db()
    assert officer.is_active and officer.disabled_reason == "" and officer.disabled_at is None


def test_unlocking_lifts_the_lockout(client, administrator, officer, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": officer.username, "password": "wrong"})
    assert client.post(reverse("login"), {"username": officer.username, "password": PASSWORD}).status_code == 429
    page = signed_in(administrator).get(reverse("administration:person", args=[officer.pk])).content.decode()
    assert "Locked" in page

    response = signed_in(administrator).post(reverse("administration:person_unlock", args=[officer.pk]))

    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username=officer.username).exists()
    assert client.post(reverse("login"), {"username": officer.username, "password": PASSWORD}).status_code == 302
    assert admin_actions("user_unlock")[0].actor_id == administrator.pk


def test_unlocking_an_account_that_is_not_locked_says_so(administrator, officer):
    response = signed_in(administrator).post(reverse("administration:person_unlock", args=[officer.pk]))

    assert response.status_code == 400
    assert services.NOTHING_TO_UNLOCK in response.content.decode()


def test_resetting_the_authenticator_removes_it_and_ends_the_persons_sessions(administrator, officer):
    laptop = signed_in(officer)
    StaticDevice.objects.create(user=officer, name="Backup codes", confirmed=True)

    response = signed_in(administrator).post(reverse("administration:person_reset_two_factor", args=[officer.pk]))

    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=officer).exists()
    assert not StaticDevice.objects.filter(user=officer).exists()
    assert laptop.get(reverse("cases:list")).status_code == 302
    assert admin_actions("user_reset_two_factor")[0].changes["person"] == officer.username


@pytest.mark.parametrize(
    "button",
    [
        "administration:person_enable",
        "administration:person_unlock",
        "administration:person_reset_two_factor",
        "administration:person_invite_again",
    ],
)
def test_a_button_on_a_persons_page_ignores_whatever_else_is_sent(administrator, officer, button):
    """The buttons send nothing a person types: anything posted with them is no input to go wrong."""
    junk = {"pk": "x" * 5000, "note": "\x00", "teams": ["not a number", "-1"], "reason": "\x00" * 3}

    response = signed_in(administrator).post(reverse(button, args=[officer.pk]), junk)

    assert response.status_code in (302, 400)
    assert b"Traceback" not in response.content
