"""Write-back into the user's own workbook: only TierPlan's result-sheet parts change, atomically, with a backup."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import stat
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import xlsxwriter
from python_calamine import CalamineWorkbook

from planner.errors import UserInputError
from planner.excel.vba import shipped_vba_project
from planner.schema import MONEY_FORMAT, PERCENT_FORMAT
from planner.writers import writeback
from planner.writers.results import Formula, ResultSheet
from planner.writers.writeback import WriteBackResult, write_back
from planner.writers.writeback.package import Package

NOW = dt.datetime(2027, 3, 4, 5, 6, 7)
LATER = dt.datetime(2027, 3, 5, 9, 0, 0)
OWNED = {"xl/workbook.xml", "xl/_rels/workbook.xml.rels", "[Content_Types].xml"}


# ------------------------------------------------------------------ fixtures


def make_rich_book(path: Path, vba_dir: Path) -> Path:
    """An .xlsm with VBA, a form button, a chart, sparklines, a 2010 data bar, a note and a stale cached value."""
    vba = vba_dir / "vbaProject.bin"
    vba.write_bytes(shipped_vba_project())
    wb = xlsxwriter.Workbook(str(path))
    money = wb.add_format({"num_format": MONEY_FORMAT})
    pct = wb.add_format({"num_format": PERCENT_FORMAT})
    bold = wb.add_format({"bold": True})
    ws = wb.add_worksheet("Inputs")
    ws.write_row(0, 0, ["Tier", "ARR", "Share"], bold)
    for i, (tier, arr, share) in enumerate([("Gold", 1000.0, 0.5), ("Silver", 600.0, 0.3), ("Bronze", 400.0, 0.2)], start=1):
        ws.write_string(i, 0, tier)
        ws.write_number(i, 1, arr, money)
        ws.write_number(i, 2, share, pct)
    # deliberately wrong cached result: 2000 is the true sum, 12345 is what the file claims
    ws.write_formula(4, 1, "=SUM(B2:B4)", money, 12345)
    ws.add_sparkline(1, 4, {"range": "Inputs!B2:C2"})
    ws.add_sparkline(2, 4, {"range": "Inputs!B3:C3"})
    ws.conditional_format("B2:B4", {"type": "data_bar", "data_bar_2010": True})
    ws.data_validation("A2:A4", {"validate": "list", "source": ["Gold", "Silver", "Bronze"]})
    ws.write_comment("A1", "Tier names as in the CRM")
    chart = wb.add_chart({"type": "column"})
    chart.add_series({"categories": "=Inputs!$A$2:$A$4", "values": "=Inputs!$B$2:$B$4"})
    ws.insert_chart("G2", chart)
    ws.insert_button("E8", {"macro": "SampleCall", "caption": "Run"})
    notes = wb.add_worksheet("Notes")
    notes.write_string(0, 0, "A sheet of the user's")
    wb.define_name("TotalARR", "=Inputs!$B$5")
    wb.add_vba_project(str(vba))
    wb.close()
    return path


@pytest.fixture()
def book(tmp_path: Path) -> Path:
    folder = tmp_path / "books"
    folder.mkdir()
    return make_rich_book(folder / "plan book.xlsm", tmp_path)


def results() -> dict:
    plan = pd.DataFrame({
        "tier": ["Gold", "Silver", "Bronze"],
        "annual_cost": [123456.5, 65432.25, 9876.0],
        "cost_share": [0.125, 0.25, 0.0625],
        "named": [True, False, False],
    })
    heads = pd.DataFrame({"role": ["CSM", "TAM"], "fte": [3.5, 1.0]})
    return {
        "Plan": ResultSheet(plan, title="Service plan", note="Intervals per tier"),
        "Headcount": heads,
    }


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {i.filename: zf.read(i) for i in zf.infolist()}


def sheet_names(path: Path) -> list[str]:
    return CalamineWorkbook.from_path(str(path)).sheet_names


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if "tierplan" in p.name)


# ------------------------------------------------------------------ only our parts change


def test_every_part_the_tool_does_not_own_stays_byte_identical(book: Path):
    before = parts(book)
    result = write_back(book, results(), now=NOW)
    after = parts(book)
    assert isinstance(result, WriteBackResult)
    assert result.added == ("Plan", "Headcount") and result.replaced == () and not result.dropped_calc_chain
    new_parts = set(after) - set(before)
    assert len(new_parts) == 2 and all(re.fullmatch(r"xl/worksheets/sheet\d+\.xml", p) for p in new_parts)
    for name, data in before.items():
        if name in OWNED:
            continue
        assert after[name] == data, f"{name} changed"
    # the parts that matter most, named explicitly
    assert after["xl/vbaProject.bin"] == before["xl/vbaProject.bin"]
    assert after["xl/drawings/vmlDrawing1.vml"] == before["xl/drawings/vmlDrawing1.vml"]
    assert b"<v>12345</v>" in after["xl/worksheets/sheet1.xml"]  # stale cached value kept as it was
    assert b"x14:sparklineGroups" in after["xl/worksheets/sheet1.xml"]
    assert after["xl/sharedStrings.xml"] == before["xl/sharedStrings.xml"]
    assert after["xl/styles.xml"] == before["xl/styles.xml"]
    # workbook.xml: the user's sheets and defined name are still there, ours appended after them
    wb_xml = after["xl/workbook.xml"].decode()
    assert re.findall(r'<sheet name="([^"]+)"', wb_xml) == ["Inputs", "Notes", "Plan", "Headcount"]
    assert '<definedName name="TotalARR">Inputs!$B$5</definedName>' in wb_xml
    assert 'fullCalcOnLoad="1"' in wb_xml
    # the result cells are inline strings: nothing refers to the shared-string table
    for p in new_parts:
        assert b't="s"' not in after[p] and b'inlineStr' in after[p]


def test_result_sheets_read_back_in_openpyxl_and_calamine(book: Path):
    write_back(book, results(), now=NOW)
    cal = CalamineWorkbook.from_path(str(book))
    rows = cal.get_sheet_by_name("Plan").to_python()
    stamp = "Written by TierPlan on 2027-03-04 05:06. Replaced at each run: do not edit, your changes here would be lost."
    # the table sits where planner.writers.results puts it (title, note, blank row, header): the stamp fills the blank row
    assert rows[0][0] == "Service plan"
    assert rows[1][0] == "Intervals per tier"
    assert rows[2][0] == stamp
    assert rows[3] == ["Tier", "Annual cost", "Cost share", "Named"]
    assert rows[4] == ["Gold", 123456.5, 0.125, True]
    assert rows[6] == ["Bronze", 9876.0, 0.0625, False]
    wb = openpyxl.load_workbook(book, keep_vba=True)
    ws = wb["Headcount"]  # no title or note: header on row 1, the stamp two columns to the right of the table
    assert [c.value for c in ws[1]] == ["Role", "Fte", None, stamp]
    assert [c.value for c in ws[2]][:2] == ["CSM", 3.5]
    assert ws.freeze_panes == "A2"
    plan = wb["Plan"]
    assert plan.freeze_panes == "A5"
    # the workbook already had money and percent styles: the result cells reuse them
    assert plan["B5"].number_format == MONEY_FORMAT
    assert plan["C5"].number_format == PERCENT_FORMAT
    assert plan["A4"].font.b is True and plan["A1"].font.b is True
    assert plan["A2"].font.b is False
    assert wb.sheetnames == ["Inputs", "Notes", "Plan", "Headcount"]


@pytest.mark.slow
def test_libreoffice_opens_the_patched_workbook(book: Path, tmp_path: Path):
    sheets = results()
    scores = pd.DataFrame({"score": [80.0, 40.0], "tier_by_score": [Formula('=IF(A5>=50,"High","Low")'), Formula('=IF(A6>=50,"High","Low")')]})
    sheets["Account tiers"] = ResultSheet(scores, title="Accounts", note="Tier by score is a live formula")
    write_back(book, sheets, now=NOW)
    out = tmp_path / "lo"
    subprocess.run(
        ["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo-profile", "--convert-to", "xlsx", "--outdir", str(out), str(book)],
        check=True, capture_output=True, timeout=120,
    )
    converted = out / (book.stem + ".xlsx")
    wb = openpyxl.load_workbook(converted, data_only=True)
    assert wb.sheetnames == ["Inputs", "Notes", "Plan", "Headcount", "Account tiers"]
    assert [c.value for c in wb["Plan"][6]] == ["Silver", 65432.25, 0.25, False]
    # the formulas we wrote (no cached value) are calculated by LibreOffice, on their own rows
    assert [wb["Account tiers"]["B5"].value, wb["Account tiers"]["B6"].value] == ["High", "Low"]
    assert wb["Headcount"]["B3"].value == 1
    assert wb["Inputs"]["A2"].value == "Gold"


# ------------------------------------------------------------------ atomic, with a backup


def test_backup_is_the_untouched_original_with_a_timestamped_name(book: Path):
    original = book.read_bytes()
    result = write_back(book, results(), now=NOW)
    assert result.backup == book.with_name("plan book.backup-20270304-050607.xlsm")
    assert result.backup.read_bytes() == original
    assert result.book == book
    # a second run in the same second does not overwrite the first backup
    second = write_back(book, results(), now=NOW)
    assert second.backup == book.with_name("plan book.backup-20270304-050607-2.xlsm")
    assert result.backup.read_bytes() == original


def test_crash_at_replace_leaves_book_and_backup_intact(book: Path, monkeypatch):
    original = book.read_bytes()

    real_replace = writeback.os.replace

    def crash(src, dst):
        # only the rename over the book fails: the backup is now itself made under a temporary name and renamed
        if Path(dst) == book:
            raise OSError("disk pulled out")
        return real_replace(src, dst)

    monkeypatch.setattr(writeback.os, "replace", crash)
    # an OSError now reaches the user as one plain problem (issue 12), no longer as a traceback
    with pytest.raises(UserInputError, match="disk pulled out; the workbook was not changed"):
        write_back(book, results(), now=NOW)
    assert book.read_bytes() == original
    backup = book.with_name("plan book.backup-20270304-050607.xlsm")
    assert backup.read_bytes() == original
    assert leftovers(book.parent) == []  # no temporary file left beside the book


def test_failed_verification_leaves_book_untouched_and_makes_no_backup(book: Path, monkeypatch):
    original = book.read_bytes()

    def broken(*args, **kwargs):
        raise RuntimeError("write-back verification: injected")

    monkeypatch.setattr(writeback, "verify", broken)
    with pytest.raises(RuntimeError, match="injected"):
        write_back(book, results(), now=NOW)
    assert book.read_bytes() == original
    assert sorted(p.name for p in book.parent.iterdir()) == [book.name]


def test_crash_while_writing_the_temporary_file(book: Path, monkeypatch):
    original = book.read_bytes()
    real = Package.write

    def half_then_crash(self, dest, parts, drop):
        real(self, dest, parts, drop)
        with open(dest, "r+b") as fh:
            fh.truncate(1000)
        raise KeyboardInterrupt

    monkeypatch.setattr(Package, "write", half_then_crash)
    with pytest.raises(KeyboardInterrupt):
        write_back(book, results(), now=NOW)
    assert book.read_bytes() == original
    assert sorted(p.name for p in book.parent.iterdir()) == [book.name]


def test_verification_catches_a_corrupt_temporary_package(book: Path, monkeypatch):
    original = book.read_bytes()
    real = Package.write

    def corrupt(self, dest, parts, drop):
        bad = dict(parts)
        first_new = next(p for p in parts if p.startswith("xl/worksheets/"))
        bad[first_new] = b"<worksheet"
        real(self, dest, bad, drop)

    monkeypatch.setattr(Package, "write", corrupt)
    with pytest.raises(RuntimeError, match=r"write-back verification: xl/worksheets/sheet\d+\.xml is not well-formed XML"):
        write_back(book, results(), now=NOW)
    assert book.read_bytes() == original
    assert sorted(p.name for p in book.parent.iterdir()) == [book.name]


# ------------------------------------------------------------------ later runs


def test_second_run_replaces_its_sheets_instead_of_adding_more(book: Path):
    write_back(book, results(), now=NOW)
    first = parts(book)
    changed = results()
    changed["Headcount"] = pd.DataFrame({"role": ["CSM", "TAM", "Support"], "fte": [4.0, 2.0, 6.5]})
    result = write_back(book, changed, now=LATER)
    assert result.added == () and set(result.replaced) == {"Plan", "Headcount"}
    assert sheet_names(book) == ["Inputs", "Notes", "Plan", "Headcount"]
    after = parts(book)
    assert set(after) == set(first)  # same parts: replaced in place
    assert after["xl/workbook.xml"] == first["xl/workbook.xml"]
    rows = CalamineWorkbook.from_path(str(book)).get_sheet_by_name("Headcount").to_python()
    assert rows[0][3].startswith("Written by TierPlan on 2027-03-05 09:00")
    assert rows[-1][:2] == ["Support", 6.5]


def test_a_result_sheet_the_new_run_did_not_produce_says_so(book: Path):
    write_back(book, results(), now=NOW)
    result = write_back(book, {"Plan": results()["Plan"]}, now=LATER)
    assert result.replaced == ("Plan",) and result.stale == ("Headcount",)
    rows = CalamineWorkbook.from_path(str(book)).get_sheet_by_name("Headcount").to_python()
    assert rows[2][0].startswith("The TierPlan run of 2027-03-05 09:00 did not produce this sheet")
    assert "CSM" not in [r[0] for r in rows]


@pytest.mark.slow
def test_stamp_is_recognised_after_another_application_saved_the_book(book: Path, tmp_path: Path):
    """LibreOffice (like Excel) turns the inline strings into shared strings when it saves; the stamp still counts."""
    write_back(book, results(), now=NOW)
    out = tmp_path / "resaved"
    subprocess.run(
        ["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo-profile", "--convert-to", "xlsx", "--outdir", str(out), str(book)],
        check=True, capture_output=True, timeout=120,
    )
    resaved = out / (book.stem + ".xlsx")
    with zipfile.ZipFile(resaved) as zf:
        assert all(b"inlineStr" not in zf.read(n) for n in zf.namelist() if n.startswith("xl/worksheets/sheet"))
    result = write_back(resaved, results(), now=LATER)
    assert set(result.replaced) == {"Plan", "Headcount"} and result.added == ()
    assert sheet_names(resaved) == ["Inputs", "Notes", "Plan", "Headcount"]


def test_replacing_a_sheet_that_had_formulas_drops_the_calculation_chain(book: Path):
    with_formula = {"Plan": ResultSheet(pd.DataFrame({"tier": ["Gold"], "total": [Formula("=1+1")]}))}
    write_back(book, with_formula, now=NOW)
    _add_calc_chain(book)
    keep = write_back(book, results(), now=LATER)  # replaces a sheet that had a formula
    assert keep.dropped_calc_chain
    after = parts(book)
    assert "xl/calcChain.xml" not in after
    assert b"calcChain" not in after["xl/_rels/workbook.xml.rels"]
    assert b"calcChain" not in after["[Content_Types].xml"]
    # without formulas in the replaced sheets the chain stays, byte for byte
    _add_calc_chain(book)
    chain = parts(book)["xl/calcChain.xml"]
    again = write_back(book, results(), now=LATER)
    assert not again.dropped_calc_chain
    assert parts(book)["xl/calcChain.xml"] == chain


def _add_calc_chain(path: Path) -> None:
    """Give the package a calcChain part the way Excel does (one entry for the user's formula)."""
    old = parts(path)
    old["xl/calcChain.xml"] = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        b'<calcChain xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><c r="B5" i="1"/></calcChain>'
    )
    old["xl/_rels/workbook.xml.rels"] = old["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>",
        b'<Relationship Id="rId99" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/calcChain" Target="calcChain.xml"/></Relationships>',
    )
    old["[Content_Types].xml"] = old["[Content_Types].xml"].replace(
        b"</Types>",
        b'<Override PartName="/xl/calcChain.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.calcChain+xml"/></Types>',
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in old.items():
            zf.writestr(name, data)


# ------------------------------------------------------------------ refusals


def test_refuses_when_excel_holds_the_workbook(book: Path):
    lock = book.with_name("~$" + book.name)
    lock.write_bytes(b"\x05Alice")
    original = book.read_bytes()
    with pytest.raises(UserInputError) as err:
        write_back(book, results(), now=NOW)
    assert str(err.value) == (
        f"{book}: the workbook is open in Excel (~$plan book.xlsm exists beside it) "
        "(close it in Excel, then run again; if it is not open, delete ~$plan book.xlsm)"
    )
    assert book.read_bytes() == original
    assert sorted(p.name for p in book.parent.iterdir()) == sorted([book.name, lock.name])


def test_refuses_when_libreoffice_holds_the_workbook(book: Path):
    book.with_name(f".~lock.{book.name}#").write_text("Bob,host,...")
    with pytest.raises(UserInputError, match=r"the workbook is open in LibreOffice \(\.~lock\.plan book\.xlsm# exists beside it\)"):
        write_back(book, results(), now=NOW)


def test_refuses_a_read_only_workbook(book: Path):
    original = book.read_bytes()
    book.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    try:
        with pytest.raises(UserInputError) as err:
            write_back(book, results(), now=NOW)
    finally:
        book.chmod(stat.S_IRUSR | stat.S_IWUSR)
    assert str(err.value) == f"{book}: the workbook is read-only (clear the read-only flag or copy the workbook, then run again)"
    assert book.read_bytes() == original
    assert sorted(p.name for p in book.parent.iterdir()) == [book.name]


def test_refuses_files_that_are_not_workbooks(tmp_path: Path):
    csv = tmp_path / "accounts.csv"
    csv.write_text("a,b\n1,2\n")
    with pytest.raises(UserInputError, match=r"write-back works on \.xlsx and \.xlsm workbooks, not \.csv"):
        write_back(csv, results())
    fake = tmp_path / "fake.xlsx"
    fake.write_text("not a zip")
    with pytest.raises(UserInputError, match=r"fake\.xlsx: is not an Excel workbook \(not a zip package\)"):
        write_back(fake, results())
    odd = tmp_path / "odd.xlsx"
    with zipfile.ZipFile(odd, "w") as zf:
        zf.writestr("hello.txt", "hi")
    with pytest.raises(UserInputError, match=r"no \[Content_Types\]\.xml"):
        write_back(odd, results())
    with pytest.raises(UserInputError, match="does not exist"):
        write_back(tmp_path / "missing.xlsx", results())


def test_refuses_to_replace_a_sheet_of_the_users_with_a_result_name(tmp_path: Path):
    path = tmp_path / "mine.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    wb.add_worksheet("Inputs").write_string(0, 0, "x")
    wb.add_worksheet("Plan").write_string(0, 0, "My own plan, typed by hand")
    wb.close()
    original = path.read_bytes()
    with pytest.raises(UserInputError) as err:
        write_back(path, results(), now=NOW)
    assert str(err.value) == (
        "mine.xlsx!Plan: a sheet named 'Plan' exists and was not written by TierPlan (no 'Written by TierPlan' stamp in its first 5 rows) "
        "(rename or delete that sheet so TierPlan can write its 'Plan' results, or run without --write-back)"
    )
    assert path.read_bytes() == original
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.xlsx"]


def test_refuses_to_add_sheets_to_a_structure_protected_workbook(tmp_path: Path):
    path = tmp_path / "locked.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    wb.add_worksheet("Inputs")
    wb.close()
    data = parts(path)
    data["xl/workbook.xml"] = data["xl/workbook.xml"].replace(b"<bookViews>", b'<workbookProtection lockStructure="1"/><bookViews>')
    with zipfile.ZipFile(path, "w") as zf:
        for name, blob in data.items():
            zf.writestr(name, blob)
    with pytest.raises(UserInputError, match="the workbook structure is protected"):
        write_back(path, results(), now=NOW)


def test_rejects_names_that_are_not_result_sheets(book: Path):
    with pytest.raises(ValueError, match="Inputs"):
        write_back(book, {"Inputs": pd.DataFrame({"a": [1]})}, now=NOW)


# ------------------------------------------------------------------ workbooks made by other applications


def test_workbook_with_prefixed_namespaces_and_no_styles(tmp_path: Path):
    """Some generators (the .NET Open XML SDK among them) write every element with an x: prefix."""
    path = tmp_path / "prefixed.xlsx"
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    files = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="utf-8"?><ct:Types xmlns:ct="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<ct:Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<ct:Default Extension="xml" ContentType="application/xml"/>'
            '<ct:Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<ct:Override PartName="/xl/worksheets/data.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            "</ct:Types>"
        ),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="utf-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="R1" Type="{rel}/officeDocument" Target="/xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="utf-8"?><x:workbook xmlns:x="{main}" xmlns:rr="{rel}">'
            '<x:sheets><x:sheet name="Data" sheetId="7" rr:id="R9"/></x:sheets></x:workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="utf-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="R9" Type="{rel}/worksheet" Target="/xl/worksheets/data.xml"/></Relationships>'
        ),
        "xl/worksheets/data.xml": (
            f'<?xml version="1.0" encoding="utf-8"?><x:worksheet xmlns:x="{main}"><x:sheetData>'
            '<x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>hello</x:t></x:is></x:c></x:row></x:sheetData></x:worksheet>'
        ),
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in files.items():
            zf.writestr(name, text)
    result = write_back(path, results(), now=NOW)
    assert result.added == ("Plan", "Headcount")
    wb_xml = parts(path)["xl/workbook.xml"].decode()
    assert '<x:sheet name="Plan" sheetId="8" xmlns:r="' in wb_xml
    assert '<x:calcPr fullCalcOnLoad="1"/></x:workbook>' in wb_xml
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Data", "Plan", "Headcount"]
    assert wb["Plan"]["B5"].value == 123456.5
    assert wb["Plan"]["B5"].number_format == "General"  # no styles to borrow: default cell format
    assert wb["Data"]["A1"].value == "hello"


