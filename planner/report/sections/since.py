"""Since the last plan: what changed against the plan.json the Excel button kept from its previous run (plan.previous.json).

A short block at the top of the report: the headline, the input cells that changed (the first few), and the plan
figures that moved with the change that explains each (planner.versions.diff, the same diff as `tierplan diff`).
"""

from __future__ import annotations

from planner.report import scenario_words as w
from planner.report.view import PlanView

SHOWN = 8  # input changes and plan changes listed; the rest are counted


def build(p: PlanView) -> dict:
    d = getattr(p.plan, "since", None)
    if d is None:
        return {"since": None}
    from planner.writers.diff import headline, plan_lines, version_line

    inputs = [w.input_change_text(c, d.currency) for c in d.inputs]
    if not d.accounts.same:
        inputs.append(f"the accounts: {d.accounts.old_count:,} \u2192 {d.accounts.new_count:,}")
    plan = [f"{text} ({why})" if why else text for text, why in plan_lines(d)]
    more_inputs, more_plan = max(0, len(inputs) - SHOWN), max(0, len(plan) - SHOWN)
    return {"since": {
        "previous": version_line(d.old_label, d.old_as_of, d.old_scenario, d.old_fingerprint, d.old_version),
        "headline": headline(d),
        "inputs": inputs[:SHOWN] + ([f"and {more_inputs} more"] if more_inputs else []),
        "plan": plan[:SHOWN] + ([f"and {more_plan} more (`tierplan diff reports/plan.previous.json reports/plan.json` lists every one)"]
                                if more_plan else []),
        "tiers_moved": d.tiers.moved,
    }}
