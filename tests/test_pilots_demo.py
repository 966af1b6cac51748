"""The demo pilot: on the real demo workbook's accounts, tiered by the real segmentation, the built-in renewal effect
is found, and without it the verdict is not "improved"."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from planner.pilots.demo import DEMO_PILOT_SIZE, demo_pilot
from planner.pilots.evaluate import OUTCOME_COLUMNS, evaluate_pilots
from planner.pilots.stats import Verdict
from planner.segmentation import segment
from planner.workbook.demo import write_demo
from planner.workbook.reader import read_inputs

AS_OF = dt.date(2025, 6, 30)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    inputs = read_inputs(write_demo(tmp_path_factory.mktemp("demo") / "demo.xlsx"))
    seg = segment(inputs)
    return inputs.accounts, seg.accounts[["account_id", "arr", "tier", "score"]]


def judge(demo, **kw):
    accounts, tiered = demo
    d = demo_pilot(tiered, as_of=AS_OF, **kw)
    (result,) = evaluate_pilots([d.pilot], accounts, tiered, d.outcomes, as_of=AS_OF)
    return d, result


def test_the_built_in_effect_is_found_at_the_demo_size(demo):
    d, result = judge(demo)
    c = result.comparison
    counts = demo[1]["tier"].value_counts()
    assert result.tiers == (counts.idxmax(),) and len(result.pilot_accounts) == DEMO_PILOT_SIZE
    assert len(result.baseline_accounts) == DEMO_PILOT_SIZE and not result.unmatched
    assert abs(result.balance.smd_arr) < 0.1 and abs(result.balance.smd_score) < 0.1
    assert c.pilot_n > 200 and c.baseline_n > 200  # about 90% of each group renewed in the pilot year
    assert c.verdict is Verdict.IMPROVED
    assert c.ci_low > 0 and c.p_adjusted < 0.01
    # the difference found is near the one built in (0.12), within its own interval
    assert c.ci_low < d.effect < c.ci_high


def test_without_the_effect_the_verdict_is_not_improved(demo):
    _, result = judge(demo, effect=0.0)
    assert result.comparison.verdict is not Verdict.IMPROVED


@pytest.mark.slow
def test_the_effect_is_found_for_other_seeds_too_and_chance_rarely_makes_one(demo):
    # power at these sizes is about 0.95, and a two-sided 5% test calls chance an improvement 2.5% of the time
    found = [judge(demo, seed=s)[1].comparison.verdict is Verdict.IMPROVED for s in range(10)]
    false = [judge(demo, seed=s, effect=0.0)[1].comparison.verdict is Verdict.IMPROVED for s in range(10)]
    assert sum(found) >= 9
    assert sum(false) <= 2


def test_demo_outcomes_are_deterministic_and_use_the_canonical_columns(demo):
    first, _ = judge(demo)
    again = demo_pilot(demo[1], as_of=AS_OF)
    assert tuple(first.outcomes.columns) == OUTCOME_COLUMNS
    pd.testing.assert_frame_equal(first.outcomes, again.outcomes)
    assert first.pilot == again.pilot
    assert first.pilot.end < AS_OF  # finished, so it is judged
    known = first.outcomes["renewed"].notna()
    assert (first.outcomes.loc[known, "churned"] == ~first.outcomes.loc[known, "renewed"].astype(bool)).all()
