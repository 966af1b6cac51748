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
"""

from __future__ import annotations

import contextlib
import html
import os
import re
import struct
import tempfile
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from xml.etree import ElementTree as ET

from planner import schema
from planner.errors import Problem, UserInputError, col_letter

KiB, MiB, GiB = 1 << 10, 1 << 20, 1 << 30

PART_LIMIT = 2 * GiB  # uncompressed bytes of one part (a 1,048,576-row Accounts sheet of 40 columns is about 1.5 GiB)
TOTAL_LIMIT = 4 * GiB  # all parts together
RATIO_LIMIT = 200  # uncompressed / compressed of a part larger than RATIO_FLOOR (sheets Excel saves: 5 to 30)
RATIO_FLOOR = 16 * MiB  # smaller parts may expand at any ratio: they cannot hurt
STRINGS_LIMIT = 512 * MiB  # the shared strings, which calamine holds whole
SMALL_PART_LIMIT = 64 * MiB  # workbook.xml, styles.xml, relationships, content types
ELEMENT_LIMIT = 64 * MiB  # XML of one row or one shared string
ENTRY_LIMIT = 20_000  # parts in one package (a workbook has tens to a few hundred)
CELL_LIMIT = 16_000_000  # rows x columns of one sheet handed to calamine (about 2 GB of memory at the most)
ERROR_CELL_LIMIT = 1_000_000  # cells showing an error value (#N/A...) on one sheet
BESIDE = 4  # columns read right of a table's header: notes typed beside it are warned about, far cells never read
HEADER_GAP = 26  # empty header cells after which an Accounts header cell no longer widens the table
FALLBACK_COLUMNS = 64  # columns read from a sheet whose header is not found (the reader then says so)
EXCEL_ROWS = 1_048_576
EXCEL_COLUMNS = 16_384
CHUNK = 4 * MiB

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_OFFICE_DOCUMENT = _REL + "/officeDocument"
_SHARED_STRINGS = _REL + "/sharedStrings"
_STYLES = _REL + "/styles"

_FIX = "open the workbook in Excel and save it again; if that does not help, remove what fills that part"


def size_text(n: float) -> str:
    """Bytes as a person reads them: 6.0 GiB, 6.5 MiB, 812 KiB."""
    for unit, scale in (("GiB", GiB), ("MiB", MiB), ("KiB", KiB)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{int(n)} bytes"


def _refuse(where: str, message: str, expected: str = _FIX) -> UserInputError:
    return UserInputError(Problem(where, message, expected))


# ------------------------------------------------------------------ the package: parts, names, limits


@dataclass
class Package:
    """An opened, size-checked workbook package: its parts and which input sheet lives in which part."""

    path: Path
    zf: zipfile.ZipFile
    infos: dict[str, zipfile.ZipInfo]
    sheets: dict[str, str]  # sheet name as in the workbook -> worksheet part
    strings_part: str | None
    styles_part: str | None
    calamine_parts: tuple[str, ...]  # the parts calamine reads when it opens the package

    def close(self) -> None:
        self.zf.close()


def _entry_count(path: Path) -> int | None:
    """Entries the zip's end-of-central-directory record declares (None when there is none), read before zipfile parses it."""
    size = path.stat().st_size
    with open(path, "rb") as fh:
        back = min(size, 65_557)
        fh.seek(size - back)
        tail = fh.read(back)
        at = tail.rfind(b"PK\x05\x06")
        if at < 0 or len(tail) < at + 22:
            return None
        count = struct.unpack("<H", tail[at + 10:at + 12])[0]
        if count != 0xFFFF:
            return count
        loc = tail.rfind(b"PK\x06\x07", 0, at)
        if loc < 0 or len(tail) < loc + 20:
            return None
        offset = struct.unpack("<Q", tail[loc + 8:loc + 16])[0]
        if offset + 40 > size:
            return None
        fh.seek(offset)
        record = fh.read(40)
        if record[:4] != b"PK\x06\x06":
            return None
        return struct.unpack("<Q", record[32:40])[0]


def _ratio(info: zipfile.ZipInfo) -> float:
    return info.file_size / max(info.compress_size, 1)


def _what(part: str, sheet_of: dict[str, str], strings: str | None) -> str:
    if part in sheet_of:
        return f"the {sheet_of[part]} sheet"
    if part == strings:
        return f"the shared strings ({part})"
    return f"the part {part}"


