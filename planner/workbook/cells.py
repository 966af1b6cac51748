"""Reading the cells of a declared table: finding it, parsing each column as its declaration says, checking names.

Everything here is driven by planner.schema: a column's kind, unit, range and choices decide how
its cells are read and what a problem says ("Roles!C7: "abc" is not a number (Loaded annual cost
expects an amount per person per year)"). Problems go into a :class:`Sink` the caller passes in,
sheet by sheet; a cell that was reported comes back as :data:`INVALID` so later checks skip it
instead of piling on.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from planner import schema
from planner.errors import Problem, cell_ref, col_letter
from planner.workbook.text import error_text, fmt_number, fmt_percent, normalise_choice, normalise_header, plural, show_value
from planner.workbook.values import parse_flags, parse_numbers, parse_texts

# Other ways users write a choice (after lower-casing and dropping spaces and punctuation).
CHOICE_ALIASES = {
    "email": "Email/ticket", "ticket": "Email/ticket", "emailticket": "Email/ticket", "tickets": "Email/ticket",
    "s": "seconds", "sec": "seconds", "secs": "seconds", "second": "seconds",
    "m": "minutes", "min": "minutes", "mins": "minutes", "minute": "minutes",
    "h": "hours", "hr": "hours", "hrs": "hours", "hour": "hours",
    "higher": "Higher raises tier", "lower": "Lower raises tier",
    "high": "High touch", "mid": "Mid touch", "medium": "Mid touch", "mediumtouch": "Mid touch", "low": "Low touch",
    "tech": "Low touch", "techtouch": "Low touch", "digital": "Low touch",
}
ENTITY = {schema.TIERS.name: "tier", schema.ROLES.name: "role", schema.SERVICES.name: "service"}


class _Invalid:
    """Marks a cell that was reported; later checks skip it instead of piling on."""

    def __repr__(self) -> str:
        return "INVALID"


INVALID = _Invalid()


@dataclass
class Sink:
    """Where the problems found go, per sheet, and the notes that do not stop the run."""

    by_sheet: dict[str, list[Problem]] = field(default_factory=lambda: {n: [] for n in schema.READ_SHEETS})
    notes: list[Problem] = field(default_factory=list)

    def add(self, sheet: str, where: str, message: str, expected: str = "") -> None:
        self.by_sheet[sheet].append(Problem(where, message, expected))

    def in_order(self) -> list[Problem]:
        """Sheet by sheet in workbook order; within a sheet top to bottom, left to right, sheet-wide problems last."""
        return [p for n in schema.READ_SHEETS for p in _in_cell_order(n, self.by_sheet[n])]


@dataclass
class Table:
    """A declared table found on a sheet: where its header is, which columns it has, which rows hold data."""

    sheet: schema.Sheet
    name: str  # the sheet's name in the workbook
    header_row: int  # 0-based
    cols: dict[str, int]  # column key -> 0-based column
    rows: list[int]  # 0-based grid rows holding data
    grid: list[list] = field(repr=False)

    def cell(self, r: int, key: str) -> str:
        return cell_ref(self.name, r, self.cols.get(key, 0))

    def values(self, key: str) -> list:
        c = self.cols.get(key)
        if c is None:
            return [None] * len(self.rows)
        return [self.grid[r][c] if c < len(self.grid[r]) else None for r in self.rows]

    def refs(self, r: int, key: tuple[str, ...]) -> dict[tuple[str, tuple[str, ...], str], str]:
        """The CellRefs entries of one data row: every column the table has, under the row's key."""
        return {(self.sheet.name, key, k): cell_ref(self.name, r, c) for k, c in self.cols.items()}


@dataclass(frozen=True)
class Names:
    """The names typed on a sheet (valid rows or not) and whether its table could be read at all.

    References from other sheets are checked against every name typed, so a row with a bad
    cost does not make each row that names it wrong as well; when the sheet itself is
    missing or unreadable (``parsed`` false) references to it are not checked.
    """

    typed: tuple[str, ...] = ()
    parsed: bool = False

    def known(self, valid: Sequence[str] = ()) -> dict[str, str]:
        out = {n: n for n in valid}
        for n in self.typed:
            out.setdefault(n, n)
        return out


def blank(v: object) -> bool:
    return v is None or (isinstance(v, str) and not v.strip()) or (isinstance(v, float) and np.isnan(v))


def rectangular(grid: list[list]) -> list[list]:
    """Rows padded to one width (xlwings and hand-built grids may be ragged); None for empty cells."""
    if not grid:
        return []
    widths = set(map(len, grid))
    if len(widths) == 1:
        return grid
    width = max(widths)
    return [list(r) + [None] * (width - len(r)) for r in grid]


# ------------------------------------------------------------------ finding a table


