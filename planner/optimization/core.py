"""optimize(): the plan, its sensitivity and, when it cannot be done, why.

Pure computation apart from calling the solver (which runs in a child process
with a hard deadline, see solve.py). Infeasible is an answer, not an error:
only option mistakes raise UserInputError.
"""

from __future__ import annotations

import math

import pandas as pd

from planner.errors import Problem, UserInputError
from planner.inputs import PlanInputs
from planner.optimization.infeasibility import Diagnosis, diagnose
from planner.optimization.model import (
    BUDGET,
    ModelData,
    Spec,
    build,
    check_mode,
    model_size,
    prepare,
    unit_id,
)
from planner.optimization.plan import ERROR, FEASIBLE, INFEASIBLE, NO_SOLUTION, OPTIMAL, PlanSolution, Runner, solve_plan, solve_plans
from planner.optimization.result import (
    FRONTIER_COLUMNS,
    HEADCOUNT_COLUMNS,
    INTERVAL_COLUMNS,
    SHADOW_COLUMNS,
    STATUS_FAILED,
    STATUS_FEASIBLE,
    STATUS_INFEASIBLE,
    STATUS_OPTIMAL,
    STATUS_TIME_LIMIT,
    SUPPORT_COLUMNS,
    OptimizationResult,
)
from planner.optimization.sensitivity import FrontierPlan, FrontierPoint, LPRates, Step, StepPlan, lp_rates, unconstrained_plan
from planner.optimization.solve import check_solver


def _options(inputs: PlanInputs, mode, solver, budget, time_limit) -> tuple[str, str, float, float]:
    f = inputs.finance
    mode = check_mode(f.planning_mode if mode is None else mode)
    solver = check_solver(f.solver if solver is None else solver)
    budget = float(f.budget if budget is None else budget)
    time_limit = float(f.time_limit if time_limit is None else time_limit)
    problems = []
    if not (budget > 0 and math.isfinite(budget)):
        problems.append(Problem("budget option", f"{budget:g} is not a usable budget", "a positive amount"))
    if not (time_limit > 0 and math.isfinite(time_limit)):
        problems.append(Problem("time limit option", f"{time_limit:g} is not a usable time limit", "a positive number of seconds"))
    if problems:
        raise UserInputError(problems)
    return mode, solver, budget, time_limit


