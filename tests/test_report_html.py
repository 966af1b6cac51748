"""The HTML report: one self-contained file, opened in a real browser (Debian's Chromium via Playwright).

The plans come from the real pipeline on the real demo workbook; the hostile
plan is the demo with one account and one tier renamed to markup.
"""

from __future__ import annotations

import dataclasses
import json
import re
import subprocess

import pytest
from pypdf import PdfReader

from planner.report import render_html, write_pdf
from planner.report.context import SECTIONS

pytestmark = pytest.mark.slow

SCRIPT_NAME = "<script>alert(1)</script>"
TIER_NAME = "<b>T1</b>"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


# ----------------------------------------------------------------- plans


@pytest.fixture(scope="module")
def demo_inputs(tmp_path_factory):
    from planner.workbook.demo import write_demo
    from planner.workbook.reader import read_inputs

    book = tmp_path_factory.mktemp("demo") / "demo.xlsx"
    write_demo(book)
    return read_inputs(book)


@pytest.fixture(scope="module")
def demo_plan(demo_inputs):
    from planner.pipeline import build_plan

    return build_plan(demo_inputs)


def rename_tier(inputs, old: str, new: str):
    """The same inputs with one tier renamed everywhere it is referred to."""
    r = dataclasses.replace
    accounts = inputs.accounts.copy()
    for col in ("previous_tier", "locked_tier"):
        accounts[col] = accounts[col].map(lambda v: new if v == old else v)
    fin = inputs.finance
    return r(
        inputs,
        tiers=tuple(r(t, name=new) if t.name == old else t for t in inputs.tiers),
        intervals=tuple(r(i, tier=new) if i.tier == old else i for i in inputs.intervals),
        slas=tuple(r(s, tier=new) if s.tier == old else s for s in inputs.slas),
        finance=r(fin, strategic_tier=new if fin.strategic_tier == old else fin.strategic_tier),
        accounts=accounts,
    )


@pytest.fixture(scope="module")
def hostile_plan(demo_inputs):
    """The demo with its first tier called <b>T1</b> and its largest account called <script>alert(1)</script>.

    The account gets the lowest tier as its previous tier, so it moves and the report lists it among the movers."""
    from planner.pipeline import build_plan

    inputs = rename_tier(demo_inputs, demo_inputs.tiers[0].name, TIER_NAME)
    accounts = inputs.accounts.copy()
    biggest = accounts["arr"].astype(float).idxmax()
    accounts.loc[biggest, "name"] = SCRIPT_NAME
    accounts.loc[biggest, "previous_tier"] = inputs.tiers[-1].name
    accounts.loc[biggest, "previous_score"] = float("nan")
    return build_plan(dataclasses.replace(inputs, accounts=accounts))


@pytest.fixture(scope="module")
def html(demo_plan) -> str:
    return render_html(demo_plan)


@pytest.fixture(scope="module")
def hostile_html(hostile_plan) -> str:
    return render_html(hostile_plan)


# ----------------------------------------------------------------- browser


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield b
        b.close()


def open_in_browser(browser, html: str, tmp_path, width: int = 1366, height: int = 900):
    """Open the report from a file, as a user would; record console messages, page errors, dialogs and requests."""
    path = tmp_path / "tier_plan.html"
    path.write_text(html, encoding="utf-8")
    page = browser.new_page(viewport={"width": width, "height": height})
    log = {"console": [], "errors": [], "dialogs": [], "requests": []}
    page.on("console", lambda m: log["console"].append((m.type, m.text)))
    page.on("pageerror", lambda e: log["errors"].append(str(e)))
    page.on("dialog", lambda d: (log["dialogs"].append(d.message), d.dismiss()))
    page.on("request", lambda r: log["requests"].append(r.url))
    page.route(re.compile(r"^(?!file:).*"), lambda route: route.abort())  # nothing may leave the machine
    page.goto(path.as_uri(), wait_until="load")
    return page, log, path.as_uri()


# ----------------------------------------------------------------- the file itself


