"""XML read in blocks that end between elements, the patterns over row and cell tags, and the shared strings.

:func:`blocks` never cuts a cell or a shared string in two, and refuses one element larger than
ELEMENT_LIMIT. :class:`SharedStrings` parses the shared-string table only as far as the header
cells need it and checks the rest without keeping it.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Iterator

from planner.workbook.bounded.limits import ELEMENT_LIMIT, STRINGS_LIMIT, refuse, size_text
from planner.workbook.bounded.package import Package, chunks, part_label

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
            raise refuse(where, f"{what} holds one row or cell of more than {size_text(ELEMENT_LIMIT)} of XML, "
                                "above TierPlan's limit: a decompression bomb or a damaged file")
    if buf:
        yield buf


_SI = re.compile(rb"<(?:\w+:)?si\b[^>]*?(?:/>|>(.*?)</(?:\w+:)?si>)", re.S)
TEXT_EL = re.compile(rb"<(?:\w+:)?t\b[^>]*?(?:/>|>(.*?)</(?:\w+:)?t>)", re.S)
PHONETIC_EL = re.compile(rb"<(?:\w+:)?rPh\b.*?</(?:\w+:)?rPh>", re.S)


def xml_text(raw: bytes) -> str:
    return html.unescape(raw.decode("utf-8", "replace"))


class SharedStrings:
    """The shared-string table, parsed only as far as the header cells need; :meth:`finish` checks the rest."""

    def __init__(self, pkg: Package | None):
        self.items: list[str] = []
        self._blocks: Iterator[bytes] | None = None
        if pkg is not None and pkg.strings_part:
            what = part_label(pkg.strings_part, {}, pkg.strings_part)
            self._blocks = blocks(chunks(pkg, pkg.strings_part, what, STRINGS_LIMIT), b"si", what, str(pkg.path))

    def get(self, index: int) -> str | None:
        while len(self.items) <= index and self._blocks is not None:
            block = next(self._blocks, None)
            if block is None:
                self._blocks = None
                break
            for m in _SI.finditer(block):
                inner = PHONETIC_EL.sub(b"", m.group(1) or b"")
                self.items.append("".join(xml_text(t.group(1) or b"") for t in TEXT_EL.finditer(inner)))
        return self.items[index] if 0 <= index < len(self.items) else None

    def finish(self) -> None:
        """Decompress the rest (checksum, size and element limits), keeping nothing."""
        if self._blocks is not None:
            for _ in self._blocks:
                pass
            self._blocks = None


ROW_NUMBER = re.compile(rb'<(?:\w+:)?row\b[^>]*?\sr="(\d+)"')
ROW_START = re.compile(rb"<(?:\w+:)?row\b([^>]*)>")
ROW_NO_REF = re.compile(rb'<(?:\w+:)?row(?=[\s/>])(?![^>]*\sr=")')
CELL_NO_REF = re.compile(rb'<(?:\w+:)?c(?=[\s/>])(?![^>]*\sr=")')
_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.S)
ROW_OR_CELL = re.compile(rb"<(?:\w+:)?row\b([^>]*)>|<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.S)
REF_ATTR = re.compile(rb'\sr="([A-Z]+)(\d+)"')
TYPE_ATTR = re.compile(rb'\st="(\w+)"')
VALUE_EL = re.compile(rb"<(?:\w+:)?v>([^<]*)</(?:\w+:)?v>")
ERROR_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*?\st=\"e\"[^>]*)>(.*?)</(?:\w+:)?c>", re.S)


def col_index(letters: bytes | str) -> int:
    n = 0
    for ch in letters.decode() if isinstance(letters, bytes) else letters:
        n = n * 26 + (ord(ch) - 64)
    return n - 1


ROW_REF_ATTR = re.compile(rb'\sr="(\d+)"')