def optimize(
    inputs: PlanInputs,
    tier_stats: pd.DataFrame,
    *,
    mode: str | None = None,
    solver: str | None = None,
    budget: float | None = None,
    time_limit: float | None = None,
    sensitivity: bool = True,
) -> OptimizationResult:
    """Choose intervals, headcount and support staffing per tier (see docs/model.md).

    ``None`` for an option means the Finance sheet's value. ``sensitivity=False``
    skips shadow prices, steps and the frontier (one or two solves instead of
    thirty; the tables are then empty).
    """
    mode, solver, budget, time_limit = _options(inputs, mode, solver, budget, time_limit)
    data = prepare(inputs, tier_stats, budget)
    runner = Runner(solver, time_limit)
    notes = _rounding_notes(data, mode)

    main = solve_plan(data, mode, budget if mode == "max_value" else None, runner, purpose="plan")
    size = model_size(build(data, Spec(mode=mode, objective="value" if mode == "max_value" else "cost", budget=budget)))

    unreachable = [q for q in data.queues if not q.achievable]
    over_budget = mode == "min_cost" and main.has_plan and main.evaluation.total_cost > budget * (1 + 1e-9)
    infeasible = main.status == INFEASIBLE or over_budget or bool(unreachable)

    diagnosis: Diagnosis | None = None
    shown: PlanSolution | None = main if main.has_plan else None
    plan_kind = "plan" if shown else "none"
    if infeasible and main.status in (INFEASIBLE, OPTIMAL, FEASIBLE):
        diagnosis = diagnose(data, mode, budget, runner, known_cheapest=main if over_budget else None)
        if main.status == INFEASIBLE and diagnosis.cheapest_plan is not None:
            shown = diagnosis.cheapest_plan
            plan_kind = "cheapest plan meeting the requirements (over budget)"
        elif over_budget:
            plan_kind = "cheapest plan meeting the requirements (over budget)"
        if main.status == INFEASIBLE and diagnosis.cheapest_plan is None:
            shown, plan_kind = None, "none"
        if diagnosis.cheapest_plan is None and over_budget:
            diagnosis.cheapest_plan = main
            diagnosis.smallest_budget = main.evaluation.total_cost
            diagnosis.budget_shortfall = main.evaluation.total_cost - budget

    status = status_word(main.status, infeasible)
    if main.guard_stopped:
        notes.append(f"The solver overran its own {time_limit:g} s limit and was stopped by the wall-clock guard.")
    if main.status == ERROR:
        notes.append(f"Solver error: {main.message}")

    # sensitivity (only around a plan that exists) and the frontier
    rates = LPRates("skipped", None, None)
    steps: list[Step] = []
    points: list[FrontierPoint] = []
    step_plan: StepPlan | None = None
    frontier_plan: FrontierPlan | None = None
    if sensitivity and main.has_plan:
        rates = lp_rates(data, mode, budget, runner)
        step_plan = StepPlan(data, mode, budget, main, rates)
    if sensitivity and main.status != NO_SOLUTION and main.status != ERROR:
        known = {1.0: main} if mode == "max_value" and main.has_plan else None
        frontier_plan = FrontierPlan(data, budget, known, unconstrained_plan(data, runner))
    # the steps' and the frontier's solves are independent: one batch keeps both CPUs busy
    step_jobs = step_plan.jobs if step_plan else []
    frontier_jobs = frontier_plan.jobs if frontier_plan else []
    sols = solve_plans(data, step_jobs + frontier_jobs, runner) if step_jobs or frontier_jobs else []
    if step_plan is not None:
        steps = step_plan.finish(sols[:len(step_jobs)], runner)
    if frontier_plan is not None:
        points = frontier_plan.finish(sols[len(step_jobs):])
        if frontier_plan.levels_off_at is not None:
            free = frontier_plan.unconstrained.evaluation
            notes.append(f"Frontier: the best plan without any budget limit costs {free.total_cost:,.0f}; from "
                         f"{frontier_plan.levels_off_at:.0%} of the budget on it fits, so more budget buys nothing more "
                         "and those points repeat it without a re-solve.")

    negotiated_cost = None
    if mode == "min_cost" and main.has_plan:
        negotiated_cost = main.evaluation.total_cost
    elif points:
        negotiated_cost = _negotiated_cost(data, runner) if sensitivity else None

    ev = shown.evaluation if shown is not None else None
    total = ev.total_cost if ev else None
    within = (total <= budget * (1 + 1e-9)) if total is not None else None
    asv = _assessed_value(inputs, data, shown) if shown is not None else None

    notes.extend(_failed_solve_notes(runner.log))
    result = OptimizationResult(
        status=status,
        proven_optimal=bool(main.proven_optimal and not infeasible),
        gap=main.gap,
        cost_gap=main.cost_gap,
        solver=solver,
        mode=mode,
        budget=budget,
        time_limit=time_limit,
        currency=inputs.finance.currency,
        total_cost=total,
        cost_breakdown=_breakdown(data, shown) if shown is not None else {},
        value=ev.value if ev else None,
        assessed_service_value=asv,
        budget_used_share=(total / budget) if total is not None else None,
        within_budget=within,
        intervals=_intervals_table(data, shown, mode),
        headcount=_headcount_table(data, shown),
        support=_support_table(data),
        shadow_prices=_shadow_table(data, mode, rates, steps),
        binding_constraints=_binding(data, mode, budget, shown, steps) if shown is not None and not infeasible else [],
        frontier=_frontier_table(points, negotiated_cost),
        infeasibility=diagnosis.to_dict() if diagnosis else None,
        trade_offs=[],
        notes=notes,
        plan_kind=plan_kind,
        model_size={"variables": size[0], "constraints": size[1], "tiers": len(data.tiers), "services_x_tiers": len(data.cells), "people_pools": len(data.units)},
        solves=list(runner.log),
    )
    result.trade_offs = _trade_offs(data, mode, budget, result, main, steps, points, diagnosis)
    return result


# ------------------------------------------------------------------ helpers


def status_word(solve_status: str, infeasible: bool) -> str:
    """The CFO's word for a solve outcome (see docs/model.md, "Status")."""
    if infeasible:
        return STATUS_INFEASIBLE
    return {
        OPTIMAL: STATUS_OPTIMAL,
        FEASIBLE: STATUS_FEASIBLE,
        INFEASIBLE: STATUS_INFEASIBLE,
        NO_SOLUTION: STATUS_TIME_LIMIT,
    }.get(solve_status, STATUS_FAILED)


