"""The CRM accounts export: reading CSV/Parquet files and cleaning the table.

The Accounts sheet of the workbook and a ``--accounts`` CSV or Parquet file go
through the same :func:`clean_accounts`, so a messy export gets the same
treatment whichever way it arrives. Cleaning works on whole columns
(pyarrow compute and numpy); Python only loops over the few bad rows it
reports.

What stops the run and what does not
------------------------------------
A problem is **fatal** (``UserInputError``, nothing is planned) when going on
would silently change money or the identity of an account, or ignore an
instruction the user wrote:

- ARR blank, not a number, an error value, negative, implausibly large, or
  written ambiguously (see "Numbers written as text" below);
- account ID blank or repeated;
- a locked tier that is not a tier, or a locked tier without a lock reason;
- a strategic or churn-risk flag that is not yes/no;
- a required column (Account ID, Account name, ARR) missing.

A problem is a **note** (``PlanInputs.notes``; the run goes on) when the
segmentation has a documented fallback, i.e. the value is a data gap:

- text or an error value in a numeric signal column (Employees, Previous
  score, any column the Scoring sheet uses): the value becomes missing and the
  segmentation re-weights the pillar and lists the account in its data gaps;
- a previous tier that is no longer a tier: the account is treated as new;
- a blank account name: the account ID is shown instead;
- employees or previous score outside their sensible range: treated as missing.

Per-row problems of one kind in one column are reported for the first
``MAX_ROW_PROBLEMS`` rows, then as one line "... and N more rows with the same
problem", so a broken million-row file does not print a million lines.

Numbers written as text
-----------------------
Cells that hold real numbers are taken as they are. Text is read like this:

- currency symbols and ISO codes around the number are dropped
  ("$12,000", "USD 12000", "12000 EUR", "US$ 1,200.50", "€ 1.200,00");
  spaces and apostrophes inside a number are thousands separators
  ("1 200", "1'200"); "(1,200)" and "-1,200" are negative;
- "12%" is 0.12; "12k" is 12,000, "1.5m" is 1,500,000, "2bn" is 2,000,000,000;
- blanks and "-", "n/a", "na", "none", "null", "nan" are blank;
- thousands separators and decimal marks: a value that can only be read one
  way is read that way ("1,234.50", "1.234,50", "12,5", "0.75"). A value that
  could be read both ways ("12,000", "1.200") follows the column: if the
  column's other values show only one style (US: comma thousands, point
  decimal; European: point thousands, comma decimal), that style is used.
  Otherwise a comma followed by three digits is a thousands separator
  ("12,000" is twelve thousand, the style CRM exports use), and a point
  followed by three digits is a decimal point in a signal column but is
  rejected as ambiguous in a money column such as ARR ("1.200": write 1200 or
  1.2). In a column that shows both styles, every value that could be read
  both ways is rejected as ambiguous.

Row locations
-------------
On the Accounts sheet a cell is ``Accounts!C17`` (sheet row numbers). In a
CSV file a row is ``accounts.csv row 17``, counting the header as row 1 as a
spreadsheet shows it, so the first account is row 2. In a Parquet file a
record is ``accounts.parquet record 17`` (the first account is record 1).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from planner import schema
from planner.errors import Problem, UserInputError, col_letter
from planner.inputs import ACCOUNT_FIXED_COLUMNS

MAX_ROW_PROBLEMS = 20  # per column and kind of problem; the rest is one summary line
NOTE_ROWS_SHOWN = 5  # rows named in a note before "and N more"

ERROR_VALUES = (
    "#DIV/0!", "#REF!", "#N/A", "#VALUE!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!",
    "#CALC!", "#GETTING_DATA", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!",
)
BLANK_TOKENS = ("", "-", "--", "n/a", "na", "none", "null", "nan", "nil")
TRUE_TOKENS = ("yes", "y", "true", "t", "1", "1.0", "x")
FALSE_TOKENS = ("no", "n", "false", "f", "0", "0.0")

ACCOUNT_TEXT_KEYS = ("account_id", "name", "industry", "region", "product", "previous_tier", "locked_tier", "lock_reason")


# ----------------------------------------------------------------- small helpers


def normalise_header(text: object) -> str:
    """Header text as compared: case, spaces, punctuation and a trailing "(unit)" ignored."""
    if text is None:
        return ""
    s = str(text).strip().lower()
    s = re.sub(r"\([^)]*\)\s*$", "", s) if not s.startswith("(") else s
    return re.sub(r"[^a-z0-9%]", "", s)


def normalise_choice(text: object) -> str:
    return re.sub(r"[^a-z0-9]", "", str(text).lower())


def fmt_number(v: float) -> str:
    """A number as a CFO reads it: 2,000,000 / 0.35 / -12.5."""
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return "blank"
    v = float(v)
    if np.isinf(v):
        return "infinity" if v > 0 else "-infinity"
    if abs(v) < 1e15 and v == int(v):
        return f"{int(v):,}"
    if abs(v) >= 1e15:
        return f"{v:.4g}"
    return f"{v:,.6g}" if abs(v) >= 1 else f"{v:.6g}"


def fmt_percent(v: float) -> str:
    return f"{float(v) * 100:.10g}%"


def show_value(v: object) -> str:
    """A raw cell value as it appears in a message: text quoted, numbers formatted."""
    if isinstance(v, str):
        return f'"{v.strip()}"'
    if isinstance(v, (bool, np.bool_)):
        return "TRUE" if v else "FALSE"
    if isinstance(v, (int, float, np.integer, np.floating)):
        return fmt_number(float(v))
    if hasattr(v, "isoformat"):
        return v.isoformat()[:10] if getattr(v, "hour", 0) == 0 and getattr(v, "minute", 0) == 0 else v.isoformat(sep=" ")
    return f'"{v}"'


def is_error_object(v: object) -> bool:
    """An Excel error delivered as an object (some calamine versions) rather than text."""
    return not isinstance(v, (str, int, float, bool)) and "error" in type(v).__name__.lower()


def error_text(v: object) -> str:
    s = str(v).strip()
    for e in ERROR_VALUES:
        if e.lower() in s.lower():
            return e
    return s or "#ERROR"


def plural(n: int, word: str, words: str | None = None) -> str:
    return f"{n:,} {word if n == 1 else (words or word + 's')}"


# ----------------------------------------------------------------- locations


class Locator:
    """Where rows and cells of an accounts table are, for messages."""

    source: str  # "Accounts" or "accounts.csv"

    def cell(self, i: int, header: str) -> str:  # pragma: no cover - interface
        raise NotImplementedError

    def row_label(self, i: int) -> str:  # "row 12" / "record 12"
        raise NotImplementedError

    def column(self, header: str) -> str:  # where a whole column is
        raise NotImplementedError

    def header_where(self) -> str:
        raise NotImplementedError

    def cells(self, idx: Sequence[int], header: str, limit: int = NOTE_ROWS_SHOWN) -> str:
        """``Accounts!H5, H9 and 12 more`` / ``accounts.csv rows 5, 9 and 12 more``."""
        raise NotImplementedError


@dataclass(frozen=True)
class SheetLocator(Locator):
    """Rows of the Accounts sheet: ``row_numbers[i]`` is the sheet row (1-based) of data row i."""

    sheet: str
    header_row: int  # 1-based
    row_numbers: np.ndarray
    column_index: dict  # header (as in the raw frame) -> 0-based column

    @property
    def source(self) -> str:  # type: ignore[override]
        return self.sheet

    def _col(self, header: str) -> str:
        return col_letter(self.column_index[header]) if header in self.column_index else "A"

    def cell(self, i: int, header: str) -> str:
        return f"{self.sheet}!{self._col(header)}{int(self.row_numbers[i])}"

    def row_label(self, i: int) -> str:
        return f"row {int(self.row_numbers[i])}"

    def column(self, header: str) -> str:
        c = self._col(header)
        return f"{self.sheet}!{c}:{c}"

    def header_where(self) -> str:
        return f"{self.sheet} row {self.header_row}"

    def cells(self, idx: Sequence[int], header: str, limit: int = NOTE_ROWS_SHOWN) -> str:
        c = self._col(header)
        shown = [f"{c}{int(self.row_numbers[i])}" for i in idx[:limit]]
        more = len(idx) - len(shown)
        text = f"{self.sheet}!" + ", ".join(shown)
        return text + (f" and {more:,} more" if more else "")


@dataclass(frozen=True)
class FileLocator(Locator):
    """Rows of a CSV (header is row 1) or records of a Parquet file (first is record 1)."""

    name: str
    first: int = 2  # number of the first data row
    unit: str = "row"

    @property
    def source(self) -> str:  # type: ignore[override]
        return self.name

    def cell(self, i: int, header: str) -> str:
        return f"{self.name} {self.unit} {i + self.first}"

    def row_label(self, i: int) -> str:
        return f"{self.unit} {i + self.first}"

    def column(self, header: str) -> str:
        return f"{self.name} column {header}"

    def header_where(self) -> str:
        return f"{self.name} row 1" if self.unit == "row" else f"{self.name} columns"

    def cells(self, idx: Sequence[int], header: str, limit: int = NOTE_ROWS_SHOWN) -> str:
        shown = [str(int(i) + self.first) for i in idx[:limit]]
        more = len(idx) - len(shown)
        word = self.unit if len(idx) == 1 else self.unit + "s"
        return f"{self.name} {word} " + ", ".join(shown) + (f" and {more:,} more" if more else "")


def report_rows_capped(
    problems: list[Problem],
    where: Locator,
    header: str,
    idx: np.ndarray,
    message: Callable[[int], str],
    expected: str | Callable[[int], str],
    summary_expected: str = "",
) -> None:
    """One problem per row for the first MAX_ROW_PROBLEMS rows, then one summary line."""
    idx = np.asarray(idx)
    exp = expected if callable(expected) else (lambda i: expected)
    for i in idx[:MAX_ROW_PROBLEMS]:
        problems.append(Problem(where.cell(int(i), header), message(int(i)), exp(int(i))))
    rest = len(idx) - MAX_ROW_PROBLEMS
    if rest > 0:
        summary = expected if isinstance(expected, str) else summary_expected
        problems.append(Problem(where.column(header), f"... and {rest:,} more rows with the same problem", summary))


# ----------------------------------------------------------------- parsing whole columns

_CUR_SYMBOLS = "$€£¥₹"
_RE_PLAIN = r"^[+-]?(\d+|\d*\.\d+)([eE][+-]?\d+)?$"  # what a float parser reads as it is
_RE_DOT3 = r"^[+-]?\d{1,3}\.\d{3}$"
_RE_US = r"^(\d{1,3}(,\d{3})+|\d+)(\.\d+)?$|^\.\d+$"
_RE_EU = r"^(\d{1,3}(\.\d{3})+|\d+)(,\d+)?$|^,\d+$"


@dataclass
class Numbers:
    """A column parsed as numbers. Masks are positional numpy bool arrays."""

    values: np.ndarray  # float64; NaN where blank or unreadable
    blank: np.ndarray
    bad: np.ndarray  # text, dates or flags where a number belongs
    error: np.ndarray  # an Excel error value (#DIV/0!, #REF!, ...)
    ambiguous: np.ndarray  # "1.200": thousands or decimals?
    raw: pd.Series = field(repr=False)  # positional raw values, for messages

    def shown(self, i: int) -> str:
        return show_value(self.raw.iat[i])

    def error_of(self, i: int) -> str:
        return error_text(self.raw.iat[i])


def _types(s: pd.Series) -> pd.Series:
    return s.map(type)


_NUMBER_TYPES = [float, int, np.float64, np.int64, np.float32, np.int32]


def _classify(s: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Masks of an object column's cells: (blank, text, boolean, number, anything else)."""
    types = _types(s)
    na = s.isna().to_numpy()
    is_str = (types == str).to_numpy()
    is_bool = types.isin([bool, np.bool_]).to_numpy()
    is_num = types.isin(_NUMBER_TYPES).to_numpy() & ~na
    other = ~(na | is_str | is_bool | is_num)
    return na, is_str, is_bool, is_num, other