def find_header(name: str, grid: list[list], sheet: schema.Sheet, sink: Sink) -> tuple[int | None, dict[str, int]]:
    """The header row (0-based) within the first rows, and column key -> column; headers match ignoring case and punctuation."""
    lookup: dict[str, str] = {}
    for c in sheet.columns:
        lookup.setdefault(normalise_header(c.header), c.key)
    for c in sheet.columns:
        lookup.setdefault(normalise_header(c.key), c.key)
    best, best_row = 0, None
    for r in range(min(schema.HEADER_SEARCH_ROWS, len(grid))):
        keys = {lookup.get(normalise_header(v)) for v in grid[r] if isinstance(v, str)} - {None}
        if len(keys) > best:
            best, best_row = len(keys), r
    if best_row is None:
        sink.add(sheet.name, name, f"no table header found in the first {schema.HEADER_SEARCH_ROWS} rows",
                 "a header row with " + ", ".join(c.header for c in sheet.required_columns))
        return None, {}
    cols: dict[str, int] = {}
    for col, v in enumerate(grid[best_row]):
        if not isinstance(v, str):
            continue
        key = lookup.get(normalise_header(v))
        if key is None:
            continue
        if key in cols:
            sink.add(sheet.name, cell_ref(name, best_row, col), f'column "{v.strip()}" appears twice (first in column {col_letter(cols[key])})',
                     "keep one column per header")
            continue
        cols[key] = col
    return best_row, cols


def find_table(grid: list[list] | None, name: str, sheet: schema.Sheet, sink: Sink) -> Table | None:
    """The declared table of a sheet, or None (with the problem reported) when its header or a required column is missing."""
    if grid is None:
        return None
    header_row, cols = find_header(name, grid, sheet, sink)
    if header_row is None:
        return None
    inputs = [c for c in sheet.input_columns if c.key in cols]
    rows = [r for r in range(header_row + 1, len(grid)) if any(not blank(grid[r][cols[c.key]]) for c in inputs)]
    table = Table(sheet, name, header_row, {k: v for k, v in cols.items() if sheet.column(k).is_input}, rows, grid)
    missing = [c for c in sheet.required_columns if c.key not in cols]
    for c in missing:
        sink.add(sheet.name, f"{name} row {header_row + 1}", f'column "{c.header}" is missing',
                 f"the {sheet.name} table needs columns " + ", ".join(x.header for x in sheet.required_columns))
    return None if missing else table


# ------------------------------------------------------------------ parsing cells


def spec_label(spec: schema.Column | schema.Setting) -> str:
    return spec.header if isinstance(spec, schema.Column) else spec.label


def noun(spec: schema.Column | schema.Setting) -> str:
    kind, unit = spec.kind, spec.unit
    if kind == schema.CURRENCY:
        return f"an amount {unit}".strip()
    if kind == schema.NUMBER:
        if not unit:
            return "a number"
        return f"a number {unit}" if unit.startswith("per") else f"a number of {unit}"
    if kind == schema.INTEGER:
        return "a whole number"
    if kind == schema.PERCENT:
        return "a percentage" + (unit[1:] if unit.startswith("% ") else "")
    if kind == schema.CHOICE:
        return "one of " + ", ".join(spec.choices)
    if kind == schema.DATE:
        return "a date"
    if kind == schema.BOOL:
        return "Yes or No"
    if spec.ref:
        return f"a {ENTITY.get(spec.ref, spec.ref.lower())} from the {spec.ref} sheet"
    if getattr(spec, "key", "") == "name":
        return "a name"
    return "text"


def range_text(spec: schema.Column | schema.Setting) -> str:
    lo, hi = spec.minimum, spec.maximum
    f: Callable[[float], str]
    if spec.kind == schema.PERCENT:
        f = fmt_percent
    elif spec.kind == schema.INTEGER:
        f = lambda x: f"{x:.10g}"  # years read 2027, not 2,027
    else:
        f = fmt_number
    if lo is not None and hi is not None:
        return f"from {f(lo)} to {f(hi)}"
    if lo is not None:
        return f"of {f(lo)} or more"
    assert hi is not None  # asked for a spec with a bound only
    return f"up to {f(hi)}"


def _bound(spec: schema.Column | schema.Setting, x: float) -> str:
    if spec.kind == schema.PERCENT:
        return fmt_percent(x)
    return f"{x:.10g}" if spec.kind == schema.INTEGER else fmt_number(x)


