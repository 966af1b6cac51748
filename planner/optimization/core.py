"""optimize(): the plan, its sensitivity and, when it cannot be done, why.

Pure computation apart from calling the solver (which runs in a child process
with a hard deadline, see solve.py). Infeasible is an answer, not an error:
only option mistakes raise UserInputError.
"""

from __future__ import annotations

import pandas as pd

from planner.inputs import PlanInputs
from planner.optimization import findings, tables
from planner.optimization.formulation import build, model_size
from planner.optimization.infeasibility import Diagnosis, diagnose
from planner.optimization.model import ModelData, Spec, prepare
from planner.optimization.plan import ERROR, FEASIBLE, INFEASIBLE, NO_SOLUTION, OPTIMAL, PlanSolution, Runner, solve_plan, solve_plans
from planner.optimization.result import (
    FrontierLevelsOff,
    GuardStopped,
    ModelSize,
    OptimizationResult,
    PlanKind,
    SolveRecord,
    SolverError,
)
from planner.optimization.sensitivity import FrontierPlan, FrontierPoint, LPRates, Step, StepPlan, lp_rates, unconstrained_plan
from planner.options import PlanOptions, apply_options
from planner.schema import PlanningMode

status_word = tables.status_word


def optimize(
    inputs: PlanInputs,
    tier_stats: pd.DataFrame,
    *,
    mode: str | None = None,
    solver: str | None = None,
    budget: float | None = None,
    time_limit: float | None = None,
    sensitivity: bool = True,
    budget_only: bool = False,
) -> OptimizationResult:
    """Choose intervals, headcount and support staffing per tier (see docs/model.md).

    ``None`` for an option means the Finance sheet's value; given ones are applied to the inputs
    first (:func:`planner.options.apply_options`), so everything here reads ``inputs.finance``.
    ``sensitivity=False`` skips shadow prices, steps and the frontier (one or two solves instead
    of thirty; the tables are then empty). ``budget_only=True`` keeps of the sensitivity only what a
    comparison of scenarios shows: the LP shadow prices and the budget's re-solved step, no other steps
    and no frontier (four solves instead of thirty).
    """
    inputs = apply_options(inputs, PlanOptions(mode=mode, solver=solver, budget=budget, time_limit=time_limit), source="option")
    f = inputs.finance
    mode, budget, time_limit = f.planning_mode, float(f.budget), float(f.time_limit)
    data = prepare(inputs, tier_stats)
    runner = Runner(f.solver, time_limit)
    notes = findings.rounding_notes(data, mode)

    main = solve_plan(data, mode, budget if mode == PlanningMode.MAX_VALUE else None, runner, purpose="plan")
    size = model_size(build(data, Spec(mode=mode, objective="value" if mode == PlanningMode.MAX_VALUE else "cost", budget=budget)))

    unreachable = [q for q in data.queues if not q.achievable]
    over_budget = mode == PlanningMode.MIN_COST and main.has_plan and main.evaluated.total_cost > budget * (1 + 1e-9)
    infeasible = main.status == INFEASIBLE or over_budget or bool(unreachable)

    diagnosis: Diagnosis | None = None
    shown: PlanSolution | None = main if main.has_plan else None
    plan_kind = PlanKind.PLAN if shown else PlanKind.NONE
    if infeasible and main.status in (INFEASIBLE, OPTIMAL, FEASIBLE):
        diagnosis = diagnose(data, mode, budget, runner, known_cheapest=main if over_budget else None)
        if main.status == INFEASIBLE and diagnosis.cheapest_plan is not None:
            shown = diagnosis.cheapest_plan
            plan_kind = PlanKind.CHEAPEST
        elif over_budget:
            plan_kind = PlanKind.CHEAPEST
        if main.status == INFEASIBLE and diagnosis.cheapest_plan is None:
            shown, plan_kind = None, PlanKind.NONE
        if diagnosis.cheapest_plan is None and over_budget:
            diagnosis.cheapest_plan = main
            diagnosis.smallest_budget = main.evaluated.total_cost
            diagnosis.budget_shortfall = main.evaluated.total_cost - budget

    status = status_word(main.status, infeasible)
    if main.guard_stopped:
        notes.append(GuardStopped(time_limit))
    if main.status == ERROR:
        notes.append(SolverError(main.message))

    # sensitivity (only around a plan that exists) and the frontier
    rates = LPRates("skipped", None, None)
    steps: list[Step] = []
    points: list[FrontierPoint] = []
    step_plan: StepPlan | None = None
    frontier_plan: FrontierPlan | None = None
    if sensitivity and main.has_plan:
        rates = lp_rates(data, mode, budget, runner)
        step_plan = StepPlan(data, mode, budget, main, rates, only=("budget",) if budget_only else None)
    if sensitivity and not budget_only and main.status != NO_SOLUTION and main.status != ERROR:
        known = {1.0: main} if mode == PlanningMode.MAX_VALUE and main.has_plan else None
        frontier_plan = FrontierPlan(data, budget, known, unconstrained_plan(data, runner))
    # the steps' and the frontier's solves are independent: one batch keeps both CPUs busy
    step_jobs = step_plan.jobs if step_plan else []
    frontier_jobs = frontier_plan.jobs if frontier_plan else []
    sols = solve_plans(data, step_jobs + frontier_jobs, runner) if step_jobs or frontier_jobs else []
    if step_plan is not None:
        steps = step_plan.finish(sols[:len(step_jobs)], runner)
    if frontier_plan is not None:
        points = frontier_plan.finish(sols[len(step_jobs):])
        if frontier_plan.levels_off_at is not None and frontier_plan.unconstrained is not None:  # it levels off at the unconstrained plan
            notes.append(FrontierLevelsOff(frontier_plan.levels_off_at, frontier_plan.unconstrained.evaluated.total_cost))

    negotiated_cost = None
    if mode == PlanningMode.MIN_COST and main.has_plan:
        negotiated_cost = main.evaluated.total_cost
    elif points:
        negotiated_cost = _negotiated_cost(data, runner) if sensitivity else None

    ev = shown.evaluation if shown is not None else None
    total = ev.total_cost if ev else None
    notes.extend(findings.failed_solve_notes(runner.log))
    return OptimizationResult(
        status=status,
        proven_optimal=bool(main.proven_optimal and not infeasible),
        gap=main.gap,
        cost_gap=main.cost_gap,
        solver=f.solver,
        mode=mode,
        budget=budget,
        time_limit=time_limit,
        currency=f.currency,
        total_cost=total,
        cost_breakdown=tables.cost_breakdown(data, shown) if shown is not None else None,
        value=ev.value if ev else None,
        assessed_service_value=tables.assessed_value(inputs, data, shown) if shown is not None else None,
        budget_used_share=(total / budget) if total is not None else None,
        within_budget=(total <= budget * (1 + 1e-9)) if total is not None else None,
        intervals=tables.intervals_table(data, shown),
        headcount=tables.headcount_table(data, shown),
        support=tables.support_table(data),
        tiers=tables.tier_figures(inputs, data, shown),
        shadow_prices=tables.shadow_table(data, rates, steps),
        binding=findings.binding(data, mode, budget, shown, steps) if shown is not None and not infeasible else [],
        frontier=tables.frontier_table(points, negotiated_cost),
        diagnosis=diagnosis,
        trade_offs=findings.trade_offs(data, mode, budget, main, steps, points, diagnosis),
        notes=notes,
        plan_kind=plan_kind,
        model_size=ModelSize(variables=size[0], constraints=size[1], tiers=len(data.tiers), services_x_tiers=len(data.cells),
                             people_pools=len(data.units)),
        solves=[SolveRecord(e["purpose"], e["status"], e["gap"], e["guard_stopped"], e.get("output", "")) for e in runner.log],
        negotiated_cost=negotiated_cost,
        interval_changes=findings.interval_changes(data, shown) if shown is not None else [],
    )


def _negotiated_cost(data: ModelData, runner: Runner) -> float | None:
    sol = solve_plan(data, PlanningMode.MIN_COST, None, runner, purpose="cost of the negotiated plan")
    return sol.evaluated.total_cost if sol.has_plan else None
