"""CRM exports the way warehouses and Excel write them (issue 12, points 3, 9, 12): Parquet DECIMAL, integer-as-string
and DATE columns; UTF-16 ("Unicode Text"), UTF-8 with a byte-order mark and Windows-1252/Latin-1 CSVs; bytes that are
no text; an "n/a" ARR."""

from __future__ import annotations

import datetime as dt
import decimal

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from planner import cli
from planner.errors import UserInputError
from planner.workbook.defaults import SIGNAL_COLUMNS, default_content
from planner.workbook.reader import read_inputs
from planner.workbook.template import write_workbook


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    c = default_content()
    c.finance["budget"] = 3_000_000
    row = dict.fromkeys(c.accounts.columns)
    row.update(account_id="S-1", name="Sheet account", arr=1000.0)
    c.accounts = pd.DataFrame([row], columns=c.accounts.columns)
    path = tmp_path_factory.mktemp("acc") / "book.xlsx"
    write_workbook(path, c)
    return path


def test_parquet_decimal_integer_as_string_and_date_columns(book, tmp_path):
    D = decimal.Decimal
    n = 3
    cols = {
        "Account ID": pa.array(["A-1", "A-2", "A-3"]),
        "Account name": pa.array(["Alpha", "Beta", "Gamma"]),
        "ARR": pa.array([D("11600.00"), D("79400.50"), D("0.00")], pa.decimal128(18, 2)),  # a warehouse's money type
        "Employees": pa.array(["144", "617", None]),  # integers stored as text
        "Renewal date": pa.array([dt.date(2026, 3, 1), dt.date(2026, 6, 30), None], pa.date32()),
        "Region": pa.array(["NA", "EMEA", "APAC"]).dictionary_encode(),
    }
    for s in SIGNAL_COLUMNS:
        cols[s] = pa.array([D("55.5"), D("0.1"), None] if s == "Health score" else [D("1")] * n, pa.decimal128(5, 1))
    path = tmp_path / "crm.parquet"
    pq.write_table(pa.table(cols), path)
    inputs = read_inputs(book, accounts=path)
    acc = inputs.accounts
    assert acc["arr"].tolist() == [11_600.0, 79_400.5, 0.0]
    assert acc["employees"].iloc[:2].tolist() == [144.0, 617.0]
    # before: a decimal health score was treated as missing on every row
    assert acc["Health score"].iloc[:2].tolist() == [55.5, 0.1] and pd.isna(acc["Health score"].iloc[2])
    assert acc["region"].tolist() == ["NA", "EMEA", "APAC"]
    assert inputs.outcomes is not None
    renewal = pd.to_datetime(pd.Series(acc["Renewal date"]))
    assert renewal.iloc[0] == pd.Timestamp(2026, 3, 1) and renewal.iloc[1] == pd.Timestamp(2026, 6, 30)


ROWS = [("A-1", "Zürich Bank", "11600"), ("A-2", "Crème Brûlée Ltd", "79400"), ("A-3", "Ørsted £", "300")]


def export_text(delimiter: str = ",") -> str:
    head = ["Account ID", "Account name", "ARR", *SIGNAL_COLUMNS]
    lines = [delimiter.join(head)] + [delimiter.join([*r, *["1"] * len(SIGNAL_COLUMNS)]) for r in ROWS]
    return "\r\n".join(lines) + "\r\n"


@pytest.mark.parametrize("encoding,delimiter", [
    ("utf-16", "\t"),  # Excel's "Unicode Text": UTF-16 LE with a byte-order mark, tab-separated
    ("utf-16-le", ","),  # no byte-order mark
    ("utf-16-be", ","),
    ("utf-8-sig", ","),  # Excel's "CSV UTF-8"
    ("cp1252", ","),  # Excel's "CSV (comma delimited)" on Windows
    ("latin-1", ";"),
])
def test_csv_encodings(book, tmp_path, encoding, delimiter):
    path = tmp_path / "crm.csv"
    path.write_bytes(export_text(delimiter).encode(encoding))
    acc = read_inputs(book, accounts=path).accounts
    assert acc["name"].tolist() == [r[1] for r in ROWS]
    assert acc["arr"].tolist() == [11_600.0, 79_400.0, 300.0]


def test_undecodable_bytes_give_a_plain_message(book, tmp_path, capsys):
    # byte 0x81 is neither UTF-8 nor Windows-1252 (it has no character there)
    data = export_text().encode("utf-8").replace("Crème".encode(), b"Cr\x81me")
    path = tmp_path / "crm.csv"
    path.write_bytes(data)
    at = data.index(b"\x81")
    with pytest.raises(UserInputError) as err:
        read_inputs(book, accounts=path)
    (p,) = err.value.problems
    assert p.where == "crm.csv line 3"  # the header is line 1, the second account line 3
    assert p.message == (f"holds bytes that are not text in UTF-8 or Windows-1252/Latin-1 (byte {at + 1:,} of the file is 0x81): "
                         "the file is damaged or in another encoding")
    assert "codec" not in str(err.value)
    with pytest.raises(SystemExit) as exc:
        cli.main(["validate", str(book), "--accounts", str(path)])
    assert exc.value.code == 2
    assert capsys.readouterr().err.splitlines() == [f"{p.where}: {p.message} ({p.expected})"]


def test_broken_utf16_says_which_line(book, tmp_path):
    data = export_text().encode("utf-16")
    bad = data.index("A-3".encode("utf-16-le"))
    data = data[:bad] + b"\x00\xdc" + data[bad:]  # a lone low surrogate before the third account
    path = tmp_path / "crm.csv"
    path.write_bytes(data)
    with pytest.raises(UserInputError) as err:
        read_inputs(book, accounts=path)
    (p,) = err.value.problems
    assert p.where == "crm.csv line 4"
    assert "not UTF-16 text (Excel's Unicode Text)" in p.message


def test_na_arr_is_said_as_such(book, tmp_path):
    path = tmp_path / "crm.csv"
    path.write_text(export_text().replace("A-2,Crème Brûlée Ltd,79400", "A-2,Creme,n/a"), encoding="utf-8")
    with pytest.raises(UserInputError) as err:
        read_inputs(book, accounts=path)
    lines = [str(p) for p in err.value.problems]
    assert any('crm.csv row 3' in x and 'ARR is "n/a" (no value)' in x for x in lines), lines
    assert not any("ARR is blank" in x for x in lines)
