"""Audited requests in parallel (docs/performance.md, "Audited writes in parallel").

Requests per second when 1, 2, 4 and 8 clients record a stage at once (a court hearing POSTed
through the real view: rows of case data, each audited by its trigger), with the audit row triggers
off and then on, the ratio on/off at each number of clients, and the share of the busy database
sessions found waiting for a lock (`LockSampler`), which shows writers queueing however busy the
machine's cores are. Each client is a process of its own (forked, with a connection of its own,
signed in as the officer in the case) working on a case of its own, so that what they share is what
Safeguard makes them share, not a case's row; the sequencer seals entries meanwhile, as beat would
(`SEAL_EVERY`). With fewer suitable cases than clients, clients share cases, and the result says so.

Part of `make bench` (bench/run.py); alone, against a filled database:

    DJANGO_SETTINGS_MODULE=safeguard.settings DATABASE_URL=... python -m bench.parallel --clients 1,2,4,8
"""

import argparse
import multiprocessing
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

CLIENTS = (1, 2, 4, 8)
REQUESTS = 20  # by each client, timed
WARMUP = 2  # by each client, untimed, before the clients start together
SEAL_EVERY = 1.0  # seconds between the background sequencer's runs (beat's interval in production)


@dataclass(frozen=True)
class Job:
    officer: Any
    case: Any
    subject: Any


@dataclass(frozen=True)
class Throughput:
    clients: int
    audited: bool
    requests: int
    seconds: float
    # Of the samples of the database's busy sessions taken while the clients ran, the share waiting
    # for a lock (pg_stat_activity): what serialising writers shows, whatever else the machine runs.
    lock_wait_share: float = 0.0

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def choose_jobs(count: int) -> list[Job]:
    """Up to `count` open, unrestricted cases with a charged suspect (a hearing can be recorded),
    each with its officer in the case, busiest first."""
    from cases.models import ChargingSubmission

    charged = (
        ChargingSubmission.objects.filter(case__status="open", case__restricted=False, decision="charge")
        .select_related("case", "subject", "case__officer_in_case")
        .order_by("case_id")
    )
    jobs: list[Job] = []
    seen: set[int] = set()
    for submission in charged[: count * 20]:
        officer = submission.case.officer_in_case
        if submission.case_id in seen or officer is None or not officer.is_active:
            continue
        seen.add(submission.case_id)
        jobs.append(Job(officer, submission.case, submission.subject))
        if len(jobs) == count:
            break
    if not jobs:
        raise SystemExit("No open case with a charged suspect: fill the database first.")
    return jobs


def _client(job: Job, barrier: Any, results: Any, requests: int) -> None:
    """One client, in a forked process: sign in, warm up, wait for the others, then time `requests`."""
    from django.db import connections

    from bench.run import hearing_post, signed_in

    try:
        connections.close_all()  # never the parent's: a new connection of this process's own
        post = hearing_post(signed_in(job.officer), job.case, job.subject)
        for _ in range(WARMUP):
            post()
        barrier.wait(timeout=120)
        started = time.monotonic()
        for _ in range(requests):
            post()
        results.put((started, time.monotonic(), ""))
    except BaseException as error:  # reported to the parent, which fails the run
        results.put((0.0, 0.0, f"{type(error).__name__}: {error}"))
    finally:
        connections.close_all()


class Background:
    """Work on a thread and a database connection of its own while the clients run (`with`): `work`
    is called until the block ends, then `last` once, and the connection closed."""

    name = "background"

    def __init__(self) -> None:
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name=self.name)

    def work(self) -> None:
        raise NotImplementedError

    def last(self) -> None:
        """Once, after the clients have finished."""

    def _run(self) -> None:
        from django.db import connections

        try:
            while not self.stop.is_set():
                self.work()
            self.last()
        finally:
            connections.close_all()

    def __enter__(self) -> "Background":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(timeout=300)


class Sequencer(Background):
    """Seals entries every SEAL_EVERY seconds while clients run, and what is left at the end."""

    name = "sequencer"
    sealed = 0

    def work(self) -> None:
        from audit.sequencer import sequence_entries

        self.sealed += sequence_entries()
        self.stop.wait(SEAL_EVERY)

    def last(self) -> None:
        from audit.sequencer import sequence_entries

        self.sealed += sequence_entries(wait=True)


