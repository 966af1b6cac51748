"""outreach.csv: the columns, the numbers, and hostile cells that stay text when LibreOffice opens the file."""

from __future__ import annotations

import csv
import datetime as dt

import openpyxl
import pytest
from ops_helpers import accounts, default_slas, default_tiers
from test_acceptance_exports import _libreoffice_csv  # the CRM file's LibreOffice import, reused

from planner.operations import operations_report
from planner.writers.outreach import HEADERS, write_outreach_csv

AS_OF = dt.date(2026, 6, 30)
HOSTILE = (("=1+1", "=HYPERLINK(\"http://evil.example\",\"click\")"), ("+IMPORT", "@SUM(A1:A9)"), ("-99", "\tTabbed Co"),
           ("ACC-ok", "Plain & Sons, Ltd."))


@pytest.fixture(scope="module")
def outreach_file(tmp_path_factory):
    rows = [{"account_id": i, "name": n, "arr": 5_000.0, "previous_tier": "Tier 3", "Usage now": 50, "Usage a period ago": 100}
            for i, n in HOSTILE]
    report = operations_report(accounts(rows), default_tiers(), default_slas(), None, as_of=AS_OF)
    path = write_outreach_csv(report.outreach, tmp_path_factory.mktemp("out") / "outreach.csv", report.as_of_date)
    return path


def test_the_file_has_one_row_per_flag_in_the_documented_columns(outreach_file):
    with open(outreach_file, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert tuple(rows[0]) == HEADERS
    assert len(rows) == 4
    first = rows[0]
    assert first["Account ID"] == "'=1+1" and first["Account name"].startswith("'=HYPERLINK")
    assert (first["Tier"], first["Play"], first["Rule"]) == ("Tier 3", "Automated email", "Usage drop")
    # usage 100 -> 50: observed 0.5 against 0.25, as plain numbers; the reason in words
    assert (first["Observed value"], first["Threshold"], first["Unit"], first["Due date"]) == ("0.5", "0.25", "share", "2026-06-30")
    assert first["Reason"] == "Usage fell 50% against the prior period (the rule flags a fall of 25% or more)."
    assert rows[3]["Account ID"] == "ACC-ok" and rows[3]["Account name"] == "Plain & Sons, Ltd."
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@", "\t")), row
    raw = outreach_file.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw


def test_the_same_report_gives_the_same_bytes(outreach_file, tmp_path):
    rows = [{"account_id": i, "name": n, "arr": 5_000.0, "previous_tier": "Tier 3", "Usage now": 50, "Usage a period ago": 100}
            for i, n in HOSTILE]
    report = operations_report(accounts(rows), default_tiers(), default_slas(), None, as_of=AS_OF)
    again = write_outreach_csv(report.outreach, tmp_path / "again.csv", report.as_of_date)
    assert again.read_bytes() == outreach_file.read_bytes()


@pytest.mark.slow
def test_libreoffice_opens_hostile_cells_as_text(outreach_file, tmp_path):
    # control: the same import runs a formula it finds in a plain CSV
    plain = tmp_path / "plain" / "plain.csv"
    plain.parent.mkdir()
    plain.write_text("Account ID\n=1+1\n", encoding="utf-8")
    assert openpyxl.load_workbook(_libreoffice_csv(plain, tmp_path / "plain")).active["A2"].data_type == "f"

    ws = openpyxl.load_workbook(_libreoffice_csv(outreach_file, tmp_path / "lo")).active
    assert [c.data_type for row in ws.iter_rows() for c in row if c.data_type == "f"] == []
    assert [ws.cell(row=i, column=1).value for i in range(2, 6)] == ["'=1+1", "'+IMPORT", "'-99", "ACC-ok"]
    assert ws.cell(row=2, column=2).value.startswith("'=HYPERLINK")
    # the numbers arrive as numbers an import can filter on
    assert ws.cell(row=2, column=7).value == 0.5 and ws.cell(row=2, column=8).value == 0.25


def test_text_kept_in_arrow_or_as_objects_gives_the_same_file(tmp_path):
    rows = [{"account_id": i, "name": n, "arr": 5_000.0, "previous_tier": "Tier 3", "Usage now": 50, "Usage a period ago": 100}
            for i, n in (*HOSTILE, ("ACC-nameless", None), ("ACC-ü", "Ünïcode 東京"))]
    files = []
    for dtype in (object, "str"):  # "str": how the reader keeps text
        frame = accounts(rows)
        for column in ("account_id", "name", "previous_tier"):
            frame[column] = frame[column].astype(dtype)
        report = operations_report(frame, default_tiers(), default_slas(), None, as_of=AS_OF)
        files.append(write_outreach_csv(report.outreach, tmp_path / f"{dtype}.csv", report.as_of_date).read_bytes())
    assert files[0] == files[1]
    with open(tmp_path / "str.csv", encoding="utf-8", newline="") as fh:
        names = {r["Account ID"]: r["Account name"] for r in csv.DictReader(fh)}
    assert names["ACC-nameless"] == "ACC-nameless" and names["ACC-ü"] == "Ünïcode 東京"  # a missing name reads as the id


def test_observed_and_threshold_are_plain_decimals():
    from planner.writers.outreach import _numbers

    values = [3.0, -2.0, 0.5, 0.123456, 12.30001, 0.25, 1e15, float("nan"), float("inf"), float("-inf"), -0.0, 2.00004]
    # written out by hand: whole numbers bare, the rest at most four decimals, no trailing zeros; missing or infinite blank
    want = ["3", "-2", "0.5", "0.1235", "12.3", "0.25", "1000000000000000", "", "", "", "0", "2"]
    assert _numbers(values).to_pylist() == want
    assert _numbers([]).to_pylist() == []


def test_a_missing_or_infinite_figure_reads_as_a_question_mark_in_the_reason():
    import numpy as np
    import pandas as pd

    from planner.report.operations_words import reason_texts

    flags = pd.DataFrame({"rule": ["inactive", "seat_use", "usage_drop"], "observed": [np.inf, np.nan, -np.inf],
                          "threshold": [30.0, 0.5, 0.25]})
    assert reason_texts(flags) == [
        "No activity for ? days (the rule flags 30 days or more).",
        "Only ? of licensed seats are active (the rule flags less than 50%).",
        "Usage fell ? against the prior period (the rule flags a fall of 25% or more).",
    ]
