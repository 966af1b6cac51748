"""`tierplan diff`'s output: the lines for the terminal, diff.json and diff.html, all from the typed PlanDiff.

The words come from planner.report.scenario_words (the "since the last plan" block of the report uses the same).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import planner
from planner.report import format as fmt
from planner.report import scenario_words as w
from planner.versions.diff import PlanDiff
from planner.writers.plan_json import jsonable

DIFF_FILES = {"html": "diff.html", "json": "diff.json"}


def version_line(label: str, as_of: str | None, scenario: str | None, fingerprint: str | None, version: str) -> str:
    parts = [label]
    if scenario:
        parts.append(f"scenario {scenario}")
    if as_of:
        parts.append(f"as of {as_of}")
    if fingerprint:
        parts.append(f"inputs {fingerprint[:12]}")
    if version:
        parts.append(f"TierPlan {version}")
    return ", ".join(parts)


def tier_lines(d: PlanDiff) -> list[str]:
    t = d.tiers
    lines = []
    for tier, old, new in t.counts:
        change = "" if old == new or old is None or new is None else f" ({w.signed_count(new - old)})"
        lines.append(f"{tier}: {fmt.count(old)} \u2192 {fmt.count(new)} accounts{change}")
    for tier, old_cut, new_cut in t.cutoffs:
        if old_cut is not None and new_cut is not None and abs(old_cut - new_cut) > 1e-9:
            lines.append(f"{tier} cut-off: score {fmt.number(old_cut, 2)} \u2192 {fmt.number(new_cut, 2)}")
    if t.compared:
        if t.moved:
            moves = "; ".join(f"{o} \u2192 {n}: {fmt.count(k)}" for o, n, k in t.moves)
            lines.append(f"{fmt.count(t.moved)} of {fmt.count(t.compared)} accounts in both plans moved tier ({moves})")
        else:
            lines.append(f"No account of the {fmt.count(t.compared)} in both plans moved tier")
    return lines


def account_lines(d: PlanDiff) -> list[str]:
    a = d.accounts
    if a.same:
        return [f"The accounts are the same ({fmt.count(a.new_count)}; same fingerprint)"]
    head = f"The accounts changed: {fmt.count(a.old_count)} \u2192 {fmt.count(a.new_count)}"
    if a.changed is None:
        return [head + " (compare the workbooks to see which accounts)"]
    lines = [head + f"; {fmt.count(a.added or 0)} added, {fmt.count(a.removed or 0)} removed, {fmt.count(a.changed)} with changed values"]
    lines += [f"  {e}" for e in a.examples]
    if a.changed > len(a.examples):
        lines.append(f"  ... and {fmt.count(a.changed - len(a.examples))} more")
    return lines


def plan_lines(d: PlanDiff) -> list[tuple[str, str]]:
    """(the change, why) for each plan figure that changed."""
    out = []
    for pc in d.plan:
        delta = w.plan_delta_text(pc.what, pc.old, pc.new, d.currency)
        text = (f"{w.plan_item_label(pc.what, pc.item)}: {w.plan_value_text(pc.what, pc.old, d.currency)} \u2192 "
                f"{w.plan_value_text(pc.what, pc.new, d.currency)}" + (f" ({delta})" if delta else ""))
        out.append((text, w.cause_text(pc.causes, d.inputs, d.currency)))
    return out


def headline(d: PlanDiff) -> str:
    if d.same_inputs and not d.plan:
        return "Nothing changed: the inputs are the same (same fingerprint) and so is the plan."
    n = len(d.inputs) + (0 if d.accounts.same else 1)
    parts = [f"{n} input change{'s' if n != 1 else ''}" if n else "no input change",
             f"{len(d.plan)} plan figure{'s' if len(d.plan) != 1 else ''} changed"]
    fit = "" if d.old_fits == d.new_fits else (" The plan fits now; it did not before." if d.new_fits else " The plan no longer fits.")
    return "; ".join(parts).capitalize() + "." + fit


def diff_lines(d: PlanDiff) -> list[str]:
    """The diff for the terminal, line by line."""
    lines = [f"From {version_line(d.old_label, d.old_as_of, d.old_scenario, d.old_fingerprint, d.old_version)}",
             f"  to {version_line(d.new_label, d.new_as_of, d.new_scenario, d.new_fingerprint, d.new_version)}", "", headline(d), "",
             "Inputs:"]
    lines += [f"  {w.input_change_text(c, d.currency)}" for c in d.inputs] or ["  no cell changed"]
    lines += [f"  {x}" for x in account_lines(d)]
    lines += ["", "Tiers:"] + [f"  {x}" for x in tier_lines(d)]
    lines += ["", "Plan:"]
    plan = plan_lines(d)
    whys = {why for _, why in plan}
    if len(plan) > 1 and len(whys) == 1 and "" not in whys:  # one reason for everything: said once
        lines += [f"  All of it {next(iter(whys))}." if next(iter(whys)).startswith("because") else f"  All of it: {next(iter(whys))}."]
        plan = [(text, "") for text, _ in plan]
    lines += [f"  {text}" + (f"\n      {why}" if why else "") for text, why in plan] or ["  the same"]
    if d.note:
        lines += ["", d.note]
    if d.not_resolved:
        lines += ["", "Not re-solved alone: " + "; ".join(w.short_change(d.inputs[i], d.currency) for i in d.not_resolved)]
    return lines


def diff_json(d: PlanDiff) -> dict[str, Any]:
    """diff.json (keys in docs/plan-json.md, "diff.json")."""
    cur = d.currency
    return jsonable({
        "tool": {"name": "TierPlan", "version": planner.__version__},
        "old": {"label": d.old_label, "as_of": d.old_as_of, "scenario": d.old_scenario, "fingerprint": d.old_fingerprint,
                "version": d.old_version, "fits": d.old_fits},
        "new": {"label": d.new_label, "as_of": d.new_as_of, "scenario": d.new_scenario, "fingerprint": d.new_fingerprint,
                "version": d.new_version, "fits": d.new_fits},
        "same_inputs": d.same_inputs,
        "headline": headline(d),
        "inputs": [{"sheet": c.sheet, "row": list(c.row), "key": c.key, "label": c.label, "kind": c.kind, "old": c.old, "new": c.new,
                    "old_cell": c.old_cell, "new_cell": c.new_cell, "source": c.source or None, "text": w.input_change_text(c, cur)}
                   for c in d.inputs],
        "accounts": {"old_count": d.accounts.old_count, "new_count": d.accounts.new_count, "same": d.accounts.same,
                     "added": d.accounts.added, "removed": d.accounts.removed, "changed": d.accounts.changed,
                     "examples": list(d.accounts.examples)},
        "tiers": {"counts": [{"tier": t, "old": o, "new": n} for t, o, n in d.tiers.counts],
                  "cutoffs": [{"tier": t, "old": o, "new": n} for t, o, n in d.tiers.cutoffs],
                  "moves": [{"from": o, "to": n, "accounts": k} for o, n, k in d.tiers.moves],
                  "moved": d.tiers.moved, "compared": d.tiers.compared},
        "plan": [{"what": pc.what, "item": list(pc.item), "label": w.plan_item_label(pc.what, pc.item), "old": pc.old, "new": pc.new,
                  "causes": None if pc.causes is None else [("accounts" if i >= len(d.inputs) else i) for i in pc.causes],
                  "because": w.cause_text(pc.causes, d.inputs, cur) or None}
                 for pc in d.plan],
        "re_solved": list(d.resolved),
        "not_re_solved": list(d.not_resolved),
        "note": d.note or None,
    })


def write_diff(d: PlanDiff, out_dir: Path) -> list[Path]:
    """diff.json and diff.html in out_dir."""
    from planner.report.diff import render_diff_html

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    js = out_dir / DIFF_FILES["json"]
    js.write_text(json.dumps(diff_json(d), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    html = out_dir / DIFF_FILES["html"]
    html.write_text(render_diff_html(d), encoding="utf-8")
    return [js, html]


__all__ = ["DIFF_FILES", "account_lines", "diff_json", "diff_lines", "headline", "plan_lines", "tier_lines", "version_line", "write_diff"]
