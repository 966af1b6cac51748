"""Pilots: each trial of a different touch model against its baseline, in words a CFO can repeat without overstating."""

from __future__ import annotations

from planner.pilots.kinds import Measure
from planner.report import charts
from planner.report import format as fmt
from planner.report.blocks import figure, make_row, make_table
from planner.report.pilot_words import OUTCOME_LABELS, TEST_LABELS, describe_cost, describe_pilot, verdict_label

_TIME_UNIT = "hours"


def _scale(result) -> tuple[float, str]:
    """How a pilot's difference is drawn: rates in percentage points, amounts in their own unit."""
    c = result.comparison
    if c.measure is Measure.RATE:
        return 100.0, "percentage points"
    if result.pilot.outcome.value == "resolution_time":
        return 1.0, _TIME_UNIT
    if result.pilot.outcome.value == "usage_change":
        return 100.0, "percentage points of usage change"
    return 1.0, "per account"


def _value(result, value, currency: str) -> str:
    if value is None:
        return fmt.DASH
    c = result.comparison
    if c.measure is Measure.RATE or result.pilot.outcome.value == "usage_change":
        return fmt.percent(value, 1)
    if result.pilot.outcome.value == "resolution_time":
        return f"{fmt.quantity(value, 1)} h"
    return fmt.money(value, currency)


def _difference(result, currency: str) -> tuple[str, str]:
    c = result.comparison
    if c.difference is None:
        return fmt.DASH, fmt.DASH
    scale, _ = _scale(result)
    if c.measure is Measure.RATE or result.pilot.outcome.value == "usage_change":
        def show(v):
            return f"{v * scale:+.1f} pts"
    elif result.pilot.outcome.value == "resolution_time":
        def show(v):
            return f"{v:+.1f} h"
    else:
        def show(v):
            return ("+" if v >= 0 else "-") + fmt.money(abs(v), currency)
    interval = f"{show(c.ci_low)} to {show(c.ci_high)}" if c.ci_low is not None and c.ci_high is not None else fmt.DASH
    return show(c.difference), interval


def build(p) -> dict:
    results, problems = p.plan.pilots, p.plan.pilot_problems
    if not results and not problems:
        return {"pilots": None}
    cur = p.cur
    rows = []
    for r in results:
        c = r.comparison
        rows.append(make_row(
            r.pilot.name, OUTCOME_LABELS[r.pilot.outcome],
            f"{fmt.count(c.pilot_n)} / {fmt.count(c.baseline_n)}",
            _value(r, c.pilot_value, cur), _value(r, c.baseline_value, cur), *_difference(r, cur),
            TEST_LABELS[c.test].split(" (")[0], fmt.DASH if c.p_adjusted is None else fmt.number(c.p_adjusted, 3),
            verdict_label(c.verdict)))
    table = make_table(
        "Pilots against their baselines",
        [("Pilot", False), ("Judged on", False), ("With outcome (pilot / baseline)", True), ("Pilot group", True),
         ("Baseline group", True), ("Difference", True), ("95% interval", True), ("Test", False), ("p", True), ("Verdict", False)],
        rows, widths=[14, 9, 10, 8, 8, 9, 14, 11, 6, 11], compact=True,
        note=("p is adjusted for the pilots judged together (Holm), so several pilots do not raise the chance of a false "
              "finding. The sides of each test were set on the Pilots sheet before the outcome was known."),
    ) if rows else None
    drawn = []
    for r in results:
        c = r.comparison
        scale, unit = _scale(r)
        drawn.append((r.pilot.name, None if c.difference is None else c.difference * scale,
                      None if c.ci_low is None else c.ci_low * scale, None if c.ci_high is None else c.ci_high * scale, unit))
    number = 7 if p.plan.operations is not None else 6
    chart = figure("fig-pilots", charts.pilot_differences(drawn),
                   f"Figure {number}. Each pilot's difference against its baseline; the bar is the 95% confidence interval, on the pilot's own "
                   "scale. A bar that crosses 0 has not shown a difference.") if any(d[1] is not None for d in drawn) else None
    return {"pilots": {
        "text": ("Each pilot changed the service for some accounts and is compared with accounts that kept the plan's service: "
                 "the rest of their tier, or a matched group of the same tier nearest on ARR and score. The verdict says only "
                 "what the numbers support; 'not enough accounts to tell' is an answer, not a failure."),
        "table": table,
        "chart": chart,
        "paragraphs": [describe_pilot(r, currency=cur) + " " + describe_cost(c, r, currency=cur)
                       for r, c in zip(results, list(p.plan.pilot_costs) + [None] * (len(results) - len(p.plan.pilot_costs)))],
        "problems": [str(x) for x in problems],
    }}