def _failed_solve_notes(log: list[dict]) -> list[str]:
    """One note per failed solve that printed something: the last lines the solver printed."""
    notes = []
    for entry in log:
        if entry.get("output"):
            tail = " | ".join(line.strip() for line in entry["output"].splitlines()[-12:] if line.strip())
            notes.append(f"The solver printed this when a solve failed ({entry['purpose']}, {entry['status']}): {tail}")
    return notes


def _rounding_notes(data: ModelData, mode: str) -> list[str]:
    notes = []
    for c in data.cells:
        fl = c.floor(mode)
        if not c.on_grid:
            notes.append(f"{c.service} in {c.tier}: intervals are planned in steps of {c.step:g} per year; "
                         f"minimum {c.minimum:g}, negotiated {c.negotiated:g} and maximum {c.maximum:g} are rounded to them "
                         f"(floor {fl:g}, maximum {c.cap:g}).")
        if c.cap < fl:
            notes.append(f"{c.service} in {c.tier}: the floor ({fl:g}) is above the maximum ({c.maximum:g}).")
    return notes


def _negotiated_cost(data: ModelData, runner: Runner) -> float | None:
    sol = solve_plan(data, "min_cost", None, runner, purpose="cost of the negotiated plan")
    return sol.evaluation.total_cost if sol.has_plan else None


def _assessed_value(inputs: PlanInputs, data: ModelData, sol: PlanSolution) -> float:
    from planner.valuation import service_matrix

    chosen = {c.key: sol.x[c.index] for c in data.cells}
    for iv in inputs.intervals:  # rows the model did not see keep their negotiated interval
        chosen.setdefault((iv.service, iv.tier), iv.negotiated)
    matrix = service_matrix(inputs, intervals=chosen)
    return float(sum(row.asv_per_account * data.accounts.get(row.tier, 0) for row in matrix.itertuples()))


def _breakdown(data: ModelData, sol: PlanSolution) -> dict:
    ev = sol.evaluation
    by_role: dict[str, float] = {}
    support = 0.0
    for u in data.units:
        uid = unit_id(data, u)
        cost = ev.people_cost[uid]
        by_role[u.role] = by_role.get(u.role, 0.0) + cost
        load = ev.load[uid]
        if load > 0:
            support += cost * ev.support_load[uid] / load
    automated_support = sum(h * data.roles[r].hourly_rate for (r, _t), h in data.support_hours.items() if data.roles[r].staffing == "Automated")
    people = sum(ev.people_cost.values())
    return {
        "people_by_role": by_role,
        "people": people,
        "direct_services": ev.direct_cost,
        "automated": ev.automated_cost,
        "support": support + automated_support,
        "support_note": "share of people cost (by hours) spent on support queues; already inside people",
        "total": ev.total_cost,
    }


def _intervals_table(data: ModelData, sol: PlanSolution | None, mode: str) -> pd.DataFrame:
    rows = []
    for c in data.cells:
        x = sol.x[c.index] if sol is not None else None
        rows.append(
            {
                "service": c.service,
                "tier": c.tier,
                "minimum": c.minimum,
                "negotiated": c.negotiated,
                "maximum": c.maximum,
                "chosen": x,
                "change": (x - c.negotiated) if x is not None else None,
                "role": c.role,
                "mandatory": "Yes" if c.mandatory else "No",
                "hours_per_account": c.hours * x if x is not None else None,
                "cost_per_occurrence": c.cost_per_occurrence,
                "annual_cost_per_account": c.cost_per_occurrence * x if x is not None else None,
                "expected_impact": c.value(x) if x is not None else None,
            }
        )
    return pd.DataFrame(rows, columns=INTERVAL_COLUMNS)