def test_html_is_one_self_contained_file(html):
    lowered = html.lower()
    for needle in ("<script", "<link", "<img", "<iframe", "<object", "@import", " src=", "url(http", "url(//"):
        assert needle not in lowered, f"{needle!r} in the report"
    # the only absolute URLs are XML namespace names inside the inline SVGs, which are never fetched
    urls = set(re.findall(r"https?://[^\s\"'<>)]+", html))
    assert urls <= {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}, urls
    assert html.count("<svg") == 7  # five plan charts, retention by tier, the pilot's difference
    assert "<style>" in html and "@page" in html


def test_same_plan_renders_the_same_bytes(demo_plan, html):
    assert render_html(demo_plan).encode("utf-8") == html.encode("utf-8")


def test_charts_drawn_in_children_are_the_charts_drawn_here(demo_plan, html):
    from planner import sidebyside
    from planner.report import charts

    assert sidebyside.can_fork()  # on Linux every chart of the report comes from a forked child
    # drawn one after the other in this process: the same page, chart for chart
    inline = render_html(demo_plan, charts_beside=False)
    assert inline == html
    assert "tierplan-chart" not in html
    args = (["A", "B"], [1.0, 2.0], [3.0, 4.0], "$")
    with charts.side_by_side() as drawn:
        marker = charts.cost_vs_value_by_tier(*args)
        assert marker == '<tierplan-chart n="0"/>'
    assert drawn.fill(f"<p>{marker}</p>") == f"<p>{charts.cost_vs_value_by_tier(*args)}</p>"
    with charts.side_by_side() as drawn:
        broken = charts.cost_vs_value_by_tier(["A", "B"], ["x", "y"], [3.0, 4.0], "$")  # no error yet: a child draws it
        assert broken == '<tierplan-chart n="0"/>'
        with pytest.raises(TypeError):  # the child's own error, raised here when its chart is asked for
            drawn.fill(broken)
    with charts.side_by_side(), charts.one_after_another() as here:  # the inner block draws in place
        assert charts.cost_vs_value_by_tier(*args).startswith('<svg class="chart"')
        assert here.fill("x") == "x"


def test_svg_ids_are_unique_and_every_reference_resolves(html):
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})
    refs = set(re.findall(r'url\(#([^)]+)\)', html)) | set(re.findall(r'href="#([^"]+)"', html))
    assert refs, "charts use clip paths and markers; none found"
    assert refs <= set(ids), refs - set(ids)


# ----------------------------------------------------------------- in the browser


def test_chromium_opens_it_without_errors_and_without_network(browser, html, tmp_path):
    page, log, url = open_in_browser(browser, html, tmp_path)
    try:
        headings = page.locator("h2").all_inner_texts()
        assert headings == list(SECTIONS.values())
        assert [m for m in log["console"] if m[0] in ("error", "warning")] == []
        assert log["errors"] == []
        assert log["requests"] == [url]
        # the charts are drawn at a readable size
        sizes = page.evaluate("[...document.querySelectorAll('svg.chart')].map(s => s.getBoundingClientRect().width)")
        assert len(sizes) == 7 and min(sizes) > 500
        # readable on a laptop: nothing forces the page to scroll sideways
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    finally:
        page.close()


def test_tables_are_accessible(browser, html, tmp_path):
    page, _log, _url = open_in_browser(browser, html, tmp_path)
    try:
        report = page.evaluate(
            """() => [...document.querySelectorAll('table')].map(t => ({
                caption: (t.caption && t.caption.textContent.trim()) || '',
                colHeaders: [...t.querySelectorAll('thead th')].map(th => th.getAttribute('scope')),
                rowHeaders: [...t.querySelectorAll('tbody th')].map(th => th.getAttribute('scope')),
                bodyRows: t.tBodies[0].rows.length,
            }))"""
        )
    finally:
        page.close()
    assert len(report) >= 15
    for t in report:
        assert t["caption"], "a table without a caption"
        assert t["colHeaders"] and set(t["colHeaders"]) == {"col"}, t
        assert set(t["rowHeaders"]) <= {"row"}, t


