"""The API's case reads: keyset pages, filters, bad filters as 400s naming the field, one case, its
deadlines, the audit entries naming the client, and the per-client rate limit (Redis)."""

from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from api.models import ApiClient
from audit.context import acting_as
from audit.models import AuditEntry
from cases.models import Case
from tests.api.conftest import bearer
from tests.factories.cases import CaseFactory, ReferralFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def many(api_world):
    """Seven more cases of the home force, opened an hour apart (newest first: M-000001 was opened most recently)."""
    now = timezone.now()
    team = api_world.case.team
    made = [
        CaseFactory(team=team, reference=f"HOM-2026-1{n:05d}", opened_at=now - timedelta(hours=n)) for n in range(1, 8)
    ]
    Case.objects.filter(pk=made[0].pk).update(stage=Case.Stage.COURT)
    Case.objects.filter(pk=made[1].pk).update(status=Case.Status.CLOSED, stage=Case.Stage.CLOSED)
    return made


def get(api, api_world, path, kind="all", **query):
    return api.get(path, query, **bearer(api_world.tokens[kind]))


def test_pages_go_older_and_back_newer_with_no_case_twice(api, api_world, many):
    expected = [c.reference for c in many] + [api_world.case.reference]  # the fixture's case is 5 days old
    first = get(api, api_world, "/api/v1/cases/?size=3").json()
    assert first["newer"] is None
    second = get(api, api_world, "/api/v1/cases/", size=3, before=first["older"]).json()
    third = get(api, api_world, "/api/v1/cases/", size=3, before=second["older"]).json()
    assert third["older"] is None
    seen = [c["reference"] for page in (first, second, third) for c in page["results"]]
    assert seen == expected
    back = get(api, api_world, "/api/v1/cases/", size=3, after=third["newer"]).json()
    assert [c["reference"] for c in back["results"]] == expected[3:6]


def test_filters_by_stage_status_and_updated_since(api, api_world, many):
    court = get(api, api_world, "/api/v1/cases/?stage=court").json()["results"]
    assert [c["reference"] for c in court] == [many[0].reference]
    closed = get(api, api_world, "/api/v1/cases/?status=closed").json()["results"]
    assert [c["reference"] for c in closed] == [many[1].reference]
    since = timezone.now()
    with acting_as(api_world.admin, source="test"):
        case = Case.objects.get(pk=many[3].pk)
        case.operation = "Changed"
        case.save(update_fields=["operation"])
    changed = get(api, api_world, "/api/v1/cases/", updated_since=since.isoformat()).json()["results"]
    assert [c["reference"] for c in changed] == [many[3].reference]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("stage=nowhere", "stage"),
        ("status=pending", "status"),
        ("updated_since=yesterday", "updated_since"),
        ("size=0", "size"),
        ("size=101", "size"),
        ("size=ten", "size"),
        ("before=not-a-cursor", "before"),
        ("after=2026-01-01T00:00:00_0", "after"),
        ("before=2026-01-01T00:00:00%2B00:00_1&after=2026-01-01T00:00:00%2B00:00_2", "after"),
    ],
)
def test_a_bad_filter_is_a_400_naming_the_field(api, api_world, query, field):
    response = get(api, api_world, f"/api/v1/cases/?{query}")
    assert response.status_code == 400
    assert list(response.json()) == [field]


def test_the_list_is_audited_as_a_search_naming_the_client(api, api_world, many):
    response = get(api, api_world, "/api/v1/cases/?stage=court")
    entry = AuditEntry.objects.filter(kind="search").latest("id")
    assert entry.actor_username == "api:all client"
    assert entry.actor_id is None
    assert entry.source == "api"
    assert entry.changes["filters"] == {"stage": "court"}
    assert entry.changes["shown"] == [many[0].reference]
    assert entry.request_id == response["X-Request-ID"]


def test_one_case_and_its_deadlines_are_read_and_audited(api, api_world):
    case = api_world.case
    Case.objects.filter(pk=case.pk).update(referral=ReferralFactory(force=api_world.home))
    body = get(api, api_world, f"/api/v1/cases/{case.reference}/").json()
    assert body["reference"] == case.reference
    assert body["force"] == "HOM"
    assert body["stage"] == "investigation"
    assert body["supervisor"] == case.supervisor.get_full_name()
    deadlines = get(api, api_world, f"/api/v1/cases/{case.reference}/deadlines/").json()
    assert [d["kind"] for d in deadlines] == ["referral_response"]
    assert deadlines[0]["status"] == "missed"  # a high-risk referral received ten days ago
    assert deadlines[0]["outstanding"] is True
    reads = AuditEntry.objects.filter(kind="read", case_reference=case.reference).order_by("id")
    assert [(e.actor_username, e.source, e.object_type) for e in reads] == [("api:all client", "api", "cases.Case")] * 2


@override_settings(SAFEGUARD_API_RATE="3/min")
def test_each_client_is_rate_limited_on_its_own(api, api_world):
    for _ in range(3):
        assert get(api, api_world, "/api/v1/cases/").status_code == 200
    refused = get(api, api_world, "/api/v1/cases/")
    assert refused.status_code == 429
    assert "Retry-After" in refused
    entry = AuditEntry.objects.filter(kind="access_denied").latest("id")
    assert (entry.actor_username, entry.changes["status"]) == ("api:all client", 429)
    # Another client of the same force has its own count.
    assert get(api, api_world, "/api/v1/cases/", kind="cases_only").status_code == 200


@override_settings(
    SAFEGUARD_API_RATE="1/min",
    CACHES={
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "api": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
            "OPTIONS": {"socket_connect_timeout": 0.2},
        },
    },
)
def test_with_redis_out_of_reach_requests_are_answered_uncounted(api, api_world):
    for _ in range(2):
        assert get(api, api_world, "/api/v1/cases/").status_code == 200


def test_a_token_is_found_by_its_prefix_and_never_stored(api_world):
    token = api_world.tokens["all"]
    client = ApiClient.objects.get(name="all client")
    prefix, secret = token.split(".")
    assert client.prefix == prefix
    assert secret not in client.token_hash
    assert len(client.token_hash) == 64
