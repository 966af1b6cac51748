"""Result sheets beyond Excel's row limit (issue 12, point 5): cut, and said in the sheet, the CLI and the report."""

from __future__ import annotations

import pandas as pd
import pytest
from python_calamine import CalamineWorkbook
from test_broken_workbooks import clean_content

from planner import cli
from planner.workbook.template import write_workbook
from planner.writers import row_limit, segmentation_sheets
from planner.writers.layout import ResultSheet
from planner.writers.results import write_results_workbook
from planner.writers.row_limit import fit_sheets


def test_a_table_one_row_per_account_longer_than_a_sheet_is_cut_and_says_so(tmp_path):
    n = 1_048_600
    table = pd.DataFrame({"account_id": pd.RangeIndex(n).astype(str)})
    sheets, cuts = fit_sheets({"Big": ResultSheet(table, title="Big", note="One row per account.")})
    # title row 1, note row 2, blank row 3, header row 4: data on rows 5 to 1,048,576 = 1,048,572 rows; 28 left out
    assert [(c.sheet, c.rows, c.kept) for c in cuts] == [("Big", n, 1_048_572)]
    path = write_results_workbook(tmp_path / "r.xlsx", sheets)
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Big").to_python()
    assert len(rows) == 1_048_576
    assert rows[-1][0] == str(1_048_572 - 1)  # the last account that fits, on Excel's last row
    assert rows[1][0] == ("One row per account. The table has 1,048,600 rows, more than an Excel sheet holds (1,048,576): "
                          "this sheet lists the first 1,048,572; the last 28 are left out (every account is in crm_tiers.csv).")


def test_the_cli_report_and_sheet_say_the_accounts_did_not_fit(tmp_path, capsys, monkeypatch):
    # Excel's limit made small (6 rows: title, note, blank row, header and 2 accounts) so that four accounts are too
    # many: the same code paths, a small file
    monkeypatch.setattr(row_limit, "EXCEL_ROWS", 6)
    monkeypatch.setattr(segmentation_sheets, "EXCEL_ROWS", 6)
    book = tmp_path / "book.xlsx"
    write_workbook(book, clean_content())
    out = tmp_path / "out"
    with pytest.raises(SystemExit):
        cli.main(["plan", str(book), "--out", str(out), "--format", "xlsx,html,json"])
    err = " ".join(capsys.readouterr().err.split())
    said = "4 accounts are more than an Excel sheet holds (6 rows)"
    assert f"results workbook, Account tiers sheet: {said}" in err
    assert said in " ".join((out / "tier_plan.html").read_text().split())
    rows = CalamineWorkbook.from_path(str(out / "tier_plan_results.xlsx")).get_sheet_by_name("Account tiers").to_python()
    assert len(rows) == 6
    assert "The last 2 accounts do not fit in a sheet (Excel's row limit); every account is in crm_tiers.csv." in rows[1][0]