@pytest.mark.slow
def test_workbook_saved_by_libreoffice(tmp_path: Path):
    source = tmp_path / "source.xlsx"
    wb = xlsxwriter.Workbook(str(source))
    ws = wb.add_worksheet("Inputs")
    ws.write_row(0, 0, ["a", "b"])
    ws.write_formula(1, 0, "=1+2", None, 3)
    wb.close()
    out = tmp_path / "lo"
    subprocess.run(
        ["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo-profile", "--convert-to", "xlsx", "--outdir", str(out), str(source)],
        check=True, capture_output=True, timeout=120,
    )
    book = out / "source.xlsx"
    before = parts(book)
    write_back(book, results(), now=NOW)
    after = parts(book)
    for name, data in before.items():
        if name not in OWNED:
            assert after[name] == data, name
    assert CalamineWorkbook.from_path(str(book)).get_sheet_by_name("Plan").to_python()[4][0] == "Gold"


def test_text_that_looks_like_a_formula_stays_text(book: Path):
    sheet = {"Plan": pd.DataFrame({"account": ["=HYPERLINK(\"http://x\")", "  padded  ", "tab\tand\x01control"]})}
    write_back(book, sheet, now=NOW)
    wb = openpyxl.load_workbook(book)
    ws = wb["Plan"]
    assert ws["A2"].value == '=HYPERLINK("http://x")' and ws["A2"].data_type == "s"
    assert ws["A3"].value == "  padded  "
    assert ws["A4"].value == "tab\tandcontrol"


