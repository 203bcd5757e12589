"""Exporting cases to JSON Lines, and the round trip export -> import -> export."""

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction

from casefiles.io import export_cases, import_cases
from casefiles.io.fields import Record
from casefiles.io.schema import CaseRecord
from cases.models import Case, ClosureConfirmation
from tests.casefiles.test_import_cases import (  # noqa: F401 - importer is a fixture
    FULL,
    a_2016_case,
    a_2023_case_with_the_rest_of_the_bail_law,
    as_file,
    full_cases,
    importer,
)


def export_text(**kwargs) -> str:
    out = io.StringIO()
    export_cases(out, **kwargs)
    return out.getvalue()


def assert_within(given, exported, path="") -> None:
    """Everything the fixture gives is in the export with the same value (the export adds defaults)."""
    if isinstance(given, dict):
        assert isinstance(exported, dict), path
        for name, value in given.items():
            assert name in exported, f"{path}.{name} not exported"
            assert_within(value, exported[name], f"{path}.{name}")
    elif isinstance(given, list):
        assert isinstance(exported, list) and len(exported) == len(given), path
        for index, (a, b) in enumerate(zip(given, exported, strict=True)):
            assert_within(a, b, f"{path}[{index}]")
    else:
        assert given == exported, f"{path}: {given!r} != {exported!r}"


def schema_names(record: type[Record]) -> list[str]:
    return list(record.model_fields)


@pytest.fixture
def imported(importer):  # noqa: F811 - the fixture imported above
    assert import_cases(FULL.open("rb"), actor=importer).ok
    return importer


def test_export_then_import_into_an_empty_database_then_export_again_gives_identical_output(importer):  # noqa: F811
    with transaction.atomic():
        assert import_cases(FULL.open("rb"), actor=importer).ok
        first = export_text()
        transaction.set_rollback(True)
    assert Case.objects.count() == 0

    report = import_cases(io.StringIO(first), actor=importer)
    second = export_text()

    assert report.ok, [str(e) for e in report.errors]
    assert len(first.splitlines()) == 3
    assert second == first


def test_every_field_of_the_fixture_is_exported_as_it_was_imported(imported):
    exported = [json.loads(line) for line in export_text().splitlines()]

    for given, written in zip(full_cases(), exported, strict=True):
        assert_within(given, written, given["reference"])


def test_it_writes_one_case_per_line_in_reference_order_with_fields_in_schema_order(imported):
    lines = export_text().splitlines(keepends=True)

    assert all(line.endswith("\n") and line.count("\n") == 1 for line in lines)
    cases = [json.loads(line) for line in lines]
    assert [c["reference"] for c in cases] == ["STF-2021-000187", "STF-2025-000412", "STF-2026-000031"]
    assert all(list(c) == schema_names(CaseRecord) for c in cases)


def test_it_writes_derived_dates_as_read_only_fields_and_no_system_log_lines(imported):
    closed = json.loads(export_text(references=["STF-2021-000187"]))

    assert closed["warrants"][0]["expires_at"] == "2021-05-22T22:59:59.999999+00:00"
    assert closed["warrants"][0]["status"] == "returned"
    bail = closed["arrests"][0]["releases"][0]
    assert (bail["bail_regime"], bail["bail_ends_at"]) == ("pca2017", "2021-04-01T22:59:59.999999+00:00")
    assert bail["bail_extensions"][0]["new_end"] == "2021-06-04T22:59:59.999999+00:00"
    assert closed["closure"]["next_review_at"] == "2031-10-20T10:00:00+00:00"
    assert closed["retention_reviews"][0]["next_review_at"] == "2034-10-21T09:00:00+00:00"
    assert [entry["kind"] for entry in closed["log"]] == ["action", "decision", "note", "correction"]
    assert closed["log"][3]["corrects"] == 0


def test_it_exports_only_the_references_asked_for(imported):
    lines = export_text(references=["STF-2026-000031", "STF-2021-000187"]).splitlines()

    assert [json.loads(line)["reference"] for line in lines] == ["STF-2021-000187", "STF-2026-000031"]


def test_it_reads_a_fixed_number_of_queries_per_chunk_of_cases(imported, django_assert_max_num_queries):
    with django_assert_max_num_queries(25):
        export_text()


