"""Acceptance: workbooks edited by hand, tried through the real `tierplan` command as a new user would.

Issue 2 (hand-edited workbooks: columns deleted, text typed into numbers, a tier renamed, a fourth tier, services added
and removed), issue 5 (a workbook with 6 tiers and 25 services through `tierplan plan`) and determinism on a workbook
other than the demo. Variants are built with WorkbookContent + write_workbook, or edited with openpyxl on copies; the
committed workbooks are never written to.
"""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from acceptance_builders import (
    DEMO,
    ROLES,
    ROOT,
    SIX_TIERS,
    add_lowest_tier,
    feasible_demo_content,
    rename_tier,
    six_tier_content,
    tierplan,
    write,
)
from pypdf import PdfReader

from planner import schema
from planner.errors import col_letter
from planner.workbook.defaults import account_columns
from planner.workbook.demo import DEMO_BUDGET, demo_accounts, demo_content

FIRST_DATA_ROW = schema.HEADER_ROW + 1  # sheet row of the first table row


def _lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def _without_warnings(text: str) -> list[str]:
    """validate's lines less its warnings (the demo's negotiated intervals break Keep tier order: warned, not refused)."""
    return [line for line in _lines(text) if not line.startswith("  warning: ") and "warning(s): the plan runs" not in line]


def _cell(sheet: schema.Sheet, key: str, index: int) -> str:
    """Sheet!Cell of row ``index`` (0-based) of a table, column ``key``, in the template's layout."""
    return f"{sheet.name}!{col_letter([c.key for c in sheet.columns].index(key))}{FIRST_DATA_ROW + index}"


def _account_cell(key: str, index: int) -> str:
    return f"Accounts!{col_letter(account_columns().index(key))}{FIRST_DATA_ROW + index}"


def _hand_edit(tmp_path: Path, edit) -> Path:
    """A copy of the committed demo, edited with openpyxl the way a user edits in a spreadsheet program."""
    src = tmp_path / "copy_of_demo.xlsx"
    shutil.copy(DEMO, src)
    wb = openpyxl.load_workbook(src)
    edit(wb)
    out = tmp_path / "edited.xlsx"
    wb.save(out)
    return out


def _refused(r: subprocess.CompletedProcess) -> list[str]:
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert r.stdout == ""
    assert "Traceback" not in r.stderr
    return _lines(r.stderr)


# ------------------------------------------------------------------ columns deleted, text typed into numbers


def test_required_columns_deleted_by_hand_are_named_with_the_columns_still_needed(tmp_path):
    def edit(wb):
        wb["Accounts"].delete_cols(3)  # ARR
        wb["Intervals"].delete_cols(4)  # Hours per occurrence

    r = tierplan("validate", _hand_edit(tmp_path, edit))
    assert _refused(r) == [
        'Intervals row 4: column "Hours per occurrence" is missing (the Intervals table needs columns '
        "Service, Tier, Hours per occurrence, Minimum per year, Negotiated per year, Maximum per year)",
        'Accounts row 4: column "ARR" is missing (the accounts need columns Account ID, Account name, ARR)',
    ]


def test_unreadable_text_in_number_cells_is_refused_cell_by_cell(tmp_path):
    def edit(wb):
        wb["Roles"]["C6"] = "a lot"  # Enterprise CSM's loaded cost
        wb["Intervals"]["F10"] = "4 per year"  # Quarterly business review, Tier 3, negotiated
        wb["SLAs"]["G7"] = "ten minutes"  # Tier 1 Normal, handle time
        wb["Accounts"]["C9"] = "big"  # ARR of the fifth account

    r = tierplan("value", _hand_edit(tmp_path, edit), "--json")
    assert _refused(r) == [
        'Roles!C6: "a lot" is not a number (Loaded annual cost expects an amount per person per year)',
        'Intervals!F10: "4 per year" is not a number (Negotiated per year expects a number per year)',
        'SLAs!G7: "ten minutes" is not a number (Handle time expects a number of minutes)',
        'Accounts!C9: ARR "big" is not a number (ARR expects an amount per year)',
    ]


def test_numbers_typed_as_readable_text_give_the_same_valuation(tmp_path):
    """'190,000', '10%', '5.4M' typed as text read as the numbers they spell: the valuation does not change."""

    def edit(wb):
        wb["Roles"]["C6"] = "190,000"  # Enterprise CSM, 190,000 in the demo
        wb["Tiers"]["D5"] = "10%"  # Tier 1 band min, 10% in the demo
        wb["Finance"]["B5"] = f"{DEMO_BUDGET / 1e6:g}M"  # the demo's budget, typed as e.g. "5.4M"
        wb["Intervals"]["F5"] = "4"  # Executive sponsorship Tier 1 negotiated, 4 in the demo

    edited = tierplan("value", _hand_edit(tmp_path, edit), "--json")
    original = tierplan("value", DEMO, "--json")
    assert edited.returncode == 0 and original.returncode == 0, edited.stderr
    assert json.loads(edited.stdout) == json.loads(original.stdout)
    assert json.loads(edited.stdout)["budget"] == DEMO_BUDGET


