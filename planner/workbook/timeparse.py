"""Timestamps as helpdesk and CRM exports write them, parsed a whole column at a time.

Durations are planner.workbook.durations; the calendar arithmetic is planner.workbook.civil_time.

Timestamps (:func:`parse_instants`)
-----------------------------------
Accepted text, after trimming spaces:

- ISO 8601 with or without a time zone: ``2026-03-17T22:50:26Z``,
  ``2026-03-17 22:50:26.123+01:00``, ``2026-03-17T22:50-0500``,
  ``2026-03-17 22:50:26 UTC``, ``2026-03-17`` (midnight), ``2026/03/17 22:50``;
- the helpdesks' own forms: Zendesk's CSV ``2026-03-17 22:50`` (in the
  account's time zone), Zammad's ``2026-03-17T22:50:26.123Z`` (UTC),
  Freshdesk's ``2026-03-17 22:50:26 +0530``;
- dates with slashes, dots or hyphens as spreadsheets write them:
  ``17/03/2026 22:50``, ``3/17/2026 10:50 PM``, ``17.03.2026``. Whether the
  first number is the day or the month is decided for the whole column: a
  column where some first number is above 12 is day-first, one where some
  second number is above 12 is month-first; a column that shows neither is
  read month-first (the helpdesks' US default) unless ``dayfirst`` says
  otherwise, and the result says so (:attr:`Instants.order`). Dots are
  always day-first (``17.03.2026``);
- month names in English: ``17 Mar 2026 22:50``, ``Mar 17, 2026 10:50 PM``,
  ``Tue, 17 Mar 2026 22:50:26 +0000``.

A time with an offset or ``Z``/``UTC``/``GMT`` is that instant. A time
without one is wall-clock time in ``timezone`` (an IANA name; UTC by
default). Wall-clock times that occur twice (the hour repeated when clocks go
back) are read as the first occurrence, times that never occur (the hour
skipped when clocks go forward) with the offset in force before the change;
both are counted so the caller can say so. Real timestamp columns (Parquet)
are taken as they are: with a zone they are instants, without one they are
wall-clock times in ``timezone``.

Everything is vectorised (pyarrow compute and numpy): the common strict ISO
forms go through Arrow's own parser, the rest through regular expressions on
the rows that need them. Nothing here reads files or knows the clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import cast

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from planner.workbook.civil_time import NAT, NS_PER_MINUTE, NS_PER_SECOND, days_from_civil, days_in_month, localize
from planner.workbook.column_text import BLANK_WORDS, arrow_mask, as_arrow_text, cell_at, combine_chunks

_TIME = (
    r"(?:(?:[T ]+|,\s*|\s+at\s+)(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,](?P<F>\d{1,9}))?)?"
    r"\s*(?P<ap>[AaPp]\.?[Mm]\.?)?)?"
)
_ZONE = r"\s*(?P<Z>[Zz]|UTC|GMT|utc|gmt)?\s*(?P<off>[+-]\d{2}(?::?\d{2})?)?$"
_RE_YMD = r"^(?P<y>\d{4})[-/.](?P<mo>\d{1,2})[-/.](?P<d>\d{1,2})" + _TIME + _ZONE
_RE_NUMERIC_DATE = r"^(?P<a>\d{1,2})(?P<sep>[-/.])(?P<b>\d{1,2})[-/.](?P<y>\d{4}|\d{2})" + _TIME + _ZONE
_RE_DAY_MONTH = r"^(?:[A-Za-z]{3,9},?\s+)?(?P<d>\d{1,2})[ -](?P<mon>[A-Za-z]{3,9})\.?[ -],?\s*(?P<y>\d{4})" + _TIME + _ZONE
_RE_MONTH_DAY = r"^(?:[A-Za-z]{3,9},?\s+)?(?P<mon>[A-Za-z]{3,9})\.?\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y>\d{4})" + _TIME + _ZONE

# what Arrow's cast parses by itself (and validates); anything else takes the slow path
_STRICT = r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}(:?\d{2})?)?)?$"

_MONTHS = {m: i + 1 for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"))}


@dataclass
class Instants:
    """A column parsed as instants. Masks are positional numpy bool arrays."""

    values: np.ndarray  # datetime64[ns], UTC; NaT where blank or unreadable
    blank: np.ndarray
    bad: np.ndarray  # not a date or time we can read
    naive: np.ndarray  # had no zone: read as wall-clock time in the caller's time zone
    repeated: np.ndarray  # naive wall-clock time in the hour repeated when clocks went back (read as the first)
    skipped: np.ndarray  # naive wall-clock time in the hour skipped when clocks went forward
    order: str = ""  # slash dates: "day/month" or "month/day" ("" when the column has none)
    order_decided: bool = True  # False: nothing in the column showed the order (the default was used)
    raw: object = field(default=None, repr=False)  # the cells as given (Series or Arrow array), for messages

    def cell(self, i: int):
        return cell_at(self.raw, i)

    def utc(self) -> pd.Series:
        """The values as a ``datetime64[ns, UTC]`` Series (positional index)."""
        return pd.Series(pd.DatetimeIndex(self.values).tz_localize("UTC"))


def _field_ints(struct: pa.StructArray, name: str, default: int = 0) -> np.ndarray:
    f = struct.field(name)
    empty = pc.fill_null(pc.equal(f, ""), True)
    f = pc.if_else(empty, pa.scalar(str(default)), f)
    return np.asarray(pc.cast(f, pa.int64()))


def _field_text(struct: pa.StructArray, name: str) -> pa.Array:
    return pc.fill_null(struct.field(name), "")


def _fraction_ns(struct: pa.StructArray) -> np.ndarray:
    f = _field_text(struct, "F")
    padded = pc.utf8_rpad(f, width=9, padding="0")
    padded = pc.utf8_slice_codeunits(padded, 0, 9)
    return np.asarray(pc.cast(padded, pa.int64()))


def _zone(struct: pa.StructArray) -> tuple[np.ndarray, np.ndarray]:
    """(has a zone, offset east of UTC in minutes) from the Z and off groups."""
    z = np.asarray(pc.not_equal(_field_text(struct, "Z"), ""))
    off = _field_text(struct, "off")
    has_off = np.asarray(pc.not_equal(off, ""))
    minutes = np.zeros(len(off), np.int64)
    if has_off.any():
        digits = pc.replace_substring(pc.filter(off, pa.array(has_off)), ":", "")
        sign = np.where(np.asarray(pc.starts_with(digits, "-")), -1, 1)
        hh = np.asarray(pc.cast(pc.utf8_slice_codeunits(digits, 1, 3), pa.int64()))
        mm_text = pc.utf8_slice_codeunits(digits, 3, 5)
        mm_text = pc.if_else(pc.equal(mm_text, ""), pa.scalar("0"), mm_text)
        mm = np.asarray(pc.cast(mm_text, pa.int64()))
        minutes[has_off] = sign * (hh * 60 + mm)
    return z | has_off, minutes


def _hours_with_meridiem(struct: pa.StructArray, hours: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """12-hour clock: returns (hours on the 24-hour clock, bad mask)."""
    ap = pc.utf8_lower(pc.replace_substring(_field_text(struct, "ap"), ".", ""))
    pm = np.asarray(pc.equal(ap, "pm"))
    am = np.asarray(pc.equal(ap, "am"))
    bad = (pm | am) & ((hours < 1) | (hours > 12))
    h = np.where(am & (hours == 12), 0, hours)
    h = np.where(pm & (hours < 12), hours + 12, h)
    return h, bad


def _assemble(y, mo, d, struct) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(wall ns, has zone, offset minutes, bad) from date parts and the regex's time and zone groups."""
    hh = _field_ints(struct, "H")
    mm = _field_ints(struct, "M")
    ss = _field_ints(struct, "S")
    hh, bad_ap = _hours_with_meridiem(struct, hh)
    frac = _fraction_ns(struct)
    aware, offset = _zone(struct)
    bad = bad_ap | (mo < 1) | (mo > 12) | (d < 1) | (hh > 23) | (mm > 59) | (ss > 59) | (np.abs(offset) > 18 * 60)
    bad |= d > days_in_month(y, np.clip(mo, 1, 12))
    days = days_from_civil(y, np.clip(mo, 1, 12), np.clip(d, 1, 31))
    wall = ((days * 86400 + hh * 3600 + mm * 60 + ss) * NS_PER_SECOND) + frac
    return wall, aware, offset, bad


