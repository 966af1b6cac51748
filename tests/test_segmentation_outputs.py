"""The CRM upload file and the results workbook, checked with the real spreadsheet engine (LibreOffice)."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from pathlib import Path

import numpy as np
import openpyxl
import pytest
from seg_helpers import accounts, make_inputs

from planner.inputs import ScoringRule
from planner.segmentation import segment
from planner.writers.crm import HEADERS, write_crm_csv
from planner.writers.results import write_results_workbook
from planner.writers.segmentation_sheets import segmentation_sheets

RULES = (
    ScoringRule("Revenue", "arr", 4.0, 1),
    ScoringRule("Health and maturity", "usage", 2.0, 1),
    ScoringRule("Engagement complexity", "tickets", 1.0, -1),
)

RISKY_IDS = ["=HYPERLINK(\"http://x\",\"y\")", "+1", "-2", "@SUM(A1)", "=1+1", "+A1", "plain", "Ünïcødé 東京"]


def risky_base():
    n = len(RISKY_IDS)
    rng = np.random.default_rng(5)
    return accounts(
        account_id=RISKY_IDS,
        arr=rng.integers(1_000, 100_000, n).astype(float),
        usage=rng.random(n),
        tickets=rng.integers(0, 9, n).astype(float),
        previous_tier=["=cmd|' /C calc'!A0", "Tier 1", None, "Tier 2", "Tier 3", "-Tier", None, "Tier 3"],
        locked_tier=[None] * (n - 1) + ["Tier 2"],
        lock_reason=[None] * (n - 1) + ["=2+3 contract"],
    )


def test_crm_file_columns_encoding_and_neutralised_cells(tmp_path):
    seg = segment(make_inputs(risky_base(), rules=RULES))
    path = write_crm_csv(seg, tmp_path / "crm.csv")
    raw = path.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    assert raw.startswith(b'"Account ID","Tier","Previous tier","Tier changed","Score","Reason"\r\n')
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8"), newline="")))
    assert tuple(rows[0]) == HEADERS and len(rows) == 1 + len(RISKY_IDS)
    ids = [r[0] for r in rows[1:]]
    assert ids == ["'=HYPERLINK(\"http://x\",\"y\")", "'+1", "'-2", "'@SUM(A1)", "'=1+1", "'+A1", "plain", "Ünïcødé 東京"]
    assert [r[2] for r in rows[1:]][:6] == ["'=cmd|' /C calc'!A0", "Tier 1", "", "Tier 2", "Tier 3", "'-Tier"]
    for r, (_, acc) in zip(rows[1:], seg.accounts.iterrows()):
        assert r[1] == acc["tier"]
        assert r[3] == ("Yes" if acc["changed"] else "No")
        assert r[4] == f"{acc['score']:.2f}"
        assert r[5] == acc["reason"] and r[5][0] not in "=+-@\t\r"
    assert rows[-1][5].startswith("Locked to Tier 2: =2+3 contract.")


def test_tab_and_carriage_return_at_the_start_are_neutralised_too():
    import pyarrow as pa

    from planner.writers.crm import neutralise

    got = neutralise(pa.array(["\tx", "\rx", " =x", "x=", None, "", "'=x"])).to_pylist()
    assert got == ["'\tx", "'\rx", " =x", "x=", "", "", "'=x"]
    assert neutralise(pa.array(["x", None, "a=b"])).to_pylist() == ["x", "", "a=b"]  # nothing risky: the text as it was


def test_crm_file_bytes_are_deterministic(tmp_path):
    a = write_crm_csv(segment(make_inputs(risky_base(), rules=RULES)), tmp_path / "a.csv").read_bytes()
    b = write_crm_csv(segment(make_inputs(risky_base(), rules=RULES)), tmp_path / "b.csv").read_bytes()
    assert a == b


def _libreoffice(src: Path, out_dir: Path, recalc_always: bool, infilter: str | None = None) -> Path:
    """Convert with headless LibreOffice (own profile); optionally force recalculation of every formula on load."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    assert soffice, "LibreOffice is part of the test setup (libreoffice-calc-nogui)"
    profile = out_dir / "lo-profile"
    if recalc_always:
        (profile / "user").mkdir(parents=True, exist_ok=True)
        (profile / "user" / "registrymodifications.xcu").write_text(
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n'
            '<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse">'
            "<value>0</value></prop></item>\n</oor:items>\n"
        )
    result = subprocess.run(
        [soffice, "--headless", "--norestore", f"-env:UserInstallation={profile.resolve().as_uri()}"]
        + ([f"--infilter={infilter}"] if infilter else [])
        + ["--convert-to", "xlsx", "--outdir", str(out_dir / "converted"), str(src)],
        capture_output=True, text=True, timeout=240,
    )
    converted = out_dir / "converted" / (src.stem + ".xlsx")
    assert result.returncode == 0 and converted.exists(), result.stderr
    return converted


