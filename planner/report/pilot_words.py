"""Pilot results in plain words, for a CFO: what was compared, what was found, and what it does not show.

Presentation only: every number comes from a :class:`Comparison` or a
:class:`PilotResult`; nothing here decides a verdict. The words never say a
change "has no effect" or "works" beyond what the verdict allows
(docs/pilots.md).
"""

from __future__ import annotations

from planner.pilots.definition import OUTCOMES, Baseline, Outcome
from planner.pilots.evaluate import PilotResult
from planner.pilots.kinds import HypothesisTest, Measure, Sided, Unit, Verdict
from planner.pilots.stats import (
    MAX_PLAUSIBLE_RATE_CHANGE,
    MAX_PLAUSIBLE_SHIFT_SD,
    POWER,
    Comparison,
    sample_size_for_shift,
    sample_size_per_arm,
)
from planner.report.format import count, money, percent, quantity, symbol

VERDICT_LABELS = {
    Verdict.IMPROVED: "Improved",
    Verdict.WORSE: "Worse",
    Verdict.NO_DETECTABLE_DIFFERENCE: "No difference this pilot could detect",
    Verdict.INCONCLUSIVE: "Not shown: the test and the interval disagree",
    Verdict.NOT_ENOUGH_ACCOUNTS: "Not enough accounts to tell",
    Verdict.NO_OUTCOME_DATA: "No outcome data",
    Verdict.STILL_RUNNING: "Still running",
}
TEST_LABELS = {
    HypothesisTest.FISHER: "Fisher's exact test",
    HypothesisTest.Z: "two-proportion z-test",
    HypothesisTest.MANN_WHITNEY: "Mann-Whitney U test (whether one group's values tend to be larger)",
    HypothesisTest.WELCH: "Welch's t-test on the means",
    HypothesisTest.NONE: "no test",
}
OUTCOME_LABELS = {
    Outcome.RENEWAL: "renewal rate",
    Outcome.CHURN: "churn rate",
    Outcome.EXPANSION_ARR: "expansion ARR",
    Outcome.RESOLUTION_TIME: "resolution time",
    Outcome.USAGE_CHANGE: "usage change",
}
EVENT_VERBS = {Outcome.RENEWAL: "renewed", Outcome.CHURN: "churned", Outcome.EXPANSION_ARR: "expanded"}
SIZE_EXAMPLE_RATE = 0.10  # "about N accounts a group would detect a 10-point change"
SIZE_EXAMPLE_SHIFT = 0.5  # ... or half a standard deviation


def verdict_label(verdict: Verdict) -> str:
    return VERDICT_LABELS[verdict]


def method_label(test: HypothesisTest) -> str:
    return TEST_LABELS[test]


def _outcome(c: Comparison) -> Outcome:
    return Outcome(c.outcome)


def _is_share(c: Comparison) -> bool:
    return c.measure in (Measure.RATE, Measure.SHARE_ABOVE_ZERO)


def _value(c: Comparison, value: float | None, currency: str) -> str:
    unit = OUTCOMES[_outcome(c)].unit
    if _is_share(c):
        return percent(value)
    if unit == "money":
        return money(value, currency)
    if unit == "hours":
        return f"{quantity(value, 1)} hours"
    return _signed_percent(value)  # usage change: a ratio


def _signed_percent(value: float | None) -> str:
    text = percent(value)
    return text if value is None or value < 0 or text.startswith("-") else f"+{text}"


def _difference(c: Comparison, value: float | None, currency: str) -> str:
    if value is None:
        return "-"
    unit = OUTCOMES[_outcome(c)].unit
    sign = "+" if value >= 0 else "-"
    if _is_share(c) or unit == "ratio":
        return f"{sign}{quantity(abs(value) * 100, 1)} points"
    if unit == "money":
        return f"{sign}{money(abs(value), currency)}"
    return f"{sign}{quantity(abs(value), 1)} hours"


def _interval(c: Comparison, currency: str) -> str:
    level = f"{c.ci_level:.0%}"
    if c.ci_low is None and c.ci_high is None:
        return ""
    if c.sided is Sided.GREATER:
        return f" ({level} confidence: at least {_difference(c, c.ci_low, currency)})"
    if c.sided is Sided.LESS:
        return f" ({level} confidence: at most {_difference(c, c.ci_high, currency)})"
    return (f" ({level} confidence interval {_difference(c, c.ci_low, currency)} to "
            f"{_difference(c, c.ci_high, currency)})")


