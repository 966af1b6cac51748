"""A stand-in for an xlwings Book with desktop Excel behind it, for tests on a machine without Excel.

It implements the part of the xlwings API that planner.excel.adapter uses,
under the same names and signatures as xlwings' own classes (checked by
tests/test_excel_adapter.py against ``xlwings.main``), and returns values the
way xlwings does with Excel:

* numbers always as float, dates as datetime.datetime, blank cells as None,
  booleans as bool, text as str;
* error cells as None, or as their text ("#DIV/0!") with ``err_to_str=True``;
* one cell as a single value, one row or column as a flat list, anything
  larger as a list of rows; ``options(ndim=2)`` always gives a list of rows.

Writing follows what Excel does with ``Range.Value``: a single value fills the
range; a flat list is written as a row and a list of rows as a block from the
range's top-left cell (rows must all have the same length, as xlwings needs);
text is parsed like typing (a leading apostrophe keeps the rest as text,
"=..." becomes a formula, "12"/"TRUE"/ISO dates become numbers, booleans,
dates).

The book is backed by a real workbook file, read with openpyxl (cached values,
``data_only=True``), as Excel would show it after opening, sheet protection
included: changing a locked cell of a protected sheet raises, as Excel does. Options xlwings
has but the fake does not implement raise NotImplementedError instead of
being ignored, so the fake cannot silently disagree with xlwings.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
from openpyxl.utils import column_index_from_string, get_column_letter

_SUPPORTED_OPTIONS = {"ndim", "err_to_str", "index", "header", "empty"}
_ERRORS = ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA", "#SPILL!", "#CALC!")


class ProtectedCellError(Exception):
    """What Excel raises (a COM error on Windows) when a locked cell of a protected sheet is changed."""


class _Error:
    """A cell holding an Excel error."""

    def __init__(self, text: str):
        self.text = text

    def __repr__(self) -> str:
        return f"_Error({self.text!r})"


class _FormulaValue:
    """A cell holding a formula the fake cannot calculate (reads back as None, like an uncalculated cell)."""

    def __init__(self, text: str):
        self.text = text


# ------------------------------------------------------------------ App


class App:
    def __init__(self):
        self._alerts: list[tuple[str, str | None]] = []
        self._screen_updating = True
        self._screen_updating_log: list[bool] = []
        self._status_bar: str | bool = False  # False: Excel has control of the status bar
        self._status_bar_log: list[str | bool] = []

    def alert(self, prompt: str, title: str | None = None, buttons: str = "ok", mode: str | None = None, callback: str | None = None) -> str | None:
        if buttons != "ok" or mode is not None or callback is not None:
            raise NotImplementedError("the fake only shows OK alerts")
        self._alerts.append((prompt, title))
        return "ok"

    @property
    def screen_updating(self) -> bool:
        return self._screen_updating

    @screen_updating.setter
    def screen_updating(self, value: bool) -> None:
        self._screen_updating = bool(value)
        self._screen_updating_log.append(bool(value))

    @property
    def status_bar(self) -> str | bool:
        """Excel's status bar text, or False when Excel shows its own (xlwings: "Returns False if Excel has control of it")."""
        return self._status_bar

    @status_bar.setter
    def status_bar(self, value: str | bool) -> None:
        if value is not False and not isinstance(value, str):
            raise TypeError("the status bar takes a text, or False to give it back to Excel")
        self._status_bar = value
        self._status_bar_log.append(value)


# ------------------------------------------------------------------ Book


class Book:
    _mock_caller: Book | None = None

    def __init__(self, fullname: str | Path | None = None):
        self._app = App()
        self._sheets: list[Sheet] = []
        self._active = 0
        if fullname is None:
            self._fullname = "Book1"
            self._sheets.append(Sheet(self, "Sheet1"))
            return
        path = Path(fullname).resolve()
        self._fullname = str(path)
        wb = openpyxl.load_workbook(path, data_only=True)
        for ws in wb.worksheets:
            sheet = Sheet(self, ws.title)
            sheet._protected = bool(ws.protection.sheet)
            for row in ws.iter_rows():
                for cell in row:
                    if cell.has_style and cell.protection.locked is False:
                        sheet._unlocked.add((cell.row, cell.column))
                    value = cell.value
                    if value is None and not cell.has_style:
                        continue
                    sheet._used.add((cell.row, cell.column))
                    if value is None:
                        continue
                    if cell.data_type == "e":
                        value = _Error(str(value))
                    sheet._cells[(cell.row, cell.column)] = _from_file(value)
                    if cell.number_format and cell.number_format != "General":
                        sheet._formats[(cell.row, cell.column)] = cell.number_format
            self._sheets.append(sheet)
        self._active = wb.index(wb.active) if wb.active is not None else 0
        wb.close()

    # -- xlwings API
    @classmethod
    def caller(cls) -> Book:
        if cls._mock_caller is None:
            raise RuntimeError("Book.caller() outside Excel needs set_mock_caller() first")
        return cls._mock_caller

    def set_mock_caller(self) -> None:
        type(self)._mock_caller = self

    @property
    def fullname(self) -> str:
        return self._fullname

    @property
    def name(self) -> str:
        return Path(self._fullname).name

    @property
    def sheets(self) -> Sheets:
        return Sheets(self)

    @property
    def app(self) -> App:
        return self._app


