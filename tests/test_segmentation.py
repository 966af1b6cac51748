"""Segmentation on tiny hand-built bases: every expected number below is worked out by hand in the comments."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from seg_helpers import accounts, make_inputs, tiers

from planner.inputs import ScoringRule
from planner.schema import RESULT_SHEETS
from planner.segmentation import Segmentation, segment
from planner.segmentation.retier import CHURN, KEPT, LOCKED, SCORE_CUTOFF, STRATEGIC, place
from planner.segmentation.scoring import percentile_rank
from planner.writers.plan_json import segmentation_json
from planner.writers.results import Formula
from planner.writers.segmentation_sheets import segmentation_sheets

# Ten accounts ranked by ARR alone; bands on the number of accounts: 20% / 30% / 50%.
# Scores are percentile ranks (rank-1)/9*100: 0, 11.11, 22.22, ..., 88.89, 100.
TEN_ARR = [1_000.0 * (i + 1) for i in range(10)]  # A00 smallest .. A09 largest
ACCOUNT_BANDS = tiers((0.2, 0.2), (0.3, 0.3), (0.5, 0.5), basis="Accounts")


def ten(**extra) -> pd.DataFrame:
    return accounts(arr=TEN_ARR, **extra)


# ---------------------------------------------------------------- scores


def test_percentile_rank_averages_ties_and_keeps_blanks():
    # ranks among the 4 present values: 1, 2.5, 2.5, 4 -> (r-1)/3*100
    got = percentile_rank(np.array([10.0, 20.0, 20.0, 40.0, np.nan]))
    assert got[:4].tolist() == [0.0, 50.0, 50.0, 100.0]
    assert math.isnan(got[4])


def test_missing_signal_reweights_over_present_pillars_instead_of_counting_zero():
    rules = (
        ScoringRule("Revenue", "arr", 3.0, 1),
        ScoringRule("Health and maturity", "usage", 1.0, 1),
        ScoringRule("Engagement complexity", "tickets", 1.0, -1),
    )
    acc = accounts(arr=[100.0, 200.0, 300.0], usage=[5.0, np.nan, 1.0], tickets=[1.0, 2.0, 3.0])
    seg = segment(make_inputs(acc, rules=rules))
    # arr ranks 0/50/100; usage (2 present) 100/-/0; tickets flipped 100/50/0
    # A00: (3*0 + 100 + 100)/5 = 40; A01: (3*50 + 50)/4 = 50 (health left out); A02: (300 + 0 + 0)/5 = 60
    assert seg.accounts["score"].tolist() == [40.0, 50.0, 60.0]
    assert seg.accounts["revenue_contribution"].tolist() == [0.0, 37.5, 60.0]
    assert math.isnan(seg.accounts["health_and_maturity_score"].iloc[1])
    gap = seg.data_gaps.set_index("item").loc["usage"]
    assert (gap["accounts"], gap["examples"], gap["pillar"]) == (1, "A01", "Health and maturity")
    assert seg.accounts["missing_signals"].iloc[1] == "usage"
    assert seg.accounts["reason"].iloc[1].endswith(" Missing: usage; scored on the signals present.")


def test_missing_signal_inside_a_pillar_keeps_the_pillar_weight():
    rules = (
        ScoringRule("Revenue", "arr", 1.0, 1),
        ScoringRule("Health and maturity", "usage", 1.0, 1),
        ScoringRule("Health and maturity", "nps", 3.0, 1),
    )
    acc = accounts(arr=[1.0, 2.0, 3.0], usage=[np.nan, 10.0, 20.0], nps=[7.0, 8.0, 9.0])
    seg = segment(make_inputs(acc, rules=rules))
    # health: A00 nps only = 0; A01 (1*0 + 3*50)/4 = 37.5; A02 100. Health weighs 4 of 5 in every score.
    assert seg.accounts["health_and_maturity_score"].tolist() == [0.0, 37.5, 100.0]
    assert seg.accounts["score"].tolist() == [0.0, 40.0, 100.0]  # (50 + 4*37.5)/5 = 40


def test_text_blank_and_missing_columns_never_crash_and_are_reported():
    rules = (
        ScoringRule("Revenue", "ARR", 2.0, 1),  # header spelling resolves to the canonical arr column
        ScoringRule("Growth potential", "growth", 1.0, 1),
        ScoringRule("Strategic value", "not exported", 1.0, 1),
        ScoringRule("Health and maturity", "health", 1.0, -1),
    )
    acc = accounts(
        account_id=["A", None, "C", "D"],
        arr=[np.nan, 500.0, 100.0, 300.0],
        growth=["12", "abc", None, "  7 "],
        health=[np.nan, np.nan, np.nan, np.nan],
        previous_tier=[None, " tier 2 ", "Gold", float("nan")],
        strategic=["Yes", "no", None, "x"],
        churn_risk=[None, None, None, None],
        industry=[None, "", "Retail", float("nan")],
    )
    seg = segment(make_inputs(acc, rules=rules))
    gaps = seg.data_gaps.set_index("item")
    assert gaps.loc["growth", "accounts"] == 2 and "1 of them held text that is not a number" in gaps.loc["growth", "assumed"]
    assert gaps.loc["not exported", "accounts"] == 4 and "not in the accounts export" in gaps.loc["not exported", "assumed"]
    assert gaps.loc["health", "accounts"] == 4
    assert gaps.loc["Previous tier", "accounts"] == 1 and "'Gold'" in gaps.loc["Previous tier", "assumed"]
    assert gaps.loc["Industry", "accounts"] == 3
    # blank ARR counts as 0 in shares; the account is still scored on growth (rank of 12 among 12 and 7 -> 100)
    assert seg.accounts["score"].iloc[0] == 100.0
    assert seg.tier_stats()["arr"].sum() == 900.0
    # " tier 2 " matches Tier 2 ignoring case and spaces; "Gold" is treated as new
    assert seg.accounts["changed"].tolist()[1:3] == [seg.accounts["tier"].iloc[1] != "Tier 2", True]
    assert seg.accounts["reason"].iloc[2].startswith('Previous tier "Gold" is not on the Tiers sheet, so it is treated as new.')
    assert all(isinstance(r, str) and r for r in seg.accounts["reason"])


def test_no_signal_at_all_gets_the_neutral_score():
    acc = accounts(arr=[np.nan, 10.0, 20.0])
    seg = segment(make_inputs(acc))
    assert seg.accounts["score"].tolist() == [50.0, 0.0, 100.0]
    assert "neutral score of 50.00" in seg.accounts["reason"].iloc[0]
    assert seg.data_gaps.set_index("item").loc["All scoring signals", "accounts"] == 1


# ---------------------------------------------------------------- cut-offs and bands


def test_account_bands_give_exact_tiers_and_cutoffs():
    seg = segment(make_inputs(ten(), tier_defs=ACCOUNT_BANDS))
    # top 2 accounts (scores 100, 88.89), next 3 (77.78, 66.67, 55.56), rest 5
    assert seg.cutoffs.to_dict() == {"Tier 1": 88.89, "Tier 2": 55.56, "Tier 3": 0.0}
    assert seg.tiers.tolist() == ["Tier 3"] * 5 + ["Tier 2"] * 3 + ["Tier 1"] * 2
    assert seg.bands["met"].all() and seg.band_message == "Every tier is inside its band."
    assert seg.accounts["rule"].unique().tolist() == ["score cut-off"]
    assert seg.accounts["reason"].iloc[9].startswith(
        "New account (no previous tier). Score 100.00 is at or above the Tier 1 cut-off of 88.89. "
        "Largest contribution: Revenue, 100.00 of its 100.00 points.")
    assert seg.accounts["reason"].iloc[6].startswith(
        "New account (no previous tier). Score 66.67 is between the Tier 2 cut-off of 55.56 and the Tier 1 cut-off of 88.89.")
    assert seg.accounts["reason"].iloc[0].startswith("New account (no previous tier). Score 0.00 is below the Tier 2 cut-off of 55.56.")
    # what would move it: next tier up needs the cut-off plus the 3-point margin
    assert seg.accounts["points_to_next_tier_up"].iloc[6] == pytest.approx(88.89 + 3 - 66.67)
    assert seg.accounts["points_to_next_tier_down"].iloc[6] == pytest.approx(66.67 - (55.56 - 3))
    assert math.isnan(seg.accounts["points_to_next_tier_up"].iloc[9])
    assert math.isnan(seg.accounts["points_to_next_tier_down"].iloc[0])


def test_arr_bands_fill_from_the_top_and_include_the_account_that_crosses_the_target():
    # default bands 10-20 / 30-50 / 30-60 % of ARR: targets sit halfway (lam = 0.5): 15% and then 15+40 = 55% cumulative
    arr = [10.0, 9.0, 8.0, 7.0, 6.0, 5.0, 4.0, 3.0, 2.0, 1.0]  # total 55
    seg = segment(make_inputs(accounts(arr=arr)))
    assert seg.lam == pytest.approx(0.5)
    assert seg.bands["target_share"].tolist()[:2] == pytest.approx([0.15, 0.40])
    # Tier 1: 10 (18.2%; the 9 would start above 15%). Tier 2: 9, 8 and 7 - the 7 starts at 49.1% < 55% and
    # crosses it, so it is in (24/55 = 43.6%). Tier 3: 21/55 = 38.2%.
    assert seg.tiers.tolist() == ["Tier 1"] + ["Tier 2"] * 3 + ["Tier 3"] * 6
    assert seg.cutoff_method == "standard" and seg.bands_feasible
    assert seg.bands["share"].round(4).tolist() == [round(10 / 55, 4), round(24 / 55, 4), round(21 / 55, 4)]
    assert seg.cutoffs.to_dict() == {"Tier 1": 100.0, "Tier 2": 66.67, "Tier 3": 0.0}


def test_cutoffs_are_moved_when_the_standard_targets_miss_a_feasible_band():
    # ARR 19, 18, 17, 16, 15, 15 (total 100). Standard: Tier 1 = {19} (19%), Tier 2 fills to the 55%
    # cumulative target and takes 18, 17 and 16 = 51% (> 50%). Meeting every band needs Tier 2 = {18, 17}
    # (35%) and Tier 3 = 46%. Scores: 100, 80, 60, 40, 10, 10.
    seg = segment(make_inputs(accounts(arr=[19.0, 18.0, 17.0, 16.0, 15.0, 15.0])))
    assert seg.cutoff_method == "adjusted"
    assert seg.tiers.tolist() == ["Tier 1", "Tier 2", "Tier 2", "Tier 3", "Tier 3", "Tier 3"]
    assert seg.cutoffs.to_dict() == {"Tier 1": 100.0, "Tier 2": 60.0, "Tier 3": 0.0}
    assert seg.bands["share"].round(4).tolist() == [0.19, 0.35, 0.46]
    assert "moved from the standard targets" in seg.band_message


def test_infeasible_bands_say_which_and_by_how_much_and_empty_tiers_are_listed():
    seg = segment(make_inputs(accounts(arr=[60.0, 10.0, 10.0, 10.0, 10.0])))
    assert not seg.bands_feasible
    # Tier 1 = the 60 account; Tier 2 target 55% cumulative is already passed -> empty; Tier 3 the rest
    stats = seg.tier_stats()
    assert stats.to_dict("list") == {"tier": ["Tier 1", "Tier 2", "Tier 3"], "accounts": [1, 0, 4], "arr": [60.0, 0.0, 40.0]}
    assert "Tier 1 holds 60.0% of ARR, 40.0 points above its maximum of 20%" in seg.band_message
    assert "Tier 2 holds 0.0% of ARR, 30.0 points below its minimum of 30%" in seg.band_message
    row = seg.bands.set_index("tier").loc["Tier 2"]
    assert (row["met"], round(row["shortfall"], 6), row["excess"]) == (False, 0.3, 0.0)


# ---------------------------------------------------------------- hysteresis and overrides (pure rule)


CUT = np.array([7000, 4000, 0])  # Tier 1 from 70.00, Tier 2 from 40.00


def run_place(bins, previous, strategic=None, churn=None, locked=None, strategic_tier=None, margin=300):
    n = len(bins)
    return place(
        np.array(bins), CUT, np.array(previous), margin,
        np.array(strategic if strategic is not None else [False] * n),
        strategic_tier,
        np.array(churn if churn is not None else [False] * n),
        np.array(locked if locked is not None else [-1] * n),
    )


def test_hysteresis_moves_only_past_the_margin():
    pl = run_place(
        [7200, 7300, 3800, 3699, 7500, 3000, 3800, 7200],
        [1, 1, 1, 1, 2, 0, 0, -1],
    )
    # 72.00 beats Tier 1's 70 by 2 < 3: stays in Tier 2; 73.00 beats it by 3: moves up
    # 38.00 is 2 below Tier 2's 40: stays; 36.99 is 3.01 below: moves to Tier 3
    # 75.00 from Tier 3 beats Tier 1 by 5: straight to Tier 1; 30.00 from Tier 1 falls to Tier 3;
    # 38.00 from Tier 1 is within the margin of Tier 2's cut-off: lands in Tier 2; no previous tier: score rule
    assert pl.final.tolist() == [1, 0, 1, 2, 0, 2, 1, 0]
    assert pl.kind.tolist() == [KEPT, SCORE_CUTOFF, KEPT, SCORE_CUTOFF, SCORE_CUTOFF, SCORE_CUTOFF, SCORE_CUTOFF, SCORE_CUTOFF]
    assert pl.move.tolist() == [0, 1, 0, -1, 1, -1, -1, 0]


def test_overrides_strategic_churn_and_lock_in_order():
    pl = run_place(
        [7200, 5000, 1000, 1000, 9000, 5000],
        [1, -1, -1, -1, -1, 2],
        strategic=[False, False, True, True, False, False],
        churn=[True, True, False, True, False, False],
        locked=[-1, -1, -1, -1, 2, -1],
        strategic_tier=1,
    )
    # churn skips hysteresis: 72.00 is Tier 1 by score, already top -> stays Tier 1 (noted, not lifted)
    # churn at 50.00: Tier 2 -> one up to Tier 1; strategic at 10.00: Tier 3 -> Tier 2;
    # strategic + churn at 10.00: Tier 2 by the floor, then one up to Tier 1; locked to Tier 3 at 90.00
    # 50.00 with previous Tier 3 is 10 above Tier 2's cut-off: moves up
    assert pl.final.tolist() == [0, 0, 1, 0, 2, 1]
    assert pl.kind.tolist() == [SCORE_CUTOFF, CHURN, STRATEGIC, CHURN, LOCKED, SCORE_CUTOFF]
    assert pl.churn_at_top.tolist() == [True, False, False, False, False, False]


def test_hysteresis_and_overrides_through_segment_with_reasons():
    prev = [None] * 10
    prev[5] = "Tier 3"  # score 55.56 = Tier 2's cut-off exactly: not past it by the margin
    prev[7] = "Tier 1"  # score 77.78: 11.11 below Tier 1's 88.89
    prev[8] = "tier 1"  # score 88.89, same tier (case ignored)
    locked = [None] * 10
    locked[0], locked[1] = "Tier 1", "Platinum"
    reasons = [None] * 10
    reasons[0] = "Board seat"
    acc = ten(previous_tier=prev, locked_tier=locked, lock_reason=reasons,
              strategic=[False, False, True] + [False] * 7, churn_risk=[False] * 6 + [True] + [False] * 3)
    seg = segment(make_inputs(acc, tier_defs=ACCOUNT_BANDS, strategic_tier="Tier 2"))
    assert seg.tiers.tolist() == ["Tier 1", "Tier 3", "Tier 2", "Tier 3", "Tier 3", "Tier 3", "Tier 1", "Tier 2", "Tier 1", "Tier 1"]
    r = seg.accounts["reason"].tolist()
    assert r[0].startswith("Locked to Tier 1: Board seat. Without the lock it would be in Tier 3 (score 0.00).")
    assert seg.accounts["rule"].iloc[0] == "locked: Board seat"
    assert r[2].startswith("Strategic account: placed in Tier 2, the lowest tier the Finance sheet allows for strategic accounts "
                           "(Tier 2 or higher); by score it would be in Tier 3 (score 22.22).")
    assert r[5].startswith("Kept in Tier 3, its previous tier: score 55.56 is 0.00 points above the Tier 2 cut-off of 55.56, "
                           "less than the 3-point margin needed to move up.")
    assert r[6].startswith("Churn risk: one tier above Tier 2 for temporary higher touch until the churn flag is cleared (score 66.67).")
    assert r[7].startswith("Moved down from Tier 1: score 77.78 is 11.11 points below the Tier 1 cut-off of 88.89, "
                           "more than the 3-point re-tiering margin.")
    assert seg.accounts["changed"].tolist() == [True, True, True, True, True, False, True, True, False, True]
    assert seg.movers[["account_id", "direction"]].to_dict("list") == {"account_id": ["A07"], "direction": ["down"]}
    gaps = seg.data_gaps.set_index("item")
    assert gaps.loc["Locked tier", "accounts"] == 1 and "'Platinum'" in gaps.loc["Locked tier", "assumed"]
    # bands: cut-offs meet them by score; the final tiers (after overrides) are reported separately
    assert seg.bands["score_rule_met"].all()
    assert seg.bands["accounts"].tolist() == [4, 2, 4] and not seg.bands["met"].any()
    assert seg.band_message.startswith("After hysteresis and overrides: Tier 1 holds 40.0% of accounts, 20.0 points above its maximum of 20%")


def test_a_wider_margin_keeps_the_account_that_fell_within_it():
    prev = [None] * 7 + ["Tier 1"] + [None] * 2
    seg = segment(make_inputs(ten(previous_tier=prev), tier_defs=ACCOUNT_BANDS, margin=12.0))
    # 77.78 + 12 >= 88.89: still within the margin of Tier 1's cut-off
    assert seg.tiers.iloc[7] == "Tier 1" and seg.accounts["rule"].iloc[7] == "kept by hysteresis"
    assert seg.accounts["reason"].iloc[7].startswith(
        "Kept in Tier 1, its previous tier: score 77.78 is 11.11 points below the Tier 1 cut-off of 88.89, "
        "within the 12-point margin, so it does not move down yet.")


# ---------------------------------------------------------------- movers, drift, breakdown


def test_drift_flags_big_accounts_losing_and_small_accounts_growing():
    prev_score = [0.0] * 10
    scores = [100 / 9 * i for i in range(10)]
    prev_score = [round(s, 2) for s in scores]
    prev_score[9] = 100.0 + 0  # unchanged
    prev_score[8] = 88.89 + 20  # largest-but-one account lost 20 points -> top fifth by ARR
    prev_score[1] = 11.11 - 11.11  # small account gained 11.11 points
    seg = segment(make_inputs(ten(previous_score=prev_score), tier_defs=ACCOUNT_BANDS))
    d = seg.drift.set_index("account_id")
    assert seg.drift_threshold == 6.0  # twice the 3-point margin
    assert d.loc["A08", "flag"] == "High-value account losing ground" and d.loc["A08", "score_change"] == -20.0
    assert d.loc["A01", "flag"] == "Small account expanding fast" and d.loc["A01", "score_change"] == 11.11
    assert seg.drift["account_id"].tolist()[:2] == ["A08", "A01"]  # largest change first


def test_breakdown_counts_and_arr_by_dimension_and_size_band():
    acc = ten(industry=["Retail"] * 5 + ["Health"] * 4 + [None], employees=[10, 60, 300, 2_000, 9_000] * 2,
              region=["EMEA"] * 10, product=["Pro"] * 10)
    seg = segment(make_inputs(acc, tier_defs=ACCOUNT_BANDS))
    b = seg.breakdown.set_index(["dimension", "value"])
    # Retail = A00..A04 (Tier 3), ARR 1k..5k = 15,000; Health = A05..A08: Tier 2 x3 (6k+7k+8k), Tier 1 x1 (9k)
    assert b.loc[("Industry", "Retail"), ["accounts", "arr", "Tier 3 accounts"]].tolist() == [5, 15_000.0, 5]
    assert b.loc[("Industry", "Health"), ["Tier 1 accounts", "Tier 1 ARR", "Tier 2 ARR"]].tolist() == [1, 9_000.0, 21_000.0]
    assert b.loc[("Industry", "Unknown"), "accounts"] == 1
    assert seg.breakdown[seg.breakdown["dimension"] == "Industry"]["value"].tolist() == ["Health", "Retail", "Unknown"]
    sizes = seg.breakdown[seg.breakdown["dimension"] == "Company size"]
    assert sizes["value"].tolist() == ["Under 50", "50-249", "250-999", "1,000-4,999", "5,000 and more"]
    assert sizes["accounts"].tolist() == [2, 2, 2, 2, 2]


# ---------------------------------------------------------------- outputs


def test_result_sheets_carry_a_formula_per_account_that_reproduces_the_score_tier():
    seg = segment(make_inputs(ten(), tier_defs=ACCOUNT_BANDS))
    sheets = segmentation_sheets(seg)
    assert list(sheets) == ["Account tiers", "Tier rules", "Movers", "Data gaps", "Breakdown"]
    assert set(sheets) <= set(RESULT_SHEETS)
    table = sheets["Account tiers"].table
    assert len(table) == 10 and list(table.columns[:6]) == ["account_id", "name", "arr", "score", "tier_by_score", "tier"]
    # title, note and a blank row above the header (row 4): the first account is on row 5, Score in column D
    assert table["tier_by_score"].iloc[0] == Formula('=IF(D5>=88.89,"Tier 1",IF(D5>=55.56,"Tier 2","Tier 3"))')
    assert table["tier_by_score"].iloc[9] == Formula('=IF(D14>=88.89,"Tier 1",IF(D14>=55.56,"Tier 2","Tier 3"))')
    rules = sheets["Tier rules"].table
    assert rules["condition"].tolist()[:3] == ["Score 88.89 or more", "Score 55.56 or more and below 88.89", "Score below 55.56"]
    assert rules["rule"].tolist()[3:] == ["Hysteresis", "Strategic flag", "Churn risk flag", "Locked tier"]


def test_to_dict_is_strict_json_and_caps_lists():
    n = 300
    acc = accounts(arr=[float(i + 1) for i in range(n)], previous_tier=["Tier 3"] * n,
                   previous_score=[0.0] * n, account_id=[f"X{i:03d}" for i in range(n)])
    seg = segment(make_inputs(acc))
    summary = segmentation_json(seg)
    json.dumps(summary, allow_nan=False)
    assert summary["accounts"] == n
    assert summary["movers"]["up"] == int((seg.movers["direction"] == "up").sum()) > 50
    assert len(summary["movers"]["top_up"]) == 50
    assert summary["movers"]["top_up"][0]["account_id"] == "X299"  # largest ARR first
    assert len(summary["drift"]["top"]) == 50
    assert summary["cutoffs"] == {k: float(v) for k, v in seg.cutoffs.items()}
    assert summary["crm_rule"].startswith("=IF(score>=")


def test_an_empty_export_gives_empty_tiers_not_an_error():
    seg = segment(make_inputs(accounts(arr=[])))
    assert isinstance(seg, Segmentation)
    assert seg.tier_stats().to_dict("list") == {"tier": ["Tier 1", "Tier 2", "Tier 3"], "accounts": [0, 0, 0], "arr": [0.0, 0.0, 0.0]}
    json.dumps(segmentation_json(seg), allow_nan=False)
    assert len(segmentation_sheets(seg)["Account tiers"].table) == 0


def test_one_tier_and_a_base_with_nothing_filled_in(tmp_path):
    single = segment(make_inputs(accounts(arr=[1.0, 2.0, np.nan]), tier_defs=tiers((0.0, 1.0))))
    assert single.tiers.tolist() == ["Tier 1"] * 3
    assert "the Tiers sheet has a single tier" in single.accounts["reason"].iloc[0]

    acc = accounts(arr=[np.nan] * 4, account_id=[None] * 4, name=[None] * 4)
    acc.index = [10, 10, 5, 7]  # whatever index the reader hands over is kept
    seg = segment(make_inputs(acc, rules=()))
    assert seg.tiers.index.tolist() == [10, 10, 5, 7] and seg.accounts.index.tolist() == [10, 10, 5, 7]
    assert seg.data_gaps["item"].tolist() == ["Scoring sheet", "All scoring signals", "ARR", "Total ARR", "Industry", "Region",
                                              "Product", "Employees"]
    assert seg.accounts["score"].tolist() == [50.0] * 4
    from planner.writers.crm import write_crm_csv

    lines = write_crm_csv(seg, tmp_path / "crm.csv").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 5 and lines[1].startswith('"","Tier 1","","Yes","50.00","New account (no previous tier).')


def test_an_account_scoring_zero_names_no_largest_contribution():
    seg = segment(make_inputs(accounts(arr=[1.0, 2.0])))
    assert seg.accounts["reason"].iloc[0] == "New account (no previous tier). Score 0.00 is below the Tier 2 cut-off of 100.00."


def test_account_sheet_stops_at_the_sheet_row_limit_and_says_so(monkeypatch):
    from planner.writers import segmentation_sheets as sheets

    monkeypatch.setattr(sheets, "EXCEL_ROWS", 10)  # 4 rows above the data leave room for 6 accounts
    sheet = segmentation_sheets(segment(make_inputs(ten(), tier_defs=ACCOUNT_BANDS)))["Account tiers"]
    assert sheet.table["account_id"].tolist() == ["A00", "A01", "A02", "A03", "A04", "A05"]
    assert "The last 4 accounts do not fit in a sheet" in sheet.note
