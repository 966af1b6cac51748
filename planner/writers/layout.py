"""How a result sheet is laid out, once, for every path that writes one.

The results workbook (planner.writers.results), the write-back into the user's workbook
(planner.writers.writeback) and the Excel button (planner.excel.adapter) all place a result
sheet the same way:

    row 1   title                       (when the sheet has one)
    row 2   note                        (when it has one)
    row 3   blank; write-back and the button put the "Written by TierPlan" stamp here
    row 4   the table's header row
    row 5-  the table

(rows move up when there is no title or no note). Formulas inside a table (the Account
tiers sheet's "Tier by score") refer to cells by these rows, so they come from here too.
"""

from __future__ import annotations

import datetime as _dt
import gc
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import pandas as pd

from planner.schema import MONEY_FORMAT, PERCENT_FORMAT, ResultSheetSpec, header_label

__all__ = [
    "STAMP_PREFIX", "Formula", "Layout", "ResultSheet", "SheetRows", "default_format", "first_data_row", "header_label",
    "is_stamp", "layout", "plain_value", "sheet_rows", "stale_rows", "stamp_text",
]


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

    @classmethod
    def filled(cls, pieces: Sequence[str], refs: Iterable[str]) -> list[Formula]:
        """``Formula(ref.join(pieces))`` for each cell reference: one formula per row with its own row's cell in
        every gap of the template (a million rows in a fraction of the time one call each takes)."""
        if not pieces or not pieces[0].startswith("="):
            raise ValueError(f"a formula starts with '=': {pieces[:1]!r}")
        make = object.__new__
        out = []
        collecting = gc.isenabled()
        gc.disable()  # a formula refers to no other object (no cycle to find): a collection per 700 new ones only costs
        try:
            for ref in refs:
                f = make(cls)
                f.text = ref.join(pieces)
                out.append(f)
        finally:
            if collecting:
                gc.enable()
        return out

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"Formula({self.text!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Formula) and other.text == self.text

    def __hash__(self) -> int:
        return hash(("Formula", self.text))


@dataclass
class ResultSheet:
    """A table plus how to present it: title, note and column number formats."""

    table: pd.DataFrame
    title: str = ""
    note: str = ""
    formats: dict[str, str] = field(default_factory=dict)  # column -> Excel number format
    # formula column -> each row's result as the writer computed it, written as the formula's cached value (shown by a
    # reader that does not calculate; Excel and LibreOffice recalculate on load); position i is the table's row i
    results: dict[str, Sequence[object]] = field(default_factory=dict)

    @classmethod
    def of(cls, spec: ResultSheetSpec, table: pd.DataFrame, title: str = "", note: str = "",
           tier_names: tuple[str, ...] | list[str] = (), scenario_names: tuple[str, ...] | list[str] = (),
           results: dict[str, Sequence[object]] | None = None) -> ResultSheet:
        """A declared result sheet: its columns in the declared order, formatted as declared."""
        keys = spec.keys(tier_names, scenario_names)
        missing = [k for k in keys if k not in table.columns]
        extra = [c for c in table.columns if c not in keys]
        if missing or extra:
            raise ValueError(f"{spec.name}: the table's columns differ from the declaration (missing {missing}, undeclared {extra})")
        return cls(table[keys], title=title, note=note, formats=spec.formats(tier_names, scenario_names), results=dict(results or {}))


_MONEY_HINTS = ("cost", "arr", "budget", "value", "asv", "price", "spend", "rate", "impact")
_PERCENT_HINTS = ("_share", "_pct", "share", "percent", "gap")


def default_format(column: str) -> str | None:
    """Number format of a column of a table that is not a declared result sheet, from its name."""
    name = column.lower()
    if any(h in name for h in _PERCENT_HINTS):
        return PERCENT_FORMAT
    if any(h in name for h in _MONEY_HINTS):
        return MONEY_FORMAT
    return None


@dataclass(frozen=True)
class Layout:
    """Where a sheet's parts go (0-based rows) and how its columns look."""

    title_row: int | None
    note_row: int | None
    stamp_row: int | None  # the blank row between the note and the table (None: no title and no note)
    header_row: int
    columns: tuple[str, ...]
    headers: tuple[str, ...]
    formats: tuple[str | None, ...]
    widths: tuple[float, ...]

    @property
    def first_data_row(self) -> int:
        """0-based row of the table's first data row."""
        return self.header_row + 1

    def excel_row(self, i: int) -> int:
        """1-based Excel row number of the table's row i (0-based)."""
        return self.first_data_row + i + 1


