"""The VBA project of the macro workbook, made at run time from the one xlwings ships.

Nothing binary is committed to this repository. ``tier_planner_vba_project()``
takes ``xl/vbaProject.bin`` out of ``quickstart_standalone.xlsm`` from the
installed xlwings package (BSD-licensed part: its ``xlwings`` VBA module holds
``RunPython``), and replaces the source code of its ``Module1`` (xlwings'
``SampleCall`` example, which imports a module named like the workbook) with
:data:`MODULE1_SOURCE`: the macros the buttons call, ``RunOptimization``,
``BuildReport`` and ``CompareScenarios``, which import the fixed module ``tierplan_buttons``.

Why this is sound without Excel: the project xlwings ships is already
"source only" in the sense of [MS-OVBA] 2.3.4.1: its ``_VBA_PROJECT`` stream is
the 7-byte form with version 0xFFFF and no performance cache, so Excel does not
use any compiled p-code from the file and compiles every module from its
source when the workbook opens (xlwings' own ``xlwings`` module is stored that
way, with no p-code at all). We store the new ``Module1`` the same way: the
stream holds only the compressed source and ``MODULEOFFSET`` in the ``dir``
stream is set to 0. Module names, references, the PROJECT stream and the
compound-file directory tree are kept exactly as xlwings wrote them.

The compound file (CFB, [MS-CFB]) and the VBA compression ([MS-OVBA] 2.4.1)
are implemented here in a few lines each so that no extra runtime dependency
is needed; the tests read the result back with olefile and oletools (olevba),
independent implementations, and LibreOffice imports the module source.
"""

from __future__ import annotations

import re
import struct
import zipfile
from dataclasses import dataclass, replace
from pathlib import Path

from planner.excel.conf import BUTTON_MODULE

XLWINGS_SOURCE_WORKBOOK = "quickstart_standalone.xlsm"
MACRO_MODULE = "Module1"
RUN_MACRO = "RunOptimization"
REPORT_MACRO = "BuildReport"
COMPARE_MACRO = "CompareScenarios"

MODULE1_SOURCE = "\r\n".join([
    f'Attribute VB_Name = "{MACRO_MODULE}"',
    "' TierPlan buttons. RunOptimization, BuildReport and CompareScenarios run one function of",
    f"' {BUTTON_MODULE}.py, the Python file in the same folder as this workbook,",
    "' through RunPython of the xlwings VBA module of this project. The module name",
    "' is fixed, so a copy saved under another name (tier_planner (1).xlsm) still",
    "' finds it. The Python that runs it is named in the xlwings.conf sheet.",
    f"Sub {RUN_MACRO}()",
    '    TierPlanRun "run_optimization"',
    "End Sub",
    "",
    f"Sub {REPORT_MACRO}()",
    '    TierPlanRun "build_report"',
    "End Sub",
    "",
    f"Sub {COMPARE_MACRO}()",
    '    TierPlanRun "compare_scenarios"',
    "End Sub",
    "",
    "Private Sub TierPlanRun(action As String)",
    f'    RunPython "import {BUTTON_MODULE};{BUTTON_MODULE}." & action & "()"',
    "End Sub",
    "",
])


def xlwings_source_workbook() -> Path:
    """The quickstart workbook of the installed xlwings package."""
    import xlwings

    path = Path(xlwings.__file__).resolve().parent / XLWINGS_SOURCE_WORKBOOK
    if not path.is_file():
        raise FileNotFoundError(f"the installed xlwings {xlwings.__version__} does not ship {XLWINGS_SOURCE_WORKBOOK} (looked in {path.parent})")
    return path


def shipped_vba_project() -> bytes:
    with zipfile.ZipFile(xlwings_source_workbook()) as zf:
        return zf.read("xl/vbaProject.bin")


