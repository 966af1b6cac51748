"""The results workbook writer: formulas only where asked, text stays text, same input same bytes."""


import openpyxl
import pandas as pd

from planner.writers.results import Formula, ResultSheet, header_label, write_results_workbook


def _table():
    return pd.DataFrame(
        {
            "account_id": ["A1", "A2", "A3"],
            "name": ["=HYPERLINK(\"http://x\")", "+SUM(1)", "Plain & <b>bold</b>"],
            "score": [81.5, float("nan"), 12.0],
            "cost_share": [0.1, 0.25, None],
            "rule_tier": [Formula('=IF(C3>=50,"Tier 1","Tier 2")'), Formula('=IF(C4>=50,"Tier 1","Tier 2")'), None],
        }
    )


def test_text_that_looks_like_a_formula_is_written_as_text(tmp_path):
    path = write_results_workbook(tmp_path / "r.xlsx", {"Account tiers": _table()})
    ws = openpyxl.load_workbook(path)["Account tiers"]
    assert ws["B2"].value == '=HYPERLINK("http://x")'
    assert ws["B2"].data_type == "s"
    assert ws["B3"].value == "+SUM(1)"
    assert ws["B3"].data_type == "s"
    assert ws["E2"].value == '=IF(C3>=50,"Tier 1","Tier 2")'
    assert ws["E2"].data_type == "f"


def test_missing_numbers_are_blank_cells_and_shares_are_percent(tmp_path):
    path = write_results_workbook(tmp_path / "r.xlsx", {"Plan": _table()})
    ws = openpyxl.load_workbook(path)["Plan"]
    assert ws["C3"].value is None
    assert ws["D2"].value == 0.1
    assert ws["D2"].number_format == "0.0%"
    assert ws["A1"].value == "Account ID"
    assert ws.freeze_panes == "A2"


def test_title_and_note_push_the_table_down(tmp_path):
    sheet = ResultSheet(_table(), title="Accounts by tier", note="Scores are 0-100.")
    path = write_results_workbook(tmp_path / "r.xlsx", {"Account tiers": sheet})
    ws = openpyxl.load_workbook(path)["Account tiers"]
    assert ws["A1"].value == "Accounts by tier"
    assert ws["A2"].value == "Scores are 0-100."
    assert ws["A4"].value == "Account ID"
    assert ws["A5"].value == "A1"
    assert list(ws.tables) == ["ResultAccountTiers"]


def test_same_tables_give_the_same_bytes(tmp_path):
    a = write_results_workbook(tmp_path / "a.xlsx", {"Plan": _table(), "Frontier": _table()})
    b = write_results_workbook(tmp_path / "b.xlsx", {"Plan": _table(), "Frontier": _table()})
    assert a.read_bytes() == b.read_bytes()


def test_header_labels():
    assert header_label("annual_cost_per_account") == "Annual cost per account"
    assert header_label("tier") == "Tier"
    assert header_label("Health score") == "Health score"
    assert header_label("account_id") == "Account ID"
    assert header_label("arr") == "ARR"
    assert header_label("cs_cost_share_of_arr") == "CS cost share of ARR"
    assert header_label("cutoff") == "Cut-off"
