"""A large plan's results workbook is written by a forked child beside the report and the CSVs (issue 17):
the same files as written one after another, and a failure there is the same clear exit 2."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from test_broken_workbooks import clean_content

from planner import cli, pipeline, sidebyside
from planner.workbook.template import write_workbook

pytestmark = pytest.mark.skipif(not sidebyside.can_fork(), reason="forks only on Linux")

FORMATS = "html,xlsx,csv,json"


def _run(book: Path, out: Path, capsys) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as stop:
        cli.main(["plan", str(book), "--out", str(out), "--format", FORMATS])
    captured = capsys.readouterr()
    return int(stop.value.code or 0), captured.out, captured.err


@pytest.fixture
def book(tmp_path: Path) -> Path:
    path = tmp_path / "book.xlsx"
    write_workbook(path, clean_content())
    return path


def test_the_child_writes_the_same_workbook_and_the_same_files_in_the_same_order(book, tmp_path, capsys, monkeypatch):
    original = pipeline._results_workbook
    writers = tmp_path / "writers"

    def recorded(plan, path):
        with writers.open("a") as fh:
            fh.write(f"{os.getpid()}\n")
        return original(plan, path)

    monkeypatch.setattr(pipeline, "_results_workbook", recorded)
    monkeypatch.setattr(pipeline, "BESIDE_ACCOUNTS", 10**9)  # four accounts: written here
    code_here, out_here, _ = _run(book, tmp_path / "here", capsys)
    monkeypatch.setattr(pipeline, "BESIDE_ACCOUNTS", 0)  # the same plan, its workbook written by a child
    code_beside, out_beside, _ = _run(book, tmp_path / "beside", capsys)
    assert code_here == code_beside  # (this small book is over its budget: exit 3 with the cheapest plan, either way)
    assert writers.read_text().split() == [str(os.getpid()), writers.read_text().split()[1]]
    assert writers.read_text().split()[1] != str(os.getpid())
    for name in ("tier_plan_results.xlsx", "plan.json", "crm_tiers.csv", "tier_plan.html"):
        assert (tmp_path / "here" / name).read_bytes() == (tmp_path / "beside" / name).read_bytes(), name
    assert out_here.replace(str(tmp_path / "here"), "OUT") == out_beside.replace(str(tmp_path / "beside"), "OUT")


def test_a_child_that_cannot_write_the_workbook_is_exit_2_naming_it_and_leaves_no_temporary_files(book, tmp_path, capsys, monkeypatch):
    def full_disk(plan, path):
        if os.getpid() == parent:
            raise AssertionError("the workbook must be written by the child")
        Path(path).write_bytes(b"PK partial")
        raise OSError(28, "No space left on device")

    parent = os.getpid()
    monkeypatch.setattr(pipeline, "_results_workbook", full_disk)
    monkeypatch.setattr(pipeline, "BESIDE_ACCOUNTS", 0)
    out = tmp_path / "out"
    code, _, err = _run(book, out, capsys)
    assert code == 2
    assert "the disk is full: tier_plan_results.xlsx could not" in " ".join(err.split())
    assert "Traceback" not in err
    left = sorted(p.name for p in out.iterdir() if not p.name.startswith(".tierplan"))
    assert "tier_plan_results.xlsx" not in left
    assert all(not name.startswith(".") and "tier_plan_results" not in name for name in left), left
