"""`tierplan diff` as a page (diff.html), and the tables the report's "since the last plan" block shares with it."""

from __future__ import annotations

import planner
from planner.report import format as fmt
from planner.report import scenario_words as w
from planner.report.blocks import make_row, make_table
from planner.versions.diff import PlanDiff

TITLE = "What changed"


def input_table(d: PlanDiff) -> dict:
    rows = []
    for c in d.inputs:
        if c.kind == "changed":
            rows.append(make_row(c.new_cell or c.old_cell or fmt.DASH, w.change_label(c.sheet, c.row, c.label),
                                 w.value_text(c.sheet, c.key, c.old, d.currency), w.value_text(c.sheet, c.key, c.new, d.currency),
                                 c.source or ""))
        else:
            rows.append(make_row(c.new_cell or c.old_cell or fmt.DASH, w.row_label(c.sheet, c.row), "" if c.kind == "added" else "row",
                                 "row" if c.kind == "added" else "", f"row {c.kind}"))
    return make_table("Inputs, cell by cell", [("Cell", False), ("Input", False), ("Old", True), ("New", True), ("Set by", False)], rows,
                      widths=[13, 45, 14, 14, 14], row_header=False, ident="diff-inputs",
                      note="" if rows else "No input cell changed.")


def plan_table(d: PlanDiff) -> dict:
    rows = []
    for pc in d.plan:
        rows.append(make_row(w.plan_item_label(pc.what, pc.item), w.plan_value_text(pc.what, pc.old, d.currency),
                             w.plan_value_text(pc.what, pc.new, d.currency), w.plan_delta_text(pc.what, pc.old, pc.new, d.currency),
                             w.cause_text(pc.causes, d.inputs, d.currency)))
    return make_table("The plan", [("Figure", False), ("Old", True), ("New", True), ("Change", True), ("Why", False)], rows,
                      widths=[28, 13, 13, 11, 35], ident="diff-plan", note="" if rows else "The plan is the same.")


def tier_table(d: PlanDiff) -> dict:
    cut = {t: (o, n) for t, o, n in d.tiers.cutoffs}
    rows = []
    for tier, old, new in d.tiers.counts:
        o, n = cut.get(tier, (None, None))
        rows.append(make_row(tier, fmt.count(old), fmt.count(new), w.signed_count(None if old is None or new is None else new - old),
                             fmt.number(o, 2) if o is not None else fmt.DASH, fmt.number(n, 2) if n is not None else fmt.DASH))
    from planner.writers.diff import tier_lines

    moved = [x for x in tier_lines(d) if "moved tier" in x]
    return make_table("Tiers", [("Tier", False), ("Old accounts", True), ("New accounts", True), ("Change", True),
                                ("Old cut-off", True), ("New cut-off", True)], rows, widths=[20, 16, 16, 14, 17, 17], ident="diff-tiers",
                      note=moved[0] + "." if moved else "")


def diff_context(d: PlanDiff) -> dict:
    from planner.writers.diff import account_lines, headline, version_line

    return {
        "title": TITLE,
        "tool": f"TierPlan {planner.__version__}",
        "page_size": "A4",
        "old_line": version_line(d.old_label, d.old_as_of, d.old_scenario, d.old_fingerprint, d.old_version),
        "new_line": version_line(d.new_label, d.new_as_of, d.new_scenario, d.new_fingerprint, d.new_version),
        "headline": headline(d),
        "accounts": account_lines(d),
        "tables": [input_table(d), tier_table(d), plan_table(d)],
        "note": d.note,
        "not_resolved": [w.short_change(d.inputs[i], d.currency) for i in d.not_resolved],
    }


def render_diff_html(d: PlanDiff) -> str:
    from markupsafe import Markup

    from planner.report import _environment, _stylesheet

    ctx = diff_context(d)
    ctx["css"] = Markup(_stylesheet())
    return _environment().get_template("diff.html.j2").render(**ctx)


__all__ = ["TITLE", "diff_context", "input_table", "plan_table", "render_diff_html", "tier_table"]