def tier_planner_vba_project(source: bytes | None = None) -> bytes:
    """vbaProject.bin: xlwings' standalone project with Module1's source replaced by MODULE1_SOURCE."""
    return replace_module_source(source if source is not None else shipped_vba_project(), MACRO_MODULE, MODULE1_SOURCE)


# ------------------------------------------------------------------ VBA project streams


def replace_module_source(project: bytes, module: str, source: str) -> bytes:
    cfb = CompoundFile.parse(project)
    if cfb.stream_data("VBA/_VBA_PROJECT")[:4] != b"\xcc\x61\xff\xff":
        raise ValueError("the xlwings VBA project is not in source-only form (_VBA_PROJECT version 0xFFFF); cannot patch it safely")
    dir_stream = decompress(cfb.stream_data("VBA/dir"))
    records = parse_dir(dir_stream)
    codepage = next(struct.unpack("<H", data)[0] for rid, data in records if rid == 0x0003)
    stream_name, patched = _zero_module_offset(records, module)
    cfb.set_stream(f"VBA/{stream_name}", compress(source.encode(f"cp{codepage}")))
    cfb.set_stream("VBA/dir", compress(build_dir(patched)))
    return cfb.to_bytes()


def module_source(project: bytes, module: str) -> str:
    """Read a module's source back (for checks); follows MODULEOFFSET like Excel does."""
    cfb = CompoundFile.parse(project)
    records = parse_dir(decompress(cfb.stream_data("VBA/dir")))
    codepage = next(struct.unpack("<H", data)[0] for rid, data in records if rid == 0x0003)
    name, offset = None, None
    current = None
    for rid, data in records:
        if rid == 0x0019:
            current = data.decode(f"cp{codepage}")
        elif rid == 0x001A and current == module:
            name = data.decode(f"cp{codepage}")
        elif rid == 0x0031 and current == module:
            offset = struct.unpack("<I", data)[0]
    if name is None or offset is None:
        raise KeyError(module)
    return decompress(cfb.stream_data(f"VBA/{name}")[offset:]).decode(f"cp{codepage}")


def xlwings_vba_version(project: bytes) -> str | None:
    """The version the project's xlwings VBA module declares (``Public Const XLWINGS_VERSION As String = "..."``)."""
    try:
        source = module_source(project, "xlwings")
    except (KeyError, ValueError):
        return None
    m = re.search(r'^\s*Public Const XLWINGS_VERSION As String = "([^"]+)"', source, flags=re.M)
    return m.group(1) if m else None


def parse_dir(data: bytes) -> list[tuple[int, bytes]]:
    """Records of the decompressed ``dir`` stream as (id, payload)."""
    records = []
    i = 0
    while i < len(data):
        rid, size = struct.unpack_from("<HI", data, i)
        if rid == 0x0009:  # PROJECTVERSION: Reserved is 4, but 6 bytes follow
            size = 6
        records.append((rid, bytes(data[i + 6 : i + 6 + size])))
        i += 6 + size
    return records


def build_dir(records: list[tuple[int, bytes]]) -> bytes:
    out = bytearray()
    for rid, payload in records:
        size = 4 if rid == 0x0009 else len(payload)
        out += struct.pack("<HI", rid, size) + payload
    return bytes(out)


def _zero_module_offset(records, module: str):
    current, stream, found = None, None, False
    patched = []
    for rid, data in records:
        if rid == 0x0019:
            current = data.decode("latin-1")
        elif rid == 0x001A and current == module:
            stream = data.decode("latin-1")
        elif rid == 0x0031 and current == module:
            data = struct.pack("<I", 0)
            found = True
        patched.append((rid, data))
    if not found or stream is None:
        raise KeyError(f"the VBA project has no module {module!r}")
    return stream, patched


# ------------------------------------------------------------------ [MS-OVBA] 2.4.1 compression