def _groups(c: Comparison, currency: str) -> str:
    outcome = _outcome(c)
    if _is_share(c):
        verb = EVENT_VERBS.get(outcome, "had the event")
        return (f"{count(c.pilot_count)} of {count(c.pilot_n)} pilot accounts {verb} ({percent(c.pilot_value)}), "
                f"against {count(c.baseline_count)} of {count(c.baseline_n)} baseline accounts "
                f"({percent(c.baseline_value)})")
    what = "Median" if c.measure is Measure.MEDIAN else "Average"
    return (f"{what} {OUTCOME_LABELS[outcome]} {_value(c, c.pilot_value, currency)} for the {count(c.pilot_n)} "
            f"pilot accounts, against {_value(c, c.baseline_value, currency)} for the {count(c.baseline_n)} "
            f"baseline accounts")


def _sides(c: Comparison) -> str:
    if c.sided is Sided.TWO_SIDED:
        return "two-sided"
    return "one-sided, looking only for the pilot " + ("higher" if c.sided is Sided.GREATER else "lower")


def _p(value: float | None) -> str:
    if value is None:
        return "-"
    return "below 0.001" if value < 0.001 else f"{value:.3f}"


def _test(c: Comparison) -> str:
    text = f"{method_label(c.test)}, {_sides(c)}: p = {_p(c.p_value)}"
    if c.adjustment == "holm" and c.family_size > 1:
        text += f", {_p(c.p_adjusted)} after allowing for {c.family_size} comparisons made together (Holm)"
    return text + "."


def _detectable(c: Comparison, currency: str) -> str:
    if c.detectable_effect is None:
        return "no possible change could have been detected reliably"
    reliably = f"the smallest result it could detect reliably ({POWER:.0%} of the time) is"
    if c.detectable_unit is Unit.RATE:
        label = (OUTCOME_LABELS[_outcome(c)] if c.measure is Measure.RATE
                 else f"share of accounts that {EVENT_VERBS.get(_outcome(c), 'rose above zero')}")
        return (f"{reliably} a {label} of {percent(c.detectable_effect)} against the baseline's "
                f"{percent(c.baseline_value)}")
    text = f"{reliably} a shift of {quantity(c.detectable_effect, 2)} standard deviations of the baseline"
    if c.detectable_difference is not None:
        text += f" (about {_difference(c, c.detectable_difference, currency).lstrip('+')})"
    return text


def _size_needed(c: Comparison) -> str:
    if c.detectable_unit is Unit.RATE and c.baseline_value is not None:
        better = 1 if c.higher_is_better else -1
        target = c.baseline_value + better * SIZE_EXAMPLE_RATE
        if not 0 <= target <= 1:
            return ""
        n = sample_size_per_arm(c.baseline_value, target, sided=c.sided).per_arm
        return (f" About {count(n)} accounts in each group would detect a {quantity(SIZE_EXAMPLE_RATE * 100, 0)}-point "
                "change.")
    if c.detectable_unit is Unit.BASELINE_SD:
        test = c.test if c.test is not HypothesisTest.NONE else HypothesisTest.MANN_WHITNEY
        n = sample_size_for_shift(SIZE_EXAMPLE_SHIFT, test=test, sided=c.sided).per_arm
        return f" About {count(n)} accounts in each group would detect a shift of half a standard deviation."
    return ""


