"""The plan as tables: intervals, headcount, support, per-tier figures, shadow prices, frontier; and its cost breakdown.

Each table's rows are facts with stable keys (service, tier, role, ...); the words a reader
sees in the "constraint" and "meaning" columns of the shadow prices are written by
:mod:`planner.report.words`.
"""

from __future__ import annotations

import math

import pandas as pd

from planner.inputs import PlanInputs
from planner.optimization.model import BUDGET, ModelData, Unit, unit_id
from planner.optimization.plan import FEASIBLE, INFEASIBLE, NO_SOLUTION, OPTIMAL, PlanSolution
from planner.optimization.result import (
    FRONTIER_COLUMNS,
    HEADCOUNT_COLUMNS,
    INTERVAL_COLUMNS,
    SHADOW_COLUMNS,
    SUPPORT_COLUMNS,
    CostBreakdown,
    Status,
)
from planner.optimization.sensitivity import FrontierPoint, LPRates, Step
from planner.schema import Staffing, YesNo

TIER_FIGURE_COLUMNS = ["tier", "accounts", "arr", "service_cost", "assessed_value", "expected_impact", "hours_per_account"]


def status_word(solve_status: str, infeasible: bool) -> Status:
    """The CFO's word for a solve outcome (see docs/model.md, "Status")."""
    if infeasible:
        return Status.INFEASIBLE
    return {
        OPTIMAL: Status.OPTIMAL,
        FEASIBLE: Status.FEASIBLE,
        INFEASIBLE: Status.INFEASIBLE,
        NO_SOLUTION: Status.TIME_LIMIT,
    }.get(solve_status, Status.FAILED)


def cost_breakdown(data: ModelData, sol: PlanSolution) -> CostBreakdown:
    ev = sol.evaluated
    by_role: dict[str, float] = {}
    support = 0.0
    for u in data.units:
        uid = unit_id(data, u)
        cost = ev.people_cost[uid]
        by_role[u.role] = by_role.get(u.role, 0.0) + cost
        load = ev.load[uid]
        if load > 0:
            support += cost * ev.support_load[uid] / load
    automated_support = sum(h * data.roles[r].hourly_rate for (r, _t), h in data.support_hours.items()
                            if data.roles[r].staffing == Staffing.AUTOMATED)
    return CostBreakdown(
        people_by_role=by_role,
        people=sum(ev.people_cost.values()),
        direct_services=ev.direct_cost,
        automated=ev.automated_cost,
        support=support + automated_support,
        total=ev.total_cost,
    )


def chosen_intervals(inputs: PlanInputs, data: ModelData, sol: PlanSolution) -> dict[tuple[str, str], float]:
    """(service, tier) -> occurrences per year of the plan; rows the model did not see keep their negotiated interval."""
    chosen = {c.key: sol.x[c.index] for c in data.cells}
    for iv in inputs.intervals:
        chosen.setdefault((iv.service, iv.tier), iv.negotiated)
    return chosen


def assessed_value(inputs: PlanInputs, data: ModelData, sol: PlanSolution) -> float:
    """Assessed Service Value of the plan: its services' own cost at the chosen intervals, plus the margin."""
    from planner.valuation import service_matrix

    matrix = service_matrix(inputs, intervals=chosen_intervals(inputs, data, sol))
    return float(sum(asv * data.accounts.get(tier, 0) for asv, tier in zip(matrix["asv_per_account"].tolist(), matrix["tier"].tolist())))


def tier_figures(inputs: PlanInputs, data: ModelData, sol: PlanSolution | None) -> pd.DataFrame:
    """Per tier of the plan: accounts, ARR, service cost and Assessed Service Value of one year, expected impact, hours per account.

    Without a plan the negotiated intervals are priced and the expected impact is blank.
    """
    from planner.valuation import service_matrix

    chosen = chosen_intervals(inputs, data, sol) if sol is not None else None
    matrix = service_matrix(inputs, intervals=chosen)
    impact = dict.fromkeys(data.tiers, 0.0)
    if sol is not None:
        for c in data.cells:
            impact[c.tier] += c.value(sol.x[c.index])
    rows: list[dict[str, object]] = []
    for t in data.tiers:
        part = matrix[matrix["tier"] == t]
        n = data.accounts.get(t, 0)
        rows.append({
            "tier": t,
            "accounts": n,
            "arr": data.arr.get(t, 0.0),
            "service_cost": float(part["annual_cost_per_account"].sum()) * n,
            "assessed_value": float(part["asv_per_account"].sum()) * n,
            "expected_impact": impact[t] if sol is not None else None,
            "hours_per_account": float(part["hours_per_account"].sum()),
        })
    return pd.DataFrame(rows, columns=TIER_FIGURE_COLUMNS)


