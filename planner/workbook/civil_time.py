"""Calendar arithmetic on whole columns: days since 1970 of civil dates, and wall-clock time in an IANA zone as UTC.

Times are int64 nanoseconds since 1970-01-01 (numpy's datetime64[ns] seen as
integers), ``NAT`` where missing. Nothing here reads files or knows the clock.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

NS_PER_SECOND = 1_000_000_000
NS_PER_MINUTE = 60 * NS_PER_SECOND
NAT = np.iinfo(np.int64).min  # numpy's NaT as an int64


def days_from_civil(y: np.ndarray, m: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 of the proleptic Gregorian dates (y, m, d); whole arrays."""
    y = np.asarray(y, np.int64) - (np.asarray(m) <= 2)
    era = np.floor_divide(y, 400)
    yoe = y - era * 400
    mp = (np.asarray(m, np.int64) + 9) % 12
    doy = (153 * mp + 2) // 5 + np.asarray(d, np.int64) - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def days_in_month(y: np.ndarray, m: np.ndarray) -> np.ndarray:
    leap = ((y % 4 == 0) & (y % 100 != 0)) | (y % 400 == 0)
    table = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], np.int64)
    out = table[np.clip(m, 0, 12)]
    return np.where((m == 2) & leap, 29, out)


def localize(wall_ns: np.ndarray, timezone: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Wall-clock times (int64 ns, NaT allowed) in ``timezone`` -> (UTC int64 ns, repeated mask, skipped mask).

    Offsets are looked up once per distinct quarter hour (every time zone in use
    changes its offset on a quarter hour), so a million times cost a sort.
    """
    wall_ns = np.asarray(wall_ns, np.int64)
    n = len(wall_ns)
    repeated = np.zeros(n, bool)
    skipped = np.zeros(n, bool)
    if n == 0:
        return wall_ns.copy(), repeated, skipped
    valid = wall_ns != NAT
    out = np.full(n, NAT, np.int64)
    if timezone.upper() in ("UTC", "Z", "ETC/UTC", "GMT"):
        out[valid] = wall_ns[valid]
        return out, repeated, skipped
    quarter = 15 * NS_PER_MINUTE
    keys = np.floor_divide(wall_ns[valid], quarter)
    inverse, uniq = pd.factorize(keys)  # hashing: no sort of a million keys
    starts = pd.DatetimeIndex((uniq * quarter).view("datetime64[ns]"))
    first = starts.tz_localize(timezone, ambiguous=np.ones(len(uniq), bool), nonexistent="NaT").as_unit("ns")
    second = starts.tz_localize(timezone, ambiguous=np.zeros(len(uniq), bool), nonexistent="NaT").as_unit("ns")
    gap = np.asarray(first.isna())  # an ndarray already (pandas-stubs say Index)
    off_first = np.where(gap, 0, uniq * quarter - first.asi8)  # offset east of UTC, ns
    rep = ~gap & (first.asi8 != second.asi8)
    if gap.any():  # the offset in force before the change: an hour earlier is outside the gap
        before = pd.DatetimeIndex((uniq[gap] * quarter - 3600 * NS_PER_SECOND).view("datetime64[ns]")).tz_localize(
            timezone, ambiguous=np.ones(int(gap.sum()), np.bool_), nonexistent="shift_backward").as_unit("ns")
        off_first[gap] = uniq[gap] * quarter - 3600 * NS_PER_SECOND - before.asi8
    out[valid] = wall_ns[valid] - off_first[inverse]
    repeated[valid] = rep[inverse]
    skipped[valid] = gap[inverse]
    return out, repeated, skipped
