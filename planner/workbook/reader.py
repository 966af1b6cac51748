"""Read and validate the planning workbook into :class:`~planner.inputs.PlanInputs`.

Two entry points, one validator:

- :func:`read_inputs` reads a workbook file with python-calamine (cached
  values, fast: a 100k-row Accounts sheet in about a second) and, optionally,
  a CSV/Parquet accounts file in place of the Accounts sheet;
- :func:`inputs_from_grids` validates sheets already in memory as grids (lists
  of rows of cell values). The Excel button reads the open workbook through
  xlwings and calls this, so the button and the CLI report the same problems.

Every problem is collected (not just the first) and raised together as a
:class:`~planner.errors.UserInputError`; each names its sheet and cell,
``Roles!C7: "abc" is not a number (Loaded annual cost expects an amount per
person per year)``. Problems are listed sheet by sheet in workbook order
(Finance, Tiers, Services, Roles, Intervals, SLAs, Scoring, Accounts), top to
bottom and left to right within a sheet (sheet-wide problems last); Accounts
problems are grouped by kind, each kind capped (see accounts.py). Non-fatal findings (data gaps in the accounts) go to
``PlanInputs.notes``; :mod:`planner.workbook.accounts` says which are which.

Tables are found by their headers, not by position: the header row is looked
for in the first ``schema.HEADER_SEARCH_ROWS`` rows, headers match ignoring
case, spaces and punctuation, columns may be in any order, and extra columns
are allowed. Formula columns (hourly rate, cost per occurrence...) are never
read: Python recomputes them. Text is accepted where the workbook holds
numbers typed as text ("$12,000", "30%"), and choices are accepted in any case
("high touch", "YES") and stored in the spelling of the declaration.
"""

from __future__ import annotations

from planner.schema import Direction, Staffing
import re
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import numpy as np
import pandas as pd

from planner import schema
from planner.errors import Problem, UserInputError, cell_ref, col_letter
from planner.inputs import SLA, Finance, Interval, PlanInputs, Role, ScoringRule, Service, Tier
from planner.workbook.accounts import (
    ACCOUNT_FIXED_COLUMNS,
    FileLocator,
    SheetLocator,
    account_column_for,
    clean_accounts,
    error_text,
    fmt_number,
    fmt_percent,
    normalise_choice,
    normalise_header,
    parse_flags,
    parse_numbers,
    parse_texts,
    plural,
    read_accounts_file,
    show_value,
)

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")

INPUT_SHEET_ORDER = schema.READ_SHEETS

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
ENTITY = {"Tiers": "tier", "Roles": "role", "Services": "service"}


class _Invalid:
    """Marks a cell that was reported; later checks skip it instead of piling on."""

    def __repr__(self) -> str:
        return "INVALID"


INVALID = _Invalid()


# ================================================================ reading the file


def read_inputs(book: Path | str, accounts: Path | str | None = None) -> PlanInputs:
    """Read and validate a workbook (and optionally a CSV/Parquet accounts file).

    Raises UserInputError carrying every problem found.
    """
    book = Path(book)
    problems: list[Problem] = []
    grids = None
    raw_accounts = None
    try:
        grids = load_grids(book, skip_accounts=accounts is not None)
    except UserInputError as exc:
        problems.extend(exc.problems)
    if accounts is not None:
        try:
            raw_accounts = read_accounts_file(accounts)
        except UserInputError as exc:
            problems.extend(exc.problems)
    if problems:
        raise UserInputError(problems)
    return inputs_from_grids(grids, source=str(book), accounts=raw_accounts)


def load_grids(book: Path, *, skip_accounts: bool = False) -> dict[str, list[list]]:
    """The input sheets of a workbook file as grids of cached cell values (row 1 first, column A first).

    Error cells come back as their text ("#DIV/0!"). Raises UserInputError with one
    clear problem when the file is missing, not a workbook, damaged or password-protected.
    """
    book = Path(book)
    where = str(book)
    if not book.exists():
        raise UserInputError(Problem(where, "file not found", "check the path and the file name"))
    if book.is_dir():
        raise UserInputError(Problem(where, "is a folder, not a workbook", "give the path of an .xlsx or .xlsm file"))
    suffix = book.suffix.lower()
    if suffix in (".csv", ".txt", ".tsv", ".parquet"):
        raise UserInputError(Problem(where, "is an accounts file, not a workbook",
                                     "give the planning workbook (.xlsx); pass a CSV or Parquet export with --accounts"))
    try:
        with open(book, "rb") as fh:
            head = fh.read(8)
    except OSError as exc:
        raise UserInputError(Problem(where, "cannot be opened", exc.strerror or str(exc))) from None
    if _is_encrypted(book, head):
        raise UserInputError(Problem(where, "is password-protected",
                                     "open it in Excel, remove the password under File > Info > Protect Workbook, and save it"))
    if suffix not in WORKBOOK_SUFFIXES and head[:4] != b"PK\x03\x04":
        raise UserInputError(Problem(where, "is not an Excel workbook", "give an .xlsx or .xlsm file"))
    if suffix in (".xlsx", ".xlsm") and head[:4] != b"PK\x03\x04":
        what = "a CSV or text file" if _looks_like_text(book) else "not a valid Excel file"
        raise UserInputError(Problem(where, f"is {what} with an {suffix} name, not a workbook",
                                     "open it in Excel and save it as an Excel workbook (.xlsx)"))
    try:
        import python_calamine as calamine

        wb = calamine.CalamineWorkbook.from_path(str(book))
    except Exception as exc:  # calamine raises PasswordError, ZipError, XmlError, CalamineError...
        if type(exc).__name__ == "PasswordError":
            raise UserInputError(Problem(where, "is password-protected", "open it in Excel, remove the password under File > Info > Protect Workbook, and save it")) from None
        raise UserInputError(Problem(where, "cannot be read as a workbook: the file is damaged or not an Excel file",
                                     "open it in Excel and save it again as .xlsx")) from None
    wanted = {s.lower() for s in INPUT_SHEET_ORDER}
    if skip_accounts:
        wanted.discard(schema.ACCOUNTS.name.lower())
    grids: dict[str, list[list]] = {}
    try:
        for name in wb.sheet_names:
            if name.strip().lower() in wanted:
                grids[name] = wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
    except Exception:
        raise UserInputError(Problem(where, "cannot be read as a workbook: a sheet is damaged",
                                     "open it in Excel and save it again as .xlsx")) from None
    finally:
        try:
            wb.close()
        except Exception:
            pass
    if suffix in (".xlsx", ".xlsm") or head[:4] == b"PK\x03\x04":
        _restore_error_cells(book, grids)
    return grids