def test_workbook_saved_by_excel(tmp_path: Path):
    """xlwings' quickstart.xlsm was last saved by Excel (mc:Ignorable, x15/xr extensions, shared strings, VBA)."""
    from planner.excel.vba import xlwings_source_workbook

    book = tmp_path / "quickstart.xlsm"
    shutil.copyfile(xlwings_source_workbook().with_name("quickstart.xlsm"), book)
    before = parts(book)
    result = write_back(book, results(), now=NOW)
    assert result.added == ("Plan", "Headcount")
    after = parts(book)
    for name, data in before.items():
        if name not in OWNED:
            assert after[name] == data, name
    wb_xml = after["xl/workbook.xml"].decode()
    old_xml = before["xl/workbook.xml"].decode()
    # the only edits: two sheets appended (next free ids: sheetId 3, rId7 after rId1..rId6), fullCalcOnLoad added
    assert wb_xml == old_xml.replace(
        '<sheet name="_xlwings.conf" sheetId="2" r:id="rId2"/></sheets>',
        '<sheet name="_xlwings.conf" sheetId="2" r:id="rId2"/><sheet name="Plan" sheetId="3" r:id="rId7"/>'
        '<sheet name="Headcount" sheetId="4" r:id="rId8"/></sheets>',
    ).replace('<calcPr calcId="171027" concurrentCalc="0"/>', '<calcPr calcId="171027" concurrentCalc="0" fullCalcOnLoad="1"/>')
    assert sheet_names(book) == ["Sheet1", "_xlwings.conf", "Plan", "Headcount"]
    assert openpyxl.load_workbook(book, keep_vba=True)["Headcount"]["A2"].value == "CSM"


