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

Fewer solves, same answers. A step is only re-solved on its own when no
cheaper argument gives its exact answer (docs/model.md, "Cheaper, not
less true"):

* keep-tier-order rules whose every pair has a zero LP dual are switched off
  all together in one re-solve; switching rules off never lowers the optimum,
  so when that re-solve gains nothing, none of them alone gains anything.
  Otherwise (and for rules with a non-zero dual) each rule is re-solved alone;
* one free person in a pool whose cost no guardrail counts is worth exactly
  the budget raised by that person's loaded cost, whenever the plan at that
  budget employs at least one person in the pool (pay the free person and the
  step's plan fits the larger budget; make one of the paid people free and the
  larger budget's plan fits the step). Pools with the same loaded cost share
  that one re-solve; in min_cost (no budget) the saving is the loaded cost
  itself whenever the plan employs someone there;
* the best plan without any budget limit is solved once; every frontier
  budget it fits gets that plan without a re-solve (no plan has more value,
  and none reaches that value for less).

Every step row says how its answer was obtained (``Step.basis``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from planner.optimization.formulation import build
from planner.optimization.model import BUDGET, Cell, ModelData, Spec, Unit, guard_group, order_group, unit_id
from planner.optimization.plan import OPTIMAL, PlanSolution, Runner, solve_plans
from planner.schema import PlanningMode

FRONTIER_SHARES = (0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2, 1.3, 1.4)



class StepBasis(StrEnum):
    """How a step's answer was obtained (the ``step_basis`` column; planner.report.words says each in full)."""

    SOLVED = "re-solved"
    JOINT = "joint"  # switched off together with the other rules not binding in the LP: the plan gains nothing
    BUDGET = "budget"  # equal to the plan re-solved with the budget raised by the person's loaded cost
    LOADED_COST = "loaded cost"  # the person's loaded cost: the plan employs someone in the pool


BASIS_SOLVED = StepBasis.SOLVED
BASIS_JOINT = StepBasis.JOINT
BASIS_BUDGET = StepBasis.BUDGET
BASIS_LOADED_COST = StepBasis.LOADED_COST


# ------------------------------------------------------------------ LP relaxation rates


@dataclass
class LPRates:
    status: str
    objective: float | None
    budget: float | None  # max_value: value per extra dollar; min_cost: 0 (the plan ignores the budget)
    hours: dict[str, float | None] = field(default_factory=dict)  # unit id -> value gained / cost saved per extra hour (None: no dual)
    order: dict[str, float] = field(default_factory=dict)  # service -> largest |d objective / d rhs| over its keep-order pairs


def lp_spec(data: ModelData, mode: str, budget: float, shifts: tuple[tuple[str, float], ...] = ()) -> Spec:
    if mode == PlanningMode.MAX_VALUE:
        return Spec(mode=mode, objective="value", budget=budget, relax=True, shifts=shifts)
    return Spec(mode=mode, objective="cost", budget=None, relax=True, shifts=shifts)


def lp_objective(data: ModelData, mode: str, budget: float, runner: Runner, shifts: tuple[tuple[str, float], ...] = ()) -> float | None:
    """Objective of the LP relaxation (value incl. constant, or cost) with right-hand sides shifted."""
    built = build(data, lp_spec(data, mode, budget, shifts))
    out = runner.run(built, "LP relaxation")
    if not out.has_plan:
        return None
    assert out.objective is not None  # a solve with a plan has its objective
    return out.objective + (built.value_constant if mode == PlanningMode.MAX_VALUE else 0.0)


def lp_rates(data: ModelData, mode: str, budget: float, runner: Runner) -> LPRates:
    """Normalised shadow prices of the budget and of each pool's hours, from the LP relaxation."""
    built = build(data, lp_spec(data, mode, budget))
    out = runner.run(built, "LP relaxation (shadow prices)")
    if not out.has_plan:
        return LPRates(out.status, None, None)
    # d(objective)/d(rhs): for max_value a gain; for min_cost a cost change (negative = saving)
    sign = 1.0 if mode == PlanningMode.MAX_VALUE else -1.0
    budget_rate: float | None = 0.0
    if mode == PlanningMode.MAX_VALUE:
        r = out.rate("budget")
        budget_rate = max(0.0, r) if r is not None else None
    hours: dict[str, float | None] = {}
    for u in data.units:
        uid = unit_id(data, u)
        r = out.rate(f"hours_{uid}")
        hours[uid] = None if r is None else max(0.0, sign * r)
    order: dict[str, float] = {}
    for i, (service, _hi, _lo) in enumerate(data.order_pairs):
        r = out.rate(f"order_{i:03d}")
        # a missing dual is treated as binding: no shortcut is taken on it
        order[service] = max(order.get(service, 0.0), float("inf") if r is None else abs(r))
    assert out.objective is not None  # a solve with a plan has its objective
    obj = out.objective + (built.value_constant if mode == PlanningMode.MAX_VALUE else 0.0)
    return LPRates(out.status, obj, budget_rate, hours, order)


# ------------------------------------------------------------------ integer steps


def budget_step(data: ModelData, budget: float) -> float:
    """Budget step for the integer re-solve: 1% of the budget, at least the dearest person."""
    dearest = max((u.loaded_cost for u in data.units), default=0.0)
    return max(0.01 * budget, dearest)


@dataclass
class Step:
    key: str  # budget | people:<uid> | guardrail:<tier> | order:<service> | mandatory:<service>
    size: float
    unit: str
    gain: float | None  # value gained (max_value) or cost saved (min_cost) by the step; None: not solved
    status: str
    basis: StepBasis = StepBasis.SOLVED
    role: str = ""  # people: the pool's role and tier label
    pool: str = ""
    tier: str = ""  # guardrail
    service: str = ""  # order, mandatory


def _objective(sol: PlanSolution, mode: str) -> float | None:
    if not sol.has_plan:
        return None
    return sol.objective


def _gain(mode: str, base: float, new: float | None) -> float | None:
    if new is None:
        return None
    g = new - base if mode == PlanningMode.MAX_VALUE else base - new
    # solver round-off on a ~1e7 objective is not a gain
    return 0.0 if abs(g) <= 1e-7 * max(1.0, abs(base)) else g


def _guardrail_counts(data: ModelData, unit: Unit) -> bool:
    """Whether a tier guardrail counts this pool's people (Named pools in a guardrailed tier)."""
    return bool(unit.tier) and unit.tier in data.guardrails


@dataclass
class _Todo:
    key: str
    size: float
    unit: str
    extra: dict[str, Any]  # spec extras of its own re-solve
    # ("alone",) | ("budget", amount, uid) | ("joint",) | ("known", gain); once planned, ("alone", job) and ("budget", job, uid)
    how: tuple[Any, ...] = ("alone",)
    subject: dict[str, str] = field(default_factory=dict)  # role, pool, tier, service of the Step

    def step(self, gain: float | None, status: str, basis: StepBasis = StepBasis.SOLVED) -> Step:
        return Step(self.key, self.size, self.unit, gain, status, basis, **self.subject)


class StepPlan:
    """The step re-solves to run (``jobs``) and how to read each step's answer from them.

    ``finish`` turns the solved jobs into steps, re-solving alone (in one more
    parallel batch) any step whose shortcut did not hold.
    """

    def __init__(self, data: ModelData, mode: str, budget: float, base: PlanSolution, rates: LPRates | None = None,
                 only: tuple[str, ...] | None = None):
        self.data, self.mode, self.base = data, mode, base
        self.plan_budget = budget if mode == PlanningMode.MAX_VALUE else None
        self.todo: list[_Todo] = []
        self.jobs: list[dict[str, Any]] = []
        self._budget_job: dict[float, int] = {}
        self._joint_job: int | None = None
        if not base.has_plan:
            return
        todo = self.todo
        if mode == PlanningMode.MAX_VALUE:
            delta = budget_step(data, budget)
            todo.append(_Todo(BUDGET, delta, "money", {"shifts": ((BUDGET, delta),)}, ("budget", delta, None)))
        # pools sharing a loaded cost share one budget re-solve (max_value)
        shared: dict[float, int] = {}
        for u in data.units:
            if not _guardrail_counts(data, u):
                shared[u.loaded_cost] = shared.get(u.loaded_cost, 0) + 1
        for u in data.units:
            uid = unit_id(data, u)
            how: tuple[Any, ...] = ("alone",)
            if not _guardrail_counts(data, u) and u.loaded_cost > 0:
                if mode == PlanningMode.MIN_COST:
                    if base.people.get(uid, 0) >= 1:
                        how = ("known", u.loaded_cost)
                elif shared[u.loaded_cost] >= 2 or u.loaded_cost == todo[0].size:
                    how = ("budget", u.loaded_cost, uid)
            todo.append(_Todo(f"people:{uid}", 1.0, "person", {"shifts": ((f"people:{uid}", 1.0),)}, how,
                              {"role": u.role, "pool": u.label}))
        if mode == PlanningMode.MAX_VALUE:
            ev = base.evaluated
            for tier, share in data.guardrails.items():
                limit = share * data.arr[tier]
                if limit <= 0 or ev.tier_cost[tier] < 0.9 * limit:
                    continue
                delta = 0.01 * data.arr[tier]
                todo.append(_Todo(guard_group(tier), delta, "money", {"shifts": ((f"guardrail:{tier}", delta),)}, subject={"tier": tier}))
            seen: set[str] = set()
            order_todo: list[_Todo] = []
            for service, hi, lo in data.order_pairs:
                if service in seen:
                    continue
                if base.x[hi] == base.x[lo] and base.x[hi] > data.cells[hi].floor(mode):
                    seen.add(service)
                    order_todo.append(_Todo(order_group(service), 1.0, "rule", {"drop": frozenset({order_group(service)})},
                                            subject={"service": service}))
            if rates is not None and rates.order and rates.objective is not None:
                zero = 1e-9 * max(1.0, abs(rates.objective))
                quiet = [t for t in order_todo if rates.order.get(t.key[len("order:"):], float("inf")) <= zero]
                if len(quiet) >= 2:
                    for t in quiet:
                        t.how = ("joint",)
            todo.extend(order_todo)
            mandatory: dict[str, list[Cell]] = {}
            for c in data.cells:
                if c.mandatory and c.floor(mode) > c.floor_min and base.x[c.index] == c.floor(mode):
                    mandatory.setdefault(c.service, []).append(c)
            for service, cells in mandatory.items():
                todo.append(_Todo(f"mandatory:{service}", 1.0, "rule", {"floors": tuple((c.index, c.floor_min) for c in cells)},
                                  subject={"service": service}))

        if only is not None:  # the steps asked for alone (a comparison of scenarios shows the budget's)
            todo[:] = [t for t in todo if t.key in only]
        for t in todo:
            kind = t.how[0]
            if kind == "alone":
                t.how = ("alone", self._add(t.key, t.extra))
            elif kind == "budget":
                amount = t.how[1]
                if amount not in self._budget_job:
                    key = BUDGET if amount == todo[0].size else f"budget +{amount:,.0f}"
                    self._budget_job[amount] = self._add(key, {"shifts": ((BUDGET, amount),)})
                t.how = ("budget", self._budget_job[amount], t.how[2])
            elif kind == "joint" and self._joint_job is None:
                rules: list[frozenset[str]] = [x.extra["drop"] for x in todo if x.how[0] == "joint"]
                self._joint_job = self._add("order: every rule not binding in the LP", {"drop": frozenset[str]().union(*rules)})

    def _add(self, key: str, extra: dict[str, Any]) -> int:
        self.jobs.append(dict(mode=self.mode, budget=self.plan_budget, lexicographic=False, purpose=f"step {key}", **extra))
        return len(self.jobs) - 1

    def finish(self, sols: list[PlanSolution], runner: Runner) -> list[Step]:
        """Steps in their fixed order; shortcuts that did not hold are re-solved alone."""
        if not self.base.has_plan:
            return []
        mode, base_obj = self.mode, self.base.objective
        assert base_obj is not None  # a plan has its objective
        out: list[Step | None] = []
        again: list[int] = []
        joint = sols[self._joint_job] if self._joint_job is not None else None
        joint_holds = joint is not None and joint.status == OPTIMAL and _gain(mode, base_obj, _objective(joint, mode)) == 0.0
        for i, t in enumerate(self.todo):
            kind = t.how[0]
            step = None
            if kind == "alone" or (kind == "budget" and t.how[2] is None):
                sol = sols[t.how[1]]
                step = t.step(_gain(mode, base_obj, _objective(sol, mode)), sol.status)
            elif kind == "budget":
                sol = sols[t.how[1]]
                if sol.status == OPTIMAL and sol.people.get(t.how[2], 0) >= 1:
                    step = t.step(_gain(mode, base_obj, _objective(sol, mode)), sol.status, StepBasis.BUDGET)
            elif kind == "joint":
                if joint_holds and joint is not None:
                    step = t.step(0.0, joint.status, StepBasis.JOINT)
            elif kind == "known":
                step = t.step(t.how[1], self.base.status, StepBasis.LOADED_COST)
            out.append(step)
            if step is None:
                again.append(i)
        if again:
            jobs = [dict(mode=mode, budget=self.plan_budget, lexicographic=False, purpose=f"step {self.todo[i].key}", **self.todo[i].extra)
                    for i in again]
            for i, sol in zip(again, solve_plans(self.data, jobs, runner)):
                t = self.todo[i]
                out[i] = t.step(_gain(mode, base_obj, _objective(sol, mode)), sol.status)
        return [s for s in out if s is not None]


def integer_steps(data: ModelData, mode: str, budget: float, base: PlanSolution, runner: Runner,
                  rates: LPRates | None = None) -> list[Step]:
    """Re-solve the plan with one thing moved at a time (independent solves, run side by side)."""
    plan = StepPlan(data, mode, budget, base, rates)
    return plan.finish(solve_plans(data, plan.jobs, runner), runner)


# ------------------------------------------------------------------ frontier


@dataclass
class FrontierPoint:
    share: float
    budget: float
    solution: PlanSolution
    solved: bool = True  # False: the best plan without a budget limit, which already fits this budget


class FrontierPlan:
    """The frontier's solves (``jobs``) and the points read from them.

    ``unconstrained`` is the lexicographic max_value plan without any budget.
    Proven optimal, it is the plan of every budget it fits: no plan has more
    value, and none reaches that value for less (it is the cheapest such plan
    overall, so also the cheapest within any budget it fits). Those points are
    not re-solved.
    """

    def __init__(self, data: ModelData, budget: float, known: dict[float, PlanSolution] | None = None,
                 unconstrained: PlanSolution | None = None, shares: tuple[float, ...] = FRONTIER_SHARES):
        self.data, self.budget, self.shares = data, budget, shares
        self.known = dict(known or {})
        ok = unconstrained is not None and unconstrained.status == OPTIMAL and unconstrained.evaluation is not None
        self.unconstrained = unconstrained if ok else None
        self.todo = [s for s in shares if s not in self.known and not self.fits(s)]
        self.jobs = [dict(mode=PlanningMode.MAX_VALUE, budget=budget * s, purpose=f"frontier {s:.0%}") for s in self.todo]

    def fits(self, share: float) -> bool:
        """Whether the plan without a budget limit fits this share of the budget."""
        free = self.unconstrained
        return free is not None and free.evaluated.total_cost <= self.budget * share * (1 + 1e-9)

    @property
    def levels_off_at(self) -> float | None:
        """Smallest share from which the frontier repeats the plan without a budget limit (not re-solved)."""
        rest = [s for s in self.shares if s not in self.known and s not in self.todo]
        return min(rest) if rest else None

    def finish(self, sols: list[PlanSolution]) -> list[FrontierPoint]:
        solved = dict(zip(self.todo, sols))
        points: list[FrontierPoint] = []
        for s in self.shares:
            if s in self.known:
                points.append(FrontierPoint(s, self.budget * s, self.known[s]))
            elif s in solved:
                points.append(FrontierPoint(s, self.budget * s, solved[s]))
            else:
                assert self.unconstrained is not None  # a share neither known nor solved is one the unconstrained plan fits
                points.append(FrontierPoint(s, self.budget * s, self.unconstrained, solved=False))
        return points


def unconstrained_plan(data: ModelData, runner: Runner) -> PlanSolution:
    """The max_value plan with no budget limit (most value, then cheapest at that value)."""
    from planner.optimization.plan import solve_plan

    return solve_plan(data, PlanningMode.MAX_VALUE, None, runner, purpose="frontier without a budget limit")


def frontier(data: ModelData, budget: float, runner: Runner, known: dict[float, PlanSolution] | None = None) -> list[FrontierPoint]:
    """max_value re-solved at each budget share (lexicographic, so costs are the cheapest at that value)."""
    plan = FrontierPlan(data, budget, known, unconstrained_plan(data, runner))
    return plan.finish(solve_plans(data, plan.jobs, runner))


__all__ = [
    "BASIS_BUDGET", "BASIS_JOINT", "BASIS_LOADED_COST", "BASIS_SOLVED", "FRONTIER_SHARES", "FrontierPlan", "FrontierPoint",
    "LPRates", "Step", "StepBasis", "StepPlan", "budget_step", "frontier", "integer_steps", "lp_objective", "lp_rates", "lp_spec",
    "unconstrained_plan",
]
