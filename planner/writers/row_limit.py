"""Result sheets and Excel's row limit: a table longer than a sheet holds is cut, and the cut is said everywhere.

An Excel sheet has 1,048,576 rows; a writer asked for more drops the rest without a word. Every result
sheet is checked here before it is written (results workbook, write-back, the Excel button): a longer
table keeps the rows that fit, its note says how many were left out, and :func:`sheet_cuts` lists the
cuts so the command line warns. :func:`limit_note` is the plan's note for the report and plan.json,
from the number of accounts alone (the sheets with a row per account are the ones that can be too long).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TypeVar

import pandas as pd

from planner.errors import Problem
from planner.writers.layout import ResultSheet, layout
from planner.writers.segmentation_sheets import ACCOUNTS_FILE

Sheet = TypeVar("Sheet", ResultSheet, pd.DataFrame, ResultSheet | pd.DataFrame)

EXCEL_ROWS = 1_048_576


@dataclass(frozen=True)
class Cut:
    sheet: str
    rows: int  # rows of the table
    kept: int  # rows written
    accounts: bool = False  # a row per account

    def sentence(self) -> str:
        where = " (every account is in crm_tiers.csv)" if self.accounts else ""
        return (f"The table has {self.rows:,} rows, more than an Excel sheet holds ({EXCEL_ROWS:,}): this sheet lists the first "
                f"{self.kept:,}; the last {self.rows - self.kept:,} are left out{where}.")


def room(sheet: ResultSheet) -> int:
    """Table rows that fit below the sheet's title, note and header."""
    return EXCEL_ROWS - layout(sheet).excel_row(0) + 1


def fit(name: str, sheet: Sheet) -> tuple[Sheet, Cut | None]:
    """The sheet as written: cut to the rows that fit, its note saying so (unchanged when it fits)."""
    rs: ResultSheet = ResultSheet(sheet) if isinstance(sheet, pd.DataFrame) else sheet
    if len(rs.table) <= room(rs):
        return sheet, None
    accounts = "account_id" in rs.table.columns
    probe = replace(rs, note=(rs.note + " " + Cut(name, len(rs.table), 0, accounts).sentence()).strip())
    kept = room(probe)
    cut = Cut(name, len(rs.table), kept, accounts)
    return replace(rs, table=rs.table.iloc[:kept], note=(rs.note + " " + cut.sentence()).strip()), cut  # type: ignore[return-value]  # a cut table is always a ResultSheet (it carries the note)


def fit_sheets(sheets: Mapping[str, Sheet]) -> tuple[dict[str, Sheet], list[Cut]]:
    out: dict[str, Sheet] = {}
    cuts: list[Cut] = []
    for name, sheet in sheets.items():
        out[name], cut = fit(name, sheet)
        if cut is not None:
            cuts.append(cut)
    return out, cuts


def sheet_cuts(sheets: Mapping[str, ResultSheet | pd.DataFrame]) -> list[Cut]:
    return [c for name, sheet in sheets.items() if (c := fit(name, sheet)[1]) is not None]


def limit_note(accounts: int, sheet: str) -> Problem | None:
    """The plan's note when its accounts do not fit in one sheet (``sheet`` names the per-account result sheet)."""
    if accounts <= EXCEL_ROWS - 4:  # title, note, blank (stamp) row and header, as planner.writers.segmentation_sheets counts
        return None
    return Problem(f"results workbook, {sheet} sheet",
                   f"{accounts:,} accounts are more than an Excel sheet holds ({EXCEL_ROWS:,} rows): the sheets with a row "
                   "per account list the first ones and say how many are left out",
                   "every account is in crm_tiers.csv and in the plan's figures, and the whole Account tiers table in "
                   f"{ACCOUNTS_FILE} beside the results workbook")
