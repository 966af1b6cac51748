"""What one more dollar, hour or person buys; which constraints bind; the budget frontier.

Two kinds of sensitivity, both reported:

* Marginal rates from the LP relaxation (integers relaxed): the dual of the
  budget and of each people pool's hours constraint, normalised so that a
  positive number is good news for the CFO: "value gained per extra dollar /
  hour" in max_value, "cost saved per extra hour" in min_cost. These are
  exact derivatives of the relaxed model (tests compare them with finite
  differences on both solvers) and read as rates.
* Steps of the real (integer) plan: the plan re-solved with the budget raised
  by a step, with one more person in a pool funded outside the budget, with a
  guardrail loosened by one point of the tier's ARR, or with a rule switched
  off. Whole people come in lumps, so these say what a realistic move buys.

The frontier re-solves max_value at 60% ... 140% of the budget in 10% steps.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from planner.optimization.model import (
    BUDGET,
    ModelData,
    Spec,
    build,
    guard_group,
    order_group,
    unit_id,
)
from planner.optimization.plan import PlanSolution, Runner, solve_plans

FRONTIER_SHARES = (0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2, 1.3, 1.4)


# ------------------------------------------------------------------ LP relaxation rates


@dataclass
class LPRates:
    status: str
    objective: float | None
    budget: float | None  # max_value: value per extra dollar; min_cost: 0 (the plan ignores the budget)
    hours: dict[str, float] = field(default_factory=dict)  # unit id -> value gained / cost saved per extra hour


def lp_spec(data: ModelData, mode: str, budget: float, shifts: tuple = ()) -> Spec:
    if mode == "max_value":
        return Spec(mode=mode, objective="value", budget=budget, relax=True, shifts=shifts)
    return Spec(mode=mode, objective="cost", budget=None, relax=True, shifts=shifts)


def lp_objective(data: ModelData, mode: str, budget: float, runner: Runner, shifts: tuple = ()) -> float | None:
    """Objective of the LP relaxation (value incl. constant, or cost) with right-hand sides shifted."""
    built = build(data, lp_spec(data, mode, budget, shifts))
    out = runner.run(built, "LP relaxation")
    if not out.has_plan:
        return None
    return out.objective + (built.value_constant if mode == "max_value" else 0.0)


def lp_rates(data: ModelData, mode: str, budget: float, runner: Runner) -> LPRates:
    """Normalised shadow prices of the budget and of each pool's hours, from the LP relaxation."""
    built = build(data, lp_spec(data, mode, budget))
    out = runner.run(built, "LP relaxation (shadow prices)")
    if not out.has_plan:
        return LPRates(out.status, None, None)
    # d(objective)/d(rhs): for max_value a gain; for min_cost a cost change (negative = saving)
    sign = 1.0 if mode == "max_value" else -1.0
    budget_rate = 0.0
    if mode == "max_value":
        r = out.rate("budget")
        budget_rate = max(0.0, r) if r is not None else None
    hours = {}
    for u in data.units:
        uid = unit_id(data, u)
        r = out.rate(f"hours_{uid}")
        hours[uid] = None if r is None else max(0.0, sign * r)
    obj = out.objective + (built.value_constant if mode == "max_value" else 0.0)
    return LPRates(out.status, obj, budget_rate, hours)


# ------------------------------------------------------------------ integer steps


def budget_step(data: ModelData, budget: float) -> float:
    """Budget step for the integer re-solve: 1% of the budget, at least the dearest person."""
    dearest = max((u.loaded_cost for u in data.units), default=0.0)
    return max(0.01 * budget, dearest)


@dataclass
class Step:
    key: str  # budget | people:<uid> | guardrail:<tier> | order:<service> | mandatory:<service>
    label: str
    size: float
    unit: str
    gain: float | None  # value gained (max_value) or cost saved (min_cost) by the step; None: not solved
    status: str


