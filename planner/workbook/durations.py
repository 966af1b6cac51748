"""Durations as helpdesk exports write them (first reply time, resolution time), parsed a whole column at a time.

A number is in the column's unit (minutes, hours or seconds, from its
header); ``HH:MM:SS`` and ``HH:MM`` are hours, minutes and seconds whatever
the unit; numbers with units are read as written (``90 min``, ``1.5 h``,
``1h 30m``, ``2 days``). A blank is missing, never 0; negative durations are
not read.

A plain-number column goes through Arrow's own cast; only the cells written
otherwise go through regular expressions. Nothing here reads files.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from planner.workbook.column_text import BLANK_WORDS, arrow_mask, as_arrow_text, cell_at, combine_chunks


@dataclass
class Durations:
    """A column parsed as durations in minutes. Masks are positional numpy bool arrays."""

    values: np.ndarray  # float64 minutes; NaN where blank or unreadable
    blank: np.ndarray
    bad: np.ndarray
    negative: np.ndarray
    raw: object = field(default=None, repr=False)  # the cells as given (Series or Arrow array), for messages

    def cell(self, i: int):
        return cell_at(self.raw, i)


_UNIT_MINUTES = {"seconds": 1 / 60, "minutes": 1.0, "hours": 60.0, "days": 1440.0}
_RE_CLOCK = r"^(?P<h>\d+):(?P<m>\d{1,2})(?::(?P<s>\d{1,2}(?:\.\d+)?))?$"
_RE_UNITS = (
    r"^(?:(?P<d>\d+(?:\.\d+)?)\s*d(?:ays?)?\s*)?"
    r"(?:(?P<h>\d+(?:\.\d+)?)\s*h(?:ours?|rs?)?\s*)?"
    r"(?:(?P<m>\d+(?:\.\d+)?)\s*m(?:in(?:utes?|s)?)?\s*)?"
    r"(?:(?P<s>\d+(?:\.\d+)?)\s*s(?:ec(?:onds?|s)?)?)?$"
)


def parse_durations(values, *, unit: str = "minutes") -> Durations:
    """Parse a whole column of durations to minutes (see the module docstring)."""
    factor = _UNIT_MINUTES[unit]
    if isinstance(values, (pa.Array, pa.ChunkedArray)) and (pa.types.is_string(values.type) or pa.types.is_large_string(values.type)):
        return _durations_from_text(values, factor, values)
    if isinstance(values, pd.Series):
        s = values.reset_index(drop=True)
    elif isinstance(values, pa.Array):
        s = pd.Series(values.to_pandas())
    else:
        s = pd.Series(values)
    n = len(s)
    out = np.full(n, np.nan)
    negative = np.zeros(n, bool)
    if pd.api.types.is_bool_dtype(s.dtype):
        blank = s.isna().to_numpy()
        return Durations(out, blank, ~blank, negative, raw=s)
    if pd.api.types.is_numeric_dtype(s.dtype):
        v = s.to_numpy(dtype=float, na_value=np.nan)
        blank = np.isnan(v)
        bad = np.isinf(v)
        negative = v < 0
        good = ~blank & ~bad & ~negative
        out[good] = v[good] * factor
        return Durations(out, blank, bad, negative, raw=s)
    if pd.api.types.is_timedelta64_dtype(s.dtype):
        v = s.dt.total_seconds().to_numpy() / 60.0
        blank = np.isnan(v)
        negative = v < 0
        out[~blank & ~negative] = v[~blank & ~negative]
        return Durations(out, blank, np.zeros(n, bool), negative, raw=s)
    return _durations_from_text(as_arrow_text(s), factor, s)


def _durations_from_text(text: pa.Array, factor: float, raw) -> Durations:
    n = len(text)
    out = np.full(n, np.nan)
    t = pc.utf8_trim_whitespace(text)
    blank = np.asarray(pc.is_null(t)) | np.asarray(pc.fill_null(pc.equal(t, ""), True))
    # fast path: every filled cell a plain number (the usual export)
    filled = pc.filter(t, arrow_mask(~blank))
    try:
        numbers = np.asarray(pc.cast(filled, pa.float64()))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        numbers = None
    if numbers is not None and np.isfinite(numbers).all():
        negative = np.zeros(n, bool)
        negative[~blank] = numbers < 0
        out[~blank] = np.where(numbers < 0, np.nan, numbers * factor)
        return Durations(out, blank, np.zeros(n, bool), negative, raw=raw)
    low = pc.utf8_lower(t)
    blank = np.asarray(pc.fill_null(pc.is_in(low, pa.array(BLANK_WORDS)), True)) | np.asarray(pc.is_null(t))
    negative = np.asarray(pc.fill_null(pc.starts_with(t, "-"), False)) & ~blank
    body = pc.replace_substring_regex(t, r"^[+-]\s*", "")
    done = blank.copy()
    # plain numbers, a decimal comma allowed ("12,5")
    plain = np.asarray(pc.fill_null(pc.match_substring_regex(body, r"^\d+(?:[.,]\d+)?$|^\.\d+$"), False)) & ~done
    if plain.any():
        out[plain] = np.asarray(pc.cast(pc.replace_substring(pc.filter(body, arrow_mask(plain)), ",", "."), pa.float64())) * factor
        done |= plain
    clock = np.asarray(pc.fill_null(pc.match_substring_regex(body, _RE_CLOCK), False)) & ~done
    if clock.any():
        st = pc.extract_regex(combine_chunks(pc.filter(body, arrow_mask(clock))), _RE_CLOCK)
        h = np.asarray(pc.cast(st.field("h"), pa.float64()))
        m = np.asarray(pc.cast(st.field("m"), pa.float64()))
        sec = pc.fill_null(st.field("s"), "")
        sec = np.asarray(pc.cast(pc.if_else(pc.equal(sec, ""), pa.scalar("0"), sec), pa.float64()))
        val = h * 60 + m + sec / 60
        badclock = (m >= 60) | (sec >= 60)
        out[np.flatnonzero(clock)] = np.where(badclock, np.nan, val)
        done |= clock
        clock_bad = np.zeros(n, bool)
        clock_bad[np.flatnonzero(clock)] = badclock
    else:
        clock_bad = np.zeros(n, bool)
    rest = ~done & np.asarray(pc.fill_null(pc.match_substring_regex(pc.utf8_lower(body), _RE_UNITS), False))
    rest &= ~np.asarray(pc.fill_null(pc.equal(body, ""), False))
    if rest.any():
        st = pc.extract_regex(combine_chunks(pc.filter(pc.utf8_lower(body), arrow_mask(rest))), _RE_UNITS)
        total = np.zeros(int(rest.sum()))
        for name, mult in (("d", 1440.0), ("h", 60.0), ("m", 1.0), ("s", 1 / 60)):
            f = pc.fill_null(st.field(name), "")
            total += np.asarray(pc.cast(pc.if_else(pc.equal(f, ""), pa.scalar("0"), f), pa.float64())) * mult
        out[rest] = total
        done |= rest
    bad = (~done | clock_bad) & ~blank
    negative &= ~bad
    out[negative | bad] = np.nan
    return Durations(out, blank, bad & ~negative, negative, raw=raw)