WHO = ("--actor", "dc.hughes", "--recipient", "CPS West Midlands, complex casework unit")


def test_the_command_writes_to_standard_output_by_default(imported, officer):
    out, err = io.StringIO(), io.StringIO()

    call_command("export_cases", *WHO, stdout=out, stderr=err)

    assert out.getvalue() == export_text()
    assert "Exported 3 case(s)." in err.getvalue()


def test_the_command_writes_a_file_with_only_the_references_given(imported, officer, tmp_path):
    target = tmp_path / "export.jsonl"

    call_command("export_cases", *WHO, "--output", str(target), "--reference", "stf-2025-000412", stderr=io.StringIO())

    assert target.read_text(encoding="utf-8") == export_text(references=["STF-2025-000412"])


def test_the_command_refuses_a_reference_that_does_not_exist(imported, officer):
    with pytest.raises(CommandError, match="No case with reference STF-2019-000001"):
        call_command("export_cases", *WHO, "--reference", "STF-2019-000001", stdout=io.StringIO())


def test_bail_before_2017_its_answer_date_and_place_and_its_breach_round_trip(importer):  # noqa: F811
    given = a_2016_case()
    with transaction.atomic():
        assert import_cases(as_file(given), actor=importer).ok
        first = export_text()
        transaction.set_rollback(True)

    written = json.loads(first)
    assert_within(given, written, given["reference"])
    release = written["arrests"][0]["releases"][0]
    assert release["bail_regime"] == "pre2017"
    assert release["bail_ends_at"] is None
    assert release["bail_extensions"] == []

    assert import_cases(io.StringIO(first), actor=importer).ok
    assert export_text() == first


def test_a_closures_confirmations_are_exported_and_imported_again(importer):  # noqa: F811
    closed = full_cases()[0]  # closed with outcome 1
    closed["devices"][1]["forensic_completed_at"] = None  # GL/2's examination never finished
    item = "the full forensic examination of device GL/2, requested 5 Mar 2021 09:00, is not completed"
    given = {"item": item, "reason": "Sentenced on guilty pleas: the examination was cancelled."}

    refused = import_cases(io.StringIO(json.dumps(closed) + "\n"), actor=importer)
    assert not refused.ok
    assert item in " ".join(str(error) for error in refused.errors)
    assert not ClosureConfirmation.objects.exists()

    closed["closure"]["confirmations"] = [given]
    report = import_cases(io.StringIO(json.dumps(closed) + "\n"), actor=importer)
    assert report.ok, [str(e) for e in report.errors]
    confirmation = ClosureConfirmation.objects.get()
    assert (confirmation.item, confirmation.reason, confirmation.confirmed_by.username) == (
        item,
        given["reason"],
        "ds.okafor",
    )
    assert json.loads(export_text())["closure"]["confirmations"] == [given]


def test_an_nca_case_a_designated_case_and_a_pending_application_round_trip(importer):  # noqa: F811
    given = a_2023_case_with_the_rest_of_the_bail_law()
    with transaction.atomic():
        report = import_cases(as_file(given), actor=importer)
        assert report.ok, [str(e) for e in report.errors]
        first = export_text()
        transaction.set_rollback(True)

    written = json.loads(first)
    assert_within(given, written, given["reference"])
    nca, designated = (arrest["releases"][0] for arrest in written["arrests"])
    # PACE s.47ZB(1)(a): 6 months beginning with 1 Feb 2023; s.47ZDB: 12 months.
    assert nca["bail_ends_at"] == "2023-07-31T22:59:59.999999+00:00"
    assert [(e["section"], e["new_end"]) for e in nca["bail_extensions"]] == [
        ("47ZDB", "2024-01-31T23:59:59.999999+00:00")
    ]
    assert nca["court_applied_at"] == "2024-01-20T10:00:00+00:00"
    assert [e["section"] for e in designated["bail_extensions"]] == ["47ZD", "47ZDA", "47ZE", "47ZF"]
    assert designated["bail_extensions"][2]["new_end"] == "2024-02-15T23:59:59.999999+00:00"

    assert import_cases(io.StringIO(first), actor=importer).ok
    assert export_text() == first