# ------------------------------------------------------------------ a tier renamed


def test_tier_renamed_only_on_the_tiers_sheet_names_every_cell_still_using_the_old_name(tmp_path):
    r = tierplan("validate", _hand_edit(tmp_path, lambda wb: wb["Tiers"].__setitem__("A6", "Silver")))
    got = _refused(r)

    content = demo_content()
    known = "(one of Tier 1, Silver, Tier 3)"
    expected = []
    if content.finance["strategic_tier"] == "Tier 2":  # "Strategic accounts at least" names the renamed tier
        expected.append(f'Finance!B{FIRST_DATA_ROW + [s.key for s in schema.FINANCE.settings].index("strategic_tier")}: '
                        f'tier "Tier 2" is not on the Tiers sheet {known}')
    expected += [f'{_cell(schema.INTERVALS, "tier", i)}: tier "Tier 2" is not on the Tiers sheet {known}'
                 for i, row in enumerate(content.intervals) if row["tier"] == "Tier 2"]
    expected += [f'{_cell(schema.SLAS, "tier", i)}: tier "Tier 2" is not on the Tiers sheet {known}'
                 for i, row in enumerate(content.slas) if row["tier"] == "Tier 2"]
    expected += [f'{_cell(schema.SCENARIOS, "tier", i)}: tier "Tier 2" is not on the Tiers sheet {known}'
                 for i, row in enumerate(content.scenarios) if row.get("tier") == "Tier 2"]
    locked = [i for i, t in enumerate(demo_accounts()["locked_tier"]) if t == "Tier 2"]
    expected += [f'{_account_cell("locked_tier", i)}: Locked tier "Tier 2" is not a tier {known}' for i in locked]
    assert len(expected) >= 15 + 3 + len(locked)
    assert sorted(got) == sorted(expected)


@pytest.fixture(scope="module")
def renamed_everywhere(tmp_path_factory):
    """Tier 2 renamed to Silver on every sheet (the CRM export's previous tiers too), planned without the report."""
    folder = tmp_path_factory.mktemp("renamed")
    book = write(folder / "renamed.xlsx", rename_tier(demo_content(), "Tier 2", "Silver"))
    out = folder / "out"
    return book, tierplan("plan", book, "--out", out, "--format", "json,csv"), out