def test_hostile_names_are_shown_as_typed_and_never_run(browser, hostile_html, tmp_path):
    assert SCRIPT_NAME not in hostile_html and TIER_NAME not in hostile_html  # escaped in the source
    page, log, _url = open_in_browser(browser, hostile_html, tmp_path)
    try:
        assert page.evaluate("document.querySelectorAll('script').length") == 0
        assert page.evaluate("document.querySelectorAll('b').length") == 0
        assert log["dialogs"] == [] and log["errors"] == []
        text = page.evaluate("document.body.innerText")
        assert SCRIPT_NAME in text
        assert TIER_NAME in text
        # chart labels (SVG text from matplotlib) carry the tier name as text, too
        svg_text = page.evaluate("[...document.querySelectorAll('svg text')].map(t => t.textContent)")
        assert TIER_NAME in svg_text
        cells = page.evaluate("[...document.querySelectorAll('td, th')].map(c => c.textContent)")
        assert SCRIPT_NAME in cells and TIER_NAME in cells
    finally:
        page.close()


def test_hostile_names_print_as_text_in_a_letter_pdf(hostile_plan, hostile_html, tmp_path):
    """The HTML was rendered for A4; write_pdf's page size wins (Letter: 612 x 792 pt on every page)."""
    pdf = write_pdf(hostile_plan, tmp_path / "hostile.pdf", page_size="Letter", html=hostile_html)
    for page in PdfReader(pdf).pages:
        assert (float(page.mediabox.width), float(page.mediabox.height)) == pytest.approx((612.0, 792.0), abs=0.5)
    text = subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    joined = re.sub(r"\s+", "", text)  # a narrow column may wrap the name
    assert SCRIPT_NAME in joined
    assert TIER_NAME in joined


# ----------------------------------------------------------------- a budget that is too small


@pytest.fixture(scope="module")
def tight_plan(demo_inputs):
    """The demo with half its budget: no plan fits."""
    from planner.pipeline import PlanOptions, build_plan

    return build_plan(demo_inputs, PlanOptions(budget=demo_inputs.finance.budget / 2))


def test_an_infeasible_plan_says_so_first_with_the_smallest_budget_that_works(browser, tight_plan, tmp_path):
    plan = json.loads(json.dumps(tight_plan.to_dict()))
    opt = plan["optimization"]
    assert opt["status"] == "infeasible"
    page, log, _url = open_in_browser(browser, render_html(tight_plan), tmp_path)
    try:
        first = page.evaluate("document.getElementById('h-summary').nextElementSibling.className")
        status = page.locator("#summary .status").inner_text()
    finally:
        page.close()
    assert log["errors"] == []
    assert first == "status infeasible"
    half = f"${plan['summary']['budget']:,.0f}"
    assert status.startswith(f"No plan meets every requirement within the budget of {half}.")
    smallest = (opt["infeasibility"] or {}).get("smallest_budget")
    if smallest is not None:
        assert f"The smallest budget that works is ${smallest:,.0f}" in status
    else:
        assert "No budget alone makes it possible" in status


# ----------------------------------------------------------------- the summary's sentences


def _money(value: float) -> str:
    return f"${value:,.0f}"


def _summary_context(plan):
    from planner.report.context import build_context

    return build_context(plan)


def _asv_sentence(plan_dict: dict, margin: float) -> str:
    asv = plan_dict["optimization"]["assessed_service_value"]
    return (f"Their Assessed Service Value is {_money(asv)}: the services' own time and direct cost ({_money(asv / (1 + margin))}) "
            f"plus the {margin:.0%} margin. It leaves out support staffing and the spare hours of people hired whole or for "
            f"coverage, which the {_money(plan_dict['summary']['total_cost'])} includes.")


def test_feasible_summary_says_what_assessed_service_value_covers(demo_plan):
    d = json.loads(json.dumps(demo_plan.to_dict()))
    ctx = _summary_context(demo_plan)
    text = ctx["summary_text"]
    assert d["summary"]["status"] == "optimal"
    assert _asv_sentence(d, demo_plan.inputs.finance.margin) in text
    assert "priced at cost plus" not in text
    assert ctx["status"]["ways_out"] == []
    asv_kpi = next(k for k in ctx["kpis"] if k["label"] == "Assessed Service Value")
    assert asv_kpi["note"] == "service time and direct cost + 30% margin"
    assert len(ctx["trade_offs"]) == 3 and ctx["trade_offs_heading"] == "Three trade-offs to decide on"
    assert not any(" USD" in t for t in ctx["trade_offs"])  # amounts in the report's money format