def _check_sizes(where: str, info: zipfile.ZipInfo, what: str, limit: int) -> None:
    """Refuse a part whose declared size or expansion ratio is above TierPlan's limits (nothing is decompressed)."""
    u, c = info.file_size, info.compress_size
    ratio = _ratio(info)
    over = []
    if u > limit:
        over.append(f"{size_text(limit)} for one part")
    if u > RATIO_FLOOR and ratio > RATIO_LIMIT:
        over.append(f"an expansion ratio of {RATIO_LIMIT}:1 for parts above {size_text(RATIO_FLOOR)}")
    if over:
        raise _refuse(where, f"{what} holds {size_text(u)} uncompressed from {size_text(c)} (ratio {ratio:,.0f}:1), "
                             f"above TierPlan's limit of {' and '.join(over)}: a decompression bomb or a damaged file")


def _damaged(where: str, what: str) -> UserInputError:
    return _refuse(where, f"cannot be read as a workbook: {what} is damaged (its data does not match the zip's checksum or size)",
                   "open it in Excel and save it again as .xlsx")


def chunks(pkg: Package, part: str, what: str, limit: int) -> Iterator[bytes]:
    """A part decompressed a block at a time; refused beyond ``limit`` bytes, and as damaged when the zip's checksum fails."""
    where = str(pkg.path)
    total = 0
    try:
        with pkg.zf.open(pkg.infos[part]) as fh:
            while True:
                data = fh.read(CHUNK)
                if not data:
                    return
                total += len(data)
                if total > limit:
                    raise _refuse(where, f"{what} holds more than {size_text(limit)} of XML, above TierPlan's limit for one part")
                yield data
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError):
        raise _damaged(where, what) from None


def read_part(pkg: Package, part: str, what: str, limit: int = SMALL_PART_LIMIT) -> bytes:
    return b"".join(chunks(pkg, part, what, limit))


def _open_zip(path: Path) -> zipfile.ZipFile:
    """The zip, after its entry count (read from the end record before zipfile parses the directory) is checked."""
    where = str(path)
    try:
        count = _entry_count(path)
    except OSError as exc:
        raise _refuse(where, "cannot be opened", exc.strerror or str(exc)) from None
    if count is None:
        raise _refuse(where, "cannot be read as a workbook: the file is damaged or not an Excel file",
                      "open it in Excel and save it again as .xlsx")
    if count > ENTRY_LIMIT:
        raise _refuse(where, f"the package holds {count:,} parts, above TierPlan's limit of {ENTRY_LIMIT:,} "
                             "(a workbook has tens to a few hundred): a damaged or hostile file")
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, struct.error):
        raise _refuse(where, "cannot be read as a workbook: the file is damaged or not an Excel file",
                      "open it in Excel and save it again as .xlsx") from None


def _zip_infos(path: Path, zf: zipfile.ZipFile) -> dict[str, zipfile.ZipInfo]:
    """The parts by name; refused when a name is there twice or all of them together are above the total limit."""
    where = str(path)
    infos: dict[str, zipfile.ZipInfo] = {}
    for info in zf.infolist():
        if info.filename in infos:
            raise _refuse(where, f"the package holds two parts named {info.filename}: a damaged or tampered file")
        infos[info.filename] = info
    total = sum(i.file_size for i in infos.values())
    if total > TOTAL_LIMIT:
        raise _refuse(where, f"the package holds {size_text(total)} uncompressed from {size_text(path.stat().st_size)}, "
                             f"above TierPlan's limit of {size_text(TOTAL_LIMIT)} for a whole workbook")
    return infos


def check_zip(path: Path) -> None:
    """The size checks of any zip package (.ods, .xlsb): entries, names, the total, each part's size and ratio."""
    zf = _open_zip(path)
    try:
        for name, info in _zip_infos(path, zf).items():
            _check_sizes(str(path), info, f"the part {name}", PART_LIMIT)
    finally:
        zf.close()


def open_package(path: Path) -> Package:
    """Open an .xlsx/.xlsm package after checking its entry count, each part's size and ratio, and the total.

    Raises UserInputError naming the part and the limit it is above.
    """
    zf = _open_zip(path)
    try:
        return _index(path, zf)
    except BaseException:
        zf.close()
        raise


