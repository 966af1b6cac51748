"""The results workbook: one sheet per result table, formatted for a finance reader.

Every result writer hands this module a mapping of sheet name -> table. A
table is a pandas DataFrame; cells holding a :class:`Formula` are written as
formulas, every other string is written as text (never interpreted, so an
account named ``=HYPERLINK(...)`` stays text).

Column formats come from the column name: names ending in ``_share``,
``_pct`` or ``share`` are percentages, names containing ``cost``, ``arr``,
``budget``, ``value``, ``price`` or ``asv`` are money. Callers may also pass
explicit formats.
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import xlsxwriter

from planner.schema import MONEY_FORMAT, PERCENT_FORMAT


class Formula:
    """A cell value to be written as an Excel formula (text starting with '=').

    Deliberately not a str subclass: pandas 3 turns columns of strings into
    its string dtype, which would silently drop the marker.
    """

    __slots__ = ("text",)

    def __init__(self, text: str):
        if not text.startswith("="):
            raise ValueError(f"a formula starts with '=': {text!r}")
        self.text = text

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"Formula({self.text!r})"

    def __eq__(self, other) -> bool:
        return isinstance(other, Formula) and other.text == self.text

    def __hash__(self) -> int:
        return hash(("Formula", self.text))


@dataclass
class ResultSheet:
    """A table plus how to present it."""

    table: pd.DataFrame
    title: str = ""
    note: str = ""
    formats: dict[str, str] = field(default_factory=dict)  # column -> Excel number format


_MONEY_HINTS = ("cost", "arr", "budget", "value", "asv", "price", "spend", "rate", "impact")
_PERCENT_HINTS = ("_share", "_pct", "share", "percent", "gap")


def default_format(column: str) -> str | None:
    name = column.lower()
    if any(h in name for h in _PERCENT_HINTS):
        return PERCENT_FORMAT
    if any(h in name for h in _MONEY_HINTS):
        return MONEY_FORMAT
    return None


# words shown in capitals (or their usual spelling) in headers made from snake_case names
_HEADER_WORDS = {"id": "ID", "arr": "ARR", "asv": "ASV", "cs": "CS", "csm": "CSM", "sla": "SLA", "slas": "SLAs",
                 "crm": "CRM", "tam": "TAM", "pct": "%", "cutoff": "cut-off", "cutoffs": "cut-offs"}


def header_label(column: str) -> str:
    """snake_case -> 'Snake case' for display ('account_id' -> 'Account ID'); other names unchanged."""
    if not column or column != column.lower():
        return column
    words = [_HEADER_WORDS.get(w, w) for w in column.split("_")]
    text = " ".join(words)
    return text[0].upper() + text[1:]


def write_results_workbook(path: str | Path, sheets: Mapping[str, ResultSheet | pd.DataFrame]) -> Path:
    """Write a new .xlsx with one formatted table per sheet. Deterministic output."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False, "nan_inf_to_errors": False})
    # fixed document properties so the same plan gives the same bytes
    book.set_properties({"title": "TierPlan results", "author": "TierPlan", "created": _EPOCH})
    formats = _Formats(book)
    for name, sheet in sheets.items():
        if isinstance(sheet, pd.DataFrame):
            sheet = ResultSheet(sheet)
        _write_sheet(book, formats, name, sheet)
    book.close()
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


def _write_sheet(book, formats: _Formats, name: str, sheet: ResultSheet) -> None:
    ws = book.add_worksheet(name[:31])
    ws.set_tab_color("#70AD47")
    table = sheet.table
    first = 0
    if sheet.title:
        ws.write_string(0, 0, sheet.title, formats.title)
        first = 1
    if sheet.note:
        ws.write_string(first, 0, sheet.note, formats.note)
        first += 1
    if sheet.title or sheet.note:
        first += 1
    columns = [str(c) for c in table.columns]
    n = len(table)
    col_formats = [sheet.formats.get(c, default_format(c)) for c in columns]
    values = table.to_numpy(dtype=object)
    for j, col in enumerate(columns):
        fmt = formats.number(col_formats[j])
        _write_column(ws, first + 1, j, table.iloc[:, j], values[:, j], fmt)
    if columns:
        ws.add_table(
            first,
            0,
            first + max(n, 1),
            len(columns) - 1,
            {
                "name": _table_name(name),
                "columns": [{"header": header_label(c)} for c in columns],
                "style": "Table Style Light 9",
                "autofilter": True,
            },
        )
        for j, col in enumerate(columns):
            width = max(len(header_label(col)) + 2, 10)
            if n:
                sample = [str(v) for v in values[: min(n, 200), j] if isinstance(v, str)]
                if sample:
                    width = max(width, min(60, max(len(s) for s in sample) + 2))
            ws.set_column(j, j, width)
        ws.freeze_panes(first + 1, 0)


def _write_column(ws, first_row: int, col: int, series: pd.Series, values, fmt) -> None:
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
            _write_cell(ws, first_row + i, col, v, fmt)


def _write_cell(ws, row: int, col: int, value, fmt) -> None:
    if value is None:
        ws.write_blank(row, col, None, fmt)
    elif isinstance(value, Formula):
        ws.write_formula(row, col, value.text, fmt, "")  # no cached result: LibreOffice and Excel calculate it on load
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
