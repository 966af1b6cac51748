"""CRM exports as CSV or Parquet (`--accounts FILE`): clean files, messy files, broken files, exact messages."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from planner import cli
from planner.errors import UserInputError
from planner.workbook.accounts import (
    MAX_ROW_PROBLEMS,
    FileLocator,
    clean_accounts,
    parse_numbers,
    read_accounts_file,
)
from planner.workbook.defaults import SIGNAL_COLUMNS, default_content
from planner.workbook.reader import read_inputs
from planner.workbook.template import write_workbook

TIERS = ("Tier 1", "Tier 2", "Tier 3")
GAP = "treated as missing: those accounts are listed in the data gaps"
NEW = "treated as new accounts; tiers are Tier 1, Tier 2, Tier 3"


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    """A clean workbook whose Accounts sheet holds one account (the file replaces it)."""
    c = default_content()
    c.finance["budget"] = 3_000_000
    acc = c.accounts
    row = dict.fromkeys(acc.columns)
    row.update(account_id="S-1", name="Sheet account", arr=1000.0)
    c.accounts = pd.DataFrame([row], columns=acc.columns)
    path = tmp_path_factory.mktemp("acc") / "book.xlsx"
    write_workbook(path, c)
    return path


def csv_text(rows: list[dict], signals: dict | None = None) -> str:
    """A CSV export: the given columns plus every default signal column (filled with 1 unless given)."""
    frame = pd.DataFrame(rows, dtype=object)
    for s in SIGNAL_COLUMNS:
        if s not in frame.columns:
            frame[s] = "1"
    return frame.to_csv(index=False)


def inputs_problems(book, accounts) -> list[str]:
    with pytest.raises(UserInputError) as exc:
        read_inputs(book, accounts=accounts)
    return [str(p) for p in exc.value.problems]


# ------------------------------------------------------------------ clean files


def test_a_clean_csv_replaces_the_accounts_sheet(book, tmp_path):
    path = tmp_path / "crm.csv"
    path.write_text(csv_text([
        {"Account ID": "00123", "Account name": "Alpha", "ARR": "250000", "Industry": "Software", "Employees": "1200",
         "Previous tier": "Tier 1", "Locked tier": "", "Lock reason": "", "Strategic flag": "Yes", "Churn risk flag": "No"},
        {"Account ID": "00124", "Account name": "Beta", "ARR": "9000.5", "Industry": "", "Employees": "",
         "Previous tier": "", "Locked tier": "Tier 2", "Lock reason": "Pilot", "Strategic flag": "", "Churn risk flag": "Yes"},
    ]))
    inputs = read_inputs(book, accounts=path)
    acc = inputs.accounts
    assert acc["account_id"].tolist() == ["00123", "00124"]  # leading zeros kept: ids are text
    assert acc["name"].tolist() == ["Alpha", "Beta"]
    assert acc["arr"].tolist() == [250_000.0, 9_000.5]
    assert acc["industry"].iloc[0] == "Software" and pd.isna(acc["industry"].iloc[1])
    assert acc["employees"].iloc[0] == 1200.0 and np.isnan(acc["employees"].iloc[1])
    assert acc["previous_tier"].tolist() == ["Tier 1", None]
    assert acc["locked_tier"].tolist() == [None, "Tier 2"]
    assert acc["lock_reason"].tolist() == [None, "Pilot"]
    assert acc["strategic"].tolist() == [True, False]
    assert acc["churn_risk"].tolist() == [False, True]
    assert acc["Health score"].tolist() == [1.0, 1.0]
    assert np.isnan(acc["previous_score"]).all() and acc["region"].isna().all()
    assert inputs.notes == ()


def test_parquet_export(book, tmp_path):
    path = tmp_path / "crm.parquet"
    frame = pd.DataFrame({"Account ID": [1001, 1002, 1003], "Account name": ["A", "B", "C"], "ARR": [10.0, 20.0, 30.5],
                          "Strategic flag": [True, False, None]})
    for s in SIGNAL_COLUMNS:
        frame[s] = [0.5, 1.5, np.nan]
    frame.to_parquet(path)
    inputs = read_inputs(book, accounts=path)
    assert inputs.accounts["account_id"].tolist() == ["1001", "1002", "1003"]
    assert inputs.accounts["arr"].tolist() == [10.0, 20.0, 30.5]
    assert inputs.accounts["strategic"].tolist() == [True, False, False]
    assert inputs.accounts["Logo value"].iloc[:2].tolist() == [0.5, 1.5]


def test_parquet_problems_name_records(book, tmp_path):
    path = tmp_path / "crm.parquet"
    frame = pd.DataFrame({"Account ID": ["a", "b", "a"], "Account name": ["A", "B", "C"], "ARR": [10.0, -1.0, 30.0]})
    for s in SIGNAL_COLUMNS:
        frame[s] = 1.0
    frame.to_parquet(path)
    assert inputs_problems(book, path) == [
        'crm.parquet record 3: account ID "a" appears again (first on record 1; IDs must be unique)',
        "crm.parquet record 2: ARR -1 is negative (ARR expects an amount per year, 0 or more)",
    ]


def test_semicolon_csv_in_windows_encoding_with_european_numbers(book, tmp_path):
    text = "Account ID;Account name;ARR;" + ";".join(SIGNAL_COLUMNS) + "\r\n"
    text += "E-1;Müller GmbH;€ 1.234,50;" + ";".join(["1"] * len(SIGNAL_COLUMNS)) + "\r\n"
    text += "E-2;Société Générale;€ 1.200;" + ";".join(["2,5"] * len(SIGNAL_COLUMNS)) + "\r\n"
    path = tmp_path / "export.csv"
    path.write_bytes(text.encode("cp1252"))
    acc = read_inputs(book, accounts=path).accounts
    assert acc["name"].tolist() == ["Müller GmbH", "Société Générale"]
    assert acc["arr"].tolist() == [1234.5, 1200.0]  # the column is European style, so 1.200 is twelve hundred
    assert acc["Health score"].tolist() == [1.0, 2.5]


def test_utf8_bom_and_header_spelling(book, tmp_path):
    text = "\ufeffACCOUNT_ID,account name,arr (USD)," + ",".join(SIGNAL_COLUMNS) + "\n"
    text += "X-1,Café,\"12,000\"," + ",".join(["3"] * len(SIGNAL_COLUMNS)) + "\n"
    path = tmp_path / "bom.csv"
    path.write_bytes(text.encode("utf-8"))
    acc = read_inputs(book, accounts=path).accounts
    assert acc["account_id"].tolist() == ["X-1"]
    assert acc["name"].tolist() == ["Café"]
    assert acc["arr"].tolist() == [12_000.0]


# ------------------------------------------------------------------ the messy export: runs, with notes


MESSY = [
    {"account_id": "A-1", "Account Name": "Alpha", "arr": "$12,000", "Employees": "1,200", "previous tier": "Tier 1",
     "Previous Score": "80", "Strategic": "yes", "churn risk flag": "no", "Health score": "75", "ARR growth %": "12%"},
    {"account_id": "A-2", "Account Name": "Beta", "arr": "12000", "Employees": "300", "previous tier": "tier 2",
     "Previous Score": "60", "Strategic": "Y", "churn risk flag": "0", "Health score": "n/a", "ARR growth %": "0.05"},
    {"account_id": "A-3", "Account Name": "", "arr": "12,000.00", "Employees": "40", "previous tier": "Gold",
     "Previous Score": "", "Strategic": "TRUE", "churn risk flag": "false", "Health score": "high", "ARR growth %": ""},
    {"account_id": "A-4", "Account Name": "Delta", "arr": "USD 12000", "Employees": "", "previous tier": "",
     "Previous Score": "", "Strategic": "1", "churn risk flag": "", "Health score": "?", "ARR growth %": "-2%"},
    {"account_id": "A-5", "Account Name": "Echo", "arr": "12k", "Employees": "12", "previous tier": "Gold",
     "Previous Score": "55", "Strategic": "", "churn risk flag": "yes", "Health score": "60", "ARR growth %": "3%"},
    {"account_id": "A-6", "Account Name": "Foxtrot", "arr": " 1 200 ", "Employees": "x", "previous tier": "Silver",
     "Previous Score": "101", "Strategic": "no", "churn risk flag": "N", "Health score": "80", "ARR growth %": "0"},
]


def test_messy_export_is_cleaned_and_the_gaps_are_noted(book, tmp_path):
    path = tmp_path / "crm.csv"
    path.write_text(csv_text(MESSY))
    inputs = read_inputs(book, accounts=path)
    acc = inputs.accounts
    assert acc["arr"].tolist() == [12_000.0] * 5 + [1_200.0]
    assert acc["name"].tolist() == ["Alpha", "Beta", "A-3", "Delta", "Echo", "Foxtrot"]
    emp = acc["employees"].tolist()
    assert emp[:3] == [1200.0, 300.0, 40.0] and np.isnan(emp[3]) and emp[4] == 12.0 and np.isnan(emp[5])
    assert acc["previous_tier"].tolist() == ["Tier 1", "Tier 2", None, None, None, None]
    score = acc["previous_score"].tolist()
    assert score[0:2] == [80.0, 60.0] and score[4] == 55.0 and np.isnan(score[5])
    assert acc["strategic"].tolist() == [True, True, True, True, False, False]
    assert acc["churn_risk"].tolist() == [False, False, False, False, True, False]
    health = acc["Health score"].tolist()
    assert health[0] == 75.0 and all(np.isnan(health[i]) for i in (1, 2, 3)) and health[4:] == [60.0, 80.0]
    growth = acc["ARR growth %"].tolist()
    assert growth[0] == pytest.approx(0.12) and growth[1] == 0.05 and np.isnan(growth[2])
    assert growth[3] == pytest.approx(-0.02) and growth[4] == pytest.approx(0.03) and growth[5] == 0.0
    assert [str(n) for n in inputs.notes] == [
        "crm.csv row 4: account name is blank on 1 row (the account ID is shown instead)",
        f'crm.csv row 7: Employees is not a number on 1 row: "x" ({GAP})',
        f"crm.csv row 7: Previous score is outside 0 to 100 on 1 row, e.g. 101 ({GAP})",
        f'crm.csv rows 4, 6: Previous tier "Gold" on 2 accounts is not a tier now ({NEW})',
        f'crm.csv row 7: Previous tier "Silver" on 1 account is not a tier now ({NEW})',
        f'crm.csv rows 4, 5: Health score is not a number on 2 rows: "high", "?" ({GAP})',
    ]


# ------------------------------------------------------------------ the messy export: stops, with every problem


def test_money_and_identity_problems_stop_the_run(book, tmp_path):
    rows = [
        {"Account ID": "A-1", "Account name": "a", "ARR": "$12,000"},
        {"Account ID": "A-1", "Account name": "b", "ARR": "5"},
        {"Account ID": "", "Account name": "c", "ARR": "5"},
        {"Account ID": "A-4", "Account name": "d", "ARR": ""},
        {"Account ID": "A-5", "Account name": "e", "ARR": "abc"},
        {"Account ID": "A-6", "Account name": "f", "ARR": "(1,200)"},
        {"Account ID": "A-7", "Account name": "g", "ARR": "€ 1.200"},
        {"Account ID": "A-8", "Account name": "h", "ARR": "5", "Locked tier": "Platinum", "Lock reason": "Board"},
        {"Account ID": "A-9", "Account name": "i", "ARR": "5", "Locked tier": "tier 1"},
        {"Account ID": "A-10", "Account name": "j", "ARR": "5", "Strategic flag": "maybe"},
        {"Account ID": "A-11", "Account name": "k", "ARR": "1e12"},
    ]
    path = tmp_path / "crm.csv"
    path.write_text(csv_text(rows))
    assert inputs_problems(book, path) == [
        "crm.csv row 4: account ID is blank (every account needs its CRM id)",
        'crm.csv row 3: account ID "A-1" appears again (first on row 2; IDs must be unique)',
        'crm.csv row 6: ARR "abc" is not a number (ARR expects an amount per year)',
        'crm.csv row 8: ARR "€ 1.200" is ambiguous: is the point a decimal point or a thousands separator? '
        "(write the amount without a thousands separator, e.g. 1200 or 1.2)",
        "crm.csv row 5: ARR is blank (an amount per year is required; enter 0 if there is none)",
        "crm.csv row 7: ARR -1,200 is negative (ARR expects an amount per year, 0 or more)",
        "crm.csv row 12: ARR 1,000,000,000,000 is more than the largest plausible value 10,000,000,000 "
        "(ARR expects an amount per year up to 10,000,000,000)",
        'crm.csv row 9: Locked tier "Platinum" is not a tier (one of Tier 1, Tier 2, Tier 3)',
        'crm.csv row 10: account "A-9" is locked to "tier 1" without a lock reason (say why the tier is locked in Lock reason)',
        'crm.csv row 11: Strategic flag "maybe" is not yes or no (Strategic flag expects Yes or No; blank means No)',
    ]


def test_a_column_mixing_number_styles_rejects_only_the_values_that_could_mean_either(book, tmp_path):
    rows = [
        {"Account ID": "M-1", "Account name": "a", "ARR": "1,234.50"},
        {"Account ID": "M-2", "Account name": "b", "ARR": "1.234,50"},
        {"Account ID": "M-3", "Account name": "c", "ARR": "12,000"},
        {"Account ID": "M-4", "Account name": "d", "ARR": "700"},
    ]
    path = tmp_path / "mixed.csv"
    path.write_text(csv_text(rows))
    assert inputs_problems(book, path) == [
        'mixed.csv row 4: ARR "12,000" is ambiguous: is the point a decimal point or a thousands separator? '
        "(write the amount without a thousands separator, e.g. 1200 or 1.2)",
    ]


def test_a_broken_million_row_column_is_reported_in_twenty_lines_and_a_count():
    n = 5_000
    raw = pd.DataFrame({"Account ID": [f"B-{i}" for i in range(n)], "Account name": "x", "ARR": "n.a."})
    _frame, problems, _notes = clean_accounts(raw, FileLocator("big.csv"), TIERS)
    assert len(problems) == MAX_ROW_PROBLEMS + 1
    assert str(problems[0]) == 'big.csv row 2: ARR "n.a." is not a number (ARR expects an amount per year)'
    assert str(problems[19]) == 'big.csv row 21: ARR "n.a." is not a number (ARR expects an amount per year)'
    assert str(problems[20]) == "big.csv column ARR: ... and 4,980 more rows with the same problem (ARR expects an amount per year)"


def test_text_in_a_signal_column_names_five_rows_and_a_count():
    n = 1_000
    raw = pd.DataFrame({"Account ID": [f"B-{i}" for i in range(n)], "Account name": "x", "ARR": 5.0,
                        "NPS": ["high"] * (n - 1) + ["40"]})
    frame, problems, notes = clean_accounts(raw, FileLocator("big.csv"), TIERS, scoring_columns=["nps"])
    assert problems == []
    assert [str(x) for x in notes] == [f'big.csv rows 2, 3, 4, 5, 6 and 994 more: NPS is not a number on 999 rows: "high" ({GAP})']
    assert frame["NPS"].iloc[-1] == 40.0 and frame["NPS"].isna().sum() == 999


def test_unknown_previous_tiers_are_grouped_by_name_and_capped():
    n = 30
    raw = pd.DataFrame({"Account ID": [f"P-{i}" for i in range(n)], "Account name": "x", "ARR": 5.0,
                        "Previous tier": [f"Old {i}" for i in range(n)]})
    frame, problems, notes = clean_accounts(raw, FileLocator("p.csv"), TIERS)
    assert problems == [] and len(notes) == MAX_ROW_PROBLEMS + 1
    assert str(notes[0]) == f'p.csv row 2: Previous tier "Old 0" on 1 account is not a tier now ({NEW})'
    assert str(notes[-1]) == "p.csv column Previous tier: ... and 10 more rows with other unknown previous tiers (treated as new accounts)"
    assert frame["previous_tier"].isna().all()


# ------------------------------------------------------------------ files that cannot be read


@pytest.mark.parametrize("name,content,expected", [
    ("empty.csv", b"", "empty.csv: is empty (a CSV export with a header row and one row per account)"),
    ("header.csv", b"Account ID,Account name,ARR\n", "header.csv: no accounts listed (at least one account row under the headers)"),
    ("twice.csv", b"Account ID,ARR,arr\nA,1,2\n", 'twice.csv row 1: column "arr" appears twice (columns 2 and 3) (keep one column per header)'),
    ("noarr.csv", b"Account ID,Account name,Revenue\nA,b,1\n",
     'noarr.csv row 1: column "ARR" is missing (the accounts need columns Account ID, Account name, ARR)'),
    ("book.csv", b"PK\x03\x04rest of a zip", "book.csv: is a workbook saved with a .csv name, not a CSV file (export the accounts as CSV (comma-separated values))"),
    ("crm.xlsx", b"PK\x03\x04", "crm.xlsx: is a workbook, not a CSV or Parquet file (put the accounts on the workbook's Accounts sheet, or export them as CSV)"),
    ("crm.json", b"{}", "crm.json: is not a CSV or Parquet file (it ends in .json) (--accounts takes a .csv or .parquet file)"),
])
def test_unreadable_accounts_files(book, tmp_path, name, content, expected):
    path = tmp_path / name
    path.write_bytes(content)
    assert inputs_problems(book, path) == [expected]


def test_a_damaged_parquet_file(book, tmp_path):
    path = tmp_path / "crm.parquet"
    path.write_bytes(b"PAR1 this is not really parquet")
    found = inputs_problems(book, path)
    assert len(found) == 1 and found[0].startswith("crm.parquet: cannot be read as a Parquet file (")


def test_a_missing_accounts_file_is_reported_with_the_workbook_problems(tmp_path):
    missing = tmp_path / "nowhere.csv"
    assert inputs_problems(tmp_path / "nobook.xlsx", missing) == [
        f"{tmp_path / 'nobook.xlsx'}: file not found (check the path and the file name)",
        f"{missing}: accounts file not found (check the path given to --accounts)",
    ]


def test_read_accounts_file_keeps_the_raw_table():
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "raw.csv"
        p.write_text('Account ID,ARR,Note\n007,"$1,000",hello\n')
        raw = read_accounts_file(p)
    assert raw.attrs == {"source": "raw.csv", "kind": "csv"}
    assert list(raw.columns) == ["Account ID", "ARR", "Note"]
    assert raw["Account ID"].tolist() == ["007"] and raw["ARR"].tolist() == ["$1,000"]


# ------------------------------------------------------------------ number reading rules


@pytest.mark.parametrize("text,value", [
    ("$12,000", 12_000.0), ("12000", 12_000.0), ("12,000.00", 12_000.0), ("USD 12000", 12_000.0), ("12000 EUR", 12_000.0),
    ("US$ 1,200.50", 1_200.5), ("£7,500", 7_500.0), ("12k", 12_000.0), ("1.5m", 1_500_000.0), ("2bn", 2e9),
    ("(1,200)", -1_200.0), ("-$5", -5.0), ("1 200", 1_200.0), ("1'200", 1_200.0), ("1.234,50", 1_234.5), ("12,5", 12.5),
    ("0.75", 0.75), ("12%", 0.12), ("1e3", 1_000.0),
])
def test_amounts_written_as_text(text, value):
    got = parse_numbers(pd.Series([text]), money=True)
    assert got.values[0] == pytest.approx(value)
    assert not (got.bad[0] or got.blank[0] or got.ambiguous[0] or got.error[0])


def test_blank_words_error_values_and_ambiguity():
    got = parse_numbers(pd.Series(["", "-", "N/A", "none", "#DIV/0!", "#ref!", "€ 1.200", "1.200", "abc"]), money=True)
    assert got.blank.tolist() == [True, True, True, True, False, False, False, False, False]
    assert got.error.tolist() == [False] * 4 + [True, True] + [False] * 3
    assert got.ambiguous.tolist() == [False] * 6 + [True, True, False]
    assert got.bad.tolist() == [False] * 8 + [True]
    signal = parse_numbers(pd.Series(["1.200", "3"]))  # not money: a point is a decimal point
    assert signal.values.tolist() == [1.2, 3.0]


# ------------------------------------------------------------------ tierplan validate --accounts


def test_validate_with_an_accounts_file(book, tmp_path, capsys):
    path = tmp_path / "crm.csv"
    path.write_text(csv_text(MESSY))
    with pytest.raises(SystemExit) as exc:
        cli.main(["validate", str(book), "--accounts", str(path)])
        raise SystemExit(0)
    out = capsys.readouterr()
    assert (exc.value.code or 0) == 0
    # the defaults' Keep-tier-order warnings are not what this test is about
    lines = [line for line in out.out.splitlines() if not line.startswith("  warning: ") and "warning(s): the plan runs" not in line]
    assert lines[0] == f"{book}: OK (3 tiers, 15 services, 7 roles, 6 accounts)"
    assert lines[1] == "6 note(s) on the data; the run goes on with the assumption stated:"
    assert "  note: crm.csv row 4: account name is blank on 1 row (the account ID is shown instead)" in lines
    assert len(lines) == 2 + 6


def test_validate_with_a_broken_accounts_file_exits_2(book, tmp_path, capsys):
    path = tmp_path / "crm.csv"
    path.write_text(csv_text([{"Account ID": "A", "Account name": "a", "ARR": "lots"}]))
    with pytest.raises(SystemExit) as exc:
        cli.main(["validate", str(book), "--accounts", str(path)])
    out = capsys.readouterr()
    assert exc.value.code == 2
    assert out.err.splitlines() == ['crm.csv row 2: ARR "lots" is not a number (ARR expects an amount per year)']


def test_rows_with_too_many_or_too_few_values_are_named(book, tmp_path):
    path = tmp_path / "ragged.csv"
    header = "Account ID,Account name,ARR," + ",".join(SIGNAL_COLUMNS)
    good = ",".join(["R-{}", "n", "5"] + ["1"] * len(SIGNAL_COLUMNS))
    lines = [header] + [good.format(i) for i in range(6)]
    lines[3] = lines[3] + ",extra"  # row 4
    lines[5] = "R-9,n"  # row 6
    path.write_text("\n".join(lines) + "\n")
    assert inputs_problems(book, path) == [
        "ragged.csv row 4: has 12 values but the header has 11 columns (check for an unquoted separator or a missing value in this row)",
        "ragged.csv row 6: has 2 values but the header has 11 columns (check for an unquoted separator or a missing value in this row)",
    ]


def test_na_in_a_text_column_is_north_america_not_a_blank(book, tmp_path):
    from planner.workbook.reader import read_inputs

    path = tmp_path / "regions.csv"
    path.write_text(csv_text([
        {"Account ID": "A1", "Account name": "Acme", "ARR": "1000", "Region": "NA", "Health score": "N/A"},
        {"Account ID": "A2", "Account name": "Beta", "ARR": "2000", "Region": "EMEA", "Health score": "50"},
    ]))
    accounts = read_inputs(book, accounts=path).accounts
    assert list(accounts["region"]) == ["NA", "EMEA"]
    assert pd.isna(accounts["Health score"].iloc[0])
    assert accounts["Health score"].iloc[1] == 50
