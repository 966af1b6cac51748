"""Put TierPlan's result sheets into the user's own workbook without losing anything.

``write_back(BOOK, sheets)`` patches the .xlsx/.xlsm zip package directly
instead of loading and re-saving it (openpyxl would drop cached formula values,
shapes, sparklines, extensions). What changes:

* one worksheet part per result sheet: a new part for a sheet the workbook
  does not have yet, or the replaced part of a result sheet an earlier run
  wrote (recognised by its stamp, see below);
* ``xl/workbook.xml``: new ``<sheet>`` entries appended to the sheet list, and
  ``fullCalcOnLoad="1"`` on ``<calcPr>`` so that formulas of the user's that
  point at the result sheets are recalculated when Excel next opens the book;
* the workbook's relationships and ``[Content_Types].xml``: one entry per new
  sheet part;
* ``xl/calcChain.xml`` is dropped only when a replaced result sheet held
  formulas that the calculation chain may still list.

Every other part (VBA project, drawings, charts, form controls, sparklines and
other ``extLst`` content, cached values, shared strings, styles, docProps)
is copied byte for byte. Result cells are written as inline strings so that
``sharedStrings.xml`` stays untouched, and they reuse the workbook's existing
cell styles for money/percent/bold when it has them (``styles.xml`` is never
modified; without a matching style the cell uses the default one).

Which sheets are ours: each result sheet carries a visible stamp,
``Written by TierPlan on <date>. ...``, in the blank row between its title/note
and its table (or, for a sheet without title and note, in row 1 two columns
right of the table). The table itself sits on exactly the rows where
planner.writers.results puts it, so formulas the core wrote for that layout
(e.g. Account tiers' "Tier by score") point at the right cells. A sheet whose
name is a result-sheet name but which has no stamp in its first STAMP_ROWS
rows was made by someone else, and write-back refuses to replace it. Excel keeps cell text when it saves, so the stamp
survives the user's saves (inline strings become shared strings; both are read).

Safety: the patched package is written to a temporary file beside BOOK,
re-opened and checked (zip CRCs, every patched XML part parsed, the result
sheets read back with python-calamine and the package opened with openpyxl in
read-only mode), then BOOK is copied to ``<stem>.backup-YYYYmmdd-HHMMSS<suffix>``
and the temporary file is moved over BOOK with ``os.replace``.

The package: this module holds :func:`write_back`, which runs the steps; guards (what is
refused before anything is written: a missing, open or read-only book, a book saved meanwhile),
package (the zip read and the plan of parts to write), xml_edits (text surgery on workbook.xml,
the relationships and the content types), sheet_xml (a result sheet as a worksheet part, with
the book's own styles), stamps (which sheets are ours) and safety (the check of the patched copy
and the backup) hold the rest; ooxml has the namespaces and XML escaping they share.
"""

from __future__ import annotations

import datetime as _dt
import os
import tempfile
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from planner.schema import RESULT_SHEETS
from planner.writers.layout import ResultSheet, sheet_rows, stale_rows
from planner.writers.writeback.guards import (
    TEMP_PREFIX,
    book_stamp,
    check_unchanged,
    check_writable,
    keep_owner_and_mode,
    saved_meanwhile,
    write_failed,
)
from planner.writers.writeback.package import Package
from planner.writers.writeback.safety import make_backup, verify
from planner.writers.writeback.sheet_xml import StylePicker, render_sheet_xml

#: What callers use: book_stamp and check_writable before the plan runs, write_back after it.
__all__ = ["WriteBackResult", "book_stamp", "check_writable", "write_back"]


@dataclass(frozen=True)
class WriteBackResult:
    """What write_back did."""

    book: Path
    backup: Path
    added: tuple[str, ...] = ()  # result sheets new to the workbook
    replaced: tuple[str, ...] = ()  # result sheets of an earlier run, replaced
    stale: tuple[str, ...] = ()  # earlier result sheets the new run did not produce (now say so)
    dropped_calc_chain: bool = False


def write_back(
    book: Path,
    sheets: Mapping[str, ResultSheet | pd.DataFrame],
    *,
    now: _dt.datetime | None = None,
    read_as: str | None = None,
) -> WriteBackResult:
    """Put ``sheets`` into BOOK as result sheets; keep a timestamped backup. See the module docstring.

    ``read_as``: :func:`book_stamp` of BOOK when its inputs were read; write-back refuses (UserInputError) when
    BOOK changed since. A linked BOOK is written at the file the link points to.
    """
    from planner.tempdirs import clean_stale, pid_prefix

    given = Path(book)
    book = given.resolve() if given.is_symlink() else given  # a linked book is written at its target; the link stays
    now = now or _dt.datetime.now()
    unknown = [n for n in sheets if n not in RESULT_SHEETS]
    if unknown:
        raise ValueError(f"not result sheet names (see schema.RESULT_SHEETS): {unknown}")
    check_writable(book)
    clean_stale(TEMP_PREFIX, book.parent)  # a killed write-back's temporary copies
    if read_as is not None:
        check_unchanged(given, book, read_as)
    package = Package.open(book)
    plan = package.plan(list(sheets), now)
    parts = dict(plan.new_parts)
    styles = StylePicker(package.read_styles())
    for name, (part, result) in plan.targets.items():
        if result is not None:
            layout = sheet_rows(sheets[result], now)
        else:  # an earlier run's sheet this run did not produce
            layout = stale_rows(name, now)
        parts[part] = render_sheet_xml(layout, styles)
    folder = book.parent
    tmp = None
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=pid_prefix(TEMP_PREFIX) + f"{book.stem}-", suffix=book.suffix, dir=folder)
        os.close(fd)
        tmp = Path(tmp_name)
        try:
            package.write(tmp, parts, drop=plan.drop)
        except (zipfile.BadZipFile, KeyError, EOFError):
            raise saved_meanwhile(given) from None  # the workbook changed under the copy being made
        verify(book, tmp, package, plan, sheets)
        keep_owner_and_mode(book, tmp)
        backup = make_backup(book, now)
        if read_as is not None:
            check_unchanged(given, book, read_as)  # a save while the result sheets were written: the backup is of that save
        os.replace(tmp, book)
    except OSError as exc:
        raise write_failed(given, exc) from None
    finally:
        if tmp is not None and tmp.exists():
            tmp.unlink()
    return WriteBackResult(
        book=book,
        backup=backup,
        added=tuple(plan.added),
        replaced=tuple(n for n in plan.replaced if plan.targets[n][1] is not None),
        stale=tuple(n for n in plan.replaced if plan.targets[n][1] is None),
        dropped_calc_chain=bool(plan.drop),
    )
