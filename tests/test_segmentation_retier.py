"""Re-tiering on a second export: last assessment's cut-offs are read back and kept unless a band breaks.

Every expected number is worked out by hand in the comments. The base: ten accounts ranked on ARR
alone, scores (rank-1)/9*100 = 0, 11.11, 22.22, 33.33, 44.44, 55.56, 66.67, 77.78, 88.89, 100
(A00 .. A09); bands on the number of accounts: Tier 1 10-30%, Tier 2 20-50%, Tier 3 30-70%.

Fitted afresh: lam = (1 - 0.6) / (1.5 - 0.6) = 4/9, targets 18.9%, 33.3%, 47.8%. Tier 1 fills to
18.9% and takes the account that crosses it: A09, A08 (20%), cut-off 88.89. Tiers 1-2 fill to
52.2%: A07 .. A04 (60%), Tier 2 cut-off 44.44.
"""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from seg_helpers import accounts, make_inputs, tiers

from planner.inputs import ScoringRule
from planner.segmentation import segment
from planner.writers.plan_json import segmentation_json
from planner.writers.segmentation_sheets import segmentation_sheets

BANDS = tiers((0.1, 0.3), (0.2, 0.5), (0.3, 0.7), basis="Accounts")
ARR = [1_000.0 * (i + 1) for i in range(10)]
SCORES = [0.0, 11.11, 22.22, 33.33, 44.44, 55.56, 66.67, 77.78, 88.89, 100.0]


def second_export(previous_tiers: list[str], previous_scores=SCORES, **extra):
    return accounts(arr=ARR, previous_tier=previous_tiers, previous_score=list(previous_scores), **extra)


# Last time: Tier 1 = A07..A09 (scores 77.78+), Tier 2 = A05, A06, Tier 3 = A00..A04.
KEEPABLE = ["Tier 3"] * 5 + ["Tier 2"] * 2 + ["Tier 1"] * 3
# Last time: Tier 1 = A06..A09 (66.67+, 40% of accounts: above the 30% maximum now), Tier 2 = A04, A05.
TOO_BIG = ["Tier 3"] * 4 + ["Tier 2"] * 2 + ["Tier 1"] * 4


def test_without_previous_scores_cut_offs_are_fitted_afresh_as_before():
    seg = segment(make_inputs(accounts(arr=ARR, previous_tier=KEEPABLE), tier_defs=BANDS))
    assert seg.cutoff_method == "standard" and seg.previous_cutoffs is None
    assert seg.cutoffs.to_dict() == {"Tier 1": 88.89, "Tier 2": 44.44, "Tier 3": 0.0}
    # A07 (77.78) was Tier 1; the fresh Tier 1 cut-off of 88.89 is 11.11 above it, more than the margin
    assert seg.tiers.iloc[7] == "Tier 2"
    assert seg.accounts["reason"].iloc[7].startswith("Moved down from Tier 1: score 77.78 is 11.11 points below the Tier 1 cut-off of 88.89")
    assert len(seg.cutoff_changes) == 0 and segmentation_json(seg)["previous_cutoffs"] is None


def test_previous_cut_offs_are_read_back_and_kept_while_every_band_holds():
    # Boundary Tier 1/2: Tier 1's lowest previous score is 77.78, the others' highest 66.67: every cut-off in
    # (66.67, 77.78] misplaces nobody; the closest to today's fit (88.89) is 77.78. Boundary Tier 2/3: nobody is
    # misplaced in (44.44, 55.56]; today's fit 44.44 misplaces A04, so the closest is 44.45, raised to the next
    # previous score, 55.56. With 77.78 / 55.56 the tiers by score hold 30% / 20% / 50%: every band holds.
    seg = segment(make_inputs(second_export(KEEPABLE), tier_defs=BANDS))
    assert seg.cutoff_method == "previous"
    assert seg.previous_cutoffs.to_dict() == {"Tier 1": 77.78, "Tier 2": 55.56, "Tier 3": 0.0}
    assert seg.cutoffs.to_dict() == {"Tier 1": 77.78, "Tier 2": 55.56, "Tier 3": 0.0}
    assert seg.tiers.tolist() == KEEPABLE and not seg.accounts["changed"].any() and len(seg.movers) == 0
    assert seg.cutoff_changes.to_dict("records") == [
        {"tier": "Tier 1", "previous_cutoff": 77.78, "cutoff": 77.78, "moved_by": 0.0, "why": "kept: every band holds with it"},
        {"tier": "Tier 2", "previous_cutoff": 55.56, "cutoff": 55.56, "moved_by": 0.0, "why": "kept: every band holds with it"},
    ]
    assert seg.band_message == "Every tier is inside its band. The cut-offs of the last assessment are kept: every band still holds with them."
    assert any(n.startswith("Cut-offs of the last assessment, read from the previous tiers and previous scores of 10 accounts: "
                            "Tier 1 77.78, Tier 2 55.56.") for n in seg.notes)