def check_number(v: float, raw: object, spec: schema.Column | schema.Setting) -> tuple[str, str] | None:
    """(problem, expected) when a number is out of its declared range, not whole where it must be, or a percentage typed as 30."""
    label, what = spec_label(spec), noun(spec)
    pct = spec.kind == schema.PERCENT
    # a number typed without a % sign (30, or the text "30"), as opposed to 30% / "30%"
    typed_number = (isinstance(raw, (int, float)) and not isinstance(raw, bool)) or (isinstance(raw, str) and "%" not in raw)
    shown = fmt_percent(v) if pct else (f"{v:.10g}" if spec.kind == schema.INTEGER else fmt_number(v))
    lo, hi = spec.minimum, spec.maximum
    rng = f"{label} expects {what} {range_text(spec)}" if (lo is not None or hi is not None) else f"{label} expects {what}"
    if pct and typed_number and hi is not None and v > hi and 1 < v <= 100:
        return (f"{fmt_number(v)} is not a percentage",
                f"{label} expects {what} {range_text(spec)}: type {fmt_number(v)}% or {v / 100:g}")
    if spec.kind == schema.INTEGER and v != int(v):
        return (f"{shown} is not a whole number", f"{label} expects {what}")
    if lo is not None and v < lo:
        if lo == 0:
            return (f"{shown} is negative", f"{label} expects {what}, 0 or more")
        return (f"{shown} is below {_bound(spec, lo)}", rng)
    if hi is not None and v > hi:
        return (f"{shown} is more than the largest plausible value {_bound(spec, hi)}", rng)
    return None


def parse_cells(sheet: str, values: list, spec: schema.Column | schema.Setting, locs: Sequence[str], sink: Sink) -> list:
    """Cells of one column (or setting) read as the declaration says: values, None for blank optional cells, INVALID for reported ones.

    Numbers accept text ("$12,000", "30%"); choices accept any case and the usual aliases and are
    stored as the declaration's enum member.
    """
    label = spec_label(spec)
    what = noun(spec)
    expected = f"{label} expects {what}"
    out: list = []
    s = pd.Series(values, dtype=object)
    kind = spec.kind
    if kind in (schema.NUMBER, schema.INTEGER, schema.CURRENCY, schema.PERCENT):
        nums = parse_numbers(s, money=kind == schema.CURRENCY)
        for i, raw in enumerate(values):
            where = locs[i]
            if nums.error[i]:
                sink.add(sheet, where, f"shows the error {nums.error_of(i)}", expected)
            elif nums.bad[i]:
                if hasattr(raw, "isoformat"):
                    sink.add(sheet, where, f"{show_value(raw)} is a date, not a number", expected)
                else:
                    sink.add(sheet, where, f"{show_value(raw)} is not a number", expected)
            elif nums.ambiguous[i]:
                sink.add(sheet, where, f"{show_value(raw)} is ambiguous: is the point a decimal point or a thousands separator?",
                         "write it without a thousands separator, e.g. 1200 or 1.2")
            elif nums.blank[i]:
                if spec.required:
                    sink.add(sheet, where, f"{label} is blank", f"{what} is required")
                    out.append(INVALID)
                    continue
                out.append(None)
                continue
            else:
                v = float(nums.values[i])
                problem = check_number(v, raw, spec)
                if problem:
                    sink.add(sheet, where, *problem)
                else:
                    out.append(round(v) if kind == schema.INTEGER else v)
                    continue
            out.append(INVALID)
        return out
    if kind == schema.DATE:
        return _parse_dates(sheet, values, spec, locs, sink, label, what, expected)
    if kind == schema.BOOL:
        fl = parse_flags(s)
        for i, raw in enumerate(values):
            if fl.error[i]:
                sink.add(sheet, locs[i], f"shows the error {error_text(raw)}", expected)
                out.append(INVALID)
            elif fl.bad[i]:
                sink.add(sheet, locs[i], f"{show_value(raw)} is not Yes or No", expected)
                out.append(INVALID)
            elif fl.blank[i]:
                if spec.required:
                    sink.add(sheet, locs[i], f"{label} is blank", f"{what} is required")
                    out.append(INVALID)
                else:
                    out.append(False)
            else:
                out.append(bool(fl.values[i]))
        return out
    texts = parse_texts(s)
    choices = {normalise_choice(c): c for c in spec.choices}
    if kind == schema.CHOICE:
        for alias, target in CHOICE_ALIASES.items():
            if target in spec.choices:
                choices.setdefault(alias, target)
    for i, raw in enumerate(values):
        if texts.error[i]:
            sink.add(sheet, locs[i], f"shows the error {error_text(raw)}", expected)
            out.append(INVALID)
        elif texts.blank[i]:
            if spec.required:
                sink.add(sheet, locs[i], f"{label} is blank", f"{what} is required")
                out.append(INVALID)
            else:
                out.append(None)
        elif kind == schema.CHOICE:
            choice = choices.get(normalise_choice(texts.values.iat[i]))
            if choice is None:
                sink.add(sheet, locs[i], f'"{texts.values.iat[i]}" is not one of the choices', expected)
                out.append(INVALID)
            else:
                out.append(spec.enum(choice) if spec.enum is not None else choice)
        else:
            out.append(texts.values.iat[i])
    return out