def test_tier_renamed_everywhere_validates_and_the_plan_uses_the_new_name(renamed_everywhere):
    book, r, out = renamed_everywhere
    v = tierplan("validate", book)
    assert v.returncode == 0 and _without_warnings(v.stdout) == [f"{book}: OK (3 tiers, 15 services, {ROLES}, 2,000 accounts, 1 pilot)"]
    assert r.returncode == 0, r.stderr
    plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    assert plan["segmentation"]["tiers"] == ["Tier 1", "Silver", "Tier 3"]
    assert [row["tier"] for row in plan["valuation"]["tiers"]] == ["Tier 1", "Silver", "Tier 3"]
    with open(out / "crm_tiers.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 2_000
    assert {row["Tier"] for row in rows} == {"Tier 1", "Silver", "Tier 3"}
    assert "Tier 2" not in {row["Previous tier"] for row in rows}
    assert "Tier 2" not in (out / "plan.json").read_text(encoding="utf-8")
    assert plan["notes"] == []


def test_previous_tiers_still_named_the_old_way_are_a_note_not_a_refusal(tmp_path):
    """The workbook renamed Tier 2 but the CRM export still says Tier 2: those accounts are treated as new, and validate says so."""
    content = rename_tier(demo_content(), "Tier 2", "Silver")
    old = demo_accounts()["previous_tier"]
    content.accounts["previous_tier"] = old
    book = write(tmp_path / "half_renamed.xlsx", content)
    r = tierplan("validate", book)
    assert r.returncode == 0, r.stderr
    where = [_account_cell("previous_tier", i).split("!")[1] for i in old.index[old == "Tier 2"]]
    n = len(where)
    assert _without_warnings(r.stdout) == [
        f"{book}: OK (3 tiers, 15 services, {ROLES}, 2,000 accounts, 1 pilot)",
        "1 note(s) on the data; the run goes on with the assumption stated:",
        f"  note: Accounts!{', '.join(where[:5])} and {n - 5} more: Previous tier \"Tier 2\" on {n} accounts is not a tier now "
        "(treated as new accounts; tiers are Tier 1, Silver, Tier 3)",
    ]


# ------------------------------------------------------------------ a fourth tier


def test_fourth_tier_without_interval_rows_says_which_rows_are_missing(tmp_path):
    book = write(tmp_path / "four.xlsx", add_lowest_tier(demo_content(), "Tier 4", intervals=False))
    assert _refused(tierplan("validate", book)) == [
        'Intervals: tier "Tier 4" has no rows (add a row for each of the 15 services in tier Tier 4; enter 0 per year if it gets none)'
    ]


def test_fourth_tier_with_some_interval_rows_names_each_missing_service(tmp_path):
    content = add_lowest_tier(demo_content(), "Tier 4")
    dropped = ("Training", "Renewal")
    content.intervals = [r for r in content.intervals if not (r["tier"] == "Tier 4" and r["service"] in dropped)]
    assert _refused(tierplan("validate", write(tmp_path / "four.xlsx", content))) == [
        f'Intervals: no row for service "{s}" in tier "Tier 4" '
        "(every service needs a row per tier; enter 0 per year if the tier gets none)"
        for s in dropped
    ]


@pytest.fixture(scope="module")
def four_tiers(tmp_path_factory):
    folder = tmp_path_factory.mktemp("four")
    content = add_lowest_tier(feasible_demo_content(), "Tier 4")
    book = write(folder / "four.xlsx", content)
    out = folder / "out"
    return content, book, tierplan("plan", book, "--out", out, "--format", "html,json,csv"), out


def test_fourth_tier_is_valued_like_the_rows_it_was_given(four_tiers):
    content, book, _, _ = four_tiers
    v = tierplan("validate", book)
    assert v.returncode == 0 and _lines(v.stdout)[0] == f"{book}: OK (4 tiers, 15 services, {ROLES}, 2,000 accounts, 1 pilot)"
    r = tierplan("value", book, "--json")
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    assert [t["tier"] for t in report["tiers"]] == ["Tier 1", "Tier 2", "Tier 3", "Tier 4"]
    assert len(report["services"]) == 15 * 4
    per = {(s["service"], s["tier"]): s for s in report["services"]}
    for svc in content.services:  # Tier 4 was given Tier 3's rows, so each service costs the same there
        a, b = per[(svc["name"], "Tier 3")], per[(svc["name"], "Tier 4")]
        assert b["annual_cost_per_account"] == pytest.approx(a["annual_cost_per_account"], rel=1e-12)
        assert b["asv_per_account"] == pytest.approx(a["annual_cost_per_account"] * 1.30, rel=1e-12)


def test_fourth_tier_is_planned_and_reported(four_tiers):
    _, _, r, out = four_tiers
    assert r.returncode == 0, r.stderr
    plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    tiers = ["Tier 1", "Tier 2", "Tier 3", "Tier 4"]
    seg = plan["segmentation"]
    assert seg["tiers"] == tiers
    assert sum(seg["counts"].values()) == 2_000
    assert all(seg["counts"][t] > 0 for t in tiers)
    assert plan["optimization"]["status"] == "optimal"
    assert {row["tier"] for row in plan["optimization"]["intervals"]} == set(tiers)
    with open(out / "crm_tiers.csv", encoding="utf-8", newline="") as fh:
        assert {row["Tier"] for row in csv.DictReader(fh)} == set(tiers)
    html = (out / "tier_plan.html").read_text(encoding="utf-8")
    for t in tiers:
        assert f'<th scope="row">{t}</th>' in html, t
    assert "4 tiers" in html


# ------------------------------------------------------------------ services added and removed


def test_service_added_and_another_removed_are_valued(tmp_path):
    content = demo_content()
    content.services.append(dict(content.services[7], name="Community forum", definition="A moderated user community.",
                                 role="Digital", direct_cost=0.5, mandatory="No"))
    for tier in ("Tier 1", "Tier 2", "Tier 3"):
        content.intervals.append({"service": "Community forum", "tier": tier, "role": None, "hours": 0,
                                  "minimum": 0, "negotiated": 4, "maximum": 12})
    content.services = [s for s in content.services if s["name"] != "Program management"]
    content.intervals = [r for r in content.intervals if r["service"] != "Program management"]
    book = write(tmp_path / "services.xlsx", content)
    r = tierplan("value", book, "--json")
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    names = [s["service"] for s in report["services"]]
    assert "Program management" not in names and names.count("Community forum") == 3
    forum = [s for s in report["services"] if s["service"] == "Community forum"]
    for s in forum:  # automated: no hours, 0.50 direct cost, 4 a year, 30% margin
        assert s["cost_per_occurrence"] == pytest.approx(0.5)
        assert s["annual_cost_per_account"] == pytest.approx(2.0)
        assert s["asv_per_account"] == pytest.approx(2.6)


def test_service_removed_from_the_catalog_only_names_its_interval_rows(tmp_path):
    content = demo_content()
    content.services = [s for s in content.services if s["name"] != "Upsell"]
    rows = [i for i, r in enumerate(content.intervals) if r["service"] == "Upsell"]
    catalog = ", ".join(s["name"] for s in content.services)
    assert _refused(tierplan("validate", write(tmp_path / "no_upsell.xlsx", content))) == [
        f'{_cell(schema.INTERVALS, "service", i)}: service "Upsell" is not on the Services sheet (one of {catalog})'
        for i in rows
    ]


# ------------------------------------------------------------------ six tiers, 25 services, through `tierplan plan`


@pytest.fixture(scope="module")
def six_tiers(tmp_path_factory):
    """The 6-tier, 25-service workbook planned twice at the same time: every file once, then again without the PDF."""
    folder = tmp_path_factory.mktemp("six")
    book = write(folder / "six tiers.xlsx", six_tier_content(budget=30_000_000))
    before = book.read_bytes()
    runs = []
    for name, formats in (("first", None), ("second", "html,xlsx,csv,json")):
        out = folder / name
        args = [sys.executable, "-m", "planner", "plan", str(book), "--out", str(out)] + (["--format", formats] if formats else [])
        runs.append((out, subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)))
    results = []
    for out, proc in runs:
        stdout, stderr = proc.communicate(timeout=900)
        results.append((out, proc.returncode, stdout, stderr))
    return book, before, results