def describe_comparison(c: Comparison, *, currency: str = "USD") -> str:
    """The verdict and its evidence in a few sentences."""
    head = verdict_label(c.verdict) + "."
    if c.verdict is Verdict.NO_OUTCOME_DATA:
        empty = "pilot" if c.pilot_n == 0 else "baseline"
        return f"{head} None of the {empty} accounts has outcome data for the pilot's dates, so nothing can be said."
    if c.verdict is Verdict.STILL_RUNNING:
        return (f"{head} {count(c.pilot_n)} pilot and {count(c.baseline_n)} baseline accounts so far; "
                f"once it ends, {_detectable(c, currency)}. It is judged only after its end date, because looking "
                "early makes chance differences look real.")
    test = _test(c)
    body = (f"{_groups(c, currency)}: a difference of {_difference(c, c.difference, currency)}"
            f"{_interval(c, currency)}. {test[0].upper()}{test[1:]}")
    if c.verdict in (Verdict.IMPROVED, Verdict.WORSE):
        tail = ("If the change made no difference, a gap this large would turn up less than "
                f"{c.alpha:.0%} of the time.")
    elif c.verdict is Verdict.NO_DETECTABLE_DIFFERENCE:
        tail = (f"This is not evidence that the change does nothing: {_detectable(c, currency)}, so a smaller "
                "real effect could have been missed.")
    elif c.verdict is Verdict.INCONCLUSIVE:
        tail = ("The test points to a difference, but the interval still includes no change; treat it as not "
                "shown.")
    else:  # not enough accounts
        limit = (f"{quantity(MAX_PLAUSIBLE_RATE_CHANGE * 100, 0)} points" if c.detectable_unit is Unit.RATE
                 else f"{quantity(MAX_PLAUSIBLE_SHIFT_SD, 1)} standard deviation")
        reach = ("no possible change could have been detected reliably" if c.detectable_effect is None else
                 f"{_detectable(c, currency)}, more than the {limit} a change of touch model can plausibly make")
        tail = (f"With groups this small {reach}, so the pilot cannot tell whether the change works."
                f"{_size_needed(c)}")
    text = f"{head} {body} {tail}"
    for part in c.parts:
        if part.verdict is Verdict.NO_OUTCOME_DATA:
            empty = "pilot" if part.pilot_n == 0 else "baseline"
            text += f" No {empty} account is above zero, so the amounts cannot be compared."
        else:
            text += " Among the accounts above zero: " + describe_comparison(part, currency=currency)
    return text


def describe_pilot(result: PilotResult, *, currency: str = "USD") -> str:
    """One paragraph per pilot: its name, what changed, against what, and the verdict with its evidence."""
    pilot = result.pilot
    against = ("matched accounts of the same tier (nearest ARR and score)" if pilot.baseline is Baseline.MATCHED
               else "the rest of " + (", ".join(result.tiers) or "its tier"))
    opening = (f"Pilot '{pilot.name}' ({pilot.change.description}), {pilot.start.isoformat()} to "
               f"{pilot.end.isoformat()}, judged on {OUTCOME_LABELS[pilot.outcome]} against {against}.")
    text = f"{opening} {describe_comparison(result.comparison, currency=currency)}"
    if result.running:
        text += f" It ends {pilot.end.isoformat()}."
    return text


def describe_cost(cost, result: PilotResult, *, currency: str = "USD") -> str:
    """The pilot's cost against its baseline's and, for money outcomes with a shown difference, the effect per dollar."""
    if cost is None or not cost.known:
        return ("Its cost is not priced: give the Pilots sheet's Served as or Extra cost per account to set the cost of "
                "its touch model against the baseline's.")
    per = money(abs(cost.extra_cost_per_account or 0.0), currency)
    if not cost.extra_cost_per_account:
        text = "Its touch model cost the same per account as the baseline's."
    else:
        more = "more" if cost.extra_cost_per_account > 0 else "less"
        text = (f"Its touch model cost {per} {more} per account and year than the baseline's: "
                f"{money(abs(cost.extra_cost or 0.0), currency)} {more} over the pilot's "
                f"{count(len(result.pilot_accounts))} accounts and {quantity(cost.years * 12, 0)} months.")
    if cost.effect_value is None:
        return text
    worth = (f" The effect was worth about {_signed_money(cost.effect_value, currency)} of ARR "
             f"(95% interval {_signed_money(cost.effect_low, currency)} to {_signed_money(cost.effect_high, currency)})")
    if cost.value_per_dollar is not None:
        return text + worth + f": about {_per_dollar(cost.value_per_dollar, currency)} of ARR for each {_unit(currency)} spent."
    return text + worth + "; the interval includes no effect, so no return per dollar is claimed."


def _per_dollar(value: float, currency: str) -> str:
    sym = symbol(currency)
    return f"{sym}{value:,.2f}" if len(sym) == 1 else f"{value:,.2f} {currency}"


def _unit(currency: str) -> str:
    return {"USD": "dollar", "EUR": "euro", "GBP": "pound"}.get(currency.upper(), currency)


def _signed_money(value, currency: str) -> str:
    if value is None:
        return "?"
    return ("+" if value >= 0 else "-") + money(abs(value), currency)
