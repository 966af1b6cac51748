"""The scenario comparison's files: scenarios.json, the "Scenario comparison" sheet (scenarios.xlsx), scenarios.html/.pdf.

All made from the typed comparison (planner.scenarios.compare); the words come from planner.report.scenario_words.
Deterministic: the same workbook gives the same bytes (no clock; the date is the plan's as-of date).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pandas as pd

import planner
from planner.report import scenario_words as w
from planner.scenarios.compare import Comparison, ScenarioColumn
from planner.schema import SCENARIO_COMPARISON
from planner.versions.facts import PlanFacts
from planner.versions.normalise import plain
from planner.writers.layout import ResultSheet
from planner.writers.plan_json import jsonable

COMPARE_FORMATS = ("html", "pdf", "xlsx", "json")
COMPARE_FILES = {"html": "scenarios.html", "pdf": "scenarios.pdf", "xlsx": "scenarios.xlsx", "json": "scenarios.json"}


def _against(col: ScenarioColumn, base: ScenarioColumn, get: Callable[[PlanFacts], float | None]) -> float | None:
    a, b = get(col.facts), get(base.facts)
    return None if a is None or b is None else a - b


def comparison_json(c: Comparison) -> dict[str, Any]:
    """scenarios.json: every scenario's changes and figures, and each figure against the baseline (keys in docs/plan-json.md)."""
    base = c.baseline
    cur = c.currency
    scenarios = []
    for col in c.columns:
        f = col.facts
        scenarios.append({
            "name": col.name,
            "baseline": col is base,
            "note": col.note,
            "fingerprint": col.fingerprint,
            "resegmented": col.resegmented,
            "changes": [{"sheet": o.sheet, "row": list(o.row), "key": o.key, "label": o.label,
                         "cell": base_ref(c, o.sheet, o.row, o.key), "workbook_value": plain(o.sheet_value), "value": plain(o.value),
                         "where": o.where, "text": w.change_text(o.sheet, o.row, o.label, o.sheet_value, o.value, cur,
                                                                 base_ref(c, o.sheet, o.row, o.key), o.key)}
                        for o in col.changes],
            "status": f.status,
            "fits": f.fits,
            "fit": w.fit_word(f.fits, f.has_plan),
            "budget": f.budget,
            "total_cost": f.total_cost,
            "budget_used": f.budget_used,
            "value": f.value,
            "assessed_service_value": f.assessed_service_value,
            "people_total": f.people_total,
            "people": [{"role": r, "tier": t, "people": f.people.get((r, t), 0) if f.has_plan else None} for r, t in c.people_rows],
            "intervals": [{"service": s, "tier": t, "chosen": f.intervals.get((s, t))} for s, t in c.interval_rows],
            "support": [{"tier": t, "channel": ch, "agents_needed": f.support.get((t, ch), 0.0)} for t, ch in c.support_rows],
            "accounts": {t: f.accounts.get(t) for t in c.tiers},
            "budget_shadow_price": {"marginal": f.budget_marginal, "step": f.budget_step, "step_gain": f.budget_step_gain,
                                    "text": w.budget_price_text(f.budget_marginal, f.mode, cur)},
            "against_baseline": {
                "total_cost": _against(col, base, lambda x: x.total_cost),
                "budget_used": _against(col, base, lambda x: x.budget_used),
                "value": _against(col, base, lambda x: x.value),
                "assessed_service_value": _against(col, base, lambda x: x.assessed_service_value),
                "people": _against(col, base, lambda x: None if x.people_total is None else float(x.people_total)),
            },
        })
    return jsonable({
        "tool": {"name": "TierPlan", "version": planner.__version__},
        "source": Path(c.source).name if c.source else "",
        "fiscal_year": c.fiscal_year,
        "as_of": c.as_of,
        "currency": cur,
        "mode": c.mode,
        "scenarios": scenarios,
    })


def base_ref(c: Comparison, sheet: str, row: tuple[str, ...], key: str) -> str | None:
    hit = next((ch for ch in c.changes if ch.sheet == sheet and tuple(x.casefold() for x in ch.row) == tuple(x.casefold() for x in row)
                and ch.key == key), None)
    return hit.cell if hit is not None else None


