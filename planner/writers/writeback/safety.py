"""The patched copy checked before it may replace the book, and the backup made first.

:func:`verify` re-opens the temporary package (zip checksums, every part TierPlan does not own
unchanged, every patched part well-formed, the result sheets read back by calamine with their
stamp and rows, openpyxl still opening it); :func:`make_backup` copies the book under a temporary
name, checks the copy and renames it.
"""

from __future__ import annotations

import datetime as _dt
import os
import shutil
import tempfile
import warnings
import zipfile
from collections.abc import Mapping
from pathlib import Path
from xml.etree import ElementTree as ET

import pandas as pd

from planner.writers.layout import header_label, is_stamp, plain_value
from planner.writers.writeback.guards import TEMP_PREFIX, book_stamp
from planner.writers.writeback.package import Package, SheetPlan
from planner.writers.writeback.stamps import STAMP_ROWS


def verify(book: Path, tmp: Path, package: Package, plan: SheetPlan, sheets: Mapping) -> None:
    """Re-open the temporary package and check it before it may replace BOOK. Raises RuntimeError."""
    written = set(plan.new_parts) | {part for part, _ in plan.targets.values()}
    with zipfile.ZipFile(book) as old, zipfile.ZipFile(tmp) as new:
        bad = new.testzip()
        if bad is not None:
            raise RuntimeError(f"write-back verification: {bad} is corrupt in the new package")
        old_infos = {i.filename: i for i in old.infolist()}
        new_infos = {i.filename: i for i in new.infolist()}
        for name, info in old_infos.items():
            if name in written or name in plan.drop:
                continue
            other = new_infos.get(name)
            if other is None or other.CRC != info.CRC or other.file_size != info.file_size:
                raise RuntimeError(f"write-back verification: {name} changed although TierPlan does not own it")
        for name in written:
            try:
                ET.fromstring(new.read(name))  # every patched part parses
            except ET.ParseError as exc:
                raise RuntimeError(f"write-back verification: {name} is not well-formed XML ({exc})") from exc
    from python_calamine import CalamineWorkbook

    try:
        cal = CalamineWorkbook.from_path(str(tmp))
    except Exception as exc:
        raise RuntimeError(f"write-back verification: calamine cannot open the patched workbook ({exc})") from exc
    for name, (_part, result) in plan.targets.items():
        try:
            rows = cal.get_sheet_by_name(name).to_python(skip_empty_area=False)
        except Exception as exc:
            raise RuntimeError(f"write-back verification: calamine cannot read sheet {name!r} ({exc})") from exc
        if not any(is_stamp(v) for row in rows[:STAMP_ROWS] for v in row):
            raise RuntimeError(f"write-back verification: sheet {name!r} does not read back with its stamp")
        if result is not None:
            sheet = sheets[result]
            table = sheet if isinstance(sheet, pd.DataFrame) else sheet.table
            expected = [header_label(str(c)) for c in table.columns]
            header_at = next((i for i, r in enumerate(rows) if [str(v) for v in r[: len(expected)]] == expected), None)
            if expected and (header_at is None or len(rows) - header_at - 1 < len(table) - _trailing_blank_rows(table)):
                raise RuntimeError(f"write-back verification: sheet {name!r} does not read back with its {len(table)} rows")
    import openpyxl

    def _openpyxl_opens(path: Path) -> bool:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                wb = openpyxl.load_workbook(path, read_only=True)
                names = wb.sheetnames
                wb.close()
            return all(n in names for n in plan.targets)
        except Exception:
            return False

    if not _openpyxl_opens(tmp) and _openpyxl_opens(book):
        raise RuntimeError("write-back verification: openpyxl cannot open the patched workbook although it opens the original")


def _trailing_blank_rows(table: pd.DataFrame) -> int:
    """Rows at the end of a table that are entirely blank (calamine does not return them)."""
    count = 0
    values = table.to_numpy(dtype=object)
    for i in range(len(values) - 1, -1, -1):
        if all(plain_value(v) in (None, "") for v in values[i]):
            count += 1
        else:
            break
    return count


def backup_path(book: Path, now: _dt.datetime) -> Path:
    base = f"{book.stem}.backup-{now:%Y%m%d-%H%M%S}"
    candidate = book.with_name(base + book.suffix)
    n = 2
    while candidate.exists():
        candidate = book.with_name(f"{base}-{n}{book.suffix}")
        n += 1
    return candidate


def make_backup(book: Path, now: _dt.datetime) -> Path:
    """A copy of BOOK, complete and checked (same bytes, every zip member's checksum) before BOOK is touched.

    The copy is made under a temporary name and renamed once checked, so a full disk or a kill leaves no
    truncated backup behind.
    """
    from planner.tempdirs import pid_prefix

    target = backup_path(book, now)
    fd, tmp_name = tempfile.mkstemp(prefix=pid_prefix(TEMP_PREFIX) + "backup-", suffix=book.suffix, dir=book.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        shutil.copy2(book, tmp)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        ok = book_stamp(tmp) == book_stamp(book)
        if ok:
            with zipfile.ZipFile(tmp) as zf:
                ok = zf.testzip() is None
        if not ok:
            raise RuntimeError(f"write-back: the backup {target.name} did not come out identical to the workbook")
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()
    return target
