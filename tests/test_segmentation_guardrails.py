"""ARR guardrails on the Tiers sheet: an account the CFO cannot ignore is never left in a low tier.

Every expected tier is worked out by hand. The base: ten accounts A00 .. A09 scored on one signal, Health
0 .. 9 (ARR plays no part in the score), so the scores are (rank - 1) / 9 x 100 = 0, 11.11, 22.22, 33.33,
44.44, 55.56, 66.67, 77.78, 88.89, 100. Bands on the number of accounts (Tier 1 10-30%, Tier 2 20-50%,
Tier 3 30-70%) give the cut-offs 88.89 and 44.44 (tests/test_segmentation_retier.py works them out):
by score Tier 1 = A08, A09; Tier 2 = A04 .. A07; Tier 3 = A00 .. A03.

ARR: A01 90,000, A02 5,000, A03 4,999.99, the seven others 1,000 each; total 106,999.99.
Guardrails: Tier 1 at least 50% of total ARR (53,499.995, so A01's 84% reaches it), Tier 2 ARR at least
5,000 (A02 reaches it exactly, A03 misses it by one cent).
"""

from __future__ import annotations

import dataclasses

from seg_helpers import accounts, make_inputs, tiers

from planner.inputs import ScoringRule
from planner.segmentation import segment
from planner.writers.segmentation_sheets import segmentation_sheets

HEALTH = (ScoringRule("Health and maturity", "Health", 1.0, 1, "Health"),)
ARR = [1_000.0, 90_000.0, 5_000.0, 4_999.99] + [1_000.0] * 6
BANDS = tiers((0.1, 0.3), (0.2, 0.5), (0.3, 0.7), basis="Accounts")


def guarded(tier_defs=BANDS, tier1_share=0.5, tier2_amount=5_000.0):
    t1, t2, t3 = tier_defs
    return (dataclasses.replace(t1, arr_share_at_least=tier1_share), dataclasses.replace(t2, arr_at_least=tier2_amount), t3)


def plan_inputs(tier_defs, margin=3.0, **columns):
    acc = accounts(arr=ARR, Health=list(range(10)), **columns)
    return make_inputs(acc, tier_defs=tier_defs, rules=HEALTH, margin=margin)


def test_without_guardrails_the_big_accounts_stay_where_their_score_puts_them():
    seg = segment(plan_inputs(BANDS))
    assert seg.cutoffs.to_dict() == {"Tier 1": 88.89, "Tier 2": 44.44, "Tier 3": 0.0}
    assert seg.tiers.tolist() == ["Tier 3"] * 4 + ["Tier 2"] * 4 + ["Tier 1"] * 2


def test_an_account_reaching_a_guardrail_sits_no_lower_than_that_tier():
    seg = segment(plan_inputs(guarded()))
    # the cut-offs are fitted on scores alone, before any guardrail
    assert seg.cutoffs.to_dict() == {"Tier 1": 88.89, "Tier 2": 44.44, "Tier 3": 0.0}
    assert seg.tiers.tolist() == ["Tier 3", "Tier 1", "Tier 2", "Tier 3"] + ["Tier 2"] * 4 + ["Tier 1"] * 2
    acc = seg.accounts
    assert acc["rule"].tolist()[:4] == ["score cut-off", "ARR guardrail", "ARR guardrail", "score cut-off"]
    assert acc["reason"].iloc[1].startswith(
        "ARR guardrail: ARR of 90,000 reaches the Tier 1 guardrail on the Tiers sheet (at least 50% of total ARR, that is "
        "53,500 or more), so it sits in Tier 1 whatever its score; by score and the re-tiering margin it would be in Tier 3 "
        "(score 11.11).")
    assert acc["reason"].iloc[2].startswith(
        "ARR guardrail: ARR of 5,000 reaches the Tier 2 guardrail on the Tiers sheet (ARR at least 5,000), so it sits in Tier 2 "
        "whatever its score; by score and the re-tiering margin it would be in Tier 3 (score 22.22).")
    # held by the guardrail, not by its score: no "points before moving down"
    assert acc["points_to_next_tier_down"].iloc[1:3].isna().all()
    assert seg.rule_counts()["ARR guardrail"] == 2
    rules = segmentation_sheets(seg)["Tier rules"].table
    row = rules[rules["rule"] == "ARR guardrails"].iloc[0]
    assert row["step"] == 3 and row["accounts"] == 2
    assert row["condition"] == ("After hysteresis, an account whose ARR reaches a tier's guardrail sits no lower than that tier: "
                                "at least 50.0% of total ARR: Tier 1 or higher; ARR at least 5,000: Tier 2 or higher.")


