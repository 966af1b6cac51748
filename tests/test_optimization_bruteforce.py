"""Exact optima: the solver's plan against plain enumeration of every interval combination.

The enumeration below is written from docs/model.md, not from the model code:
for each combination of whole occurrences within the mode's bounds it takes
the fewest people every pool needs (hours and coverage), prices the plan,
checks keep-tier-order, the guardrails and the budget, and values it.
"""

from __future__ import annotations

import itertools
import math

import pytest

from planner.optimization.examples import random_instance
from planner.optimization.model import prepare
from planner.optimization.plan import INFEASIBLE, OPTIMAL, Runner, solve_plan
from planner.optimization.staffing import support_queues

SEEDS = list(range(24))


def _ceil(v):
    return math.ceil(v - 1e-9)


def brute_force(inputs, tier_stats, mode, budget):
    """(best value, cost of the cheapest plan at that value) for max_value; (None, least cost) for min_cost; None if infeasible."""
    accounts = dict(zip(tier_stats["tier"], tier_stats["accounts"]))
    arr = dict(zip(tier_stats["tier"], tier_stats["arr"]))
    rank = {t.name: t.rank for t in inputs.tiers}
    roles = {r.name: r for r in inputs.roles}
    services = {s.name: s for s in inputs.services}
    cells = list(inputs.intervals)
    ranges = []
    for iv in cells:
        s = services[iv.service]
        # the generator uses whole occurrences or half steps (every other year)
        step = 1.0 if all(float(v).is_integer() for v in (iv.minimum, iv.negotiated, iv.maximum)) else 0.5
        lo = iv.minimum
        if mode == "min_cost" or s.mandatory:
            lo = max(lo, iv.negotiated)
        n_lo, n_hi = round(lo / step), round(iv.maximum / step)
        ranges.append([k * step for k in range(n_lo, n_hi + 1)])
    support = {}
    for q in support_queues(inputs, accounts):
        support[(q.role, q.tier)] = support.get((q.role, q.tier), 0.0) + q.hours_per_year
    # tiers each role may serve: a service it may deliver there, or support work
    served = {}
    for iv in cells:
        if iv.maximum > 0:
            served.setdefault(iv.role, set()).add(iv.tier)
    for (role, tier), hours in support.items():
        if hours > 0:
            served.setdefault(role, set()).add(tier)
    order_pairs = []
    for name, s in services.items():
        if not s.keep_order:
            continue
        # consecutive tiers that offer the service: a tier whose maximum is 0 does not, and is skipped
        idx = sorted((i for i, iv in enumerate(cells) if iv.service == name and iv.maximum > 0), key=lambda i: rank[cells[i].tier])
        order_pairs += list(itertools.pairwise(idx))
    guard = {t.name: t.max_cost_share for t in inputs.tiers if t.max_cost_share is not None}

    feasible_plans = []
    for x in itertools.product(*ranges):
        if any(x[a] < x[b] for a, b in order_pairs):
            continue
        cost = 0.0
        tier_cost = dict.fromkeys(accounts, 0.0)
        value = 0.0
        for iv, xi in zip(cells, x):
            role = roles[iv.role]
            s = services[iv.service]
            n, tier_arr = accounts[iv.tier], arr[iv.tier]
            cost += s.direct_cost * n * xi
            tier_cost[iv.tier] += s.direct_cost * n * xi
            if role.staffing == "Automated":
                cost += iv.hours * role.hourly_rate * n * xi
            if role.staffing != "Named":
                tier_cost[iv.tier] += iv.hours * role.hourly_rate * n * xi
            whole = int(xi)
            value += sum(s.impact * tier_arr * s.decay**k for k in range(whole))
            value += (xi - whole) * s.impact * tier_arr * s.decay**whole  # half an occurrence: half the next one's worth
        for (rname, tier), hours in support.items():
            role = roles[rname]
            if role.staffing == "Automated":
                cost += hours * role.hourly_rate
            if role.staffing != "Named":
                tier_cost[tier] += hours * role.hourly_rate
        ok = True
        for rname, tiers in served.items():
            role = roles[rname]
            if role.staffing == "Automated":
                continue
            pools = [[t] for t in tiers] if role.staffing == "Named" else [sorted(tiers)]
            for pool in pools:
                hours = sum(iv.hours * accounts[iv.tier] * xi for iv, xi in zip(cells, x) if iv.role == rname and iv.tier in pool)
                hours += sum(support.get((rname, t), 0.0) for t in pool)
                people = 0
                if hours > 1e-9:
                    if role.productive_hours <= 0:
                        ok = False
                        break
                    people = _ceil(hours / role.productive_hours)
                # the coverage ratio counts the tiers the role actually serves in this plan
                active = [t for t in pool if support.get((rname, t), 0.0) > 0
                          or any(xi > 0 for iv, xi in zip(cells, x) if iv.role == rname and iv.tier == t)]
                covered = sum(accounts[t] for t in active)
                if role.max_accounts and covered > 0:
                    people = max(people, _ceil(covered / role.max_accounts))
                cost += people * role.loaded_cost
                if role.staffing == "Named":
                    tier_cost[pool[0]] += people * role.loaded_cost
        if not ok:
            continue
        if any(tier_cost[t] > share * arr[t] + 1e-6 for t, share in guard.items()):
            continue
        if mode == "max_value" and cost > budget + 1e-6:
            continue
        feasible_plans.append((value, cost))
    if not feasible_plans:
        return None
    if mode == "min_cost":
        return (None, min(c for _, c in feasible_plans))
    top = max(v for v, _ in feasible_plans)
    tol = 1e-6 * max(1.0, abs(top))
    return (top, min(c for v, c in feasible_plans if v >= top - tol))


