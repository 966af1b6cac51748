"""The results workbook: one sheet per result table, formatted for a finance reader.

Callers hand this module a mapping of sheet name -> :class:`ResultSheet` (the declared result
sheets come from planner.writers.sheets). Each is laid out by planner.writers.layout, the
layout write-back and the Excel button use too. Cells holding a :class:`Formula` are written
as formulas; every other string is written as text (never interpreted, so an account named
``=HYPERLINK(...)`` stays text).
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Mapping
from pathlib import Path

import pandas as pd
import xlsxwriter

from planner.schema import header_label
from planner.writers.layout import Formula, ResultSheet, default_format, layout

__all__ = ["Formula", "ResultSheet", "default_format", "header_label", "write_results_workbook"]


def write_results_workbook(path: str | Path, sheets: Mapping[str, ResultSheet | pd.DataFrame],
                           stream_rows: int | None = None) -> Path:
    """Write a new .xlsx with one formatted table per sheet. Deterministic output.

    A table longer than ``stream_rows`` rows (default planner.writers.streamed.STREAM_ROWS) has its rows after the
    first streamed into the sheet a column at a time (planner.writers.streamed); ``stream_rows=-1`` never streams.
    """
    from planner.writers.streamed import STREAM_ROWS, StreamedColumn, StreamedSheet, put_rows

    limit = STREAM_ROWS if stream_rows is None else stream_rows
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False, "nan_inf_to_errors": False})
    # fixed document properties so the same plan gives the same bytes
    book.set_properties({"title": "TierPlan results", "author": "TierPlan", "created": _EPOCH})
    formats = _Formats(book)
    later: list[tuple[int, ResultSheet, int, list]] = []
    names = list(sheets)
    for index, (name, sheet) in enumerate(sheets.items()):
        if isinstance(sheet, pd.DataFrame):
            sheet = ResultSheet(sheet)
        streamed = 0 <= limit < len(sheet.table) and len(sheet.table.columns) > 0
        fmts = _write_sheet(book, formats, name, sheet, rows=1 if streamed else None)
        if streamed:
            later.append((index, sheet, layout(sheet).first_data_row + 1, fmts))
    book.close()
    put_rows(path, [
        StreamedSheet(index, _table_name(names[index]), tuple(
            StreamedColumn(sheet.table.iloc[1:, j], None if fmt is None else fmt.xf_index,
                           None if (r := sheet.results.get(str(col))) is None else list(r)[1:len(sheet.table)])
            for j, (col, fmt) in enumerate(zip(sheet.table.columns, fmts))), first, first + len(sheet.table) - 2)
        for index, sheet, first, fmts in later
    ])
    return path


class _Formats:
    def __init__(self, book: xlsxwriter.Workbook):
        self.book = book
        self.title = book.add_format({"bold": True, "font_size": 14, "font_color": "#1F3864"})
        self.note = book.add_format({"italic": True, "font_color": "#595959"})
        self._cache: dict[str, object] = {}

    def number(self, fmt: str | None):
        key = fmt or ""
        if key not in self._cache:
            props = {}
            if fmt:
                props["num_format"] = fmt
            self._cache[key] = self.book.add_format(props) if props else None
        return self._cache[key]


def _write_sheet(book, formats: _Formats, name: str, sheet: ResultSheet, rows: int | None = None) -> list:
    """Write the sheet (only the table's first ``rows`` rows when given: the rest are streamed); its columns' formats."""
    ws = book.add_worksheet(name[:31])
    ws.set_tab_color("#70AD47")
    table = sheet.table
    lay = layout(sheet)
    if lay.title_row is not None:
        ws.write_string(lay.title_row, 0, sheet.title, formats.title)
    if lay.note_row is not None:
        ws.write_string(lay.note_row, 0, sheet.note, formats.note)
    n = len(table)
    part = table if rows is None else table.iloc[:rows]
    values = part.to_numpy(dtype=object)
    fmts = [formats.number(f) for f in lay.formats]
    for j in range(len(lay.columns)):
        results = sheet.results.get(lay.columns[j])
        _write_column(ws, lay.first_data_row, j, part.iloc[:, j], values[:, j], fmts[j],
                      None if results is None else list(results)[: len(part)])
    if lay.columns:
        ws.add_table(  # a streamed table is declared over its first row here, its whole range when the rows are in
            lay.header_row,
            0,
            lay.header_row + (max(n, 1) if rows is None else 1),
            len(lay.columns) - 1,
            {
                "name": _table_name(name),
                "columns": [{"header": h} for h in lay.headers],
                "style": "Table Style Light 9",
                "autofilter": True,
            },
        )
        for j, width in enumerate(lay.widths):
            ws.set_column(j, j, width)
        ws.freeze_panes(lay.first_data_row, 0)
    return fmts


def _write_column(ws, first_row: int, col: int, series: pd.Series, values, fmt, results=None) -> None:
    """Write one column; plain numeric and plain text columns take a fast path (100k-row sheets)."""
    if pd.api.types.is_bool_dtype(series.dtype):
        for i, v in enumerate(values):
            _write_cell(ws, first_row + i, col, v, fmt)
    elif pd.api.types.is_numeric_dtype(series.dtype):
        numbers = series.to_numpy(dtype=float, na_value=float("nan"))
        write_number, write_blank = ws.write_number, ws.write_blank
        for i, v in enumerate(numbers.tolist()):
            if v != v or v in (float("inf"), float("-inf")):
                write_blank(first_row + i, col, None, fmt)
            else:
                write_number(first_row + i, col, v, fmt)
    elif pd.api.types.is_string_dtype(series.dtype) and not any(isinstance(v, Formula) for v in values[:1]):
        write_string, write_blank = ws.write_string, ws.write_blank
        for i, v in enumerate(values):
            if isinstance(v, str):
                write_string(first_row + i, col, v, fmt)
            else:
                _write_cell(ws, first_row + i, col, v, fmt)
    else:
        for i, v in enumerate(values):
            _write_cell(ws, first_row + i, col, v, fmt, "" if results is None or results[i] is None else str(results[i]))


def _write_cell(ws, row: int, col: int, value, fmt, result: str = "") -> None:
    if value is None:
        ws.write_blank(row, col, None, fmt)
    elif isinstance(value, Formula):
        # the cached result (when the sheet gives one) is what a reader that does not calculate shows; Excel and
        # LibreOffice calculate the formula on load all the same
        ws.write_formula(row, col, value.text, fmt, result)
    elif isinstance(value, str):
        ws.write_string(row, col, value, fmt)
    elif isinstance(value, bool):
        ws.write_boolean(row, col, value, fmt)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        v = float(value)
        if math.isnan(v) or math.isinf(v):
            ws.write_blank(row, col, None, fmt)
        else:
            ws.write_number(row, col, v, fmt)
    elif hasattr(value, "item"):  # numpy scalar
        _write_cell(ws, row, col, value.item(), fmt)
    elif value is pd.NA or value is pd.NaT:
        ws.write_blank(row, col, None, fmt)
    else:
        ws.write_string(row, col, str(value), fmt)


def _table_name(sheet_name: str) -> str:
    cleaned = "".join(ch for ch in sheet_name.title() if ch.isalnum())
    return f"Result{cleaned}"


_EPOCH = _dt.datetime(2000, 1, 1)