def test_the_guardrail_applies_after_hysteresis():
    # A05 (score 55.56) was in Tier 3; with a 12-point margin it needs 44.44 + 12 = 56.44 to move up, so hysteresis
    # keeps it in Tier 3. Raised to 5,000 of ARR it reaches Tier 2's guardrail and sits in Tier 2 all the same.
    arr = list(ARR)
    arr[5] = 5_000.0
    previous = [None] * 5 + ["Tier 3"] + [None] * 4
    kept = segment(make_inputs(accounts(arr=arr, Health=list(range(10)), previous_tier=previous), tier_defs=BANDS, rules=HEALTH,
                               margin=12.0))
    assert kept.tiers.iloc[5] == "Tier 3" and kept.accounts["rule"].iloc[5] == "kept by hysteresis"
    lifted = segment(make_inputs(accounts(arr=arr, Health=list(range(10)), previous_tier=previous), tier_defs=guarded(),
                                 rules=HEALTH, margin=12.0))
    assert lifted.tiers.iloc[5] == "Tier 2" and lifted.accounts["rule"].iloc[5] == "ARR guardrail"
    assert "by score and the re-tiering margin it would be in Tier 3 (score 55.56)" in lifted.accounts["reason"].iloc[5]


def test_churn_lifts_on_top_of_the_guardrail_and_a_lock_still_wins():
    # A02 reaches Tier 2's guardrail and carries the churn flag: one tier above Tier 2 is Tier 1.
    # A01 reaches Tier 1's guardrail but is locked to Tier 3 with a reason: the lock wins.
    churn = [False, False, True] + [False] * 7
    locked = [None, "Tier 3"] + [None] * 8
    reason = [None, "Parent company negotiates centrally"] + [None] * 8
    seg = segment(plan_inputs(guarded(), churn_risk=churn, locked_tier=locked, lock_reason=reason))
    assert seg.tiers.iloc[2] == "Tier 1" and seg.accounts["rule"].iloc[2] == "churn risk: temporary higher touch"
    assert seg.tiers.iloc[1] == "Tier 3" and seg.accounts["rule"].iloc[1] == "locked: Parent company negotiates centrally"
    assert seg.accounts["reason"].iloc[1].startswith(
        "Locked to Tier 3: Parent company negotiates centrally. Without the lock it would be in Tier 1 (score 11.11).")


def test_either_guardrail_of_a_tier_is_enough():
    # Tier 1 with ARR at least 80,000 or 90% of total ARR (96,300): A01's 90,000 reaches the amount, not the share
    t1, t2, t3 = BANDS
    both = (dataclasses.replace(t1, arr_at_least=80_000.0, arr_share_at_least=0.9), t2, t3)
    seg = segment(plan_inputs(both))
    assert seg.tiers.iloc[1] == "Tier 1"
    assert ("(ARR at least 80,000 or at least 90% of total ARR, that is 80,000 or more)" in seg.accounts["reason"].iloc[1])
    # the share alone (96,300 or more) is not reached
    only_share = (dataclasses.replace(t1, arr_share_at_least=0.9), t2, t3)
    assert segment(plan_inputs(only_share)).tiers.iloc[1] == "Tier 3"
