"""When the requirements cannot all hold: which ones conflict, and what would make the plan possible.

Three questions, each answered with solves of the same model:

1. Which requirements conflict? A deletion filter over requirement groups
   (every floor of a service in a tier, each coverage ratio, the support SLAs,
   each keep-tier-order rule, each tier's cost guardrail, the budget) finds a
   set that cannot hold together while any smaller part of it can.
2. What is the smallest budget that makes it feasible? The budget constraint
   becomes elastic, ``cost <= budget + s`` with ``s >= 0``, every other
   requirement stays hard, and ``s`` is minimised.
3. What is the smallest extra headcount at the sheet's budget? Free people
   ``e >= 0`` (integer, not charged to the budget) are added to every people
   pool's hours and coverage, and their number is minimised.

Each other conflicting requirement also gets its own elastic solve (how far
that one requirement alone would have to move).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from planner.optimization.model import (
    BUDGET,
    SUPPORT,
    ModelData,
    Spec,
    build,
    requirement_groups,
    unit_id,
)
from planner.optimization.plan import OPTIMAL, PlanSolution, Runner, solve_plan
from planner.optimization.solve import INFEASIBLE, guard_seconds, run_parallel

FEASIBLE_STATES = ("optimal", "feasible")  # internal statuses with a plan


@dataclass
class Diagnosis:
    conflicts: list[dict] = field(default_factory=list)  # {"requirement": group, "description": str}
    smallest_budget: float | None = None
    budget_shortfall: float | None = None
    smallest_budget_proven: bool = False
    extra_headcount: dict[str, int] | None = None  # "Role (tier)" -> people
    extra_headcount_total: int | None = None
    relaxations: list[dict] = field(default_factory=list)  # {"requirement", "amount", "unit", "description"}
    unreachable_slas: list[dict] = field(default_factory=list)
    cheapest_plan: PlanSolution | None = None  # meets every requirement but the budget
    undecided: bool = False  # a solve ran out of time: the answer is partial
    summary: str = ""

    def to_dict(self) -> dict:
        return {
            "summary": self.summary,
            "conflicts": self.conflicts,
            "smallest_budget": self.smallest_budget,
            "budget_shortfall": self.budget_shortfall,
            "smallest_budget_proven": self.smallest_budget_proven,
            "extra_headcount": self.extra_headcount,
            "extra_headcount_total": self.extra_headcount_total,
            "relaxations": self.relaxations,
            "unreachable_slas": self.unreachable_slas,
            "partial": self.undecided,
        }


def describe_group(data: ModelData, mode: str, group: str) -> str:
    """Plain-language name of a requirement group."""
    kind, _, rest = group.partition(":")
    if group == BUDGET:
        return f"the annual CS budget of {data.budget:,.0f}"
    if group == SUPPORT:
        return "the support SLAs (agents the chat, phone and ticket queues need)"
    if kind == "floor":
        service, _, tier = rest.partition("|")
        cell = next(c for c in data.cells if c.service == service and c.tier == tier)
        lo = cell.floor(mode)
        if cell.mandatory and lo > cell.floor_min:
            why = "mandatory service, negotiated interval"
        elif mode == "min_cost" and lo > cell.floor_min:
            why = "negotiated interval"
        else:
            why = "minimum interval"
        return f"{service} in {tier} at least {lo:g} per year ({why})"
    if kind == "coverage":
        role = data.roles[rest]
        return f"{rest} coverage ratio (at most {role.max_accounts:g} accounts per person)"
    if kind == "order":
        return f"{rest}: a higher tier never receives less than a lower tier (keep tier order)"
    if kind == "guardrail":
        share = data.guardrails[rest]
        return f"{rest}: CS cost at most {share:.1%} of the tier's ARR ({share * data.arr[rest]:,.0f})"
    return group


def _status(runner: Runner, data: ModelData, spec: Spec, purpose: str):
    return runner.run(build(data, spec), purpose)


def diagnose(data: ModelData, mode: str, budget: float, runner: Runner, known_cheapest: PlanSolution | None = None) -> Diagnosis:
    """Explain an infeasible plan (the caller has seen it infeasible or over budget).

    ``known_cheapest`` is the cheapest plan meeting every requirement but the
    budget when the caller already has it (min_cost does).
    """
    diag = Diagnosis()
    for q in data.queues:
        if not q.achievable:
            diag.unreachable_slas.append(
                {
                    "tier": q.tier,
                    "channel": q.channel,
                    "severities": list(q.severities),
                    "description": f"{q.tier} {q.channel}: {q.note}",
                }
            )

    def feasible(drop: set[str]) -> bool | None:
        out = _status(runner, data, Spec(mode=mode, objective="none", budget=budget, drop=frozenset(drop)), "conflict search")
        if out.has_plan:
            return True
        if out.status == INFEASIBLE:
            return False
        diag.undecided = True
        return None

    # 1. which requirements conflict. First without the budget: if the rest holds,
    #    the budget against the cost of everything else is the whole story.
    conflict: list[str] = []
    without_budget = feasible({BUDGET})
    if without_budget is True:
        if feasible(set()) is False:
            conflict = [BUDGET]
    elif without_budget is False:
        # deletion filter: drop each requirement in turn and keep it dropped while
        # the rest still conflicts; what must stay is a conflict with no slack in it
        dropped: set[str] = {BUDGET}
        for g in requirement_groups(data, mode):
            if g == BUDGET:
                continue
            ok = feasible(dropped | {g})
            if ok is False:
                dropped = dropped | {g}
            else:
                conflict.append(g)
    diag.conflicts = [{"requirement": g, "description": describe_group(data, mode, g)} for g in conflict]

    # 2-4 are independent solves: run them side by side
    jobs: list[tuple[str, object]] = []
    if BUDGET in conflict:
        jobs.append(("budget", lambda: _elastic(data, mode, budget, BUDGET, runner)))
        if known_cheapest is None:
            jobs.append(("cheapest", lambda: _sub(runner, lambda r: cheapest_plan(data, mode, r))))
    if conflict:
        jobs.append(("people", lambda: _sub(runner, lambda r: _extra_people(data, mode, budget, r))))
    for g in conflict:
        if g == BUDGET:
            continue
        if g == SUPPORT:
            jobs.append((g, lambda: _sub(runner, lambda r: r.run(build(data, Spec(mode=mode, objective="none", budget=budget, drop=frozenset({SUPPORT}))), "without support SLAs"))))
        else:
            jobs.append((g, (lambda g=g: _elastic(data, mode, budget, g, runner))))
    results = run_parallel([job for _, job in jobs], deadline=3 * guard_seconds(runner.time_limit) + 5)
    found: dict[str, object] = {}
    for (name, _), res in zip(jobs, results):
        if res is None:
            diag.undecided = True
            continue
        value, log = res
        runner.log.extend(log)
        found[name] = value

    cheapest = known_cheapest if known_cheapest is not None else found.get("cheapest")
    if "budget" in found:
        status, slack = found["budget"]
        if status in FEASIBLE_STATES:
            if cheapest is not None and cheapest.has_plan:
                diag.cheapest_plan = cheapest
                diag.smallest_budget = max(budget, cheapest.evaluation.total_cost)
            else:
                diag.smallest_budget = budget + slack
            diag.budget_shortfall = max(0.0, diag.smallest_budget - budget)
            diag.smallest_budget_proven = status == OPTIMAL and (cheapest is None or cheapest.proven_optimal)
        elif status != INFEASIBLE:
            diag.undecided = True
    if "people" in found and found["people"] is not None:
        diag.extra_headcount = found["people"]
        diag.extra_headcount_total = sum(found["people"].values())
    for g in conflict:
        if g == BUDGET or g not in found:
            continue
        if g == SUPPORT:
            if found[g].has_plan:
                diag.relaxations.append({"requirement": g, "amount": None, "unit": "", "description": "without the support SLAs the plan would be possible"})
            continue
        status, amount = found[g]
        if status in FEASIBLE_STATES:  # else moving this one alone is not enough
            diag.relaxations.append(_relaxation_text(data, mode, g, g.partition(":")[0], amount))

    diag.summary = _summary(data, mode, budget, diag)
    return diag


def _sub(runner: Runner, fn):
    """Run fn with a fresh runner (in a child process) and hand back its solve log too."""
    sub = Runner(runner.solver, runner.time_limit, runner.guard)
    return fn(sub), sub.log


def _elastic(data: ModelData, mode: str, budget: float, group: str, runner: Runner):
    """Smallest total slack of one requirement group, every other requirement hard."""
    def fn(r: Runner):
        b = build(data, Spec(mode=mode, objective="slack", budget=budget, elastic=frozenset({group})))
        out = r.run(b, f"elastic {group}")
        amount = sum(out.value(v.name) for v in b.slacks.get(group, [])) if out.has_plan else None
        return out.status, amount

    return _sub(runner, fn)


def _extra_people(data: ModelData, mode: str, budget: float, runner: Runner) -> dict[str, int] | None:
    b = build(data, Spec(mode=mode, objective="extra_people", budget=budget, extra_people=True))
    out = runner.run(b, "smallest extra headcount")
    if not out.has_plan:
        return None
    extra = {}
    for u in data.units:
        n = int(round(out.value(b.extra[unit_id(data, u)].name)))
        if n > 0:
            extra[f"{u.role} ({u.label})"] = n
    return extra


def cheapest_plan(data: ModelData, mode: str, runner: Runner) -> PlanSolution:
    """Lowest-cost plan meeting every requirement of ``mode`` except the budget."""
    return solve_plan(data, "min_cost", None, runner, purpose="cheapest plan meeting every requirement", floors=tuple((c.index, c.floor(mode)) for c in data.cells))


def _relaxation_text(data: ModelData, mode: str, group: str, kind: str, amount: float) -> dict:
    rest = group.partition(":")[2]
    if kind == "guardrail":
        share = data.guardrails[rest]
        arr = data.arr[rest]
        new = (share * arr + amount) / arr if arr > 0 else None
        text = f"{rest}: allow CS cost up to {new:.1%} of ARR (now {share:.1%})" if new is not None else f"{rest}: the guardrail cannot be met"
        return {"requirement": group, "amount": amount, "unit": "money", "description": text}
    if kind == "floor":
        service, _, tier = rest.partition("|")
        n = round(amount, 6)
        return {"requirement": group, "amount": n, "unit": "occurrences per year", "description": f"{service} in {tier}: {n:g} fewer per year would do"}
    if kind == "order":
        n = round(amount, 6)
        return {"requirement": group, "amount": n, "unit": "occurrences per year", "description": f"{rest}: letting a higher tier receive up to {n:g} fewer per year than the tier below would do"}
    if kind == "coverage":
        return {"requirement": group, "amount": amount, "unit": "people", "description": f"{rest}: coverage would have to stretch by {amount:.1f} people's worth of accounts"}
    return {"requirement": group, "amount": amount, "unit": "", "description": group}


def _summary(data: ModelData, mode: str, budget: float, diag: Diagnosis) -> str:
    parts = []
    if [c["requirement"] for c in diag.conflicts] == [BUDGET] and diag.cheapest_plan is not None:
        ev = diag.cheapest_plan.evaluation
        items = [(f"{u.role} ({u.label})", ev.people_cost[unit_id(data, u)]) for u in data.units]
        items.append(("direct service costs", ev.direct_cost))
        items = sorted((i for i in items if i[1] > 0), key=lambda i: -i[1])[:3]
        parts.append(
            f"The budget of {budget:,.0f} is below the cheapest plan that meets every requirement "
            f"({ev.total_cost:,.0f}; largest items: " + ", ".join(f"{k} {v:,.0f}" for k, v in items) + ")."
        )
    elif diag.conflicts:
        names = [c["description"] for c in diag.conflicts]
        shown = names if len(names) <= 6 else names[:5] + [f"and {len(names) - 5} more (see the list of conflicts)"]
        parts.append("These requirements cannot all be met together: " + "; ".join(shown) + ".")
    if diag.unreachable_slas:
        parts.append("Unreachable SLAs: " + "; ".join(s["description"] for s in diag.unreachable_slas) + ".")
    if diag.smallest_budget is not None and diag.budget_shortfall and diag.budget_shortfall > 0:
        parts.append(
            f"The smallest budget that makes the plan possible is {diag.smallest_budget:,.0f}, "
            f"{diag.budget_shortfall:,.0f} more than {budget:,.0f}."
        )
    elif diag.smallest_budget is None and any(c["requirement"] != BUDGET for c in diag.conflicts):
        parts.append("No budget alone makes the plan possible.")
    if diag.extra_headcount:
        people = ", ".join(f"{n} {k}" for k, n in diag.extra_headcount.items())
        parts.append(f"Alternatively, keeping the budget, {diag.extra_headcount_total} more people funded elsewhere would do: {people}.")
    elif diag.extra_headcount is None and diag.smallest_budget is not None and diag.budget_shortfall:
        parts.append("No extra headcount alone fixes it at this budget (direct costs or guardrails are in the way).")
    if mode == "min_cost" and diag.budget_shortfall:
        parts.append("max_value mode shows what to give up to stay within the budget.")
    if diag.relaxations:
        parts.append("Or change one requirement alone: " + "; ".join(r["description"] for r in diag.relaxations[:4]) + ".")
    if diag.undecided:
        parts.append("Some checks hit the time limit, so this explanation may be incomplete.")
    return " ".join(parts)
