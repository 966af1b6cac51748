"""Opening a workbook file: what kind of file it is, its input sheets as grids of cached values, error cells recovered.

python-calamine reads the cached values (fast: a 100k-row Accounts sheet in about a second).
It returns Excel error cells as empty strings, so the cells typed ``t="e"`` are read back from
the sheet XML: an error in an input cell must not pass for a blank. Every way a file can be
the wrong thing (missing, a folder, a CSV with an .xlsx name, password-protected, damaged)
ends in one clear problem naming the file.
"""

from __future__ import annotations

import re
import zipfile
from contextlib import suppress
from pathlib import Path, PurePosixPath

from planner import schema
from planner.errors import Problem, UserInputError

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")


def load_grids(book: Path, *, skip_accounts: bool = False) -> dict[str, list[list]]:
    """The input sheets of a workbook file as grids of cached cell values (row 1 first, column A first).

    Error cells come back as their text ("#DIV/0!"). Raises UserInputError with one
    clear problem when the file is missing, not a workbook, damaged or password-protected.
    """
    book = Path(book)
    where = str(book)
    if not book.exists():
        raise UserInputError(Problem(where, "file not found", "check the path and the file name"))
    if book.is_dir():
        raise UserInputError(Problem(where, "is a folder, not a workbook", "give the path of an .xlsx or .xlsm file"))
    suffix = book.suffix.lower()
    if suffix in (".csv", ".txt", ".tsv", ".parquet"):
        raise UserInputError(Problem(where, "is an accounts file, not a workbook",
                                     "give the planning workbook (.xlsx); pass a CSV or Parquet export with --accounts"))
    try:
        with open(book, "rb") as fh:
            head = fh.read(8)
    except OSError as exc:
        raise UserInputError(Problem(where, "cannot be opened", exc.strerror or str(exc))) from None
    if _is_encrypted(book, head):
        raise UserInputError(Problem(where, "is password-protected",
                                     "open it in Excel, remove the password under File > Info > Protect Workbook, and save it"))
    if suffix not in WORKBOOK_SUFFIXES and head[:4] != b"PK\x03\x04":
        raise UserInputError(Problem(where, "is not an Excel workbook", "give an .xlsx or .xlsm file"))
    if suffix in (".xlsx", ".xlsm") and head[:4] != b"PK\x03\x04":
        what = "a CSV or text file" if _looks_like_text(book) else "not a valid Excel file"
        raise UserInputError(Problem(where, f"is {what} with an {suffix} name, not a workbook",
                                     "open it in Excel and save it as an Excel workbook (.xlsx)"))
    try:
        import python_calamine as calamine

        wb = calamine.CalamineWorkbook.from_path(str(book))
    except Exception as exc:  # calamine raises PasswordError, ZipError, XmlError, CalamineError...
        if type(exc).__name__ == "PasswordError":
            raise UserInputError(Problem(where, "is password-protected", "open it in Excel, remove the password under File > Info > Protect Workbook, and save it")) from None
        raise UserInputError(Problem(where, "cannot be read as a workbook: the file is damaged or not an Excel file",
                                     "open it in Excel and save it again as .xlsx")) from None
    wanted = {s.lower() for s in schema.READ_SHEETS}
    if skip_accounts:
        wanted.discard(schema.ACCOUNTS.name.lower())
    grids: dict[str, list[list]] = {}
    try:
        for name in wb.sheet_names:
            if name.strip().lower() in wanted:
                grids[name] = wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
    except Exception:
        raise UserInputError(Problem(where, "cannot be read as a workbook: a sheet is damaged",
                                     "open it in Excel and save it again as .xlsx")) from None
    finally:
        with suppress(Exception):
            wb.close()
    if suffix in (".xlsx", ".xlsm") or head[:4] == b"PK\x03\x04":
        _restore_error_cells(book, grids)
    return grids


def _is_encrypted(book: Path, head: bytes) -> bool:
    """Password-protected .xlsx files are OLE containers holding an EncryptedPackage stream."""
    if head != b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return False
    try:
        data = book.read_bytes()
    except OSError:
        return False
    return "EncryptedPackage".encode("utf-16-le") in data or "EncryptionInfo".encode("utf-16-le") in data


def _looks_like_text(book: Path) -> bool:
    try:
        with open(book, "rb") as fh:
            chunk = fh.read(4096)
    except OSError:
        return False
    try:
        chunk.decode("utf-8")
    except UnicodeDecodeError:
        try:
            chunk[:-4].decode("utf-8")
        except UnicodeDecodeError:
            return False
    return b"\x00" not in chunk


_CELL_RE = re.compile(rb"<(?:\w+:)?c\b([^>]*?\bt=\"e\"[^>]*)>(.*?)</(?:\w+:)?c>", re.S)
_REF_RE = re.compile(rb"\br=\"([A-Z]+)(\d+)\"")
_V_RE = re.compile(rb"<(?:\w+:)?v>([^<]*)</(?:\w+:)?v>")


def _restore_error_cells(book: Path, grids: dict[str, list[list]]) -> None:
    """Put error values (#DIV/0!, #REF!...) back into the grids.

    python-calamine returns error cells as empty strings; an error in an input
    cell must not pass for a blank, so the cells typed t="e" are read from the
    sheet XML (a byte search; sheets without errors cost one scan).
    """
    try:
        with zipfile.ZipFile(book) as zf:
            paths = _sheet_paths(zf)
            for name, grid in grids.items():
                part = paths.get(name)
                if part is None:
                    continue
                data = zf.read(part)
                if b't="e"' not in data:
                    continue
                for m in _CELL_RE.finditer(data):
                    ref = _REF_RE.search(m.group(1))
                    val = _V_RE.search(m.group(2))
                    if not ref:
                        continue
                    col = _col_index(ref.group(1).decode())
                    row = int(ref.group(2)) - 1
                    text = val.group(1).decode("utf-8", "replace") if val else "#N/A"
                    while len(grid) <= row:
                        grid.append([])
                    r = grid[row]
                    if len(r) <= col:
                        r.extend([""] * (col + 1 - len(r)))
                    r[col] = text
    except (zipfile.BadZipFile, KeyError, OSError):
        return


def _sheet_paths(zf: zipfile.ZipFile) -> dict[str, str]:
    import xml.etree.ElementTree as ET

    ns_main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    ns_rel = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
    wb = ET.fromstring(zf.read("xl/workbook.xml"))
    rels = ET.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    target = {r.get("Id"): r.get("Target") for r in rels}
    out = {}
    for s in wb.iter(f"{ns_main}sheet"):
        t = target.get(s.get(f"{ns_rel}id"))
        name = s.get("name")
        if not t or name is None:
            continue
        path = t.lstrip("/") if t.startswith("/") else str(PurePosixPath("xl") / t)
        out[name] = path
    return out


def _col_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n - 1
