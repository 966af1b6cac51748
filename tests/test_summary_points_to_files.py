"""The summary `tierplan plan` prints points only to files the run wrote (a --format json run has no report to point to)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_broken_workbooks import clean_content

from planner import cli
from planner.workbook.template import write_workbook


@pytest.fixture(scope="module")
def book(tmp_path_factory) -> Path:
    content = clean_content()  # four accounts and six warnings; no budget meets their SLAs and cost caps: exit 3
    content.finance["budget"] = 1_000
    path = tmp_path_factory.mktemp("book") / "book.xlsx"
    write_workbook(path, content)
    return path


def _plan(book: Path, out: Path, formats: str, capsys) -> tuple[int, str]:
    with pytest.raises(SystemExit) as stop:
        cli.main(["plan", str(book), "--out", str(out), "--format", formats])
    captured = capsys.readouterr()
    return int(stop.value.code or 0), " ".join((captured.out + captured.err).split())


@pytest.mark.parametrize(("formats", "must_give", "listed"), [
    ("html,json", "the report and plan.json say what must give", "the report's data-gaps section has them too"),
    ("html", "the report says what must give", "the report's data-gaps section has them too"),
    ("json", "plan.json says what must give", "plan.json lists them too"),
    ("csv", None, None),
])
def test_what_the_summary_points_to_was_written(book, tmp_path, capsys, formats, must_give, listed):
    code, said = _plan(book, tmp_path / "out", formats, capsys)
    assert code == 3
    if must_give is None:
        assert "No plan fits the budget and the requirements (exit code 3)." in said
        assert "plan.json" not in said.replace("Wrote", "") and "report" not in said
    else:
        assert f"No plan fits the budget and the requirements: {must_give} (exit code 3)." in said
    if (tmp_path / "out" / "plan.json").exists():
        document = json.loads((tmp_path / "out" / "plan.json").read_text())
        assert len(document["warnings"]) + len(document["notes"]) >= 1  # what "lists them too" refers to
    # the book's six keep-tier-order warnings are counted on one line that ends where they are listed
    head = "6 warning(s) on the inputs ("
    start = said.index(head) + len(head)
    warned = head + said[start:].split(")", 1)[0] + ")"
    assert warned == "6 warning(s) on the inputs (run `tierplan validate` to list them" + (f"; {listed})" if listed else ")")
