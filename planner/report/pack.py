"""Documents made of the report's parts: the pilot results (`tierplan pilots`) and the quarterly review pack (`tierplan review`).

Each is one self-contained HTML file, printed to PDF by the same engines as the report. The sections are the
report's own (the same words and figures); the review adds what changed since the previous plan and the changes
the evidence supports.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from planner.report import format as fmt
from planner.report.blocks import make_row, make_table

if TYPE_CHECKING:
    from planner.pipeline import Plan
    from planner.review.findings import Review

REVIEW_TITLE = "Quarterly review"
PILOTS_TITLE = "Pilot results"


def pack_as_of(plan: Plan) -> str:
    ops = plan.operations
    if ops is not None:
        return ops.as_of_date.isoformat()
    from planner.operations.for_plan import figures_day

    day = figures_day(plan.inputs)
    return day.isoformat() if day else ""


def _context(plan: Plan, title: str, page_size: str) -> dict:
    from markupsafe import Markup

    from planner.report import _stylesheet
    from planner.report.context import build_context

    ctx = build_context(plan, page_size=page_size)
    ctx["css"] = Markup(_stylesheet())
    ctx["pack_title"] = title
    ctx["as_of"] = pack_as_of(plan)
    ctx["review"] = None
    return ctx


def _changes_table(review: Review, currency: str) -> dict | None:
    from planner.report.review_words import change_delta, change_value

    rows = []
    group = None
    for c in review.changes:
        label = c.label if c.group == group else f"{c.group}: {c.label}"
        group = c.group
        rows.append(make_row(label, change_value(c.before, c.unit, currency), change_value(c.after, c.unit, currency),
                             change_delta(c, currency)))
    if not rows:
        return None
    source = review.previous_source or "the previous plan"
    return make_table(f"Since the previous plan ({source})", [("Figure", False), ("Then", True), ("Now", True), ("Change", True)],
                      rows, widths=[40, 20, 20, 20], compact=True,
                      note="Then: the previous plan's plan.json. Now: this plan, from the workbook as it stands.")


def _proposals(review: Review, currency: str) -> list[dict]:
    from planner.report.review_words import AREA_TITLES, proposal_text

    out = []
    for p in review.proposals:
        finding, evidence, action = proposal_text(p, currency)
        out.append({"area": AREA_TITLES[p.area.value], "subject": p.subject, "finding": finding, "evidence": evidence,
                    "action": action})
    return out


def render_pack_html(plan: Plan, review: Review | None = None, page_size: str = "A4") -> str:
    """The review pack (``review`` given) or the pilot results (``review`` None) as one HTML document."""
    from planner.report import _check_page_size, _environment

    size = _check_page_size(page_size)
    ctx = _context(plan, REVIEW_TITLE if review is not None else PILOTS_TITLE, size)
    if review is not None:
        cur = plan.inputs.finance.currency
        ctx["review"] = {
            "previous": review.previous_source,
            "mismatches": list(review.mismatches),
            "changes": _changes_table(review, cur),
            "proposals": _proposals(review, cur),
            "counts": {"proposals": fmt.count(len(review.proposals))},
        }
    return _environment().get_template("pack.html.j2").render(**ctx)


def write_pack(plan: Plan, out_dir: Path, stem: str, review: Review | None = None, formats=("html", "pdf"),
               page_size: str = "A4", engine: str | None = None, warn=None) -> list[Path]:
    """Write ``<stem>.html`` and ``<stem>.pdf`` in ``out_dir`` (each under a temporary name, then renamed)."""
    from planner.report import write_pdf

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    html = render_pack_html(plan, review, page_size)
    written = []
    if "html" in formats:
        path = out_dir / f"{stem}.html"
        tmp = path.with_name(path.name + ".part")
        tmp.write_text(html, encoding="utf-8")
        tmp.replace(path)
        written.append(path)
    if "pdf" in formats:
        from planner.report.pdf_chromium import PdfEngineUnavailable

        path = out_dir / f"{stem}.pdf"
        tmp = path.with_name(f".{path.stem}.part.pdf")
        try:
            write_pdf(plan, tmp, page_size=page_size, html=html, engine=engine)
        except PdfEngineUnavailable as exc:
            tmp.unlink(missing_ok=True)
            path.unlink(missing_ok=True)  # an older run's PDF would not match this one
            if "html" not in formats:
                written += write_pack(plan, out_dir, stem, review, ("html",), page_size)
            (warn or (lambda text: None))(str(exc))
            return written
        tmp.replace(path)
        written.append(path)
    return written
