"""A small run of the benchmark data generator and of the benchmark itself (docs/performance.md).

The generator loads through the test's own connection, inside the test's transaction, so all of
it is rolled back afterwards. PostgreSQL checks every constraint and foreign key as the rows
arrive; these tests check what constraints cannot: stages and statuses agree with the records,
every row has the audit entry its trigger would have written, and the hash chain verifies.
"""

import random
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection

from audit.chain import entry_hash, verify_chain
from audit.models import AuditEntry
from bench.generate import generate
from bench.sink import Actor, Sink
from bench.tables import LOAD_ORDER, TABLES, TableSpec, copy_value, json_value, jsonb_key_order
from bench.trail import Trail, TrailProcess
from cases.models import Case, Closure, CourtHearing

CASES = 50
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


SCHEMA = """
SELECT 'index', tablename, indexdef FROM pg_indexes WHERE schemaname = 'public'
UNION ALL
SELECT 'constraint', conrelid::regclass::text, pg_get_constraintdef(oid) || ' ' || convalidated FROM pg_constraint
WHERE connamespace = 'public'::regnamespace
ORDER BY 1, 2, 3
"""


def _schema() -> list[tuple[str, str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(SCHEMA)
        return cursor.fetchall()


@pytest.fixture
def generated():
    before = AuditEntry.objects.count()
    schema = _schema()
    connection.ensure_connection()
    result = generate(
        cases=CASES,
        connection=connection.connection,
        seed=1,
        now=NOW,
        start=NOW - timedelta(days=500),
        chunk_cases=20,
        rebuild_audit_indexes=True,
        log=lambda message: None,
    )
    return result, before, schema


def _scalar(sql: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_it_fills_every_table_and_the_chain_verifies(generated):
    result, before, _ = generated

    assert Case.objects.count() == CASES
    for table in LOAD_ORDER:
        assert result.rows[table] > 0, table
    assert verify_chain().ok
    assert AuditEntry.objects.count() - before >= 20 * CASES


@pytest.mark.django_db
def test_every_row_has_its_create_entry_and_the_audit_triggers_are_back_on(generated):
    result, _, _ = generated
    for table in LOAD_ORDER:
        label = TABLES[table][0]
        missing = _scalar(
            f"SELECT count(*) FROM {table} t WHERE NOT EXISTS (SELECT 1 FROM audit_auditentry a "  # noqa: S608
            f"WHERE a.kind = 'create' AND a.object_type = '{label}' AND a.object_id = t.id::text) "
            f"AND t.id >= {result.first_ids[table]}"
        )
        assert missing == 0, table
    disabled = _scalar(
        "SELECT count(*) FROM pg_trigger "
        "WHERE tgname IN ('safeguard_audit', 'audit_entry_chain', 'audit_entry_by_database') AND tgenabled = 'D'"
    )
    assert disabled == 0


@pytest.mark.django_db
def test_rows_that_keep_when_they_were_first_entered_keep_their_entrys_time(generated):
    # The search for a record's first entry starts at that time (cases.services.versions.first_entry):
    # a later one would send it over the whole trail.
    result, _, _ = generated
    kept = [table for table in LOAD_ORDER if "first_entered_at" in dict(TABLES[table][1])]
    assert "cases_arrest" in kept
    for table in kept:
        wrong = _scalar(
            f"SELECT count(*) FROM {table} t JOIN audit_auditentry a ON a.kind = 'create' "  # noqa: S608
            f"AND a.object_type = '{TABLES[table][0]}' AND a.object_id = t.id::text "
            f"WHERE t.id >= {result.first_ids[table]} AND (t.first_entered_at IS NULL "
            "OR t.first_entered_at > a.occurred_at OR t.first_entered_at <= a.occurred_at - interval '1 second')"
        )
        assert wrong == 0, table


@pytest.mark.django_db
def test_the_indexes_and_foreign_keys_dropped_for_the_load_are_back_the_same_and_validated(generated):
    _, _, schema = generated
    assert (
        len([row for row in schema if row[:2] == ("index", "audit_auditentry")]) == 8
    )  # the primary key, five indexes of the searches, the place and the unsealed entries
    assert len([row for row in schema if row[2].startswith("FOREIGN KEY") and row[2].endswith(" true")]) > 40
    assert _schema() == schema


@pytest.mark.django_db
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


@pytest.mark.django_db
def test_the_audit_entries_follow_the_rows(generated):
    # A case's last entry about its own row leaves it with the stage and status it has now.
    case = Case.objects.filter(status="closed").first()
    assert case is not None
    changes = AuditEntry.objects.filter(object_type="cases.Case", object_id=str(case.pk), kind="change").order_by("id")
    final: dict[str, object] = {}
    for entry in changes:
        final |= {field: value["after"] for field, value in entry.changes.items()}
    assert final["status"] == case.status == "closed"
    assert final["stage"] == case.stage
    assert final["version"] == case.version


@pytest.mark.django_db
def test_the_benchmark_runs_on_generated_data(generated):
    from bench.run import run
    from cases.models import SummaryState

    lines: list[str] = []
    report = run(iterations=2, write=False, out=lines.append, clients=())  # parallel: tests/bench/test_parallel.py

    measured = {m["name"]: m for m in report["measures"]}
    for name in (
        "case_list",
        "case_list_older",
        "case_page",
        "record_stage",
        "audit_by_user",
        "audit_by_case",
        "audit_by_date",
        "dashboard",
        "dashboard_refreshed",
        "figures",
        "figures_after_change",
        "figures_afresh",
        "search_ip",
        "search_name",
        "deconfliction_check",
        "my_work",
        "supervisor_work",
        "api_case_list",
        "api_case_list_csv",
        "api_case",
    ):
        assert measured[name]["p50_ms"] > 0, name
        assert measured[name]["queries"] > 0, name
    # The API's client was registered for the run only.
    from api.models import ApiClient

    assert not ApiClient.objects.filter(name="Benchmark client").exists()
    # The refreshed dashboard was measured once the summaries had been filled (cases.tasks), and
    # then computed no deadline afresh: fewer queries than in the minute after the stage recorded.
    assert SummaryState.objects.filter(name="deadlines", full_refresh_at__isnull=False).exists()
    assert measured["dashboard_refreshed"]["queries"] < measured["dashboard"]["queries"]
    # Cached figures spare the grouped queries (and caching their answers) that a recomputed report runs.
    assert measured["figures"]["queries"] < measured["figures_afresh"]["queries"]
    # After a change, Celery's refresh has made the default period's figures again: read kept.
    assert measured["figures_after_change"]["queries"] == measured["figures"]["queries"]
    # The audit overhead: blocks of requests with the triggers off and on, twice `iterations` of each.
    from bench.run import OVERHEAD_BLOCK

    assert measured["audit_overhead"]["iterations"] == 2 * 2 * OVERHEAD_BLOCK
    assert measured["audit_overhead_db"]["iterations"] == 2 * 2 * OVERHEAD_BLOCK
    assert measured["admin_changelist"]["p50_ms"] > 0
    assert measured["guardian_list"]["p50_ms"] > 0
    assert "case_list" in lines[0]
    assert verify_chain().ok


@pytest.mark.django_db
def test_the_identifier_index_is_filled_as_the_services_fill_it(generated):
    """The generator's SQL (bench/identifiers.py) makes, for each record, the rows the services make."""
    from django.apps import apps

    from cases.models import IndexedIdentifier
    from cases.services.identifiers import entries_for

    kinds = set(IndexedIdentifier.objects.values_list("kind", flat=True))
    assert {
        "case_reference",
        "external_reference",
        "ip",
        "account",
        "phone",
        "email",
        "person",
        "address",
        "warrant_reference",
        "court_reference",
    } <= kinds
    subjects = IndexedIdentifier.objects.filter(source_type="cases.Subject")
    assert {"phone", "email", "account"} <= set(subjects.values_list("kind", flat=True))
    for row in IndexedIdentifier.objects.order_by("id")[::7]:
        record = apps.get_model(row.source_type).objects.get(pk=row.source_id)
        made = {(entry.kind, entry.value, entry.case_id, entry.referral_id) for entry in entries_for(record)}
        assert (row.kind, row.value, row.case_id, row.referral_id) in made, (row.source_type, row.shown)


# --- Without the database: the compiled row writers and the chain -----------------------------------

SAMPLES = {
    "I": (0, 7, 2_147_483_647),
    "S": ("", "plain", 'quote " and \\ backslash', "tab\tnew\nline", "Zoë Brontë", "\x01control"),
    "T": (0, 1_500_000_000, 1_899_999_999),
    "B": (True, False),
    "D": (date(1961, 2, 28), date(2004, 12, 31)),
    "N": ("81.2.69.160", "2001:db8::1"),
}


def _row(spec: TableSpec, rng: random.Random) -> dict[str, object]:
    return {name: None if rng.random() < 0.2 else rng.choice(SAMPLES[kind]) for name, kind in spec.columns}


def test_the_compiled_row_writers_write_what_the_value_writers_do():
    rng = random.Random(3)
    for table in LOAD_ORDER:
        redacted = ("password",) if table == "cases_user" else ()
        spec = TableSpec(table, redacted)
        for _ in range(50):
            row = _row(spec, rng)
            assert spec.copy_line(row) == "\t".join(copy_value(kind, row[name]) for name, kind in spec.columns) + "\n"
            afters = {name: json_value(spec.types[name], row[name]) for name in spec.json_order}
            afters.update(dict.fromkeys(redacted, '"[not recorded]"'))
            created = ", ".join(f'"{name}": {{"after": {afters[name]}, "before": null}}' for name in spec.json_order)
            assert spec.created_changes(row) == "{" + created + "}"
            names = rng.sample([name for name, _ in spec.columns], min(3, len(spec.columns)))
            before, after = _row(spec, rng), _row(spec, rng)
            before, after = {n: before[n] for n in names}, {n: after[n] for n in names}
            changed = ", ".join(
                f'"{name}": {{"after": {json_value(spec.types[name], after[name])}, '
                f'"before": {json_value(spec.types[name], before[name])}}}'
                for name in jsonb_key_order(names)
            )
            assert spec.changed_changes(before, after) == "{" + changed + "}"


def _copy_field(value: str) -> str | None:
    """One field of a COPY text line, as PostgreSQL reads it."""
    if value == "\\N":
        return None
    return re.sub(r"\\(.)", lambda match: {"t": "\t", "n": "\n", "r": "\r"}.get(match[1], match[1]), value)


@pytest.mark.parametrize("in_a_process", [False, True], ids=["in this process", "in a process of its own"])
def test_the_sink_and_trail_chain_entries_as_audit_chain_checks_them(tmp_path, in_a_process):
    """What the sink makes and the trail writes, read back as PostgreSQL would, verifies with
    audit.chain's own hash, non-ASCII and escaped text included (netstring lengths count bytes), in
    time order; the same from the trail process of a real load (which here writes but loads nothing)."""
    trail = (
        TrailProcess(None, str(tmp_path), 41, "f" * 64, first_seq=31, freeze=False)
        if in_a_process
        else Trail(str(tmp_path), 41, "f" * 64, lambda chunk: None, first_seq=31)
    )
    sink = Sink(str(tmp_path), dict.fromkeys(LOAD_ORDER, 1), trail)
    officer = Actor(7, "z.brontë.wyp7", "10.1.2.3")
    sink.entry(1_600_000_000_250_000, officer, "read", "cases.Case", "12", "WYP-2020-000012", "Read", "{}", "a" * 32)
    sink.entry(1_600_000_000_000_001, None, "create", "cases.Subject", "3", "", "Zoë", '{"x": "\\\\t"}', "b" * 32)
    sink.flush_before(None)
    sink.entry(1_500_000_000_000_000, officer, "sign_in", "cases.User", "7", "", "é\tx\\", "{}", "c" * 32, "cli")
    sink.close()
    result = trail.close()
    files = sorted(tmp_path.glob("audit-*.tsv"))
    lines = [line for path in files for line in path.read_bytes().decode().splitlines()]
    previous = "f" * 64
    ids = []
    places = []
    for line in lines:
        fields = [_copy_field(value) for value in line.split("\t")]
        entry_id, occurred, actor_id, *rest, prev_hash, digest, seq = fields
        assert entry_id is not None and occurred is not None
        row = (int(entry_id), datetime.fromisoformat(occurred), actor_id and int(actor_id), *rest)
        assert prev_hash == previous
        assert entry_hash(previous, row) == digest
        previous = digest
        ids.append(row[0])
        places.append(int(seq or 0))
    assert ids == [41, 42, 43]  # numbered in time order, not in the order they were made
    assert places == [31, 32, 33]  # the chain's places continue from the head's, as the sequencer's would
    assert (result.entries, result.last_id, result.last_hash, result.last_seq) == (3, 43, previous, 33)


def test_a_trail_process_that_fails_says_why(tmp_path):
    """The generator's entries go to the trail process through a sender thread; when the process
    fails (here: its folder does not exist), the generator is told, with the process's traceback."""
    trail = TrailProcess(None, str(tmp_path / "missing"), 1, "f" * 64, first_seq=1, freeze=False)
    entry = (1_600_000_000_000_000, 1, b"hashed", b"line")
    with pytest.raises(RuntimeError, match=r"(?s)The audit trail process failed:.*FileNotFoundError"):
        for _ in range(10_000):
            trail.add([entry] * 100, None)
        trail.close()
    trail.abort()
