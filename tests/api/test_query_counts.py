"""An API answer costs the same number of queries however many cases it shows (1 or 50), as the
pages do (tests/bench/test_query_counts.py): no query per row."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.api.conftest import bearer
from tests.factories.cases import CaseFactory

pytestmark = pytest.mark.django_db


def queries(api, token, path, data=None):
    with CaptureQueriesContext(connection) as captured:
        response = api.get(path, data or {}, **bearer(token))
    assert response.status_code == 200
    return len(captured.captured_queries), response.json()


def test_the_case_list_costs_the_same_for_one_case_or_a_full_page(api, api_world):
    token = api_world.tokens["all"]
    with_one, _ = queries(api, token, "/api/v1/cases/", {"size": 50})
    team = api_world.case.team
    for n in range(60):
        CaseFactory(team=team, opened_at=timezone.now() - timedelta(minutes=n))
    with_fifty, body = queries(api, token, "/api/v1/cases/", {"size": 50})
    assert len(body["results"]) == 50
    filtered, _ = queries(api, token, "/api/v1/cases/", {"size": 50, "status": "open", "stage": "investigation"})
    older, _ = queries(api, token, "/api/v1/cases/", {"size": 50, "before": body["older"]})
    assert with_one == with_fifty == filtered == older
