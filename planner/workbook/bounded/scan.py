"""One input sheet's XML scanned as bytes: its header rows, the columns its table needs, its last row and its error cells.

The header is found in the first ``schema.HEADER_SEARCH_ROWS`` rows; the table's width follows
from it (for Accounts, every column up to the last its header names, a far header cell left out
with a note). The scan also says whether calamine must be handed a cut copy (cells right of the
table, below Excel's last row or without references).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from planner import schema
from planner.errors import Problem, col_letter
from planner.workbook.bounded.limits import (
    BESIDE,
    ELEMENT_LIMIT,
    ERROR_CELL_LIMIT,
    EXCEL_COLUMNS,
    EXCEL_ROWS,
    FALLBACK_COLUMNS,
    HEADER_GAP,
    PART_LIMIT,
    refuse,
    size_text,
)
from planner.workbook.bounded.package import Package, chunks
from planner.workbook.bounded.stream import (
    CELL_NO_REF,
    ERROR_CELL,
    PHONETIC_EL,
    REF_ATTR,
    ROW_NO_REF,
    ROW_NUMBER,
    ROW_OR_CELL,
    ROW_REF_ATTR,
    ROW_START,
    TEXT_EL,
    TYPE_ATTR,
    VALUE_EL,
    SharedStrings,
    blocks,
    col_index,
    xml_text,
)


def _at_least(bound: str, alphabet: tuple[str, str]) -> str:
    """A regex for strings of ``alphabet`` at least ``bound`` (as Excel orders column letters, or row numbers without leading zeros)."""
    lo, hi = alphabet
    n = len(bound)
    alts = [re.escape(bound)]
    for k in range(n):
        ch = bound[k]
        if ch < hi:
            alts.append(re.escape(bound[:k]) + f"[{chr(ord(ch) + 1)}-{hi}]" + f"[{lo}-{hi}]" * (n - k - 1))
    first = "1" if lo == "0" else lo  # row numbers do not start with 0
    alts.append(f"[{first}-{hi}][{lo}-{hi}]{{{n},}}")
    return "(?:" + "|".join(alts) + ")"


def beyond_pattern(width: int, max_row: int) -> re.Pattern[bytes]:
    """Cell start tags whose reference lies in column ``width`` (0-based) or right of it, below row ``max_row``,
    or with a row number that starts with 0."""
    cols = _at_least(col_letter(width), ("A", "Z")) if width < EXCEL_COLUMNS else "[A-Z]{4,}"
    rows = _at_least(str(max_row + 1), ("0", "9"))
    pattern = rf'<(?:\w+:)?c\b[^>]*?\sr="(?:{cols}\d|[A-Z]+(?:{rows}|0)")'
    return re.compile(pattern.encode())


@dataclass
class SheetScan:
    """What the scan found on one sheet."""

    name: str
    part: str
    top: list[list] = field(default_factory=list)  # the first HEADER_SEARCH_ROWS rows (strings and numbers)
    width: int = FALLBACK_COLUMNS  # columns the table needs
    max_row: int = 0  # last row with a cell (1-based), as far as the scan knows
    cut: bool = False  # cells outside the table, below Excel's last row, or without references: calamine gets a copy
    errors: list[tuple[int, int, str]] = field(default_factory=list)  # (row, column) 0-based, text of error cells
    notes: list[Problem] = field(default_factory=list)


def _cell_value(attrs: bytes, inner: bytes | None, strings: SharedStrings):
    t = TYPE_ATTR.search(attrs)
    kind = t.group(1) if t else b"n"
    inner = inner or b""
    if kind == b"inlineStr":
        return "".join(xml_text(m.group(1) or b"") for m in TEXT_EL.finditer(PHONETIC_EL.sub(b"", inner)))
    v = VALUE_EL.search(inner)
    if v is None:
        return None
    raw = v.group(1)
    if kind == b"s":
        try:
            return strings.get(int(raw))
        except ValueError:
            return None
    if kind in (b"str", b"e"):
        return xml_text(raw)
    if kind == b"b":
        return raw.strip() == b"1"
    try:
        return float(raw)
    except ValueError:
        return None


def _top_rows(head: bytes, strings: SharedStrings) -> list[list]:
    """The cells of the first rows as a small grid (row 1 first), positions implied where a reference is missing."""
    found: dict[tuple[int, int], object] = {}
    row, col = 0, -1
    for m in ROW_OR_CELL.finditer(head):
        if m.group(1) is not None:  # a row
            r = ROW_REF_ATTR.search(m.group(1))
            row = int(r.group(1)) if r else row + 1
            col = -1
            continue
        attrs = m.group(2)
        ref = REF_ATTR.search(attrs)
        if ref:
            col, rr = col_index(ref.group(1)), int(ref.group(2))
        else:
            col, rr = col + 1, row
        if rr > schema.HEADER_SEARCH_ROWS or col >= EXCEL_COLUMNS:
            continue
        value = _cell_value(attrs, m.group(3), strings)
        if value is not None and value != "":
            found[(rr - 1, col)] = value
    if not found:
        return []
    height = max(r for r, _ in found) + 1
    width = max(c for _, c in found) + 1
    grid: list[list[object]] = [[None] * width for _ in range(height)]
    for (at_row, at_col), v in found.items():
        grid[at_row][at_col] = v
    return grid


def needed_width(canonical: str, name: str, top: list[list]) -> tuple[int, list[Problem]]:
    """Columns (from A) read for a sheet: its declared table's, from the header in the first rows, and BESIDE more, so that
    a value typed just right of the table is seen (and warned about, planner.validation); notes on header cells left out."""
    width, notes = _table_width(canonical, name, top)
    return min(width + BESIDE, EXCEL_COLUMNS), notes


def _table_width(canonical: str, name: str, top: list[list]) -> tuple[int, list[Problem]]:
    from planner.workbook.cells import Sink, find_header
    from planner.workbook.text import normalise_header

    if not top:
        return FALLBACK_COLUMNS, []
    settings = {s.name: s for s in schema.SETTINGS_SHEETS}
    if canonical in settings:  # Finance, Operations: a Setting/Value table
        wanted = {normalise_header(h) for h in settings[canonical].headers}
        for row in top:
            heads = {normalise_header(v): c for c, v in enumerate(row) if isinstance(v, str)}
            if "value" in heads and "setting" in heads:
                return max(c for k, c in heads.items() if k in wanted) + 1, []
        return FALLBACK_COLUMNS, []
    sheet = schema.sheet_by_name(canonical)
    header_row, cols = find_header(name, top, sheet, Sink())
    if header_row is None:
        return FALLBACK_COLUMNS, []
    if canonical != schema.ACCOUNTS.name:
        return max(cols.values()) + 1, []
    filled = [c for c, v in enumerate(top[header_row]) if v is not None and str(v).strip()]
    last = filled[0]
    notes = []
    for c in filled[1:]:
        if c - last > HEADER_GAP + 1 and c > max(cols.values()):
            far = [x for x in filled if x >= c]
            shown = ", ".join(f"{col_letter(x)}{header_row + 1}" for x in far[:3]) + (f" and {len(far) - 3} more" if len(far) > 3 else "")
            notes.append(Problem(f"{name}!{shown}", f"header cells more than {HEADER_GAP} empty columns right of the table "
                                 f"(after column {col_letter(last)}) are not read",
                                 "move those columns next to the table if they hold account signals"))
            break
        last = c
    return last + 1, notes


def scan_sheet(pkg: Package, name: str, canonical: str, strings: SharedStrings) -> SheetScan:
    """Stream one sheet's XML: its header rows, the table's width, its last row, whether calamine needs a cut copy, error cells."""
    part = pkg.sheets[name]
    what = f"the {name} sheet"
    where = str(pkg.path)
    scan = SheetScan(name, part)
    head = b""
    in_head = True
    for block in blocks(chunks(pkg, part, what, PART_LIMIT), b"c", what, where):
        if in_head:
            head += block
            past = _past_header(head)
            if past is None:
                if len(head) > ELEMENT_LIMIT:
                    raise refuse(where, f"the first {schema.HEADER_SEARCH_ROWS} rows of {what} hold more than "
                                        f"{size_text(ELEMENT_LIMIT)} of XML, above TierPlan's limit")
                continue
            in_head = False
            _header(scan, canonical, head[:past], strings)
            block, head = head, b""
        _scan_block(block, scan, where)
    if in_head:  # the whole sheet is no longer than its header rows
        _header(scan, canonical, head, strings)
        _scan_block(head, scan, where)
    return scan


def _header(scan: SheetScan, canonical: str, head: bytes, strings: SharedStrings) -> None:
    scan.top = _top_rows(head, strings)
    scan.width, scan.notes = needed_width(canonical, scan.name, scan.top)


def _past_header(text: bytes) -> int | None:
    """Where the first row below the header rows starts in ``text``, or None when the header rows may go on."""
    row = 0
    for m in ROW_START.finditer(text):
        r = ROW_REF_ATTR.search(m.group(1))
        row = int(r.group(1)) if r else row + 1
        if row > schema.HEADER_SEARCH_ROWS:
            return m.start()
    return None


def _scan_block(block: bytes, scan: SheetScan, where: str) -> None:
    """Update the scan with one block: last row, whether calamine must get a cut copy, error cells."""
    rows = ROW_NUMBER.findall(block)
    if rows:
        top = max(map(int, rows))
        if top > EXCEL_ROWS:
            scan.cut = True
        scan.max_row = max(scan.max_row, min(top, EXCEL_ROWS))
    # cells right of the table, below every row seen so far (or Excel's last), or without a reference
    if not scan.cut and (beyond_pattern(scan.width, scan.max_row).search(block) or CELL_NO_REF.search(block)
                         or ROW_NO_REF.search(block)):
        scan.cut = True
    if b't="e"' in block:
        for m in ERROR_CELL.finditer(block):
            ref = REF_ATTR.search(m.group(1))
            if not ref:
                continue
            c, r = col_index(ref.group(1)), int(ref.group(2)) - 1
            if c >= scan.width or r >= EXCEL_ROWS:
                continue
            v = VALUE_EL.search(m.group(2))
            scan.errors.append((r, c, xml_text(v.group(1)) if v else "#N/A"))
            if len(scan.errors) > ERROR_CELL_LIMIT:
                raise refuse(where, f"the {scan.name} sheet holds more than {ERROR_CELL_LIMIT:,} cells showing an error value",
                             "fix the formulas that give the errors, or paste the values without them")
