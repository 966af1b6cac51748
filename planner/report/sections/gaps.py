"""9. Data gaps in the CRM export, the warnings on the workbook, and every note the run made."""

from __future__ import annotations

from planner.report import format as fmt
from planner.report import words
from planner.report.blocks import make_row, make_table, plural
from planner.report.view import PlanView, records


def build(p: PlanView) -> dict:
    gaps = records(p.seg.data_gaps)
    rows = [
        make_row(g.get("item"), g.get("pillar") or fmt.DASH, fmt.count(g.get("accounts")), fmt.percent(g.get("share_of_accounts")),
             g.get("examples") or "", g.get("assumed") or "")
        for g in gaps
    ]
    table = make_table(
        "Missing or unusable values in the CRM export",
        [("Column", False), ("Pillar", False), ("Accounts", True), ("Share", True), ("For example", False), ("How the plan handled it", False)],
        rows,
        widths=[14, 13, 9, 8, 19, 37],
        compact=True,
    )
    n = len(p.inputs.accounts)
    text = f"The CRM export holds {plural(n, 'account')}. " + (
        "No value the plan uses is missing." if not gaps
        else "Gaps are normal in a CRM export. The table lists what was missing and what the plan assumed instead, so the CRM owner "
        "can fill the gaps before the next assessment."
    )
    notes = ([str(x) for x in p.inputs.notes] + [str(x) for x in p.seg.notes]
             + [words.note_text(n, p.cur) for n in p.opt.notes])
    warnings = [str(w) for w in p.inputs.warnings]
    return {"gaps_text": text, "gaps_table": table, "notes": notes, "warnings": warnings,
            "warnings_text": (f"{plural(len(warnings), 'warning')} on the workbook: the plan ran, but these inputs will not do what "
                              "the negotiation probably means. Each names its cells.") if warnings else ""}
