"""The third solver, SciPy's HiGHS (scipy.optimize.milp / linprog): the translation of a PuLP problem, dual signs, the demo.

Statuses, time limits and the guard are checked with the other two solvers in
tests/test_optimization_solve.py; the brute-force optima in
tests/test_optimization_bruteforce.py.
"""

from __future__ import annotations

import math

import numpy as np
import pulp
import pytest

from planner.optimization.outcome import INFEASIBLE, OPTIMAL, UNBOUNDED
from planner.optimization.scipy_solve import Matrices
from planner.optimization.solve import solve


def _mixed(sense, rhs_eq=10.0, rhs_ge=None, rhs_le=8.0):
    """Every row sense, an integer variable and an objective constant; bounded in both senses.

    max: a = 6 (worth most), b = 4 fills total = 10, room a + 2f <= 8 caps f at 1 (spread b - f >= 2 is slack):
         objective 4*6 + 3*4 + 1 + 7 = 44; rates: total 3 (one more unit goes to b), room 0.5 (f rises by 0.5), spread 0.
    min (spread >= 9): f = -3 (its lower bound), spread then needs b >= 6; n (cheapest, 2) takes the other 4:
         objective 3*6 - 3 + 2*4 + 7 = 30; rates: total 2 (one more n), spread 1 (one more b, one n fewer: 3 - 2), room 0.
    """
    if rhs_ge is None:
        rhs_ge = 2.0 if sense == pulp.LpMaximize else 9.0
    p = pulp.LpProblem("mixed", sense)
    a = p.add_variable("a", 0, 6)
    b = p.add_variable("b", 0, 20)
    f = p.add_variable("f", -3, 4)
    n = p.add_variable("n", 0, 5, pulp.LpInteger)
    p += 4 * a + 3 * b + f + 2 * n + 7  # objective with a constant
    p += (a + b + n == rhs_eq, "total")
    p += (b - f >= rhs_ge, "spread")
    p += (a + 2 * f <= rhs_le, "room")
    return p


HAND = {  # (objective, rates) worked out in _mixed's docstring
    pulp.LpMaximize: (44.0, {"total": 3.0, "spread": 0.0, "room": 0.5}),
    pulp.LpMinimize: (30.0, {"total": 2.0, "spread": 1.0, "room": 0.0}),
}


def test_translation_into_scipys_matrices():
    m = Matrices(_mixed(pulp.LpMaximize), mip=True)
    assert [v.name for v in m.variables] == ["a", "b", "f", "n"]  # PuLP's name order
    assert m.c_original.tolist() == [4.0, 3.0, 1.0, 2.0]
    assert m.c.tolist() == [-4.0, -3.0, -1.0, -2.0]  # a maximisation is minimised as -c
    assert m.constant == 7.0
    assert m.lb.tolist() == [0.0, 0.0, -3.0, 0.0]
    assert m.ub.tolist() == [6.0, 20.0, 4.0, 5.0]
    assert m.integrality.tolist() == [0, 0, 0, 1]
    assert m.names == ["total", "spread", "room"]
    assert m.A.toarray().tolist() == [[1, 1, 0, 1], [0, 1, -1, 0], [1, 0, 2, 0]]
    assert m.row_lb.tolist() == [10.0, 2.0, -math.inf]
    assert m.row_ub.tolist() == [10.0, math.inf, 8.0]
    assert Matrices(_mixed(pulp.LpMaximize), mip=False).integrality.tolist() == [0, 0, 0, 0]
    free = pulp.LpProblem("free", pulp.LpMinimize)
    free += free.add_variable("z") + 1
    assert Matrices(free, mip=True).lb.tolist() == [-math.inf] and Matrices(free, mip=True).ub.tolist() == [math.inf]


@pytest.mark.parametrize("sense", [pulp.LpMaximize, pulp.LpMinimize], ids=["max", "min"])
def test_lp_rates_of_every_row_sense_equal_hand_values_and_finite_differences(sense):
    """Equality, >= and <= rows in both senses: rate = d(objective)/d(rhs), as HiGHS and CBC give it after normalising."""
    objective, hand = HAND[sense]
    base = solve(_mixed(sense), "scipy", time_limit=10, mip=False)
    assert base.status == OPTIMAL
    assert base.objective == pytest.approx(objective)
    delta = 1e-3
    defaults = {"rhs_eq": 10.0, "rhs_ge": 2.0 if sense == pulp.LpMaximize else 9.0, "rhs_le": 8.0}
    for name, key in (("total", "rhs_eq"), ("spread", "rhs_ge"), ("room", "rhs_le")):
        moved = solve(_mixed(sense, **{**defaults, key: defaults[key] + delta}), "scipy", time_limit=10, mip=False)
        assert base.rate(name) == pytest.approx((moved.objective - base.objective) / delta, abs=1e-6), name
        assert base.rate(name) == pytest.approx(hand[name], abs=1e-9), name
    for other in ("highs", "cbc"):
        theirs = solve(_mixed(sense), other, time_limit=10, mip=False)
        assert theirs.objective == pytest.approx(objective)
        for name, rate in hand.items():
            assert theirs.rate(name) == pytest.approx(rate, abs=1e-9), (other, name)