def layout(sheet: ResultSheet) -> Layout:
    row = 0
    title_row = note_row = stamp_row = None
    if sheet.title:
        title_row, row = row, row + 1
    if sheet.note:
        note_row, row = row, row + 1
    if sheet.title or sheet.note:
        stamp_row, row = row, row + 1
    columns = tuple(str(c) for c in sheet.table.columns)
    values = sheet.table.head(200).to_numpy(dtype=object)
    widths = []
    for j, col in enumerate(columns):
        width = max(len(header_label(col)) + 2, 10)
        sample = [v for v in values[:, j] if isinstance(v, str)] if len(values) else []
        if sample:
            width = max(width, min(60, max(len(s) for s in sample) + 2))
        widths.append(float(width))
    return Layout(
        title_row=title_row,
        note_row=note_row,
        stamp_row=stamp_row,
        header_row=row,
        columns=columns,
        headers=tuple(header_label(c) for c in columns),
        formats=tuple(sheet.formats.get(c, default_format(c)) for c in columns),
        widths=tuple(widths),
    )


def first_data_row(title: str, note: str) -> int:
    """1-based Excel row of the first data row of a sheet with this title and note (for formulas written into the table)."""
    return layout(ResultSheet(pd.DataFrame(), title=title, note=note)).excel_row(0)


# ------------------------------------------------------------------ as rows of plain values (write-back and the button)

STAMP_PREFIX = "Written by TierPlan"


def stamp_text(now: _dt.datetime) -> str:
    return f"{STAMP_PREFIX} on {now:%Y-%m-%d %H:%M}. Replaced at each run: do not edit, your changes here would be lost."


def is_stamp(value: object) -> bool:
    return isinstance(value, str) and value.startswith(STAMP_PREFIX)


@dataclass
class SheetRows:
    """A result sheet as rows of plain cell values, laid out by :func:`layout`, with the stamp."""

    rows: list[list]  # row-major; None for blank cells
    header_row: int  # 0-based index of the table's header row
    formats: list[str | None]  # per table column: Excel number format or None
    widths: list[float]
    bold_rows: tuple[int, ...] = ()  # 0-based rows in bold (title, table header)


def sheet_rows(sheet: ResultSheet | pd.DataFrame, now: _dt.datetime) -> SheetRows:
    """Title, note, the stamp in the blank row, then the table (write-back and the Excel button)."""
    if isinstance(sheet, pd.DataFrame):
        sheet = ResultSheet(sheet)
    lay = layout(sheet)
    rows: list[list] = []
    if lay.title_row is not None:
        rows.append([sheet.title])
    if lay.note_row is not None:
        rows.append([sheet.note])
    if lay.stamp_row is not None:
        rows.append([stamp_text(now)])
    rows.append(list(lay.headers))
    if lay.stamp_row is None:  # no title, no note: no free row above the table
        rows[0] = rows[0] + [None, stamp_text(now)]
    values = sheet.table.to_numpy(dtype=object)
    for i in range(len(sheet.table)):
        rows.append([plain_value(v) for v in values[i]])
    bold_rows = ((0,) if lay.title_row is not None else ()) + (lay.header_row,)
    return SheetRows(rows=rows, header_row=lay.header_row, formats=list(lay.formats), widths=list(lay.widths), bold_rows=bold_rows)


def stale_rows(name: str, now: _dt.datetime) -> SheetRows:
    """What an earlier result sheet says when this run did not produce it."""
    rows = [
        [name],
        [stamp_text(now)],
        [f"The TierPlan run of {now:%Y-%m-%d %H:%M} did not produce this sheet; its earlier content was removed so it cannot be mistaken for current results."],
    ]
    return SheetRows(rows=rows, header_row=-1, formats=[], widths=[], bold_rows=(0,))


def plain_value(value: object) -> object:
    """A cell value as str / float / bool / Formula / None (numpy and pandas scalars unwrapped; "" and NaN are blank)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, Formula):
        return value
    if isinstance(value, str):
        return str(value) or None  # an empty text is a blank cell; a StrEnum member as its text
    if isinstance(value, bool):
        return value
    if hasattr(value, "item") and not isinstance(value, (_dt.date, _dt.datetime)):
        return plain_value(value.item())
    if isinstance(value, (int, float)):
        v = float(value)
        return None if math.isnan(v) or math.isinf(v) else v
    if isinstance(value, (_dt.datetime, _dt.date, pd.Timestamp)):
        return value.isoformat()
    return str(value)