def _headcount_table(data: ModelData, sol: PlanSolution | None) -> pd.DataFrame:
    rows = []
    if sol is None:
        return pd.DataFrame(rows, columns=HEADCOUNT_COLUMNS)
    ev = sol.evaluation
    for u in data.units:
        uid = unit_id(data, u)
        n = int(sol.people.get(uid, 0))
        cap = n * u.productive_hours
        by_hours = math.ceil(ev.load[uid] / u.productive_hours - 1e-9) if u.productive_hours > 0 and ev.load[uid] > 0 else 0
        covered = data.covered_accounts(u, sol.x) if u.has_coverage else 0
        by_cover = math.ceil(covered / u.max_accounts - 1e-9) if covered else 0
        set_by = "coverage ratio" if by_cover > by_hours else ("hours" if n > 0 else "")
        rows.append(
            {
                "role": u.role,
                "tier": u.label,
                "staffing": u.staffing,
                "people": n,
                "hours_needed": ev.load[uid],
                "service_hours": ev.service_load[uid],
                "support_hours": ev.support_load[uid],
                "hours_capacity": cap,
                "utilisation": ev.load[uid] / cap if cap > 0 else None,
                "set_by": set_by,
                "cost": ev.people_cost[uid],
            }
        )
    return pd.DataFrame(rows, columns=HEADCOUNT_COLUMNS)


def _support_table(data: ModelData) -> pd.DataFrame:
    rows = []
    live_hours_year = None
    for q in data.queues:
        role = data.roles[q.role]
        idx = q.binding_index
        target = q.targets[idx] if q.targets else ("", 0.0, 0.0)
        achieved = q.service_levels[idx] if q.service_levels else None
        open_hours_year = (q.tickets_per_month / q.arrival_rate * 12) if q.arrival_rate > 0 else None
        agents = q.agents_on_shift if q.live else (q.hours_per_year / open_hours_year if open_hours_year else 0.0)
        rows.append(
            {
                "tier": q.tier,
                "severity": ", ".join(q.severities),
                "channel": q.channel,
                "role": q.role,
                "tickets_per_month": q.tickets_per_month,
                "arrival_rate": q.arrival_rate,
                "handle_minutes": q.handle_minutes,
                "traffic": q.traffic,
                "agents_needed": agents,
                "rostered_agents": q.rostered_agents,
                "hours_per_year": q.hours_per_year,
                "service_level_target": target[2] if q.targets else None,
                "service_level_achieved": achieved if q.live else None,
                "wait_probability": q.wait_probability,
                "binding_severity": target[0] if q.targets else "",
                "cost": q.hours_per_year * role.hourly_rate,
                "note": q.note,
            }
        )
    del live_hours_year
    return pd.DataFrame(rows, columns=SUPPORT_COLUMNS)


def _shadow_table(data: ModelData, mode: str, rates: LPRates, steps: list[Step]) -> pd.DataFrame:
    rows = []
    gain_word = "value gained" if mode == "max_value" else "cost saved"
    step_by_key = {s.key: s for s in steps}
    b = step_by_key.get(BUDGET)
    rows.append(
        {
            "constraint": "Annual CS budget",
            "kind": "budget",
            "per": "dollar",
            "marginal": rates.budget,
            "meaning": (f"Expected ARR impact gained per extra dollar of budget (LP relaxation)." if mode == "max_value"
                        else "min_cost delivers the negotiated plan whatever the budget: an extra dollar saves nothing."),
            "step": b.size if b else None,
            "step_unit": "money" if b else None,
            "step_gain": b.gain if b else None,
            "step_status": b.status if b else None,
            "step_basis": b.basis if b else None,
        }
    )
    for u in data.units:
        uid = unit_id(data, u)
        s = step_by_key.get(f"people:{uid}")
        rows.append(
            {
                "constraint": f"{u.role} hours ({u.label})",
                "kind": "role hours",
                "per": "hour",
                "marginal": rates.hours.get(uid) if rates.hours else None,
                "meaning": f"{gain_word.capitalize()} per extra {u.role} hour, free of charge (LP relaxation). Step: one more person funded outside the budget.",
                "step": 1.0 if s else None,
                "step_unit": "person" if s else None,
                "step_gain": s.gain if s else None,
                "step_status": s.status if s else None,
                "step_basis": s.basis if s else None,
            }
        )
    for s in steps:
        if s.key == BUDGET or s.key.startswith("people:"):
            continue
        rows.append(
            {
                "constraint": s.label,
                "kind": s.key.partition(":")[0],
                "per": s.unit,
                "marginal": None,
                "meaning": f"{gain_word.capitalize()} by re-solving the plan with this change.",
                "step": s.size,
                "step_unit": s.unit,
                "step_gain": s.gain,
                "step_status": s.status,
                "step_basis": s.basis,
            }
        )
    return pd.DataFrame(rows, columns=SHADOW_COLUMNS)


