"""Opening a workbook file: what kind of file it is, its input sheets as grids of cached values, error cells recovered.

python-calamine reads the cached values (fast: a 100k-row Accounts sheet in about a second).
An .xlsx/.xlsm package is read through planner.workbook.bounded: every part's size checked
before it is decompressed, only the columns the tables need handed to calamine, and the error
cells (calamine returns them as empty strings) read back from the sheet XML, since an error in
an input cell must not pass for a blank. Every way a file can be the wrong thing (missing, a
folder, a CSV with an .xlsx name, password-protected, damaged, a decompression bomb, a cell far
from the tables) ends in one clear problem naming the file.
"""

from __future__ import annotations

import contextlib
import zipfile
from pathlib import Path

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
    wanted = set(schema.READ_SHEETS)
    if skip_accounts:
        wanted.discard(schema.ACCOUNTS.name)
    if head[:4] == b"PK\x03\x04" and suffix not in (".ods", ".xlsb"):
        from planner.workbook.bounded import read_grids

        return read_grids(book, wanted)
    return _other_format_grids(book, wanted)


def _other_format_grids(book: Path, wanted: set[str]) -> dict[str, list[list]]:
    """.xls, .xlsb and .ods: their sizes checked (zip parts, or the sheets' extent in a memory-capped child process), then read whole."""
    from planner.workbook.bounded.grids import canonical_sheet, sheet_grid
    from planner.workbook.bounded.limits import EXCEL_COLUMNS
    from planner.workbook.bounded.package import check_zip
    from planner.workbook.bounded.probe import probe_extent

    where = str(book)
    if zipfile.is_zipfile(book):
        check_zip(book)
    probe_extent(book, wanted)
    try:
        import python_calamine as calamine

        wb = calamine.CalamineWorkbook.from_path(str(book))
    except Exception as exc:  # calamine raises PasswordError, ZipError, XmlError, CalamineError...
        if type(exc).__name__ == "PasswordError":
            raise UserInputError(Problem(where, "is password-protected", "open it in Excel, remove the password under File > Info > Protect Workbook, and save it")) from None
        raise UserInputError(Problem(where, "cannot be read as a workbook: the file is damaged or not an Excel file",
                                     "open it in Excel and save it again as .xlsx")) from None
    grids: dict[str, list[list]] = {}
    try:
        for name in wb.sheet_names:
            if canonical_sheet(name) in wanted:
                grids[name] = sheet_grid(wb.get_sheet_by_name(name), EXCEL_COLUMNS)[0]
    except Exception:
        raise UserInputError(Problem(where, "cannot be read as a workbook: a sheet is damaged",
                                     "open it in Excel and save it again as .xlsx")) from None
    finally:
        with contextlib.suppress(Exception):
            wb.close()
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