def _is_encrypted(book: Path, head: bytes) -> bool:
    """Password-protected .xlsx files are OLE containers holding an EncryptedPackage stream."""
    if head != b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return False
    try:
        data = book.read_bytes()
    except OSError:
        return False
    return "EncryptedPackage".encode("utf-16-le") in data or "EncryptionInfo".encode("utf-16-le") in data


def _looks_like_text(book: Path) -> bool:
    try:
        with open(book, "rb") as fh:
            chunk = fh.read(4096)
    except OSError:
        return False
    try:
        chunk.decode("utf-8")
    except UnicodeDecodeError:
        try:
            chunk[:-4].decode("utf-8")
        except UnicodeDecodeError:
            return False
    return b"\x00" not in chunk


_CELL_RE = re.compile(rb"<(?:\w+:)?c\b([^>]*?\bt=\"e\"[^>]*)>(.*?)</(?:\w+:)?c>", re.S)
_REF_RE = re.compile(rb"\br=\"([A-Z]+)(\d+)\"")
_V_RE = re.compile(rb"<(?:\w+:)?v>([^<]*)</(?:\w+:)?v>")


def _restore_error_cells(book: Path, grids: dict[str, list[list]]) -> None:
    """Put error values (#DIV/0!, #REF!...) back into the grids.

    python-calamine returns error cells as empty strings; an error in an input
    cell must not pass for a blank, so the cells typed t="e" are read from the
    sheet XML (a byte search; sheets without errors cost one scan).
    """
    try:
        with zipfile.ZipFile(book) as zf:
            paths = _sheet_paths(zf)
            for name, grid in grids.items():
                part = paths.get(name)
                if part is None:
                    continue
                data = zf.read(part)
                if b't="e"' not in data:
                    continue
                for m in _CELL_RE.finditer(data):
                    ref = _REF_RE.search(m.group(1))
                    val = _V_RE.search(m.group(2))
                    if not ref:
                        continue
                    col = _col_index(ref.group(1).decode())
                    row = int(ref.group(2)) - 1
                    text = val.group(1).decode("utf-8", "replace") if val else "#N/A"
                    while len(grid) <= row:
                        grid.append([])
                    r = grid[row]
                    if len(r) <= col:
                        r.extend([""] * (col + 1 - len(r)))
                    r[col] = text
    except (zipfile.BadZipFile, KeyError, OSError):
        return


def _sheet_paths(zf: zipfile.ZipFile) -> dict[str, str]:
    import xml.etree.ElementTree as ET

    ns_main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    ns_rel = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
    wb = ET.fromstring(zf.read("xl/workbook.xml"))
    rels = ET.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    target = {r.get("Id"): r.get("Target") for r in rels}
    out = {}
    for s in wb.iter(f"{ns_main}sheet"):
        t = target.get(s.get(f"{ns_rel}id"))
        if not t:
            continue
        path = t.lstrip("/") if t.startswith("/") else str(PurePosixPath("xl") / t)
        out[s.get("name")] = path
    return out


def _col_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n - 1


# ================================================================ validating grids


def inputs_from_grids(
    grids: Mapping[str, list[list]],
    source: str,
    accounts: pd.DataFrame | None = None,
) -> PlanInputs:
    """Validate sheets given as grids and build PlanInputs.

    ``grids``: sheet name -> rows of cell values (row 1 first; float/int/str/bool/
    datetime/None; error values as text such as "#DIV/0!" or as error objects).
    Sheet names match ignoring case. ``accounts``: a raw accounts table from
    :func:`planner.workbook.accounts.read_accounts_file` to use instead of the
    Accounts sheet (its ``attrs["source"]`` names the file in messages).
    Raises UserInputError with every problem found.
    """
    return _Validator(grids, source, accounts).run()


@dataclass
class _Table:
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


def _blank(v) -> bool:
    return v is None or (isinstance(v, str) and not v.strip()) or (isinstance(v, float) and np.isnan(v))


def _spec_label(spec) -> str:
    return spec.header if isinstance(spec, schema.Column) else spec.label


def _noun(spec) -> str:
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
    if kind == schema.BOOL:
        return "Yes or No"
    if spec.ref:
        return f"a {ENTITY.get(spec.ref, spec.ref.lower())} from the {spec.ref} sheet"
    if getattr(spec, "key", "") == "name":
        return "a name"
    return "text"