def test_refuses_strict_open_xml(tmp_path: Path):
    path = tmp_path / "strict.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    wb.add_worksheet("Inputs")
    wb.close()
    data = parts(path)
    data["xl/workbook.xml"] = data["xl/workbook.xml"].replace(
        b"http://schemas.openxmlformats.org/spreadsheetml/2006/main", b"http://purl.oclc.org/ooxml/spreadsheetml/main")
    with zipfile.ZipFile(path, "w") as zf:
        for name, blob in data.items():
            zf.writestr(name, blob)
    with pytest.raises(UserInputError, match="Strict Open XML"):
        write_back(path, results(), now=NOW)


def test_formulas_point_at_the_same_rows_as_in_the_results_workbook(book: Path, tmp_path: Path):
    """Core result sheets carry formulas written for planner.writers.results' layout (e.g. Account tiers' tier by score)."""
    from planner.writers.results import write_results_workbook

    # title row 1, note row 2, blank row 3, header row 4: data starts on row 5
    table = pd.DataFrame({"score": [80.0, 40.0], "tier_by_score": [Formula('=IF(A5>=50,"High","Low")'), Formula('=IF(A6>=50,"High","Low")')]})
    sheets = {"Account tiers": ResultSheet(table, title="Accounts", note="Tier by score is live")}
    reference = write_results_workbook(tmp_path / "results.xlsx", sheets)
    write_back(book, sheets, now=NOW)
    ours = openpyxl.load_workbook(book)["Account tiers"]
    theirs = openpyxl.load_workbook(reference)["Account tiers"]
    for ref in ("A1", "A2", "A4", "B4", "A5", "B5", "A6", "B6"):
        assert ours[ref].value == theirs[ref].value, ref
    assert ours["B5"].value == '=IF(A5>=50,"High","Low")' and ours["A5"].value == 80.0
    assert theirs["A3"].value is None and ours["A3"].value.startswith("Written by TierPlan")
