"""Hostile and unlucky workbooks (issue 12, points 1 and 2): a stray cell far from the tables, decompression bombs.

Every file is made here the way a user or an attacker makes it: a cell typed far away with
openpyxl, a sheet's XML padded with whitespace through zipfile (a few hundred KiB on disk).
`tierplan validate` runs in a child process so its peak memory (ru_maxrss) and time are measured.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest

from planner.errors import UserInputError
from planner.workbook.bounded.limits import ENTRY_LIMIT
from planner.workbook.bounded.package import open_package
from planner.workbook.reader import read_inputs

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "workbooks" / "tierplan_demo.xlsx"
MiB = 1 << 20


# Linux keeps a process's peak memory across exec, so a child started straight from a large pytest worker
# (xdist workers grow past 1 GB) reports the worker's peak. A small launcher in between starts the command
# from its own few MiB and hands back the command's own figure.
LAUNCHER = """
import os, subprocess, sys
proc = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(proc.pid, 0)
with open(sys.argv[1], "w") as out:
    out.write(str(usage.ru_maxrss))
sys.exit(os.waitstatus_to_exitcode(status))
"""


def run_validate(book: Path, tmp_path: Path) -> tuple[int, str, float, float]:
    """(exit code, stdout + stderr, peak memory in MiB, seconds) of `tierplan validate BOOK` in a child process."""
    peak_file = tmp_path / "peak_kib"
    start = time.monotonic()
    proc = subprocess.run([sys.executable, "-c", LAUNCHER, str(peak_file), sys.executable, "-m", "planner", "validate",
                           str(book)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=ROOT, check=False)
    secs = time.monotonic() - start
    return proc.returncode, proc.stdout.decode(), int(peak_file.read_text()) / 1024, secs


def with_cell(tmp_path: Path, sheet: str, cell: str, value="x") -> Path:
    wb = openpyxl.load_workbook(DEMO)
    wb[sheet][cell] = value
    out = tmp_path / f"far_{sheet}_{cell}.xlsx"
    wb.save(out)
    shutil.copy(DEMO.with_name("tierplan_demo_tickets.csv"), tmp_path)  # the ticket export its Operations sheet names
    return out


def demo_accounts() -> int:
    """Accounts in the demo, counted with openpyxl (rows below the "Account ID" header with an id)."""
    ws = openpyxl.load_workbook(DEMO, read_only=True)["Accounts"]
    rows = list(ws.iter_rows(values_only=True))
    head = next(i for i, r in enumerate(rows) if r and r[0] == "Account ID")
    return sum(1 for r in rows[head + 1:] if r and r[0] not in (None, ""))


@pytest.mark.parametrize("sheet,cell", [("Finance", "XFD1048576"), ("Accounts", "XFD100000"), ("Accounts", "XFD2004")])
def test_far_cell_reads_only_the_tables(tmp_path, sheet, cell):
    book = with_cell(tmp_path, sheet, cell)
    assert book.stat().st_size < DEMO.stat().st_size + MiB  # small on disk: the demo and one cell
    rc, out, peak, secs = run_validate(book, tmp_path)
    assert rc == 0, out
    assert f"{demo_accounts():,} accounts" in out
    assert "Traceback" not in out
    # before: a 512 GiB allocation (abort) for XFD1048576 and 1.4 GB for Accounts!XFD2004; the whole process now
    # (Python, pandas, the reader) peaks near 140 MiB on the demo
    assert peak < 600, f"peak {peak:.0f} MiB"
    assert secs < 60
    # the inputs are the ones of the untouched demo: the far cell is not part of any table
    far, clean = read_inputs(book), read_inputs(DEMO)
    assert far.accounts.equals(clean.accounts)
    assert far.tiers == clean.tiers and far.finance == clean.finance


def test_far_cell_in_the_accounts_header_row_is_noted_not_read(tmp_path):
    # a header typed at XFD4 (the demo's Accounts header is row 4): more than 26 empty columns right of the table
    book = with_cell(tmp_path, "Accounts", "XFD4", "Notes")
    inputs = read_inputs(book)
    assert "Notes" not in inputs.accounts.columns
    notes = [f"{n.where}: {n.message}" for n in inputs.notes]
    assert any(n.startswith("Accounts!XFD4: header cells more than 26 empty columns right of the table") for n in notes), notes


def padded_copy(src: Path, dest: Path, sheet_part: str, pad: int, *, lie: bool = False) -> Path:
    """A copy of ``src`` whose ``sheet_part`` holds ``pad`` bytes of whitespace after <sheetData> (written as a stream).

    ``lie``: the central directory then declares the part's original size and checksum, as a hand-made bomb would.
    """
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename != sheet_part:
                zout.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
                continue
            at = data.index(b"<sheetData>") + len(b"<sheetData>")
            target = zipfile.ZipInfo(info.filename, info.date_time)
            target.compress_type = zipfile.ZIP_DEFLATED
            with zout.open(target, "w", force_zip64=True) as fh:
                fh.write(data[:at])
                block = b" " * MiB
                for _ in range(pad // MiB):
                    fh.write(block)
                fh.write(data[at:])
            if lie:
                written = zout.infolist()[-1]
                written.file_size, written.CRC = len(data), zipfile.crc32(data)
    return dest


def sheet_part(book: Path, sheet: str) -> str:
    pkg = open_package(book)
    try:
        return pkg.sheets[sheet]
    finally:
        pkg.close()


@pytest.mark.parametrize("sheet", ["Accounts", "Roles"])
def test_whitespace_bomb_is_refused_from_the_zip_directory(tmp_path, sheet):
    book = padded_copy(DEMO, tmp_path / f"bomb_{sheet}.xlsx", sheet_part(DEMO, sheet), 256 * MiB)
    assert book.stat().st_size < DEMO.stat().st_size + MiB
    rc, out, peak, _secs = run_validate(book, tmp_path)
    assert rc == 2, out
    assert "Traceback" not in out
    # 256 MiB of spaces deflate to about 250 KiB: a ratio near 1,000:1, above the 200:1 limit for parts above 16 MiB
    assert re.search(rf"the {sheet} sheet holds 25[6-9]\.\d MiB uncompressed from \d+\.\d KiB \(ratio [\d,]+:1\)", out), out
    assert "above TierPlan's limit of an expansion ratio of 200:1 for parts above 16.0 MiB" in out
    assert "a decompression bomb or a damaged file" in out
    # nothing was decompressed: the run's peak stays within half the bomb's 256 MiB of a run refused at once, which
    # loads the same modules (what they take differs between machines and package builds)
    at_once = tmp_path / "not_a_book.xlsx"
    at_once.write_bytes(b"not a zip file")
    base_rc, _, base_peak, _ = run_validate(at_once, tmp_path)
    assert base_rc == 2 and peak - base_peak < 128, f"peak {peak:.0f} MiB against {base_peak:.0f} MiB"


def test_bomb_with_a_lying_directory_is_refused_as_damaged(tmp_path):
    part = sheet_part(DEMO, "Accounts")
    book = padded_copy(DEMO, tmp_path / "liar.xlsx", part, 64 * MiB, lie=True)
    with pytest.raises(UserInputError) as err:
        read_inputs(book)
    text = str(err.value)
    assert "the Accounts sheet is damaged" in text, text


def test_part_count_limit(tmp_path):
    book = tmp_path / "many.xlsx"
    with zipfile.ZipFile(DEMO) as zin, zipfile.ZipFile(book, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info, zin.read(info))
        for i in range(ENTRY_LIMIT + 1):
            zout.writestr(f"junk/{i}.bin", b"")
    with pytest.raises(UserInputError) as err:
        read_inputs(book)
    assert f"the package holds {ENTRY_LIMIT + len(zipfile.ZipFile(DEMO).infolist()) + 1:,} parts" in str(err.value)