def test_infeasible_summary_explains_value_below_cost_and_offers_one_way_out_as_one(tight_plan):
    d = json.loads(json.dumps(tight_plan.to_dict()))
    inf, opt = d["optimization"]["infeasibility"], d["optimization"]
    assert d["summary"]["mode"] == "max_value" and inf["extra_headcount_total"] and not inf["relaxations"]
    ctx = _summary_context(tight_plan)
    st = ctx["status"]
    # the value is below the plan's cost, and the summary says why
    assert opt["assessed_service_value"] < d["summary"]["total_cost"]
    assert _asv_sentence(d, tight_plan.inputs.finance.margin) in ctx["summary_text"]
    # the cheapest plan's cost, broken down from plan.json's cost_breakdown (formatted, not repeated from the optimizer's words)
    b = opt["cost_breakdown"]
    people = round(sum(r["people"] for r in opt["headcount"]))
    assert st["details"] == [
        f"The figures below are the cheapest plan that meets every requirement. It costs {_money(d['summary']['total_cost'])}: "
        f"{people} people at {_money(b['people'])} (support queues take {_money(b['support'])} of that) and "
        f"{_money(b['direct_services'])} of direct service costs."
    ]
    named = [f"{n} {k}" for k, n in inf["extra_headcount"].items()]
    extra = ", ".join(named[:-1]) + " and " + named[-1] if len(named) > 1 else named[0]
    assert st["ways_intro"] == "Another way to make a plan possible:"
    assert len(st["ways_out"]) == 1
    assert st["ways_out"] == [f"Keep the budget and fund {inf['extra_headcount_total']} more people from elsewhere: {extra}."]
    html_text = render_html(tight_plan)
    assert "Ways to make a plan possible" not in html_text and "Or fund" not in html_text
    assert '<span class="status-line">Another way to make a plan possible:</span>' in html_text
    assert ctx["trade_offs_heading"] == {1: "The trade-off to decide on", 2: "Two trade-offs to decide on",
                                         3: "Three trade-offs to decide on"}[len(ctx["trade_offs"])]


@pytest.fixture(scope="module")
def min_cost_plan(demo_inputs):
    """The demo in min_cost mode: the negotiated intervals with whole people, coverage and support need more than the budget."""
    from planner.pipeline import PlanOptions, build_plan

    return build_plan(demo_inputs, PlanOptions(mode="min_cost"))


def test_min_cost_over_budget_lists_each_way_out_without_a_leading_or(min_cost_plan):
    d = json.loads(json.dumps(min_cost_plan.to_dict()))
    inf = d["optimization"]["infeasibility"]
    assert d["summary"]["status"] == "infeasible" and inf["smallest_budget"] > d["summary"]["budget"]
    ctx = _summary_context(min_cost_plan)
    st = ctx["status"]
    assert st["headline"] == (f"No plan meets every requirement within the budget of {_money(d['summary']['budget'])}. The smallest "
                              f"budget that works is {_money(inf['smallest_budget'])}, {_money(inf['budget_shortfall'])} more.")
    assert st["ways_intro"] == "Other ways to make a plan possible (any one of them is enough):"
    assert ("Run in max_value mode, where intervals may move between their minimum and maximum, to see what "
                                  "to give up to stay within the budget.") in st["ways_out"]
    assert len(st["ways_out"]) == 1 + bool(inf["extra_headcount_total"]) + len(inf["relaxations"])
    assert not any(w.startswith("Or ") for w in st["ways_out"])
    assert _asv_sentence(d, min_cost_plan.inputs.finance.margin) in ctx["summary_text"]
    html_text = render_html(min_cost_plan)
    assert html_text.count('<ul class="ways-out">') == 1
