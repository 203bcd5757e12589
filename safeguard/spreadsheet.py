"""The one CSV writer every export uses: no cell leaves Safeguard as a spreadsheet formula.

A spreadsheet runs a cell as a formula when its text begins with `=`, `+`, `-` or `@`, and some do
after a leading tab or carriage return (CSV injection, OWASP). Every text cell that begins with one
of these is prefixed with `'`, which the spreadsheet shows as text and does not run. Numbers (int,
float, Decimal) are written as they are: a number is never a formula. Anything else is written as
its text, neutralised the same way.
"""

import csv
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """The cell as a spreadsheet will show it and never run it."""
    if value is None:
        return ""
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class FormulaSafeWriter:
    """`csv.writer` whose every cell is neutralised."""

    def __init__(self, out: Any, **options: Any) -> None:
        self._writer = csv.writer(out, **options)

    def writerow(self, row: Iterable[object]) -> Any:
        return self._writer.writerow([neutralise(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[object]]) -> None:
        for row in rows:
            self.writerow(row)
