"""Business hours and the minutes of them between two instants, for whole columns at once.

A :class:`BusinessCalendar` says on which weekdays work happens, from which
hour to which (wall-clock time in its time zone) and which dates are
holidays. :func:`business_minutes_between` counts the real elapsed minutes
that fall inside those hours. It is exact at day and weekend boundaries and
across daylight-saving changes: each local day's window is turned into two
UTC instants once, so a day whose window contains a clock change is as long
as it really was (9:00-17:00 is 8 hours on any day; 0:00-24:00 is 23 or 25
hours on the days clocks change).

How it is computed: for the span of local dates the instants touch, the
window of every date is converted to UTC (``ws[d]``, ``we[d]``), and the
business minutes before each date are summed once (``cum[d]``). The business
time up to an instant ``t`` on local date ``d`` is then
``cum[d] + clip(t - ws[d], 0, we[d] - ws[d])`` (:class:`BusinessClock`), and
the time between two instants is the difference of that function: a few numpy
operations per instant, whatever the distance between them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TypeAlias
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import pandas as pd

from planner.arrays import FloatArray, IntArray

NS_PER_MINUTE = 60_000_000_000
NS_PER_DAY = 86_400_000_000_000
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class BusinessCalendar:
    """Working hours: ``weekdays`` (0 = Monday ... 6 = Sunday), ``start_hour`` to ``end_hour``
    (wall-clock hours in ``timezone``, fractions allowed: 8.5 is 08:30; 0 to 24 is the whole day)
    and ``holidays`` (local dates without business hours)."""

    weekdays: tuple[int, ...] = (0, 1, 2, 3, 4)
    start_hour: float = 9.0
    end_hour: float = 17.0
    timezone: str = "UTC"
    holidays: tuple[dt.date, ...] = ()

    def __post_init__(self) -> None:
        if not self.weekdays or any(int(d) != d or not 0 <= d <= 6 for d in self.weekdays):
            raise ValueError("weekdays must be a non-empty set of 0 (Monday) .. 6 (Sunday)")
        if not 0 <= self.start_hour < self.end_hour <= 24:
            raise ValueError("business hours need 0 <= start_hour < end_hour <= 24")
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {self.timezone!r} (use an IANA name such as Europe/Berlin)") from None

    @property
    def minutes_per_day(self) -> float:
        """Business minutes of one working day (wall clock)."""
        return (self.end_hour - self.start_hour) * 60.0

    @classmethod
    def always(cls, timezone: str = "UTC") -> BusinessCalendar:
        """Every hour of every day: business minutes equal elapsed minutes."""
        return cls(weekdays=tuple(range(7)), start_hour=0.0, end_hour=24.0, timezone=timezone)


Instants: TypeAlias = pd.Series | pd.Index | np.ndarray  # datetimes: aware, or naive meaning UTC


def _as_utc_ns(values: Instants) -> IntArray:
    """Instants as int64 ns since the epoch (UTC); NaT as numpy's NaT integer. Naive values are UTC."""
    if isinstance(values, (pd.Series, pd.Index)):
        if isinstance(values.dtype, pd.DatetimeTZDtype):
            idx = pd.DatetimeIndex(values).tz_convert("UTC").tz_localize(None)
        else:
            idx = pd.DatetimeIndex(values)
        return idx.as_unit("ns").asi8.copy()
    arr = np.asarray(values)
    if arr.dtype.kind == "M":
        ns: IntArray = arr.astype("datetime64[ns]").view(np.int64)
        return ns
    return pd.DatetimeIndex(pd.to_datetime(arr, utc=True)).tz_localize(None).as_unit("ns").asi8.copy()


def _local_days(utc_ns: IntArray, timezone: str) -> IntArray:
    """Local calendar date of each instant, as days since 1970-01-01.

    The zone's offset is looked up once per distinct quarter hour of UTC time (zones change their offset on a
    quarter hour), so a million instants cost a hash of integers, not a million conversions.
    """
    if timezone.upper() in ("UTC", "ETC/UTC", "GMT"):
        utc_days: IntArray = np.floor_divide(utc_ns, NS_PER_DAY)
        return utc_days
    quarter = 15 * NS_PER_MINUTE
    codes, keys = pd.factorize(np.floor_divide(utc_ns, quarter))
    starts = pd.DatetimeIndex((keys * quarter).view("datetime64[ns]")).tz_localize("UTC")
    offset = starts.tz_convert(timezone).tz_localize(None).as_unit("ns").asi8 - keys * quarter
    local_days: IntArray = np.floor_divide(utc_ns + offset[codes], NS_PER_DAY)
    return local_days