def _object_kind(s: pd.Series) -> str:
    """"numbers", "strings" or "mixed" for an object column (one C-level scan), "" otherwise.

    Blank cells may be None or NaN; a column of only blanks counts as numbers.
    """
    if s.dtype != object:
        return ""
    kind = pd.api.types.infer_dtype(s, skipna=True)
    if kind in ("floating", "integer", "mixed-integer-float", "empty"):
        return "numbers"
    if kind == "string":
        return "strings"
    return "mixed"


def _errors(t: pa.Array) -> np.ndarray:
    """Cells holding an Excel error value ("#DIV/0!"); only cells starting with '#' are looked at."""
    hash_ = np.asarray(pc.fill_null(pc.starts_with(t, "#"), False))
    out = np.zeros(len(t), bool)
    if hash_.any():
        sub = pc.filter(t, pa.array(hash_))
        out[hash_] = np.asarray(pc.fill_null(pc.is_in(pc.utf8_upper(sub), pa.array(ERROR_VALUES)), False))
    return out


def _blank_and_error(t: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Blank cells (null, empty, "-", "n/a"...) and error values of trimmed text; digits-free cells only are looked at."""
    blank = np.asarray(pc.is_null(t)) | np.asarray(pc.fill_null(pc.equal(t, ""), False))
    cand = ~np.asarray(pc.fill_null(pc.match_substring_regex(t, r"\d"), True)) & ~blank
    if cand.any():
        sub = pc.filter(t, pa.array(cand))
        blank[cand] = np.asarray(pc.fill_null(pc.is_in(pc.utf8_lower(sub), pa.array(BLANK_TOKENS)), False))
    return blank, _errors(t)


def _lookup_small(arr: pa.Array, fn):
    """Apply ``fn`` (pyarrow array -> numpy array) to the distinct values of a low-cardinality column, then spread back."""
    enc = pc.dictionary_encode(arr)
    if isinstance(enc, pa.ChunkedArray):
        enc = enc.combine_chunks()
    res = np.asarray(fn(enc.dictionary))
    idx = enc.indices
    valid = np.asarray(pc.is_valid(idx))
    out = np.empty(len(arr), dtype=res.dtype)
    out[valid] = res[np.asarray(pc.fill_null(idx, 0))[valid]] if len(res) else out[valid]
    return out, valid


def _parse_strings(arr: pa.Array, money: bool) -> dict[str, np.ndarray]:
    """Text -> numbers (whole array, pyarrow compute). See the module docstring for the rules."""
    n = len(arr)
    t = pc.utf8_trim_whitespace(arr)  # Unicode spaces too (no-break, thin)
    blank, error = _blank_and_error(t)
    values = np.full(n, np.nan)
    bad = np.zeros(n, bool)
    ambiguous = np.zeros(n, bool)
    todo = ~blank & ~error
    if not todo.any():
        return dict(values=values, blank=blank, bad=bad, error=error, ambiguous=ambiguous)

    # fast path: plain integers and decimals that cannot be thousands ("1234.5", not "1.234")
    plain = np.asarray(pc.fill_null(pc.match_substring_regex(t, _RE_PLAIN), False)) & todo
    has_dot = np.zeros(n, bool)
    if plain.any():
        has_dot = np.asarray(pc.fill_null(pc.match_substring(t, "."), False)) & plain
    is_dec = has_dot.copy()
    if has_dot.any():
        is_dec &= ~np.asarray(pc.fill_null(pc.match_substring_regex(t, _RE_DOT3), False))
    fast = (plain & ~has_dot) | is_dec
    if fast.any():
        values[fast] = np.asarray(pc.cast(pc.filter(t, pa.array(fast)), pa.float64()))
    rest = todo & ~fast
    if not rest.any():
        return dict(values=values, blank=blank, bad=bad, error=error, ambiguous=ambiguous)
    saw_us_fast = bool(is_dec.any())  # "1234.5" is US style (point as decimal mark)

    pos = np.flatnonzero(rest)
    x = pc.filter(t, pa.array(rest))
    neg = np.zeros(len(pos), bool)

    def take(pattern: str, repl: str, flag: np.ndarray | None = None):
        nonlocal x
        if flag is not None:
            flag |= np.asarray(pc.fill_null(pc.match_substring_regex(x, pattern), False))
        x = pc.replace_substring_regex(x, pattern, repl)

    # (1,200) accounting negatives
    take(r"^\((.*)\)$", r"\1", neg)
    take(r"^-\s*", "", neg)
    take(r"^\+\s*", "")
    # currency: "US$ 12", "$12", "USD 12", "USD12", "12 EUR", "12 €"
    sym = f"[{_CUR_SYMBOLS}]"
    take(rf"^(?:[A-Za-z]{{1,3}}\s*)?{sym}\s*", "")
    take(r"^[A-Za-z]{3}\s*([-+(\d.,])", r"\1")
    take(rf"\s*{sym}$", "")
    take(r"(\d)\s*[A-Za-z]{3}$", r"\1")
    take(r"^\((.*)\)$", r"\1", neg)
    take(r"^-\s*", "", neg)
    # percent and multipliers
    pct = np.zeros(len(pos), bool)
    take(r"\s*%$", "", pct)
    mult = np.ones(len(pos))
    for pattern, factor in ((r"(?i)(\d)\s*k$", 1e3), (r"(?i)(\d)\s*(?:m|mm|mn)$", 1e6), (r"(?i)(\d)\s*(?:b|bn)$", 1e9)):
        hit = np.asarray(pc.fill_null(pc.match_substring_regex(x, pattern), False))
        if hit.any():
            mult[hit] = factor
            x = pc.replace_substring_regex(x, pattern, r"\1")
    # spaces and apostrophes are thousands separators
    x = pc.replace_substring_regex(x, "[\\s'\u2019\u00a0\u202f]", "")

    us = np.asarray(pc.fill_null(pc.match_substring_regex(x, _RE_US), False))
    eu = np.asarray(pc.fill_null(pc.match_substring_regex(x, _RE_EU), False))
    has_sep = np.asarray(pc.fill_null(pc.match_substring_regex(x, r"[.,]"), False))
    us_only, eu_only = us & ~eu, eu & ~us
    both = us & eu & has_sep
    plain = us & eu & ~has_sep
    comma = np.asarray(pc.fill_null(pc.match_substring(x, ","), False))
    saw_us, saw_eu = bool(us_only.any()) or saw_us_fast, bool(eu_only.any())
    read_us = us_only | plain
    read_eu = eu_only.copy()
    amb = np.zeros(len(pos), bool)
    if both.any():
        if saw_us and not saw_eu:
            read_us |= both
        elif saw_eu and not saw_us:
            read_eu |= both
        elif saw_us and saw_eu:
            amb |= both
        else:
            read_us |= both & comma
            if money:
                amb |= both & ~comma
            else:
                read_us |= both & ~comma
    out = np.full(len(pos), np.nan)
    if read_us.any():
        out[read_us] = np.asarray(pc.cast(pc.replace_substring(pc.filter(x, pa.array(read_us)), ",", ""), pa.float64()))
    if read_eu.any():
        e = pc.replace_substring(pc.filter(x, pa.array(read_eu)), ".", "")
        out[read_eu] = np.asarray(pc.cast(pc.replace_substring(e, ",", "."), pa.float64()))
    out = np.where(neg, -out, out) * mult
    out = np.where(pct, out / 100.0, out)
    values[pos] = out
    bad[pos] = ~(read_us | read_eu | amb)
    ambiguous[pos] = amb
    return dict(values=values, blank=blank, bad=bad, error=error, ambiguous=ambiguous)


def parse_numbers(s: pd.Series, *, money: bool = False, flags_as_numbers: bool = False) -> Numbers:
    """Parse a whole column as numbers (see the module docstring for how text is read).

    ``flags_as_numbers``: TRUE/FALSE cells and yes/no text count as 1/0 (signal columns).
    """
    s = s.reset_index(drop=True)
    n = len(s)
    values = np.full(n, np.nan)
    blank = np.zeros(n, bool)
    bad = np.zeros(n, bool)
    error = np.zeros(n, bool)
    ambiguous = np.zeros(n, bool)
    res = Numbers(values, blank, bad, error, ambiguous, s)
    if n == 0:
        return res
    dt = s.dtype
    if pd.api.types.is_bool_dtype(dt):
        na = s.isna().to_numpy()
        blank[:] = na
        if flags_as_numbers:
            values[~na] = s[~na].astype(float).to_numpy()
        else:
            bad[:] = ~na
        return res
    if pd.api.types.is_numeric_dtype(dt):
        v = s.to_numpy(dtype=float, na_value=np.nan)
        values[:] = v
        blank[:] = np.isnan(v)
        inf = np.isinf(v)
        bad[:] = inf
        values[inf] = np.nan
        return res
    if pd.api.types.is_datetime64_any_dtype(dt) or isinstance(dt, pd.PeriodDtype):
        blank[:] = s.isna().to_numpy()
        bad[:] = ~blank
        return res
    kind = _object_kind(s)
    if kind == "numbers":  # floats/ints and blanks only (the usual spreadsheet column): one C-level conversion
        v = np.asarray(s.to_numpy(), dtype=float)
        values[:] = v
        blank[:] = np.isnan(v)
        inf = np.isinf(v)
        bad[:] = inf
        values[inf] = np.nan
        return res
    if kind == "strings":
        str_idx = np.arange(n)
        arr = pa.array(s.to_numpy(), type=pa.string(), from_pandas=True)
    elif dt == object:
        na, is_str, is_bool, is_num, other = _classify(s)
        blank |= na
        if is_num.any():
            v = s[is_num].astype(float).to_numpy()
            values[is_num] = v
            inf = np.isinf(v)
            if inf.any():
                idx = np.flatnonzero(is_num)[inf]
                bad[idx] = True
                values[idx] = np.nan
        if is_bool.any():
            if flags_as_numbers:
                values[is_bool] = s[is_bool].astype(float).to_numpy()
            else:
                bad |= is_bool
        if other.any():
            idx = np.flatnonzero(other)
            errs = np.array([is_error_object(s.iat[i]) for i in idx], bool)  # only the odd cells
            error[idx[errs]] = True
            bad[idx[~errs]] = True
        if not is_str.any():
            return res
        str_idx = np.flatnonzero(is_str)
        arr = pa.array(s[is_str].tolist(), type=pa.string())
    else:  # a string dtype (CSV via pyarrow, pandas "str")
        str_idx = np.arange(n)
        arr = pa.array(s, type=pa.string(), from_pandas=True)
    got = _parse_strings(arr, money)
    if flags_as_numbers and got["bad"].any():
        low = pc.utf8_lower(pc.utf8_trim_whitespace(arr))
        yes = np.asarray(pc.fill_null(pc.is_in(low, pa.array(TRUE_TOKENS)), False)) & got["bad"]
        no = np.asarray(pc.fill_null(pc.is_in(low, pa.array(FALSE_TOKENS)), False)) & got["bad"]
        got["values"][yes] = 1.0
        got["values"][no] = 0.0
        got["bad"] &= ~(yes | no)
    values[str_idx] = got["values"]
    blank[str_idx] = got["blank"]
    bad[str_idx] = got["bad"]
    error[str_idx] = got["error"]
    ambiguous[str_idx] = got["ambiguous"]
    return res


@dataclass
class Texts:
    values: pd.Series  # object: str, or None where blank
    blank: np.ndarray
    error: np.ndarray
    raw: pd.Series = field(repr=False)


def parse_texts(s: pd.Series) -> Texts:
    """A column as trimmed text; numbers typed in a text column become their digits (12 -> "12")."""
    s = s.reset_index(drop=True)
    n = len(s)
    blank = np.zeros(n, bool)
    error = np.zeros(n, bool)
    if n == 0:
        return Texts(pd.Series([], dtype=object), blank, error, s)
    dt = s.dtype
    kind = _object_kind(s)
    if kind == "strings":  # text and blanks only (the usual text column): pyarrow all the way
        t, b, e = _clean_text_array(pa.array(s.to_numpy(), type=pa.string(), from_pandas=True), keep_arrow=True)
        # stays Arrow-backed text: no Python string per cell is made
        return Texts(pc.if_else(pa.array(b | e), pa.scalar(None, pa.string()), t).to_pandas(), b, e, s)
    out = np.full(n, None, dtype=object)
    if dt == object:
        na, is_str, is_bool, is_num, other = _classify(s)
        blank |= na
        if is_num.any():
            out[is_num] = _numbers_as_text(s[is_num].astype(float).to_numpy())
        if is_bool.any():
            out[is_bool] = np.where(s[is_bool].astype(bool).to_numpy(), "TRUE", "FALSE")
        if other.any():
            idx = np.flatnonzero(other)
            errs = np.array([is_error_object(s.iat[i]) for i in idx], bool)
            error[idx[errs]] = True
            for i in idx[~errs]:  # dates typed into a text column: rare, few
                out[i] = show_value(s.iat[i])
        if is_str.any():
            idx = np.flatnonzero(is_str)
            arr = pa.array(s[is_str].tolist(), type=pa.string())
            t, b, e = _clean_text_array(arr)
            out[idx] = t
            blank[idx] = b
            error[idx] = e
    elif pd.api.types.is_numeric_dtype(dt) and not pd.api.types.is_bool_dtype(dt):
        v = s.to_numpy(dtype=float, na_value=np.nan)
        blank[:] = np.isnan(v)
        out[~blank] = _numbers_as_text(v[~blank])
    elif pd.api.types.is_bool_dtype(dt):
        na = s.isna().to_numpy()
        blank[:] = na
        out[~na] = np.where(s[~na].astype(bool).to_numpy(), "TRUE", "FALSE")
    else:
        if isinstance(dt, pd.StringDtype) or str(dt) in ("str", "string"):
            arr = pa.array(s, type=pa.string(), from_pandas=True)
        else:  # dates and other types: their text
            arr = pa.array(s.astype(str).where(s.notna(), None).astype(object), type=pa.string(), from_pandas=True)
        t, b, e = _clean_text_array(arr, keep_arrow=True)
        return Texts(pc.if_else(pa.array(b | e), pa.scalar(None, pa.string()), t).to_pandas(), b, e, s)
    out[blank | error] = None
    return Texts(pd.Series(out, dtype=object), blank, error, s)


def _numbers_as_text(v: np.ndarray) -> np.ndarray:
    res = np.empty(len(v), dtype=object)
    whole = np.isfinite(v) & (np.floor(v) == v) & (np.abs(v) < 1e15)
    if whole.any():
        res[whole] = v[whole].astype(np.int64).astype(str).astype(object)
    if (~whole).any():
        res[~whole] = [repr(float(x)) for x in v[~whole]]
    return res


def _clean_text_array(arr: pa.Array, keep_arrow: bool = False):
    t = pc.utf8_trim_whitespace(arr)
    blank = np.asarray(pc.fill_null(pc.equal(t, ""), True))
    error = _errors(t)
    if keep_arrow:
        return t, blank, error
    return np.asarray(t.to_numpy(zero_copy_only=False), dtype=object), blank, error


@dataclass
class Flags:
    values: np.ndarray  # bool; False where blank
    blank: np.ndarray
    bad: np.ndarray
    error: np.ndarray
    raw: pd.Series = field(repr=False)


def parse_flags(s: pd.Series) -> Flags:
    """Yes/No, Y/N, TRUE/FALSE, 1/0 (text, numbers or Excel booleans); blank is No."""
    s = s.reset_index(drop=True)
    n = len(s)
    values = np.zeros(n, bool)
    blank = np.zeros(n, bool)
    bad = np.zeros(n, bool)
    error = np.zeros(n, bool)
    res = Flags(values, blank, bad, error, s)
    if n == 0:
        return res
    dt = s.dtype
    if pd.api.types.is_bool_dtype(dt):
        na = s.isna().to_numpy()
        blank[:] = na
        values[~na] = s[~na].astype(bool).to_numpy()
        return res
    if _object_kind(s) == "strings":
        idx = np.arange(n)
        arr = pa.array(s.to_numpy(), type=pa.string(), from_pandas=True)
    elif dt == object:
        na, is_str, is_bool, is_num, other = _classify(s)
        blank |= na
        if is_bool.any():
            values[is_bool] = s[is_bool].astype(bool).to_numpy()
        if is_num.any():
            v = s[is_num].astype(float).to_numpy()
            idx = np.flatnonzero(is_num)
            values[idx] = v == 1
            bad[idx] = ~((v == 1) | (v == 0))
        if other.any():
            idx = np.flatnonzero(other)
            errs = np.array([is_error_object(s.iat[i]) for i in idx], bool)
            error[idx[errs]] = True
            bad[idx[~errs]] = True
        if not is_str.any():
            return res
        idx = np.flatnonzero(is_str)
        arr = pa.array(s[is_str].tolist(), type=pa.string())
    elif pd.api.types.is_numeric_dtype(dt):
        v = s.to_numpy(dtype=float, na_value=np.nan)
        blank[:] = np.isnan(v)
        values[:] = v == 1
        bad[:] = ~blank & ~((v == 1) | (v == 0))
        return res
    else:
        idx = np.arange(n)
        arr = pa.array(s, type=pa.string(), from_pandas=True)
    def classify(d: pa.Array) -> np.ndarray:  # on the few distinct values: 0 blank, 1 error, 2 yes, 3 no, 4 other
        t = pc.utf8_trim_whitespace(d)
        low = pc.utf8_lower(t)
        code = np.full(len(d), 4, np.int8)
        code[np.asarray(pc.fill_null(pc.is_in(low, pa.array(FALSE_TOKENS)), False))] = 3
        code[np.asarray(pc.fill_null(pc.is_in(low, pa.array(TRUE_TOKENS)), False))] = 2
        code[_errors(t)] = 1
        code[np.asarray(pc.fill_null(pc.is_in(low, pa.array(BLANK_TOKENS)), False))] = 0
        return code

    code, valid = _lookup_small(arr, classify)
    code[~valid] = 0
    b, e, yes, no = code == 0, code == 1, code == 2, code == 3
    values[idx] = yes
    blank[idx] = b
    error[idx] = e
    bad[idx] = ~(b | e | yes | no)
    return res


# ----------------------------------------------------------------- reading files


def read_accounts_file(path: Path | str) -> pd.DataFrame:
    """Read a CSV or Parquet CRM export as it is (headers as written, values not yet cleaned).

    Raises UserInputError (one clear problem) when the file is missing or unreadable.
    ``df.attrs["source"]`` is the file name and ``df.attrs["kind"]`` "csv" or "parquet";
    the reader uses them to name rows in messages.
    """
    path = Path(path)
    name = path.name
    if not path.exists():
        raise UserInputError(Problem(str(path), "accounts file not found", "check the path given to --accounts"))
    if path.is_dir():
        raise UserInputError(Problem(str(path), "is a folder, not an accounts file", "give a .csv or .parquet file"))
    suffix = path.suffix.lower()
    if suffix in (".parquet", ".pq"):
        df = _read_parquet(path)
        df.attrs.update(source=name, kind="parquet")
        return df
    if suffix in (".csv", ".txt", ".tsv"):
        df = _read_csv(path)
        df.attrs.update(source=name, kind="csv")
        return df
    if suffix in (".xlsx", ".xlsm", ".xls", ".ods"):
        raise UserInputError(Problem(name, "is a workbook, not a CSV or Parquet file",
                                     "put the accounts on the workbook's Accounts sheet, or export them as CSV"))
    raise UserInputError(Problem(name, f"is not a CSV or Parquet file (it ends in {suffix or 'nothing'})",
                                 "--accounts takes a .csv or .parquet file"))


def _read_parquet(path: Path) -> pd.DataFrame:
    try:
        return pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises several types for corrupt files
        raise UserInputError(Problem(path.name, "cannot be read as a Parquet file", _short(exc))) from None


def _short(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]


def _read_csv(path: Path) -> pd.DataFrame:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UserInputError(Problem(path.name, "cannot be opened", exc.strerror or _short(exc))) from None
    name = path.name
    if not data.strip():
        raise UserInputError(Problem(name, "is empty", "a CSV export with a header row and one row per account"))
    if data[:4] == b"PK\x03\x04" or data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise UserInputError(Problem(name, "is a workbook saved with a .csv name, not a CSV file",
                                     "export the accounts as CSV (comma-separated values)"))
    encoding = "utf-8"
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        encoding = "cp1252"
        text = data.decode("cp1252", errors="replace")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    first_line = (text.splitlines() or [""])[0]
    delimiter = max((",", ";", "\t", "|"), key=lambda d: _count_outside_quotes(first_line, d))
    try:
        headers = next(csv.reader([first_line], delimiter=delimiter))
    except (csv.Error, StopIteration) as exc:
        raise UserInputError(Problem(name, "cannot be read as CSV", _short(exc))) from None
    seen: dict[str, int] = {}
    problems = []
    for j, h in enumerate(headers):
        key = normalise_header(h)
        if not key:
            continue
        if key in seen:
            problems.append(Problem(f"{name} row 1", f'column "{h.strip()}" appears twice (columns {seen[key] + 1} and {j + 1})',
                                    "keep one column per header"))
        else:
            seen[key] = j
    if problems:
        raise UserInputError(problems)
    as_text = _text_headers(headers)
    table, invalid = _pyarrow_csv(name, data, encoding, delimiter, as_text, threads=True)
    if invalid:
        # the rare path: read again on one thread, which is when pyarrow knows the line numbers
        table, invalid = _pyarrow_csv(name, data, encoding, delimiter, as_text, threads=False)
        problems = []
        for number, expected, actual in invalid[:MAX_ROW_PROBLEMS]:
            where = f"{name} row {number}" if number else name
            problems.append(Problem(where, f"has {plural(actual, 'value')} but the header has {plural(expected, 'column')}",
                                    "check for an unquoted separator or a missing value in this row"))
        if len(invalid) > MAX_ROW_PROBLEMS:
            problems.append(Problem(name, f"... and {len(invalid) - MAX_ROW_PROBLEMS:,} more rows with the same problem"))
        raise UserInputError(problems)
    df = table.to_pandas()
    df.columns = [str(c) for c in df.columns]
    return df


def _pyarrow_csv(name: str, data: bytes, encoding: str, delimiter: str, as_text: set[str], threads: bool):
    import pyarrow.csv as pacsv

    invalid: list[tuple[int | None, int, int]] = []

    def skip(row) -> str:
        invalid.append((row.number, row.expected_columns, row.actual_columns))
        return "skip"

    try:
        table = pacsv.read_csv(
            io.BytesIO(data),
            read_options=pacsv.ReadOptions(encoding=encoding, use_threads=threads),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True, invalid_row_handler=skip),
            convert_options=pacsv.ConvertOptions(
                column_types={h: pa.string() for h in as_text},
                null_values=[""],  # "NA" is North America in a Region column; numeric blank words are handled when cleaning
                strings_can_be_null=True,
            ),
        )
    except Exception as exc:  # pyarrow.ArrowInvalid mostly; a user's file must never end in a traceback
        raise UserInputError(Problem(name, "cannot be read as CSV", _short(exc))) from None
    return table, invalid


def _count_outside_quotes(line: str, delim: str) -> int:
    return len(re.sub(r'"[^"]*"', "", line).split(delim)) - 1


def _text_headers(headers: Iterable[str]) -> set[str]:
    """Headers read as text, never guessed as numbers: the text columns (account id "007" stays
    "007") and ARR, whose thousands separators must go through the rules of this module."""
    keys = {}
    for c in schema.ACCOUNTS.columns:
        if c.key in ACCOUNT_TEXT_KEYS or c.key == "arr":
            keys[normalise_header(c.header)] = c.key
            keys[normalise_header(c.key)] = c.key
    return {h for h in headers if normalise_header(h) in keys}


# ----------------------------------------------------------------- cleaning


def match_account_columns(headers: Iterable[str]) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """Map raw headers to fixed column keys.

    Returns ({key: raw header}, [(raw header, first raw header) for repeated headers]).
    A header matches a fixed column by its header text or its key, ignoring case,
    spaces and punctuation ("Account ID", "account_id", "ACCOUNT-ID").
    """
    lookup = {}
    for c in schema.ACCOUNTS.columns:
        lookup.setdefault(normalise_header(c.header), c.key)
        lookup.setdefault(normalise_header(c.key), c.key)
    found: dict[str, str] = {}
    seen: dict[str, str] = {}
    repeats: list[tuple[str, str]] = []
    for h in headers:
        k = normalise_header(h)
        if not k:
            continue
        if k in seen:
            repeats.append((h, seen[k]))
            continue
        seen[k] = h
        if k in lookup and lookup[k] not in found:
            found[lookup[k]] = h
    return found, repeats


def account_column_for(text: str, columns: Iterable[str]) -> str | None:
    """The accounts column (canonical name) a Scoring sheet entry names, or None."""
    k = normalise_header(text)
    if not k:
        return None
    for c in schema.ACCOUNTS.columns:
        if k in (normalise_header(c.header), normalise_header(c.key)):
            return c.key
    for col in columns:
        if col not in ACCOUNT_FIXED_COLUMNS and normalise_header(col) == k:
            return col
    return None


def _noun(col: schema.Column) -> str:
    if col.kind == schema.CURRENCY:
        return f"an amount {col.unit}".strip()
    if col.kind == schema.NUMBER:
        if not col.unit:
            return "a number"
        return f"a number {col.unit}" if col.unit.startswith("per") else f"a number of {col.unit}"
    return "a value"


def clean_accounts(
    raw: pd.DataFrame,
    where: Locator,
    tiers: Sequence[str],
    *,
    scoring_columns: Iterable[str] = (),
) -> tuple[pd.DataFrame, list[Problem], list[Problem]]:
    """Turn a raw accounts table into PlanInputs' canonical accounts frame.

    ``raw``: one row per account, columns under the headers as written (from the
    Accounts sheet, a CSV or a Parquet file). ``where`` names rows and cells in
    messages (:class:`SheetLocator` or :class:`FileLocator`). ``tiers``: the tier
    names of the Tiers sheet (previous and locked tiers are matched to them
    ignoring case). ``scoring_columns``: the account column headers the Scoring
    sheet uses; those columns are always read as numbers.

    Returns (accounts, problems, notes): problems are fatal, notes are data gaps
    the run goes on with (see the module docstring).
    """
    problems: list[Problem] = []
    notes: list[Problem] = []
    raw = raw.reset_index(drop=True)
    n = len(raw)
    found, repeats = match_account_columns(raw.columns)
    for h, first in repeats:
        problems.append(Problem(where.header_where(), f'column "{str(h).strip()}" appears twice (first as "{str(first).strip()}")',
                                "keep one column per header"))
    required = [c for c in schema.ACCOUNTS.columns if c.required]
    missing = [c.header for c in required if c.key not in found]
    for header in missing:
        problems.append(Problem(where.header_where(), f'column "{header}" is missing',
                                "the accounts need columns " + ", ".join(c.header for c in required)))
    if missing or repeats:
        return pd.DataFrame(), problems, notes
    if n == 0:
        problems.append(Problem(where.source, "no accounts listed", "at least one account row under the headers"))
        return pd.DataFrame(), problems, notes

    tier_lookup = {t.lower().strip(): t for t in tiers}
    out: dict[str, object] = {}

    # -- account id: required, unique (exact, case-sensitive: CRM ids are)
    h = found["account_id"]
    ids = parse_texts(raw[h])
    bad = np.flatnonzero(ids.blank | ids.error)
    report_rows_capped(problems, where, h, bad,
                       lambda i: f"account ID shows the error {error_text(ids.raw.iat[i])}" if ids.error[i] else "account ID is blank",
                       "every account needs its CRM id")
    idv = ids.values
    present = ~(ids.blank | ids.error)
    if present.any():
        dup = idv[present].duplicated(keep="first")
        pidx = np.flatnonzero(present)
        dup_idx = pidx[dup.to_numpy()]
        if len(dup_idx):
            first_pos = pd.Series(pidx, index=idv[present].to_numpy()).groupby(level=0).first()
            report_rows_capped(
                problems, where, h, dup_idx,
                lambda i: f'account ID "{idv.iat[i]}" appears again',
                lambda i: f"first on {where.row_label(int(first_pos[idv.iat[i]]))}; IDs must be unique",
                "IDs must be unique",
            )
    out["account_id"] = idv

    # -- name: a blank name is shown as the id (note)
    h = found["name"]
    names = parse_texts(raw[h])
    nb = np.flatnonzero(names.blank | names.error)
    if len(nb):
        notes.append(Problem(where.cells(nb, h), f"account name is blank on {plural(len(nb), 'row')}", "the account ID is shown instead"))
    nv = names.values.copy()
    nv[names.blank | names.error] = idv[names.blank | names.error]
    out["name"] = nv

    # -- ARR: money, fatal
    col = schema.ACCOUNTS.column("arr")
    h = found["arr"]
    arr = parse_numbers(raw[h], money=True)
    _report_number_problems(problems, where, h, col, arr, fatal=True)
    out["arr"] = arr.values

    # -- optional text columns
    for key in ("industry", "region", "product"):
        if key in found:
            out[key] = parse_texts(raw[found[key]]).values
        else:
            out[key] = pd.Series([None] * n, dtype=object)

    # -- optional numeric signals: gaps are notes
    for key in ("employees", "previous_score"):
        if key in found:
            col = schema.ACCOUNTS.column(key)
            nums = parse_numbers(raw[found[key]], flags_as_numbers=False)
            out[key] = _signal_values(notes, where, found[key], nums, col.minimum, col.maximum, col.header)
        else:
            out[key] = np.full(n, np.nan)

    # -- previous tier: unknown -> new account (note)
    if "previous_tier" in found:
        h = found["previous_tier"]
        prev = parse_texts(raw[h])
        out["previous_tier"] = _match_tiers(prev, tier_lookup, where, h, notes, fatal=False)
    else:
        out["previous_tier"] = pd.Series([None] * n, dtype=object)

    # -- locked tier + reason: fatal
    locked = pd.Series([None] * n, dtype=object)
    if "locked_tier" in found:
        h = found["locked_tier"]
        lk = parse_texts(raw[h])
        locked = _match_tiers(lk, tier_lookup, where, h, problems, fatal=True)
        has_lock = (~lk.blank & ~lk.error)
        if "lock_reason" in found:
            rs = parse_texts(raw[found["lock_reason"]])
            reason_blank = rs.blank | rs.error
            reasons = rs.values
        else:
            reason_blank = np.ones(n, bool)
            reasons = pd.Series([None] * n, dtype=object)
        no_reason = np.flatnonzero(has_lock & reason_blank)
        rh = found.get("lock_reason", h)
        report_rows_capped(problems, where, rh if "lock_reason" in found else h, no_reason,
                           lambda i: f'account "{idv.iat[i]}" is locked to "{lk.values.iat[i]}" without a lock reason',
                           "say why the tier is locked in Lock reason")
        out["lock_reason"] = reasons.where(has_lock, None) if "lock_reason" in found else reasons
    else:
        out["lock_reason"] = pd.Series([None] * n, dtype=object) if "lock_reason" not in found else parse_texts(raw[found["lock_reason"]]).values
    out["locked_tier"] = locked

    # -- flags
    for key in ("strategic", "churn_risk"):
        if key in found:
            h = found[key]
            fl = parse_flags(raw[h])
            label = schema.ACCOUNTS.column(key).header
            report_rows_capped(problems, where, h, np.flatnonzero(fl.bad | fl.error),
                               lambda i, fl=fl, label=label: (f"{label} shows the error {error_text(fl.raw.iat[i])}" if fl.error[i]
                                                              else f"{label} {show_value(fl.raw.iat[i])} is not yes or no"),
                               f"{label} expects Yes or No; blank means No")
            out[key] = fl.values
        else:
            out[key] = np.zeros(n, bool)

    frame = pd.DataFrame({k: _as_column(out[k], k) for k in ACCOUNT_FIXED_COLUMNS})

    # -- every other column keeps its header; numeric where numeric
    fixed_headers = set(found.values())
    scoring_keys = {normalise_header(c) for c in scoring_columns}
    for h in raw.columns:
        if h in fixed_headers or not normalise_header(h):
            continue
        name = str(h).strip()
        if name in frame.columns:
            continue
        series = raw[h]
        if normalise_header(h) in scoring_keys:
            nums = parse_numbers(series, flags_as_numbers=True)
            frame[name] = _signal_values(notes, where, h, nums, None, None, name)
        else:
            frame[name] = _extra_column(series)
    return frame, problems, notes


def _as_column(values, key: str):
    if key in ("arr", "employees", "previous_score"):
        return np.asarray(values, dtype=float)
    if key in ("strategic", "churn_risk"):
        return np.asarray(values, dtype=bool)
    if key in ("previous_tier", "locked_tier", "lock_reason"):  # str or None (few distinct values)
        v = pd.Series(values).reset_index(drop=True).astype(object)
        return v.where(v.notna(), None)
    if isinstance(values, pd.Series):  # text: kept in the dtype it was read in (Arrow-backed where possible)
        return values.reset_index(drop=True)
    return pd.Series(values, dtype=object)


def _extra_column(series: pd.Series):
    """A column no rule uses: numbers when every filled cell is a number, else text as written."""
    dt = series.dtype
    if pd.api.types.is_numeric_dtype(dt) and not pd.api.types.is_bool_dtype(dt):
        return series.reset_index(drop=True).astype(float)
    if pd.api.types.is_bool_dtype(dt) or pd.api.types.is_datetime64_any_dtype(dt):
        return series.reset_index(drop=True)
    nums = parse_numbers(series)
    if not (nums.bad | nums.error | nums.ambiguous).any() and (~nums.blank).any():
        return nums.values
    return parse_texts(series).values


def _report_number_problems(problems: list[Problem], where: Locator, h: str, col: schema.Column, nums: Numbers, fatal: bool) -> None:
    label = col.header
    noun = _noun(col)
    expected = f"{label} expects {noun}"
    report_rows_capped(problems, where, h, np.flatnonzero(nums.error),
                       lambda i: f"{label} shows the error {nums.error_of(i)}", expected)
    report_rows_capped(problems, where, h, np.flatnonzero(nums.bad),
                       lambda i: f"{label} {nums.shown(i)} is not a number", expected)
    report_rows_capped(problems, where, h, np.flatnonzero(nums.ambiguous),
                       lambda i: f"{label} {nums.shown(i)} is ambiguous: is the point a decimal point or a thousands separator?",
                       "write the amount without a thousands separator, e.g. 1200 or 1.2")
    if col.required:
        report_rows_capped(problems, where, h, np.flatnonzero(nums.blank), lambda i: f"{label} is blank", f"{noun} is required; enter 0 if there is none")
    v = nums.values
    with np.errstate(invalid="ignore"):
        if col.minimum is not None:
            low = np.flatnonzero(v < col.minimum)
            report_rows_capped(problems, where, h, low,
                               lambda i: f"{label} {fmt_number(v[i])} is negative" if col.minimum == 0 else f"{label} {fmt_number(v[i])} is below {fmt_number(col.minimum)}",
                               f"{expected}, {fmt_number(col.minimum)} or more")
        if col.maximum is not None:
            high = np.flatnonzero(v > col.maximum)
            report_rows_capped(problems, where, h, high,
                               lambda i: f"{label} {fmt_number(v[i])} is more than the largest plausible value {fmt_number(col.maximum)}",
                               f"{expected} up to {fmt_number(col.maximum)}")


def _signal_values(notes: list[Problem], where: Locator, h: str, nums: Numbers, lo, hi, label: str) -> np.ndarray:
    """A signal column: anything unreadable or out of range becomes missing, with one note per kind."""
    v = nums.values.copy()
    unreadable = np.flatnonzero(nums.bad | nums.error | nums.ambiguous)
    if len(unreadable):
        examples = []
        for i in unreadable:
            s = show_value(nums.raw.iat[i]) if not nums.error[i] else nums.error_of(i)
            if s not in examples:
                examples.append(s)
            if len(examples) == 3:
                break
        notes.append(Problem(where.cells(unreadable, h),
                             f"{label} is not a number on {plural(len(unreadable), 'row')}: {', '.join(examples)}",
                             "treated as missing: those accounts are listed in the data gaps"))
        v[unreadable] = np.nan
    with np.errstate(invalid="ignore"):
        out_of_range = np.zeros(len(v), bool)
        if lo is not None:
            out_of_range |= v < lo
        if hi is not None:
            out_of_range |= v > hi
    idx = np.flatnonzero(out_of_range)
    if len(idx):
        rng = f"{fmt_number(lo)} to {fmt_number(hi)}" if lo is not None and hi is not None else ""
        notes.append(Problem(where.cells(idx, h), f"{label} is outside {rng} on {plural(len(idx), 'row')}, e.g. {fmt_number(v[idx[0]])}",
                             "treated as missing: those accounts are listed in the data gaps"))
        v[idx] = np.nan
    return v


def _match_tiers(texts: Texts, lookup: dict[str, str], where: Locator, h: str, sink: list[Problem], fatal: bool) -> pd.Series:
    """Tier names matched to the Tiers sheet ignoring case; unknown ones reported (grouped by value)."""
    vals = texts.values
    present = ~(texts.blank | texts.error)
    out = pd.Series([None] * len(vals), dtype=object)
    if not present.any():
        return out
    names = list(lookup.values())
    keys = pa.array([k.lower() for k in lookup], type=pa.string())
    sub = pa.array(vals[present], type=pa.string(), from_pandas=True)
    pos, valid = _lookup_small(sub, lambda d: pc.fill_null(pc.index_in(pc.utf8_lower(pc.utf8_trim_whitespace(d)), value_set=keys), -1))
    pos[~valid] = -1
    unknown = pos < 0
    got = np.array(names + [None], dtype=object)[np.where(unknown, len(names), pos)]
    out[present] = got
    err_idx = np.flatnonzero(texts.error)
    label = schema.ACCOUNTS.column("locked_tier" if fatal else "previous_tier").header
    tier_list = ", ".join(lookup.values())
    if len(err_idx):
        if fatal:
            report_rows_capped(sink, where, h, err_idx, lambda i: f"{label} shows the error {error_text(texts.raw.iat[i])}", f"one of {tier_list}")
        else:
            sink.append(Problem(where.cells(err_idx, h), f"{label} shows an error value on {plural(len(err_idx), 'row')}", "treated as new accounts"))
    if not unknown.any():
        return out
    uidx = np.flatnonzero(present)[unknown]
    if fatal:
        report_rows_capped(sink, where, h, uidx, lambda i: f'{label} "{vals.iat[i]}" is not a tier', f"one of {tier_list}")
        return out
    groups = pd.Series(uidx).groupby(vals.iloc[uidx].to_numpy(), sort=False)
    shown = 0
    for value, members in groups:
        if shown == MAX_ROW_PROBLEMS:
            rest = len(uidx) - sum(len(m) for _, m in list(groups)[:MAX_ROW_PROBLEMS])
            sink.append(Problem(where.column(h), f"... and {rest:,} more rows with other unknown previous tiers", "treated as new accounts"))
            break
        idx = members.to_numpy()
        sink.append(Problem(where.cells(idx, h), f'{label} "{value}" on {plural(len(idx), "account")} is not a tier now',
                            f"treated as new accounts; tiers are {tier_list}"))
        shown += 1
    return out