def _binding(data: ModelData, mode: str, budget: float, sol: PlanSolution, steps: list[Step]) -> list[dict]:
    out = []
    ev = sol.evaluation
    by_key = {s.key: s for s in steps}
    b = by_key.get(BUDGET)
    if b and b.gain:
        out.append({"constraint": "Annual CS budget", "kind": "budget",
                    "detail": f"Uses {ev.total_cost:,.0f} of {budget:,.0f}; {b.size:,.0f} more would buy {b.gain:,.0f} more expected ARR impact."})
    for u in data.units:
        uid = unit_id(data, u)
        n = sol.people.get(uid, 0)
        if n <= 0:
            continue
        by_hours = math.ceil(ev.load[uid] / u.productive_hours - 1e-9) if u.productive_hours > 0 else 0
        covered = data.covered_accounts(u, sol.x) if u.has_coverage else 0
        by_cover = math.ceil(covered / u.max_accounts - 1e-9) if covered else 0
        if by_cover > by_hours:
            out.append({"constraint": f"{u.role} coverage ratio ({u.label})", "kind": "coverage",
                        "detail": f"{n} people for {covered:,} accounts at {u.max_accounts:g} each; the coverage ratio, not the workload, sets this headcount."})
        elif ev.load[uid] >= (n - 1) * u.productive_hours:
            out.append({"constraint": f"{u.role} hours ({u.label})", "kind": "role hours",
                        "detail": f"{ev.load[uid]:,.0f} hours needed, {n} people give {n * u.productive_hours:,.0f}: the workload sets this headcount."})
    for t, share in data.guardrails.items():
        limit = share * data.arr[t]
        s = by_key.get(f"guardrail:{t}")
        if (s and s.gain) or (limit > 0 and ev.tier_cost[t] >= limit * (1 - 1e-6)):
            out.append({"constraint": f"{t}: CS cost at most {share:.1%} of ARR", "kind": "guardrail",
                        "detail": f"{t} costs {ev.tier_cost[t]:,.0f} against a cap of {limit:,.0f}."})
    for key, s in by_key.items():
        if key.startswith("order:") and s.gain:
            out.append({"constraint": f"{key[6:]}: keep tier order", "kind": "keep order",
                        "detail": f"Without the rule the plan would gain {s.gain:,.0f}."})
        if key.startswith("mandatory:") and s.gain:
            out.append({"constraint": f"{key[10:]}: mandatory at the negotiated interval", "kind": "mandatory",
                        "detail": f"Going below the negotiated interval would gain {s.gain:,.0f}."})
    if mode == "min_cost":
        for service, hi, lo in data.order_pairs:
            c = data.cells[hi]
            if sol.x[hi] > c.floor(mode) and sol.x[hi] == sol.x[lo]:
                out.append({"constraint": f"{service}: keep tier order", "kind": "keep order",
                            "detail": f"{c.tier} receives {sol.x[hi]:g} per year, above its negotiated {c.negotiated:g}, to match {data.cells[lo].tier}."})
    else:
        for c in data.cells:
            if c.cap > c.floor(mode) and sol.x[c.index] >= c.cap and c.impact > 0 and c.accounts > 0:
                out.append({"constraint": f"{c.service} in {c.tier}: maximum {c.cap:g} per year", "kind": "interval maximum",
                            "detail": f"Delivered at its maximum; one more per year would add {c.marginal_value(math.floor(c.cap) + 1):,.0f} of expected impact."})
    return out


def _frontier_table(points: list[FrontierPoint], negotiated_cost: float | None) -> pd.DataFrame:
    rows = []
    for p in points:
        sol = p.solution
        ev = sol.evaluation if sol.has_plan else None
        rows.append(
            {
                "budget_share": p.share,
                "budget": p.budget,
                "status": status_word(sol.status, False),
                "value": ev.value if ev else None,
                "cost": ev.total_cost if ev else None,
                "budget_used_share": ev.total_cost / p.budget if ev else None,
                "negotiated_plan_fits": (negotiated_cost <= p.budget * (1 + 1e-9)) if negotiated_cost is not None else None,
                "re_solved": p.solved,
            }
        )
    return pd.DataFrame(rows, columns=FRONTIER_COLUMNS)


def _money(v: float) -> str:
    return f"{v:,.0f}"


