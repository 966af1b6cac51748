"""What write-back refuses before it writes anything, and the messages for a book that changed or a disk that failed.

A missing book, one that is not .xlsx/.xlsm, open in Excel or LibreOffice (their lock files),
read-only or in a folder that is not writable; a book whose bytes changed since its inputs were
read (:func:`book_stamp`). Temporary copies carry ``TEMP_PREFIX`` so a killed run's are cleaned.
"""

from __future__ import annotations

import os
import stat
import zipfile
from contextlib import suppress
from pathlib import Path

from planner.errors import Problem, UserInputError

BOOK_SUFFIXES = (".xlsx", ".xlsm")


TEMP_PREFIX = ".~tierplan-"  # + process id and machine mark (planner.tempdirs), so a killed run's copy is cleaned


def book_stamp(book: Path | str) -> str:
    """The SHA-256 of BOOK's bytes (a linked book's target), taken when it is read: write-back compares it."""
    import hashlib

    h = hashlib.sha256()
    with open(Path(book), "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def saved_meanwhile(book: Path) -> UserInputError:
    return UserInputError(Problem(str(book), "the workbook was saved while the plan ran, so the result sheets would describe "
                                  "the inputs before that save; the workbook was not changed", "run it again"))


def check_unchanged(given: Path, book: Path, read_as: str) -> None:
    try:
        now = book_stamp(book)
    except OSError:
        raise saved_meanwhile(given) from None
    if now != read_as:
        raise saved_meanwhile(given)


def write_failed(book: Path, exc: OSError) -> UserInputError:
    import errno

    if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return UserInputError(Problem(str(book), f"the disk holding {book.parent} is full: the workbook was not changed and "
                                      "no partial backup or copy was left", "free some space on that disk and run again"))
    return UserInputError(Problem(str(book), f"write-back could not write beside the workbook: {exc.strerror or exc}; "
                                  "the workbook was not changed", "check the folder and the disk, then run again"))


def keep_owner_and_mode(book: Path, tmp: Path) -> None:
    st = book.stat()
    os.chmod(tmp, stat.S_IMODE(st.st_mode))
    if hasattr(os, "chown"):
        with suppress(OSError):  # only the owner's group may be given away by a non-root user
            os.chown(tmp, st.st_uid, st.st_gid)


def lock_files(book: Path) -> list[Path]:
    """Owner/lock files a spreadsheet application keeps beside BOOK while it is open."""
    return [book.with_name("~$" + book.name), book.with_name(f".~lock.{book.name}#")]


def check_writable(book: Path) -> None:
    """Refuse (UserInputError) when BOOK is missing, not a workbook, open in Excel/LibreOffice or read-only."""
    where = str(book)
    if not book.exists():
        raise UserInputError(Problem(where, "the workbook does not exist"))
    if book.suffix.lower() not in BOOK_SUFFIXES:
        raise UserInputError(Problem(where, f"write-back works on .xlsx and .xlsm workbooks, not {book.suffix or 'a file without extension'}", "save the workbook as .xlsx or .xlsm"))
    if not zipfile.is_zipfile(book):
        raise UserInputError(Problem(where, "is not an Excel workbook (not a zip package)", "an .xlsx or .xlsm saved by Excel, LibreOffice or TierPlan"))
    for lock in lock_files(book):
        if lock.exists():
            app = "Excel" if lock.name.startswith("~$") else "LibreOffice"
            raise UserInputError(Problem(where, f"the workbook is open in {app} ({lock.name} exists beside it)", f"close it in {app}, then run again; if it is not open, delete {lock.name}"))
    mode = book.stat().st_mode
    if not mode & stat.S_IWUSR or not os.access(book, os.W_OK):
        raise UserInputError(Problem(where, "the workbook is read-only", "clear the read-only flag or copy the workbook, then run again"))
    if not os.access(book.parent, os.W_OK):
        raise UserInputError(Problem(where, f"the folder {book.parent} is not writable, so no backup or temporary file can be made beside the workbook"))