def _objective(sol: PlanSolution, mode: str) -> float | None:
    if not sol.has_plan:
        return None
    return sol.objective


def _gain(mode: str, base: float, new: float | None) -> float | None:
    if new is None:
        return None
    g = new - base if mode == "max_value" else base - new
    # solver round-off on a ~1e7 objective is not a gain
    return 0.0 if abs(g) <= 1e-7 * max(1.0, abs(base)) else g


def integer_steps(data: ModelData, mode: str, budget: float, base: PlanSolution, runner: Runner) -> list[Step]:
    """Re-solve the plan with one thing moved at a time (independent solves, run side by side)."""
    if not base.has_plan:
        return []
    base_obj = base.objective
    plan_budget = budget if mode == "max_value" else None
    todo: list[tuple[str, str, float, str, dict]] = []  # key, label, size, unit, spec extras

    if mode == "max_value":
        delta = budget_step(data, budget)
        todo.append((BUDGET, "Annual CS budget", delta, "money", {"shifts": ((BUDGET, delta),)}))
    for u in data.units:
        uid = unit_id(data, u)
        todo.append((f"people:{uid}", f"One more {u.role} ({u.label}), funded outside the budget", 1.0, "person",
                     {"shifts": ((f"people:{uid}", 1.0),)}))
    if mode == "max_value":
        ev = base.evaluation
        for t, share in data.guardrails.items():
            limit = share * data.arr[t]
            if limit <= 0 or ev.tier_cost[t] < 0.9 * limit:
                continue
            delta = 0.01 * data.arr[t]
            todo.append((guard_group(t), f"{t}: CS cost cap one point of ARR higher", delta, "money", {"shifts": ((f"guardrail:{t}", delta),)}))
        seen = set()
        for service, hi, lo in data.order_pairs:
            if service in seen:
                continue
            if base.x[hi] == base.x[lo] and base.x[hi] > data.cells[hi].floor(mode):
                seen.add(service)
                todo.append((order_group(service), f"{service}: keep tier order switched off", 1.0, "rule", {"drop": frozenset({order_group(service)})}))
        mandatory: dict[str, list] = {}
        for c in data.cells:
            if c.mandatory and c.floor(mode) > c.floor_min and base.x[c.index] == c.floor(mode):
                mandatory.setdefault(c.service, []).append(c)
        for service, cells in mandatory.items():
            todo.append((f"mandatory:{service}", f"{service}: allowed below the negotiated interval (down to the minimum)", 1.0, "rule",
                         {"floors": tuple((c.index, c.floor_min) for c in cells)}))

    jobs = [dict(mode=mode, budget=plan_budget, lexicographic=False, purpose=f"step {key}", **extra) for key, _, _, _, extra in todo]
    sols = solve_plans(data, jobs, runner)
    return [Step(key, label, size, unit, _gain(mode, base_obj, _objective(sol, mode)), sol.status)
            for (key, label, size, unit, _), sol in zip(todo, sols)]


# ------------------------------------------------------------------ frontier


@dataclass
class FrontierPoint:
    share: float
    budget: float
    solution: PlanSolution


def frontier(data: ModelData, budget: float, runner: Runner, known: dict[float, PlanSolution] | None = None) -> list[FrontierPoint]:
    """max_value re-solved at each budget share (lexicographic, so costs are the cheapest at that value)."""
    todo = [s for s in FRONTIER_SHARES if not (known and s in known)]
    sols = solve_plans(data, [dict(mode="max_value", budget=budget * s, purpose=f"frontier {s:.0%}") for s in todo], runner)
    solved = dict(zip(todo, sols))
    return [FrontierPoint(s, budget * s, known[s] if known and s in known else solved[s]) for s in FRONTIER_SHARES]


__all__ = [
    "FRONTIER_SHARES", "FrontierPoint", "LPRates", "Step", "budget_step", "frontier", "integer_steps",
    "lp_objective", "lp_rates", "lp_spec",
]