class Sheets:
    def __init__(self, book: Book):
        self._book = book

    def __getitem__(self, key: int | str) -> Sheet:
        if isinstance(key, int):
            return self._book._sheets[key]
        for sheet in self._book._sheets:
            if sheet._name.casefold() == key.casefold():
                return sheet
        raise KeyError(key)

    def __call__(self, name_or_index: int | str | Sheet) -> Sheet:
        if isinstance(name_or_index, Sheet):
            return name_or_index
        if isinstance(name_or_index, int):
            return self._book._sheets[name_or_index - 1]
        return self[name_or_index]

    def __iter__(self):
        return iter(list(self._book._sheets))

    def __len__(self) -> int:
        return len(self._book._sheets)

    def __contains__(self, key: str) -> bool:
        return any(s._name.casefold() == key.casefold() for s in self._book._sheets)

    @property
    def active(self) -> Sheet:
        return self._book._sheets[self._book._active]

    def add(self, name: str | None = None, before: Sheet | None = None, after: Sheet | None = None) -> Sheet:
        sheets = self._book._sheets
        if name is not None and name.lower() in (s._name.lower() for s in sheets):
            raise ValueError(f"Sheet named '{name}' already present in workbook")
        if name is None:
            n = len(sheets) + 1
            while f"Sheet{n}" in self:
                n += 1
            name = f"Sheet{n}"
        _check_sheet_name(name)
        sheet = Sheet(self._book, name)
        if before is not None:
            at = sheets.index(self(before))
        elif after is not None:
            at = sheets.index(self(after)) + 1
        else:
            at = self._book._active  # Excel adds before the active sheet
        sheets.insert(at, sheet)
        self._book._active = at  # the new sheet becomes the active one
        return sheet


# ------------------------------------------------------------------ Sheet


class Sheet:
    def __init__(self, book: Book, name: str):
        self._book = book
        self._name = name
        self._cells: dict[tuple[int, int], Any] = {}
        self._formats: dict[tuple[int, int], str] = {}
        self._bold: dict[tuple[int, int], bool] = {}
        self._widths: dict[int, float] = {}
        self._used: set[tuple[int, int]] = set()
        self._protected = False  # sheet protection as the file has it (cells are locked unless unlocked)
        self._unlocked: set[tuple[int, int]] = set()

    def _check_writable(self, keys) -> None:
        if self._protected:
            locked = [k for k in keys if k not in self._unlocked]
            if locked:
                r, c = locked[0]
                raise ProtectedCellError(
                    f"{self._name}!{get_column_letter(c)}{r}: the cell or chart you're trying to change is on a protected sheet"
                )

    @property
    def name(self) -> str:
        return self._name

    @name.setter
    def name(self, value: str) -> None:
        _check_sheet_name(value)
        self._name = value

    @property
    def book(self) -> Book:
        return self._book

    @property
    def index(self) -> int:
        return self._book._sheets.index(self) + 1

    def range(self, cell1: str | tuple[int, int] | Range, cell2: str | tuple[int, int] | Range | None = None) -> Range:
        r1, c1, r2, c2 = _bounds(cell1)
        if cell2 is not None:
            s1, d1, s2, d2 = _bounds(cell2)
            r1, c1, r2, c2 = min(r1, s1), min(c1, d1), max(r2, s2), max(c2, d2)
        return Range(self, r1, c1, r2, c2)

    def __getitem__(self, item: str | tuple[int, int]) -> Range:
        return self.range(item)

    @property
    def used_range(self) -> Range:
        if not self._used:
            return Range(self, 1, 1, 1, 1)
        rows = [r for r, _ in self._used]
        cols = [c for _, c in self._used]
        return Range(self, min(rows), min(cols), max(rows), max(cols))

    def clear(self) -> None:
        self._check_writable(list(self._cells) + list(self._formats))
        self._cells.clear()
        self._formats.clear()
        self._bold.clear()
        self._used.clear()

    def clear_contents(self) -> None:
        for key in list(self._cells):
            del self._cells[key]
        self._used = set(self._formats) | set(self._bold)

    def activate(self) -> None:
        self._book._active = self._book._sheets.index(self)


# ------------------------------------------------------------------ Range