def _month_numbers(struct: pa.StructArray) -> np.ndarray:
    """Month numbers of English month words (0 where the word is no month)."""
    enc = pc.dictionary_encode(pc.utf8_lower(_field_text(struct, "mon")))
    table = np.array([_MONTHS[w[:3]] if _month_word_ok(w) else 0 for w in enc.dictionary.to_pylist()], np.int64)
    return table[np.asarray(enc.indices)] if len(table) else np.zeros(len(enc), np.int64)


_MONTH_WORDS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
                "november", "december")


def _month_word_ok(word: str) -> bool:
    """"mar", "march", "sept" are month words; "marzipan" is not."""
    return len(word) >= 3 and any(full.startswith(word) for full in _MONTH_WORDS)


def parse_instants(values, *, timezone: str = "UTC", dayfirst: bool | None = None) -> Instants:
    """Parse a whole column of timestamps (see the module docstring). Accepts a Series, numpy or Arrow array."""
    raw = values if isinstance(values, pd.Series) else None
    if isinstance(values, pd.Series) and isinstance(values.dtype, pd.DatetimeTZDtype):
        return _from_datetimes(values.reset_index(drop=True), timezone, aware=True)
    if isinstance(values, pd.Series) and pd.api.types.is_datetime64_dtype(values.dtype):
        return _from_datetimes(values.reset_index(drop=True), timezone, aware=False)
    if isinstance(values, (pa.Array, pa.ChunkedArray)):
        t = values.type
        if pa.types.is_timestamp(t) or pa.types.is_date(t):
            s = pd.Series(values.to_pandas())
            if pa.types.is_date(t):
                s = pd.to_datetime(s)
            return _from_datetimes(s, timezone, aware=pa.types.is_timestamp(t) and t.tz is not None)
        if not (pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_null(t)):
            return _all_bad(values)
    if isinstance(values, pd.Series) and values.dtype == object:
        kind = pd.api.types.infer_dtype(values, skipna=True)
        if kind not in ("string", "empty"):
            return _mixed_objects(values.reset_index(drop=True), timezone, dayfirst)
    if isinstance(values, pd.Series) and pd.api.types.is_numeric_dtype(values.dtype):
        return _all_bad(values)
    text = as_arrow_text(values)
    res = _parse_text(text, timezone, dayfirst)
    res.raw = raw if raw is not None else text
    return res


