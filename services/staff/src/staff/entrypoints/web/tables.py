"""A table of figures, shown with the GOV.UK table macro and downloaded as CSV from one source,
so the page and the download can never disagree.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

Cell = str | int | float | Decimal | None

# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
DASH = "–"


def show(value: Cell) -> str:
    """A cell as a person reads it: no figure is a dash, whole floats lose their `.0`."""
    if value is None:
        return DASH
    if isinstance(value, float):
        return f"{value:g}" if value.is_integer() else f"{value:.1f}"
    return str(value)


def _is_number(value: Cell) -> bool:
    if isinstance(value, int | float | Decimal):
        return True
    try:
        Decimal(str(value))
    except ArithmeticError:
        return False
    return True


def csv_cell(value: Cell) -> str:
    """A cell for a spreadsheet: empty when there is no figure, and text that would run as a
    formula made inert with a leading apostrophe (numbers such as -0.09 stay numbers)."""
    if value is None:
        return ""
    text = str(value)
    if text.startswith(FORMULA_STARTS) and not _is_number(value):
        return "'" + text
    return text


@dataclass(frozen=True)
class Table:
    """`name` is the download's file name (without `.csv`) and the table's anchor on the page."""

    name: str
    caption: str
    head: Sequence[str]
    rows: Sequence[Sequence[Cell]]
    numeric_from: int = 1
    notes: str = ""
    foot: Sequence[Sequence[Cell]] = field(default_factory=tuple)

    def _numeric(self, column: int) -> bool:
        return column >= self.numeric_from

    def govuk(self) -> dict[str, Any]:
        """The parameters of `govukTable`."""

        def cells(row: Sequence[Cell]) -> list[dict[str, Any]]:
            return [
                {"text": show(value), **({"format": "numeric"} if self._numeric(i) else {})}
                for i, value in enumerate(row)
            ]

        return {
            "caption": self.caption,
            "captionClasses": "govuk-table__caption--m",
            # Each row's label is its header, so every figure is read with it (WCAG 1.3.1).
            "firstCellIsHeader": True,
            "head": [
                {"text": h, **({"format": "numeric"} if self._numeric(i) else {})}
                for i, h in enumerate(self.head)
            ],
            "rows": [cells(row) for row in [*self.rows, *self.foot]],
            "attributes": {"id": self.name},
        }

    def csv(self) -> str:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow([csv_cell(h) for h in self.head])
        for row in [*self.rows, *self.foot]:
            writer.writerow([csv_cell(v) for v in row])
        return buffer.getvalue()