def decompress(data: bytes) -> bytes:
    if not data or data[0] != 0x01:
        raise ValueError("not a VBA compressed container")
    out = bytearray()
    pos = 1
    while pos < len(data):
        header = struct.unpack_from("<H", data, pos)[0]
        size = (header & 0x0FFF) + 3
        compressed = header & 0x8000
        chunk_end = min(pos + size, len(data))
        pos += 2
        start = len(out)
        if not compressed:
            out += data[pos : pos + 4096]
            pos = chunk_end
            continue
        while pos < chunk_end:
            flags = data[pos]
            pos += 1
            for bit in range(8):
                if pos >= chunk_end:
                    break
                if not flags & (1 << bit):
                    out.append(data[pos])
                    pos += 1
                    continue
                token = struct.unpack_from("<H", data, pos)[0]
                pos += 2
                bits = _offset_bits(len(out) - start)
                length = (token & (0xFFFF >> bits)) + 3
                offset = (token >> (16 - bits)) + 1
                src = len(out) - offset
                for k in range(length):
                    out.append(out[src + k])
    return bytes(out)


def compress(data: bytes) -> bytes:
    out = bytearray(b"\x01")
    for start in range(0, len(data), 4096):
        out += _compress_chunk(data[start : start + 4096])
    return bytes(out)


def _offset_bits(difference: int) -> int:
    bits = max((difference - 1).bit_length(), 4)
    return min(bits, 12)


def _compress_chunk(chunk: bytes) -> bytes:
    body = bytearray()
    pos = 0
    n = len(chunk)
    seen: dict[bytes, list[int]] = {}
    while pos < n:
        flag_at = len(body)
        body.append(0)
        flags = 0
        for bit in range(8):
            if pos >= n:
                break
            bits = _offset_bits(pos)
            max_len = (0xFFFF >> bits) + 3
            best_len, best_off = 0, 0
            key = chunk[pos : pos + 3]
            if len(key) == 3:
                for cand in reversed(seen.get(key, ())):
                    if pos - cand > (1 << bits):
                        break
                    length = 0
                    limit = min(max_len, n - pos)
                    while length < limit and chunk[cand + length] == chunk[pos + length]:
                        length += 1
                    if length > best_len:
                        best_len, best_off = length, pos - cand
                        if length == limit:
                            break
            if best_len >= 3:
                body += struct.pack("<H", ((best_off - 1) << (16 - bits)) | (best_len - 3))
                flags |= 1 << bit
                step = best_len
            else:
                body.append(chunk[pos])
                step = 1
            for p in range(pos, pos + step):
                k = chunk[p : p + 3]
                if len(k) == 3:
                    seen.setdefault(k, []).append(p)
            pos += step
        body[flag_at] = flags
    if len(body) + 2 <= 4098:
        header = 0xB000 | (len(body) + 2 - 3)
        return struct.pack("<H", header) + bytes(body)
    raw = chunk.ljust(4096, b"\x00")
    return struct.pack("<H", 0x3000 | (4096 + 2 - 3)) + raw


# ------------------------------------------------------------------ [MS-CFB] compound file, version 3

FREESECT, ENDOFCHAIN, FATSECT, NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
_SIGNATURE = bytes.fromhex("D0CF11E0A1B11AE1")


@dataclass
class DirEntry:
    name: str
    type: int  # 1 storage, 2 stream, 5 root
    color: int
    left: int
    right: int
    child: int
    clsid: bytes
    state: int
    ctime: bytes
    mtime: bytes
    start: int
    size: int


