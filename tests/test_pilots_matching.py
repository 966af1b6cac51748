"""The matched baseline: same tier, nearest on standardised ARR and score, without replacement, deterministic."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from planner.pilots.matching import balance, match_baseline


def tier_frame(n: int = 1200, seed: int = 4) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "account_id": [f"ACC-{i:05d}" for i in range(n)],
        "tier": np.where(rng.random(n) < 0.7, "Tier 3", "Tier 2"),
        "arr": np.round(rng.lognormal(np.log(15_000), 0.9, n), -2),
        "score": np.round(np.clip(rng.normal(45, 12, n), 0, 100), 2),
    })


def test_matched_groups_are_balanced_on_arr_and_score():
    frame = tier_frame()
    rng = np.random.default_rng(9)
    pilot = sorted(rng.choice(frame.loc[frame["tier"] == "Tier 3", "account_id"], 120, replace=False))
    match = match_baseline(pilot, frame)
    assert len(match.pairs) == 120 and not match.unmatched
    b = match.balance
    assert abs(b.smd_arr) < 0.05 and abs(b.smd_score) < 0.05  # 0.1 is the usual bar for "balanced"
    assert b.baseline_mean_arr == pytest.approx(b.pilot_mean_arr, rel=0.02)
    assert b.baseline_mean_score == pytest.approx(b.pilot_mean_score, abs=0.5)
    # the balance figures are the groups' own means
    index = frame.set_index("account_id")
    assert b.pilot_mean_arr == pytest.approx(index.loc[pilot, "arr"].mean())
    assert b.baseline_mean_score == pytest.approx(index.loc[list(match.baseline), "score"].mean())


def test_baseline_accounts_share_the_tier_and_are_in_no_pilot_and_used_once():
    frame = tier_frame()
    other_pilot = frame["account_id"].iloc[600:700].tolist()
    pilot = frame["account_id"].iloc[:150].tolist()
    match = match_baseline(pilot, frame, exclude=other_pilot + pilot)
    tier = dict(zip(frame["account_id"], frame["tier"]))
    assert all(tier[p] == tier[b] for p, b in match.pairs)
    assert not set(match.baseline) & (set(other_pilot) | set(pilot))
    assert len(set(match.baseline)) == len(match.baseline)


def test_same_inputs_same_baseline_whatever_the_row_order():
    frame = tier_frame()
    pilot = frame["account_id"].iloc[::10].tolist()
    first = match_baseline(pilot, frame)
    assert match_baseline(pilot, frame) == first
    shuffled = frame.sample(frac=1.0, random_state=1)
    assert match_baseline(list(reversed(pilot)), shuffled) == first


def test_distance_is_standardised_so_neither_measure_dominates():
    # The pilot account P: ARR 10,000, score 50. C_score is 5 score points away, C_arr 4,000 of ARR away.
    # In raw units C_score is far nearer (5 against 4,000); divided by the tier's spreads it is not.
    frame = pd.DataFrame({
        "account_id": ["P", "C_score", "C_arr", "F1", "F2", "F3", "F4"],
        "tier": ["T"] * 7,
        "arr": [10_000.0, 10_000.0, 14_000.0, 1_000.0, 100_000.0, 3_000.0, 40_000.0],
        "score": [50.0, 55.0, 50.0, 48.0, 52.0, 49.0, 51.0],
    })
    arr_sd = frame["arr"].std(ddof=1)  # 35,307
    score_sd = frame["score"].std(ddof=1)  # 2.29
    d_score = 5 / score_sd  # 2.18
    d_arr = 4_000 / arr_sd  # 0.11
    assert d_arr < d_score
    (pair,) = match_baseline(["P"], frame).pairs
    assert pair == ("P", "C_arr")


def test_two_pilot_accounts_wanting_the_same_match_get_different_ones():
    frame = pd.DataFrame({"account_id": ["P1", "P2", "B_near", "B_far", "X"], "tier": ["T"] * 5,
                          "arr": [10_000.0, 10_100.0, 10_050.0, 30_000.0, 90_000.0],
                          "score": [50.0, 50.5, 50.2, 70.0, 95.0]})
    match = match_baseline(["P1", "P2"], frame)
    assert sorted(match.baseline) == ["B_far", "B_near"]


def test_ties_are_broken_by_the_seed_not_by_id_order():
    frame = pd.DataFrame({"account_id": ["P", "B1", "B2", "Z"], "tier": ["T"] * 4,
                          "arr": [10_000.0, 12_000.0, 12_000.0, 80_000.0], "score": [50.0, 55.0, 55.0, 90.0]})
    chosen = {seed: match_baseline(["P"], frame, seed=seed).baseline for seed in range(20)}
    assert {b for (b,) in chosen.values()} == {"B1", "B2"}
    assert all(match_baseline(["P"], frame, seed=s).baseline == b for s, b in chosen.items())


def test_accounts_without_a_match_are_listed():
    frame = pd.DataFrame({"account_id": ["P1", "P2", "P3", "B1"], "tier": ["Alone", "T", "T", "T"],
                          "arr": [5_000.0, 6_000.0, 7_000.0, 6_500.0], "score": [40.0, np.nan, 45.0, 44.0]})
    match = match_baseline(["P1", "P2", "P3"], frame)
    assert match.pairs == (("P3", "B1"),)
    assert match.unmatched == ("P1", "P2")  # P1: no other account in its tier; P2: no score


def test_balance_of_identical_groups_is_zero():
    frame = pd.DataFrame({"account_id": ["a", "b", "c", "d"], "arr": [1.0, 3, 1, 3], "score": [2.0, 4, 2, 4]})
    b = balance(frame, ["a", "b"], ["c", "d"])
    assert (b.smd_arr, b.smd_score) == (0.0, 0.0)