def test_a_broken_band_moves_only_the_cut_off_it_needs_and_only_as_far_as_needed():
    # Read back: 66.67 (Tier 1's lowest previous score; nobody misplaced in (55.56, 66.67]) and 44.44 (today's
    # fit, which misplaces nobody). With them Tier 1 holds 4 of 10 accounts = 40% > 30%. Raising the Tier 1 cut-off
    # past 66.67 is the smallest move that meets every band (Tier 1 30%, Tier 2 = 66.67, 55.56, 44.44 = 30%,
    # Tier 3 40%); the cut-off then sits at the lowest score left in Tier 1: 77.78. Tier 2's cut-off stays.
    seg = segment(make_inputs(second_export(TOO_BIG), tier_defs=BANDS))
    assert seg.cutoff_method == "previous-moved"
    assert seg.previous_cutoffs.to_dict() == {"Tier 1": 66.67, "Tier 2": 44.44, "Tier 3": 0.0}
    assert seg.cutoffs.to_dict() == {"Tier 1": 77.78, "Tier 2": 44.44, "Tier 3": 0.0}
    why = "with the previous cut-offs Tier 1 would hold 40.0% of accounts, above its maximum of 30%"
    assert seg.cutoff_changes.to_dict("records") == [
        {"tier": "Tier 1", "previous_cutoff": 66.67, "cutoff": 77.78, "moved_by": 11.11, "why": why},
        {"tier": "Tier 2", "previous_cutoff": 44.44, "cutoff": 44.44, "moved_by": 0.0, "why": "kept: the bands did not need it to move"},
    ]
    # only A06 (66.67, 11.11 below the moved cut-off) moves; the fresh fit (88.89) would also have moved A07
    assert seg.movers[["account_id", "direction"]].to_dict("list") == {"account_id": ["A06"], "direction": ["down"]}
    sentence = f"The Tier 1 cut-off moved from 66.67 to 77.78 because {why}."
    assert seg.accounts["reason"].iloc[6] == (
        "Moved down from Tier 1: score 66.67 is 11.11 points below the Tier 1 cut-off of 77.78, more than the 3-point re-tiering "
        f"margin. Largest contribution: Revenue, 66.67 of its 66.67 points. {sentence}")
    # accounts the move did not affect do not carry the sentence
    assert not seg.accounts["reason"].drop(index=6).str.contains("cut-off moved").any()
    assert seg.band_message == f"Every tier is inside its band. {sentence}"
    summary = segmentation_json(seg)
    assert summary["cutoff_method"] == "previous-moved"
    assert summary["previous_cutoffs"] == {"Tier 1": 66.67, "Tier 2": 44.44, "Tier 3": 0.0}
    assert summary["cutoff_changes"][0] == {"tier": "Tier 1", "previous_cutoff": 66.67, "cutoff": 77.78, "moved_by": 11.11, "why": why}
    rules = segmentation_sheets(seg)["Tier rules"]
    table = rules.table
    assert table["previous_cutoff"].tolist()[:2] == [66.67, 44.44]
    assert table["cutoff_change"].tolist()[:3] == [why, "kept: the bands did not need it to move", ""]
    assert "moved only as far as the bands needed" in rules.note and sentence in rules.note


def test_previous_tiers_that_no_single_cut_off_explains_are_not_trusted():
    # A00 (score 0) was Tier 1 and A09 (100) Tier 3: every Tier 1/2 cut-off contradicts at least one account by
    # more than the margin, and at most 1% of 10 accounts (0) may: the cut-offs are fitted afresh.
    prev = ["Tier 1"] + ["Tier 3"] * 4 + ["Tier 2"] * 2 + ["Tier 1"] * 2 + ["Tier 3"]
    seg = segment(make_inputs(second_export(prev), tier_defs=BANDS))
    assert seg.cutoff_method == "standard" and seg.previous_cutoffs is None
    assert seg.cutoffs.to_dict() == {"Tier 1": 88.89, "Tier 2": 44.44, "Tier 3": 0.0}
    assert any(n.startswith("Previous tiers do not follow from previous scores by one cut-off per tier") for n in seg.notes)
    gaps = segmentation_sheets(seg)["Data gaps"].table
    assert gaps["assumed"].str.startswith("Previous tiers do not follow").any()


