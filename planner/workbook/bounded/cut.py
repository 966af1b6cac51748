"""The copy of a package handed to calamine: the parts it reads, and the sheets that need it without their far cells.

Cells right of the table or below Excel's last row are dropped, and every kept row and cell gets
its reference, so calamine's dense grid stays the size of the table.
"""

from __future__ import annotations

import os
import re
import tempfile
import zipfile
from pathlib import Path

from planner.errors import col_letter
from planner.workbook.bounded.limits import EXCEL_ROWS, PART_LIMIT, SMALL_PART_LIMIT, STRINGS_LIMIT
from planner.workbook.bounded.package import Package, chunks, part_label
from planner.workbook.bounded.scan import SheetScan
from planner.workbook.bounded.stream import REF_ATTR, ROW_OR_CELL, ROW_REF_ATTR, blocks, col_index


def write_cut_copy(pkg: Package, scans: list[SheetScan], dest: Path) -> dict[str, int]:
    """A package with the parts calamine reads and the given sheets without their far cells; returns each sheet's last row kept."""
    where = str(pkg.path)
    kept: dict[str, int] = {}
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED, compresslevel=1, allowZip64=True) as out:
        for part in pkg.calamine_parts:
            info = zipfile.ZipInfo(part, (1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            limit = STRINGS_LIMIT if part == pkg.strings_part else SMALL_PART_LIMIT
            with out.open(info, "w", force_zip64=True) as fh:
                for data in chunks(pkg, part, part_label(part, {}, pkg.strings_part), limit):
                    fh.write(data)
        for scan in scans:
            info = zipfile.ZipInfo(scan.part, (1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            what = f"the {scan.name} sheet"
            cutter = _Cutter(scan.width)
            with out.open(info, "w", force_zip64=True) as fh:
                for block in blocks(chunks(pkg, scan.part, what, PART_LIMIT), b"c", what, where):
                    fh.write(cutter.cut(block))
            kept[scan.name] = cutter.max_row
    return kept


class _Cutter:
    """Drops cells right of the table or below Excel's last row and gives every kept row and cell its reference."""

    def __init__(self, width: int):
        self.width = width
        self.row = 0
        self.col = -1
        self.max_row = 0

    def cut(self, block: bytes) -> bytes:
        return ROW_OR_CELL.sub(self._one, block)

    def _one(self, m: re.Match[bytes]) -> bytes:
        if m.group(1) is not None:  # a row start tag
            attrs = m.group(1)
            r = ROW_REF_ATTR.search(attrs)
            self.row = int(r.group(1)) if r else self.row + 1
            self.col = -1
            if r:
                return m.group(0)
            return m.group(0).replace(b"row", b'row r="%d"' % self.row, 1)
        attrs = m.group(2)
        ref = REF_ATTR.search(attrs)
        if ref:
            col, row = col_index(ref.group(1)), int(ref.group(2))
        else:
            col, row = self.col + 1, self.row
        self.col = col
        if col >= self.width or row > EXCEL_ROWS or row < 1 or (ref and ref.group(2).startswith(b"0")):
            return b""
        if m.group(3):
            self.max_row = max(self.max_row, row)
        if ref:
            return m.group(0)
        text = m.group(0)
        at = text.index(b"c") + 1
        return text[:at] + b' r="%s%d"' % (col_letter(col).encode(), row) + text[at:]


def temp_copy_path() -> Path:
    """A file in the system's temporary folder for a cut copy; its name carries this process's id (stale ones are cleaned)."""
    from planner.tempdirs import clean_stale, pid_prefix

    clean_stale("tierplan-read-")
    fd, name = tempfile.mkstemp(prefix=pid_prefix("tierplan-read-"), suffix=".xlsx")
    os.close(fd)
    return Path(name)
