"""Solving the model for one plan: one objective, or value first and cost second.

``solve_plan`` is what the optimizer, the frontier, the sensitivity re-solves
and the tests call. In max_value it is lexicographic: first the most expected
impact, then, holding that impact (to a relative 1e-6), the lowest cost; so
ties go to the cheaper plan without a penalty weight that could trade value
for cost. In min_cost the second step keeps the cost and asks for the fewest
occurrences, so a plan never delivers more than the negotiated intervals
unless a rule (keep tier order) forces it. People are always reported as the
fewest whole people the chosen intervals need (hours and coverage), which is
never more expensive than the solver's own headcount and keeps every
constraint satisfied.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any, NotRequired, TypedDict

from planner.optimization.formulation import Built, build
from planner.optimization.model import Evaluation, ModelData, Spec, evaluate, min_people
from planner.optimization.outcome import ERROR, FEASIBLE, INFEASIBLE, NO_SOLUTION, OPTIMAL, SolveOutcome, StatusFlags
from planner.optimization.solve import solve
from planner.schema import PlanningMode

VALUE_TOLERANCE = 1e-6  # relative: plans within this share of the best value count as ties


def value_tolerance(value: float) -> float:
    return VALUE_TOLERANCE * max(1.0, abs(value))


class SolveEntry(TypedDict):
    """One solve in a Runner's log."""

    purpose: str
    status: str
    gap: float | None
    guard_stopped: bool
    output: NotRequired[str]  # only a failed solve keeps what the solver printed


@dataclass
class Runner:
    """Solver name and time limit, and the record of every solve made (no timings: they are not reproducible)."""

    solver: str
    time_limit: float
    guard: float | None = None
    log: list[SolveEntry] = field(default_factory=list)

    def run(self, built: Built, purpose: str) -> SolveOutcome:
        out = solve(built.prob, self.solver, time_limit=self.time_limit, mip=not built.spec.relax, guard=self.guard)
        entry: SolveEntry = {"purpose": purpose, "status": out.status, "gap": out.gap, "guard_stopped": out.guard_stopped}
        if out.output:  # only a failed solve keeps what the solver printed
            entry["output"] = out.output
        self.log.append(entry)
        return out


@dataclass
class PlanSolution(StatusFlags):
    status: str  # OPTIMAL | FEASIBLE | INFEASIBLE | NO_SOLUTION | ERROR
    spec: Spec
    x: dict[int, float] = field(default_factory=dict)
    people: dict[str, float] = field(default_factory=dict)  # unit id -> whole people (fractional in an LP relaxation)
    evaluation: Evaluation | None = None
    objective: float | None = None  # phase-1 objective in model units (value incl. constant, or cost)
    gap: float | None = None  # gap of the phase that decides the objective
    cost_gap: float | None = None  # gap of the tie-break (cost) phase in max_value
    outcomes: list[SolveOutcome] = field(default_factory=list)
    message: str = ""

    @property
    def guard_stopped(self) -> bool:
        return any(o.guard_stopped for o in self.outcomes)

    @property
    def evaluated(self) -> Evaluation:
        """The evaluation of a solution that has a plan (``has_plan``); ValueError for one without."""
        if self.evaluation is None:
            raise ValueError(f"a {self.status} solution has no plan to evaluate")
        return self.evaluation


def _extract(data: ModelData, built: Built, out: SolveOutcome) -> dict[int, float]:
    x: dict[int, float] = {}
    for c in data.cells:
        var = built.x[c.index]
        v = out.values.get(var.name)
        if v is None:
            # in no constraint and not in the objective (PuLP then leaves it out of
            # the model): nothing depends on it, so it sits at its lower bound
            v = float(var.lowBound or 0.0)
        x[c.index] = v if built.spec.relax else round(round(v / c.step) * c.step, 10)
    return x


