"""The field tables of docs/import-format.md, generated from the declarations in casefiles/io/schema.py.

`manage.py import_format_doc` rewrites the doc's "## Fields" section (the end of the doc) with
`fields_section()`; a test checks that the doc says exactly that.
"""

from __future__ import annotations

import types
import typing
from pathlib import Path
from typing import Any

from django.conf import settings

from casefiles.io.fields import Chars, OneOf, ReadOnly, Record, field_kind
from casefiles.io.schema import CaseRecord, ReferralLineRecord

DOC = Path(settings.BASE_DIR) / "docs" / "import-format.md"
HEADING = "## Fields"
INTRODUCTION = (
    '"Required" means the field must be given and not empty. "read-only" fields are written by the\n'
    "export and ignored by the import."
)


def _nested(annotation: Any) -> tuple[type[Record] | None, bool]:
    """The record a field holds, and whether it holds a list of them."""
    origin = typing.get_origin(annotation)
    if origin is list:
        (item,) = typing.get_args(annotation)
        return (item, True) if isinstance(item, type) and issubclass(item, Record) else (None, True)
    if origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            if isinstance(arg, type) and issubclass(arg, Record):
                return arg, False
    if isinstance(annotation, type) and issubclass(annotation, Record):
        return annotation, False
    return None, False


def records_in_order(*lines: type[Record]) -> list[type[Record]]:
    """The lines (a case, a referral without a case) and every record they hold, depth first in
    field order, each once."""
    found: list[type[Record]] = []
    for record in lines or (CaseRecord, ReferralLineRecord):
        if record in found:
            continue
        found.append(record)
        for spec in record.model_fields.values():
            nested, _ = _nested(spec.annotation)
            if nested is not None:
                found.extend(item for item in records_in_order(nested) if item not in found)
    return found


def _type(spec: Any) -> str:
    nested, many = _nested(spec.annotation)
    if nested is not None:
        return f"list of {nested.record_name} objects" if many else f"{nested.record_name} object"
    kind = field_kind(spec)
    if kind is not None:
        return str(kind.label)
    return "true/false" if spec.annotation is bool else "value"


def _meaning(spec: Any) -> str:
    kind = field_kind(spec)
    words = []
    if isinstance(kind, Chars | OneOf) and kind.choices:
        words.append("One of: " + ", ".join(f"`{choice}`" if choice else '`""`' for choice in kind.choices) + ".")
    elif getattr(kind, "limit", None):
        words.append(f"At most {kind.limit} characters.")
    if spec.description:
        words.append(spec.description)
    return " ".join(words)


def _required(spec: Any) -> str:
    if isinstance(field_kind(spec), ReadOnly):
        return "read-only"
    return "yes" if spec.is_required() else "no"


def fields_section() -> str:
    parts = [HEADING, "", INTRODUCTION]
    for record in records_in_order():
        parts += ["", f"### {record.record_name}", "", "| Field | Type | Required | Meaning |", "|---|---|---|---|"]
        for name, spec in record.model_fields.items():
            parts.append(f"| `{name}` | {_type(spec)} | {_required(spec)} | {_meaning(spec)} |")
    return "\n".join(parts) + "\n"


def documented_section(text: str) -> str:
    return text[text.index(f"\n{HEADING}\n") + 1 :]


def write_doc(path: Path | None = None) -> bool:
    """Rewrite the doc's field tables; whether anything changed."""
    path = path or DOC
    text = path.read_text(encoding="utf-8")
    updated = text[: text.index(f"\n{HEADING}\n") + 1] + fields_section()
    if updated == text:
        return False
    path.write_text(updated, encoding="utf-8")
    return True
