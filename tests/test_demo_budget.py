"""The demo's budget binds: the value plan spends (almost) all of it, and the negotiated plan does not fit."""

from pathlib import Path

import pytest

from planner.optimization import optimize
from planner.segmentation import segment
from planner.workbook.reader import read_inputs
from planner.writers.plan_json import optimization_json

DEMO = Path(__file__).resolve().parents[1] / "workbooks" / "tierplan_demo.xlsx"


@pytest.fixture(scope="module")
def demo():
    inputs = read_inputs(DEMO)
    return inputs, segment(inputs).tier_stats()


def test_value_plan_is_optimal_and_spends_the_budget(demo):
    inputs, stats = demo
    r = optimize(inputs, stats, mode="max_value", sensitivity=False)
    assert r.status == "optimal"
    assert r.total_cost <= inputs.finance.budget
    assert r.total_cost >= 0.98 * inputs.finance.budget


def test_negotiated_plan_costs_more_than_the_budget(demo):
    inputs, stats = demo
    r = optimize(inputs, stats, mode="min_cost", sensitivity=False)
    assert r.status == "infeasible"
    assert optimization_json(r)["infeasibility"]["smallest_budget"] > inputs.finance.budget
    # ...but not absurdly more: the negotiation is about trade-offs, not a different company
    assert optimization_json(r)["infeasibility"]["smallest_budget"] < 1.25 * inputs.finance.budget
