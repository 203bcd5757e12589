"""Fill a migrated database with a national-scale caseload, fast (docs/performance.md).

    DJANGO_SETTINGS_MODULE=safeguard.settings DATABASE_URL=postgres://postgres@127.0.0.1:5432/sg_bench_100k \\
        .venv/bin/python -m bench.generate --cases 100000

How it stays fast and still true:

- Rows are generated in Python (bench/story.py, bench/sink.py, with per-table compiled writers in
  bench/tables.py) and the case data loaded with COPY by another connection, a transaction per
  chunk of 5,000 cases, while the next chunk is generated. The audit entries are put in time order,
  chained and loaded by a process of their own with its own connection (bench/trail.py).
- The audit row triggers (`safeguard_audit` on each table loaded) and the chain, stamp and summary
  queue triggers on the audit table are switched off for the load only (ALTER TABLE ... DISABLE TRIGGER, as the
  superuser or owner), because they would write one entry per row, one at a time, each to be
  sealed again by the sequencer. Instead the generator writes those same entries itself: the
  trigger's `create` entry for every row with every column, a `change` entry for every later update,
  plus the application's reads, sign-ins and grants, given their places and hash-chained exactly as
  the sequencer does (audit/0009), continuing the chain from its current head (every entry already
  there is sealed first). The triggers are switched back on at the end (also on failure),
  the chain head and id sequences are moved on, and `manage.py verify_audit` then checks the whole
  chain independently. The database must not be in use while it loads.
- CHECK constraints, NOT NULL, primary keys and unique constraints stay on and are checked as the
  rows arrive. The foreign keys of the tables loaded are dropped for the load and added back after
  it from their own definitions, which makes PostgreSQL check every row against them (one join per
  key instead of a lookup and a row lock per row and key; bench/finish.py). `--foreign-keys
  as-loaded` keeps them on and checks them at each chunk's commit instead, more slowly.
- From 10,000 cases the audit table's secondary indexes are dropped before the load and built again
  afterwards from their definitions, together (one sort each instead of upkeep row by row).
- Into an empty audit table (a fresh database) the entries are copied in one transaction with
  COPY FREEZE: written once, never rewritten to set hint bits. PostgreSQL refuses COPY FREEZE into
  a partitioned table, so each month's entries go straight into their month's partition, made in
  that transaction (bench/loader.py, `MonthPartitions`; docs/audit.md, "Partitions and archiving").
- Session settings only: synchronous_commit off, LZ4 compression of WAL full-page images, memory
  for the index sorts and key checks. Nothing is UNLOGGED. `make bench-data WAL=minimal` runs this
  with the server's wal_level set to minimal (bench/wal-level), which spares the WAL of the audit
  table's COPY and of its index builds.
"""

import argparse
import resource
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import django

# bench.story reads the models' choices and the services' rules, so Django is set up before it loads.
django.setup()

from django.db import connection  # noqa: E402

from bench import finish  # noqa: E402
from bench.identifiers import fill_identifier_index  # noqa: E402
from bench.loader import Chunk, Loader  # noqa: E402
from bench.people import make_people  # noqa: E402
from bench.sink import Sink  # noqa: E402
from bench.story import DAY, Context, Dice, Story, other_referral  # noqa: E402
from bench.tables import LOAD_ORDER  # noqa: E402
from bench.trail import Trail, TrailProcess  # noqa: E402

LONDON = ZoneInfo("Europe/London")
START = int(datetime(2017, 6, 1, tzinfo=UTC).timestamp())
CHUNK_CASES = 5_000
REBUILD_AUDIT_INDEXES_FROM = 10_000
# Cases per set of teams (bench/people.py): one set of 155 teams takes 100,000 cases over the years
# generated (about 70 a team a year, like a real unit); a million cases are worked by ten sets.
CASES_PER_TEAM_SET = 100_000
FINISHERS = 7  # connections putting back indexes, foreign keys and statistics: one per audit index
AUDITED_TRIGGER = "safeguard_audit"
CHAIN_TRIGGER = "audit_entry_chain"
# It keeps a superuser's values as given, so it changes nothing in this load, and would cost a PL/pgSQL
# call for each of tens of millions of entries: off for the load too.
STAMP_TRIGGER = "audit_entry_by_database"
# It queues every write for the summaries to recompute its case (cases/0043): the summaries are
# made from scratch after the load (`make bench-data`), so it is off for the load too.
QUEUE_TRIGGER = "safeguard_summaries_queue_write"


@dataclass
class Result:
    cases: int
    rows: dict[str, int] = field(default_factory=dict)
    first_ids: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)


def _log(message: str) -> None:
    print(message, flush=True)


