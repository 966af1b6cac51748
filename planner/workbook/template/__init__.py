"""Write a planning workbook from a WorkbookContent, laid out as planner.schema declares.

Layout of every table sheet: title in A1, purpose in A2, units in row 3,
headers on ``schema.HEADER_ROW`` (row 4), data below, all inside an Excel table
named as in the schema. Finance is a settings table with one defined name per
setting pointing at its value cell. Summary holds formulas only.

Formulas use structured references (``IntervalsTable[[#This Row],[Hours per
occurrence]]``, ``RolesTable[Hourly rate]``) and classic functions only (IF,
INDEX, MATCH, SUMIF, COUNTIF, SUMPRODUCT, ROWS, SUM, ISNUMBER, AND, OR), so
the workbook computes in Excel and in LibreOffice 7.4, and rows added to a
table are picked up without editing any formula. Every formula is written with
an empty cached result: Excel recalculates on load (XlsxWriter sets the flag)
and LibreOffice recalculates formulas that carry no cached value.

Drop-downs for tiers, roles and services use the defined names ``TierList``,
``RoleList`` and ``ServiceList``, which point at whole table columns
(``=TiersTable[Tier]``): data validation cannot use structured references
directly, a name can, and the name grows with the table.

Protection: sheets holding formulas or fixed structure (Guide, Finance,
Roles, Intervals, Summary) are protected without a password; inputs on them
are unlocked. Pure input tables (Tiers, Services, SLAs, Scoring, Accounts)
stay unprotected so the tables grow when rows are typed or pasted below them.

The package: this module holds the entry points (write_template, write_workbook); book (the
sheet writer), declarations (protection, frozen columns, number formats), formulas (the FORMULA
columns) and data_validation (drop-downs and ranges) hold the rest.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from pathlib import Path

import xlsxwriter

from planner.workbook.defaults import WorkbookContent, default_content
from planner.workbook.template.book import BookWriter

#: Fixed document properties: the same content always gives the same file.
CREATED = _dt.datetime(2026, 1, 1)


def write_template(path: str | Path) -> Path:
    """Write the blank planning template (defaults, no accounts, no budget)."""
    return write_workbook(path, default_content())


def write_workbook(
    path: str | Path,
    content: WorkbookContent,
    extras: Callable[[xlsxwriter.Workbook], None] | None = None,
) -> Path:
    """Write ``content`` as a planning workbook at ``path`` (.xlsx). Deterministic output.

    ``extras`` is called with the XlsxWriter workbook after every sheet is
    written and before the file is closed; the macro-enabled variant
    (planner.excel.build) adds its VBA project and buttons there.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(
        str(path),
        {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False, "nan_inf_to_errors": False},
    )
    book.set_properties(
        {
            "title": content.title,
            "subject": "Customer Success tier planning",
            "author": "TierPlan",
            "company": "",
            "created": CREATED,
        }
    )
    BookWriter(book, content).write()
    if extras is not None:
        extras(book)
    book.close()
    return path
