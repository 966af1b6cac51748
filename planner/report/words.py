"""The optimizer's findings in words: one place for every sentence about a plan.

The optimizer returns facts (planner.optimization.result); the report, the result sheets and
plan.json show them through these functions, so the three say the same thing in the same
words, with money in the report's format ($1,234,567). Nothing here computes a figure the
plan does not hold, and nothing anywhere reads a number back out of these sentences.
"""

from __future__ import annotations

from planner.optimization.infeasibility import Diagnosis, Relaxation, Requirement, UnreachableSLA
from planner.optimization.model import BUDGET, SUPPORT
from planner.optimization.result import (
    AtMaximum,
    Binding,
    BudgetBinds,
    BudgetShortfall,
    CoverageBinds,
    CoverageIdle,
    FailedSolveOutput,
    FloorAboveMaximum,
    FrontierLevelsOff,
    GuardrailBinds,
    GuardStopped,
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
    OptimizationResult,
    OrderRaisesTier,
    OrderRuleCosts,
    PlanKind,
    SolverError,
    SpareBudget,
    TradeOff,
)
from planner.optimization.sensitivity import StepBasis
from planner.report import format as fmt
from planner.report.view import records
from planner.schema import PlanningMode


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


# ------------------------------------------------------------------ requirements and the ways out


def requirement_text(req: Requirement, currency: str) -> str:
    """A requirement in plain words: "Health check in Tier 2 at least 4 per year (negotiated interval)"."""
    if req.kind == BUDGET:
        return f"the annual CS budget of {fmt.money(req.budget, currency)}"
    if req.kind == SUPPORT:
        return "the support SLAs (agents the chat, phone and ticket queues need)"
    if req.kind == "floor":
        return f"{req.service} in {req.tier} at least {req.floor:g} per year ({req.reason})"
    if req.kind == "coverage":
        return f"{req.role} coverage ratio (at most {req.max_accounts:g} accounts per person)"
    if req.kind == "order":
        return f"{req.service}: a higher tier never receives less than a lower tier (keep tier order)"
    if req.kind == "guardrail":
        return f"{req.tier}: CS cost at most {fmt.percent(req.share)} of the tier's ARR ({fmt.money(req.limit, currency)})"
    return req.group


def relaxation_text(r: Relaxation, currency: str) -> str:
    req = r.requirement
    if req.kind == SUPPORT:
        return "without the support SLAs the plan would be possible"
    if req.kind == "guardrail":
        if r.new_share is None:
            return f"{req.tier}: the guardrail cannot be met"
        return f"{req.tier}: allow CS cost up to {fmt.percent(r.new_share)} of ARR (now {fmt.percent(req.share)})"
    if req.kind == "floor":
        return f"{req.service} in {req.tier}: {r.amount:g} fewer per year would do"
    if req.kind == "order":
        return f"{req.service}: letting a higher tier receive up to {r.amount:g} fewer per year than the tier below would do"
    if req.kind == "coverage":
        return f"{req.role}: coverage would have to stretch by {r.amount:.1f} people's worth of accounts"
    return req.group


def unreachable_sla_text(u: UnreachableSLA) -> str:
    return f"{u.tier} {u.channel}: {u.note}"


def diagnosis_summary(diag: Diagnosis, currency: str) -> str:
    """Why no plan fits and what would do, in a few sentences."""
    m = lambda v: fmt.money(v, currency)
    parts = []
    if diag.only_the_budget and diag.cheapest_plan is not None:
        parts.append(
            f"The budget of {m(diag.budget)} is below the cheapest plan that meets every requirement "
            f"({m(diag.cheapest_plan.evaluated.total_cost)}; largest items: " + ", ".join(f"{k} {m(v)}" for k, v in diag.largest_items) + ")."
        )
    elif diag.conflicts:
        names = [requirement_text(c, currency) for c in diag.conflicts]
        shown = names if len(names) <= 6 else names[:5] + [f"and {len(names) - 5} more (see the list of conflicts)"]
        parts.append("These requirements cannot all be met together: " + "; ".join(shown) + ".")
    if diag.unreachable_slas:
        parts.append("Unreachable SLAs: " + "; ".join(unreachable_sla_text(s) for s in diag.unreachable_slas) + ".")
    if diag.smallest_budget is not None and diag.budget_shortfall and diag.budget_shortfall > 0:
        parts.append(
            f"The smallest budget that makes the plan possible is {m(diag.smallest_budget)}, "
            f"{m(diag.budget_shortfall)} more than {m(diag.budget)}."
        )
    elif diag.smallest_budget is None and any(c.group != BUDGET for c in diag.conflicts):
        parts.append("No budget alone makes the plan possible.")
    if diag.extra_headcount:
        people = ", ".join(f"{n} {k}" for k, n in diag.extra_headcount.items())
        parts.append(f"Alternatively, keeping the budget, {diag.extra_headcount_total} more people funded elsewhere would do: {people}.")
    elif diag.extra_headcount is None and diag.smallest_budget is not None and diag.budget_shortfall:
        parts.append("No extra headcount alone fixes it at this budget (direct costs or guardrails are in the way).")
    if diag.mode == PlanningMode.MIN_COST and diag.budget_shortfall:
        parts.append("max_value mode shows what to give up to stay within the budget.")
    if diag.relaxations:
        parts.append("Or change one requirement alone: " + "; ".join(relaxation_text(r, currency) for r in diag.relaxations[:4]) + ".")
    if diag.undecided:
        parts.append("Some checks hit the time limit, so this explanation may be incomplete.")
    return " ".join(parts)