def test_locked_strategic_and_churn_flagged_accounts_do_not_count_in_the_read_back():
    # A00 locked to Tier 1 with a low previous score would contradict every cut-off; it is left out, so the
    # previous cut-offs are read back as in the keepable export and kept; the lock still holds.
    prev = ["Tier 1"] + KEEPABLE[1:]
    seg = segment(make_inputs(second_export(prev, locked_tier=["Tier 1"] + [None] * 9, lock_reason=["Board seat"] + [None] * 9),
                              tier_defs=BANDS))
    assert seg.cutoff_method == "previous" and seg.cutoffs.to_dict() == {"Tier 1": 77.78, "Tier 2": 55.56, "Tier 3": 0.0}
    assert seg.tiers.iloc[0] == "Tier 1"


# ---------------------------------------------------------------- property: a shifted base does not move quiet accounts


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_quiet_accounts_keep_their_tier_when_the_base_shifts_unless_a_band_moves_a_cut_off(data):
    """First assessment, then a second export where some accounts change a lot and the rest by less than the margin.

    The cut-offs are read back exactly from a first assessment without previous tiers. A quiet account (own score
    change below the margin) changes tier only when a cut-off moved, and then its reason says so.
    """
    n = data.draw(st.integers(30, 80))
    rng = np.random.default_rng(data.draw(st.integers(0, 10_000)))
    rules = (ScoringRule("Revenue", "arr", 1.0, 1), ScoringRule("Health and maturity", "usage", 2.0, 1))
    margin = float(data.draw(st.integers(2, 6)))
    tier_defs = tiers((0.1, 0.25), (0.25, 0.5), (0.3, 0.65), basis=data.draw(st.sampled_from(["ARR", "Accounts"])))
    acc = accounts(arr=np.round(rng.lognormal(9, 1, n), -1), usage=np.round(rng.random(n) * 100, 1))
    first = segment(make_inputs(acc, tier_defs=tier_defs, rules=rules, margin=margin))
    nxt = acc.copy()
    nxt["previous_tier"] = first.tiers.astype(str).to_numpy()
    nxt["previous_score"] = first.accounts["score"].to_numpy()
    shifted = rng.random(n) < data.draw(st.sampled_from([0.1, 0.25]))
    nxt.loc[shifted, "usage"] = np.where(rng.random(shifted.sum()) < 0.5, 0.0, 100.0)
    nxt.loc[~shifted, "usage"] = (acc.loc[~shifted, "usage"] + rng.uniform(-0.3, 0.3, (~shifted).sum())).clip(0, 100)
    second = segment(make_inputs(nxt, tier_defs=tier_defs, rules=rules, margin=margin))
    assert second.previous_cutoffs is not None
    assert second.previous_cutoffs.to_dict() == first.cutoffs.to_dict()
    change = np.abs(second.accounts["score"].to_numpy() - first.accounts["score"].to_numpy())
    quiet = np.round(change * 100) < round(margin * 100)
    moved = second.accounts["changed"].to_numpy()
    reasons = second.accounts["reason"].to_numpy()
    for i in np.flatnonzero(quiet & moved):
        assert "cut-off moved from" in reasons[i], reasons[i]
    if second.cutoff_method == "previous":
        assert not (quiet & moved).any()
    if second.bands_feasible:
        assert second.bands["score_rule_met"].all()


def test_a_last_cut_off_that_put_everyone_in_the_top_tier_moves_so_every_band_holds():
    # found by the property tests: Tier 1 40-100% of ARR, Tier 2 5-10%, Tier 3 0-0%, last assessment's cut-offs at 0
    # (every account in Tier 1). The smallest move once let Tier 1 keep everything and crashed on Tier 2's empty window.
    from planner.segmentation.tiering import choose_cutoffs, keep_previous_cutoffs

    arr = np.array([4750.0, 250.0, 9750.0, 3000.0, 6250.0, 1750.0])
    bins = np.array([5000, 1000, 9000, 3000, 7000, 2000])
    tier_defs = tiers((0.40, 1.0), (0.05, 0.10), (0.0, 0.0))
    fresh = choose_cutoffs(bins, arr, tier_defs)
    assert fresh.feasible  # only Tier 2 = the two lowest scores (250 + 1,750 = 7.8% of 25,750) meets every band
    moved = keep_previous_cutoffs(bins, arr, tier_defs, fresh, np.array([0, 0]))
    assert moved.method == "previous-moved"
    tier = np.where(bins >= moved.bins[0], 0, np.where(bins >= moved.bins[1], 1, 2))
    assert tier.tolist() == [0, 1, 0, 0, 0, 1]
