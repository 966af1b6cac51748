"""Issue 14 in Excel: the "Compare scenarios" button, and the button run that keeps the previous plan.json.

Runs the adapter on the fake xlwings Book (tests/fake_xlwings.py: a real .xlsm file read and written with openpyxl).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import fake_xlwings as fake
import pytest

from planner.excel import adapter

NOW = dt.datetime(2027, 2, 1, 10, 30)


@pytest.fixture(scope="module")
def small_xlsm(tmp_path_factory) -> Path:
    from planner.excel.build import build_macro_workbook
    from planner.workbook.demo import demo_content
    from planner.workbook.template import write_workbook

    source = write_workbook(tmp_path_factory.mktemp("src") / "small_plan.xlsx", demo_content(n_accounts=300, seed=11))
    xlsm, _ = build_macro_workbook(tmp_path_factory.mktemp("xlsm") / "tier_planner.xlsm", source=source)
    return xlsm


@pytest.fixture()
def book(small_xlsm, tmp_path) -> fake.Book:
    copy = tmp_path / small_xlsm.name
    copy.write_bytes(small_xlsm.read_bytes())
    return fake.Book(copy)


def test_compare_scenarios_button_writes_the_comparison_sheet_and_files(book):
    result = adapter.compare_scenarios(book, now=NOW)
    assert result is not None
    assert [c.name for c in result.columns] == ["Baseline", "CS lead package", "CFO budget", "Digital-first Tier 3"]
    sheet = book.sheets["Scenario comparison"]
    cells = {str(v) for row in sheet.used_range.options(ndim=2).value for v in row if v is not None}
    assert {"Baseline", "CS lead package", "CFO budget", "Digital-first Tier 3"} <= cells
    folder = Path(book.fullname).parent / "reports"
    assert {"scenarios.json", "scenarios.html", "scenarios.pdf"} <= {p.name for p in folder.iterdir()}
    doc = json.loads((folder / "scenarios.json").read_text())
    assert [s["budget"] for s in doc["scenarios"] if s["name"] == "CFO budget"] == [5_000_000]
    prompt, title = book.app._alerts[-1]
    assert title == "TierPlan" and "CFO budget" in prompt and "Scenario comparison" in prompt
    assert "Plan" not in [s.name for s in book.sheets]  # the comparison leaves the plan's result sheets alone


def test_the_button_keeps_the_previous_plan_and_the_report_says_what_changed_since(book):
    assert adapter.run_optimization(book, now=NOW) is not None
    folder = Path(book.fullname).parent / "reports"
    first = json.loads((folder / "plan.json").read_text())
    finance = book.sheets["Finance"]
    grid = finance.used_range.options(ndim=2).value
    row = next(i for i, r in enumerate(grid, start=finance.used_range.row) if r and r[0] == "Annual CS budget")
    finance.range((row, 2)).value = 4_000_000  # typed by hand
    plan = adapter.build_report(book, now=NOW + dt.timedelta(hours=1))
    assert plan is not None and plan.since is not None
    assert json.loads((folder / "plan.previous.json").read_text()) == first
    [change] = plan.since.inputs
    assert (change.sheet, change.key, change.old, change.new) == ("Finance", "budget", 5_400_000, 4_000_000)
    assert change.new_cell == f"Finance!B{row}"
    html = (folder / "tier_plan.html").read_text()
    assert "Since the last plan" in html and "4,000,000" in html