# ------------------------------------------------------------------ binding constraints


def binding_text(b: Binding, currency: str) -> tuple[str, str, str]:
    """(constraint, kind, detail) of a binding limit."""
    m = lambda v: fmt.money(v, currency)
    if isinstance(b, BudgetBinds):
        return ("Annual CS budget", "budget",
                f"Uses {m(b.used)} of {m(b.budget)}; {m(b.step)} more would buy {m(b.gain)} more expected ARR impact.")
    if isinstance(b, CoverageBinds):
        return (f"{b.role} coverage ratio ({b.pool})", "coverage",
                f"{b.people} people for {b.accounts:,} accounts at {b.max_accounts:g} each; the coverage ratio, not the workload, sets this headcount.")
    if isinstance(b, HoursBind):
        return (f"{b.role} hours ({b.pool})", "role hours",
                f"{b.hours_needed:,.0f} hours needed, {b.people} people give {b.capacity:,.0f}: the workload sets this headcount.")
    if isinstance(b, GuardrailBinds):
        return (f"{b.tier}: CS cost at most {fmt.percent(b.share)} of ARR", "guardrail",
                f"{b.tier} costs {m(b.tier_cost)} against a cap of {m(b.limit)}.")
    if isinstance(b, OrderRuleCosts):
        return (f"{b.service}: keep tier order", "keep order", f"Without the rule the plan would gain {m(b.gain)}.")
    if isinstance(b, MandatoryCosts):
        return (f"{b.service}: mandatory at the negotiated interval", "mandatory",
                f"Going below the negotiated interval would gain {m(b.gain)}.")
    if isinstance(b, OrderRaisesTier):
        return (f"{b.service}: keep tier order", "keep order",
                f"{b.tier} receives {b.chosen:g} per year, above its negotiated {b.negotiated:g}, to match {b.lower_tier}.")
    if isinstance(b, AtMaximum):
        return (f"{b.service} in {b.tier}: maximum {b.maximum:g} per year", "interval maximum",
                f"Delivered at its maximum; one more per year would add {m(b.next_gain)} of expected impact.")
    raise TypeError(b)


# ------------------------------------------------------------------ trade-offs


def trade_off_text(t: TradeOff, currency: str) -> str:
    m = lambda v: fmt.money(v, currency)
    lead = "If intervals may move (max_value): " if getattr(t, "if_intervals_move", False) else ""
    if isinstance(t, BudgetShortfall):
        rest = (f"or {t.extra_people} more people funded elsewhere." if t.extra_people else "headcount alone cannot close the gap.")
        return f"The plan needs {m(t.smallest_budget)}, {m(t.shortfall)} more than the budget; " + rest
    if isinstance(t, MoreBudget):
        return _cap(lead + f"10% more budget ({m(t.step)}) buys {m(t.gain)} more expected ARR impact.")
    if isinstance(t, LessBudget):
        tail = (f"; the largest single loss is {t.worst_fewer:g} fewer {t.worst_service} per year in {t.worst_tier}"
                if t.worst_service else "")
        return _cap(lead + f"cutting the budget by 10% loses {m(t.loss)} of expected ARR impact{tail}.")
    if isinstance(t, LessBudgetInfeasible):
        return _cap(lead + f"at 90% of the budget ({m(t.budget)}) no plan meets the requirements.")
    if isinstance(t, OneMorePerson):
        verb, what = ("add", "of expected ARR impact") if t.mode == PlanningMode.MAX_VALUE else ("save", "of cost")
        return f"One more {t.role} ({t.pool}), funded outside the budget, would {verb} {m(t.gain)} {what}."
    if isinstance(t, LooserGuardrail):
        return f"{t.tier} CS cost cap one point of ARR higher would add {m(t.gain)} of expected ARR impact."
    if isinstance(t, MandatoryFloor):
        return f"{t.service} is mandatory; dropping it to its minimum would free money worth {m(t.gain)} of impact elsewhere."
    if isinstance(t, KeepOrderCost):
        return f"Keeping tier order for {t.service} costs {m(t.gain)} of expected impact."
    if isinstance(t, SpareBudget):
        return (f"The negotiated plan costs {m(t.cost)}, {fmt.of_budget(t.cost / t.budget, 0)}, leaving {m(t.spare)}.")
    if isinstance(t, CoverageIdle):
        return (f"The coverage ratio sets {t.role} headcount in {t.pool}: {t.people} people at {t.max_accounts:g} accounts each "
                f"use only {fmt.percent(t.utilisation, 0)} of their hours.")
    raise TypeError(t)


