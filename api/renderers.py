"""CSV answers of the API's reads (docs/api.md): `?format=csv` or `Accept: text/csv`. Each view
builds its CSV itself, with the one CSV writer of every export (safeguard.spreadsheet); a refusal or
an error asked for as CSV is a CSV of its messages."""

import io
from collections.abc import Iterable, Mapping
from typing import Any

from rest_framework.renderers import BaseRenderer

from safeguard.spreadsheet import FormulaSafeWriter


def csv_text(header: Iterable[str], rows: Iterable[Iterable[object]]) -> str:
    out = io.StringIO()
    writer = FormulaSafeWriter(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def _messages(data: Any, field: str = "") -> Iterable[tuple[str, str]]:
    if isinstance(data, Mapping):
        for key, value in data.items():
            yield from _messages(value, f"{field}.{key}" if field else str(key))
    elif isinstance(data, list):
        for value in data:
            yield from _messages(value, field)
    else:
        yield field, str(data)


class CsvRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        if isinstance(data, str):
            return data.encode()
        # Not a view's CSV: a refusal or bad input, as `field,message` lines.
        return csv_text(["field", "message"], _messages(data)).encode()
