"""A fresh benchmark database is loaded as `make bench-data` loads it: the generator in a process of
its own, the audit entries frozen into a partition per month (bench/loader.py, `MonthPartitions`),
as if Safeguard had run partitioned all along (docs/audit.md, "Partitions and archiving").

The oracle is PostgreSQL's own: each entry must lie in the partition named after its UTC month,
the partitions must cover time without a gap, every one must carry the audit table's triggers
switched on and the application role's rights (read and add only), and `verify_audit` must pass
for the whole chain and for a month on its own."""

import itertools
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import psycopg2
import pytest
from django.conf import settings

BASE_DIR = Path(__file__).resolve().parents[2]
CASES = 40


@pytest.fixture(scope="module")
def loaded(worker_id):
    database = settings.DATABASES["default"]
    params = {key: database[key] for key in ("HOST", "PORT", "USER") if database.get(key)}
    name = f"sg_bench_months_{worker_id}"  # the generator fills only sg_bench_* databases
    server = f"postgres://{params['USER']}@{params.get('HOST', '127.0.0.1')}:{params.get('PORT', 5432)}"
    env = {**os.environ, "DATABASE_URL": f"{server}/{name}", "DJANGO_SETTINGS_MODULE": "safeguard.settings"}
    admin = psycopg2.connect(f"{server}/postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')

    def run(*command: str) -> subprocess.CompletedProcess:
        # Fixed command lines of this project's own modules: no outside input.
        result = subprocess.run(  # noqa: S603
            [sys.executable, *command], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=600, check=False
        )
        assert result.returncode == 0, f"{command}:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        return result

    try:
        run("manage.py", "migrate", "--no-input", "-v", "0")
        run("manage.py", "setup_database_roles")
        run("-m", "bench.generate", "--cases", str(CASES))
        connection = psycopg2.connect(f"{server}/{name}")
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute("SET TIME ZONE 'UTC'")
        yield connection, run
        connection.close()
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def _rows(connection, sql: str, args=()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, args)
        return cursor.fetchall()


PARTITIONS = """
SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
WHERE i.inhparent = 'audit_auditentry'::regclass ORDER BY c.relname
"""


def test_every_entry_lies_in_the_partition_of_its_month(loaded):
    connection, _ = loaded
    misplaced = _rows(
        connection,
        "SELECT tableoid::regclass::text, occurred_at FROM audit_auditentry "
        "WHERE tableoid::regclass::text <> 'audit_auditentry_' || to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY_MM') "
        "LIMIT 5",
    )
    assert misplaced == []
    (months,) = _rows(connection, "SELECT count(DISTINCT tableoid) FROM audit_auditentry")[0]
    assert months > 12, "a history of years should fill many months"


def test_the_partitions_cover_time_without_a_gap_from_before_the_first_month(loaded):
    connection, _ = loaded
    bounds = {}
    default = None
    for table, bound in _rows(connection, PARTITIONS):
        if bound == "DEFAULT":
            default = table
            continue
        low, high = bound.removeprefix("FOR VALUES FROM (").removesuffix(")").split(") TO (")
        bounds[table] = (None if low == "MINVALUE" else datetime.fromisoformat(low.strip("'")), high.strip("'"))
    assert default == "audit_auditentry_default"
    (before,) = [table for table, (low, _) in bounds.items() if low is None]
    (first,) = _rows(connection, "SELECT min(occurred_at) FROM audit_auditentry")[0]
    first_month = datetime(first.year, first.month, 1, tzinfo=UTC)
    assert before == f"audit_auditentry_before_{first_month:%Y_%m}"
    assert datetime.fromisoformat(bounds[before][1]) == first_month
    months = sorted((low, datetime.fromisoformat(high)) for low, high in bounds.values() if low is not None)
    assert months[0][0] == first_month
    for (_, end), (start, _) in itertools.pairwise(months):
        assert start == end, f"a gap or overlap between partitions at {end}"
    now = datetime.now(UTC)
    assert months[-1][1] > datetime(now.year + (now.month + 1) // 12, (now.month + 1) % 12 + 1, 1, tzinfo=UTC)
    assert _rows(connection, "SELECT count(*) FROM audit_auditentry_default") == [(0,)]


def test_every_partition_has_the_triggers_switched_on_and_the_application_only_reads_and_adds(loaded):
    connection, _ = loaded
    tables = [table for table, _ in _rows(connection, PARTITIONS)]
    triggers = _rows(
        connection,
        "SELECT c.relname, t.tgname, t.tgenabled FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        "WHERE c.relname = ANY(%s) AND NOT t.tgisinternal",
        (tables,),
    )
    expected = {
        "audit_entry_by_database",
        "audit_entry_chain",
        "audit_entry_append_only",
        "audit_entry_no_truncate",
        "safeguard_summaries_queue_write",  # cases/0043: writes queued for the summaries
    }
    for table in tables:
        on = {name for relname, name, enabled in triggers if relname == table and enabled == "O"}
        assert on == expected, table
        rights = _rows(
            connection,
            "SELECT privilege_type FROM information_schema.role_table_grants "
            "WHERE table_name = %s AND grantee = 'safeguard_app' ORDER BY 1",
            (table,),
        )
        assert rights == [("INSERT",), ("SELECT",)], table


def test_the_chain_verifies_whole_and_month_by_month(loaded):
    connection, run = loaded
    (entries,) = _rows(connection, "SELECT count(*) FROM audit_auditentry")[0]
    assert f"Audit chain OK: {entries} entries checked." in run("manage.py", "verify_audit").stdout
    month, count = _rows(
        connection,
        "SELECT to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY_MM'), count(*) FROM audit_auditentry "
        "GROUP BY 1 ORDER BY 2 DESC LIMIT 1",
    )[0]
    checked = run("manage.py", "verify_audit", "--partition", month).stdout
    assert f"Partition {month}: Audit chain OK: {count} entries checked." in checked
