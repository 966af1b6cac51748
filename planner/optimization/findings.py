"""What the plan says beyond its tables: the constraints that bind, the trade-offs worth deciding on, notes.

All facts (amounts, names, the workbook cells concerned); planner.report.words writes them out.
"""

from __future__ import annotations

import math

from planner.optimization.infeasibility import Diagnosis
from planner.optimization.model import BUDGET, Cell, ModelData, unit_id
from planner.optimization.plan import PlanSolution, SolveEntry
from planner.optimization.result import (
    AtMaximum,
    Binding,
    BudgetBinds,
    BudgetShortfall,
    CoverageBinds,
    CoverageIdle,
    FailedSolveOutput,
    FloorAboveMaximum,
    GuardrailBinds,
    HoursBind,
    KeepOrderCost,
    LessBudget,
    LessBudgetInfeasible,
    LooserGuardrail,
    MandatoryCosts,
    MandatoryFloor,
    MoreBudget,
    Note,
    OffGrid,
    OneMorePerson,
    OrderRaisesTier,
    OrderRuleCosts,
    SpareBudget,
    TradeOff,
)
from planner.optimization.sensitivity import FrontierPoint, Step
from planner.optimization.tables import people_needed
from planner.schema import PlanningMode

TRADE_OFFS_SHOWN = 3


def binding(data: ModelData, mode: str, budget: float, sol: PlanSolution, steps: list[Step]) -> list[Binding]:
    """The limits that hold the plan back, in a fixed order: budget, pools, guardrails, rules, intervals."""
    out: list[Binding] = []
    ev = sol.evaluated
    by_key = {s.key: s for s in steps}
    b = by_key.get(BUDGET)
    if b and b.gain:
        out.append(BudgetBinds(ev.total_cost, budget, b.size, b.gain, data.refs_for(BUDGET)))
    for u in data.units:
        uid = unit_id(data, u)
        n, by_hours, by_cover = people_needed(data, sol, u)
        if n <= 0:
            continue
        if by_cover > by_hours:
            covered = data.covered_accounts(u, sol.x)
            out.append(CoverageBinds(u.role, u.label, n, covered, u.coverage_limit, data.refs_for(f"coverage:{u.role}")))
        elif ev.load[uid] >= (n - 1) * u.productive_hours:
            out.append(HoursBind(u.role, u.label, ev.load[uid], n, n * u.productive_hours, data.refs.of("Roles", (u.role,), "productive_hours")))
    for t, share in data.guardrails.items():
        limit = share * data.arr[t]
        s = by_key.get(f"guardrail:{t}")
        if (s and s.gain) or (limit > 0 and ev.tier_cost[t] >= limit * (1 - 1e-6)):
            out.append(GuardrailBinds(t, share, ev.tier_cost[t], limit, data.refs_for(f"guardrail:{t}")))
    for key, s in by_key.items():
        if key.startswith("order:") and s.gain:
            out.append(OrderRuleCosts(key[6:], s.gain, data.refs_for(key)))
        if key.startswith("mandatory:") and s.gain:
            service = key[10:]
            refs = tuple(r for c in data.cells if c.service == service for r in data.refs_for(f"floor:{c.service}|{c.tier}"))
            out.append(MandatoryCosts(service, s.gain, refs))
    if mode == PlanningMode.MIN_COST:
        for service, hi, lo in data.order_pairs:
            c = data.cells[hi]
            if sol.x[hi] > c.floor(mode) and sol.x[hi] == sol.x[lo]:
                out.append(OrderRaisesTier(service, c.tier, sol.x[hi], c.negotiated, data.cells[lo].tier, data.refs_for(f"order:{service}")))
    else:
        for c in data.cells:
            if c.cap > c.floor(mode) and sol.x[c.index] >= c.cap and c.impact > 0 and c.accounts > 0:
                out.append(AtMaximum(c.service, c.tier, c.cap, c.marginal_value(math.floor(c.cap) + 1),
                                     data.refs.of("Intervals", (c.service, c.tier), "maximum")))
    return out


