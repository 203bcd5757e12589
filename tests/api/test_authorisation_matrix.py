"""Every API route against every kind of caller: no token, a token Safeguard never issued, an expired
or revoked client, a client without the route's scope, a client of another force (IDOR: another
force's case answers exactly as a missing one), and a client that may. Every refusal is audited."""

import itertools
import json

import pytest
from django.urls import URLPattern

from api import urls as api_urls
from api.authentication import EXPIRED, NOT_ISSUED, REVOKED
from api.models import Scope
from audit.models import AuditEntry
from cases.permissions import CASE_NOT_FOUND
from tests.api.conftest import bearer, referral_body

pytestmark = pytest.mark.django_db

# Route name -> (path for a case reference, the scope it needs).
ROUTES = {
    "cases": (lambda ref: "/api/v1/cases/", Scope.READ_CASES),
    "case": (lambda ref: f"/api/v1/cases/{ref}/", Scope.READ_CASES),
    "case_deadlines": (lambda ref: f"/api/v1/cases/{ref}/deadlines/", Scope.READ_DEADLINES),
    "figures": (lambda ref: "/api/v1/figures/", Scope.READ_FIGURES),
    "referrals": (lambda ref: "/api/v1/referrals/", Scope.REFERRAL_INTAKE),
}
# Routes that take a body; every other is read with GET.
POSTED = {"referrals"}
_deliveries = itertools.count(1)


def send(api, route, path, **headers):
    """The route's request: a GET, or for referral intake a new referral under a new key."""
    if route not in POSTED:
        return api.get(path, **headers)
    n = next(_deliveries)
    body = json.dumps(referral_body(f"MATRIX-{n}"))
    return api.post(path, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY=f"matrix-{n}", **headers)


# Described by the schema, open to anyone (tests/api/test_schema.py).
OPEN_ROUTES = {"schema", "docs"}
# A client kind (tests/api/conftest.py) -> the scopes it holds.
HOLDS: dict[str, set[str]] = {
    "all": set(Scope.values),
    "cases_only": {Scope.READ_CASES},
    "deadlines_only": {Scope.READ_DEADLINES},
    "intake_only": {Scope.REFERRAL_INTAKE},
}
OK = {"referrals": 201}


def test_the_matrix_covers_every_api_route():
    names = {p.name for p in api_urls.urlpatterns if isinstance(p, URLPattern)}
    assert names == set(ROUTES) | OPEN_ROUTES


def refusals(kind="access_denied"):
    return AuditEntry.objects.filter(kind=kind, source="api").count()


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize(
    ("headers", "detail"),
    [
        ({}, "Authentication credentials were not provided."),
        ({"HTTP_AUTHORIZATION": "Bearer"}, "Authorization: give one token after Bearer."),
        ({"HTTP_AUTHORIZATION": "Bearer nodot"}, NOT_ISSUED),
        ({"HTTP_AUTHORIZATION": "Bearer 0123456789ab.wrongsecret"}, NOT_ISSUED),
        ({"HTTP_AUTHORIZATION": "Bearer caf\u00e9.x"}, NOT_ISSUED),
    ],
    ids=["no token", "empty bearer", "not a token", "unknown token", "not ascii"],
)
def test_without_a_valid_token_every_route_is_401_and_audited(api, api_world, route, headers, detail):
    path = ROUTES[route][0](api_world.case.reference)
    before = refusals()
    response = send(api, route, path, **headers)
    assert response.status_code == 401
    assert response.json() == {"detail": detail}
    assert response["WWW-Authenticate"] == 'Bearer realm="safeguard"'
    assert refusals() == before + 1


def test_a_right_secret_under_another_clients_prefix_is_refused(api, api_world):
    prefix = api_world.tokens["cases_only"].split(".")[0]
    secret = api_world.tokens["all"].split(".")[1]
    response = api.get("/api/v1/cases/", **bearer(f"{prefix}.{secret}"))
    assert response.status_code == 401


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize(("kind", "detail"), [("expired", EXPIRED), ("revoked", REVOKED)])
def test_expired_and_revoked_clients_are_401(api, api_world, route, kind, detail):
    response = send(api, route, ROUTES[route][0](api_world.case.reference), **bearer(api_world.tokens[kind]))
    assert response.status_code == 401
    assert response.json() == {"detail": detail}
    entry = AuditEntry.objects.filter(kind="access_denied").latest("id")
    assert entry.source == "api"
    assert entry.changes["status"] == 401


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("kind", HOLDS)
def test_each_scope_opens_only_its_routes(api, api_world, route, kind):
    path_for, scope = ROUTES[route]
    response = send(api, route, path_for(api_world.case.reference), **bearer(api_world.tokens[kind]))
    if scope in HOLDS[kind]:
        assert response.status_code == OK.get(route, 200), response.content
    else:
        assert response.status_code == 403
        entry = AuditEntry.objects.filter(kind="access_denied").latest("id")
        assert entry.actor_username == f"api:{kind} client"
        assert entry.changes == {"status": 403, "scope": scope.value}


@pytest.mark.parametrize("route", ["case", "case_deadlines"])
def test_another_forces_case_and_a_restricted_case_answer_exactly_as_a_missing_one(api, api_world, route):
    path_for = ROUTES[route][0]
    token = api_world.tokens["all"]
    missing = api.get(path_for("HOM-2026-999999"), **bearer(token))
    other_force = api.get(path_for(api_world.other_case.reference), **bearer(token))
    restricted = api.get(path_for(api_world.restricted.reference), **bearer(token))
    for response in (missing, other_force, restricted):
        assert response.status_code == 404
        assert response.json() == {"detail": CASE_NOT_FOUND}
    assert missing.content == other_force.content == restricted.content
    denied = AuditEntry.objects.filter(kind="access_denied", actor_username="api:all client").order_by("id")
    assert [e.object_id for e in denied] == [
        "HOM-2026-999999",
        api_world.other_case.reference,
        api_world.restricted.reference,
    ]
    # The other force's own client reads its case.
    own = api.get(path_for(api_world.other_case.reference), **bearer(api_world.tokens["other_force"]))
    assert own.status_code == 200


def test_another_forces_client_lists_only_its_own_forces_cases(api, api_world):
    home = api.get("/api/v1/cases/", **bearer(api_world.tokens["all"])).json()
    other = api.get("/api/v1/cases/", **bearer(api_world.tokens["other_force"])).json()
    assert [c["reference"] for c in home["results"]] == [api_world.case.reference]  # not the restricted one
    assert [c["reference"] for c in other["results"]] == [api_world.other_case.reference]


def test_a_session_is_no_way_into_the_api(api, api_world):
    """A person signed in to the pages is no client: the API asks for a token all the same."""
    from tests.conftest import BrowserClient

    browser = BrowserClient()
    browser.force_login(api_world.case.officer_in_case)
    assert browser.get("/api/v1/cases/").status_code == 401