class Range:
    def __init__(self, sheet: Sheet, r1: int, c1: int, r2: int, c2: int, options: dict | None = None):
        if r1 < 1 or c1 < 1 or r2 > 1_048_576 or c2 > 16_384:
            raise ValueError("range outside the worksheet")
        self._sheet = sheet
        self._r1, self._c1, self._r2, self._c2 = r1, c1, r2, c2
        self._options = options or {}

    # -- geometry
    @property
    def sheet(self) -> Sheet:
        return self._sheet

    @property
    def row(self) -> int:
        return self._r1

    @property
    def column(self) -> int:
        return self._c1

    @property
    def shape(self) -> tuple[int, int]:
        return (self._r2 - self._r1 + 1, self._c2 - self._c1 + 1)

    @property
    def address(self) -> str:
        a = f"${get_column_letter(self._c1)}${self._r1}"
        if (self._r1, self._c1) == (self._r2, self._c2):
            return a
        return f"{a}:${get_column_letter(self._c2)}${self._r2}"

    @property
    def last_cell(self) -> Range:
        return Range(self._sheet, self._r2, self._c2, self._r2, self._c2)

    def resize(self, row_size: int | None = None, column_size: int | None = None) -> Range:
        rows = row_size if row_size is not None else self.shape[0]
        cols = column_size if column_size is not None else self.shape[1]
        return Range(self._sheet, self._r1, self._c1, self._r1 + rows - 1, self._c1 + cols - 1, self._options)

    def offset(self, row_offset: int = 0, column_offset: int = 0) -> Range:
        return Range(self._sheet, self._r1 + row_offset, self._c1 + column_offset,
                     self._r2 + row_offset, self._c2 + column_offset, self._options)

    def _cells(self):
        for r in range(self._r1, self._r2 + 1):
            for c in range(self._c1, self._c2 + 1):
                yield r, c

    # -- converters
    def options(self, convert: Any = None, **options: Any) -> Range:
        if convert is not None:
            raise NotImplementedError("the fake has only the default converter")
        unknown = set(options) - _SUPPORTED_OPTIONS
        if unknown:
            raise NotImplementedError(f"the fake does not implement the options {sorted(unknown)}")
        if "ndim" in options and options["ndim"] not in (None, 1, 2):
            raise ValueError("ndim must be 1 or 2")
        return Range(self._sheet, self._r1, self._c1, self._r2, self._c2, {**self._options, **options})

    # -- values
    @property
    def value(self) -> Any:
        err_to_str = self._options.get("err_to_str", False)
        empty = self._options.get("empty", None)
        rows = []
        for r in range(self._r1, self._r2 + 1):
            row = []
            for c in range(self._c1, self._c2 + 1):
                v = self._sheet._cells.get((r, c))
                if isinstance(v, _Error):
                    v = v.text if err_to_str else None
                elif isinstance(v, _FormulaValue):
                    v = None
                if v is None:
                    v = empty
                row.append(v)
            rows.append(row)
        ndim = self._options.get("ndim")
        n_rows, n_cols = self.shape
        if ndim == 2:
            return rows
        if ndim == 1:
            return [v for row in rows for v in row]
        if n_rows == 1 and n_cols == 1:
            return rows[0][0]
        if n_rows == 1:
            return rows[0]
        if n_cols == 1:
            return [row[0] for row in rows]
        return rows

    @value.setter
    def value(self, data: Any) -> None:
        if isinstance(data, pd.DataFrame):
            data = _frame_rows(data, index=self._options.get("index", True), header=self._options.get("header", True))
        if isinstance(data, (list, tuple)):
            if data and all(isinstance(r, (list, tuple)) for r in data):
                width = len(data[0])
                if any(len(r) != width for r in data):
                    raise ValueError("all rows of a list of lists must have the same length")
                block = [list(r) for r in data]
            elif any(isinstance(r, (list, tuple)) for r in data):
                raise ValueError("mixed list of values and lists")
            else:
                block = [list(data)]
            self._sheet._check_writable([(self._r1 + i, self._c1 + j) for i, row in enumerate(block) for j in range(len(row))])
            for i, row in enumerate(block):
                for j, v in enumerate(row):
                    self._sheet_set(self._r1 + i, self._c1 + j, v)
            return
        self._sheet._check_writable(list(self._cells()))
        for r, c in self._cells():
            self._sheet_set(r, c, data)

    def _sheet_set(self, r: int, c: int, v: Any) -> None:
        stored = _as_excel(v)
        key = (r, c)
        if stored is None:
            self._sheet._cells.pop(key, None)
        else:
            self._sheet._cells[key] = stored
        self._sheet._used.add(key)

    @property
    def formula(self) -> Any:
        out = []
        for r in range(self._r1, self._r2 + 1):
            row = []
            for c in range(self._c1, self._c2 + 1):
                v = self._sheet._cells.get((r, c))
                row.append(v.text if isinstance(v, _FormulaValue) else ("" if v is None else v))
            out.append(row)
        return out[0][0] if self.shape == (1, 1) else out

    # -- formatting
    @property
    def number_format(self) -> str | None:
        fmts = {self._sheet._formats.get(k, "General") for k in self._cells()}
        return fmts.pop() if len(fmts) == 1 else None

    @number_format.setter
    def number_format(self, value: str) -> None:
        self._sheet._check_writable(list(self._cells()))
        for key in self._cells():
            self._sheet._formats[key] = value
            self._sheet._used.add(key)

    @property
    def font(self) -> Font:
        return Font(self)

    @property
    def column_width(self) -> float | None:
        widths = {self._sheet._widths.get(c, 8.43) for c in range(self._c1, self._c2 + 1)}
        return widths.pop() if len(widths) == 1 else None

    @column_width.setter
    def column_width(self, value: float) -> None:
        for c in range(self._c1, self._c2 + 1):
            self._sheet._widths[c] = float(value)

    def clear_contents(self) -> None:
        for key in self._cells():
            self._sheet._cells.pop(key, None)