def trade_offs(data: ModelData, mode: str, budget: float, main: PlanSolution, steps: list[Step],
               points: list[FrontierPoint], diagnosis: Diagnosis | None) -> list[TradeOff]:
    """The most important trade-offs (at most three, different kinds of question), ranked by the money at stake."""
    cands: list[tuple[float, tuple[str, ...], TradeOff]] = []  # (money at stake, identity, fact)
    if diagnosis is not None and diagnosis.budget_shortfall and diagnosis.smallest_budget is not None:  # set together
        cands.append((1e30, ("shortfall",), BudgetShortfall(diagnosis.smallest_budget, diagnosis.budget_shortfall,
                                                           diagnosis.extra_headcount_total or None)))
    moves = mode != PlanningMode.MAX_VALUE  # in min_cost the frontier (max_value) lets intervals move
    by_share = {round(p.share, 2): p for p in points}
    here = by_share.get(1.0)
    if here is not None and here.solution.has_plan:
        v0 = here.solution.evaluated.value
        up, down = by_share.get(1.1), by_share.get(0.9)
        if up and up.solution.has_plan:
            gain = up.solution.evaluated.value - v0
            cands.append((abs(gain), ("more budget",), MoreBudget(0.1 * budget, gain, moves)))
        if down and down.solution.has_plan:
            loss = v0 - down.solution.evaluated.value
            worst: tuple[float, Cell, float] | None = None
            for c in data.cells:
                d = here.solution.x[c.index] - down.solution.x[c.index]
                if d > 0:
                    lost = c.value(here.solution.x[c.index]) - c.value(down.solution.x[c.index])
                    if worst is None or lost > worst[0]:
                        worst = (lost, c, d)
            fact: TradeOff = LessBudget(0.1 * budget, loss, moves, *( (worst[1].service, worst[1].tier, worst[2]) if worst else ()))
            cands.append((abs(loss), ("less budget",), fact))
        elif down is not None:
            cands.append((budget * 0.1, ("less budget",), LessBudgetInfeasible(0.9 * budget, moves)))
    best_person: Step | None = None
    best_gain = 0.0
    for s in steps:
        if s.key.startswith("people:") and s.gain and (best_person is None or s.gain > best_gain):
            best_person, best_gain = s, s.gain
    if best_person is not None:
        cands.append((best_gain, ("person", best_person.key),
                      OneMorePerson(best_person.role, best_person.pool, best_gain, PlanningMode(mode))))
    for s in steps:
        if s.key.startswith("guardrail:") and s.gain:
            cands.append((s.gain, ("step", s.key), LooserGuardrail(s.tier, s.gain)))
        if s.key.startswith("mandatory:") and s.gain:
            cands.append((s.gain, ("step", s.key), MandatoryFloor(s.service, s.gain)))
        if s.key.startswith("order:") and s.gain:
            cands.append((s.gain, ("step", s.key), KeepOrderCost(s.service, s.gain)))
    if mode == PlanningMode.MIN_COST and main.has_plan and diagnosis is None:
        spare = budget - main.evaluated.total_cost
        cands.append((abs(spare), ("spare",), SpareBudget(main.evaluated.total_cost, budget, spare)))
    if main.has_plan:
        ev = main.evaluated
        for u in data.units:
            uid = unit_id(data, u)
            n, by_hours, by_cover = people_needed(data, main, u)
            if n and by_cover > by_hours and u.has_coverage:
                idle = n * u.productive_hours - ev.load[uid]
                rate = u.loaded_cost / u.productive_hours if u.productive_hours else 0.0
                cands.append((idle * rate, ("idle", uid),
                              CoverageIdle(u.role, u.label, n, u.coverage_limit, ev.load[uid] / (n * u.productive_hours), idle * rate)))
    cands.sort(key=lambda c: -c[0])
    seen: set[tuple[str, ...]] = set()
    out: list[TradeOff] = []
    for _, identity, fact in cands:
        if identity in seen:
            continue
        seen.add(identity)
        out.append(fact)
        if len(out) == TRADE_OFFS_SHOWN:
            break
    return out


def rounding_notes(data: ModelData, mode: str) -> list[Note]:
    notes: list[Note] = []
    for c in data.cells:
        fl = c.floor(mode)
        if not c.on_grid:
            notes.append(OffGrid(c.service, c.tier, c.step, c.minimum, c.negotiated, c.maximum, fl, c.cap))
        if c.cap < fl:
            notes.append(FloorAboveMaximum(c.service, c.tier, fl, c.maximum))
    return notes


def failed_solve_notes(log: list[SolveEntry]) -> list[Note]:
    """One note per failed solve that printed something."""
    return [FailedSolveOutput(e["purpose"], e["status"], e["output"]) for e in log if e.get("output")]