UTF8_CSV = "CSV:44,34,76,1"  # comma, double quote, UTF-8, from line 1 (how a user imports the file)


@pytest.mark.slow
def test_crm_file_opened_in_a_spreadsheet_holds_text_not_formulas(tmp_path):
    seg = segment(make_inputs(risky_base(), rules=RULES))
    path = write_crm_csv(seg, tmp_path / "crm.csv")
    # control: LibreOffice runs a formula it finds in a CSV cell, so the neutralising matters
    control = tmp_path / "control" / "plain.csv"
    control.parent.mkdir()
    control.write_text('a\n=1+1\n', encoding="utf-8")
    assert openpyxl.load_workbook(_libreoffice(control, tmp_path / "control", False, UTF8_CSV)).active["A2"].data_type == "f"

    ws = openpyxl.load_workbook(_libreoffice(path, tmp_path, False, UTF8_CSV)).active
    cells = [c for row in ws.iter_rows() for c in row if c.value is not None]
    assert len(cells) == 6 * (1 + len(RISKY_IDS)) - 2  # two blank previous tiers
    assert all(c.data_type != "f" for c in cells)
    column_a = [ws.cell(row=i, column=1).value for i in range(2, 2 + len(RISKY_IDS))]
    assert column_a == ["'=HYPERLINK(\"http://x\",\"y\")", "'+1", "'-2", "'@SUM(A1)", "'=1+1", "'+A1", "plain", "Ünïcødé 東京"]
    assert [ws.cell(row=1, column=j).value for j in range(1, 7)] == list(HEADERS)


@pytest.mark.slow
def test_the_tier_formula_in_the_results_workbook_reproduces_every_score_tier(tmp_path):
    rng = np.random.default_rng(11)
    n = 150
    acc = accounts(
        arr=np.round(rng.lognormal(9.5, 1.2, n), -2),
        usage=np.where(rng.random(n) < 0.1, np.nan, rng.random(n)),
        tickets=rng.integers(0, 12, n).astype(float),
        previous_tier=rng.choice(["Tier 1", "Tier 2", "Tier 3", None], n),
    )
    seg = segment(make_inputs(acc, rules=RULES))
    src = tmp_path / "in" / "results.xlsx"
    write_results_workbook(src, segmentation_sheets(seg))
    converted = _libreoffice(src, tmp_path, recalc_always=True)
    ws = openpyxl.load_workbook(converted, data_only=True)["Account tiers"]
    assert [c.value for c in ws[4][:6]] == ["Account ID", "Name", "ARR", "Score", "Tier by score", "Tier"]
    got = [(r[0], r[3], r[4]) for r in ws.iter_rows(min_row=5, max_row=4 + n, values_only=True)]
    expected = list(zip(seg.accounts["account_id"], seg.accounts["score"], seg.accounts["score_tier"].astype(str)))
    assert got == expected
    assert {t for _, _, t in got} == {"Tier 1", "Tier 2", "Tier 3"}
