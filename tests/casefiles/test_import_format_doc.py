"""docs/import-format.md describes every field the importer accepts, and only those: its field
tables are generated from the declarations in casefiles/io/schema.py and must say exactly that."""

import json
import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from casefiles.io.formatdoc import DOC, documented_section, fields_section, records_in_order, write_doc
from casefiles.management.commands.import_format_doc import OUT_OF_DATE


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


def test_the_format_doc_field_tables_are_the_generated_ones():
    assert documented_section(DOC.read_text(encoding="utf-8")) == fields_section()


def test_the_format_doc_lists_every_field_of_every_record_in_declaration_order():
    documented = documented_fields()

    assert list(documented) == [record.record_name for record in records_in_order()]
    for record in records_in_order():
        assert documented[record.record_name] == list(record.model_fields), record.record_name


def test_the_doc_command_rewrites_a_stale_doc_and_check_refuses_it(tmp_path, monkeypatch):
    stale = tmp_path / "import-format.md"
    text = DOC.read_text(encoding="utf-8")
    stale_text = text.replace("| `force` | force code | yes |", "| `force` | force code | no |", 1)
    assert stale_text != text
    stale.write_text(stale_text, encoding="utf-8")
    monkeypatch.setattr("casefiles.io.formatdoc.DOC", stale)

    with pytest.raises(CommandError, match=re.escape(OUT_OF_DATE)):
        call_command("import_format_doc", "--check", stdout=StringIO())
    call_command("import_format_doc", stdout=StringIO())

    assert stale.read_text(encoding="utf-8") == text
    assert write_doc(stale) is False


def test_the_format_doc_example_is_a_case_from_the_test_file():
    text = DOC.read_text(encoding="utf-8")
    example = json.loads(text.split("```json\n", 1)[1].split("\n```", 1)[0])
    lines = (DOC.parents[1] / "tests" / "data" / "cases-full.jsonl").read_text(encoding="utf-8").splitlines()

    assert example in [json.loads(line) for line in lines]
