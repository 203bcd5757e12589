"""Schemathesis against the live schema: every operation of /api/v1/schema/, called through the
Django WSGI application with the token of a client that holds every scope, with inputs generated from
the schema (valid and not). Each answer must be no server error, and must match what the schema says
of its status and its content (content type and body). A few examples per operation keep it quick."""

import hypothesis
import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
)

pytestmark = pytest.mark.django_db

EXAMPLES = 20
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance, response_headers_conformance]


@pytest.fixture
def one_connection():
    """The test's database connection kept open across the requests, as Django's test client keeps
    it: the WSGI handler would close it at the end of each request, and the test's transaction with it."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


# Read from the application itself, as a client reads it (no database is needed to make it).
schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", get_wsgi_application())


@schema.parametrize()
@hypothesis.settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(hypothesis.HealthCheck),
)
def test_every_operation_answers_as_its_schema_says(case, api_world, one_connection):
    case.call_and_validate(headers={"Authorization": f"Bearer {api_world.tokens['all']}"}, checks=CHECKS)