class Font:
    def __init__(self, rng: Range):
        self._range = rng

    @property
    def bold(self) -> bool | None:
        values = {self._range._sheet._bold.get(k, False) for k in self._range._cells()}
        return values.pop() if len(values) == 1 else None

    @bold.setter
    def bold(self, value: bool) -> None:
        self._range._sheet._check_writable(list(self._range._cells()))
        for key in self._range._cells():
            self._range._sheet._bold[key] = bool(value)
            self._range._sheet._used.add(key)


# ------------------------------------------------------------------ helpers

_CELL = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")


def _bounds(cell) -> tuple[int, int, int, int]:
    if isinstance(cell, Range):
        return cell._r1, cell._c1, cell._r2, cell._c2
    if isinstance(cell, tuple):
        r, c = cell
        return r, c, r, c
    parts = cell.split(":")
    coords = []
    for p in parts:
        m = _CELL.match(p.strip())
        if not m:
            raise ValueError(f"not a cell address: {cell!r}")
        coords.append((int(m.group(2)), column_index_from_string(m.group(1).upper())))
    (r1, c1), (r2, c2) = coords[0], coords[-1]
    return min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)


def _check_sheet_name(name: str) -> None:
    if not name or len(name) > 31 or any(ch in name for ch in "[]:*?/\\"):
        raise ValueError(f"Excel does not accept the sheet name {name!r}")


def _from_file(value: Any) -> Any:
    """A cached value from the file as Excel holds it (numbers as float, dates as datetime)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    if isinstance(value, dt.time):
        return dt.datetime(1899, 12, 30, value.hour, value.minute, value.second, value.microsecond)
    if isinstance(value, dt.timedelta):
        return value.total_seconds() / 86400.0
    if isinstance(value, str) and value in _ERRORS:
        return _Error(value)
    return value


def _as_excel(v: Any) -> Any:
    """What a cell holds after ``Range.Value = v`` (Excel parses text like typing)."""
    if v is None:
        return None
    if hasattr(v, "item") and not isinstance(v, (str, bytes, dt.datetime, dt.date)):
        v = v.item()  # numpy scalar
    if v is pd.NaT or v is pd.NA:
        return None
    if isinstance(v, bool):
        return v
    if isinstance(v, (int, float)):
        f = float(v)
        if f != f:  # NaN: xlwings writes it as an empty cell
            return None
        return f
    if isinstance(v, pd.Timestamp):
        return v.to_pydatetime()
    if isinstance(v, dt.datetime):
        return v
    if isinstance(v, dt.date):
        return dt.datetime(v.year, v.month, v.day)
    if isinstance(v, str):
        if v.startswith("'"):
            return v[1:] or None
        if v.startswith("="):
            return _FormulaValue(v)
        text = v.strip()
        if text.upper() in ("TRUE", "FALSE"):
            return text.upper() == "TRUE"
        if text in _ERRORS:
            return _Error(text)
        try:
            return float(text.replace(",", ""))
        except ValueError:
            pass
        if text.endswith("%"):
            try:
                return float(text[:-1]) / 100
            except ValueError:
                pass
        try:
            return dt.datetime.fromisoformat(text)
        except ValueError:
            pass
        return v if v else None
    raise TypeError(f"xlwings cannot write a {type(v).__name__} to a cell")


def _frame_rows(frame: pd.DataFrame, index: bool, header: bool) -> list[list]:
    rows = []
    if header:
        head = [str(c) for c in frame.columns]
        rows.append(([frame.index.name] if index else []) + head)
    for idx, values in zip(frame.index, frame.itertuples(index=False, name=None)):
        rows.append(([idx] if index else []) + list(values))
    return rows
