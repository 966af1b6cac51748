"""What the "Run optimization" button tells the CFO when it is done: the plan's answer in a few lines.

:func:`plan_answer` reads the facts off a computed plan (no I/O, no clock);
:func:`answer_lines` writes them as sentences for Excel's message box.

The largest change against the negotiated package is the interval whose move
from its negotiated to its chosen occurrences per year changes the services'
own cost the most over the tier: ``(chosen - negotiated) x cost per
occurrence x accounts in the tier`` (service time and direct cost; people are
priced whole elsewhere in the plan, so this is the change the Plan sheet shows,
not a saving on the payroll).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class Change:
    service: str
    tier: str
    negotiated: float
    chosen: float
    accounts: int
    cost_effect: float  # (chosen - negotiated) x cost per occurrence x accounts, per year


@dataclass(frozen=True)
class Answer:
    fits: bool  # a plan within the budget meeting every requirement (the command line's exit code 0)
    status: str
    has_plan: bool
    total_cost: float | None
    budget: float
    budget_used_share: float | None
    value: float | None
    currency: str
    people: int | None
    people_by_role: tuple[tuple[str, int], ...]
    largest_change: Change | None
    why_not: str  # the infeasibility summary when nothing fits


def largest_change(intervals: pd.DataFrame, accounts_by_tier: dict[str, int]) -> Change | None:
    """The interval whose change from the negotiated occurrences moves the tier's service cost most (None: nothing moved)."""
    best, best_key = None, None
    for position, row in enumerate(intervals.to_dict(orient="records")):
        negotiated, chosen = float(row["negotiated"]), float(row["chosen"])
        if chosen != chosen or abs(chosen - negotiated) < 1e-9:
            continue
        accounts = int(accounts_by_tier.get(str(row["tier"]), 0))
        effect = (chosen - negotiated) * float(row["cost_per_occurrence"] or 0.0) * accounts
        key = (round(abs(effect), 6), abs(chosen - negotiated), -position)
        if best_key is None or key > best_key:
            best_key = key
            best = Change(str(row["service"]), str(row["tier"]), negotiated, chosen, accounts, effect)
    return best


def plan_answer(plan) -> Answer:
    from planner.report.words import diagnosis_summary

    opt = plan.optimization
    fits = opt.fits
    people = None
    by_role: list[tuple[str, int]] = []
    if opt.has_plan and len(opt.headcount):
        counts = opt.headcount.groupby("role", sort=False)["people"].sum()
        by_role = [(str(role), int(n)) for role, n in counts.items() if int(n) > 0]
        people = int(opt.headcount["people"].sum())
    stats = plan.segmentation.tier_stats()
    accounts = {str(t): int(n) for t, n in zip(stats["tier"], stats["accounts"])}
    change = largest_change(opt.intervals, accounts) if opt.has_plan else None
    return Answer(
        fits=fits, status=opt.status, has_plan=opt.has_plan, total_cost=opt.total_cost, budget=opt.budget,
        budget_used_share=opt.budget_used_share, value=opt.value, currency=opt.currency, people=people,
        people_by_role=tuple(by_role), largest_change=change, why_not=diagnosis_summary(opt.diagnosis, opt.currency) if opt.diagnosis is not None else "",
    )


# ------------------------------------------------------------------ sentences


def _times(n: float) -> str:
    from planner.report.format import quantity

    return f"{quantity(n)} a year"


def answer_lines(answer: Answer, label: str) -> list[str]:
    """The top of the message box: fit, cost against budget, expected ARR impact, people, the largest change."""
    from planner.report.format import money, of_budget

    cur = answer.currency
    lines = []
    if answer.fits:
        lines.append(f"{label} finished: the plan fits the budget and every requirement.")
    elif answer.has_plan:
        lines.append(f"{label} finished, but no plan fits the budget and the requirements; shown is the cheapest plan that meets the requirements.")
    else:
        lines.append(f"{label} finished, but no plan was found ({answer.status}).")
    if not answer.fits and answer.why_not:
        lines.append(answer.why_not)
    if answer.total_cost is not None:
        lines.append(f"Cost: {money(answer.total_cost, cur)} of a {money(answer.budget, cur)} budget ({of_budget(answer.budget_used_share)}).")
    if answer.value is not None:
        lines.append(f"Expected ARR impact: {money(answer.value, cur)}.")
    if answer.people is not None:
        roles = ", ".join(f"{role} {n}" for role, n in answer.people_by_role)
        lines.append(f"People: {answer.people}" + (f" ({roles})." if roles else "."))
    c = answer.largest_change
    if c is not None:
        direction = "more" if c.cost_effect > 0 else "less"
        lines.append(
            f"Largest change from the negotiated package: {c.service} in {c.tier}, {_times(c.negotiated)} -> {_times(c.chosen)} "
            f"({money(abs(c.cost_effect), cur)} {direction} service cost over its {c.accounts:,} accounts)."
        )
    elif answer.has_plan:
        lines.append("Every interval is as negotiated.")
    return lines
