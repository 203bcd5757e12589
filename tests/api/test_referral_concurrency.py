"""Two deliveries of one referral with one Idempotency-Key at the same moment: the unique key makes
the second wait for the first and answer as it did; one referral is recorded."""

import json
import threading
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from cases.models import Referral
from tests.api.conftest import bearer, referral_body
from tests.processes import restore_migration_data

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module", autouse=True)
def _restore_migration_data(django_db_blocker):
    """A transactional test ends by emptying every table: put back what the migrations loaded."""
    yield
    with django_db_blocker.unblock():
        restore_migration_data()


def test_two_deliveries_at_once_with_one_key_record_one_referral(api_world):
    token = api_world.tokens["all"]
    body = json.dumps(referral_body())
    start = threading.Barrier(2)
    answers: list[tuple[int, dict]] = []

    headers: dict[str, Any] = {"HTTP_IDEMPOTENCY_KEY": "once", **bearer(token)}

    def deliver():
        try:
            start.wait()
            response = Client().post("/api/v1/referrals/", body, content_type="application/json", **headers)
            answers.append((response.status_code, response.json()))
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [status for status, _ in answers] == [201, 201]
    assert answers[0][1] == answers[1][1]
    assert Referral.objects.filter(source_reference="CEOP-2026-0001").count() == 1
