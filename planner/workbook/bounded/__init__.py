"""Reading a workbook package in bounded memory and time: sizes checked first, only the tables read.

A workbook file can be expensive before a single input is checked, in two ways, and both are
dealt with here before calamine (or anything else) decompresses a part:

* **Decompression bombs.** Every part's declared size and expansion ratio are checked against
  the limits below from the zip's central directory alone (nothing is decompressed); the
  parts the reader needs are then decompressed as a stream, a block at a time, and a part
  that holds more than its header says or fails its checksum is refused as damaged. One row
  (or one shared string) larger than :data:`ELEMENT_LIMIT` is refused too: whitespace packed
  into one element would otherwise be held whole.
* **Cells far from the tables.** calamine turns a sheet into a dense grid from the first to
  the last cell with a value: one stray cell at XFD1048576 asks for 512 GB. Each input
  sheet's XML is scanned first (bytes, a block at a time): the header is found in the first
  ``schema.HEADER_SEARCH_ROWS`` rows, and with it the columns the declared table needs (for
  the Accounts sheet every column up to the last one its header names; a header cell more
  than :data:`HEADER_GAP` empty columns right of the one before it does not widen the table,
  and a note says so). A sheet with cells right of those columns, below Excel's last row or
  without cell references is handed to calamine as a copy without them; rows that hold
  nothing come back as one shared empty row. A sheet still larger than :data:`CELL_LIMIT`
  cells is refused, naming its size.

The result is the same grids :func:`planner.workbook.sniff.load_grids` always returned (row 1
first, column A first, error cells as their text), cut at the table's last column.

Its modules: limits (the sizes refused and how a refusal reads), package (the zip opened and
every part's size checked, parts decompressed as a stream), stream (XML in blocks that end between
elements, the patterns over row and cell tags, the shared strings), scan (one sheet's header, width,
last row and error cells), cut (the copy without far cells handed to calamine), grids (calamine's
sheets as grids) and probe (.xls, .xlsb, .ods measured in a memory-capped child). This module
holds :func:`read_grids`, which runs them in that order.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from planner import schema
from planner.workbook.bounded.cut import temp_copy_path, write_cut_copy
from planner.workbook.bounded.grids import Grids, calamine_grids, canonical_sheet
from planner.workbook.bounded.limits import CELL_LIMIT, SMALL_PART_LIMIT, refuse
from planner.workbook.bounded.package import chunks, open_package, part_label
from planner.workbook.bounded.scan import scan_sheet
from planner.workbook.bounded.stream import SharedStrings


def read_grids(book: Path, wanted: Iterable[str]) -> Grids:
    """The wanted input sheets of an .xlsx/.xlsm package as grids, reading only what their tables need (see the module docstring)."""
    where = str(book)
    wanted = set(wanted)
    pkg = open_package(book)
    copy: Path | None = None
    try:
        strings = SharedStrings(pkg)
        scans = []
        for name in pkg.sheets:
            canonical = canonical_sheet(name)
            if canonical in wanted:
                scans.append(scan_sheet(pkg, name, canonical, strings))
        strings.finish()
        for part in pkg.calamine_parts:  # checksums and sizes of the rest calamine reads when it opens the file
            if part != pkg.strings_part:
                for _ in chunks(pkg, part, part_label(part, {}, None), SMALL_PART_LIMIT):
                    pass
        cut = [s for s in scans if s.cut]
        kept: dict[str, int] = {}
        if cut:
            copy = temp_copy_path()
            kept = write_cut_copy(pkg, cut, copy)
        for s in scans:
            rows = kept.get(s.name, s.max_row)
            if rows * s.width > CELL_LIMIT:
                hint = ("pass the accounts as a CSV or Parquet export with --accounts" if canonical_sheet(s.name) == schema.ACCOUNTS.name
                        else "delete the cells below the table (select the rows, Delete Sheet Rows) and save")
                raise refuse(where, f"the {s.name} sheet spans {rows:,} rows x {s.width:,} columns ({rows * s.width:,} cells), "
                                    f"more than TierPlan reads from one sheet ({CELL_LIMIT:,} cells)", hint)
    except BaseException:
        if copy is not None:
            copy.unlink(missing_ok=True)
        raise
    finally:
        pkg.close()
    try:
        return Grids(calamine_grids(book, copy, scans), notes=[n for s in scans for n in s.notes])
    finally:
        if copy is not None:
            copy.unlink(missing_ok=True)