def test_unbounded_lp():
    # max x + y with x + y >= 1 and nothing above: unbounded
    p = pulp.LpProblem("u", pulp.LpMaximize)
    x = p.add_variable("x", 0)
    y = p.add_variable("y", 0)
    p += x + y
    p += (x + y >= 1, "floor")
    assert solve(p, "scipy", time_limit=10, mip=False).status == UNBOUNDED


def test_mip_optimum_worked_by_hand_and_no_duals():
    # the minimisation of _mixed with n integer: n = 4 is whole already, so the MIP optimum is the LP's, 30
    out = solve(_mixed(pulp.LpMinimize), "scipy", time_limit=10, mip=True)
    assert out.status == OPTIMAL and out.proven_optimal
    assert out.objective == pytest.approx(30.0)
    assert out.values == pytest.approx({"a": 0.0, "b": 6.0, "f": -3.0, "n": 4.0})
    assert out.gap == pytest.approx(0.0, abs=1e-9)
    assert out.bound == pytest.approx(30.0)
    assert out.duals == {} and out.rate("total") is None  # milp gives no marginals; shadow prices come from LPs


def test_integer_rounding_matters_and_milp_respects_it():
    # max x + y, 2x + 2y <= 5 with x, y integer: the LP gives 2.5, the MIP 2
    p = pulp.LpProblem("r", pulp.LpMaximize)
    x = p.add_variable("x", 0, None, pulp.LpInteger)
    y = p.add_variable("y", 0, None, pulp.LpInteger)
    p += x + y
    p += (2 * x + 2 * y <= 5, "c")
    assert solve(p, "scipy", time_limit=10, mip=True).objective == pytest.approx(2.0)
    lp = solve(p, "scipy", time_limit=10, mip=False)
    assert lp.objective == pytest.approx(2.5)
    assert lp.rate("c") == pytest.approx(0.5)  # one more unit of room: 0.5 more of x + y


def test_infeasible_mip_and_lp():
    p = pulp.LpProblem("bad", pulp.LpMinimize)
    x = p.add_variable("x", 0, 3, pulp.LpInteger)
    p += x
    p += (x >= 4, "too_much")
    for mip in (True, False):
        out = solve(p, "scipy", time_limit=10, mip=mip)
        assert out.status == INFEASIBLE and not out.has_plan and out.values == {}


def test_a_model_without_variables_is_its_constant():
    p = pulp.LpProblem("empty", pulp.LpMinimize)
    p += pulp.LpAffineExpression(constant=5.0)
    out = solve(p, "scipy", time_limit=10)
    assert out.status == OPTIMAL and out.objective == 5.0


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from planner.segmentation import segment
    from planner.workbook.demo import write_demo
    from planner.workbook.reader import read_inputs

    path = write_demo(tmp_path_factory.mktemp("demo") / "demo.xlsx")
    inputs = read_inputs(path)
    return inputs, segment(inputs).tier_stats()


@pytest.mark.parametrize("mode", ["max_value", "min_cost"])
def test_demo_plan_is_the_same_with_scipy_highs_and_cbc(demo, mode):
    from planner.optimization import optimize

    inputs, ts = demo
    plans = {s: optimize(inputs, ts, mode=mode, solver=s) for s in ("scipy", "highs", "cbc")}
    # max_value fits the demo's budget; min_cost (negotiated intervals) does not, and the cheapest plan is shown
    assert {p.status for p in plans.values()} == {"optimal" if mode == "max_value" else "infeasible"}
    ref = plans["highs"]
    assert ref.total_cost is not None
    for name, p in plans.items():
        assert p.solver == name
        assert p.plan_kind == ref.plan_kind
        assert p.total_cost == pytest.approx(ref.total_cost, rel=1e-9), name
        if mode == "max_value":
            assert p.value == pytest.approx(ref.value, rel=1e-6), name
        else:
            assert p.diagnosis.smallest_budget == pytest.approx(ref.diagnosis.smallest_budget, rel=1e-9)
        assert int(p.headcount["people"].sum()) == int(ref.headcount["people"].sum()), name
    if mode == "min_cost":
        return
    # the shadow prices come from the LP relaxation: SciPy's marginals give the same rates as HiGHS' duals
    got = plans["scipy"].shadow_prices.set_index("key")["marginal"]
    want = ref.shadow_prices.set_index("key")["marginal"]
    assert list(got.index) == list(want.index)
    assert np.allclose(got.astype(float).fillna(-1), want.astype(float).fillna(-1), rtol=1e-6, atol=1e-9)
