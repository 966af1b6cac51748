"""`tierplan plan` end to end on the demo: every file, BOOK untouched, same workbook -> same plan."""

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "workbooks" / "tierplan_demo.xlsx"
FILES = ("tier_plan.html", "tier_plan.pdf", "tier_plan_results.xlsx", "crm_tiers.csv", "plan.json")


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    before = _sha(DEMO)
    outs = []
    for name in ("first", "second"):
        out = tmp_path_factory.mktemp(name)
        r = subprocess.run([sys.executable, "-m", "planner", "plan", str(DEMO), "--out", str(out)],
                           capture_output=True, text=True, timeout=900)
        assert r.returncode == 0, r.stderr
        outs.append((out, r))
    return before, outs


def test_plan_writes_every_file(two_runs):
    _, [(out, r), _] = two_runs
    for name in FILES:
        assert (out / name).stat().st_size > 0, name
        assert f"Wrote {out / name}" in r.stdout
    assert "Traceback" not in r.stderr


def test_plan_never_modifies_the_workbook(two_runs):
    before, _ = two_runs
    assert _sha(DEMO) == before


@pytest.mark.parametrize("name", ["plan.json", "crm_tiers.csv", "tier_plan_results.xlsx", "tier_plan.html", "tier_plan.pdf"])
def test_same_workbook_gives_the_same_bytes(two_runs, name):
    _, [(a, _), (b, _)] = two_runs
    assert (a / name).read_bytes() == (b / name).read_bytes()


def test_plan_json_summary_agrees_with_its_parts(two_runs):
    _, [(out, _), _] = two_runs
    plan = json.loads((out / "plan.json").read_text())
    assert plan["schema_version"] == 1
    assert plan["source"] == "tierplan_demo.xlsx"
    assert plan["summary"]["accounts"] == 2000
    assert plan["summary"]["status"] == plan["optimization"]["status"]
    assert plan["summary"]["total_cost"] == plan["optimization"]["total_cost"]
    crm_rows = (out / "crm_tiers.csv").read_text(encoding="utf-8").splitlines()
    assert len(crm_rows) == 2001


def test_format_subset_writes_only_those_files(tmp_path):
    r = subprocess.run([sys.executable, "-m", "planner", "plan", str(DEMO), "--out", str(tmp_path), "--format", "json,csv"],
                       capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["crm_tiers.csv", "outreach.csv", "plan.json"]  # the demo has tickets: its outreach list is a CSV too


def test_write_back_adds_result_sheets_and_keeps_a_backup(tmp_path):
    import shutil
    import zipfile

    from python_calamine import CalamineWorkbook

    book = tmp_path / "my plan.xlsx"
    shutil.copy(DEMO, book)
    r = subprocess.run([sys.executable, "-m", "planner", "plan", str(book), "--out", str(tmp_path / "out"),
                        "--format", "json", "--write-back"], capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr
    backups = sorted(tmp_path.glob("my plan.backup-*.xlsx"))
    assert len(backups) == 1
    assert backups[0].read_bytes() == DEMO.read_bytes()
    names = CalamineWorkbook.from_path(str(book)).sheet_names
    assert names[: len(CalamineWorkbook.from_path(str(DEMO)).sheet_names)] == CalamineWorkbook.from_path(str(DEMO)).sheet_names
    for sheet in ("Plan", "Headcount", "Account tiers", "Sensitivity", "Frontier"):
        assert sheet in names
    with zipfile.ZipFile(DEMO) as old, zipfile.ZipFile(book) as new:
        new_names = set(new.namelist())
        for info in old.infolist():
            if info.filename.startswith("xl/worksheets/sheet") or info.filename in ("xl/styles.xml", "xl/sharedStrings.xml"):
                assert info.filename in new_names
                assert old.read(info.filename) == new.read(info.filename), info.filename
    assert "Added result sheets" in r.stdout


def test_write_back_refuses_while_excel_has_the_book_open(tmp_path):
    import shutil

    book = tmp_path / "plan.xlsx"
    shutil.copy(DEMO, book)
    (tmp_path / "~$plan.xlsx").write_bytes(b"lock")
    r = subprocess.run([sys.executable, "-m", "planner", "plan", str(book), "--out", str(tmp_path / "out"),
                        "--format", "json", "--write-back"], capture_output=True, text=True, timeout=900)
    assert r.returncode == 2
    assert "Traceback" not in r.stderr
    assert book.read_bytes() == DEMO.read_bytes()
    assert not (tmp_path / "out").exists()


def test_every_top_level_key_of_plan_json_is_documented(two_runs):
    _, [(out, _), _] = two_runs
    plan = json.loads((out / "plan.json").read_text())
    doc = (ROOT / "docs" / "plan-json.md").read_text(encoding="utf-8")
    whole = doc.split("## `optimization`")[0]
    for key in plan:
        assert f"| `{key}` |" in whole, key
    for key in list(plan["summary"]) + list(plan["finance"]) + list(plan["options"]):
        assert f"`{key}`" in whole, key
