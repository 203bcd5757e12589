"""A small run of the benchmark data generator and of the benchmark itself (docs/performance.md).

The generator loads through the test's own connection, inside the test's transaction, so all of
it is rolled back afterwards. PostgreSQL checks every constraint and foreign key as the rows
arrive; these tests check what constraints cannot: stages and statuses agree with the records,
every row has the audit entry its trigger would have written, and the hash chain verifies.
"""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from audit.chain import verify_chain
from audit.models import AuditEntry
from bench.generate import generate
from bench.tables import LOAD_ORDER, TABLES
from cases.models import Case, Closure, CourtHearing

pytestmark = pytest.mark.django_db
CASES = 50
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.fixture
def generated():  # type: ignore[no-untyped-def]
    before = AuditEntry.objects.count()
    connection.ensure_connection()
    result = generate(
        cases=CASES,
        connection=connection.connection,
        seed=7,
        now=NOW,
        start=NOW - timedelta(days=500),
        chunk_cases=20,
        log=lambda message: None,
    )
    return result, before


def _scalar(sql: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0]


def test_it_fills_every_table_and_the_chain_verifies(generated):
    result, before = generated

    assert Case.objects.count() == CASES
    for table in LOAD_ORDER:
        assert result.rows[table] > 0, table
    assert verify_chain().ok
    assert AuditEntry.objects.count() - before >= 20 * CASES


def test_every_row_has_its_create_entry_and_the_audit_triggers_are_back_on(generated):
    result, _ = generated
    for table in LOAD_ORDER:
        label = TABLES[table][0]
        missing = _scalar(
            f"SELECT count(*) FROM {table} t WHERE NOT EXISTS (SELECT 1 FROM audit_auditentry a "  # noqa: S608
            f"WHERE a.kind = 'create' AND a.object_type = '{label}' AND a.object_id = t.id::text) "
            f"AND t.id >= {result.first_ids[table]}"
        )
        assert missing == 0, table
    disabled = _scalar(
        "SELECT count(*) FROM pg_trigger WHERE tgname IN ('safeguard_audit', 'audit_entry_chain') AND tgenabled = 'D'"
    )
    assert disabled == 0


def test_stages_and_statuses_agree_with_the_records(generated):
    closed = Case.objects.filter(status="closed")
    assert closed.exclude(stage="closed").count() == 0
    assert Case.objects.filter(stage="closed").exclude(status="closed").count() == 0
    assert Closure.objects.count() == closed.count()
    assert Case.objects.filter(status="open").exists()
    assert Case.objects.filter(arrests__isnull=False, stage__in=["investigation", "warrant", "search"]).count() == 0
    assert Case.objects.filter(warrants__isnull=False, stage="investigation").count() == 0
    assert CourtHearing.objects.exclude(case__stage__in=["court", "closed"]).count() == 0
    # Every record of a closed case was made before it closed.
    late = _scalar(
        "SELECT count(*) FROM cases_caselogentry l JOIN cases_closure c ON c.case_id = l.case_id "
        "WHERE l.created_at < c.closed_at - interval '1 day' AND l.text LIKE 'Case closed%'"
    )
    assert late == 0


def test_the_audit_entries_follow_the_rows(generated):
    # A case's last entry about its own row leaves it with the stage and status it has now.
    case = Case.objects.filter(status="closed").first()
    assert case is not None
    changes = AuditEntry.objects.filter(object_type="cases.Case", object_id=str(case.pk), kind="change").order_by("id")
    final = {}
    for entry in changes:
        final |= {field: value["after"] for field, value in entry.changes.items()}
    assert final["status"] == case.status == "closed"
    assert final["stage"] == case.stage
    assert final["version"] == case.version


def test_the_benchmark_runs_on_generated_data(generated):
    from bench.run import run

    lines: list[str] = []
    report = run(iterations=2, write=False, out=lines.append)

    measured = {m["name"]: m for m in report["measures"]}
    for name in (
        "case_list",
        "case_list_older",
        "case_page",
        "record_stage",
        "audit_by_user",
        "audit_by_case",
        "audit_by_date",
    ):
        assert measured[name]["p50_ms"] > 0, name
        assert measured[name]["queries"] > 0, name
    assert measured["admin_changelist"]["p50_ms"] > 0
    assert measured["guardian_list"]["p50_ms"] > 0
    assert "case_list" in lines[0]
    assert verify_chain().ok
