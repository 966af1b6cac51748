"""Whole columns of cell values parsed at once: numbers (money, percentages, "12k", "1.200,50"), text, Yes/No.

The rules are in the accounts module's docstring ("Numbers written as text"); the same parsing
serves the Accounts sheet, a CSV/Parquet export and the other sheets' cells.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from planner.arrays import BoolArray, IndexArray
from planner.workbook.text import BLANK_TOKENS, ERROR_VALUES, FALSE_TOKENS, TRUE_TOKENS, error_text, is_error_object, show_value

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


def _error_flags(s: pd.Series, idx: IndexArray) -> BoolArray:
    """Which of the cells at positions ``idx`` hold a spreadsheet error value."""
    return np.array([is_error_object(s.iat[i]) for i in idx.tolist()], dtype=np.bool_)


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


def lookup_small(arr: pa.Array, fn):
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
            errs = _error_flags(s, idx)  # only the odd cells
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
            errs = _error_flags(s, idx)
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
            errs = _error_flags(s, idx)
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

    code, valid = lookup_small(arr, classify)
    code[~valid] = 0
    b, e, yes, no = code == 0, code == 1, code == 2, code == 3
    values[idx] = yes
    blank[idx] = b
    error[idx] = e
    bad[idx] = ~(b | e | yes | no)
    return res
