"""The tier-plan report: one self-contained HTML file and its PDF.

    html = render_html(plan)                       # str: inline CSS and SVG, no scripts, no network
    path = write_pdf(plan, "tier_plan.pdf", page_size="Letter", html=html)  # html: optional, saves rendering twice
    path = write_pdf(plan, "tier_plan.pdf", engine="chromium")  # printed by Edge/Chrome/Chromium (pdf_chromium.py)

Numbers come from the typed plan (the objects plan.json is made from), the words from
planner.report.words; the assumption tables come from ``plan.inputs``. Same plan, same HTML bytes.
"""

from __future__ import annotations

import logging
import tempfile
from functools import lru_cache
from importlib import resources
from pathlib import Path

PAGE_SIZES = ("A4", "Letter")

__all__ = ["render_html", "render_document", "pdf_bytes", "write_pdf", "PAGE_SIZES"]


@lru_cache(maxsize=1)
def _environment():
    import jinja2

    return jinja2.Environment(
        loader=jinja2.PackageLoader("planner.report", "templates"),
        autoescape=True,  # every value is text; the charts and the stylesheet are marked safe where they are built
        undefined=jinja2.StrictUndefined,
        trim_blocks=False,
        lstrip_blocks=False,
        keep_trailing_newline=True,
    )


@lru_cache(maxsize=1)
def _stylesheet() -> str:
    return resources.files("planner.report").joinpath("report.css").read_text(encoding="utf-8")


def _check_page_size(page_size: str) -> str:
    if page_size not in PAGE_SIZES:
        raise ValueError(f"page size {page_size!r} is not one of {', '.join(PAGE_SIZES)}")
    return page_size


def render_html(plan, page_size: str | None = None, charts_beside: bool = True) -> str:
    """The report as one HTML document (printable at ``page_size``, default the plan's option).

    ``charts_beside``: draw the charts in forked children (planner.report.charts.side_by_side); the caller
    turns it off when the second core is taken already (a large plan's results workbook is being written)."""
    from markupsafe import Markup

    from planner.report import charts
    from planner.report.context import build_context

    size = _check_page_size(page_size or getattr(plan.options, "page_size", "A4") or "A4")
    with charts.side_by_side() if charts_beside else charts.one_after_another() as drawn:
        ctx = build_context(plan, page_size=size)
        ctx["css"] = Markup(_stylesheet())
        return drawn.fill(_environment().get_template("report.html.j2").render(**ctx))


class _DropSVGStyleWarnings(logging.Filter):
    """WeasyPrint reads the style attributes of inline SVG as CSS and warns about every SVG property
    (fill, stroke, ...) it does not know as CSS; its SVG renderer still draws them. Keep the user's console clean."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not (message.startswith("Ignored `") and "unknown property" in message)


def _layout(text: str, size: str):
    from weasyprint import CSS, HTML

    logger = logging.getLogger("weasyprint")
    quiet = _DropSVGStyleWarnings()
    logger.addFilter(quiet)
    try:
        return HTML(string=text, base_url=None).render(stylesheets=[CSS(string=f"@page {{ size: {size} !important; }}")])
    finally:
        logger.removeFilter(quiet)


def render_document(plan, page_size: str = "A4", html: str | None = None):
    """The report laid out by WeasyPrint (a ``weasyprint.Document``), ``page_size`` A4 or Letter.

    ``html`` is the report already rendered by :func:`render_html` (any page size), to avoid
    rendering it twice when both files are written.
    """
    size = _check_page_size(page_size)
    return _layout(html if html is not None else render_html(plan, page_size=size), size)


def pdf_bytes(html: str, page_size: str = "A4", engine: str | None = None) -> bytes:
    """The PDF of the report ``html`` (from :func:`render_html`), A4 or Letter, fonts embedded.

    ``engine``: "weasyprint", "chromium" (planner.report.pdf_chromium), or None for WeasyPrint when it
    loads and a Chromium-family browser otherwise; PdfEngineUnavailable when neither can print.
    Needs nothing but the HTML, so a second process can lay it out (planner.pipeline.write_outputs).
    """
    from planner.report.pdf_chromium import choose_engine, print_to_pdf

    size = _check_page_size(page_size)
    chosen, browser = choose_engine(engine)
    if chosen == "chromium":
        with tempfile.TemporaryDirectory(prefix="tierplan-pdf-", ignore_cleanup_errors=True) as tmp:
            out = Path(tmp) / "tier_plan.pdf"
            print_to_pdf(html, out, page_size=size, browser=browser)
            return out.read_bytes()
    data: bytes = _layout(html, size).write_pdf()
    return data


def write_pdf(plan, path, page_size: str = "A4", html: str | None = None, engine: str | None = None) -> Path:
    """Write the report as a PDF at ``path`` (see :func:`pdf_bytes`) and return the path."""
    path = Path(path)
    size = _check_page_size(page_size)
    path.write_bytes(pdf_bytes(html if html is not None else render_html(plan, page_size=size), size, engine))
    return path