def comparison_sheet(c: Comparison) -> ResultSheet:
    """The "Scenario comparison" sheet: one row per figure, one column per scenario (the baseline first)."""
    names = list(c.names)
    cur = c.currency
    rows: list[dict[str, object]] = []

    def add(section: str, item: str, tier: str, unit: str, values: Iterable[object]) -> None:
        rows.append({"section": section, "item": item, "tier": tier, "unit": unit, **dict(zip(names, values))})

    cols = c.columns
    for ch in c.changes:
        values = [w.value_text(ch.sheet, ch.key, ch.baseline, cur)] + [
            w.value_text(ch.sheet, ch.key, v, cur) if hit else None for v, hit in zip(ch.values[1:], ch.changed[1:])]
        add("Changes", w.change_label(ch.sheet, ch.row, ch.label), "", ch.cell or "", values)
    add("Plan", "Fit", "", "", [w.fit_word(x.facts.fits, x.facts.has_plan) for x in cols])
    add("Plan", "Status", "", "", [x.facts.status for x in cols])
    add("Plan", "Budget", "", cur, [x.facts.budget for x in cols])
    add("Plan", "Total cost", "", cur, [_round(x.facts.total_cost) for x in cols])
    add("Plan", "Budget used", "", "% of budget", [None if x.facts.budget_used is None else round(100 * x.facts.budget_used, 2) for x in cols])
    add("Plan", "Expected ARR impact", "", cur, [_round(x.facts.value) for x in cols])
    add("Plan", "Assessed Service Value", "", cur, [_round(x.facts.assessed_service_value) for x in cols])
    add("Plan", "People", "", "people", [x.facts.people_total for x in cols])
    add("Budget's shadow price", "Expected impact per extra unit of budget (LP)", "", f"{cur} per {cur}",
        [None if x.facts.budget_marginal is None else round(x.facts.budget_marginal, 4) for x in cols])
    add("Budget's shadow price", "Budget step re-solved", "", cur, [_round(x.facts.budget_step) for x in cols])
    add("Budget's shadow price", "Expected impact of that step", "", cur, [_round(x.facts.budget_step_gain) for x in cols])
    for role, tier in c.people_rows:
        add("People", role, tier, "people", [x.facts.people.get((role, tier), 0) if x.facts.has_plan else None for x in cols])
    for service, tier in c.interval_rows:
        add("Intervals that differ", service, tier, "per account per year", [x.facts.intervals.get((service, tier)) for x in cols])
    for tier, channel in c.support_rows:
        add("Support agents", channel, tier, "agents", [round(x.facts.support.get((tier, channel), 0.0), 2) for x in cols])
    for tier in c.tiers:
        add("Tiers", "Accounts", tier, "accounts", [x.facts.accounts.get(tier) for x in cols])
    keys = SCENARIO_COMPARISON.keys(scenario_names=names)
    table = pd.DataFrame(rows, columns=keys).astype(object)
    note = ("Each scenario of the Scenarios sheet planned as `tierplan plan --scenario NAME` plans it (no frontier), beside the "
            "baseline (the workbook as it stands). Changes: the workbook's value in the baseline column, each scenario's new value "
            "where it changes the cell (Unit names the cell).")
    if c.as_of is not None:
        note += f" As of {c.as_of.isoformat()}."
    return ResultSheet.of(SCENARIO_COMPARISON, table, title="Scenario comparison", note=note, scenario_names=names)


def _round(v: float | None) -> float | None:
    return None if v is None else round(v, 2)


def parse_compare_formats(formats: str | None) -> tuple[str, ...]:
    """--format of `tierplan compare`: a comma-separated subset of html,pdf,xlsx,json (default all)."""
    from planner.errors import Problem, UserInputError

    if formats is None:
        return COMPARE_FORMATS
    items = [f.strip().lower() for f in formats.split(",") if f.strip()]
    unknown = [f for f in items if f not in COMPARE_FORMATS]
    if unknown or not items:
        raise UserInputError(Problem("command line", f"--format {','.join(unknown) or '(empty)'} is not known",
                                     f"choose from {','.join(COMPARE_FORMATS)}"))
    return tuple(f for f in COMPARE_FORMATS if f in items)


def write_comparison(c: Comparison, out_dir: Path, formats: Iterable[str] = COMPARE_FORMATS, page_size: str = "A4",
                     pdf_engine: str | None = None, warn: Callable[[str], None] | None = None,
                     progress: Callable[[str], None] | None = None) -> list[Path]:
    """Write the chosen comparison files into out_dir; returns their paths (the PDF as write_outputs handles it)."""
    import json

    from planner.writers.results import write_results_workbook

    step = progress or (lambda name: None)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    chosen = tuple(formats)
    written: list[Path] = []
    if "json" in chosen:
        step("Writing scenarios.json")
        path = out_dir / COMPARE_FILES["json"]
        path.write_text(json.dumps(comparison_json(c), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        written.append(path)
    if "xlsx" in chosen:
        step("Writing the Scenario comparison sheet")
        written.append(write_results_workbook(out_dir / COMPARE_FILES["xlsx"], {SCENARIO_COMPARISON.name: comparison_sheet(c)}))
    if "html" in chosen or "pdf" in chosen:
        from planner.report import write_pdf
        from planner.report.pdf_chromium import PdfEngineUnavailable
        from planner.report.scenarios import render_comparison_html

        step("Rendering the comparison")
        html = render_comparison_html(c, page_size)
        html_path = out_dir / COMPARE_FILES["html"]
        if "html" in chosen:
            html_path.write_text(html, encoding="utf-8")
            written.append(html_path)
        if "pdf" in chosen:
            step("Rendering scenarios.pdf")
            try:
                written.append(write_pdf(None, out_dir / COMPARE_FILES["pdf"], page_size=page_size, html=html, engine=pdf_engine))
            except PdfEngineUnavailable as exc:
                (out_dir / COMPARE_FILES["pdf"]).unlink(missing_ok=True)
                if "html" not in chosen:
                    html_path.write_text(html, encoding="utf-8")
                    written.append(html_path)
                (warn or (lambda text: None))(str(exc).replace("tier_plan.html", COMPARE_FILES["html"]))
    return written


__all__ = ["COMPARE_FILES", "COMPARE_FORMATS", "comparison_json", "comparison_sheet", "parse_compare_formats", "write_comparison"]
