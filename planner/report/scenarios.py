"""The scenario comparison as a page: scenarios.html (and scenarios.pdf, printed from it like the report).

Built from the typed comparison (planner.scenarios.compare.Comparison); the words come from
planner.report.scenario_words, the tables use the report's macros and stylesheet. Same comparison, same bytes.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import planner
from planner.report import format as fmt
from planner.report import scenario_words as w
from planner.report.blocks import and_list, make_row, make_table
from planner.scenarios.compare import Comparison, ScenarioColumn
from planner.versions.facts import PlanFacts

TITLE = "Scenarios compared"


def _delta(col: ScenarioColumn, base: ScenarioColumn, get: Callable[[PlanFacts], float | None]) -> float | None:
    a, b = get(col.facts), get(base.facts)
    return None if a is None or b is None else a - b


def _money_cell(col: ScenarioColumn, base: ScenarioColumn, get: Callable[[PlanFacts], float | None], cur: str) -> str:
    value = get(col.facts)
    if value is None or col is base:
        return fmt.money(value, cur)
    return f"{fmt.money(value, cur)} ({w.signed_money(_delta(col, base, get), cur)})"


def _count_cell(value: float | None, base_value: float | None, is_base: bool) -> str:
    if value is None:
        return fmt.DASH
    text = fmt.quantity(value, 2)
    if is_base or base_value is None or abs(value - base_value) < 1e-9:
        return text
    return f"{text} ({w.signed_count(value - base_value)})"


def scenario_summary(col: ScenarioColumn, base: ScenarioColumn, cur: str) -> str:
    """One sentence per scenario: what it changes and what that does to cost, value, people and fit."""
    f = col.facts
    if col is base:
        head = "The baseline is the workbook as it stands"
    else:
        changed = [f"{o.label} ({w.row_label(o.sheet, o.row)}) {w.value_text(o.sheet, o.key, o.sheet_value, cur)} \u2192 "
                   f"{w.value_text(o.sheet, o.key, o.value, cur)}" for o in col.changes]
        head = f"{col.name} changes {and_list(changed)}" if changed else f"{col.name} changes nothing"
    parts = []
    if f.total_cost is not None:
        parts.append(f"costs {_money_cell(col, base, lambda x: x.total_cost, cur)} of a {fmt.money(f.budget, cur)} budget")
    if f.value is not None:
        parts.append(f"expects {_money_cell(col, base, lambda x: x.value, cur)} of ARR impact")
    if f.people_total is not None:
        parts.append(f"needs {_count_cell(f.people_total, base.facts.people_total, col is base)} people")
    verdict = {"fits": "and fits the budget and every requirement", "over budget": "and does not fit: the cheapest plan meeting every requirement is over budget",
               "no plan": "and no plan meets the requirements"}[w.fit_word(f.fits, f.has_plan)]
    return f"{head}; it {', '.join(parts)} {verdict}." if parts else f"{head}; {verdict}."


def comparison_context(c: Comparison, page_size: str = "A4") -> dict:
    cur = c.currency
    cols = c.columns
    base = c.baseline
    names = [col.name for col in cols]
    width = max(10, int(72 / max(len(cols), 1)))
    head_cols = [("", False)] + [(n, True) for n in names]
    widths = [100 - width * len(cols)] + [width] * len(cols)

    def row(label: str, cells: list[str]) -> dict:
        return make_row(label, *cells)

    figures = [
        row("Fit", [w.fit_word(col.facts.fits, col.facts.has_plan) for col in cols]),
        row(f"Total cost ({cur})", [_money_cell(col, base, lambda x: x.total_cost, cur) for col in cols]),
        row(f"Budget ({cur})", [_money_cell(col, base, lambda x: x.budget, cur) for col in cols]),
        row("Budget used", [fmt.percent(col.facts.budget_used, 1) + ("" if col is base or col.facts.budget_used is None or base.facts.budget_used is None
                                                                   else f" ({w.signed_points(col.facts.budget_used - base.facts.budget_used)})")
                            for col in cols]),
        row(f"Expected ARR impact ({cur})", [_money_cell(col, base, lambda x: x.value, cur) for col in cols]),
        row(f"Assessed Service Value ({cur})", [_money_cell(col, base, lambda x: x.assessed_service_value, cur) for col in cols]),
        row("People", [_count_cell(col.facts.people_total, base.facts.people_total, col is base) for col in cols]),
        row("Budget's shadow price (LP)", [fmt.DASH if col.facts.budget_marginal is None else fmt.number(col.facts.budget_marginal, 3) for col in cols]),
        row(f"Impact of the budget step, re-solved ({cur})",
            [fmt.DASH if col.facts.budget_step_gain is None else f"{fmt.money(col.facts.budget_step_gain, cur)} for +{fmt.money(col.facts.budget_step, cur)}"
             for col in cols]),
    ]
    tables = [make_table(f"The plans side by side ({cur} per year; in brackets: against the baseline)", head_cols, figures, widths=widths,
                         ident="side-by-side",
                         note="Budget's shadow price: expected ARR impact one more unit of budget buys, from the LP relaxation (0 when the "
                              "budget does not bind, as in min_cost). The budget step is the plan re-solved with 1% more budget (at least "
                              "one person's cost).")]
    change_rows = [make_row(ch.cell or fmt.DASH, w.change_label(ch.sheet, ch.row, ch.label), w.value_text(ch.sheet, ch.key, ch.baseline, cur),
                            *[w.value_text(ch.sheet, ch.key, v, cur) if hit else "" for v, hit in zip(ch.values[1:], ch.changed[1:])])
                   for ch in c.changes]
    tables.insert(0, make_table("What each scenario changes against the baseline",
                             [("Cell", False), ("Input", False), ("Baseline", True)] + [(n, True) for n in names[1:]], change_rows,
                             widths=[12, 40] + [int(48 / len(cols))] * len(cols), row_header=False, ident="changes"))
    people_rows = [row(f"{role} ({tier})", [_count_cell(col.facts.people.get((role, tier), 0) if col.facts.has_plan else None,
                                                        base.facts.people.get((role, tier), 0) if base.facts.has_plan else None, col is base)
                                            for col in cols]) for role, tier in c.people_rows]
    if people_rows:
        tables.append(make_table("People by role and tier", head_cols, people_rows, widths=widths, ident="people"))
    interval_rows = [row(f"{service} ({tier})", [_count_cell(col.facts.intervals.get((service, tier)), base.facts.intervals.get((service, tier)),
                                                             col is base) for col in cols])
                     for service, tier in c.interval_rows]
    tables.append(make_table("Intervals that differ from the baseline's (occurrences per account per year)", head_cols, interval_rows,
                             widths=widths, ident="intervals",
                             note="" if interval_rows else "Every scenario chooses the baseline's intervals."))
    support_rows = [row(f"{channel} ({tier})", [_count_cell(round(col.facts.support.get((tier, channel), 0.0), 1),
                                                            round(base.facts.support.get((tier, channel), 0.0), 1), col is base) for col in cols])
                    for tier, channel in c.support_rows]
    if support_rows:
        tables.append(make_table("Support agents needed per tier and channel", head_cols, support_rows, widths=widths, ident="support",
                                 note="Live queues: agents on shift by Erlang C; email/ticket: average agents busy while open."))
    tier_rows = [row(f"{t} accounts", [_count_cell(col.facts.accounts.get(t), base.facts.accounts.get(t), col is base) for col in cols])
                 for t in c.tiers]
    resegmented = [col.name for col in cols if col.resegmented and col is not base]
    tables.append(make_table("Accounts per tier", head_cols, tier_rows, widths=widths, ident="tiers",
                             note=(f"Tiered again for {and_list(resegmented)}: it changes what the tiering reads." if resegmented
                                   else "No scenario changes the tiers, the scoring or the re-tiering rules: every one plans the baseline's tiers.")))
    return {
        "title": TITLE,
        "fiscal_year": str(c.fiscal_year),
        "page_size": page_size if page_size in ("A4", "Letter") else "A4",
        "tool": f"TierPlan {planner.__version__}",
        "meta": _meta(c),
        "summaries": [scenario_summary(col, base, cur) for col in cols],
        "notes": [f"{col.name}: {col.note}" for col in cols if col.note],
        "tables": tables,
        "footer": (f"Prepared with TierPlan {planner.__version__}. Each column is planned as `tierplan plan --scenario NAME` plans it, "
                   "without the frontier; scenarios.json holds every figure shown here."),
    }


def _meta(c: Comparison) -> str:
    parts = [f"{len(c.columns) - 1} scenario{'s' if len(c.columns) != 2 else ''} against the baseline",
             f"planning mode {c.mode}"]
    if c.as_of is not None:
        parts.append(f"as of {c.as_of.isoformat()}")
    if c.source:
        parts.append(f"inputs from {Path(c.source).name}")
    parts.append(f"baseline inputs fingerprint {c.baseline.fingerprint[:12]}")
    return " \u00b7 ".join(parts)


def render_comparison_html(c: Comparison, page_size: str = "A4") -> str:
    from markupsafe import Markup

    from planner.report import _environment, _stylesheet

    ctx = comparison_context(c, page_size)
    ctx["css"] = Markup(_stylesheet())
    ctx["description"] = f"Scenarios compared: {', '.join(c.names)}"
    ctx["keywords"] = f"TierPlan, scenarios, fingerprint {c.baseline.fingerprint}"
    ctx["created"] = c.as_of.isoformat() if c.as_of is not None else ""
    return _environment().get_template("scenarios.html.j2").render(**ctx)


__all__ = ["TITLE", "comparison_context", "render_comparison_html", "scenario_summary"]
