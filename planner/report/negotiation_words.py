"""The negotiation in words: the negotiated package against the budget, what the plan changes, what money buys.

The report's first page answers the question the CFO and the CS lead negotiated: does the package they agreed
fit, what does the recommended plan change and what does each change save or buy, what would one more dollar
buy. The facts come from the optimizer (OptimizationResult.negotiated_cost, interval_changes, shadow_prices,
binding); these functions only write them out, in the report's money format.
"""

from __future__ import annotations

from planner.optimization.model import BUDGET
from planner.optimization.result import IntervalChange, OptimizationResult
from planner.report import format as fmt
from planner.report import words
from planner.report.blocks import and_list
from planner.report.view import records
from planner.schema import PlanningMode

#: How one unit of money and its hundredth read, per currency ("each extra dollar ... about 15 cents").
MONEY_WORDS = {"USD": ("dollar", "cents"), "EUR": ("euro", "cents"), "GBP": ("pound", "pence"), "AUD": ("dollar", "cents"),
               "CAD": ("dollar", "cents")}


def package_sentence(opt: OptimizationResult) -> str:
    """"The negotiated package costs $5,727,600, 106.1% of the budget: it does not fit; it needs $327,600 more." ('' unknown)."""
    cost, cur = opt.negotiated_cost, opt.currency
    if cost is None:
        return ""
    head = f"The negotiated package costs {fmt.money(cost, cur)}, {fmt.of_budget(cost / opt.budget) if opt.budget else fmt.DASH}"
    if opt.negotiated_plan_fits:
        return f"{head}: it fits, leaving {fmt.money(opt.budget - cost, cur)}."
    return f"{head}: it does not fit; it needs {fmt.money(cost - opt.budget, cur)} more."


def unpriced_package_sentence(opt: OptimizationResult) -> str:
    """When no plan delivers the negotiated intervals with every requirement (max_value found a plan by moving them)."""
    return ("No plan delivers the negotiated intervals with every requirement: the recommended plan is what can be done "
            "(tierplan optimize --mode min_cost names the requirement that fails).")


def changes_sentence(opt: OptimizationResult, shown: int) -> str:
    """How many negotiated intervals the plan changes, and how many of them the table shows."""
    n, total = len(opt.interval_changes), len(opt.intervals)
    if n == 0:
        return f"The plan delivers all {total} negotiated intervals as negotiated."
    if opt.mode == PlanningMode.MIN_COST:
        lead = (f"The plan delivers the negotiated intervals, except {_count(n, 'interval')} that keep tier order raises "
                f"(a higher tier never gets less than the tier below it)")
    else:
        lead = f"The recommended plan changes {n} of the {total} negotiated intervals"
    if n <= shown:
        return lead + (":" if n > 1 else ", this one:")
    return lead + f". The {NUMBER_WORDS.get(shown, str(shown))} that matter most (every change is in the service matrix, section 3):"


NUMBER_WORDS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight", 9: "nine", 10: "ten"}


def why_sentences(changes: list[IntervalChange]) -> list[str]:
    """Why some changes cost less than they seem, or happen at all: keep tier order, and time the coverage ratio pays for."""
    out = []
    for ch in changes:
        if ch.level_with:
            out.append(f"{ch.service} in {ch.tier} rises to {fmt.quantity(ch.chosen)} to keep tier order with {ch.level_with}.")
        if ch.coverage_pays and ch.cost_change > 0:
            out.append(f"{ch.service} in {ch.tier} uses {ch.role} hours the coverage ratio pays for anyway (the book of accounts, "
                       f"not the hours, sets the {ch.role} headcount), so it adds no person.")
    return out


def _count(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def cost_effect(ch: IntervalChange, currency: str) -> str:
    """What the change does to the cost: "saves $57,140" or "adds $12,300"."""
    if abs(ch.cost_change) < 0.5:
        return "no change"
    verb = "saves" if ch.cost_change < 0 else "adds"
    return f"{verb} {fmt.money(abs(ch.cost_change), currency)}"


def impact_effect(ch: IntervalChange, currency: str) -> str:
    """What the change does to the expected ARR impact: "buys $8,000" or "gives up $12,345"."""
    if abs(ch.impact_change) < 0.5:
        return "no change"
    verb = "buys" if ch.impact_change > 0 else "gives up"
    return f"{verb} {fmt.money(abs(ch.impact_change), currency)}"


CHANGES_NOTE = ("Cost: the change in occurrences x the cost of one occurrence (time at the hourly rate plus direct cost) x the tier's "
                "accounts; the plan's total also moves with whole people. Expected ARR impact: the retention and expansion the change "
                "adds or gives up, from each service's impact per occurrence and its diminishing returns.")


def _unit(currency: str) -> str:
    return MONEY_WORDS.get((currency or "").upper(), (f"{currency} 1", ""))[0]


def _per_unit(per: float, currency: str) -> str:
    """0.147 -> "15 cents"; 1.2 -> "$1.20" (any currency without words: "CHF 0.15")."""
    words_ = MONEY_WORDS.get((currency or "").upper())
    if words_ is not None and per < 1:
        return f"{round(per * 100):.0f} {words_[1]}"
    return f"{fmt.symbol(currency)}{per:,.2f}"


def budget_sentence(opt: OptimizationResult) -> str:
    """What one more dollar of budget buys, in plain words; in min_cost, which limits set the cost instead."""
    cur = opt.currency
    budget = next((r for r in records(opt.shadow_prices) if r.get("key") == BUDGET), None)
    if opt.mode == PlanningMode.MIN_COST:
        limits = [words.binding_text(b, cur)[0] for b in opt.binding if words.binding_text(b, cur)[1] != "budget"]
        text = (f"In min_cost mode the budget does not change the plan, so one more {_unit(cur)} buys nothing: the negotiated "
                "intervals set the cost")
        if limits:
            shown = limits[:4] + ([f"{len(limits) - 4} more (section 6)"] if len(limits) > 4 else [])
            text += ", through " + and_list(shown)
        return text + ". max_value mode shows what the same budget buys when intervals may move."
    if budget is None or budget.get("marginal") is None:
        return ""
    m = float(budget["marginal"])
    if m <= 1e-9:
        return (f"One more {_unit(cur)} of budget buys nothing: the plan is held by its intervals' maximums, its people and its "
                "rules, not by the money.")
    unit = _unit(cur)
    text = (f"Each extra {unit} of budget buys about {_per_unit(m, cur)} of expected ARR impact, at the margin (the budget's "
            f"shadow price is {m:.3f}).")
    step, gain = budget.get("step"), budget.get("step_gain")
    if step and gain is not None and step > 0:
        per = gain / step
        text += (f" A realistic step, {fmt.money(step, cur)} more, buys {fmt.money(gain, cur)} ({_per_unit(per, cur)} a {unit})"
                 + (": people come whole, so money buys in lumps." if abs(per - m) > 0.05 * max(m, 1e-9) else "."))
    return text


def values_sentence(opt: OptimizationResult, margin: float) -> str:
    """Why Assessed Service Value and expected ARR impact are two different numbers."""
    cur = opt.currency
    if opt.assessed_service_value is None or opt.value is None:
        return ""
    return (f"Assessed Service Value ({fmt.money(opt.assessed_service_value, cur)}) and expected ARR impact "
            f"({fmt.money(opt.value, cur)}) answer different questions: the first prices the services at their own cost plus "
            f"the {fmt.percent(margin, 0)} margin, what they are worth on a price list; the second is the retention and expansion "
            "they are expected to bring, from each service's impact per occurrence on the Services sheet.")