class CompoundFile:
    """A whole compound file held in memory: directory entries plus stream bytes."""

    def __init__(self, entries: list[DirEntry], data: dict[int, bytes]):
        self.entries = entries
        self.data = data  # entry index -> stream bytes

    @classmethod
    def parse(cls, blob: bytes) -> CompoundFile:
        if blob[:8] != _SIGNATURE:
            raise ValueError("not a compound file")
        sector_shift, mini_shift = struct.unpack_from("<HH", blob, 0x1E)
        ssz, mssz = 1 << sector_shift, 1 << mini_shift
        n_fat, first_dir = struct.unpack_from("<II", blob, 0x2C)
        cutoff, first_minifat, _n_minifat, first_difat, n_difat = struct.unpack_from("<IIIII", blob, 0x38)

        def sector(i: int) -> bytes:
            return blob[(i + 1) * ssz : (i + 2) * ssz]

        fat_sectors = [s for s in struct.unpack_from("<109I", blob, 0x4C) if s not in (FREESECT, ENDOFCHAIN)]
        d = first_difat
        for _ in range(n_difat):
            vals = struct.unpack(f"<{ssz // 4}I", sector(d))
            fat_sectors += [s for s in vals[:-1] if s not in (FREESECT, ENDOFCHAIN)]
            d = vals[-1]
        fat: list[int] = []
        for s in fat_sectors[:n_fat]:
            fat += struct.unpack(f"<{ssz // 4}I", sector(s))

        def chain(start: int) -> bytes:
            out, s, guard = bytearray(), start, 0
            while s not in (ENDOFCHAIN, FREESECT) and guard <= len(fat):
                out += sector(s)
                s = fat[s]
                guard += 1
            return bytes(out)

        dir_bytes = chain(first_dir)
        entries: list[DirEntry] = []
        for off in range(0, len(dir_bytes), 128):
            rec = dir_bytes[off : off + 128]
            name_len = struct.unpack_from("<H", rec, 64)[0]
            name = rec[: max(name_len - 2, 0)].decode("utf-16-le")
            typ, color = rec[66], rec[67]
            left, right, child = struct.unpack_from("<III", rec, 68)
            clsid = rec[80:96]
            state = struct.unpack_from("<I", rec, 96)[0]
            ctime, mtime = rec[100:108], rec[108:116]
            start, size = struct.unpack_from("<IQ", rec, 116)
            entries.append(DirEntry(name, typ, color, left, right, child, clsid, state, ctime, mtime, start, size & 0xFFFFFFFF))
        minifat: list[int] = []
        if first_minifat not in (ENDOFCHAIN, FREESECT):
            raw = chain(first_minifat)
            minifat = list(struct.unpack(f"<{len(raw) // 4}I", raw))
        ministream = chain(entries[0].start) if entries and entries[0].type == 5 else b""
        data = {}
        for i, e in enumerate(entries):
            if e.type != 2:
                continue
            if e.size < cutoff:
                out, s = bytearray(), e.start
                while s not in (ENDOFCHAIN, FREESECT) and len(out) < e.size:
                    out += ministream[s * mssz : (s + 1) * mssz]
                    s = minifat[s]
                data[i] = bytes(out[: e.size])
            else:
                data[i] = chain(e.start)[: e.size]
        return cls(entries, data)

    def _index(self, path: str) -> int:
        parts = path.split("/")
        parent = 0
        for part in parts:
            found = None
            stack = [self.entries[parent].child]
            while stack:
                i = stack.pop()
                if i == NOSTREAM or i >= len(self.entries):
                    continue
                e = self.entries[i]
                if e.name.upper() == part.upper():
                    found = i
                    break
                stack += [e.left, e.right]
            if found is None:
                raise KeyError(path)
            parent = found
        return parent

    def stream_data(self, path: str) -> bytes:
        return self.data[self._index(path)]

    def set_stream(self, path: str, data: bytes) -> None:
        i = self._index(path)
        if self.entries[i].type != 2:
            raise KeyError(path)
        self.data[i] = bytes(data)

    def to_bytes(self) -> bytes:
        """Write a version-3 compound file (512-byte sectors) with the same directory tree."""
        ssz, mssz, cutoff = 512, 64, 4096
        entries = [replace(e) for e in self.entries]
        big: list[int] = []
        small: list[int] = []
        for i, e in enumerate(entries):
            if e.type == 2:
                e.size = len(self.data[i])
                (small if e.size < cutoff else big).append(i)
        # mini stream
        ministream = bytearray()
        minifat: list[int] = []
        for i in small:
            blob = self.data[i]
            if not blob:
                entries[i].start = ENDOFCHAIN
                continue
            count = -(-len(blob) // mssz)
            first = len(minifat)
            entries[i].start = first
            minifat += [first + k + 1 for k in range(count - 1)] + [ENDOFCHAIN]
            ministream += blob.ljust(count * mssz, b"\x00")
        # sector layout: big streams, mini stream, minifat, directory, FAT
        sectors: list[bytes] = []
        fat: list[int] = []

        def put(blob: bytes) -> int:
            if not blob:
                return ENDOFCHAIN
            count = -(-len(blob) // ssz)
            first = len(sectors)
            for k in range(count):
                sectors.append(blob[k * ssz : (k + 1) * ssz].ljust(ssz, b"\x00"))
                fat.append(first + k + 1 if k < count - 1 else ENDOFCHAIN)
            return first

        for i in big:
            entries[i].start = put(self.data[i])
        root = entries[0]
        root.start = put(bytes(ministream))
        root.size = len(ministream)
        minifat_bytes = struct.pack(f"<{len(minifat)}I", *minifat) if minifat else b""
        if minifat_bytes:
            minifat_bytes = minifat_bytes.ljust(-(-len(minifat_bytes) // ssz) * ssz, b"\xff")
        first_minifat = put(minifat_bytes)
        n_minifat = len(minifat_bytes) // ssz
        dir_blob = bytearray()
        for e in entries:
            dir_blob += _pack_entry(e)
        while len(dir_blob) % ssz:
            dir_blob += _pack_entry(None)
        first_dir = put(bytes(dir_blob))
        # FAT sectors: enough to describe every sector, themselves included
        n_fat = 1
        while n_fat * (ssz // 4) < len(sectors) + n_fat:
            n_fat += 1
        if n_fat > 109:
            raise ValueError("VBA project too large for this writer (needs DIFAT sectors)")
        fat_positions = list(range(len(sectors), len(sectors) + n_fat))
        fat += [FATSECT] * n_fat
        fat += [FREESECT] * (n_fat * (ssz // 4) - len(fat))
        fat_blob = struct.pack(f"<{len(fat)}I", *fat)
        for k in range(n_fat):
            sectors.append(fat_blob[k * ssz : (k + 1) * ssz])
        header = bytearray(512)
        header[0:8] = _SIGNATURE
        struct.pack_into("<HHHHHH", header, 0x18, 0x003E, 0x0003, 0xFFFE, 9, 6, 0)
        struct.pack_into("<IIIII", header, 0x28, 0, n_fat, first_dir, 0, cutoff)
        struct.pack_into("<IIII", header, 0x3C, first_minifat, n_minifat, ENDOFCHAIN, 0)
        difat = fat_positions + [FREESECT] * (109 - n_fat)
        struct.pack_into("<109I", header, 0x4C, *difat)
        return bytes(header) + b"".join(sectors)


def _pack_entry(e: DirEntry | None) -> bytes:
    if e is None or e.type == 0:
        blob = bytearray(128)
        struct.pack_into("<III", blob, 68, NOSTREAM, NOSTREAM, NOSTREAM)
        return bytes(blob)
    name = e.name.encode("utf-16-le")[:62]
    blob = bytearray(128)
    blob[: len(name)] = name
    struct.pack_into("<HBB", blob, 64, len(name) + 2, e.type, e.color)
    struct.pack_into("<III", blob, 68, e.left, e.right, e.child)
    blob[80:96] = e.clsid
    struct.pack_into("<I", blob, 96, e.state)
    blob[100:108] = e.ctime
    blob[108:116] = e.mtime
    start = e.start if e.type != 1 else 0
    size = e.size if e.type != 1 else 0
    struct.pack_into("<IQ", blob, 116, start, size)
    return bytes(blob)