# ------------------------------------------------------------------ notes


def note_text(n: Note, currency: str) -> str:
    if isinstance(n, OffGrid):
        return (f"{n.service} in {n.tier}: intervals are planned in steps of {n.step:g} per year; "
                f"minimum {n.minimum:g}, negotiated {n.negotiated:g} and maximum {n.maximum:g} are rounded to them "
                f"(floor {n.floor:g}, maximum {n.cap:g}).")
    if isinstance(n, FloorAboveMaximum):
        return f"{n.service} in {n.tier}: the floor ({n.floor:g}) is above the maximum ({n.maximum:g})."
    if isinstance(n, GuardStopped):
        return f"The solver overran its own {n.time_limit:g} s limit and was stopped by the wall-clock guard."
    if isinstance(n, SolverError):
        return f"Solver error: {n.message}"
    if isinstance(n, FrontierLevelsOff):
        return (f"Frontier: the best plan without any budget limit costs {fmt.money(n.unconstrained_cost, currency)}; from "
                f"{fmt.percent(n.share, 0)} of the budget on it fits, so more budget buys nothing more "
                "and those points repeat it without a re-solve.")
    if isinstance(n, FailedSolveOutput):
        tail = " | ".join(line.strip() for line in n.output.splitlines()[-12:] if line.strip())
        return f"The solver printed this when a solve failed ({n.purpose}, {n.status}): {tail}"
    raise TypeError(n)


# ------------------------------------------------------------------ shadow prices and steps

BASIS_TEXT: dict[str, str] = {  # keyed by StepBasis; a table's plain str finds its member
    StepBasis.SOLVED: "re-solved",
    StepBasis.JOINT: "not re-solved alone: switched off together with the other rules not binding in the LP, the plan gains nothing",
    StepBasis.BUDGET: "equal to the plan re-solved with the budget raised by this person's loaded cost (exact)",
    StepBasis.LOADED_COST: "the person's loaded cost: the plan employs someone in this pool (exact, no re-solve needed)",
}


def shadow_label(row: dict) -> str:
    """The name of a shadow-price row from its key and subject."""
    key = row["key"]
    kind = key.partition(":")[0]
    if key == BUDGET:
        return "Annual CS budget"
    if kind == "hours":
        return f"{row['role']} hours ({row['pool']})"
    if kind == "guardrail":
        return f"{row['tier']}: CS cost cap one point of ARR higher"
    if kind == "order":
        return f"{row['service']}: keep tier order switched off"
    if kind == "mandatory":
        return f"{row['service']}: allowed below the negotiated interval (down to the minimum)"
    return key


def shadow_meaning(row: dict, mode: str) -> str:
    gain_word = "value gained" if mode == PlanningMode.MAX_VALUE else "cost saved"
    if row["key"] == BUDGET:
        return ("Expected ARR impact gained per extra dollar of budget (LP relaxation)." if mode == PlanningMode.MAX_VALUE
                else "min_cost delivers the negotiated plan whatever the budget: an extra dollar saves nothing.")
    if row["kind"] == "role hours":
        return (f"{gain_word.capitalize()} per extra {row['role']} hour, free of charge (LP relaxation). "
                "Step: one more person funded outside the budget.")
    return f"{gain_word.capitalize()} by re-solving the plan with this change."


def shadow_rows(opt: OptimizationResult) -> list[dict]:
    """The shadow prices as the sheets and plan.json show them: named, with what each means."""
    out = []
    for row in records(opt.shadow_prices):
        basis = row.get("step_basis")
        out.append({
            "constraint": shadow_label(row),
            "kind": row["kind"],
            "per": row["per"],
            "marginal": row["marginal"],
            "meaning": shadow_meaning(row, opt.mode),
            "step": row["step"],
            "step_unit": row["step_unit"],
            "step_gain": row["step_gain"],
            "step_status": row["step_status"],
            "step_basis": BASIS_TEXT.get(basis, basis) if isinstance(basis, str) else basis,
        })
    return out


# ------------------------------------------------------------------ the plan in a line


def headline(opt: OptimizationResult) -> str:
    cur = opt.currency
    summary = diagnosis_summary(opt.diagnosis, cur) if opt.diagnosis else ""
    if opt.plan_kind == PlanKind.NONE:
        return f"Status: {opt.status}. " + summary
    parts = [f"Status: {opt.status}."]
    if opt.total_cost is not None:
        parts.append(f"Cost {fmt.money(opt.total_cost, cur)} of a {fmt.money(opt.budget, cur)} budget "
                     f"({fmt.of_budget(opt.budget_used_share)}).")
    if opt.value is not None:
        parts.append(f"Expected ARR impact {fmt.money(opt.value, cur)}.")
    if opt.gap is not None and not opt.proven_optimal:
        parts.append(f"Not proven optimal: gap {fmt.percent(opt.gap, 2)}.")
    return " ".join(parts)