class LockSampler(Background):
    """Samples, every SAMPLE_EVERY seconds, the sessions of this database that are running a
    statement, and how many of them wait for a lock (a row, a transaction, an advisory lock). A share
    of waiting that grows with the clients is writers queueing for each other; unlike requests per
    second, it does not depend on how busy the machine's cores are."""

    name = "lock sampler"
    SAMPLE_EVERY = 0.01
    _SQL = (
        "SELECT count(*) FILTER (WHERE wait_event_type = 'Lock'), count(*) FROM pg_stat_activity "
        "WHERE datname = current_database() AND state = 'active' AND pid <> pg_backend_pid() "
        "AND query NOT LIKE 'SELECT safeguard_audit_sequence%%'"
    )
    waiting = 0
    active = 0

    def work(self) -> None:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(self._SQL)
            waiting, active = cursor.fetchone()
        self.waiting += waiting
        self.active += active
        self.stop.wait(self.SAMPLE_EVERY)

    @property
    def share(self) -> float:
        return self.waiting / self.active if self.active else 0.0


def run_clients(jobs: Sequence[Job], clients: int, requests: int, audited: bool) -> Throughput:
    """`clients` processes recording stages at once; the requests per second of all of them together
    (from the first start to the last finish)."""
    from django.db import connections

    from bench.run import set_audit_triggers

    set_audit_triggers(audited)
    connections.close_all()  # nothing open is inherited by the forked clients
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(clients)
    results = context.Queue()
    processes = [
        context.Process(target=_client, args=(jobs[n % len(jobs)], barrier, results, requests), name=f"client {n}")
        for n in range(clients)
    ]
    for process in processes:  # forked before the sequencer's thread opens its connection
        process.start()
    sampler = LockSampler()
    with Sequencer(), sampler:
        reports = [results.get(timeout=600) for _ in processes]
        for process in processes:
            process.join(timeout=60)
    failures = [error for _, _, error in reports if error]
    if failures:
        raise RuntimeError(f"A client failed: {failures[0]}")
    started = min(start for start, _, _ in reports)
    finished = max(end for _, end, _ in reports)
    return Throughput(clients, audited, clients * requests, finished - started, sampler.share)


def measure(
    counts: Sequence[int] = CLIENTS, requests: int = REQUESTS, out: Callable[[str], None] = print
) -> dict[str, Any]:
    """Each number of clients with the audit triggers off, then on; the triggers are left on."""
    from bench.run import set_audit_triggers

    jobs = choose_jobs(max(counts))
    rows: list[dict[str, Any]] = []
    try:
        for clients in counts:
            off = run_clients(jobs, clients, requests, audited=False)
            on = run_clients(jobs, clients, requests, audited=True)
            rows.append(
                {
                    "clients": clients,
                    "cases": min(clients, len(jobs)),
                    "audit_off_per_second": round(off.per_second, 1),
                    "audit_on_per_second": round(on.per_second, 1),
                    "ratio_on_off": round(on.per_second / off.per_second, 2) if off.per_second else None,
                    "lock_wait_share_off": round(off.lock_wait_share, 3),
                    "lock_wait_share_on": round(on.lock_wait_share, 3),
                }
            )
    finally:
        set_audit_triggers(True)
    report = {"requests_per_client": requests, "rows": rows}
    out(table(report))
    return report


def table(report: dict[str, Any]) -> str:
    lines = [
        f"Audited writes in parallel: a court hearing POSTed by each client, {report['requests_per_client']} each",
        f"{'Clients':>8}{'Cases':>7}{'Audit off /s':>14}{'Audit on /s':>13}{'On/off':>8}"
        f"{'Waiting for a lock, off':>25}{'on':>6}",
    ]
    for row in report["rows"]:
        ratio = "" if row["ratio_on_off"] is None else f"{row['ratio_on_off']:.2f}"
        lines.append(
            f"{row['clients']:>8}{row['cases']:>7}{row['audit_off_per_second']:>14.1f}"
            f"{row['audit_on_per_second']:>13.1f}{ratio:>8}"
            f"{row['lock_wait_share_off']:>25.0%}{row['lock_wait_share_on']:>6.0%}"
        )
    return "\n".join(lines)


def parse_clients(text: str) -> tuple[int, ...]:
    counts = tuple(int(part) for part in text.split(",") if part.strip())
    if not counts or min(counts) < 1:
        raise argparse.ArgumentTypeError("a comma-separated list of positive numbers, e.g. 1,2,4,8")
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Audited requests per second with concurrent clients.")
    parser.add_argument("--clients", type=parse_clients, default=CLIENTS, help="e.g. 1,2,4,8")
    parser.add_argument("--requests", type=int, default=REQUESTS, help="timed requests by each client")
    args = parser.parse_args(argv)
    import django

    django.setup()
    measure(args.clients, args.requests)
    return 0


if __name__ == "__main__":
    sys.exit(main())