def _trade_offs(data, mode, budget, result, main, steps, points, diagnosis) -> list[str]:
    """The three most important trade-offs, as sentences, ranked by money at stake."""
    cur = result.currency
    cands: list[tuple[float, str]] = []
    if diagnosis is not None and diagnosis.budget_shortfall:
        cands.append((1e30, f"The plan needs {_money(diagnosis.smallest_budget)} {cur}, {_money(diagnosis.budget_shortfall)} {cur} more than the budget; "
                            + (f"or {diagnosis.extra_headcount_total} more people funded elsewhere." if diagnosis.extra_headcount_total else "headcount alone cannot close the gap.")))
    lead = "" if mode == "max_value" else "If intervals may move (max_value): "
    by_share = {round(p.share, 2): p for p in points}
    here = by_share.get(1.0)
    if here is not None and here.solution.has_plan:
        v0 = here.solution.evaluation.value
        up, down = by_share.get(1.1), by_share.get(0.9)
        if up and up.solution.has_plan:
            gain = up.solution.evaluation.value - v0
            cands.append((abs(gain), lead + f"10% more budget ({_money(0.1 * budget)} {cur}) buys {_money(gain)} {cur} more expected ARR impact."))
        if down and down.solution.has_plan:
            loss = v0 - down.solution.evaluation.value
            worst = None
            for c in data.cells:
                d = here.solution.x[c.index] - down.solution.x[c.index]
                if d > 0:
                    lost = c.value(here.solution.x[c.index]) - c.value(down.solution.x[c.index])
                    if worst is None or lost > worst[0]:
                        worst = (lost, c, d)
            tail = (f"; the largest single loss is {worst[2]:g} fewer {worst[1].service} per year in {worst[1].tier}"
                    if worst else "")
            cands.append((abs(loss), lead + f"cutting the budget by 10% loses {_money(loss)} {cur} of expected ARR impact{tail}."))
        elif down is not None:
            cands.append((budget * 0.1, lead + f"at 90% of the budget ({_money(0.9 * budget)} {cur}) no plan meets the requirements."))
    best_person = None
    for s in steps:
        if s.key.startswith("people:") and s.gain:
            if best_person is None or s.gain > best_person.gain:
                best_person = s
    if best_person is not None:
        verb = "add" if mode == "max_value" else "save"
        what = "of expected ARR impact" if mode == "max_value" else "of cost"
        cands.append((best_person.gain, f"{best_person.label}, would {verb} {_money(best_person.gain)} {cur} {what}."))
    for s in steps:
        if s.key.startswith("guardrail:") and s.gain:
            cands.append((s.gain, f"{s.label.replace(': ', ' ', 1)} would add {_money(s.gain)} {cur} of expected ARR impact."))
        if s.key.startswith("mandatory:") and s.gain:
            cands.append((s.gain, f"{s.label.split(':')[0]} is mandatory; dropping it to its minimum would free money worth {_money(s.gain)} {cur} of impact elsewhere."))
        if s.key.startswith("order:") and s.gain:
            cands.append((s.gain, f"Keeping tier order for {s.label.split(':')[0]} costs {_money(s.gain)} {cur} of expected impact."))
    if mode == "min_cost" and main.has_plan and diagnosis is None:
        spare = budget - main.evaluation.total_cost
        cands.append((abs(spare), f"The negotiated plan costs {_money(main.evaluation.total_cost)} {cur}, {main.evaluation.total_cost / budget:.0%} of the budget, leaving {_money(spare)} {cur}."))
    if main.has_plan:
        ev = main.evaluation
        for u in data.units:
            uid = unit_id(data, u)
            n = main.people.get(uid, 0)
            covered = data.covered_accounts(u, main.x) if u.has_coverage else 0
            if n and covered:
                by_cover = math.ceil(covered / u.max_accounts - 1e-9)
                by_hours = math.ceil(ev.load[uid] / u.productive_hours - 1e-9) if u.productive_hours > 0 else 0
                if by_cover > by_hours:
                    idle = n * u.productive_hours - ev.load[uid]
                    cands.append((idle * (u.loaded_cost / u.productive_hours if u.productive_hours else 0.0),
                                  f"The coverage ratio sets {u.role} headcount in {u.label}: {n} people at {u.max_accounts:g} accounts each use only {ev.load[uid] / (n * u.productive_hours):.0%} of their hours."))
    cands.sort(key=lambda c: -c[0])
    seen, out = set(), []
    for _, text in cands:
        text = text[0].upper() + text[1:]
        if text not in seen:
            out.append(text)
            seen.add(text)
        if len(out) == 3:
            break
    return out
