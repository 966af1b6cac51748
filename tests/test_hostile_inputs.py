"""Unlucky inputs (issue 12, points 10 and 12): one bad Tiers cell does not cascade into a line per locked account;
0.0001 productive hours is refused at its cell instead of surfacing as "no plan fits"."""

from __future__ import annotations

import openpyxl
import pytest
from test_broken_workbooks import clean_content

from planner.errors import UserInputError
from planner.workbook.reader import read_inputs
from planner.workbook.template import write_workbook


def cell_of(book, sheet: str, header: str, row_name: str) -> str:
    """Where ``header``'s column meets the row whose first cell is ``row_name``, found with openpyxl."""
    ws = openpyxl.load_workbook(book)[sheet]
    col = row = None
    for r in ws.iter_rows():
        for c in r:
            if c.value == header:
                col = c.column_letter
            if c.value == row_name and c.column == 1:
                row = c.row
    assert col and row
    return f"{sheet}!{col}{row}"


def problems(book) -> list:
    with pytest.raises(UserInputError) as err:
        read_inputs(book)
    return err.value.problems


def test_a_dropped_tier_row_does_not_make_every_locked_account_wrong(tmp_path):
    c = clean_content()
    c.tiers[0]["max_cost_share"] = 7  # 700 %: out of range, so the Tier 1 row is not read
    c.accounts.loc[[0, 1, 2], "locked_tier"] = "Tier 1"
    c.accounts.loc[[0, 1, 2], "lock_reason"] = "Board decision"
    book = tmp_path / "book.xlsx"
    write_workbook(book, c)
    got = problems(book)
    assert [p.where for p in got] == [cell_of(book, "Tiers", "Max CS cost % of ARR", "Tier 1")]  # one line, not one per account
    assert not any("is not a tier" in p.message for p in got)


def test_a_locked_tier_that_was_never_typed_is_still_reported(tmp_path):
    c = clean_content()
    c.tiers[0]["max_cost_share"] = 7
    c.accounts.loc[1, "locked_tier"] = "Tier 9"
    c.accounts.loc[1, "lock_reason"] = "Typo"
    book = tmp_path / "book.xlsx"
    write_workbook(book, c)
    messages = [p.message for p in problems(book)]
    assert 'Locked tier "Tier 9" is not a tier' in messages


def test_a_ten_thousandth_of_an_hour_is_refused_at_its_cell(tmp_path):
    c = clean_content()
    name = c.roles[1]["name"]  # Enterprise CSM, Named
    c.roles[1]["productive_hours"] = 0.0001
    book = tmp_path / "book.xlsx"
    write_workbook(book, c)
    got = problems(book)
    assert [str(p) for p in got] == [
        f'{cell_of(book, "Roles", "Productive hours per year", name)}: role "{name}" has 0.0001 productive hours per year '
        "(hours one person gives in a year (typically 1,200 to 1,800); at least 100 for a staffed role)"
    ]
