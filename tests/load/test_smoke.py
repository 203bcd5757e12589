"""A short load run inside the suite: `make load`'s own runner (bench/load/run.py), 5 users for 15
seconds against gunicorn on loopback, on a throwaway copy of the demo. The full run is `make load`
(docs/reliability.md)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def figures(tmp_path_factory, worker_id):
    """The run's figures. Its throwaway database is named after the test process too (pytest-xdist's
    `worker_id`, "master" in a run of one process), so that two runs in parallel never share one."""
    out = tmp_path_factory.mktemp("load")
    command = [
        sys.executable,
        "-m",
        "bench.load.run",
        *("--users", "5", "--spawn-rate", "5", "--duration", "15s"),
        *("--out", str(out), "--database-suffix", f"_load_smoke_{worker_id}"),
    ]
    result = subprocess.run(command, cwd=BASE_DIR, capture_output=True, text=True, timeout=600, check=False)  # noqa: S603
    path = out / "figures.json"
    assert path.exists(), f"The load run wrote no figures.\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    return json.loads(path.read_text(encoding="utf-8"))


def test_every_journey_ran_without_an_error(figures):
    assert figures["requests"] > 0
    assert figures["errors"] == 0, figures["failures"]
    assert figures["exceptions"] == [], figures["exceptions"]
    pages = figures["per_page"]
    for page in ("POST /sign-in/two-factor/", "GET /cases/ (case list)", "GET /cases/[reference]/"):
        assert pages.get(page, {}).get("requests", 0) > 0, f"{page} was never requested: {sorted(pages)}"
    # The auditor's journey picks one of its pages at random each time: any of them shows it ran.
    audit_pages = [page for page in pages if page.startswith("GET /audit/")]
    assert sum(pages[page]["requests"] for page in audit_pages) > 0, f"No auditor's page: {sorted(pages)}"
    assert figures["p95_ms"] is not None


def test_the_audit_chain_verifies_after_the_run(figures):
    chain = figures["audit_chain"]
    assert chain["ok"], chain
    assert chain["verify_audit_says"].startswith("Audit chain OK")


def test_every_case_page_read_under_load_is_in_the_audit_trail(figures):
    reads = figures["audit_of_reads"]
    assert reads["case_page_reads"] > 0
    assert reads["pairs_without_an_entry"] == 0, reads["examples_without_an_entry"]
    assert reads["read_entries"] >= reads["case_page_reads"]