def _scalar(cursor: Any, sql: str, params: tuple[Any, ...] = ()) -> Any:
    cursor.execute(sql, params)
    return cursor.fetchone()[0]


def _set_triggers(cursor: Any, enabled: bool) -> None:
    verb = "ENABLE" if enabled else "DISABLE"
    for table in LOAD_ORDER:
        cursor.execute(f"ALTER TABLE {table} {verb} TRIGGER {AUDITED_TRIGGER}")
    cursor.execute(f"ALTER TABLE audit_auditentry {verb} TRIGGER {CHAIN_TRIGGER}")
    cursor.execute(f"ALTER TABLE audit_auditentry {verb} TRIGGER {STAMP_TRIGGER}")
    cursor.execute(f"ALTER TABLE audit_auditentry {verb} TRIGGER {QUEUE_TRIGGER}")


def _check_triggers_enabled(cursor: Any) -> None:
    cursor.execute(
        "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        "WHERE t.tgname IN (%s, %s, %s, %s) AND t.tgenabled = 'D'",
        (AUDITED_TRIGGER, CHAIN_TRIGGER, STAMP_TRIGGER, QUEUE_TRIGGER),
    )
    disabled = [row[0] for row in cursor.fetchall()]
    if disabled:
        raise SystemExit(f"Audit triggers are switched off on {', '.join(disabled)}: is another load running?")


