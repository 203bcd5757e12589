"""manage.py import_cases: a thin command over casefiles.io.import_cases."""

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from casefiles.io.importer import model_counts
from cases.models import Case
from tests.casefiles.test_import_cases import FULL, full_cases, importer  # noqa: F401 - importer is a fixture
from warrants.services import WARRANT_EXECUTED_AFTER_LAST_DAY


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_cases", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_it_imports_the_file_and_prints_a_summary(importer):  # noqa: F811
    out, _ = run(str(FULL), "--actor", importer.username)

    assert "Imported 3 case(s) from 3 line(s)" in out
    assert Case.objects.count() == 3


def test_it_prints_progress_every_n_lines(importer):  # noqa: F811
    out, _ = run(str(FULL), "--actor", importer.username, "--progress-every", "2")

    assert "imported 2/3 lines" in out


def test_it_reports_each_bad_line_exits_non_zero_and_stores_nothing(importer, tmp_path):  # noqa: F811
    cases = full_cases()
    cases[0]["warrants"][0]["executed_at"] = "2021-06-01T06:05:00+00:00"
    cases[2]["officer_in_case"] = "dc.nobody"
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(json.dumps(c) for c in cases) + "\n", encoding="utf-8")
    before = model_counts()
    err = io.StringIO()

    with pytest.raises(CommandError) as raised:
        call_command("import_cases", str(path), "--actor", importer.username, stdout=io.StringIO(), stderr=err)

    assert raised.value.returncode == 1
    assert "Nothing was imported" in str(raised.value)
    assert err.getvalue().splitlines() == [
        f"line 1: warrants[0].executed_at: {WARRANT_EXECUTED_AFTER_LAST_DAY.format(day='22 May 2021')}",
        'line 3: officer_in_case: No user with username "dc.nobody".',
    ]
    assert model_counts() == before


def test_a_dry_run_stores_nothing(importer):  # noqa: F811
    out, _ = run(str(FULL), "--actor", importer.username, "--dry-run")

    assert "Checked 3 case(s)" in out
    assert "Dry run: nothing was stored." in out
    assert Case.objects.count() == 0


def test_it_refuses_an_unknown_actor(importer):  # noqa: F811
    with pytest.raises(CommandError, match='No user with username "nobody"'):
        run(str(FULL), "--actor", "nobody")


def test_it_refuses_a_file_it_cannot_read(importer, tmp_path):  # noqa: F811
    with pytest.raises(CommandError, match="Cannot read"):
        run(str(tmp_path / "missing.jsonl"), "--actor", importer.username)