def _parse_dates(sheet: str, values: list, spec: schema.Column | schema.Setting, locs: Sequence[str], sink: Sink,
                 label: str, what: str, expected: str) -> list:
    """Date cells: real dates, ISO text (2026-06-30) and the other forms planner.workbook.timeparse reads; a date, not a time."""
    from planner.workbook.timeparse import parse_instants

    out: list = []
    texts = parse_texts(pd.Series([v if isinstance(v, str) or v is None or (isinstance(v, float) and np.isnan(v)) else "x"
                                   for v in values], dtype=object))
    inst = parse_instants(pd.Series(values, dtype=object), timezone="UTC")
    for i, raw in enumerate(values):
        if texts.error[i]:
            sink.add(sheet, locs[i], f"shows the error {error_text(raw)}", expected)
            out.append(INVALID)
        elif blank(raw) or (isinstance(raw, str) and raw.strip() == ""):
            if spec.required:
                sink.add(sheet, locs[i], f"{label} is blank", f"{what} is required")
                out.append(INVALID)
            else:
                out.append(None)
        elif inst.bad[i] or inst.blank[i] or np.isnat(inst.values[i]):
            sink.add(sheet, locs[i], f"{show_value(raw)} is not a date", f"{label} expects a date such as 2026-06-30")
            out.append(INVALID)
        else:
            out.append(pd.Timestamp(inst.values[i]).date())
    return out


def parse_column(t: Table, key: str, sink: Sink) -> list:
    """One column of a table parsed (see :func:`parse_cells`)."""
    spec = t.sheet.column(key)
    return parse_cells(t.sheet.name, t.values(key), spec, [t.cell(r, key) for r in t.rows], sink)


def parse_table(t: Table, sink: Sink) -> dict[str, list]:
    """Every input column the table has, parsed."""
    return {c.key: parse_column(t, c.key, sink) for c in t.sheet.input_columns if c.key in t.cols}


# ------------------------------------------------------------------ rules shared by the sheets


def check_unique(t: Table, key: str, names: list, what: str, sink: Sink) -> None:
    """Names of a column must be unique (ignoring case and surrounding spaces)."""
    first: dict[str, int] = {}
    for r, v in zip(t.rows, names):
        if not isinstance(v, str):
            continue
        k = v.casefold()
        if k in first:
            sink.add(t.sheet.name, t.cell(r, key), f'{what} "{v}" appears again', f"first on row {first[k] + 1}; names must be unique")
        else:
            first[k] = r


def resolve(t: Table, key: str, values: list, known: Mapping[str, str], target: str, target_names: Names, sink: Sink) -> list:
    """References to names on another sheet resolved (ignoring case); unknown ones reported and INVALID."""
    if not target_names.parsed:
        return list(values)  # the sheet is missing or unreadable: already reported there
    out = []
    lookup = {k.casefold(): k for k in known}
    what = ENTITY[target]
    listing = ", ".join(known) if known else f"the {target} sheet has none yet"
    for r, v in zip(t.rows, values):
        if not isinstance(v, str):
            out.append(v)
            continue
        hit = lookup.get(v.casefold())
        if hit is None:
            sink.add(t.sheet.name, t.cell(r, key), f'{what} "{v}" is not on the {target} sheet', f"one of {listing}")
            out.append(INVALID)
        else:
            out.append(hit)
    return out


def check_row_count(t: Table, noun_one: str, noun_many: str, sink: Sink) -> bool:
    n = len(t.rows)
    sheet = t.sheet
    lo, hi = sheet.min_rows, sheet.max_rows
    if hi is not None and (n < lo or n > hi):
        listed = f"no {noun_many} listed" if n == 0 else f"{plural(n, noun_one, noun_many)} listed"
        sink.add(sheet.name, t.name, listed, f"TierPlan plans with {lo} to {hi} {noun_many}")
        return False
    if n < lo:
        sink.add(sheet.name, t.name, f"no {noun_many} listed", f"at least {plural(lo, noun_one, noun_many)} needed")
        return False
    return True


_WHERE_RE = re.compile(r"^.*?!([A-Z]+)(\d+)$")
_ROW_RE = re.compile(r"^.* row (\d+)$")


def _col_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n - 1


def _in_cell_order(sheet: str, problems: list[Problem]) -> list[Problem]:
    """Problems of a table sheet top to bottom, left to right; sheet-wide ones last.

    The Accounts problems keep their order (grouped by kind, each group capped).
    """
    if sheet == schema.ACCOUNTS.name:
        return problems

    def key(p: Problem) -> tuple[int, int, int]:
        m = _WHERE_RE.match(p.where)
        if m:
            return (0, int(m.group(2)), _col_index(m.group(1)))
        m = _ROW_RE.match(p.where)
        if m:
            return (0, int(m.group(1)), -1)
        return (1, 0, 0)

    return sorted(problems, key=key)
