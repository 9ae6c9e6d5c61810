"""Cells of every .xlsx export (the ledger, the daily and monthly papers) are written here, so that
what people typed stays text:

- characters XML cannot hold are removed (`kernel.text.printable`): openpyxl refuses them mid-file,
  which cut the streamed ledger download off;
- a text that starts like a formula (`=`, `+`, `-`, `@`, tab, CR) is stored as a string cell with
  Excel's "quote prefix" style, the stored form of typing `'=…`: Excel and LibreOffice show the text as
  typed (no apostrophe, no evaluation) and keep it text when the cell is edited. openpyxl alone would
  write a string starting with `=` as a live formula (`=HYPERLINK(…)`, `=WEBSERVICE(…)`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from openpyxl.cell import Cell, WriteOnlyCell

from citysteward.kernel.text import formula_like, printable


def _store(cell: Any, value: Any) -> Any:
    if isinstance(value, str):
        value = printable(value)
    cell.value = value
    if isinstance(value, str) and (cell.data_type == "f" or formula_like(value)):
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


def put(ws: Any, row: int, column: int, value: Any) -> Cell:
    """`ws.cell(row, column, value)` for a worksheet of a normal workbook."""
    return _store(ws.cell(row=row, column=column), value)


def row_of(ws: Any, values: Iterable[Any]) -> list[Any]:
    """A row for `ws.append` in a write-only workbook (streamed exports)."""
    return [_store(WriteOnlyCell(ws), value) for value in values]