def _all_bad(values) -> Instants:
    s = values if isinstance(values, pd.Series) else pd.Series(values.to_pandas())
    s = s.reset_index(drop=True)
    n = len(s)
    blank = s.isna().to_numpy()
    z = np.zeros(n, bool)
    return Instants(np.full(n, NAT, np.int64).view("datetime64[ns]"), blank, ~blank, z, z.copy(), z.copy(), raw=s)


def _from_datetimes(s: pd.Series, timezone: str, aware: bool) -> Instants:
    n = len(s)
    blank = s.isna().to_numpy()
    z = np.zeros(n, bool)
    if aware:
        ns = s.dt.tz_convert("UTC").dt.tz_localize(None).astype("datetime64[ns]").to_numpy().view(np.int64)
        return Instants(ns.view("datetime64[ns]"), blank, z, z.copy(), z.copy(), z.copy(), raw=s)
    wall = s.astype("datetime64[ns]").to_numpy().view(np.int64)
    utc, rep, skip = localize(wall, timezone)
    return Instants(utc.view("datetime64[ns]"), blank, z, ~blank, rep, skip, raw=s)


def _mixed_objects(s: pd.Series, timezone: str, dayfirst: bool | None) -> Instants:
    """An object column holding datetimes, text and other things (a sheet read cell by cell)."""
    n = len(s)
    types = s.map(type)
    is_str = (types == str).to_numpy()
    blank = s.isna().to_numpy().copy()  # a fresh array: pandas may hand back a read-only view
    is_dt = s.map(lambda v: hasattr(v, "year") and hasattr(v, "month")).to_numpy() & ~blank & ~is_str
    values = np.full(n, NAT, np.int64)
    bad = ~(blank | is_str | is_dt)
    naive = np.zeros(n, bool)
    rep = np.zeros(n, bool)
    skip = np.zeros(n, bool)
    order, decided = "", True
    if is_str.any():
        sub = _parse_text(pa.array(s[is_str].tolist(), type=pa.string()), timezone, dayfirst)
        idx = np.flatnonzero(is_str)
        values[idx] = sub.values.view(np.int64)
        blank[idx] = sub.blank
        bad[idx] = sub.bad
        naive[idx] = sub.naive
        rep[idx] = sub.repeated
        skip[idx] = sub.skipped
        order, decided = sub.order, sub.order_decided
    if is_dt.any():
        idx = np.flatnonzero(is_dt)
        for i in idx.tolist():  # datetimes typed into a sheet: one per cell, as few as the sheet holds
            ts = pd.Timestamp(cast("date", s.iat[i]))  # is_dt: the cell has a year and a month
            if ts.tzinfo is not None:
                values[i] = ts.tz_convert("UTC").as_unit("ns").value
            else:
                utc, r, k = localize(np.array([ts.as_unit("ns").value]), timezone)
                values[i], rep[i], skip[i], naive[i] = utc[0], r[0], k[0], True
    return Instants(values.view("datetime64[ns]"), blank, bad, naive, rep, skip, order, decided, raw=s)


