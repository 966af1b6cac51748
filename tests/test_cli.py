"""The `tierplan` command as a user meets it: exit codes, messages, no tracebacks, no overwritten files."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from planner.workbook.reader import read_inputs
from planner.writers.plan_json import valuation_report

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "workbooks" / "tierplan_demo.xlsx"


def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "planner", *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=600)


def test_validate_demo_is_clean():
    r = run("validate", DEMO)
    assert r.returncode == 0, r.stderr
    # the ticket export beside it repeats some rows (an overlapping re-export): each ticket counts once
    tickets = pd.read_csv(DEMO.with_name("tierplan_demo_tickets.csv"), dtype=str)["ID"].nunique()
    assert f"OK (3 tiers, 15 services, 7 roles, 2,000 accounts, {tickets:,} tickets, 1 pilot)" in r.stdout


def test_value_json_equals_python_valuation():
    r = run("value", DEMO, "--json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    expected = valuation_report(read_inputs(DEMO))
    assert data["totals"]["cost_to_serve"] == pytest.approx(expected["totals"]["cost_to_serve"], rel=1e-12)
    assert len(data["services"]) == len(expected["services"])
    assert data["margin_reading"] == "Assessed Service Value = annual cost x (1 + profit margin)"


def test_init_refuses_to_overwrite_an_existing_file(tmp_path):
    target = tmp_path / "mine.xlsx"
    target.write_bytes(b"my own work")
    r = run("init", target)
    assert r.returncode == 2
    assert "already exists" in r.stderr
    assert "Traceback" not in r.stderr + r.stdout
    assert target.read_bytes() == b"my own work"


def test_a_fresh_template_asks_for_budget_and_accounts_only(tmp_path):
    target = tmp_path / "blank.xlsx"
    assert run("init", target).returncode == 0
    r = run("validate", target)
    assert r.returncode == 2
    assert r.stderr.splitlines() == [
        "Finance!B5: Annual CS budget is blank (an amount per year is required)",
        "Accounts: no accounts listed (at least one account row under the headers)",
    ]


def test_missing_workbook_is_a_user_error(tmp_path):
    r = run("validate", tmp_path / "nope.xlsx")
    assert r.returncode == 2
    assert "nope.xlsx" in r.stderr
    assert "Traceback" not in r.stderr


def test_unknown_format_is_refused_before_any_work(tmp_path):
    r = run("plan", DEMO, "--out", tmp_path, "--format", "html,docx")
    assert r.returncode == 2
    assert "command line: --format docx is not known (choose from html,pdf,xlsx,csv,json)" in r.stderr
    assert not any(tmp_path.iterdir())


def test_output_never_lands_on_the_input_workbook(tmp_path):
    book = tmp_path / "plan.json"
    shutil.copy(DEMO, tmp_path / "tier_plan_results.xlsx")
    r = run("plan", tmp_path / "tier_plan_results.xlsx", "--out", tmp_path, "--format", "xlsx")
    assert r.returncode == 2
    assert "one of your input files" in r.stderr
    assert (tmp_path / "tier_plan_results.xlsx").read_bytes() == DEMO.read_bytes()
    assert not book.exists()


def test_unknown_option_value_is_exit_2():
    r = run("optimize", DEMO, "--mode", "cheapest", "--out", "/tmp/never")
    assert r.returncode == 2
    assert "--mode 'cheapest' is not a planning mode" in r.stderr


def test_python_m_planner_shows_every_command():
    r = run("--help")
    assert r.returncode == 0
    for command in ("init", "demo", "validate", "value", "segment", "optimize", "plan", "excel"):
        assert command in r.stdout


def test_unknown_command_is_a_usage_error_without_traceback():
    r = run("bogus")
    assert r.returncode == 2
    assert "No such command 'bogus'" in r.stderr
    assert "Traceback" not in r.stderr


def test_value_table_is_not_cut_when_piped():
    r = run("value", DEMO)
    assert r.returncode == 0
    assert "…" not in r.stdout
    assert "use " in r.stdout and "coverage ratios and support staffing" in r.stdout


def test_out_folder_that_is_a_file_is_refused_before_any_work(tmp_path):
    note = tmp_path / "notes.txt"
    note.write_text("mine")
    for command in (["plan", DEMO, "--out", note], ["segment", DEMO, "--out", note / "sub"], ["optimize", DEMO, "--out", note]):
        r = run(*command)
        assert r.returncode == 2, command
        assert "is a file, not a folder" in r.stderr
        assert "Traceback" not in r.stderr
    assert note.read_text() == "mine"
