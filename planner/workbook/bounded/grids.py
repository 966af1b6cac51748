"""Sheets as the grids the reader takes: calamine's rows from row 1 and column A, cut at the table's width.

Rows that hold nothing share one empty list (:func:`set_cell` copies before it changes one);
error cells found by the scan are put back as their text.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from pathlib import Path

from planner import schema
from planner.errors import Problem, UserInputError
from planner.workbook.bounded.limits import refuse
from planner.workbook.bounded.scan import SheetScan


class Grids(dict):
    """Sheet name -> grid, with the notes the reading made (header cells left out of a table)."""

    notes: list[Problem]

    def __init__(self, *args, notes: Iterable[Problem] = (), **kw):
        super().__init__(*args, **kw)
        self.notes = list(notes)


def canonical_sheet(name: str) -> str | None:
    key = str(name).strip().lower()
    for n in schema.READ_SHEETS:
        if n.lower() == key:
            return n
    return None


def calamine_grids(book: Path, copy: Path | None, scans: list[SheetScan]) -> dict[str, list[list]]:
    import python_calamine as calamine

    where = str(book)
    grids: dict[str, list[list]] = {}
    books = {}
    try:
        for s in scans:
            src = copy if s.cut else book
            if src not in books:
                books[src] = calamine.CalamineWorkbook.from_path(str(src))
            sheet = books[src].get_sheet_by_name(s.name)
            grid, empty = sheet_grid(sheet, s.width)
            del sheet
            for r, c, text in s.errors:
                set_cell(grid, r, c, text, empty)
            grids[s.name] = grid
    except UserInputError:
        raise
    except Exception as exc:  # calamine raises XmlError, ZipError, CalamineError...
        if type(exc).__name__ == "PasswordError":
            raise refuse(where, "is password-protected",
                         "open it in Excel, remove the password under File > Info > Protect Workbook, and save it") from None
        raise refuse(where, "cannot be read as a workbook: a sheet is damaged", "open it in Excel and save it again as .xlsx") from None
    finally:
        for wb in books.values():
            with contextlib.suppress(Exception):
                wb.close()
    return grids


def sheet_grid(sheet, width: int) -> tuple[list[list], list]:
    """A calamine sheet's rows from row 1 and column A, cut at ``width`` columns; every row that holds nothing is
    the one shared list returned second (change a row through :func:`set_cell`, which copies it first)."""
    end = sheet.end
    w = min(width, end[1] + 1) if end is not None else 0
    empty = [""] * w
    if end is None:
        return [], empty
    rows: list[list] = []
    lead = None
    for row in sheet.iter_rows():
        if lead is None:
            lead = [""] * (end[1] + 1 - len(row))  # the columns left of the first used one
        if lead:
            row = lead + row
        if len(row) > w:
            row = row[:w]
        rows.append(empty if row.count("") == len(row) else row)
    missing = end[0] + 1 - len(rows)  # rows above the first used one, when calamine leaves them out
    if missing > 0:
        rows[:0] = [empty] * missing
    return rows, empty


def set_cell(grid: list[list], r: int, c: int, value, empty: list) -> None:
    """Put one value into a grid from :func:`sheet_grid` (growing it as needed; the shared empty row is never changed)."""
    while len(grid) <= r:
        grid.append(empty)
    row = grid[r]
    if row is empty:
        row = grid[r] = list(empty)
    if len(row) <= c:
        row.extend([""] * (c + 1 - len(row)))
    row[c] = value