def solve_plan(
    data: ModelData,
    mode: str,
    budget: float | None,
    runner: Runner,
    *,
    lexicographic: bool = True,
    purpose: str = "plan",
    **spec_extra: Any,
) -> PlanSolution:
    """Best plan in ``mode`` under ``budget`` (None: no budget constraint)."""
    objective = "value" if mode == PlanningMode.MAX_VALUE else "cost"
    spec = Spec(mode=mode, objective=objective, budget=budget, **spec_extra)
    built = build(data, spec)
    first = runner.run(built, f"{purpose}: {'most value' if objective == 'value' else 'lowest cost'}")
    sol = PlanSolution(first.status, spec, outcomes=[first], gap=first.gap, message=first.message)
    if not first.has_plan:
        return sol
    x = _extract(data, built, first)
    status = first.status
    cost_gap = first.gap if objective == "cost" else None
    if objective == "value":
        sol.objective = (first.objective or 0.0) + built.value_constant
        if lexicographic:
            true_value = evaluate(data, x, {}).value if not spec.relax else sol.objective
            floor_value = true_value - value_tolerance(true_value)
            second_spec = replace(spec, objective="cost", value_floor=floor_value)
            second_built = build(data, second_spec)
            second = runner.run(second_built, f"{purpose}: lowest cost at that value")
            sol.outcomes.append(second)
            if second.has_plan:
                x = _extract(data, second_built, second)
                cost_gap = second.gap
                if second.status != OPTIMAL:
                    status = FEASIBLE if status == OPTIMAL else status
    else:
        sol.objective = first.objective
        if lexicographic and not spec.relax:
            # equal cost, fewer occurrences: the negotiated intervals unless something forces more
            true_cost = evaluate(data, x, min_people(data, x, include_support="support" not in spec.drop)).total_cost
            ceiling = true_cost + max(0.01, 1e-7 * abs(true_cost))
            second_built = build(data, replace(spec, objective="occurrences", cost_ceiling=ceiling))
            second = runner.run(second_built, f"{purpose}: fewest occurrences at that cost")
            sol.outcomes.append(second)
            if second.has_plan:
                x = _extract(data, second_built, second)
                if second.status != OPTIMAL and status == OPTIMAL:
                    status = FEASIBLE
    people: dict[str, float] = dict(min_people(data, x, include_support="support" not in spec.drop)) if not spec.relax else {}
    if spec.relax:
        people = {uid: first.value(var.name) for uid, var in built.people.items()}
    sol.status = status
    sol.x = x
    sol.people = people
    sol.evaluation = evaluate(data, x, people, include_support="support" not in spec.drop)
    sol.cost_gap = cost_gap
    return sol


def solve_plans(data: ModelData, jobs: list[dict[str, Any]], runner: Runner) -> list[PlanSolution]:
    """Several independent ``solve_plan`` calls side by side (forked children), results in job order.

    Each job is the keyword arguments of :func:`solve_plan` (mode, budget, ...).
    A job whose process dies or overruns its deadline comes back as NO_SOLUTION.
    """
    from planner.optimization.solve import guard_seconds, run_parallel

    def task(job: dict[str, Any]) -> Callable[[], tuple[PlanSolution, list[SolveEntry]]]:
        def run() -> tuple[PlanSolution, list[SolveEntry]]:
            sub = Runner(runner.solver, runner.time_limit, runner.guard)
            return solve_plan(data, runner=sub, **job), sub.log
        return run

    per_job = 3 * (runner.guard if runner.guard is not None else guard_seconds(runner.time_limit)) + 5
    results = run_parallel([task(j) for j in jobs], deadline=per_job)
    out: list[PlanSolution] = []
    for job, res in zip(jobs, results):
        if res is None:
            spec = Spec(mode=job["mode"], objective="value" if job["mode"] == PlanningMode.MAX_VALUE else "cost", budget=job.get("budget"))
            runner.log.append({"purpose": job.get("purpose", "plan"), "status": NO_SOLUTION, "gap": None, "guard_stopped": True})
            out.append(PlanSolution(NO_SOLUTION, spec, message="stopped by the wall-clock guard"))
            continue
        sol, log = res
        runner.log.extend(log)
        out.append(sol)
    return out


__all__ = ["ERROR", "FEASIBLE", "INFEASIBLE", "NO_SOLUTION", "OPTIMAL", "PlanSolution", "Runner", "SolveEntry", "solve_plan", "solve_plans", "value_tolerance"]