def _range_text(spec) -> str:
    lo, hi = spec.minimum, spec.maximum
    if spec.kind == schema.PERCENT:
        f = fmt_percent
    elif spec.kind == schema.INTEGER:
        f = lambda x: f"{x:.10g}"  # noqa: E731  (years read 2027, not 2,027)
    else:
        f = fmt_number
    if lo is not None and hi is not None:
        return f"from {f(lo)} to {f(hi)}"
    if lo is not None:
        return f"of {f(lo)} or more"
    return f"up to {f(hi)}"


def _bound(spec, x: float) -> str:
    if spec.kind == schema.PERCENT:
        return fmt_percent(x)
    return f"{x:.10g}" if spec.kind == schema.INTEGER else fmt_number(x)


class _Validator:
    def __init__(self, grids: Mapping[str, list[list]], source: str, accounts: pd.DataFrame | None):
        self.grids = grids
        self.source = source
        self.accounts_raw = accounts
        self.by_sheet: dict[str, list[Problem]] = {n: [] for n in INPUT_SHEET_ORDER}
        self.notes: list[Problem] = []
        self.names: dict[str, str] = {}  # canonical sheet name -> name in the workbook
        self.parsed: set[str] = set()  # sheets whose table was found (references to them are checked)

    # ------------------------------------------------------------ helpers

    def add(self, sheet: str, where: str, message: str, expected: str = "") -> None:
        self.by_sheet[sheet].append(Problem(where, message, expected))

    def grid(self, sheet_name: str) -> list[list] | None:
        for name, grid in self.grids.items():
            if str(name).strip().lower() == sheet_name.lower():
                self.names[sheet_name] = str(name)
                return grid
        return None

    # ------------------------------------------------------------ run

    def run(self) -> PlanInputs:
        needed = [n for n in INPUT_SHEET_ORDER if not (n == schema.ACCOUNTS.name and self.accounts_raw is not None)]
        grids = {}
        for n in needed:
            g = self.grid(n)
            if g is None:
                self.add(n, n, "sheet is missing", "the workbook needs sheets " + ", ".join(needed))
            else:
                grids[n] = _rectangular(g)

        finance = self.finance(grids.get(schema.FINANCE.name))
        tiers = self.tiers(self.table(grids, schema.TIERS))
        roles = self.roles(self.table(grids, schema.ROLES))
        services = self.services(self.table(grids, schema.SERVICES), roles)
        intervals = self.intervals(self.table(grids, schema.INTERVALS), tiers, roles, services)
        slas = self.slas(self.table(grids, schema.SLAS), tiers, roles)
        scoring_table = self.table(grids, schema.SCORING)
        scoring_rows = self.scoring_rows(scoring_table)
        finance = self.finance_refs(finance, tiers)
        accounts = self.accounts(grids.get(schema.ACCOUNTS.name), tiers, [r["column"] for r in scoring_rows if isinstance(r["column"], str)])
        scoring = self.scoring_refs(scoring_table, scoring_rows, accounts)

        problems = [p for n in INPUT_SHEET_ORDER for p in _in_cell_order(n, self.by_sheet[n])]
        if problems:
            raise UserInputError(problems)
        return PlanInputs(
            tiers=tuple(tiers),
            roles=tuple(roles.values()),
            services=tuple(services.values()),
            intervals=tuple(intervals),
            slas=tuple(slas),
            scoring=tuple(scoring),
            finance=finance,
            accounts=accounts,
            source=self.source,
            notes=tuple(self.notes),
        )

    # ------------------------------------------------------------ tables

    def table(self, grids: dict, sheet: schema.Sheet) -> _Table | None:
        grid = grids.get(sheet.name)
        if grid is None:
            return None
        name = self.names.get(sheet.name, sheet.name)
        header_row, cols = self._find_header(name, grid, sheet)
        if header_row is None:
            return None
        inputs = [c for c in sheet.input_columns if c.key in cols]
        rows = [r for r in range(header_row + 1, len(grid))
                if any(not _blank(grid[r][cols[c.key]]) for c in inputs)]
        t = _Table(sheet, name, header_row, {k: v for k, v in cols.items() if sheet.column(k).is_input}, rows, grid)
        missing = [c for c in sheet.required_columns if c.key not in cols]
        for c in missing:
            self.add(sheet.name, f"{name} row {header_row + 1}", f'column "{c.header}" is missing',
                     f"the {sheet.name} table needs columns " + ", ".join(x.header for x in sheet.required_columns))
        if missing:
            return None
        self.parsed.add(sheet.name)
        return t

    def _find_header(self, name: str, grid: list[list], sheet: schema.Sheet):
        lookup = {}
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
            self.add(sheet.name, name, f"no table header found in the first {schema.HEADER_SEARCH_ROWS} rows",
                     "a header row with " + ", ".join(c.header for c in sheet.required_columns))
            return None, {}
        cols: dict[str, int] = {}
        for c, v in enumerate(grid[best_row]):
            if not isinstance(v, str):
                continue
            key = lookup.get(normalise_header(v))
            if key is None:
                continue
            if key in cols:
                self.add(sheet.name, cell_ref(name, best_row, c), f'column "{v.strip()}" appears twice (first in column {col_letter(cols[key])})',
                         "keep one column per header")
                continue
            cols[key] = c
        return best_row, cols

    def parse(self, t: _Table, key: str) -> list:
        """Parse one column of a table: values, None for blank optional cells, INVALID for reported cells."""
        spec = t.sheet.column(key)
        locs = [t.cell(r, key) for r in t.rows]
        return self.parse_cells(t.sheet.name, t.values(key), spec, locs)

    def parse_cells(self, sheet: str, values: list, spec, locs: Sequence[str]) -> list:
        label = _spec_label(spec)
        noun = _noun(spec)
        expected = f"{label} expects {noun}"
        out: list = []
        s = pd.Series(values, dtype=object)
        kind = spec.kind
        if kind in (schema.NUMBER, schema.INTEGER, schema.CURRENCY, schema.PERCENT):
            nums = parse_numbers(s, money=kind == schema.CURRENCY)
            for i, raw in enumerate(values):
                where = locs[i]
                if nums.error[i]:
                    self.add(sheet, where, f"shows the error {nums.error_of(i)}", expected)
                elif nums.bad[i]:
                    if hasattr(raw, "isoformat"):
                        self.add(sheet, where, f"{show_value(raw)} is a date, not a number", expected)
                    else:
                        self.add(sheet, where, f"{show_value(raw)} is not a number", expected)
                elif nums.ambiguous[i]:
                    self.add(sheet, where, f"{show_value(raw)} is ambiguous: is the point a decimal point or a thousands separator?",
                             "write it without a thousands separator, e.g. 1200 or 1.2")
                elif nums.blank[i]:
                    if spec.required:
                        self.add(sheet, where, f"{label} is blank", f"{noun} is required")
                        out.append(INVALID)
                        continue
                    out.append(None)
                    continue
                else:
                    v = float(nums.values[i])
                    problem = self._check_number(v, raw, spec, noun, label)
                    if problem:
                        self.add(sheet, where, *problem)
                    else:
                        out.append(int(round(v)) if kind == schema.INTEGER else v)
                        continue
                out.append(INVALID)
            return out
        if kind == schema.BOOL:
            fl = parse_flags(s)
            for i, raw in enumerate(values):
                if fl.error[i]:
                    self.add(sheet, locs[i], f"shows the error {error_text(raw)}", expected)
                    out.append(INVALID)
                elif fl.bad[i]:
                    self.add(sheet, locs[i], f"{show_value(raw)} is not Yes or No", expected)
                    out.append(INVALID)
                elif fl.blank[i]:
                    if spec.required:
                        self.add(sheet, locs[i], f"{label} is blank", f"{noun} is required")
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
                self.add(sheet, locs[i], f"shows the error {error_text(raw)}", expected)
                out.append(INVALID)
            elif texts.blank[i]:
                if spec.required:
                    self.add(sheet, locs[i], f"{label} is blank", f"{noun} is required")
                    out.append(INVALID)
                else:
                    out.append(None)
            elif kind == schema.CHOICE:
                v = choices.get(normalise_choice(texts.values.iat[i]))
                if v is None:
                    self.add(sheet, locs[i], f'"{texts.values.iat[i]}" is not one of the choices', expected)
                    out.append(INVALID)
                else:
                    out.append(spec.enum(v) if spec.enum is not None else v)
            else:
                out.append(texts.values.iat[i])
        return out

    def _check_number(self, v: float, raw, spec, noun: str, label: str):
        pct = spec.kind == schema.PERCENT
        # a number typed without a % sign (30, or the text "30"), as opposed to 30% / "30%"
        typed_number = (isinstance(raw, (int, float)) and not isinstance(raw, bool)) or (isinstance(raw, str) and "%" not in raw)
        shown = fmt_percent(v) if pct else (f"{v:.10g}" if spec.kind == schema.INTEGER else fmt_number(v))
        lo, hi = spec.minimum, spec.maximum
        rng = f"{label} expects {noun} {_range_text(spec)}" if (lo is not None or hi is not None) else f"{label} expects {noun}"
        if pct and typed_number and hi is not None and v > hi and 1 < v <= 100:
            return (f"{fmt_number(v)} is not a percentage",
                    f"{label} expects {noun} {_range_text(spec)}: type {fmt_number(v)}% or {v / 100:g}")
        if spec.kind == schema.INTEGER and v != int(v):
            return (f"{shown} is not a whole number", f"{label} expects {noun}")
        if lo is not None and v < lo:
            if lo == 0:
                return (f"{shown} is negative", f"{label} expects {noun}, 0 or more")
            return (f"{shown} is below {_bound(spec, lo)}", rng)
        if hi is not None and v > hi:
            return (f"{shown} is more than the largest plausible value {_bound(spec, hi)}", rng)
        return None

    def unique(self, t: _Table, key: str, names: list, what: str) -> None:
        """Names of a column must be unique (ignoring case and surrounding spaces)."""
        first: dict[str, int] = {}
        for r, v in zip(t.rows, names):
            if not isinstance(v, str):
                continue
            k = v.casefold()
            if k in first:
                self.add(t.sheet.name, t.cell(r, key), f'{what} "{v}" appears again', f"first on row {first[k] + 1}; names must be unique")
            else:
                first[k] = r

    def ref(self, t: _Table, key: str, values: list, known: Mapping[str, str], target: str) -> list:
        """Resolve references to names on another sheet (ignoring case); unknown ones reported."""
        if target not in self.parsed:
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
                self.add(t.sheet.name, t.cell(r, key), f'{what} "{v}" is not on the {target} sheet', f"one of {listing}")
                out.append(INVALID)
            else:
                out.append(hit)
        return out

    def count_rows(self, t: _Table, noun: str, nouns: str) -> bool:
        n = len(t.rows)
        sheet = t.sheet
        lo, hi = sheet.min_rows, sheet.max_rows
        if hi is not None and (n < lo or n > hi):
            listed = f"no {nouns} listed" if n == 0 else f"{plural(n, noun, nouns)} listed"
            self.add(sheet.name, t.name, listed, f"TierPlan plans with {lo} to {hi} {nouns}")
            return False
        if n < lo:
            self.add(sheet.name, t.name, f"no {nouns} listed", f"at least {plural(lo, noun, nouns)} needed")
            return False
        return True

    # ------------------------------------------------------------ Finance

    def finance(self, grid: list[list] | None) -> dict | None:
        if grid is None:
            return None
        sheet = schema.FINANCE
        name = self.names.get(sheet.name, sheet.name)
        labels = {}
        for s in sheet.settings:
            labels.setdefault(normalise_header(s.label), s)
            labels.setdefault(normalise_header(s.key), s)
            labels.setdefault(normalise_header(s.name), s)
        value_col = None
        setting_col = None
        header_row = -1
        for r in range(min(schema.HEADER_SEARCH_ROWS, len(grid))):
            heads = {normalise_header(v): c for c, v in enumerate(grid[r]) if isinstance(v, str)}
            if "value" in heads and "setting" in heads:
                value_col, setting_col = heads["value"], heads["setting"]
                header_row = r
                break
        found: dict[str, tuple[int, int]] = {}  # key -> (row, value column)
        start = header_row + 1 if value_col is not None else 0
        for r in range(start, len(grid)):
            row = grid[r]
            cands = [setting_col] if setting_col is not None else range(len(row))
            for c in cands:
                v = row[c] if c < len(row) else None
                if not isinstance(v, str):
                    continue
                s = labels.get(normalise_header(v))
                if s is None:
                    continue
                vc = value_col if value_col is not None else c + 1
                if s.key in found:
                    self.add(sheet.name, cell_ref(name, r, c), f'setting "{s.label}" appears again',
                             f"first on row {found[s.key][0] + 1}; one row per setting")
                else:
                    found[s.key] = (r, vc)
                break
        values: dict[str, object] = {}
        for s in sheet.settings:
            if s.key not in found:
                if s.required:
                    self.add(sheet.name, name, f'setting "{s.label}" is missing', f'a row "{s.label}" with its value in the Value column')
                    values[s.key] = INVALID
                else:
                    values[s.key] = None
                continue
            r, c = found[s.key]
            raw = grid[r][c] if c < len(grid[r]) else None
            v = self.parse_cells(sheet.name, [raw], s, [cell_ref(name, r, c)])[0]
            if s.key == "currency" and isinstance(v, str):
                if not re.fullmatch(r"[A-Za-z]{3}", v):
                    self.add(sheet.name, cell_ref(name, r, c), f'"{v}" is not a currency code', "Currency expects a three-letter ISO code such as USD, EUR or GBP")
                    v = INVALID
                else:
                    v = v.upper()
            values[s.key] = v
        values["_cells"] = {k: cell_ref(name, r, c) for k, (r, c) in found.items()}
        return values

    def finance_refs(self, values: dict | None, tiers: list[Tier]) -> Finance | None:
        if values is None:
            return None
        st = values.get("strategic_tier")
        if isinstance(st, str):
            lookup = {n.casefold(): n for n in self._typed_tiers()}
            if lookup and st.casefold() not in lookup:
                self.add(schema.FINANCE.name, values["_cells"]["strategic_tier"], f'tier "{st}" is not on the Tiers sheet',
                         "one of " + ", ".join(self._typed_tiers()))
                values["strategic_tier"] = INVALID
            elif lookup:
                values["strategic_tier"] = lookup[st.casefold()]
        if any(v is INVALID for k, v in values.items() if k != "_cells"):
            return None
        kw = {k: v for k, v in values.items() if k != "_cells" and v is not None}
        return Finance(**kw)

    # ------------------------------------------------------------ Tiers

    def tiers(self, t: _Table | None) -> list[Tier]:
        if t is None:
            return []
        cols = {c.key: self.parse(t, c.key) for c in t.sheet.input_columns if c.key in t.cols}
        names = cols["name"]
        self._tier_names = [n for n in names if isinstance(n, str)]
        self.unique(t, "name", names, "tier")
        ok_count = self.count_rows(t, "tier", "tiers")
        out: list[Tier] = []
        valid = True
        for i, r in enumerate(t.rows):
            row = {k: v[i] for k, v in cols.items()}
            lo, hi = row["band_min"], row["band_max"]
            if isinstance(lo, float) and isinstance(hi, float) and lo > hi:
                self.add("Tiers", t.cell(r, "band_min"), f"band min {fmt_percent(lo)} is greater than band max {fmt_percent(hi)}",
                         "band min <= band max")
                valid = False
                continue
            if any(v is INVALID for v in row.values()):
                valid = False
                continue
            if row["name"].casefold() in {x.name.casefold() for x in out}:
                valid = False
                continue
            out.append(Tier(name=row["name"], rank=len(out), engagement=row["engagement"], band_basis=row["band_basis"],
                            band_min=row["band_min"], band_max=row["band_max"], max_cost_share=row.get("max_cost_share"),
                            description=row.get("description") or ""))
        if valid and ok_count and out:
            bases = {tr.band_basis for tr in out}
            for basis in schema.BAND_BASES:
                group = [tr for tr in out if tr.band_basis == basis]
                if not group:
                    continue
                what = "ARR" if basis == "ARR" else "account-count"
                whole = "ARR" if basis == "ARR" else "accounts"
                total_min = sum(tr.band_min for tr in group)
                total_max = sum(tr.band_max for tr in group)
                if total_min > 1 + 1e-9:
                    self.add("Tiers", t.name, f"the {what} band minimums add up to {fmt_percent(round(total_min, 10))}",
                             "together they can be at most 100%")
                if len(bases) == 1 and total_max < 1 - 1e-9:
                    self.add("Tiers", t.name, f"the {what} band maximums add up to {fmt_percent(round(total_max, 10))}",
                             f"together they must cover 100% of {whole}")
        return out

    # ------------------------------------------------------------ Roles

    def roles(self, t: _Table | None) -> dict[str, Role]:
        if t is None:
            return {}
        cols = {c.key: self.parse(t, c.key) for c in t.sheet.input_columns if c.key in t.cols}
        self.unique(t, "name", cols["name"], "role")
        self.count_rows(t, "role", "roles")
        out: dict[str, Role] = {}
        names_seen = set()
        for i, r in enumerate(t.rows):
            row = {k: v[i] for k, v in cols.items()}
            name, staffing = row["name"], row["staffing"]
            if isinstance(name, str):
                names_seen.add(name)
            if staffing == Staffing.NAMED and row.get("max_accounts") is None:
                self.add("Roles", t.cell(r, "max_accounts"), f'Named role "{name}" has no Max accounts per person',
                         "a Named role carries a book of accounts: how many can one person own?")
                continue
            cost, hours = row["loaded_cost"], row["productive_hours"]
            if staffing in (Staffing.NAMED, Staffing.POOLED) and isinstance(cost, float) and isinstance(hours, float) and cost > 0 and hours == 0:
                self.add("Roles", t.cell(r, "productive_hours"), f'role "{name}" costs {fmt_number(cost)} a year but has 0 productive hours',
                         "Productive hours per year must be more than 0 unless the role is Automated")
                continue
            if any(v is INVALID for v in row.values()):
                continue
            if name.casefold() in {n.casefold() for n in out}:
                continue
            out[name] = Role(name=name, staffing=staffing, loaded_cost=cost, productive_hours=hours, max_accounts=row.get("max_accounts"))
        self._role_names = names_seen
        return out

    # ------------------------------------------------------------ Services

    def services(self, t: _Table | None, roles: dict[str, Role]) -> dict[str, Service]:
        if t is None:
            return {}
        cols = {c.key: self.parse(t, c.key) for c in t.sheet.input_columns if c.key in t.cols}
        self.unique(t, "name", cols["name"], "service")
        if not t.rows:
            self.add("Services", t.name, "the service catalog is empty", "list at least one service")
        known_roles = self._known("Roles", roles)
        cols["role"] = self.ref(t, "role", cols["role"], known_roles, "Roles")
        out: dict[str, Service] = {}
        self._service_names = {v for v in cols["name"] if isinstance(v, str)}
        for i, r in enumerate(t.rows):
            row = {k: v[i] for k, v in cols.items()}
            if any(v is INVALID for v in row.values()) or row["role"] not in roles:
                continue
            if row["name"].casefold() in {n.casefold() for n in out}:
                continue
            out[row["name"]] = Service(name=row["name"], definition=row.get("definition") or "", role=row["role"],
                                       direct_cost=row["direct_cost"], mandatory=row["mandatory"], impact=row["impact"],
                                       decay=row["decay"], keep_order=row["keep_order"])
        return out

    def _typed_tiers(self) -> dict[str, str]:
        return {n: n for n in getattr(self, "_tier_names", [])}

    def _known(self, sheet: str, parsed: Mapping[str, object]) -> dict[str, str]:
        """Names on a sheet that references may use: every name typed there, valid row or not."""
        names = {"Roles": getattr(self, "_role_names", set()), "Services": getattr(self, "_service_names", set())}.get(sheet, set())
        out = {n: n for n in parsed}
        for n in names:
            out.setdefault(n, n)
        return out

    # ------------------------------------------------------------ Intervals

    def intervals(self, t: _Table | None, tiers: list[Tier], roles: dict[str, Role], services: dict[str, Service]) -> list[Interval]:
        if t is None:
            return []
        cols = {c.key: self.parse(t, c.key) for c in t.sheet.input_columns if c.key in t.cols}
        cols["service"] = self.ref(t, "service", cols["service"], self._known("Services", services), "Services")
        tier_names = self._typed_tiers()
        if tier_names:
            cols["tier"] = self.ref(t, "tier", cols["tier"], tier_names, "Tiers")
        if "role" in cols:
            cols["role"] = self.ref(t, "role", cols["role"], self._known("Roles", roles), "Roles")
        if services or schema.SERVICES.name not in self.parsed:
            self.count_rows(t, "interval row", "interval rows")
        out: list[Interval] = []
        first: dict[tuple, int] = {}
        unresolved = False
        for i, r in enumerate(t.rows):
            row = {k: v[i] for k, v in cols.items()}
            s, tr = row["service"], row["tier"]
            unresolved |= not (isinstance(s, str) and isinstance(tr, str))
            if isinstance(s, str) and isinstance(tr, str):
                k = (s.casefold(), tr.casefold())
                if k in first:
                    self.add("Intervals", t.cell(r, "service"), f'service "{s}" in tier "{tr}" appears again',
                             f"first on row {first[k] + 1}; one row per service and tier")
                    continue
                first[k] = r
            mn, ng, mx = row["minimum"], row["negotiated"], row["maximum"]
            bad_order = False
            if isinstance(mn, float) and isinstance(ng, float) and mn > ng:
                self.add("Intervals", t.cell(r, "negotiated"), f"minimum {fmt_number(mn)} is greater than negotiated {fmt_number(ng)}",
                         "minimum <= negotiated <= maximum")
                bad_order = True
            if isinstance(ng, float) and isinstance(mx, float) and ng > mx:
                self.add("Intervals", t.cell(r, "negotiated"), f"negotiated {fmt_number(ng)} is greater than maximum {fmt_number(mx)}",
                         "minimum <= negotiated <= maximum")
                bad_order = True
            elif isinstance(mn, float) and isinstance(mx, float) and mn > mx and not bad_order:
                self.add("Intervals", t.cell(r, "minimum"), f"minimum {fmt_number(mn)} is greater than maximum {fmt_number(mx)}",
                         "minimum <= negotiated <= maximum")
                bad_order = True
            if bad_order or any(v is INVALID for v in row.values()):
                continue
            if s not in services or tr not in tier_names:
                continue
            role = row.get("role") or services[s].role
            if role not in roles:
                continue
            out.append(Interval(service=s, tier=tr, role=role, hours=row["hours"], minimum=mn, negotiated=ng, maximum=mx))
        # every service needs a row per tier
        if tiers and services and t.rows and not unresolved:
            have = {(s.casefold(), tr.casefold()) for s, tr in first}
            svc_names = list(services)
            tier_list = [tr.name for tr in tiers]
            for tn in tier_list:
                if not any((s.casefold(), tn.casefold()) in have for s in svc_names):
                    self.add("Intervals", t.name, f'tier "{tn}" has no rows',
                             f"add a row for each of the {plural(len(svc_names), 'service')} in tier {tn}; enter 0 per year if it gets none")
            for s in svc_names:
                if not any((s.casefold(), tn.casefold()) in have for tn in tier_list):
                    self.add("Intervals", t.name, f'service "{s}" has no rows',
                             "add a row for it in each tier; enter 0 per year where a tier gets none")
            for s in svc_names:
                covered = [tn for tn in tier_list if (s.casefold(), tn.casefold()) in have]
                if not covered:
                    continue
                for tn in tier_list:
                    if (s.casefold(), tn.casefold()) not in have and any((x.casefold(), tn.casefold()) in have for x in svc_names):
                        self.add("Intervals", t.name, f'no row for service "{s}" in tier "{tn}"',
                                 "every service needs a row per tier; enter 0 per year if the tier gets none")
        return out

    # ------------------------------------------------------------ SLAs

    def slas(self, t: _Table | None, tiers: list[Tier], roles: dict[str, Role]) -> list[SLA]:
        if t is None:
            return []
        cols = {c.key: self.parse(t, c.key) for c in t.sheet.input_columns if c.key in t.cols}
        if self._typed_tiers():
            cols["tier"] = self.ref(t, "tier", cols["tier"], self._typed_tiers(), "Tiers")
        cols["role"] = self.ref(t, "role", cols["role"], self._known("Roles", roles), "Roles")
        self.count_rows(t, "SLA row", "SLA rows")
        out = []
        first: dict[tuple, int] = {}
        for i, r in enumerate(t.rows):
            row = {k: v[i] for k, v in cols.items()}
            key = (row["tier"], row["severity"], row["channel"])
            if all(isinstance(x, str) for x in key):
                k = tuple(x.casefold() for x in key)
                if k in first:
                    self.add("SLAs", t.cell(r, "tier"),
                             f'tier "{key[0]}", severity {key[1]}, channel {key[2]} appears again',
                             f"first on row {first[k] + 1}; one row per tier, severity and channel")
                    continue
                first[k] = r
            if any(v is INVALID for v in row.values()) or row["role"] not in roles:
                continue
            out.append(SLA(tier=row["tier"], severity=row["severity"], channel=row["channel"],
                           target_seconds=row["target"] * row["target_unit"].seconds,
                           tickets_per_account_month=row["tickets"], handle_minutes=row["handle_minutes"],
                           service_level=row["service_level"], role=row["role"]))
        # A tier without SLA rows is legitimate (a purely digital tier) but gets no support staffing: say so.
        named = {v.casefold() for v in cols.get("tier", ()) if isinstance(v, str)}
        for tier in tiers:
            if tier.name.casefold() not in named:
                self.notes.append(Problem("SLAs", f"no support commitments for {tier.name}",
                                          "its accounts get no support staffing in the plan; add rows for each severity if they should"))
        return out

    # ------------------------------------------------------------ Scoring

    def scoring_rows(self, t: _Table | None) -> list[dict]:
        if t is None:
            return []
        cols = {c.key: self.parse(t, c.key) for c in t.sheet.input_columns if c.key in t.cols}
        self.count_rows(t, "scoring rule", "scoring rules")
        rows = [dict({k: v[i] for k, v in cols.items()}, _row=r) for i, r in enumerate(t.rows)]
        weights = [row["weight"] for row in rows]
        if rows and all(isinstance(w, float) for w in weights) and all(w == 0 for w in weights):
            self.add("Scoring", t.name, "every weight is 0", "give at least one signal a weight above 0")
        return rows

    def scoring_refs(self, t: _Table | None, rows: list[dict], accounts: pd.DataFrame | None) -> list[ScoringRule]:
        out = []
        text_keys = ("account_id", "name", "industry", "region", "product", "previous_tier", "locked_tier", "lock_reason")
        where_accounts = self.accounts_name
        for row in rows:
            col = row["column"]
            if not isinstance(col, str) or accounts is None:
                continue
            name = account_column_for(col, accounts.columns)
            if name is None:
                extra = [c for c in accounts.columns if c not in ACCOUNT_FIXED_COLUMNS]
                usable = ["ARR", "Employees", "Previous score"] + extra
                listing = ", ".join(usable[:12]) + (", ..." if len(usable) > 12 else "")
                self.add("Scoring", t.cell(row["_row"], "column"), f'account column "{col}" is not in {where_accounts}',
                         f"Account column expects a number column of {where_accounts}, such as {listing}")
                continue
            if name in text_keys:
                self.add("Scoring", t.cell(row["_row"], "column"), f'account column "{col}" holds text, not numbers',
                         "a scoring signal must be a number column")
                continue
            row["_name"] = name
        for row in rows:
            if any(v is INVALID for v in row.values()) or "_name" not in row:
                continue
            out.append(ScoringRule(pillar=row["pillar"], column=row["_name"], weight=row["weight"],
                                   direction=row["direction"].sign, header=row["column"]))
        return out

    # ------------------------------------------------------------ Accounts

    @property
    def accounts_name(self) -> str:
        if self.accounts_raw is not None:
            return self.accounts_raw.attrs.get("source", "the accounts file")
        return "the Accounts sheet"

    def accounts(self, grid: list[list] | None, tiers: list[Tier], scoring_columns: list[str]) -> pd.DataFrame | None:
        tier_names = [t.name for t in tiers]
        if self.accounts_raw is not None:
            raw = self.accounts_raw
            name = raw.attrs.get("source", "accounts file")
            where = FileLocator(name, first=1, unit="record") if raw.attrs.get("kind") == "parquet" else FileLocator(name)
        else:
            if grid is None:
                return None
            got = self._accounts_grid(grid)
            if got is None:
                return None
            raw, where = got
        frame, problems, notes = clean_accounts(raw, where, tier_names, scoring_columns=scoring_columns)
        self.by_sheet["Accounts"].extend(problems)
        self.notes.extend(notes)
        return None if problems else frame

    def _accounts_grid(self, grid: list[list]):
        sheet = schema.ACCOUNTS
        name = self.names.get(sheet.name, sheet.name)
        header_row, cols = self._find_header(name, grid, sheet)
        if header_row is None:
            return None
        header = grid[header_row]
        headers: dict[str, int] = {}
        seen: dict[str, int] = {}
        for c, v in enumerate(header):
            if _blank(v) or not isinstance(v, (str, int, float)):
                continue
            text = str(v).strip()
            k = normalise_header(text)
            if not k:
                continue
            if k in seen:
                self.add(sheet.name, cell_ref(name, header_row, c), f'column "{text}" appears twice (first in column {col_letter(seen[k])})',
                         "keep one column per header")
                continue
            seen[k] = c
            headers[text] = c
        body = grid[header_row + 1:]
        width = len(header)
        if not body:
            block = np.empty((0, width), dtype=object)
        else:
            block = np.array(body, dtype=object)
            if block.ndim != 2:
                block = np.array([list(r) + [None] * (width - len(r)) for r in body], dtype=object)
        use = list(headers.values())
        sub = block[:, use] if len(use) else block[:, :0]
        sub[sub == ""] = None  # calamine's empty cell; a blank is None from here on
        filled = ~pd.isna(sub)
        keep = np.flatnonzero(filled.any(axis=1)) if sub.shape[1] else np.array([], int)
        if len(keep) < len(sub):
            sub = sub[keep]
        raw = pd.DataFrame({h: pd.Series(sub[:, j], dtype=object) for j, h in enumerate(headers)})
        where = SheetLocator(name, header_row + 1, keep + header_row + 2, dict(headers))
        return raw, where


_WHERE_RE = re.compile(r"^.*?!([A-Z]+)(\d+)$")
_ROW_RE = re.compile(r"^.* row (\d+)$")


def _in_cell_order(sheet: str, problems: list[Problem]) -> list[Problem]:
    """Problems of a table sheet top to bottom, left to right; sheet-wide ones last.

    The Accounts problems keep their order (grouped by kind, each group capped).
    """
    if sheet == schema.ACCOUNTS.name:
        return problems

    def key(p: Problem):
        m = _WHERE_RE.match(p.where)
        if m:
            return (0, int(m.group(2)), _col_index(m.group(1)))
        m = _ROW_RE.match(p.where)
        if m:
            return (0, int(m.group(1)), -1)
        return (1, 0, 0)

    return sorted(problems, key=key)


def _rectangular(grid: list[list]) -> list[list]:
    """Rows padded to one width (xlwings and hand-built grids may be ragged); None for empty cells."""
    if not grid:
        return []
    widths = set(map(len, grid))
    if len(widths) == 1:
        return grid
    width = max(widths)
    return [list(r) + [None] * (width - len(r)) for r in grid]
