"""Opening a ticket export file: CSV or Parquet, its encoding and separator, only the columns the cleaning reads.

CSV files may be UTF-8 (with or without a byte-order mark), UTF-16 (Excel's
"Unicode Text", tab-separated) or Latin-1/Windows-1252; the separator is
found from the header line (comma, semicolon, tab or bar). Only the columns
used (planner.workbook.ticket_columns.used_headers) are converted, so memory
follows the columns used, not the file. A file that is missing, a folder, a
workbook or unreadable ends in one ``UserInputError`` naming it.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pyarrow as pa

from planner.errors import Problem, UserInputError
from planner.workbook.export_files import header_delimiter, is_workbook_bytes, ragged_rows_error, short_error
from planner.workbook.locators import FileLocator, Locator
from planner.workbook.ticket_columns import used_headers


def read_ticket_file(path: Path) -> tuple[list[str], dict, int, Locator]:
    """(headers as written, {header: column} of the headers used, number of rows, how rows are named) of a ticket export."""
    name = path.name
    if not path.exists():
        raise UserInputError(Problem(str(path), "tickets file not found", "check the path of the ticket export"))
    if path.is_dir():
        raise UserInputError(Problem(str(path), "is a folder, not a ticket export", "give a .csv or .parquet file"))
    suffix = path.suffix.lower()
    if suffix in (".parquet", ".pq"):
        headers, columns, n = _read_parquet(path)
        where: Locator = FileLocator(name, first=1, unit="record")
    elif suffix in (".csv", ".txt", ".tsv"):
        headers, columns, n = _read_csv(path)
        where = FileLocator(name)
    elif suffix in (".xlsx", ".xlsm", ".xls", ".ods"):
        raise UserInputError(Problem(name, "is a workbook, not a CSV or Parquet file", "export the tickets from the helpdesk as CSV"))
    else:
        raise UserInputError(Problem(name, f"is not a CSV or Parquet file (it ends in {suffix or 'nothing'})",
                                     "the ticket export must be a .csv or .parquet file"))
    return headers, columns, n, where


def _read_parquet(path: Path):
    import pyarrow.parquet as pq

    try:
        names = pq.ParquetFile(path).schema_arrow.names
        needed = used_headers(names)
        table = pq.read_table(path, columns=[c for c in names if c in needed])
    except Exception as exc:  # pyarrow raises several types for damaged files
        raise UserInputError(Problem(path.name, "cannot be read as a Parquet file", short_error(exc))) from None
    columns = {c: table.column(c) for c in table.column_names}
    return list(names), columns, table.num_rows


def _decode(data: bytes, name: str) -> bytes:
    """The file's bytes as UTF-8 (UTF-8 with or without BOM, UTF-16 with or without BOM, else Windows-1252/Latin-1)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:]
    encoding = None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    else:
        head = data[:4000]
        if len(head) >= 4 and head.count(b"\x00") > len(head) // 4:
            encoding = "utf-16-le" if head[1:2] == b"\x00" else "utf-16-be"
    if encoding:
        try:
            return data.decode(encoding).encode("utf-8")
        except UnicodeDecodeError as exc:
            raise UserInputError(Problem(name, "looks like UTF-16 text but cannot be decoded", short_error(exc))) from None
    return data  # UTF-8 as far as anyone knows: the CSV reader checks every value, and _read_csv falls back


def _from_windows(data: bytes) -> bytes:
    """Windows-1252 (Excel's "CSV" on a Western Windows) or Latin-1 bytes as UTF-8."""
    try:
        return data.decode("cp1252").encode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1").encode("utf-8")


def _read_csv(path: Path):
    name = path.name
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UserInputError(Problem(name, "cannot be opened", exc.strerror or short_error(exc))) from None
    if is_workbook_bytes(data):
        raise UserInputError(Problem(name, "is a workbook saved with a .csv name, not a CSV file",
                                     "export the tickets as CSV (comma-separated values)"))
    data = _decode(data, name)
    if not re.search(rb"\S", data):
        raise UserInputError(Problem(name, "is empty", "a ticket export with a header row and one row per ticket"))
    try:
        return _read_csv_bytes(name, data)
    except _NotUtf8:
        return _read_csv_bytes(name, _from_windows(data))


class _NotUtf8(Exception):
    pass


def _read_csv_bytes(name: str, data: bytes):
    import pyarrow.csv as pacsv

    end = data.find(b"\n")
    try:
        first_line = (data if end < 0 else data[:end]).decode("utf-8").rstrip("\r")
    except UnicodeDecodeError:
        raise _NotUtf8 from None
    delimiter = header_delimiter(first_line)
    try:
        headers = next(csv.reader([first_line], delimiter=delimiter))
    except (csv.Error, StopIteration) as exc:
        raise UserInputError(Problem(name, "cannot be read as CSV", short_error(exc))) from None
    needed = used_headers(headers)
    names = [f"c{j}" for j in range(len(headers))]
    include = [names[j] for j, h in enumerate(headers) if h in needed]
    invalid: list[tuple[int | None, int, int]] = []

    def skip(row) -> str:
        invalid.append((row.number, row.expected_columns, row.actual_columns))
        return "skip"

    def read(threads: bool):
        return pacsv.read_csv(
            io.BytesIO(data),
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=1, use_threads=threads),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True, invalid_row_handler=skip),
            convert_options=pacsv.ConvertOptions(column_types={c: pa.string() for c in names}, include_columns=include,
                                                 null_values=[""], strings_can_be_null=True),
        )

    try:
        table = read(True)
        if invalid:
            invalid.clear()
            table = read(False)  # one thread: pyarrow then knows the line numbers
    except Exception as exc:  # pyarrow.ArrowInvalid mostly; a user's file must never end in a traceback
        if "utf8" in str(exc).lower() or "utf-8" in str(exc).lower():
            raise _NotUtf8 from None
        raise UserInputError(Problem(name, "cannot be read as CSV", short_error(exc))) from None
    if invalid:
        raise ragged_rows_error(name, invalid)
    by_name = dict(zip(names, headers))
    columns = {by_name[c]: table.column(c) for c in table.column_names}  # chunked as read: nothing is copied
    return headers, columns, table.num_rows
