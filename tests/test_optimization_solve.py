"""The solver runner on the real HiGHS, CBC and SciPy (HiGHS in scipy.optimize): statuses, dual signs, time limits, the wall-clock guard."""

from __future__ import annotations

import random

import pulp
import pytest

from planner.errors import UserInputError
from planner.optimization.engines import parse_cbc_log
from planner.optimization.outcome import FEASIBLE, INFEASIBLE, NO_SOLUTION, OPTIMAL
from planner.optimization.solve import solve
from planner.options import check_solver

SOLVERS = ["highs", "cbc", "scipy"]


def _lp(sense, rhs_cap=4.0, rhs_mix=6.0):
    p = pulp.LpProblem("lp", sense)
    x = p.add_variable("x", 0)
    y = p.add_variable("y", 0)
    if sense == pulp.LpMaximize:
        p += 3 * x + 2 * y
        p += (x + y <= rhs_cap, "cap")
        p += (x + 3 * y <= rhs_mix, "mix")
        p += (x <= 3.5, "xub")
    else:
        p += 3 * x + 2 * y
        p += (x + y >= rhs_cap, "cap")
        p += (x - y <= 1, "mix")
    return p


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("sense", [pulp.LpMaximize, pulp.LpMinimize], ids=["max", "min"])
def test_normalised_duals_equal_finite_differences(solver, sense):
    base = solve(_lp(sense), solver, time_limit=10, mip=False)
    assert base.status == OPTIMAL
    delta = 1e-3
    for name, kwargs in (("cap", {"rhs_cap": 4.0 + delta}), ("mix", {"rhs_mix": 6.0 + delta})):
        moved = solve(_lp(sense, **kwargs), solver, time_limit=10, mip=False)
        fd = (moved.objective - base.objective) / delta
        assert base.rate(name) == pytest.approx(fd, abs=1e-6), name
    # and the rates are not all zero: the test can tell a sign apart
    assert any(abs(base.rate(n)) > 0.1 for n in ("cap", "mix"))


@pytest.mark.parametrize("solver", SOLVERS)
def test_integer_optimum_infeasibility_and_values(solver):
    p = pulp.LpProblem("ip", pulp.LpMaximize)
    x = p.add_variable("x", 0, 10, pulp.LpInteger)
    y = p.add_variable("y", 0, 10, pulp.LpInteger)
    p += 5 * x + 4 * y
    p += (6 * x + 4 * y <= 24, "a")
    p += (x + 2 * y <= 6, "b")
    out = solve(p, solver, time_limit=10)
    assert out.status == OPTIMAL and out.proven_optimal
    assert out.objective == pytest.approx(20.0)  # x=4, y=0 (x=3 allows y=1: 19; x=2 allows y=2: 18)
    assert out.gap == pytest.approx(0.0, abs=1e-9)
    p += (x + y >= 7, "c")
    bad = solve(p, solver, time_limit=10)
    assert bad.status == INFEASIBLE and not bad.has_plan and bad.values == {}


def market_split(m: int, seed: int = 3, slack: bool = True) -> pulp.LpProblem:
    """Cornuejols-Dawande market split: small and notoriously hard for branch and bound."""
    rnd = random.Random(seed)
    n = 10 * (m - 1)
    p = pulp.LpProblem("market_split", pulp.LpMinimize)
    xs = [p.add_variable(f"x{j:03d}", 0, 1, pulp.LpInteger) for j in range(n)]
    if slack:
        s = [p.add_variable(f"s{i:02d}", 0) for i in range(m)]
        t = [p.add_variable(f"t{i:02d}", 0) for i in range(m)]
        p += pulp.lpSum(s) + pulp.lpSum(t)
    else:
        p += pulp.lpSum(xs)
    for i in range(m):
        a = [rnd.randint(0, 99) for _ in range(n)]
        lhs = pulp.lpSum(ai * x for ai, x in zip(a, xs))
        if slack:
            lhs = lhs + s[i] - t[i]
        p += (lhs == sum(a) // 2, f"c{i}")
    return p


@pytest.mark.parametrize("solver", SOLVERS)
def test_time_limit_with_a_plan_is_feasible_not_optimal_and_reports_a_gap(solver):
    out = solve(market_split(4), solver, time_limit=1)
    assert out.status == FEASIBLE
    assert not out.proven_optimal
    assert out.has_plan and out.values
    assert out.gap is not None and out.gap > 0


@pytest.mark.parametrize("solver", SOLVERS)
def test_time_limit_without_a_plan_reads_no_values(solver):
    out = solve(market_split(5, slack=False), solver, time_limit=1)
    assert out.status == NO_SOLUTION
    assert not out.has_plan
    assert out.values == {}  # CBC leaves LP values in the variables: they are not read
    assert not out.guard_stopped


@pytest.mark.parametrize("solver", SOLVERS)
def test_wall_clock_guard_stops_a_solver_that_would_run_past_the_deadline(solver):
    # the solver's own limit is a minute; the guard allows one second
    out = solve(market_split(5, slack=False), solver, time_limit=60, guard=1.0)
    assert out.status == NO_SOLUTION
    assert out.guard_stopped
    assert "guard" in out.message


def test_unknown_solver_is_a_user_error_naming_the_choices():
    with pytest.raises(UserInputError) as err:
        check_solver("gurobi")
    assert "use highs, cbc or scipy" in str(err.value)
    assert check_solver(" HiGHS ") == "highs"


def test_cbc_log_parsing_reads_objective_bound_and_result():
    log = (
        "Result - Stopped on time limit\n\nObjective value:                16633708.00000000\n"
        "Upper bound:                    16633710.500\nGap:                            0.00\n"
    )
    obj, bound, result = parse_cbc_log(log)
    assert obj == 16633708.0
    assert bound == 16633710.5
    assert result == "Stopped on time limit"


def test_variables_named_in_build_order_give_the_same_answer_every_time():
    outs = [solve(market_split(3), "highs", time_limit=20) for _ in range(2)]
    assert outs[0].status == OPTIMAL
    assert outs[0].values == outs[1].values
