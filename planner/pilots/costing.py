"""What a pilot's touch model cost against its baseline's, and what its effect was worth: effect per dollar.

Cost, per year, from the plan's costing (planner.valuation: each tier's cost per account at the negotiated
intervals):

- a pilot account served as another tier costs that tier's cost per account instead of its own tier's;
- ``extra_cost`` (the Pilots sheet's Extra cost per account) adds what the change costs beyond that;
- the pilot's extra cost is the sum over its accounts, for the length of the pilot (days / 365).

The effect in money, only for outcomes that are money:

- renewal and churn: the difference in rate times the ARR the rate applied to, the pilot accounts measured times
  the pilot accounts' mean ARR (ARR kept: a 10-point higher renewal rate on 1M of ARR up for renewal is about
  100k kept);
- expansion ARR: the difference in mean expansion per account times the pilot accounts measured;
- resolution time and usage have no money value here: the cost is shown, the ratio is not.

The interval of the effect is the comparison's 95% interval scaled the same way. Nothing is claimed for a
pilot whose verdict is not a difference: the ratio is shown only when the interval excludes zero.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from planner.pilots.definition import Outcome
from planner.pilots.evaluate import PilotResult

DAYS_PER_YEAR = 365.0


@dataclass(frozen=True)
class PilotCost:
    known: bool  # some cost was given (Served as or Extra cost per account)
    extra_cost_per_account: float | None  # per year, pilot against baseline
    years: float  # the pilot's length
    extra_cost: float | None  # for every pilot account over the pilot's length
    effect_value: float | None  # money the effect was worth (ARR kept or added); None when the outcome is not money
    effect_low: float | None
    effect_high: float | None
    value_per_dollar: float | None  # effect_value / extra_cost, when the interval excludes zero and the cost is above zero
    at_stake: float | None  # the ARR the rate applies to (renewal, churn)


def pilot_cost(result: PilotResult, tier_cost: Mapping[str, float], tier_of: Mapping[str, str],
               arr_of: Mapping[str, float]) -> PilotCost:
    """The cost and money effect of one judged pilot.

    ``tier_cost``: cost per account and year per tier (negotiated intervals); ``tier_of``: each account's tier during
    the pilot; ``arr_of``: each account's ARR.
    """
    change = result.pilot.change
    years = max((result.pilot.end - result.pilot.start).days + 1, 0) / DAYS_PER_YEAR
    known = change.served_as is not None or change.extra_cost is not None
    per_account = total = None
    if known:
        costs = []
        for a in result.pilot_accounts:
            own = tier_cost.get(tier_of.get(a, ""), 0.0)
            served = tier_cost.get(change.served_as, own) if change.served_as else own
            costs.append(served - own + (change.extra_cost or 0.0))
        total = sum(costs) * years
        per_account = sum(costs) / len(costs) if costs else 0.0
    c = result.comparison
    value = low = high = at_stake = None
    if c.difference is not None and c.pilot_n:
        if result.pilot.outcome in (Outcome.RENEWAL, Outcome.CHURN):
            ids = result.pilot_accounts
            at_stake = c.pilot_n * sum(arr_of.get(a, 0.0) for a in ids) / len(ids)
            sign = 1.0 if result.pilot.outcome is Outcome.RENEWAL else -1.0  # fewer churned is ARR kept
            value, low, high = (sign * x * at_stake if x is not None else None for x in (c.difference, c.ci_low, c.ci_high))
            if sign < 0 and low is not None and high is not None:
                low, high = high, low
        elif result.pilot.outcome is Outcome.EXPANSION_ARR:
            value, low, high = (x * c.pilot_n if x is not None else None for x in (c.difference, c.ci_low, c.ci_high))
    per_dollar = None
    if (value is not None and total is not None and total > 0 and low is not None and high is not None
            and (low > 0 or high < 0)):
        per_dollar = value / total
    return PilotCost(known, per_account, years, total, value, low, high, per_dollar, at_stake)
