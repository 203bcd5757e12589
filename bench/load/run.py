"""`make load`: Safeguard under load, on this machine, and what the audit trail made of it.

1. A throwaway Safeguard (bench/throwaway.py: database <DATABASE_URL's name>_load, migrated, with
   the database roles and the demo), and one account with an authenticator app per simulated user
   (bench/load/accounts.py).
2. gunicorn with 2 workers on a free loopback port, as in the Procfile, with production settings.
3. locust, headless: officers, supervisors and auditors (bench/load/locustfile.py), signed in with two
   factors, for the given number of users and time.
4. Then: `verify_audit` must find the hash chain intact, and every case page the load users read
   with success must have its `read` entry in the audit trail, for that user and case, in that window.
5. The figures go to <out>/figures.json and <out>/figures.txt, and are printed. Exit status 1 if
   any request failed, the chain is broken, or a read has no entry. The throwaway database is
   dropped unless --keep.

Usage: python -m bench.load.run [--users 50] [--spawn-rate 5] [--duration 5m] [--out var/load] [--keep]
Only loopback is ever a target.
"""

import argparse
import contextlib
import csv
import json
import os
import platform
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import environ

from bench.throwaway import BASE_DIR, VENV_BIN, drop_database, gunicorn, prepare_demo, use_throwaway_database


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    admin_url, database = use_throwaway_database(args.database_suffix)
    try:
        return _run(args, out, database)
    finally:
        if not args.keep:
            drop_database(admin_url, database)


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Load-test Safeguard on loopback and check the audit trail.")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--spawn-rate", type=float, default=2, help="Users started per second.")
    parser.add_argument("--duration", default="5m", help="locust's --run-time, e.g. 10s, 5m.")
    parser.add_argument("--out", default=str(BASE_DIR / "var" / "load"))
    parser.add_argument("--database-suffix", default="_load")
    parser.add_argument("--keep", action="store_true", help="Keep the throwaway database afterwards.")
    return parser.parse_args(argv)


def _run(args: argparse.Namespace, out: Path, database: str) -> int:
    import django

    django.setup()
    from django.urls import NoReverseMatch, reverse

    from bench.load.accounts import create_accounts, plan

    print(f"Preparing {database}: migrate, database roles, demo, accounts...", flush=True)
    prepare_demo()
    counts = _accounts_per_role(args.users)
    accounts = create_accounts(counts)
    plan_path = out / "plan.json"
    plan_path.write_text(json.dumps(plan(accounts)), encoding="utf-8")
    supervisor_pages = []
    for name in ("reports:dashboard", "reports:figures"):
        with contextlib.suppress(NoReverseMatch):
            supervisor_pages.append(reverse(name))

    with gunicorn() as host:
        load_before = _load_average()
        started_at = datetime.now(UTC)
        locust = _run_locust(args, out, host, plan_path, supervisor_pages)
        finished_at = datetime.now(UTC)
        load_after = _load_average()

    figures = _figures(args, out, counts, supervisor_pages, locust, started_at, finished_at, accounts)
    figures["machine"]["load_average_1_5_15_min"] = {"before": load_before, "after": load_after}
    (out / "figures.json").write_text(json.dumps(figures, indent=2), encoding="utf-8")
    text = _describe(figures)
    (out / "figures.txt").write_text(text, encoding="utf-8")
    print(text, flush=True)
    return 0 if figures["passed"] else 1