def _solve(inputs, ts, mode, solver):
    data = prepare(inputs, ts)
    runner = Runner(solver, 30)
    return solve_plan(data, mode, inputs.finance.budget if mode == "max_value" else None, runner)


@pytest.mark.parametrize("mode", ["max_value", "min_cost"])
def test_solver_plans_equal_the_enumerated_optimum_on_random_instances(mode):
    feasible = infeasible = 0
    for seed in SEEDS:
        inputs, ts = random_instance(seed, mode=mode)
        expected = brute_force(inputs, ts, mode, inputs.finance.budget)
        sol = _solve(inputs, ts, mode, "highs")
        if expected is None:
            assert sol.status == INFEASIBLE, f"seed {seed}: enumeration finds no plan, solver says {sol.status}"
            infeasible += 1
            continue
        feasible += 1
        assert sol.status == OPTIMAL, f"seed {seed}"
        value, cost = expected
        if mode == "max_value":
            assert sol.evaluation.value == pytest.approx(value, rel=1e-6, abs=1e-6), f"seed {seed}"
        assert sol.evaluation.total_cost == pytest.approx(cost, rel=1e-9, abs=1e-6), f"seed {seed}"
    # the instances exercise both answers, and mostly the interesting one
    assert feasible >= 15
    if mode == "max_value":
        assert infeasible >= 1


@pytest.mark.parametrize("mode", ["max_value", "min_cost"])
def test_highs_and_cbc_agree_on_random_instances(mode):
    for seed in SEEDS[:12]:
        inputs, ts = random_instance(seed, mode=mode)
        a = _solve(inputs, ts, mode, "highs")
        b = _solve(inputs, ts, mode, "cbc")
        assert a.status == b.status, f"seed {seed}"
        if a.has_plan:
            assert a.evaluation.value == pytest.approx(b.evaluation.value, rel=1e-6, abs=1e-6), f"seed {seed}"
            assert a.evaluation.total_cost == pytest.approx(b.evaluation.total_cost, rel=1e-9, abs=1e-6), f"seed {seed}"


@pytest.mark.parametrize("mode", ["max_value", "min_cost"])
def test_scipy_equals_the_enumerated_optimum_and_highs_and_cbc_on_every_instance(mode):
    for seed in SEEDS:
        inputs, ts = random_instance(seed, mode=mode)
        expected = brute_force(inputs, ts, mode, inputs.finance.budget)
        plans = {solver: _solve(inputs, ts, mode, solver) for solver in ("scipy", "highs", "cbc")}
        assert {p.status for p in plans.values()} == {INFEASIBLE if expected is None else OPTIMAL}, f"seed {seed}"
        if expected is None:
            continue
        value, cost = expected
        for name, p in plans.items():
            if mode == "max_value":
                assert p.evaluation.value == pytest.approx(value, rel=1e-6, abs=1e-6), f"seed {seed} {name}"
            assert p.evaluation.total_cost == pytest.approx(cost, rel=1e-9, abs=1e-6), f"seed {seed} {name}"


def test_the_random_instances_are_small_enough_to_enumerate_and_not_trivial():
    sizes = []
    halves = 0
    for seed in SEEDS:
        inputs, _ = random_instance(seed)
        n = 1
        for iv in inputs.intervals:
            step = 1.0 if float(iv.maximum).is_integer() and float(iv.minimum).is_integer() and float(iv.negotiated).is_integer() else 0.5
            halves += step == 0.5
            n *= round((iv.maximum - iv.minimum) / step) + 1
        sizes.append(n)
    assert max(sizes) <= 4**6
    assert sum(1 for n in sizes if n >= 16) >= 12
    assert halves >= 5  # fractional intervals are exercised too
