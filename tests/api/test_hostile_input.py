"""Hostile input to every API route, with a token that may use it and without one: the edges of the
calendar and of bigint, NUL and control characters in every filter and in the path, and a JSON body
nested far deeper than any parser's recursion. The answer is a 4xx, never a 500."""

import pytest

from tests.api.conftest import bearer
from tests.api.test_authorisation_matrix import ROUTES
from tests.reliability.test_hostile_input import DEEP, EDGES, PATH_EDGES

pytestmark = pytest.mark.django_db

FILTERS = ("stage", "status", "updated_since", "before", "after", "size")


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("edge", EDGES)
def test_edges_in_every_filter_are_never_a_server_error(api, api_world, route, edge):
    path = ROUTES[route][0](api_world.case.reference)
    for name in FILTERS:
        for headers in (bearer(api_world.tokens["all"]), {}):
            response = api.get(path, {name: EDGES[edge]}, **headers)
            assert response.status_code < 500, (route, name, edge, response.status_code)


@pytest.mark.parametrize("route", ["case", "case_deadlines"])
@pytest.mark.parametrize("edge", PATH_EDGES)
def test_edges_in_the_reference_are_never_a_server_error(api, api_world, route, edge):
    response = api.get(ROUTES[route][0](PATH_EDGES[edge]), **bearer(api_world.tokens["all"]))
    assert 400 <= response.status_code < 500


@pytest.mark.parametrize("route", ROUTES)
def test_a_deep_json_body_is_refused_not_a_server_error(api, api_world, route):
    body = b'{"a":' * DEEP + b"1" + b"}" * DEEP
    path = ROUTES[route][0](api_world.case.reference)
    response = api.post(path, body, content_type="application/json", **bearer(api_world.tokens["all"]))
    assert 400 <= response.status_code < 500


@pytest.mark.parametrize(
    "header", ["Bearer \x00", "Bearer a.b.c", "Bearer " + "a" * 10_000 + ".b", "Basic dXNlcjpwYXNz", "Bearer  x  y"]
)
def test_odd_authorization_headers_are_401(api, api_world, header):
    assert api.get("/api/v1/cases/", HTTP_AUTHORIZATION=header).status_code == 401
