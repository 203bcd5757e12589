"""The administration pages of API clients: an administrator of the force lists its clients,
registers one (the token shown once) and revokes one; every other person is refused (403), another
force's client is not found (404), and each change and refusal is in the audit trail."""

import json

import pytest

from accounts.roles import ADMINISTRATOR, AUDITOR, OFFICER, SUPERVISOR
from api.models import ApiClient
from api.services import RECORDS_FOR_NEEDED, token_hash
from audit.models import AuditEntry
from tests.api.conftest import bearer
from tests.conftest import BrowserClient
from tests.factories.people import UserFactory

pytestmark = pytest.mark.django_db

LIST, REGISTER = "/administration/api-clients/", "/administration/api-clients/register/"


def signed_in(user) -> BrowserClient:
    client = BrowserClient()
    client.force_login(user)
    return client


@pytest.fixture
def administrator(api_world):
    return UserFactory(username="force.admin", force=api_world.home, roles=[ADMINISTRATOR])


def revoke_path(client: ApiClient) -> str:
    return f"/administration/api-clients/{client.pk}/revoke/"


def test_the_list_shows_the_forces_clients_only(api_world, administrator):
    page = signed_in(administrator).get(LIST)
    assert page.status_code == 200
    html = page.content.decode()
    assert "all client" in html and "intake_only client" in html
    assert "other_force client" not in html
    assert api_world.tokens["all"] not in html
    assert api_world.clients["all"].token_hash not in html


@pytest.mark.parametrize("role", [OFFICER, SUPERVISOR, AUDITOR])
def test_everyone_but_an_administrator_is_refused_and_audited(api_world, role):
    person = signed_in(UserFactory(force=api_world.home, roles=[role]))
    target = api_world.clients["all"]
    for response in (
        person.get(LIST),
        person.get(REGISTER),
        person.post(REGISTER, {"name": "x", "scopes": "read_cases"}),
        person.post(revoke_path(target)),
    ):
        assert response.status_code == 403
    assert AuditEntry.objects.filter(kind="access_denied", changes__action__startswith="api_client_").count() == 4
    target.refresh_from_db()
    assert target.revoked_at is None
    assert not ApiClient.objects.filter(name="x").exists()


def test_a_person_not_signed_in_is_sent_to_sign_in(api_world):
    response = BrowserClient().get(LIST)
    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/")


def test_registering_shows_the_token_once_and_keeps_only_its_hash(api, api_world, administrator):
    browser = signed_in(administrator)
    response = browser.post(
        REGISTER,
        {"name": "Force records system", "scopes": ["read_cases", "read_deadlines"], "expires": "2027-12-31"},
    )
    assert response.status_code == 200
    client = ApiClient.objects.get(name="Force records system")
    token = response.content.decode().split("<code data-token>")[1].split("</code>")[0]
    assert token.startswith(client.prefix + ".")
    assert client.token_hash == token_hash(token.split(".", 1)[1])
    assert (client.force, client.created_by, client.scopes) == (
        api_world.home,
        administrator,
        ["read_cases", "read_deadlines"],
    )
    assert api.get("/api/v1/cases/", **bearer(token)).status_code == 200
    assert token not in browser.get(LIST).content.decode()
    created = AuditEntry.objects.filter(kind="create", object_type="api.ApiClient", object_id=str(client.pk)).get()
    assert created.actor_id == administrator.pk
    assert client.token_hash not in json.dumps(created.changes)


def test_an_intake_client_needs_a_person_to_record_for(api_world, administrator):
    browser = signed_in(administrator)
    refused = browser.post(REGISTER, {"name": "NCA feed", "scopes": "referral_intake"})
    assert refused.status_code == 400
    assert RECORDS_FOR_NEEDED.split(":")[0] in refused.content.decode()
    made = browser.post(
        REGISTER, {"name": "NCA feed", "scopes": "referral_intake", "records_for": api_world.recorder.pk}
    )
    assert made.status_code == 200
    assert ApiClient.objects.get(name="NCA feed").records_for == api_world.recorder


def test_revoking_refuses_the_token_from_then_on_and_is_audited(api, api_world, administrator):
    target = api_world.clients["all"]
    response = signed_in(administrator).post(revoke_path(target))
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.revoked_at is not None
    assert api.get("/api/v1/cases/", **bearer(api_world.tokens["all"])).status_code == 401
    change = AuditEntry.objects.filter(kind="change", object_type="api.ApiClient", object_id=str(target.pk)).get()
    assert change.actor_id == administrator.pk


def test_another_forces_client_is_not_found_and_the_refusal_audited(api_world, administrator):
    other = api_world.clients["other_force"]
    browser = signed_in(administrator)
    assert browser.post(revoke_path(other)).status_code == 404
    assert browser.post("/administration/api-clients/999999/revoke/").status_code == 404
    other.refresh_from_db()
    assert other.revoked_at is None
    denied = AuditEntry.objects.filter(kind="access_denied", object_type="api.ApiClient").order_by("id")
    assert [entry.object_id for entry in denied] == [str(other.pk), "999999"]


def test_revoking_is_a_post(api_world, administrator):
    assert signed_in(administrator).get(revoke_path(api_world.clients["all"])).status_code == 405
