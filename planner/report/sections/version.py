"""The plan's version in the title block: which scenario, as of when, from which inputs (fingerprint), by which TierPlan.

The same texts go into the HTML head, where WeasyPrint takes the PDF's metadata from them (title, subject, keywords,
creation date) and planner.report.pdf_chromium writes them into the PDF the browser prints: the title block and the
PDF's properties say the same.
"""

from __future__ import annotations

from pathlib import Path

import planner
from planner.report import scenario_words as w
from planner.report.view import PlanView
from planner.scenarios.apply import SCENARIO_SOURCE
from planner.versions.normalise import fingerprint

SHORT = 12  # hex digits of the fingerprint shown on the page (the PDF's keywords hold all 64)


def build(p: PlanView) -> dict:
    inputs = p.inputs
    fin = inputs.finance
    digest = fingerprint(inputs)
    parts = []
    if inputs.scenario:
        parts.append(f"scenario {inputs.scenario}")
    parts.append(f"as of {fin.as_of.isoformat()}" if fin.as_of is not None else "undated (no As of on the Finance sheet)")
    parts.append(f"inputs fingerprint {digest[:SHORT]}")
    parts.append(f"TierPlan {planner.__version__}")
    changes = [o for o in inputs.overrides if o.source.startswith(SCENARIO_SOURCE)]
    scenario_note = next((s.note for s in inputs.scenarios if inputs.scenario and s.name.casefold() == inputs.scenario.casefold()), "")
    lines = [f"{inputs.refs.get(o.sheet, tuple(o.row), o.key) or w.row_label(o.sheet, o.row)} "
             f"{w.change_label(o.sheet, o.row, o.label, with_sheet=False)}: {w.value_text(o.sheet, o.key, o.sheet_value, p.cur)} \u2192 "
             f"{w.value_text(o.sheet, o.key, o.value, p.cur)}" for o in changes]
    source = Path(inputs.source).name if inputs.source else "the planning workbook"
    return {
        "version_line": " \u00b7 ".join(parts)[:1].upper() + " \u00b7 ".join(parts)[1:],
        "scenario": {"name": inputs.scenario, "note": scenario_note, "changes": lines} if inputs.scenario else None,
        "pdf": {
            "title_suffix": f", scenario {inputs.scenario}" if inputs.scenario else "",
            "description": f"Customer Success tier plan from {source}" + (f", scenario {inputs.scenario}" if inputs.scenario else "")
                           + (f", as of {fin.as_of.isoformat()}" if fin.as_of is not None else ""),
            "keywords": f"TierPlan {planner.__version__}, fingerprint {digest}" + (f", scenario {inputs.scenario}" if inputs.scenario else ""),
            "created": fin.as_of.isoformat() if fin.as_of is not None else "",
        },
    }