def _windows(first_day: int, last_day: int, cal: BusinessCalendar) -> tuple[IntArray, IntArray]:
    """UTC start and end (ns) of the business window of every local date in [first_day, last_day]."""
    days = np.arange(first_day, last_day + 1, dtype=np.int64)
    start_wall = days * NS_PER_DAY + round(cal.start_hour * 60) * NS_PER_MINUTE
    end_wall = days * NS_PER_DAY + round(cal.end_hour * 60) * NS_PER_MINUTE
    ws = _wall_to_utc(start_wall, cal.timezone)
    we = _wall_to_utc(end_wall, cal.timezone)
    weekday = (days + 3) % 7  # 1970-01-01 was a Thursday (3)
    working = np.isin(weekday, np.array(cal.weekdays, dtype=np.int64))
    if cal.holidays:
        hol = np.array([(h - dt.date(1970, 1, 1)).days for h in cal.holidays], dtype=np.int64)
        working &= ~np.isin(days, hol)
    we = np.where(working, np.maximum(we, ws), ws)  # a day off has an empty window
    return ws, we


def _wall_to_utc(wall_ns: IntArray, timezone: str) -> IntArray:
    """Wall-clock instants to UTC; a wall time skipped by a clock change moves to the change."""
    idx = pd.DatetimeIndex(wall_ns.view("datetime64[ns]"))
    loc = idx.tz_localize(timezone, ambiguous=np.ones(len(idx), bool), nonexistent="shift_forward")
    return loc.tz_convert("UTC").tz_localize(None).as_unit("ns").asi8


class BusinessClock:
    """Business minutes elapsed since a fixed origin, for any instant of the local dates it covers.

    ``minutes(b) - minutes(a)`` is the business time between a and b; computing each column's
    minutes once lets many differences share the work (first response, resolution, time waiting so far).
    """

    def __init__(self, calendar: BusinessCalendar, first_day: int, last_day: int):
        self.calendar = calendar
        self.first_day = int(first_day)
        self.last_day = int(max(last_day, first_day))
        self.ws, we = _windows(self.first_day, self.last_day, calendar)
        self.length = (we - self.ws).astype(np.float64)
        self.cum = np.concatenate([[0.0], np.cumsum(self.length)[:-1]])

    @classmethod
    def covering(cls, calendar: BusinessCalendar, *columns: Instants) -> BusinessClock:
        """A clock for every local date the given instant columns touch (missing values ignored)."""
        lo, hi = None, None
        nat = np.iinfo(np.int64).min
        for col in columns:
            ns = _as_utc_ns(col)
            ns = ns[ns != nat]
            if len(ns):
                a, b = int(ns.min()), int(ns.max())
                lo = a if lo is None else min(lo, a)
                hi = b if hi is None else max(hi, b)
        if lo is None:
            return cls(calendar, 0, 0)
        days = _local_days(np.array([lo, hi], np.int64), calendar.timezone)
        return cls(calendar, int(days[0]) - 1, int(days[1]) + 1)

    def minutes(self, values: Instants) -> FloatArray:
        """Business minutes from the clock's origin to each instant; NaN where missing."""
        ns = _as_utc_ns(values)
        nat = np.iinfo(np.int64).min
        ok = ns != nat
        out = np.full(len(ns), np.nan)
        if not ok.any():
            return out
        x = ns[ok]
        days = _local_days(x, self.calendar.timezone)
        if days.min() < self.first_day or days.max() > self.last_day:
            raise ValueError("instant outside the dates this business clock covers")
        i = days - self.first_day
        out[ok] = (self.cum[i] + np.clip((x - self.ws[i]).astype(np.float64), 0.0, self.length[i])) / NS_PER_MINUTE
        return out


def business_minutes_between(start: Instants, end: Instants, calendar: BusinessCalendar) -> FloatArray:
    """Business minutes between each pair of instants (arrays of equal length).

    ``start`` and ``end``: Series, DatetimeIndex or numpy datetime64 arrays
    (time-zone aware, or naive meaning UTC). Returns float64 minutes; NaN where
    either side is missing; negative where ``end`` is before ``start``.
    """
    s = _as_utc_ns(start)
    e = _as_utc_ns(end)
    if len(s) != len(e):
        raise ValueError("start and end must have the same length")
    clock = BusinessClock.covering(calendar, s.view("datetime64[ns]"), e.view("datetime64[ns]"))
    return clock.minutes(e.view("datetime64[ns]")) - clock.minutes(s.view("datetime64[ns]"))


def calendar_minutes_between(start: Instants, end: Instants) -> FloatArray:
    """Elapsed minutes between each pair of instants; NaN where either is missing."""
    s = _as_utc_ns(start)
    e = _as_utc_ns(end)
    nat = np.iinfo(np.int64).min
    ok = (s != nat) & (e != nat)
    out = np.full(len(s), np.nan)
    out[ok] = (e[ok] - s[ok]).astype(np.float64) / NS_PER_MINUTE
    return out