def intervals_table(data: ModelData, sol: PlanSolution | None) -> pd.DataFrame:
    rows: list[dict[str, object]] = []
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
                "mandatory": YesNo.YES if c.mandatory else YesNo.NO,
                "hours_per_account": c.hours * x if x is not None else None,
                "cost_per_occurrence": c.cost_per_occurrence,
                "annual_cost_per_account": c.cost_per_occurrence * x if x is not None else None,
                "expected_impact": c.value(x) if x is not None else None,
            }
        )
    return pd.DataFrame(rows, columns=INTERVAL_COLUMNS)


def people_needed(data: ModelData, sol: PlanSolution, unit: Unit) -> tuple[int, int, int]:
    """(people, by hours, by coverage) of one pool in a plan."""
    ev = sol.evaluated
    uid = unit_id(data, unit)
    n = int(sol.people.get(uid, 0))
    by_hours = math.ceil(ev.load[uid] / unit.productive_hours - 1e-9) if unit.productive_hours > 0 and ev.load[uid] > 0 else 0
    covered = data.covered_accounts(unit, sol.x) if unit.has_coverage else 0
    by_cover = math.ceil(covered / unit.coverage_limit - 1e-9) if covered else 0
    return n, by_hours, by_cover


def headcount_table(data: ModelData, sol: PlanSolution | None) -> pd.DataFrame:
    rows: list[dict[str, object]] = []
    if sol is None:
        return pd.DataFrame(rows, columns=HEADCOUNT_COLUMNS)
    ev = sol.evaluated
    for u in data.units:
        uid = unit_id(data, u)
        n, by_hours, by_cover = people_needed(data, sol, u)
        cap = n * u.productive_hours
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


def support_table(data: ModelData) -> pd.DataFrame:
    rows: list[dict[str, object]] = []
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
    return pd.DataFrame(rows, columns=SUPPORT_COLUMNS)


def shadow_table(data: ModelData, rates: LPRates, steps: list[Step]) -> pd.DataFrame:
    """One row per shadow price and step: the budget, each pool's hours, then the other steps.

    ``key`` names the row (``budget``, ``hours:u00``, ``order:Training``, ...) and the subject
    columns (role, pool, tier, service) say what it is about; planner.report.words names it.
    """
    rows: list[dict[str, object]] = []
    step_by_key = {s.key: s for s in steps}

    def step_fields(s: Step | None) -> dict[str, object]:
        return {
            "step": s.size if s else None,
            "step_unit": s.unit if s else None,
            "step_gain": s.gain if s else None,
            "step_status": s.status if s else None,
            "step_basis": s.basis if s else None,
        }

    b = step_by_key.get(BUDGET)
    rows.append({"key": BUDGET, "kind": "budget", "per": "dollar", "marginal": rates.budget, **step_fields(b)})
    for u in data.units:
        uid = unit_id(data, u)
        rows.append({"key": f"hours:{uid}", "role": u.role, "pool": u.label, "kind": "role hours",
                     "per": "hour", "marginal": rates.hours.get(uid) if rates.hours else None,
                     **step_fields(step_by_key.get(f"people:{uid}"))})
    for s in steps:
        if s.key == BUDGET or s.key.startswith("people:"):
            continue
        rows.append({"key": s.key, "tier": s.tier, "service": s.service, "kind": s.key.partition(":")[0],
                     "per": s.unit, "marginal": None, **step_fields(s)})
    return pd.DataFrame(rows, columns=SHADOW_COLUMNS)


def frontier_table(points: list[FrontierPoint], negotiated_cost: float | None) -> pd.DataFrame:
    rows: list[dict[str, object]] = []
    for p in points:
        sol = p.solution
        ev = sol.evaluated if sol.has_plan else None
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


__all__ = [
    "TIER_FIGURE_COLUMNS", "assessed_value", "chosen_intervals", "cost_breakdown", "frontier_table",
    "headcount_table", "intervals_table", "people_needed", "shadow_table", "status_word", "support_table", "tier_figures",
]
