"""What the CSV and Parquet export readers share (a CRM export: export.py; a helpdesk export: ticket_files.py).

The pieces that must read the same whichever export a user hands over: an
error's first line as a message, a workbook's bytes behind a .csv name, the
separator of a header line, and rows whose number of values differs from the
header's, listed for the first ``MAX_ROW_PROBLEMS`` rows.
"""

from __future__ import annotations

import re

from planner.errors import Problem, UserInputError
from planner.workbook.locators import MAX_ROW_PROBLEMS
from planner.workbook.text import plural

DELIMITERS = (",", ";", "\t", "|")


def short_error(exc: Exception) -> str:
    """The first line of an exception's message (at most 200 characters), or its type's name when it has none."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]


def is_workbook_bytes(data: bytes) -> bool:
    """True for the first bytes of an .xlsx/.xlsm/.ods package (a zip) or a legacy .xls (an OLE file)."""
    return data[:4] == b"PK\x03\x04" or data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def header_delimiter(first_line: str) -> str:
    """The separator that splits a header line into the most fields outside quotes (the first of DELIMITERS on a tie)."""
    return max(DELIMITERS, key=lambda d: len(re.sub(r'"[^"]*"', "", first_line).split(d)))


def ragged_rows_error(name: str, invalid: list[tuple[int | None, int, int]]) -> UserInputError:
    """One problem a row (row number, values the header has, values found) for the first rows, then one line for the rest."""
    problems = []
    for number, expected, actual in invalid[:MAX_ROW_PROBLEMS]:
        where = f"{name} row {number}" if number else name
        problems.append(Problem(where, f"has {plural(actual, 'value')} but the header has {plural(expected, 'column')}",
                                "check for an unquoted separator or a missing value in this row"))
    if len(invalid) > MAX_ROW_PROBLEMS:
        problems.append(Problem(name, f"... and {len(invalid) - MAX_ROW_PROBLEMS:,} more rows with the same problem"))
    return UserInputError(problems)