def _index(path: Path, zf: zipfile.ZipFile) -> Package:
    where = str(path)
    infos = _zip_infos(path, zf)
    pkg = Package(path, zf, infos, {}, None, None, ())
    # the workbook part and its relationships, checked before they are parsed
    wb_part = "xl/workbook.xml"
    if "_rels/.rels" in infos:
        _check_sizes(where, infos["_rels/.rels"], "the part _rels/.rels", SMALL_PART_LIMIT)
        for rel in _parse(pkg, "_rels/.rels", "the part _rels/.rels"):
            if rel.get("Type") == _OFFICE_DOCUMENT and rel.get("Target"):
                wb_part = _resolve("", rel.get("Target") or "")
    rels_part = str(PurePosixPath(wb_part).parent / "_rels" / (PurePosixPath(wb_part).name + ".rels"))
    if wb_part not in infos or rels_part not in infos:
        raise _refuse(where, "cannot be read as a workbook: the file is damaged or not an Excel file",
                      "open it in Excel and save it again as .xlsx")
    for part in (wb_part, rels_part):
        _check_sizes(where, infos[part], f"the part {part}", SMALL_PART_LIMIT)
    base = str(PurePosixPath(wb_part).parent)
    targets: dict[str, tuple[str, str]] = {}
    for rel in _parse(pkg, rels_part, f"the part {rels_part}"):
        if rel.get("TargetMode") == "External" or not rel.get("Target"):
            continue
        targets[rel.get("Id", "")] = (rel.get("Type", ""), _resolve(base, rel.get("Target") or ""))
    for typ, part in targets.values():
        if typ == _SHARED_STRINGS:
            pkg.strings_part = part
        elif typ == _STYLES:
            pkg.styles_part = part
    for s in _parse(pkg, wb_part, f"the part {wb_part}").iter(f"{{{_MAIN}}}sheet"):
        got = targets.get(s.get(f"{{{_REL}}}id", ""))
        if got and got[1] in infos:
            pkg.sheets[s.get("name", "")] = got[1]
    sheet_of = {part: name for name, part in pkg.sheets.items()}
    for part, info in infos.items():
        what = _what(part, sheet_of, pkg.strings_part)
        if part == pkg.strings_part:
            limit = STRINGS_LIMIT
        elif part in (wb_part, rels_part, "_rels/.rels", "[Content_Types].xml", pkg.styles_part):
            limit = SMALL_PART_LIMIT
        else:
            limit = PART_LIMIT
        _check_sizes(where, info, what, limit)
    pkg.calamine_parts = tuple(p for p in ("[Content_Types].xml", "_rels/.rels", wb_part, rels_part, pkg.styles_part,
                                           pkg.strings_part) if p and p in infos)
    return pkg


def _resolve(base: str, target: str) -> str:
    import posixpath

    if target.startswith("/"):
        return posixpath.normpath(target.lstrip("/"))
    return posixpath.normpath(posixpath.join(base, target)) if base else posixpath.normpath(target)


def _parse(pkg: Package, part: str, what: str) -> ET.Element:
    data = read_part(pkg, part, what)
    try:
        return ET.fromstring(data)
    except ET.ParseError:
        raise _refuse(str(pkg.path), f"cannot be read as a workbook: {what} is not well-formed XML",
                      "open it in Excel and save it again as .xlsx") from None


# ------------------------------------------------------------------ XML in blocks that end between elements

# tags that only occur inside a cell (or a shared string): a block never ends before one of these
_INSIDE = {b"v", b"f", b"is", b"t", b"r", b"rPr", b"rPh", b"phoneticPr", b"rFont", b"b", b"i", b"u", b"strike", b"sz",
           b"color", b"family", b"scheme", b"charset", b"outline", b"shadow", b"condense", b"extend", b"vertAlign"}
_TAG_AT = re.compile(rb"<(/?)(?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)")


def _cut(buf: bytes, start: bytes, floor: int = 0) -> int:
    """Where a block may end: before the last tag (at ``floor`` or later) that does not sit inside a cell or a shared
    string, or before the last ``<start`` tag; -1 when there is none."""
    i = len(buf)
    while True:
        i = buf.rfind(b"<", floor, i)
        if i <= 0:
            return -1
        m = _TAG_AT.match(buf, i)
        if m is None:
            continue
        closing, name = m.group(1), m.group(2)
        if name == start:
            if closing:
                continue
            return i
        if name not in _INSIDE:
            return i


