"""`tierplan validate` warns before it is too late: exit 0, one line per warning, each naming its cells.

The demo's figures are worked by hand from planner/workbook/defaults.py. The Intervals table's header is on
row 4 and its rows go service by service (catalog order), tier by tier: Executive sponsorship rows 5-7,
Quarterly business review 8-10, Proactive communications 11-13, Assigned CSM 14-16, Assigned technical
resource 17-19, Adoption monitoring 20-22; column F is "Negotiated per year". On the Services sheet (header
row 4, catalog order) Adoption monitoring is row 10 and column H is "Keep tier order".
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from planner.segmentation import segment
from planner.validation import coverage_warnings
from planner.workbook.demo import demo_content
from planner.workbook.reader import read_inputs
from planner.workbook.table_extents import read_table_extents
from planner.workbook.template import write_workbook

DEMO = Path(__file__).resolve().parent.parent / "workbooks" / "tierplan_demo.xlsx"


def tierplan(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "planner", *args], capture_output=True, text=True, timeout=600,
                          env={**os.environ, "NO_COLOR": "1"})


@pytest.fixture(scope="module")
def demo_validate():
    return tierplan("validate", str(DEMO))


def test_validate_lists_the_demos_warnings_one_line_each_and_exits_0(demo_validate):
    run = demo_validate
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    # the demo also names its ticket export and holds a pilot: the count line goes on with them
    assert lines[0].startswith(f"{DEMO}: OK (3 tiers, 15 services, 7 roles, 2,000 accounts, ")
    assert lines[1] == "7 warning(s): the plan runs, but check these before relying on it:"
    warnings = [x for x in lines if x.startswith("  warning: ")]
    assert len(warnings) == 7
    # Adoption monitoring is negotiated 12 / 4 / 12 (defaults.py): Tier 2 sits below Tier 3, and min_cost lifts it to 12
    assert ("  warning: Intervals!F20, Intervals!F21, Intervals!F22: Adoption monitoring is negotiated 12, 4, 12 a year in "
            "Tier 1, Tier 2, Tier 3, against its Keep tier order (Services!H10): Tier 2 (4) below Tier 3 (12) "
            "(min_cost raises Tier 2 to 12; negotiate the higher tiers at least as high, or set Keep tier order to No)") in warnings
    # the six services whose negotiated Tier 2 is below Tier 3 (defaults.py): 12/6/12, 12/4/12, 4/2/6, 2/1/2, 12/4/12, 2/1/2
    keep = [x for x in warnings if "against its Keep tier order" in x]
    assert [x.split(" is negotiated ")[0].split(": ")[-1] for x in keep] == [
        "Proactive communications", "Adoption monitoring", "Best practice advice", "Training", "Support case monitoring", "Upsell"]
    # Best practice advice 4/2/6: min_cost lifts Tier 2 to 6, and then Tier 1 (4) to 6 as well
    assert "min_cost raises Tier 1 to 6, Tier 2 to 6;" in keep[2]


def test_a_coverage_ratio_that_adds_a_person_for_four_accounts_is_named(demo_validate):
    # TAM in Tier 1: 79 accounts at 25 per person = 3.16, so 4 TAMs; their hours at the negotiated intervals are
    # Assigned technical resource 12 a year x 2 hours x 79 accounts = 1,896 h / 1,326 h = 1.43, so 2. The 4th TAM covers
    # 79 - 75 = 4 accounts (16% of a book) at 190,000 x 1.2 = 228,000 a year; 27 per person covers 79 with 3 (81).
    line = next(x for x in demo_validate.stdout.splitlines() if "TAM covers" in x)
    assert line == ("  warning: Roles!E9: TAM covers at most 25 accounts per person, so Tier 1's 79 accounts need 4 people, while "
                    "their hours at the negotiated intervals need 2: the last person covers 4 accounts (16% of a book) and costs "
                    "228,000 USD a year (a ratio of 27 would cover them with 3; or keep the extra person on purpose)")


def test_a_ratio_that_fills_the_last_book_raises_no_warning(tmp_path):
    # 27 per person: 3 TAMs for 79 accounts, the last covers 79 - 54 = 25 (93% of a book)
    c = demo_content()
    next(r for r in c.roles if r["name"] == "TAM")["max_accounts"] = 27
    inputs = read_inputs(write_workbook(tmp_path / "tam27.xlsx", c))
    assert [w for w in inputs.warnings if w.kind == "coverage"] == []


def test_validate_json_carries_warnings_apart_from_notes(tmp_path):
    run = tierplan("validate", str(DEMO), "--json")
    assert run.returncode == 0, run.stderr
    doc = json.loads(run.stdout)
    assert doc["ok"] is True
    kinds = [w["kind"] for w in doc["warnings"]]
    assert kinds.count("keep_order") == 6 and kinds.count("coverage") == 1
    adoption = next(w for w in doc["warnings"] if w["message"].startswith("Adoption monitoring"))
    assert adoption["cells"] == ["Intervals!F20", "Intervals!F21", "Intervals!F22", "Services!H10"]
    assert all("warning" not in n["text"] for n in doc["notes"])


# ------------------------------------------------------------------ values outside the tables


@pytest.fixture(scope="module")
def edited_demo(tmp_path_factory):
    """The demo with an account typed under the Accounts table, a signal column beside it, and a note beside the Tiers table."""
    folder = tmp_path_factory.mktemp("outside")
    book = write_workbook(folder / "demo.xlsx", demo_content())
    wb = openpyxl.load_workbook(book)
    acc = wb["Accounts"]
    # the table spans A4:AH2004 (header row 4, 2,000 accounts, 34 columns with the outcome columns): row 2005 is below
    # it, column AI beside it
    for col, value in zip("ABC", ("ACC-009999", "Typed Below Ltd", 50_000)):
        acc[f"{col}2005"] = value
    acc["AI4"] = "NPS"
    for r in range(5, 9):
        acc[f"AI{r}"] = 40 + r
    wb["Tiers"]["K6"] = "ask Finance"  # the Tiers table spans A4:J7 (J is the play), so K is beside it
    wb.save(book)
    return book


def test_the_tables_ranges_are_read_from_the_workbook(edited_demo):
    extents = {e.name: e.ref for e in read_table_extents(edited_demo)}
    assert extents["AccountsTable"] == "A4:AH2004"
    assert extents["TiersTable"] == "A4:J7"
    assert extents["IntervalsTable"] == "A4:K49"


def test_values_below_or_beside_a_table_are_warned_about_with_their_cells(edited_demo):
    inputs = read_inputs(edited_demo)
    assert len(inputs.accounts) == 2_001  # TierPlan reads the row under the table; the sheet's formulas count 2,000
    outside = [str(w) for w in inputs.warnings if w.kind == "outside_table"]
    assert outside == [
        "Tiers!K6: values in 1 column beside the table TiersTable (A4:J7): neither TierPlan nor the workbook's formulas read "
        "them (extend the table over them (drag its corner, or Table Design > Resize Table) or delete them)",
        "Accounts!A2005:C2005: 1 row typed below the table AccountsTable (A4:AH2004): TierPlan reads them as accounts, but the "
        "Summary and its Placement sheet do not (extend the table over them (drag its corner, or Table Design > Resize Table) "
        "or delete them)",
        'Accounts!AI4:AI8: values in 1 column beside the table AccountsTable (A4:AH2004): TierPlan reads AI "NPS", but the '
        "workbook's formulas (the Summary, its helper sheets) do not: the sheet and the plan will not count the same "
        "(extend the table over them (drag its corner, or Table Design > Resize Table) or delete them)",
    ]


def test_the_demo_has_nothing_outside_its_tables_and_every_tier_has_slas():
    inputs = read_inputs(DEMO)
    assert {w.kind for w in inputs.warnings} == {"keep_order", "coverage"}


def test_coverage_rule_counts_the_plans_accounts():
    inputs = read_inputs(DEMO)
    stats = segment(inputs).tier_stats()
    assert int(stats.set_index("tier").loc["Tier 1", "accounts"]) == 79
    assert [w.cells for w in coverage_warnings(inputs, stats)] == [("Roles!E9",)]
