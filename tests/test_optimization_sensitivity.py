"""Sensitivity shortcuts give the answers the individual re-solves give.

Steps whose gain is taken from a shared or joint re-solve (docs/model.md,
"Cheaper, not less true") are re-solved alone here, the slow way, and must
agree; frontier points not re-solved must equal a solve at their budget.
"""

from __future__ import annotations

import pytest

from planner.optimization.model import prepare
from planner.optimization.plan import OPTIMAL, Runner, solve_plan, solve_plans
from planner.optimization.sensitivity import (
    BASIS_SOLVED,
    FrontierPlan,
    StepPlan,
    _gain,
    lp_rates,
    unconstrained_plan,
)


@pytest.fixture(scope="module")
def demo_data(tmp_path_factory):
    from planner.segmentation import segment
    from planner.workbook.demo import write_demo
    from planner.workbook.reader import read_inputs

    inputs = read_inputs(write_demo(tmp_path_factory.mktemp("demo") / "demo.xlsx"))
    return prepare(inputs, segment(inputs).tier_stats())


@pytest.mark.parametrize("mode", ["max_value", "min_cost"])
def test_every_shortcut_step_equals_its_own_re_solve(demo_data, mode):
    data = demo_data
    runner = Runner("highs", 60)
    budget = data.budget * (1.0 if mode == "max_value" else 10.0)  # min_cost: a budget it fits
    base = solve_plan(data, mode, budget if mode == "max_value" else None, runner, lexicographic=False)
    assert base.status == OPTIMAL
    plan = StepPlan(data, mode, budget, base, lp_rates(data, mode, budget, runner))
    steps = plan.finish(solve_plans(data, plan.jobs, runner), runner)
    assert [s.key for s in steps] == [t.key for t in plan.todo]
    short = [(s, t) for s, t in zip(steps, plan.todo) if s.basis != BASIS_SOLVED]
    assert short, "the demo exercises at least one shortcut"
    assert len(plan.jobs) < len(plan.todo)  # fewer solves than steps
    alone = solve_plans(data, [dict(mode=mode, budget=plan.plan_budget, lexicographic=False, purpose=t.key, **t.extra)
                               for _, t in short], runner)
    for (s, _t), sol in zip(short, alone):
        assert sol.status == OPTIMAL
        expected = _gain(mode, base.objective, sol.objective)
        assert s.gain == pytest.approx(expected, rel=1e-6, abs=1e-7 * max(1.0, abs(base.objective))), s.key
        assert s.gain >= 0


def test_frontier_points_not_re_solved_equal_a_solve_at_their_budget(demo_data):
    data = demo_data
    runner = Runner("highs", 60)
    free = unconstrained_plan(data, runner)
    assert free.status == OPTIMAL
    plan = FrontierPlan(data, data.budget, None, free)
    points = plan.finish(solve_plans(data, plan.jobs, runner))
    skipped = [p for p in points if not p.solved]
    assert skipped, "the demo's frontier levels off within 140% of its budget"
    assert plan.levels_off_at == min(p.share for p in skipped)
    assert all(p.share > max(q.share for q in points if q.solved) for p in skipped)  # only the top of the range
    for p in skipped:
        direct = solve_plan(data, "max_value", p.budget, runner)
        assert direct.status == OPTIMAL
        assert p.solution.evaluation.value == pytest.approx(direct.evaluation.value, rel=1e-6)
        assert p.solution.evaluation.total_cost == pytest.approx(direct.evaluation.total_cost, rel=1e-6)
        assert p.solution.evaluation.total_cost <= p.budget