def generate(
    *,
    cases: int,
    connection: Any,
    connect: Callable[[], Any] | None = None,
    connection_params: dict[str, Any] | None = None,
    seed: int = 1,
    now: datetime | None = None,
    chunk_cases: int = CHUNK_CASES,
    rebuild_audit_indexes: bool | None = None,
    foreign_keys_after: bool = True,
    finishers: int = FINISHERS,
    start: datetime | None = None,
    log: Callable[[str], None] = _log,
) -> Result:
    """Generate `cases` cases into the database of `connection` (a psycopg2 connection).

    With `connect` (a factory of new connections) and `connection_params` (its arguments), the case
    data is loaded by another connection while the next chunk is generated, the audit entries are
    chained and loaded by a process of their own (bench/trail.py), and every step commits; without
    them, everything is loaded through `connection` inside its transaction, which the caller commits
    or rolls back (the test does).
    """
    started = time.monotonic()
    phases: dict[str, float] = {}
    rng = Dice(seed)
    now_s = int((now or datetime.now(UTC)).timestamp())
    start_s = int(start.timestamp()) if start else START
    span = now_s - 2 * DAY - start_s
    if rebuild_audit_indexes is None:
        rebuild_audit_indexes = cases >= REBUILD_AUDIT_INDEXES_FROM
    workdir = tempfile.mkdtemp(prefix="safeguard-bench-")
    cursor = connection.cursor()
    cursor.execute("SET synchronous_commit = off")
    _check_triggers_enabled(cursor)
    first_ids = {table: _scalar(cursor, f"SELECT coalesce(max(id), 0) + 1 FROM {table}") for table in LOAD_ORDER}
    # Every entry already there takes its place first, so the load continues the chain from its end.
    _scalar(cursor, "SELECT safeguard_audit_sequence(2147483647, true)")
    cursor.execute("SELECT last_seq, last_id, last_hash FROM audit_auditchainhead WHERE id = 1")
    head_seq, _, head_hash = cursor.fetchone() or (0, 0, "0" * 64)
    # The last place is not always the largest id (a late commit is sealed after later ids): the new
    # entries take ids after every id there and places after the head's.
    newest_id = _scalar(cursor, "SELECT coalesce(max(id), 0) FROM audit_auditentry")
    if _scalar(cursor, "SELECT coalesce(max(seq), 0) FROM audit_auditentry") != head_seq or _scalar(
        cursor, "SELECT count(*) FROM audit_auditentry WHERE seq IS NULL"
    ):
        raise SystemExit("The audit chain head does not name the last entry: run manage.py verify_audit first.")
    cursor.execute("SELECT name, id FROM auth_group")
    groups = dict(cursor.fetchall())
    cursor.execute(
        "SELECT p.codename, p.id FROM auth_permission p JOIN django_content_type t ON t.id = p.content_type_id "
        "WHERE t.app_label = 'cases' AND t.model = 'case'"
    )
    permissions = dict(cursor.fetchall())
    cursor.execute("SELECT id FROM cases_offence WHERE active ORDER BY id")
    offences = [row[0] for row in cursor.fetchall()]
    taken = finish.take_off(cursor, LOAD_ORDER, audit_indexes=rebuild_audit_indexes, foreign_keys=foreign_keys_after)
    _set_triggers(cursor, enabled=False)
    if connect is not None:
        connection.commit()
    wal_level = _scalar(cursor, "SHOW wal_level")
    log(
        f"Generating {cases:,} cases (seed {seed}) in {workdir}; audit chain continues from place {head_seq}; "
        f"wal_level {wal_level}."
    )
    if taken.index_definitions:
        log(f"  {len(taken.index_definitions)} secondary indexes of the audit table dropped, to be built again after.")
    if taken.foreign_keys:
        log(f"  {len(taken.foreign_keys)} foreign keys dropped, to be added back and checked over every row after.")

    inline = connect is None or connection_params is None
    # Inline, the audit entries are chained here and loaded through `connection`; otherwise by a
    # process of their own (bench/trail.py) and its own connection.
    audit_loader = Loader("audit entries", (finish.AUDIT_TABLE,), None, inline_connection=connection)
    loader = Loader("case data", LOAD_ORDER, connect, inline_connection=connection)
    waited = 0.0

    def submitter(to: Loader) -> Callable[[Chunk], None]:
        def submit(chunk: Chunk) -> None:
            nonlocal waited
            step = time.monotonic()
            to.submit(chunk)
            waited += time.monotonic() - step

        return submit

    submit = submitter(loader)
    trail: Trail | TrailProcess = (
        Trail(workdir, newest_id + 1, head_hash, submitter(audit_loader), first_seq=head_seq + 1)
        if inline
        else TrailProcess(
            connection_params, workdir, newest_id + 1, head_hash, first_seq=head_seq + 1, freeze=newest_id == 0
        )
    )
    sink = Sink(workdir, first_ids, trail)

    try:
        team_sets = max(1, round(cases / CASES_PER_TEAM_SET))
        people = make_people(sink, rng, groups, start_s - 60 * DAY, None, team_sets=team_sets)
        ctx = Context(sink, rng, people, offences, permissions, now_s)
        weights = [weight for _, _, weight in people.forces]
        sequences: dict[tuple[str, int], int] = {}
        last_report = time.monotonic()
        for number in range(cases):
            opened = start_s + int((number + rng.random()) * span / cases)
            force = rng.choices(people.forces, weights)[0]
            year = datetime.fromtimestamp(opened, LONDON).year
            key = (force[1], year)
            sequences[key] = sequences.get(key, 0) + 1
            story = Story(ctx, number, opened, force)
            story.write(f"{force[1]}-{year}-{sequences[key]:06d}")
            if rng.random() < 0.5:
                sink.entry(
                    (opened - rng.randint(1, 7 * 3600)) * 1_000_000,
                    story.oic,
                    "sign_in",
                    "cases.User",
                    str(story.oic.id),
                    "",
                    f"Signed in: {story.oic.username}",
                    "{}",
                    f"{rng.getrandbits(128):032x}",
                )
            if rng.random() < 0.3:
                other_referral(ctx, force, opened - rng.randint(1, 30) * DAY, story.oic)
            if number % 500 == 0:
                sink.flush_before((opened - 40 * DAY) * 1_000_000)
            if (number + 1) % chunk_cases == 0:
                submit(sink.rotate())
                elapsed = time.monotonic() - started
                if time.monotonic() - last_report > 5 or connect is not None:
                    memory = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2  # KiB on Linux
                    held = "" if trail.held is None else f" ({trail.held:,} held for their day)"
                    log(
                        f"  {number + 1:>9,} cases, {sink.seq:>11,} audit entries{held}, {elapsed:7.1f} s "
                        f"({(number + 1) / elapsed:,.0f} cases/s), peak memory of this process {memory:.1f} GiB"
                    )
                    last_report = time.monotonic()
        submit(sink.close())
        generated = time.monotonic()
        phases["generate and load (overlapped)"] = generated - started
        phases["  of which generating waited for the loaders"] = waited
        chained = trail.close()
        audit_loader.finish()
        loader.finish()
        phases["loads still running after generation"] = time.monotonic() - generated
        for each in (loader, audit_loader):
            for table, spent in each.timings.items():
                phases[f"  COPY {table}"] = spent
            if each.commit_seconds:
                phases[f"  commits of the {each.name}"] = each.commit_seconds
        for label, spent in chained.timings.items():
            phases[f"  {label}"] = spent
    except BaseException:
        loader.abort()
        if isinstance(trail, TrailProcess):
            trail.abort()
        if inline:  # inline: the caller's rollback undoes the load and the switch alike
            raise
        connection.rollback()
        _set_triggers(cursor, enabled=True)
        finish.add_foreign_keys_unchecked(cursor, taken)
        connection.commit()
        if taken.foreign_keys or taken.index_definitions:
            log(
                "The load failed: triggers are back on and the foreign keys back (NOT VALID, unchecked), but the "
                "audit table's secondary indexes are not built again. Recreate the database (make bench-data)."
            )
        raise
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    log(f"Loaded in {time.monotonic() - started:.1f} s; finishing (triggers, sequences, chain head, indexes).")

    step = time.monotonic()
    # Django's foreign keys are DEFERRABLE INITIALLY DEFERRED: check any still pending now.
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    _set_triggers(cursor, enabled=True)
    finish.add_foreign_keys_unchecked(cursor, taken)
    for table in LOAD_ORDER:
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), coalesce(max(id), 1)) FROM {table}")
    cursor.execute("SELECT setval('audit_auditentry_id_seq', %s, false)", (chained.last_id + 1,))
    cursor.execute(
        "UPDATE audit_auditchainhead SET last_seq = %s, last_id = %s, last_hash = %s WHERE id = 1",
        (chained.last_seq, chained.last_id, chained.last_hash),
    )
    if connect is not None:
        connection.commit()
    phases["triggers on, foreign keys back, sequences and chain head moved on"] = time.monotonic() - step
    step = time.monotonic()
    parallel = connect is not None and finishers > 1
    timings = finish.run(finish.tasks(taken, LOAD_ORDER, vacuum=parallel), connection, connect, finishers)
    phases["indexes built, foreign keys checked, tables vacuumed and analysed (in parallel)"] = time.monotonic() - step
    for label, spent in sorted(timings.items(), key=lambda item: -item[1])[:10]:
        phases[f"  {label}"] = spent
    step = time.monotonic()
    indexed = fill_identifier_index(cursor)
    if connect is not None:
        connection.commit()
    phases[f"identifier index filled ({indexed:,} rows)"] = time.monotonic() - step
    step = time.monotonic()
    cursor.execute(f"ANALYZE {finish.AUDIT_TABLE}")
    if connect is not None:
        connection.commit()
    phases[f"analyse {finish.AUDIT_TABLE}"] = time.monotonic() - step
    result = Result(
        cases=cases,
        rows={**sink.counts, finish.AUDIT_TABLE: chained.entries, "cases_indexedidentifier": indexed},
        first_ids=first_ids,
        seconds=time.monotonic() - started,
        phases=phases,
    )
    entries = result.rows.get("audit_auditentry", 0)
    log(f"Done in {result.seconds:.1f} s: " + ", ".join(f"{table} {count:,}" for table, count in result.rows.items()))
    log(
        f"{cases / result.seconds:,.0f} cases/s end to end; {entries:,} audit entries, "
        f"{entries / max(cases, 1):.1f} per case."
    )
    log("Phases (seconds; the indented ones ran inside the one above, the loads beside the generation):")
    for phase, spent in phases.items():
        log(f"  {phase:<68} {spent:8.1f}")
    return result


