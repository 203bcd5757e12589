"""Two forces, each with cases and API clients, for the API's tests."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.core.cache import caches
from django.test import Client
from django.utils import timezone

from accounts.models import Force, User
from accounts.roles import ADMINISTRATOR, OFFICER
from api.models import ApiClient, Scope
from api.services import create_client, revoke_client
from cases.models import Case
from tests.factories.cases import CaseFactory
from tests.factories.people import ForceFactory, TeamFactory, UserFactory

ALL_SCOPES = list(Scope.values)


@dataclass
class ApiWorld:
    admin: User
    recorder: User  # an officer of the home force, for whom its intake clients record referrals
    home: Force
    other: Force
    case: Case  # of the home force
    restricted: Case  # of the home force, restricted
    other_case: Case  # of the other force
    tokens: dict[str, str]  # kind of client -> token
    clients: dict[str, ApiClient]


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


@pytest.fixture
def api_world(db) -> Iterator[ApiWorld]:
    home, other = ForceFactory(code="HOM", name="Home Force"), ForceFactory(code="OTH", name="Other Force")
    admin = UserFactory(username="api.admin", roles=[ADMINISTRATOR])
    recorder = UserFactory(username="referrals.desk", force=home, roles=[OFFICER])
    recorders = {home: recorder, other: UserFactory(username="other.desk", force=other, roles=[OFFICER])}
    case = CaseFactory(team=TeamFactory(force=home), reference="HOM-2026-000001")
    restricted = CaseFactory(team=case.team, reference="HOM-2026-000002", restricted=True)
    other_case = CaseFactory(team=TeamFactory(force=other), reference="OTH-2026-000001")
    tokens, clients = {}, {}
    now = timezone.now()
    kinds: dict[str, tuple[Force, list[str]]] = {
        "all": (home, ALL_SCOPES),
        "cases_only": (home, [Scope.READ_CASES.value]),
        "deadlines_only": (home, [Scope.READ_DEADLINES.value]),
        "intake_only": (home, [Scope.REFERRAL_INTAKE.value]),
        "other_force": (other, ALL_SCOPES),
        "expired": (home, ALL_SCOPES),
        "revoked": (home, ALL_SCOPES),
    }
    for kind, (force, scopes) in kinds.items():
        records_for = recorders[force] if Scope.REFERRAL_INTAKE in scopes else None
        made = create_client(
            force=force, name=f"{kind} client", scopes=scopes, created_by=admin, records_for=records_for
        )
        tokens[kind], clients[kind] = made.token, made.client
    ApiClient.objects.filter(pk=clients["expired"].pk).update(expires_at=now - timedelta(seconds=1))
    revoke_client(client=clients["revoked"])
    yield ApiWorld(admin, recorder, home, other, case, restricted, other_case, tokens, clients)
    # The rate limit's counts are in Redis, outside the test's transaction.
    caches["api"].delete_many(
        [f"throttle_api_client_safeguard:api:throttle:{c.pk}:{c.prefix}" for c in clients.values()]
    )


@pytest.fixture
def api(api_world) -> Client:
    return Client()


def referral_body(reference: str = "CEOP-2026-0001", **changes: Any) -> dict[str, Any]:
    """A referral as a referral feed delivers it, with an IP address and an e-mail address."""
    body: dict[str, Any] = {
        "source": "nca_ceop",
        "source_reference": reference,
        "received_at": "2026-11-03T09:00:00Z",
        "risk_grade": "high",
        "platform": "BitTorrent",
        "files_reported": 12,
        "identifiers": [
            {
                "kind": "ip",
                "ip_address": "203.0.113.7",
                "port": 51413,
                "observed_original": "2026-11-02 21:14:07",
                "observed_timezone": "America/New_York",
            },
            {"kind": "email", "account_id": "Someone@Example.COM"},
        ],
    }
    body.update(changes)
    return body