def blocks(data: Iterable[bytes], start: bytes, what: str, where: str) -> Iterator[bytes]:
    """XML in blocks that hold whole cells (``start`` b"c") or whole shared strings (b"si")."""
    buf = b""
    for piece in data:
        floor = max(len(buf) - 64, 0)  # the part of buf before this was searched already
        buf = buf + piece if buf else piece
        at = _cut(buf, start, floor)
        if at > 0:
            yield buf[:at]
            buf = buf[at:]
        if len(buf) > ELEMENT_LIMIT:
            raise _refuse(where, f"{what} holds one row or cell of more than {size_text(ELEMENT_LIMIT)} of XML, "
                                 "above TierPlan's limit: a decompression bomb or a damaged file")
    if buf:
        yield buf


# ------------------------------------------------------------------ shared strings, read as far as needed

_SI = re.compile(rb"<(?:\w+:)?si\b[^>]*?(?:/>|>(.*?)</(?:\w+:)?si>)", re.S)
_T = re.compile(rb"<(?:\w+:)?t\b[^>]*?(?:/>|>(.*?)</(?:\w+:)?t>)", re.S)
_RPH = re.compile(rb"<(?:\w+:)?rPh\b.*?</(?:\w+:)?rPh>", re.S)


def xml_text(raw: bytes) -> str:
    return html.unescape(raw.decode("utf-8", "replace"))


class SharedStrings:
    """The shared-string table, parsed only as far as the header cells need; :meth:`finish` checks the rest."""

    def __init__(self, pkg: Package | None):
        self.items: list[str] = []
        self._blocks: Iterator[bytes] | None = None
        if pkg is not None and pkg.strings_part:
            what = _what(pkg.strings_part, {}, pkg.strings_part)
            self._blocks = blocks(chunks(pkg, pkg.strings_part, what, STRINGS_LIMIT), b"si", what, str(pkg.path))

    def get(self, index: int) -> str | None:
        while len(self.items) <= index and self._blocks is not None:
            block = next(self._blocks, None)
            if block is None:
                self._blocks = None
                break
            for m in _SI.finditer(block):
                inner = _RPH.sub(b"", m.group(1) or b"")
                self.items.append("".join(xml_text(t.group(1) or b"") for t in _T.finditer(inner)))
        return self.items[index] if 0 <= index < len(self.items) else None

    def finish(self) -> None:
        """Decompress the rest (checksum, size and element limits), keeping nothing."""
        if self._blocks is not None:
            for _ in self._blocks:
                pass
            self._blocks = None


# ------------------------------------------------------------------ scanning a sheet

_ROW_R = re.compile(rb'<(?:\w+:)?row\b[^>]*?\sr="(\d+)"')
_ROW_START = re.compile(rb"<(?:\w+:)?row\b([^>]*)>")
_ROW_NO_REF = re.compile(rb'<(?:\w+:)?row(?=[\s/>])(?![^>]*\sr=")')
_CELL_NO_REF = re.compile(rb'<(?:\w+:)?c(?=[\s/>])(?![^>]*\sr=")')
_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.S)
_ROW_OR_CELL = re.compile(rb"<(?:\w+:)?row\b([^>]*)>|<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.S)
_REF = re.compile(rb'\sr="([A-Z]+)(\d+)"')
_TYPE = re.compile(rb'\st="(\w+)"')
_V = re.compile(rb"<(?:\w+:)?v>([^<]*)</(?:\w+:)?v>")
_ERROR_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*?\st=\"e\"[^>]*)>(.*?)</(?:\w+:)?c>", re.S)


def col_index(letters: bytes | str) -> int:
    n = 0
    for ch in letters.decode() if isinstance(letters, bytes) else letters:
        n = n * 26 + (ord(ch) - 64)
    return n - 1


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
    t = _TYPE.search(attrs)
    kind = t.group(1) if t else b"n"
    inner = inner or b""
    if kind == b"inlineStr":
        return "".join(xml_text(m.group(1) or b"") for m in _T.finditer(_RPH.sub(b"", inner)))
    v = _V.search(inner)
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
    for m in _ROW_OR_CELL.finditer(head):
        if m.group(1) is not None:  # a row
            r = _REF_ROW.search(m.group(1))
            row = int(r.group(1)) if r else row + 1
            col = -1
            continue
        attrs = m.group(2)
        ref = _REF.search(attrs)
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


