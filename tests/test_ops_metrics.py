"""Segment metrics against the support-ops reference's worked example and hand-worked response-time tables."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from ops_helpers import accounts, default_slas, default_tiers

from planner.operations import BusinessCalendar, find_outcomes, operations_report
from planner.operations.measuring import sla_unit
from planner.operations.quantiles import grouped_quantiles
from planner.operations.retention import grr, nrr
from planner.report.operations_words import off_text

AS_OF = dt.date(2026, 6, 30)


def tier2_example(net_change: bool = True) -> pd.DataFrame:
    """The reference's Tier 2: 40 logos at $50k = $2.0M; 3 churn ($150k); contraction $50k; expansion $250k;
    20 logos ($1.0M) up for renewal in the year, where all the losses happened."""
    rows = []
    for i in range(1, 41):
        start = 50_000.0
        row = {"account_id": f"T2-{i:02d}", "arr": start, "previous_tier": "Tier 2",
               "Renewal date": "2026-03-15" if i <= 20 else "2026-09-15", "Churned": "No", "Renewed": None,
               "Expansion ARR": "0"}
        if i <= 3:
            row.update(Churned="Yes", Renewed="No")  # ARR stays what the account paid when it left
        elif i <= 20:
            row.update(Renewed="Yes")
        if i in (4, 5):
            row.update(arr=25_000.0, **{"Expansion ARR": "(25,000)"})  # contraction written the accountants' way
        if 21 <= i <= 25:
            row.update(arr=100_000.0, **{"Expansion ARR": "$50,000"})
        row["ARR a period ago"] = start
        rows.append(row)
    # a customer won during the year: not part of the start-of-year cohort
    rows.append({"account_id": "T2-NEW", "arr": 80_000.0, "previous_tier": "Tier 2", "Renewal date": "2027-01-15",
                 "Churned": "No", "Renewed": None, "Expansion ARR": "0", "ARR a period ago": None, "Customer since": "2026-01-15"})
    frame = accounts(rows)
    if net_change:
        frame = frame.drop(columns=["ARR a period ago"])
    else:
        frame = frame.drop(columns=["Expansion ARR"])
    return frame


@pytest.mark.parametrize("net_change", [True, False], ids=["expansion-arr-column", "arr-a-period-ago-column"])
def test_the_reference_worked_example(net_change):
    report = operations_report(tier2_example(net_change), default_tiers(), default_slas(), None, as_of=AS_OF)
    t2 = {s.segment: s for s in report.segment_metrics.tiers}["Tier 2"]
    r = t2.retention
    assert (r.logos_start, r.arr_start) == (40, 2_000_000)
    assert (r.churned_logos, r.churned_arr, r.contraction_arr, r.expansion_arr) == (3, 150_000, 50_000, 250_000)
    assert r.grr == pytest.approx(0.900)           # 1.80 / 2.0
    assert r.nrr == pytest.approx(1.025)           # 2.05 / 2.0
    assert r.logo_churn == pytest.approx(0.075)    # 3 / 40
    assert r.expansion_rate == pytest.approx(0.125)  # 0.25 / 2.0
    assert (r.up_for_renewal, r.renewed_logos) == (20, 17)
    assert r.logo_renewal == pytest.approx(0.85)   # 17 / 20
    assert (r.arr_up_for_renewal, r.arr_renewed) == (1_000_000, 800_000)
    assert r.dollar_renewal == pytest.approx(0.80)  # 0.80 / 1.0
    assert r.expanded_logos == 5
    if net_change:
        assert r.new_logos == 1
    assert t2.accounts == 41


def test_grr_is_never_above_100_percent_and_nrr_may_be():
    assert grr(100.0, 0.0, 0.0) == 1.0
    assert grr(100.0, -10.0, 0.0) == 1.0  # even if a negative contraction slipped through
    assert nrr(100.0, 30.0, 5.0, 5.0) == pytest.approx(1.20)
    assert grr(0.0, 0.0, 0.0) is None and nrr(0.0, 1.0, 0.0, 0.0) is None


def test_missing_outcome_columns_switch_the_metrics_off_with_a_reason():
    plain = accounts([{"account_id": "A", "arr": 10_000.0, "previous_tier": "Tier 1"}])
    report = operations_report(plain, default_tiers(), default_slas(), None, as_of=AS_OF)
    r = report.segment_metrics.tiers[0].retention
    assert (r.grr, r.nrr, r.logo_churn, r.expansion_rate, r.logo_renewal, r.dollar_renewal) == (None,) * 6
    off = {m.metric: off_text(m) for m in report.segment_metrics.off}
    assert off["grr"] == "Gross revenue retention is not computed: the accounts have no Churned column."
    assert off["expansion_rate"] == "Expansion rate is not computed: the accounts have none of the columns ARR a period ago, Expansion ARR."
    assert off["logo_renewal"] == "Logo renewal rate is not computed: the accounts have none of the columns Renewal date, Renewed."
    assert off["time_to_first_expansion"] == ("Time to first expansion is not computed: the accounts lack the columns "
                                              "First expansion date and Customer since.")
    # counts are there even when the rates are not: one logo in Tier 1
    assert r.logos_start == 1


def test_time_to_first_expansion_is_a_median_of_days():
    rows = [
        {"account_id": "A", "arr": 100.0, "previous_tier": "Tier 1", "Customer since": "2025-01-01", "First expansion date": "2025-01-31"},
        {"account_id": "B", "arr": 100.0, "previous_tier": "Tier 1", "Customer since": "2025-01-01", "First expansion date": "2025-03-02"},
        {"account_id": "C", "arr": 100.0, "previous_tier": "Tier 1", "Customer since": "2024-12-01", "First expansion date": "2025-12-01"},
        {"account_id": "D", "arr": 100.0, "previous_tier": "Tier 1", "Customer since": "2025-01-01", "First expansion date": None},
    ]
    report = operations_report(accounts(rows), default_tiers(), default_slas(), None, as_of=AS_OF)
    r = report.segment_metrics.tiers[0].retention
    # 30, 60 and 365 days -> median 60, from 3 accounts
    assert (r.first_expansion_count, r.first_expansion_days_median) == (3, 60.0)


def test_grouped_quantiles_interpolate_like_percentile_inc():
    groups = np.array([0, 0, 0, 0, 0, 1, 1, 2])
    values = np.array([40.0, 10.0, 100.0, 30.0, 20.0, 5.0, np.nan, 7.0])
    counts, q = grouped_quantiles(groups, values, 4)
    assert counts.tolist() == [5, 1, 1, 0]
    # group 0 sorted 10 20 30 40 100: median 30; p90 at position 3.6 -> 40 + 0.6 x 60 = 76
    assert q[0].tolist() == [30.0, 76.0]
    assert q[1].tolist() == [5.0, 5.0] and q[2].tolist() == [7.0, 7.0] and np.isnan(q[3]).all()


def test_sla_units_follow_how_the_target_is_written():
    # 20 s; 2 min; 90 s (1.5 min is not whole); 4 h; 90 min (1.5 h is not whole); 30 s
    assert [sla_unit(s) for s in (20, 120, 90, 4 * 3600, 5400, 30)] == ["seconds", "minutes", "seconds", "hours", "minutes", "seconds"]


def _tickets(rows):
    frame = pd.DataFrame(rows, columns=["ticket_id", "account_id", "created_at", "first_response_at", "resolved_at", "priority", "channel"])
    for c in ("created_at", "first_response_at", "resolved_at"):
        frame[c] = pd.to_datetime(frame[c], utc=True)
    return frame


def test_response_times_per_tier_and_severity_in_the_slas_unit_and_clock():
    acc = accounts([{"account_id": "A", "arr": 200_000.0, "previous_tier": "Tier 1"},
                    {"account_id": "B", "arr": 20_000.0, "previous_tier": "Tier 3"}])
    # Tier 1 Normal (target 12 hours): first responses after 10, 20, 30, 40 and 100 minutes, and one still waiting
    base = pd.Timestamp("2026-05-05T08:00Z")  # a Tuesday
    rows = [[f"n{i}", "A", base, base + pd.Timedelta(minutes=m), base + pd.Timedelta(hours=5), "Normal", "Email/ticket"]
            for i, m in enumerate([10, 20, 30, 40, 100])]
    rows.append(["n5", "A", base, None, None, "Normal", "Email/ticket"])
    # Tier 1 High (target 4 hours, on business hours here): Fri 16:00 -> Mon 10:00 UTC = 120 business minutes
    rows.append(["h0", "A", "2026-05-08T16:00Z", "2026-05-11T10:00Z", None, "High", "Email/ticket"])
    report = operations_report(acc, default_tiers(), default_slas(), _tickets(rows), as_of=AS_OF,
                               calendar=BusinessCalendar(timezone="UTC"), business_hours={("Tier 1", "High"): True})
    t1 = {s.segment: s for s in report.segment_metrics.tiers}["Tier 1"]
    times = {t.severity: t for t in t1.times}
    normal = times["Normal"].first_response
    assert (normal.count, normal.missing, normal.unit, normal.clock) == (5, 1, "hours", "calendar")
    assert normal.median == pytest.approx(30 / 60) and normal.p90 == pytest.approx(76 / 60)
    assert times["Normal"].resolution.median == pytest.approx(5.0) and times["Normal"].resolution.missing == 1
    high = times["High"].first_response
    assert (high.count, high.clock, high.median) == (1, "business", pytest.approx(2.0))
    # all severities together, calendar hours: 10, 20, 30, 40, 100 minutes and 66 hours -> median 35 minutes
    assert times["All"].first_response.median == pytest.approx(35 / 60) and times["All"].tickets == 7
    assert t1.tickets == 7 and t1.tickets_per_account_month == pytest.approx(7 / 1 / 12)
    # a tier without tickets has counts of zero, not made-up times
    t3 = {s.segment: s for s in report.segment_metrics.tiers}["Tier 3"]
    assert t3.tickets == 0 and all(t.first_response.median is None for t in t3.times)


def test_engagement_models_group_their_tiers():
    acc = tier2_example()
    report = operations_report(acc, default_tiers(), default_slas(), None, as_of=AS_OF)
    by_model = {s.segment: s for s in report.segment_metrics.engagement}
    assert by_model["Mid touch"].tiers == ("Tier 2",)
    assert by_model["Mid touch"].retention.grr == pytest.approx(0.9)
    assert report.segment_metrics.total.retention.nrr == pytest.approx(1.025)


def test_outcome_cells_that_cannot_be_read_are_row_messages():
    acc = accounts([{"account_id": "A", "arr": 1.0, "Renewed": "perhaps", "Usage now": "lots", "Last active": "last week"},
                    {"account_id": "B", "arr": 1.0, "Renewed": "Y", "Usage now": "1,200", "Last active": "2026-06-01"}])
    out = find_outcomes(acc)
    assert [str(p) for p in out.problems] == [
        'Accounts row 2: Renewed "perhaps" is not yes or no (Renewed expects Yes or No; treated as blank)',
        'Accounts row 2: Usage now "lots" is not a number (treated as missing)',
        'Accounts row 2: Last active "last week" is not a date (treated as missing; write dates as 2026-03-17)',
    ]
    assert out.frame["renewed"].tolist()[1] is True and pd.isna(out.frame["renewed"][0])
    assert out.frame["usage_now"].tolist()[1] == 1200
    assert out.frame["last_active"].tolist()[1] == pd.Timestamp("2026-06-01")


def test_outcome_headers_are_matched_tolerantly():
    acc = accounts([{"account_id": "A", "arr": 1.0, "RENEWAL_DATE": 46204, "churned?": "TRUE", "Usage (last 30 days)": 5,
                     "Usage prior period": 7, "last-login": "2026-06-01", "Licensed Seats": 10, "MAU": 4}])
    out = find_outcomes(acc)
    assert out.columns == {"renewal_date": "RENEWAL_DATE", "churned": "churned?", "usage_now": "Usage (last 30 days)",
                           "usage_prior": "Usage prior period", "last_active": "last-login", "active_seats": "MAU",
                           "licensed_seats": "Licensed Seats"}
    # 46204 is a spreadsheet serial date: 2026-07-01 (45658 is 2025-01-01, plus 365 + 181 days)
    assert out.frame["renewal_date"][0] == pd.Timestamp("2026-07-01")
