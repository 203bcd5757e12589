"""Registering and revoking API clients with the management commands: the token is printed once and
stored only as a hash; only an administrator may; each change is in the audit trail."""

import pytest
from django.core.management import CommandError, call_command

from accounts.roles import ADMINISTRATOR, OFFICER, SUPERVISOR
from api.models import ApiClient
from api.services import client_for_token, token_hash
from audit.models import AuditEntry
from tests.api.conftest import bearer
from tests.factories.people import ForceFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin():
    ForceFactory(code="STF", name="Staffordshire Police")
    return UserFactory(username="it.admin", roles=[ADMINISTRATOR])


def create(capsys, *extra, force="STF"):
    call_command("api_client_create", "--force", force, "--name", "Records link", "--actor", "it.admin", *extra)
    return capsys.readouterr().out


def test_the_token_is_printed_once_and_kept_only_as_a_hash(admin, capsys):
    out = create(capsys, "--scopes", "read_cases", "read_deadlines", "--expires", "2099-01-31")
    token = out.strip().splitlines()[-1]
    client = ApiClient.objects.get(name="Records link")
    prefix, secret = token.split(".")
    assert (client.prefix, client.token_hash) == (prefix, token_hash(secret))
    assert client.scopes == ["read_cases", "read_deadlines"]
    assert client.created_by == admin
    assert f"{client.expires_at:%Y-%m-%d}" == "2099-01-31"
    assert client_for_token(token) == client
    entry = AuditEntry.objects.get(object_type="api.ApiClient", kind="create")
    assert entry.actor_username == "it.admin"
    assert entry.changes["token_hash"]["after"] == "[not recorded]"
    assert secret not in str(entry.changes)


@pytest.mark.parametrize(
    ("arguments", "force", "message"),
    [
        (["--expires", "31/01/2099"], "STF", "--expires"),
        (["--expires", "2001-01-01"], "STF", "--expires"),
        ([], "NOPE", "--force"),
    ],
)
def test_bad_arguments_are_refused_naming_them(admin, capsys, arguments, force, message):
    with pytest.raises(CommandError, match=message):
        create(capsys, "--scopes", "read_cases", *arguments, force=force)
    assert not ApiClient.objects.exists()


def test_an_unknown_scope_is_refused(admin, capsys):
    with pytest.raises(CommandError, match="--scopes"):
        create(capsys, "--scopes", "read_everything")


def test_a_name_is_used_once(admin, capsys):
    create(capsys, "--scopes", "read_cases")
    with pytest.raises(CommandError, match="--name"):
        create(capsys, "--scopes", "read_cases")


def test_only_an_administrator_registers_or_revokes_a_client(admin, capsys):
    UserFactory(username="sup", roles=[SUPERVISOR])
    arguments = ["--force", "STF", "--name", "X", "--scopes", "read_cases"]
    with pytest.raises(CommandError, match="not an administrator"):
        call_command("api_client_create", *arguments, "--actor", "sup")
    with pytest.raises(CommandError, match="--actor"):
        call_command("api_client_create", *arguments, "--actor", "nobody")
    create(capsys, "--scopes", "read_cases")
    with pytest.raises(CommandError, match="not an administrator"):
        call_command("api_client_revoke", "--name", "Records link", "--actor", "sup")


def test_a_revoked_token_is_refused_from_then_on(admin, capsys, client):
    token = create(capsys, "--scopes", "read_cases").strip().splitlines()[-1]
    assert client.get("/api/v1/cases/", **bearer(token)).status_code == 200
    call_command("api_client_revoke", "--name", "Records link", "--actor", "it.admin")
    assert client.get("/api/v1/cases/", **bearer(token)).status_code == 401
    entry = AuditEntry.objects.filter(object_type="api.ApiClient", kind="change").latest("id")
    assert entry.actor_username == "it.admin"
    assert list(entry.changes) == ["revoked_at"]
    with pytest.raises(CommandError, match="--name"):
        call_command("api_client_revoke", "--name", "Nothing", "--actor", "it.admin")


def test_an_intake_client_records_for_a_person_of_its_force_who_records_referrals(admin, capsys):
    force = ForceFactory(code="STF")
    desk = UserFactory(username="referrals.desk", force=force, roles=[OFFICER])
    UserFactory(username="someone.else", force=ForceFactory(code="OTH"), roles=[OFFICER])
    with pytest.raises(CommandError, match="--records-for: a client that delivers referrals"):
        create(capsys, "--scopes", "referral_intake")
    with pytest.raises(CommandError, match="--records-for: no user"):
        create(capsys, "--scopes", "referral_intake", "--records-for", "nobody")
    with pytest.raises(CommandError, match=r"--records-for: .* cannot record referrals of"):
        create(capsys, "--scopes", "referral_intake", "--records-for", "someone.else")
    assert not ApiClient.objects.exists()
    create(capsys, "--scopes", "referral_intake", "--records-for", "referrals.desk")
    assert ApiClient.objects.get(name="Records link").records_for == desk
