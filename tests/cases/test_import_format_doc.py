"""docs/import-format.md describes every field the importer accepts, and only those."""

import json
import re
from pathlib import Path

from cases.io import schema

DOC = Path(__file__).resolve().parents[2] / "docs" / "import-format.md"
RECORDS = [value for value in vars(schema).values() if isinstance(value, schema.Record)]


def documented_fields() -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    record = None
    for line in DOC.read_text(encoding="utf-8").splitlines():
        heading = re.match(r"### (.+)", line)
        if heading:
            record = heading.group(1)
            fields[record] = []
        row = re.match(r"\| `(\w+)` \|", line)
        if row and record:
            fields[record].append(row.group(1))
    return fields


def test_the_format_doc_lists_every_field_of_every_record_in_schema_order():
    documented = documented_fields()

    assert set(documented) == {record.name for record in RECORDS}
    for record in RECORDS:
        assert documented[record.name] == [f.name for f in record.fields], record.name


def test_the_format_doc_example_is_a_case_from_the_test_file():
    text = DOC.read_text(encoding="utf-8")
    example = json.loads(text.split("```json\n", 1)[1].split("\n```", 1)[0])
    lines = (DOC.parents[1] / "tests" / "data" / "cases-full.jsonl").read_text(encoding="utf-8").splitlines()

    assert example in [json.loads(line) for line in lines]
