"""An .xlsx/.xlsm package opened and size-checked from the zip's central directory before anything is decompressed.

The entry count is read from the end record before zipfile parses the directory; every part's
declared size and expansion ratio is checked against its limit; the workbook part and its
relationships say which part holds which sheet, the shared strings and the styles. Parts are then
decompressed a block at a time (:func:`chunks`), refused beyond their limit or when the checksum fails.
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from xml.etree import ElementTree as ET

from planner.errors import UserInputError
from planner.workbook.bounded.limits import (
    CHUNK,
    ENTRY_LIMIT,
    PART_LIMIT,
    RATIO_FLOOR,
    RATIO_LIMIT,
    SMALL_PART_LIMIT,
    STRINGS_LIMIT,
    TOTAL_LIMIT,
    refuse,
    size_text,
)

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_OFFICE_DOCUMENT = _REL + "/officeDocument"
_SHARED_STRINGS = _REL + "/sharedStrings"
_STYLES = _REL + "/styles"


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


def part_label(part: str, sheet_of: dict[str, str], strings: str | None) -> str:
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
        raise refuse(where, f"{what} holds {size_text(u)} uncompressed from {size_text(c)} (ratio {ratio:,.0f}:1), "
                            f"above TierPlan's limit of {' and '.join(over)}: a decompression bomb or a damaged file")


def _damaged(where: str, what: str) -> UserInputError:
    return refuse(where, f"cannot be read as a workbook: {what} is damaged (its data does not match the zip's checksum or size)",
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
                    raise refuse(where, f"{what} holds more than {size_text(limit)} of XML, above TierPlan's limit for one part")
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
        raise refuse(where, "cannot be opened", exc.strerror or str(exc)) from None
    if count is None:
        raise refuse(where, "cannot be read as a workbook: the file is damaged or not an Excel file",
                     "open it in Excel and save it again as .xlsx")
    if count > ENTRY_LIMIT:
        raise refuse(where, f"the package holds {count:,} parts, above TierPlan's limit of {ENTRY_LIMIT:,} "
                            "(a workbook has tens to a few hundred): a damaged or hostile file")
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, struct.error):
        raise refuse(where, "cannot be read as a workbook: the file is damaged or not an Excel file",
                     "open it in Excel and save it again as .xlsx") from None


def _zip_infos(path: Path, zf: zipfile.ZipFile) -> dict[str, zipfile.ZipInfo]:
    """The parts by name; refused when a name is there twice or all of them together are above the total limit."""
    where = str(path)
    infos: dict[str, zipfile.ZipInfo] = {}
    for info in zf.infolist():
        if info.filename in infos:
            raise refuse(where, f"the package holds two parts named {info.filename}: a damaged or tampered file")
        infos[info.filename] = info
    total = sum(i.file_size for i in infos.values())
    if total > TOTAL_LIMIT:
        raise refuse(where, f"the package holds {size_text(total)} uncompressed from {size_text(path.stat().st_size)}, "
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
        raise refuse(where, "cannot be read as a workbook: the file is damaged or not an Excel file",
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
        what = part_label(part, sheet_of, pkg.strings_part)
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
        raise refuse(str(pkg.path), f"cannot be read as a workbook: {what} is not well-formed XML",
                     "open it in Excel and save it again as .xlsx") from None