def _parse_text(text, timezone: str, dayfirst: bool | None) -> Instants:
    n = len(text)
    t = pc.utf8_trim_whitespace(text)
    blank = np.asarray(pc.is_null(t)) | np.asarray(pc.fill_null(pc.equal(t, ""), True))
    wall = np.full(n, NAT, np.int64)
    offset = np.zeros(n, np.int64)
    aware = np.zeros(n, bool)
    bad = np.zeros(n, bool)
    done = blank.copy()
    order, decided = "", True

    # fast path: strict ISO forms, which Arrow parses (and validates) itself. Cheap substring tests split times with a
    # zone from those without; each part is cast at once, and only a part that fails is looked at with a regex.
    if (~done).any():
        tail = pc.utf8_slice_codeunits(t, 16)
        zoned = (np.asarray(pc.fill_null(pc.ends_with(t, "Z"), False))
                 | np.asarray(pc.fill_null(pc.match_substring(tail, "+"), False))
                 | np.asarray(pc.fill_null(pc.match_substring(tail, "-"), False)))
        for part, tz in ((~done & zoned, "UTC"), (~done & ~zoned, None)):
            if not part.any():
                continue
            sub = pc.filter(t, arrow_mask(part))
            try:
                cast = pc.cast(sub, pa.timestamp("ns", tz=tz))
                hit = part
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                strict = np.asarray(pc.fill_null(pc.match_substring_regex(sub, _STRICT), False))
                hit = np.zeros(n, bool)
                hit[np.flatnonzero(part)[strict]] = True
                try:
                    cast = pc.cast(pc.filter(sub, arrow_mask(strict)), pa.timestamp("ns", tz=tz))
                except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                    continue  # an invalid date among them: the slow path finds which
            wall[hit] = np.asarray(cast.cast(pa.int64()))
            aware[hit] = tz is not None
            done |= hit
    if (~done).any():  # the words that mean blank, looked for only where no date was found
        rest = np.flatnonzero(~done)
        words = np.asarray(pc.fill_null(pc.is_in(pc.utf8_lower(pc.filter(t, arrow_mask(~done))), pa.array(BLANK_WORDS)), False))
        blank[rest[words]] = True
        done |= blank

    # slow path, on what is left: the same forms written loosely, and the other forms
    if (~done).any():
        for pattern in (_RE_YMD, _RE_NUMERIC_DATE, _RE_DAY_MONTH, _RE_MONTH_DAY):
            todo = ~done
            if not todo.any():
                break
            idx = np.flatnonzero(todo)
            sub = combine_chunks(pc.filter(t, arrow_mask(todo)))
            matched = np.asarray(pc.fill_null(pc.match_substring_regex(sub, pattern), False))
            if not matched.any():
                continue
            idx = idx[matched]
            struct = pc.extract_regex(pc.filter(sub, arrow_mask(matched)), pattern)
            if pattern is _RE_YMD:
                y, mo, d = _field_ints(struct, "y"), _field_ints(struct, "mo"), _field_ints(struct, "d")
            elif pattern is _RE_NUMERIC_DATE:
                a, b = _field_ints(struct, "a"), _field_ints(struct, "b")
                y = _field_ints(struct, "y")
                short = np.asarray(pc.less(pc.utf8_length(_field_text(struct, "y")), 3))
                y = np.where(short, np.where(y < 69, 2000 + y, 1900 + y), y)
                dots = np.asarray(pc.equal(_field_text(struct, "sep"), "."))
                first_is_day = dots.copy()
                if (~dots).any():
                    first_is_day[~dots], order, decided = _numeric_order(a[~dots], b[~dots], dayfirst)
                else:
                    order, decided = "day/month", True
                d = np.where(first_is_day, a, b)
                mo = np.where(first_is_day, b, a)
            else:
                y, d = _field_ints(struct, "y"), _field_ints(struct, "d")
                mo = _month_numbers(struct)
            w, aw, off, b_ = _assemble(y, mo, d, struct)
            wall[idx] = np.where(b_, NAT, w)
            aware[idx] = aw
            offset[idx] = off
            bad[idx] = b_
            done[idx] = True
        bad |= ~done

    ok = ~blank & ~bad
    utc = np.full(n, NAT, np.int64)
    a_ok = ok & aware
    utc[a_ok] = wall[a_ok] - offset[a_ok] * NS_PER_MINUTE
    naive = ok & ~aware
    rep = np.zeros(n, bool)
    skip = np.zeros(n, bool)
    if naive.any():
        u, r, k = localize(wall[naive], timezone)
        utc[naive] = u
        rep[naive] = r
        skip[naive] = k
    return Instants(utc.view("datetime64[ns]"), blank, bad, naive, rep, skip, order, decided)


def _numeric_order(a: np.ndarray, b: np.ndarray, dayfirst: bool | None) -> tuple[np.ndarray, str, bool]:
    """Whether each numeric date is day-first, decided for the column (see the module docstring)."""
    if dayfirst is not None:
        flag = np.full(len(a), bool(dayfirst))
        return flag, ("day/month" if dayfirst else "month/day"), True
    a_big = bool((a > 12).any())
    b_big = bool((b > 12).any())
    if a_big and not b_big:
        return np.ones(len(a), bool), "day/month", True
    if b_big and not a_big:
        return np.zeros(len(a), bool), "month/day", True
    if a_big and b_big:
        # the column mixes both orders: each date is read the only way it can be, the rest month-first
        return a > 12, "mixed", False
    return np.zeros(len(a), bool), "month/day", False