_REF_ROW = re.compile(rb'\sr="(\d+)"')


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
                    raise _refuse(where, f"the first {schema.HEADER_SEARCH_ROWS} rows of {what} hold more than "
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
    for m in _ROW_START.finditer(text):
        r = _REF_ROW.search(m.group(1))
        row = int(r.group(1)) if r else row + 1
        if row > schema.HEADER_SEARCH_ROWS:
            return m.start()
    return None


def _scan_block(block: bytes, scan: SheetScan, where: str) -> None:
    """Update the scan with one block: last row, whether calamine must get a cut copy, error cells."""
    rows = _ROW_R.findall(block)
    if rows:
        top = max(map(int, rows))
        if top > EXCEL_ROWS:
            scan.cut = True
        scan.max_row = max(scan.max_row, min(top, EXCEL_ROWS))
    # cells right of the table, below every row seen so far (or Excel's last), or without a reference
    if not scan.cut and (beyond_pattern(scan.width, scan.max_row).search(block) or _CELL_NO_REF.search(block)
                         or _ROW_NO_REF.search(block)):
        scan.cut = True
    if b't="e"' in block:
        for m in _ERROR_CELL.finditer(block):
            ref = _REF.search(m.group(1))
            if not ref:
                continue
            c, r = col_index(ref.group(1)), int(ref.group(2)) - 1
            if c >= scan.width or r >= EXCEL_ROWS:
                continue
            v = _V.search(m.group(2))
            scan.errors.append((r, c, xml_text(v.group(1)) if v else "#N/A"))
            if len(scan.errors) > ERROR_CELL_LIMIT:
                raise _refuse(where, f"the {scan.name} sheet holds more than {ERROR_CELL_LIMIT:,} cells showing an error value",
                              "fix the formulas that give the errors, or paste the values without them")


# ------------------------------------------------------------------ the cut copy handed to calamine


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
                for data in chunks(pkg, part, _what(part, {}, pkg.strings_part), limit):
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
        return _ROW_OR_CELL.sub(self._one, block)

    def _one(self, m: re.Match[bytes]) -> bytes:
        if m.group(1) is not None:  # a row start tag
            attrs = m.group(1)
            r = _REF_ROW.search(attrs)
            self.row = int(r.group(1)) if r else self.row + 1
            self.col = -1
            if r:
                return m.group(0)
            return m.group(0).replace(b"row", b'row r="%d"' % self.row, 1)
        attrs = m.group(2)
        ref = _REF.search(attrs)
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


# ------------------------------------------------------------------ grids


class Grids(dict):
    """Sheet name -> grid, with the notes the reading made (header cells left out of a table)."""

    notes: list[Problem]

    def __init__(self, *args, notes: Iterable[Problem] = (), **kw):
        super().__init__(*args, **kw)
        self.notes = list(notes)


def canonical_sheet(name: str) -> str | None:
    key = str(name).strip().lower()
    for n in schema.READ_SHEETS:
        if n.lower() == key:
            return n
    return None


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
                for _ in chunks(pkg, part, _what(part, {}, None), SMALL_PART_LIMIT):
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
                raise _refuse(where, f"the {s.name} sheet spans {rows:,} rows x {s.width:,} columns ({rows * s.width:,} cells), "
                                     f"more than TierPlan reads from one sheet ({CELL_LIMIT:,} cells)", hint)
    except BaseException:
        if copy is not None:
            copy.unlink(missing_ok=True)
        raise
    finally:
        pkg.close()
    try:
        return Grids(_calamine_grids(book, copy, scans), notes=[n for s in scans for n in s.notes])
    finally:
        if copy is not None:
            copy.unlink(missing_ok=True)


def _calamine_grids(book: Path, copy: Path | None, scans: list[SheetScan]) -> dict[str, list[list]]:
    import python_calamine as calamine

    where = str(book)
    grids: dict[str, list[list]] = {}
    books = {}
    try:
        for s in scans:
            src = copy if s.cut else book
            if src not in books:
                books[src] = calamine.CalamineWorkbook.from_path(str(src))
            sheet = books[src].get_sheet_by_name(s.name)
            grid, empty = sheet_grid(sheet, s.width)
            del sheet
            for r, c, text in s.errors:
                set_cell(grid, r, c, text, empty)
            grids[s.name] = grid
    except UserInputError:
        raise
    except Exception as exc:  # calamine raises XmlError, ZipError, CalamineError...
        if type(exc).__name__ == "PasswordError":
            raise _refuse(where, "is password-protected",
                          "open it in Excel, remove the password under File > Info > Protect Workbook, and save it") from None
        raise _refuse(where, "cannot be read as a workbook: a sheet is damaged", "open it in Excel and save it again as .xlsx") from None
    finally:
        for wb in books.values():
            with contextlib.suppress(Exception):
                wb.close()
    return grids


def sheet_grid(sheet, width: int) -> tuple[list[list], list]:
    """A calamine sheet's rows from row 1 and column A, cut at ``width`` columns; every row that holds nothing is
    the one shared list returned second (change a row through :func:`set_cell`, which copies it first)."""
    end = sheet.end
    w = min(width, end[1] + 1) if end is not None else 0
    empty = [""] * w
    if end is None:
        return [], empty
    rows: list[list] = []
    lead = None
    for row in sheet.iter_rows():
        if lead is None:
            lead = [""] * (end[1] + 1 - len(row))  # the columns left of the first used one
        if lead:
            row = lead + row
        if len(row) > w:
            row = row[:w]
        rows.append(empty if row.count("") == len(row) else row)
    missing = end[0] + 1 - len(rows)  # rows above the first used one, when calamine leaves them out
    if missing > 0:
        rows[:0] = [empty] * missing
    return rows, empty


def set_cell(grid: list[list], r: int, c: int, value, empty: list) -> None:
    """Put one value into a grid from :func:`sheet_grid` (growing it as needed; the shared empty row is never changed)."""
    while len(grid) <= r:
        grid.append(empty)
    row = grid[r]
    if row is empty:
        row = grid[r] = list(empty)
    if len(row) <= c:
        row.extend([""] * (c + 1 - len(row)))
    row[c] = value


# ------------------------------------------------------------------ .xls, .xlsb, .ods: the extent measured in a capped child

_PROBE = r"""
import json, sys
import python_calamine as c
wb = c.CalamineWorkbook.from_path(sys.argv[1])
wanted = set(json.loads(sys.argv[2]))
for name in wb.sheet_names:
    if name.strip().lower() in wanted:
        print(json.dumps(["start", name]), flush=True)
        e = wb.get_sheet_by_name(name).end
        print(json.dumps(["end", name, e[0] + 1 if e else 0, e[1] + 1 if e else 0]), flush=True)
"""
PROBE_MEMORY = CELL_LIMIT * 80 + 512 * MiB  # address space of the child that measures the sheets


def probe_extent(book: Path, wanted: Iterable[str]) -> None:
    """Refuse a workbook in another format (.xls, .xlsb, .ods) whose input sheets calamine would make too large:
    their extent is measured by a child process whose memory is capped, so a far cell kills the child, not TierPlan.
    (Where the platform cannot cap a process's memory, nothing is measured.)"""
    import json
    import subprocess
    import sys

    try:
        import resource
    except ImportError:  # Windows
        return

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (PROBE_MEMORY, PROBE_MEMORY))

    where = str(book)
    names = sorted(n.lower() for n in wanted)
    try:
        done = subprocess.run([sys.executable, "-c", _PROBE, str(book), json.dumps(names)], capture_output=True, text=True,
                              timeout=900, preexec_fn=cap)
    except (OSError, subprocess.SubprocessError):
        return
    started, ended = None, {}
    for line in done.stdout.splitlines():
        try:
            item = json.loads(line)
        except ValueError:
            continue
        if item[0] == "start":
            started = item[1]
        elif item[0] == "end":
            ended[item[1]] = (item[2], item[3])
            started = None
    fix = "save the workbook as .xlsx, where TierPlan reads only the columns of the tables, and delete the cells far from them"
    if done.returncode != 0 and (started is not None or done.returncode < 0 or "memory allocation" in done.stderr):
        what = f"the {started} sheet" if started else "the workbook"
        raise _refuse(where, f"{what} spans more cells than TierPlan reads from one sheet ({CELL_LIMIT:,} cells): "
                             "a cell far from the table makes it that large", fix)
    for name, (rows, cols) in ended.items():
        if rows * cols > CELL_LIMIT:
            raise _refuse(where, f"the {name} sheet spans {rows:,} rows x {cols:,} columns ({rows * cols:,} cells), "
                                 f"more than TierPlan reads from one sheet ({CELL_LIMIT:,} cells)", fix)