def _accounts_per_role(users: int) -> dict[str, int]:
    # locust shares users out by the classes' weights (officer 3, supervisor 1, auditor 1); one
    # account each, and a few more so that rounding never leaves a user without one.
    return {"officer": users * 3 // 5 + 2, "supervisor": users // 5 + 2, "auditor": users // 5 + 2}


def _run_locust(
    args: argparse.Namespace, out: Path, host: str, plan_path: Path, supervisor_pages: list[str]
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "SAFEGUARD_LOAD_PLAN": str(plan_path),
        "SAFEGUARD_LOAD_READS": str(out / "reads.json"),
        "SAFEGUARD_LOAD_SUPERVISOR_PAGES": ",".join(supervisor_pages),
        "PYTHONPATH": str(BASE_DIR),
    }
    command = [
        str(VENV_BIN / "locust"),
        "-f",
        str(BASE_DIR / "bench" / "load" / "locustfile.py"),
        "--headless",
        "--users",
        str(args.users),
        "--spawn-rate",
        str(args.spawn_rate),
        "--run-time",
        args.duration,
        "--host",
        host,
        "--csv",
        str(out / "locust"),
        "--json-file",
        str(out / "locust"),
        "--only-summary",
        "--stop-timeout",
        "5",
        "--loglevel",
        "WARNING",
    ]
    print(f"locust: {args.users} users, {args.duration}, against {host} (gunicorn, 2 workers)...", flush=True)
    return subprocess.run(command, cwd=BASE_DIR, env=env, text=True, check=False)


SIGN_IN = ("/sign-in/", "/sign-in/two-factor/")


def _read_stats(out: Path) -> tuple[list[dict[str, Any]], list[dict[str, str]], list[dict[str, str]]]:
    """locust's statistics, its failed requests, and the exceptions its users raised (a sign-in
    that did not finish, for one)."""
    entries = json.loads((out / "locust.json").read_text(encoding="utf-8"))
    with open(out / "locust_failures.csv", encoding="utf-8") as failures_file:
        failures = list(csv.DictReader(failures_file))
    with open(out / "locust_exceptions.csv", encoding="utf-8") as exceptions_file:
        exceptions = list(csv.DictReader(exceptions_file))
    return entries, failures, exceptions


def _percentile(entries: list[dict[str, Any]], fraction: float) -> float | None:
    """The response time (ms) under which `fraction` of the requests of `entries` were answered,
    from locust's response-time histograms (rounded as locust rounds: to 10 ms above 100 ms)."""
    histogram: dict[float, int] = {}
    for entry in entries:
        for bucket, count in entry["response_times"].items():
            histogram[float(bucket)] = histogram.get(float(bucket), 0) + int(count)
    total = sum(histogram.values())
    if not total:
        return None
    seen = 0
    for bucket in sorted(histogram):
        seen += histogram[bucket]
        if seen >= fraction * total:
            return round(bucket, 1)
    return round(max(histogram), 1)


def _summary(entries: list[dict[str, Any]], seconds: float) -> dict[str, Any]:
    requests = sum(int(entry["num_requests"]) for entry in entries)
    return {
        "requests": requests,
        "errors": sum(int(entry["num_failures"]) for entry in entries),
        "requests_per_second": round(requests / seconds, 1) if seconds else None,
        "median_ms": _percentile(entries, 0.50),
        "p95_ms": _percentile(entries, 0.95),
        "p99_ms": _percentile(entries, 0.99),
        "max_ms": round(max((float(entry["max_response_time"] or 0) for entry in entries), default=0), 1),
    }


def _audit_of_reads(out: Path, usernames: list[str], started_at: datetime, finished_at: datetime) -> dict[str, Any]:
    """Every (user, case) read by the load users, against the `read` entries of those users then."""
    from audit.models import AuditEntry

    reads_path = out / "reads.json"
    reads = [tuple(pair) for pair in json.loads(reads_path.read_text(encoding="utf-8"))] if reads_path.exists() else []
    entries = AuditEntry.objects.filter(
        kind=AuditEntry.Kind.READ,
        actor_username__in=usernames,
        occurred_at__gte=started_at,
        occurred_at__lte=finished_at,
    ).exclude(case_reference="")
    audited = set(entries.values_list("actor_username", "case_reference"))
    missing = sorted({pair for pair in reads if pair not in audited})
    return {
        "case_page_reads": len(reads),
        "read_entries": entries.count(),
        "distinct_user_case_pairs_read": len(set(reads)),
        "pairs_without_an_entry": len(missing),
        "examples_without_an_entry": [list(pair) for pair in missing[:5]],
        "every_read_audited": bool(reads) and not missing and entries.count() >= len(reads),
    }


def _verify_chain() -> dict[str, Any]:
    from audit.chain import verify_chain
    from audit.sequencer import sequence_entries

    sequence_entries(wait=True)  # the load's entries take their places first, as verify_audit does
    report = verify_chain()
    command = subprocess.run(
        [sys.executable, "manage.py", "verify_audit"], cwd=BASE_DIR, capture_output=True, text=True, check=False
    )
    return {
        "ok": report.ok and command.returncode == 0,
        "entries_checked": report.checked,
        "verify_audit_says": (command.stdout + command.stderr).strip(),
    }


def _figures(
    args: argparse.Namespace,
    out: Path,
    counts: dict[str, int],
    supervisor_pages: list[str],
    locust: subprocess.CompletedProcess[str],
    started_at: datetime,
    finished_at: datetime,
    accounts: list[Any],
) -> dict[str, Any]:
    entries, failures, exceptions = _read_stats(out)
    seconds = (finished_at - started_at).total_seconds()
    overall = _summary(entries, seconds)
    after_sign_in = _summary([entry for entry in entries if entry["name"] not in SIGN_IN], seconds)
    chain = _verify_chain()
    reads = _audit_of_reads(out, [account.username for account in accounts], started_at, finished_at)
    per_page = {
        f"{entry['method']} {entry['name']}": {
            key: value for key, value in _summary([entry], seconds).items() if key != "requests_per_second"
        }
        for entry in sorted(entries, key=lambda entry: (entry["name"], entry["method"]))
    }
    return {
        "run": {
            "users": args.users,
            "spawn_rate": args.spawn_rate,
            "duration": args.duration,
            "started_at_utc": started_at.isoformat(timespec="seconds"),
            "finished_at_utc": finished_at.isoformat(timespec="seconds"),
            "accounts": counts,
            "supervisor_pages": supervisor_pages or "none yet (reports:dashboard, reports:figures do not resolve)",
            "server": "gunicorn, 2 sync workers, production settings, on loopback",
        },
        "machine": _machine(),
        **overall,
        "after_sign_in": after_sign_in,
        "per_page": per_page,
        "failures": failures[:10],
        "exceptions": exceptions[:10],
        "locust_exit_status": locust.returncode,
        "audit_chain": chain,
        "audit_of_reads": reads,
        "passed": overall["requests"] > 0
        and overall["errors"] == 0
        and not exceptions
        and chain["ok"]
        and reads["every_read_audited"],
    }


def _load_average() -> str:
    """The machine's load average (1, 5, 15 minutes): other work on it slows Safeguard too."""
    try:
        return " ".join(Path("/proc/loadavg").read_text(encoding="utf-8").split()[:3])
    except OSError:
        return "unknown"


def _machine() -> dict[str, Any]:
    memory_kib = 0
    try:
        for line in Path("/proc/meminfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("MemTotal:"):
                memory_kib = int(line.split()[1])
    except OSError:
        pass
    cpu = platform.processor()
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    postgres = subprocess.run(["psql", "--version"], capture_output=True, text=True, check=False).stdout.strip()
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "memory_gib": round(memory_kib / 1024 / 1024, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "postgresql_client": postgres,
        "note": "locust, gunicorn and PostgreSQL share the machine",
    }


def _describe(figures: dict[str, Any]) -> str:
    run, machine, chain, reads = figures["run"], figures["machine"], figures["audit_chain"], figures["audit_of_reads"]
    after = figures["after_sign_in"]
    lines = [
        f"Safeguard load test: {'PASSED' if figures['passed'] else 'FAILED'}",
        f"  {run['users']} users for {run['duration']} ({run['started_at_utc']} to {run['finished_at_utc']} UTC), "
        f"{run['server']}",
        f"  machine: {machine['cpus']} CPUs ({machine['cpu']}), {machine['memory_gib']} GiB, {machine['os']}",
        f"  load average (1, 5, 15 min) before: {machine['load_average_1_5_15_min']['before']}, "
        f"after: {machine['load_average_1_5_15_min']['after']}",
        f"  requests: {figures['requests']}, errors: {figures['errors']}, {figures['requests_per_second']} requests/s, "
        f"exceptions in the simulated users: {len(figures['exceptions'])}",
        f"  response times, all requests: median {figures['median_ms']} ms, p95 {figures['p95_ms']} ms, "
        f"p99 {figures['p99_ms']} ms, max {figures['max_ms']} ms",
        f"  response times, pages after sign-in: median {after['median_ms']} ms, p95 {after['p95_ms']} ms, "
        f"p99 {after['p99_ms']} ms",
        "  per page: requests, errors, median, p95 (ms)",
    ]
    for name, page in figures["per_page"].items():
        lines.append(f"    {name}: {page['requests']}, {page['errors']}, {page['median_ms']}, {page['p95_ms']}")
    lines += [
        f"  audit chain: {'intact' if chain['ok'] else 'BROKEN'} ({chain['verify_audit_says']})",
        f"  case pages read: {reads['case_page_reads']} "
        f"({reads['distinct_user_case_pairs_read']} distinct user and case); "
        f"read entries in the audit trail for those users then: {reads['read_entries']}",
        f"  every case read audited: {'yes' if reads['every_read_audited'] else 'NO'}"
        + (
            f" ({reads['pairs_without_an_entry']} user and case pairs without an entry)"
            if reads["pairs_without_an_entry"]
            else ""
        ),
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)
    sys.exit(main())
