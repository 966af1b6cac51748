"""Business minutes between two instants: hand-worked cases at day, weekend, holiday and daylight-saving boundaries."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from planner.operations.calendar import BusinessCalendar, business_minutes_between, calendar_minutes_between

BERLIN = BusinessCalendar(weekdays=(0, 1, 2, 3, 4), start_hour=9, end_hour=17, timezone="Europe/Berlin")
NEW_YORK = BusinessCalendar(weekdays=(0, 1, 2, 3, 4), start_hour=8.5, end_hour=17.5, timezone="America/New_York")


def minutes(start: str, end: str, cal: BusinessCalendar) -> float:
    s = pd.Series(pd.to_datetime([start], utc=True))
    e = pd.Series(pd.to_datetime([end], utc=True))
    return float(business_minutes_between(s, e, cal)[0])


def test_within_one_working_day():
    # Tue 2026-03-10 10:00 to 12:30 Berlin (CET = UTC+1): 150 minutes, all inside 9-17
    assert minutes("2026-03-10T09:00Z", "2026-03-10T11:30Z", BERLIN) == 150


def test_before_opening_and_after_closing_count_nothing():
    # 07:00-09:00 local and 17:00-20:00 local on the same Tuesday: outside the window
    assert minutes("2026-03-10T06:00Z", "2026-03-10T08:00Z", BERLIN) == 0
    assert minutes("2026-03-10T16:00Z", "2026-03-10T19:00Z", BERLIN) == 0
    # 08:00 to 18:00 local covers the whole window: 8 hours
    assert minutes("2026-03-10T07:00Z", "2026-03-10T17:00Z", BERLIN) == 480


def test_overnight_counts_the_end_of_one_day_and_the_start_of_the_next():
    # Tue 16:00 local -> Wed 10:00 local: 60 + 60
    assert minutes("2026-03-10T15:00Z", "2026-03-11T09:00Z", BERLIN) == 120


def test_a_ticket_over_a_weekend():
    # Fri 2026-03-06 15:30 local -> Mon 2026-03-09 09:45 local: Fri 90 min, Sat/Sun 0, Mon 45 min
    assert minutes("2026-03-06T14:30Z", "2026-03-09T08:45Z", BERLIN) == 135
    # created on Saturday, answered on Sunday: no business time at all
    assert minutes("2026-03-07T10:00Z", "2026-03-08T15:00Z", BERLIN) == 0


def test_a_ticket_over_the_weekend_the_clocks_go_forward():
    # Berlin changes to CEST (UTC+2) on Sun 2026-03-29. Fri 27 16:00 CET (15:00Z) -> Mon 30 10:00 CEST (08:00Z):
    # Fri 16:00-17:00 = 60, Mon 09:00-10:00 = 60 -> 120. Counting in UTC with a 9-17 window would give another answer.
    assert minutes("2026-03-27T15:00Z", "2026-03-30T08:00Z", BERLIN) == 120


def test_the_week_the_clocks_go_back_in_new_york():
    # New York leaves EDT (UTC-4) for EST (UTC-5) on Sun 2026-11-01; window 08:30-17:30 = 540 min a day.
    # Fri 2026-10-30 17:00 EDT (21:00Z) -> Tue 2026-11-03 09:00 EST (14:00Z): Fri 30, Mon 540, Tue 30 -> 600.
    assert minutes("2026-10-30T21:00Z", "2026-11-03T14:00Z", NEW_YORK) == 600


def test_a_round_the_clock_calendar_counts_the_real_length_of_a_day_with_a_clock_change():
    always = BusinessCalendar.always("Europe/Berlin")
    # local midnight to local midnight around 2026-03-29: the day has 23 hours; around 2026-10-25: 25 hours
    assert minutes("2026-03-28T23:00Z", "2026-03-29T22:00Z", always) == 23 * 60
    assert minutes("2026-10-24T22:00Z", "2026-10-25T23:00Z", always) == 25 * 60
    # and any span equals its elapsed minutes
    assert minutes("2026-03-27T12:34Z", "2026-04-02T01:02Z", always) == (pd.Timestamp("2026-04-02T01:02Z") - pd.Timestamp("2026-03-27T12:34Z")).total_seconds() / 60


def test_holidays_have_no_business_hours():
    cal = BusinessCalendar(timezone="Europe/Berlin", holidays=(dt.date(2026, 4, 3),))  # Good Friday
    # Thu 2 Apr 16:00 CEST -> Mon 6 Apr 10:00 CEST (a holiday too, but not in this calendar): Thu 60 + Mon 60
    assert minutes("2026-04-02T14:00Z", "2026-04-06T08:00Z", cal) == 120
    assert minutes("2026-04-03T08:00Z", "2026-04-03T14:00Z", cal) == 0


def test_weekend_working_calendar_and_fractional_hours():
    cal = BusinessCalendar(weekdays=(5, 6), start_hour=10.25, end_hour=14, timezone="UTC")
    # Sat 2026-03-07 10:15-14:00 = 225 minutes, Sun the same, Mon nothing
    assert minutes("2026-03-07T00:00Z", "2026-03-10T00:00Z", cal) == 450


def test_a_whole_column_at_once_with_missing_and_reversed_pairs():
    starts = pd.Series(pd.to_datetime(["2026-03-10T09:00Z", None, "2026-03-10T11:00Z", "2026-03-06T14:30Z"], utc=True))
    ends = pd.Series(pd.to_datetime(["2026-03-10T11:30Z", "2026-03-10T11:30Z", "2026-03-10T10:00Z", "2026-03-09T08:45Z"], utc=True))
    got = business_minutes_between(starts, ends, BERLIN)
    assert got[0] == 150 and np.isnan(got[1]) and got[2] == -60 and got[3] == 135
    cal = calendar_minutes_between(starts, ends)
    assert cal[0] == 150 and np.isnan(cal[1]) and cal[2] == -60


def test_a_million_pairs_match_a_day_by_day_count_on_a_sample():
    rng = np.random.default_rng(5)
    n = 1_000_000
    base = pd.Timestamp("2025-01-01T00:00Z").value
    s = base + rng.integers(0, 365 * 86400, n).astype(np.int64) * 1_000_000_000
    e = s + rng.integers(0, 20 * 86400, n).astype(np.int64) * 1_000_000_000
    got = business_minutes_between(s.view("datetime64[ns]"), e.view("datetime64[ns]"), BERLIN)
    # an independent count for 200 of them: walk the local days one by one with zoneinfo
    from zoneinfo import ZoneInfo

    tz = ZoneInfo("Europe/Berlin")
    for i in rng.choice(n, 200, replace=False):
        a = dt.datetime.fromtimestamp(s[i] / 1e9, tz=dt.UTC)
        b = dt.datetime.fromtimestamp(e[i] / 1e9, tz=dt.UTC)
        day = a.astimezone(tz).date()
        total = 0.0
        while day <= b.astimezone(tz).date():
            if day.weekday() < 5:
                w0 = dt.datetime(day.year, day.month, day.day, 9, tzinfo=tz).astimezone(dt.UTC)
                w1 = dt.datetime(day.year, day.month, day.day, 17, tzinfo=tz).astimezone(dt.UTC)
                lo, hi = max(a, w0), min(b, w1)
                if hi > lo:
                    total += (hi - lo).total_seconds() / 60
            day += dt.timedelta(days=1)
        assert got[i] == pytest.approx(total, abs=1e-6), i


@pytest.mark.parametrize("kwargs", [dict(weekdays=()), dict(weekdays=(7,)), dict(start_hour=17, end_hour=9),
                                    dict(end_hour=25), dict(timezone="Mars/Olympus")])
def test_a_calendar_that_makes_no_sense_is_refused(kwargs):
    with pytest.raises(ValueError):
        BusinessCalendar(**kwargs)
