"""Reads from the read replica (safeguard.replica, docs/setup.md "Read replica"): the auditor's
searches, the exports and the figures run on a real streaming replica of the test cluster; when it
is down or behind they run on the primary and the page says so; a person who has just sent a form
reads from the primary. Each test commits what it writes (the replica sees only committed data)."""

import time
from collections.abc import Iterator

import pytest
from django.db import connections
from django.db.utils import load_backend
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.roles import AUDITOR
from audit.models import AuditEntry
from ops.clusters import Cluster, free_port
from safeguard.replica import NOTICES, REPLICA, choose_reads
from tests.factories.people import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _use_replica(port: int, settings) -> Iterator[None]:
    """The `replica` alias, at `port`: the test database as the replica holds it. Made here, as a
    connection created on the fly (the test set-up would refuse an alias it had not been told of)."""
    primary = connections["default"].settings_dict
    replica = {
        **primary,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "OPTIONS": {**primary["OPTIONS"], "connect_timeout": 2},
    }
    made = getattr(connections, "_connections")  # noqa: B009 - the handler's own connections, not in its types
    setattr(made, REPLICA, load_backend(primary["ENGINE"]).DatabaseWrapper(replica, REPLICA))
    settings.SAFEGUARD_READ_REPLICA = True
    try:
        yield
    finally:
        connections[REPLICA].close()
        delattr(made, REPLICA)


# After the test's database set-up (transactional_db), which would otherwise forbid the new alias.
@pytest.fixture
def replica(transactional_db, replica_server: Cluster, settings) -> Iterator[None]:
    yield from _use_replica(replica_server.port, settings)


@pytest.fixture
def dead_replica(transactional_db, settings) -> Iterator[None]:
    """A replica alias at a port nothing listens on: a replica that is down."""
    yield from _use_replica(free_port(), settings)


@pytest.fixture
def as_auditor(client, force):
    auditor = UserFactory(username="ps.auditor", first_name="Jo", last_name="Reid", force=force, roles=[AUDITOR])
    client.force_login(auditor)
    return client


def _entry(reference: str) -> AuditEntry:
    return AuditEntry.objects.create(
        kind=AuditEntry.Kind.READ, object_type="cases.Case", actor_username="dc.hughes", case_reference=reference
    )


def _replayed() -> None:
    """Wait until the replica has replayed everything the primary has written so far."""
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_flush_lsn()::text")
        (lsn,) = cursor.fetchone()
    for _ in range(600):
        with connections[REPLICA].cursor() as cursor:
            cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [lsn])
            if cursor.fetchone()[0]:
                return
        time.sleep(0.05)
    raise AssertionError("the replica did not catch up within 30 seconds")


def _searched_on(alias: str, client, **query: str) -> tuple[bytes, bool]:
    """The search page for `query`, and whether the audit trail was read on `alias`."""
    with CaptureQueriesContext(connections[alias]) as queries:
        response = client.get(reverse("audit:search"), query)
    assert response.status_code == 200
    return response.content, any('FROM "audit_auditentry"' in query["sql"] for query in queries)


def test_the_auditors_search_runs_on_the_replica(replica, replica_server, as_auditor):
    _entry("STF-2026-000101")
    _replayed()
    page, on_replica = _searched_on(REPLICA, as_auditor, case_reference="STF-2026-000101")
    assert on_replica
    assert b"STF-2026-000101" in page
    assert b"replica-notice" not in page
    with connections[REPLICA].cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery(), current_setting('port')::int")
        assert cursor.fetchone() == (True, replica_server.port)


def test_the_search_itself_is_audited_on_the_primary(replica, as_auditor):
    _replayed()
    before = AuditEntry.objects.filter(kind=AuditEntry.Kind.AUDIT_READ).count()
    _searched_on(REPLICA, as_auditor, username="dc.hughes")
    assert AuditEntry.objects.filter(kind=AuditEntry.Kind.AUDIT_READ).count() == before + 1


def test_the_audit_export_is_read_from_the_replica(replica, as_auditor):
    _entry("STF-2026-000102")
    _replayed()
    query = {"case_reference": "STF-2026-000102", "recipient": "Professional Standards, ref PSD-1"}
    with CaptureQueriesContext(connections[REPLICA]) as queries:
        response = as_auditor.get(reverse("audit:export"), query)
        body = b"".join(response.streaming_content)
    assert response.status_code == 200
    assert b"STF-2026-000102" in body
    assert any('FROM "audit_auditentry"' in query["sql"] for query in queries)


def test_the_figures_are_read_from_the_replica(replica, client, force):
    from accounts.roles import SUPERVISOR
    from tests.factories.people import TeamFactory

    team = TeamFactory(force=force, name="Safenet")
    client.force_login(UserFactory(username="ds.okafor", force=force, teams=[team], roles=[SUPERVISOR]))
    _replayed()
    with CaptureQueriesContext(connections[REPLICA]) as queries:
        response = client.get(reverse("reports:figures"))
    assert response.status_code == 200
    assert any("cases_figurefact" in query["sql"] for query in queries)


def test_when_the_replica_is_down_the_search_runs_on_the_primary_and_says_so(dead_replica, as_auditor):
    _entry("STF-2026-000103")
    page, on_primary = _searched_on("default", as_auditor, case_reference="STF-2026-000103")
    assert on_primary
    assert b"STF-2026-000103" in page
    assert NOTICES["down"].encode() in page


def test_when_the_replica_is_behind_the_search_runs_on_the_primary_and_says_so(
    replica, replica_server, as_auditor, settings
):
    settings.SAFEGUARD_REPLICA_MAX_LAG_SECONDS = 0
    _replayed()
    replica_server.psql("SELECT pg_wal_replay_pause()")
    try:
        replica_server.wait_until("SELECT pg_get_wal_replay_pause_state() = 'paused'")
        _entry("STF-2026-000104")  # written on the primary, not yet replayed
        page, on_primary = _searched_on("default", as_auditor, case_reference="STF-2026-000104")
        assert on_primary
        assert b"STF-2026-000104" in page
        assert NOTICES["behind"].encode() in page
    finally:
        replica_server.psql("SELECT pg_wal_replay_resume()")
    _replayed()
    assert choose_reads().alias == REPLICA  # caught up again: back to the replica


def test_after_sending_a_form_a_persons_reads_stay_on_the_primary(replica, as_auditor, settings):
    settings.SAFEGUARD_REPLICA_MAX_LAG_SECONDS = 3600
    as_auditor.post(reverse("audit:search"))  # any form sent marks the session, whatever its answer
    _entry("STF-2026-000105")
    page, on_primary = _searched_on("default", as_auditor, case_reference="STF-2026-000105")
    assert on_primary
    assert b"STF-2026-000105" in page
    assert b"replica-notice" not in page  # nothing to say: the person simply sees what they did
    settings.SAFEGUARD_REPLICA_OWN_WRITES_SECONDS = 0
    _replayed()
    assert _searched_on(REPLICA, as_auditor, case_reference="STF-2026-000105")[1]
