"""Timestamps and durations as helpdesks and spreadsheets write them; expected instants worked by hand from the offsets."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from planner.workbook.civil_time import days_from_civil, localize
from planner.workbook.durations import parse_durations
from planner.workbook.timeparse import parse_instants


def utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text).tz_convert("UTC") if pd.Timestamp(text).tzinfo else pd.Timestamp(text, tz="UTC")


@pytest.mark.parametrize("text, expected", [
    ("2026-03-17T22:50:26Z", "2026-03-17T22:50:26Z"),                 # Zendesk API / JSON
    ("2026-03-17T22:50:26.123Z", "2026-03-17T22:50:26.123Z"),         # Zammad, milliseconds
    ("2026-03-17 22:50:26+01:00", "2026-03-17T21:50:26Z"),
    ("2026-03-17T22:50-0500", "2026-03-18T03:50:00Z"),
    ("2026-03-17 22:50:26 +0530", "2026-03-17T17:20:26Z"),            # Freshdesk style, space before the offset
    ("2026-03-17 22:50:26 UTC", "2026-03-17T22:50:26Z"),
    ("Tue, 17 Mar 2026 22:50:26 +0000", "2026-03-17T22:50:26Z"),      # RFC 2822
    ("2026-03-17T22:50:26+02", "2026-03-17T20:50:26Z"),
])
def test_times_with_a_zone_are_that_instant_whatever_zone_the_caller_gives(text, expected):
    got = parse_instants(pd.Series([text]), timezone="Asia/Tokyo")
    assert got.utc()[0] == utc(expected)
    assert not got.naive[0] and not got.bad[0]


@pytest.mark.parametrize("text, wall", [
    ("2026-03-17 22:50", "2026-03-17 22:50"),            # Zendesk CSV, account time zone
    ("2026-03-17 22:50:26", "2026-03-17 22:50:26"),
    ("2026/03/17 22:50", "2026-03-17 22:50"),
    ("2026-3-7 9:05", "2026-03-07 09:05"),
    ("2026-03-17", "2026-03-17 00:00"),
    ("17 Mar 2026 22:50", "2026-03-17 22:50"),
    ("Mar 17, 2026 10:50 PM", "2026-03-17 22:50"),
    ("March 17, 2026 12:05 AM", "2026-03-17 00:05"),
    ("17.03.2026 08:00", "2026-03-17 08:00"),             # dots: always day first
])
def test_times_without_a_zone_are_wall_clock_time_in_the_callers_zone(text, wall):
    got = parse_instants(pd.Series([text]), timezone="America/New_York")
    # New York is UTC-4 on 17 March 2026 (DST began 8 March), UTC-5 on 7 March
    expected = pd.Timestamp(wall).tz_localize("America/New_York").tz_convert("UTC")
    assert got.utc()[0] == expected
    assert got.naive[0]


def test_slash_dates_follow_the_column():
    day_first = parse_instants(pd.Series(["03/04/2026", "17/04/2026"]))
    assert day_first.order == "day/month" and day_first.order_decided
    assert list(day_first.utc()) == [utc("2026-04-03"), utc("2026-04-17")]
    month_first = parse_instants(pd.Series(["03/04/2026", "4/17/2026 2:30 PM"]))
    assert month_first.order == "month/day" and month_first.order_decided
    assert list(month_first.utc()) == [utc("2026-03-04"), utc("2026-04-17T14:30")]
    undecided = parse_instants(pd.Series(["03/04/2026"]))
    assert undecided.order == "month/day" and not undecided.order_decided
    assert parse_instants(pd.Series(["03/04/2026"]), dayfirst=True).utc()[0] == utc("2026-04-03")


def test_blanks_are_missing_and_nonsense_is_bad_never_a_date():
    got = parse_instants(pd.Series(["", None, "n/a", "-", "2026-02-30 10:00", "2026-13-01", "25:00", "soon", "2026-03-17 24:00",
                                    "2/30/2026"]))
    assert got.blank.tolist() == [True, True, True, True, False, False, False, False, False, False]
    assert got.bad.tolist() == [False, False, False, False, True, True, True, True, True, True]
    assert got.utc().isna().all()


def test_clock_changes_repeated_and_skipped_hours():
    got = parse_instants(pd.Series(["2026-10-25 02:30", "2026-03-29 02:30", "2026-10-25 03:30"]), timezone="Europe/Berlin")
    # 02:30 on 25 Oct happens twice: the first is CEST (UTC+2) -> 00:30Z
    # 02:30 on 29 Mar never happens: read with the offset before the change, CET (UTC+1) -> 01:30Z
    # 03:30 on 25 Oct is after the change, CET -> 02:30Z
    assert list(got.utc()) == [utc("2026-10-25T00:30Z"), utc("2026-03-29T01:30Z"), utc("2026-10-25T02:30Z")]
    assert got.repeated.tolist() == [True, False, False]
    assert got.skipped.tolist() == [False, True, False]


def test_localize_agrees_with_pandas_on_a_year_of_quarter_hours():
    wall = pd.date_range("2026-01-01", "2027-01-01", freq="7min").as_unit("ns")
    got, _rep, _skip = localize(wall.asi8, "America/Sao_Paulo")
    expected = wall.tz_localize("America/Sao_Paulo", ambiguous=True, nonexistent="NaT")
    ok = ~expected.isna()
    assert (got[ok] == expected.tz_convert("UTC").tz_localize(None).as_unit("ns").asi8[ok]).all()


def test_real_timestamp_columns_from_parquet():
    aware = pd.Series(pd.to_datetime(["2026-03-17T22:50:26+01:00"], utc=True))
    assert parse_instants(aware, timezone="Asia/Tokyo").utc()[0] == utc("2026-03-17T21:50:26Z")
    naive = pd.Series(pd.to_datetime(["2026-03-17 22:50:26"]))
    assert parse_instants(naive, timezone="Europe/Berlin").utc()[0] == utc("2026-03-17T21:50:26Z")
    arrow = pa.array([pd.Timestamp("2026-03-17 22:50:26")], type=pa.timestamp("ms", tz="UTC"))
    assert parse_instants(arrow).utc()[0] == utc("2026-03-17T22:50:26Z")


def test_days_from_civil_matches_numpy_dates():
    days = np.arange(-800_000, 800_000, 37)
    d = days.astype("datetime64[D]")
    y = d.astype("datetime64[Y]").astype(int) + 1970
    m = d.astype("datetime64[M]").astype(int) % 12 + 1
    dd = (d - d.astype("datetime64[M]")).astype(int) + 1
    assert (days_from_civil(y, m, dd) == days).all()


@pytest.mark.parametrize("text, unit, minutes", [
    ("90", "minutes", 90), ("1.5", "hours", 90), ("5400", "seconds", 90), ("01:30:00", "hours", 90), ("1:30", "minutes", 90),
    ("36:15:30", "hours", 36 * 60 + 15.5), ("1h 30m", "minutes", 90), ("90 min", "hours", 90), ("1.5 hrs", "minutes", 90),
    ("2 days", "minutes", 2880), ("12,5", "minutes", 12.5), ("0", "minutes", 0),
])
def test_durations_in_minutes_hours_or_clock_form(text, unit, minutes):
    got = parse_durations(pd.Series([text]), unit=unit)
    assert got.values[0] == pytest.approx(minutes)


def test_a_blank_duration_is_missing_never_zero():
    got = parse_durations(pd.Series(["", None, "0", "-5", "soon", "1:75"]), unit="minutes")
    assert got.blank.tolist() == [True, True, False, False, False, False]
    assert np.isnan(got.values[0]) and np.isnan(got.values[1]) and got.values[2] == 0
    assert got.negative.tolist() == [False, False, False, True, False, False]
    assert got.bad.tolist() == [False, False, False, False, True, True]
    numeric = parse_durations(pd.Series([1.5, np.nan, -1.0]), unit="hours")
    assert numeric.values[0] == 90 and np.isnan(numeric.values[1]) and numeric.negative[2]