def _stop(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Fill a migrated Safeguard database with benchmark data.")
    parser.add_argument("--cases", type=int, default=100_000, help="Number of cases (default 100,000).")
    parser.add_argument("--seed", type=int, default=1, help="Random seed: the same seed gives the same data.")
    parser.add_argument("--chunk", type=int, default=CHUNK_CASES, help="Cases per COPY transaction.")
    parser.add_argument(
        "--rebuild-audit-indexes",
        choices=("auto", "yes", "no"),
        default="auto",
        help="Drop the audit table's secondary indexes for the load and build them after (auto: from 200,000 cases).",
    )
    parser.add_argument(
        "--foreign-keys",
        choices=("after", "as-loaded"),
        default="after",
        help="Check the foreign keys over every row once the rows are in (after: drop them for the load and add "
        "them back, the default), or row by row at each chunk's commit (as-loaded: slower).",
    )
    args = parser.parse_args(argv)
    # Stopped with SIGTERM (or SIGINT from a background shell, which ignores it): unwind, so the
    # audit triggers are switched back on.
    signal.signal(signal.SIGTERM, _stop)
    rebuild = {"auto": None, "yes": True, "no": False}[args.rebuild_audit_indexes]

    name = connection.settings_dict["NAME"]
    if not str(name).startswith(("sg_bench", "test_")):
        print(f"Refusing to fill {name!r}: benchmark databases are named sg_bench_*.", file=sys.stderr)
        return 2
    params = connection.get_connection_params()
    import psycopg2

    def connect() -> Any:
        return psycopg2.connect(**params)

    main_connection = connect()
    try:
        generate(
            cases=args.cases,
            connection=main_connection,
            connect=connect,
            connection_params=params,
            seed=args.seed,
            chunk_cases=args.chunk,
            rebuild_audit_indexes=rebuild,
            foreign_keys_after=args.foreign_keys == "after",
        )
    finally:
        main_connection.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
