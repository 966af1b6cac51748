"""Where the workbook's Excel tables stand: each table's range as the file declares it (``ref="A4:K49"``).

The workbook's formulas, drop-downs and the Summary read the input sheets through their Excel tables
(``IntervalsTable[Negotiated per year]``); TierPlan reads the cells under each header, table or not. A row
typed under a table's last row, or a column beside it, is read by one and not the other; comparing the
tables' ranges with the cells holding values finds them (planner.validation). Only the small table parts
of the file are opened, never a sheet's cells: this costs the same for 100 accounts as for 100,000.
A file whose tables cannot be read (not a zip, no tables, an odd part) gives no extents and no warning.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from planner.errors import col_letter

_NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_NS_PKG = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_TABLE_REL = "/table"
_REF_RE = re.compile(r"^\$?([A-Z]{1,3})\$?(\d+)(?::\$?([A-Z]{1,3})\$?(\d+))?$")
MAX_PART_BYTES = 1 << 20  # a table or relationship part larger than this is not one we wrote or a user made


@dataclass(frozen=True)
class TableExtent:
    """One Excel table: the sheet it stands on and its range, 0-based and inclusive (header row first)."""

    sheet: str  # the sheet's name in the workbook
    name: str  # the table's name (IntervalsTable)
    first_row: int
    first_col: int
    last_row: int
    last_col: int

    @property
    def ref(self) -> str:
        return f"{col_letter(self.first_col)}{self.first_row + 1}:{col_letter(self.last_col)}{self.last_row + 1}"


def _col_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n - 1


def parse_ref(ref: str) -> tuple[int, int, int, int] | None:
    """``"A4:K49"`` -> (3, 0, 48, 10); None when it is not a cell range."""
    m = _REF_RE.match(ref.strip().upper())
    if not m:
        return None
    c0, r0 = _col_index(m.group(1)), int(m.group(2)) - 1
    c1, r1 = (_col_index(m.group(3)), int(m.group(4)) - 1) if m.group(3) else (c0, r0)
    return min(r0, r1), min(c0, c1), max(r0, r1), max(c0, c1)


def _read(zf: zipfile.ZipFile, part: str) -> bytes | None:
    try:
        info = zf.getinfo(part)
    except KeyError:
        return None
    if info.file_size > MAX_PART_BYTES:
        return None
    return zf.read(part)


def read_table_extents(book: Path | str) -> tuple[TableExtent, ...]:
    """Every Excel table of the workbook file with its sheet and range; () when the file has none or cannot say."""
    import xml.etree.ElementTree as ET

    try:
        with zipfile.ZipFile(book) as zf:
            workbook, rels = _read(zf, "xl/workbook.xml"), _read(zf, "xl/_rels/workbook.xml.rels")
            if workbook is None or rels is None:
                return ()
            target = {r.get("Id"): r.get("Target") for r in ET.fromstring(rels)}
            out = []
            for s in ET.fromstring(workbook).iter(f"{_NS_MAIN}sheet"):
                t = target.get(s.get(f"{_NS_REL}id"))
                if not t:
                    continue
                sheet_part = t.lstrip("/") if t.startswith("/") else posixpath.normpath(posixpath.join("xl", t))
                folder, file = posixpath.split(sheet_part)
                sheet_rels = _read(zf, posixpath.join(folder, "_rels", file + ".rels"))
                if sheet_rels is None:
                    continue
                for rel in ET.fromstring(sheet_rels).iter(f"{_NS_PKG}Relationship"):
                    if not str(rel.get("Type", "")).endswith(_TABLE_REL):
                        continue
                    tt = rel.get("Target", "")
                    table_part = tt.lstrip("/") if tt.startswith("/") else posixpath.normpath(posixpath.join(folder, tt))
                    data = _read(zf, table_part)
                    if data is None:
                        continue
                    table = ET.fromstring(data)
                    span = parse_ref(table.get("ref", ""))
                    if span is None:
                        continue
                    name = table.get("displayName") or table.get("name") or ""
                    out.append(TableExtent(str(s.get("name")), name, *span))
            return tuple(out)
    except (zipfile.BadZipFile, OSError, ET.ParseError, KeyError, ValueError):
        return ()