def test_six_tiers_25_services_validate(six_tiers):
    book, _, _ = six_tiers
    r = tierplan("validate", book)
    assert r.returncode == 0 and _without_warnings(r.stdout) == [f"{book}: OK (6 tiers, 25 services, {ROLES}, 1,500 accounts)"]


def test_six_tiers_25_services_plan_writes_every_file_and_reports_every_tier(six_tiers):
    book, before, [(out, code, stdout, stderr), _] = six_tiers
    assert code == 0, stderr
    assert "Traceback" not in stderr
    for name in ("tier_plan.html", "tier_plan.pdf", "tier_plan_results.xlsx", "crm_tiers.csv", "plan.json"):
        assert (out / name).stat().st_size > 0
        assert f"Wrote {out / name}" in stdout
    assert book.read_bytes() == before

    plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    assert plan["segmentation"]["tiers"] == list(SIX_TIERS)
    assert sum(plan["segmentation"]["counts"].values()) == 1_500
    assert plan["optimization"]["status"] == "optimal"
    assert plan["optimization"]["within_budget"] is True
    assert plan["optimization"]["model_size"]["services_x_tiers"] == 150
    assert {(r["service"], r["tier"]) for r in plan["optimization"]["intervals"]} == {
        (s["name"], t) for s in six_tier_content(10).services for t in SIX_TIERS
    }

    html = (out / "tier_plan.html").read_text(encoding="utf-8")
    pdf_text = "\n".join(page.extract_text() for page in PdfReader(out / "tier_plan.pdf").pages)
    for tier in SIX_TIERS:
        assert f'<th scope="row">{tier}</th>' in html, tier
        assert tier in pdf_text, tier
    assert "6 tiers" in html
    for service in ("Security review", "Product feedback session", "Community forum"):
        assert service in html and service in pdf_text

    wb = openpyxl.load_workbook(out / "tier_plan_results.xlsx", read_only=True)
    for sheet in ("Plan", "Headcount", "Account tiers", "Sensitivity", "Frontier"):
        assert sheet in wb.sheetnames
    wb.close()
    with open(out / "crm_tiers.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 1_500 and {row["Tier"] for row in rows} <= set(SIX_TIERS)


@pytest.mark.parametrize("name", ["plan.json", "crm_tiers.csv", "tier_plan_results.xlsx", "tier_plan.html"])
def test_six_tier_workbook_planned_twice_gives_the_same_bytes(six_tiers, name):
    _, _, [(first, code1, _, err1), (second, code2, _, err2)] = six_tiers
    assert code1 == 0 and code2 == 0, (err1, err2)
    assert (first / name).read_bytes() == (second / name).read_bytes()
