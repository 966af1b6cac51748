"""The optimizer on the demo workbook (written, read and segmented by the real code), budget as set and cut by a third.

The demo's numbers belong to the lead (DEMO_BUDGET, guardrails), so these tests
hold the optimizer to what must be true whatever they are: a plan within its
budget, never more value for less money, an infeasible answer that names a
smallest budget above the one it was given, the same plan twice.
"""

from __future__ import annotations

import itertools
import json

import pytest

from planner.optimization import optimize
from planner.writers.plan_json import optimization_json


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from planner.segmentation import segment
    from planner.workbook.demo import write_demo
    from planner.workbook.reader import read_inputs

    path = write_demo(tmp_path_factory.mktemp("demo") / "demo.xlsx")
    inputs = read_inputs(path)
    return inputs, segment(inputs).tier_stats()


def _check(r, budget):
    assert r.status in ("optimal", "feasible, not proven optimal", "infeasible")
    json.dumps(optimization_json(r))
    if r.status != "infeasible":
        assert r.within_budget and r.total_cost <= budget * (1 + 1e-9)
        return
    inf = optimization_json(r)["infeasibility"]
    assert inf["summary"]
    assert inf["conflicts"] or inf["unreachable_slas"]
    if inf["smallest_budget"] is not None and inf["budget_shortfall"]:
        assert inf["smallest_budget"] > budget
        if r.plan_kind != "none":  # the plan shown is the cheapest one meeting every requirement
            assert r.total_cost == pytest.approx(inf["smallest_budget"])


@pytest.mark.parametrize("mode", ["max_value", "min_cost"])
def test_demo_at_its_budget_and_cut_by_a_third(demo, mode):
    inputs, ts = demo
    budget = inputs.finance.budget
    full = optimize(inputs, ts, mode=mode)
    cut = optimize(inputs, ts, mode=mode, budget=budget * 2 / 3)
    _check(full, budget)
    _check(cut, budget * 2 / 3)
    if mode == "max_value" and full.status == "optimal" and cut.status == "optimal":
        assert cut.value <= full.value + 1e-6 * full.value
    # the frontier is the same model at other budgets: more budget never lowers value
    values = [v for v in full.frontier["value"] if v == v and v is not None]
    assert all(b >= a - 1e-6 * abs(a) for a, b in itertools.pairwise(values))


def test_demo_plan_is_the_same_twice(demo):
    inputs, ts = demo
    a = optimize(inputs, ts, sensitivity=False)
    b = optimize(inputs, ts, sensitivity=False)
    assert json.dumps(optimization_json(a), sort_keys=True) == json.dumps(optimization_json(b), sort_keys=True)
