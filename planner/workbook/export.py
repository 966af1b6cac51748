"""Reading a CRM export file (CSV or Parquet) as it is: headers as written, values not yet cleaned."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from pathlib import Path

import pandas as pd
import pyarrow as pa

from planner import schema
from planner.errors import Problem, UserInputError
from planner.workbook.export_files import header_delimiter, is_workbook_bytes, ragged_rows_error, short_error
from planner.workbook.text import normalise_header


def read_accounts_file(path: Path | str) -> pd.DataFrame:
    """Read a CSV or Parquet CRM export as it is (headers as written, values not yet cleaned).

    Raises UserInputError (one clear problem) when the file is missing or unreadable.
    ``df.attrs["source"]`` is the file name and ``df.attrs["kind"]`` "csv" or "parquet";
    the reader uses them to name rows in messages.
    """
    path = Path(path)
    name = path.name
    if not path.exists():
        raise UserInputError(Problem(str(path), "accounts file not found", "check the path given to --accounts"))
    if path.is_dir():
        raise UserInputError(Problem(str(path), "is a folder, not an accounts file", "give a .csv or .parquet file"))
    suffix = path.suffix.lower()
    if suffix in (".parquet", ".pq"):
        df = _read_parquet(path)
        df.attrs.update(source=name, kind="parquet")
        return df
    if suffix in (".csv", ".txt", ".tsv"):
        df = _read_csv(path)
        df.attrs.update(source=name, kind="csv")
        return df
    if suffix in (".xlsx", ".xlsm", ".xls", ".ods"):
        raise UserInputError(Problem(name, "is a workbook, not a CSV or Parquet file",
                                     "put the accounts on the workbook's Accounts sheet, or export them as CSV"))
    raise UserInputError(Problem(name, f"is not a CSV or Parquet file (it ends in {suffix or 'nothing'})",
                                 "--accounts takes a .csv or .parquet file"))


def _read_parquet(path: Path) -> pd.DataFrame:
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except Exception as exc:  # pyarrow raises several types for corrupt files
        raise UserInputError(Problem(path.name, "cannot be read as a Parquet file", short_error(exc))) from None
    return plain_columns(table).to_pandas()


def plain_columns(table: pa.Table) -> pa.Table:
    """A warehouse export's column types as the cleaning reads them: DECIMAL (the usual money type) as float64,
    DATE as a timestamp, dictionary-encoded columns as their values. Everything else stays as it is."""
    fields, columns = [], []
    for f, col in zip(table.schema, table.columns, strict=True):
        t = f.type
        if pa.types.is_dictionary(t):
            col = col.cast(t.value_type)
            t = t.value_type
        if pa.types.is_decimal(t):
            col = col.cast(pa.float64())  # 18 significant digits of a decimal128(18,2) ARR fit a float's 15.9 only up to 10^13: ample
        elif pa.types.is_date(t):
            col = col.cast(pa.timestamp("ms"))
        fields.append(pa.field(f.name, col.type))
        columns.append(col)
    return pa.Table.from_arrays(columns, schema=pa.schema(fields))


def _read_csv(path: Path) -> pd.DataFrame:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UserInputError(Problem(path.name, "cannot be opened", exc.strerror or short_error(exc))) from None
    name = path.name
    if not data.strip():
        raise UserInputError(Problem(name, "is empty", "a CSV export with a header row and one row per account"))
    if is_workbook_bytes(data):
        raise UserInputError(Problem(name, "is a workbook saved with a .csv name, not a CSV file",
                                     "export the accounts as CSV (comma-separated values)"))
    text = decode_text(name, data)
    data = text.encode("utf-8")  # pyarrow reads UTF-8: a UTF-16 or Windows-1252 export is handed over transcoded
    encoding = "utf-8"
    first_line = (text.splitlines() or [""])[0]
    delimiter = header_delimiter(first_line)
    try:
        headers = next(csv.reader([first_line], delimiter=delimiter))
    except (csv.Error, StopIteration) as exc:
        raise UserInputError(Problem(name, "cannot be read as CSV", short_error(exc))) from None
    seen: dict[str, int] = {}
    problems = []
    for j, h in enumerate(headers):
        key = normalise_header(h)
        if not key:
            continue
        if key in seen:
            problems.append(Problem(f"{name} row 1", f'column "{h.strip()}" appears twice (columns {seen[key] + 1} and {j + 1})',
                                    "keep one column per header"))
        else:
            seen[key] = j
    if problems:
        raise UserInputError(problems)
    as_text = _text_headers(headers)
    table, invalid = _pyarrow_csv(name, data, encoding, delimiter, as_text, threads=True)
    if invalid:
        # the rare path: read again on one thread, which is when pyarrow knows the line numbers
        table, invalid = _pyarrow_csv(name, data, encoding, delimiter, as_text, threads=False)
        raise ragged_rows_error(name, invalid)
    df = table.to_pandas()
    df.columns = [str(c) for c in df.columns]
    return df


def _utf16(data: bytes) -> str | None:
    """"utf-16" (a byte-order mark), "utf-16-le"/"utf-16-be" (none, but every other byte of the first line is 0), or None."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return "utf-16"
    head = data[:200]
    if len(head) >= 4 and head.count(b"\x00") * 3 >= len(head):
        return "utf-16-le" if head[1::2].count(b"\x00") > head[0::2].count(b"\x00") else "utf-16-be"
    return None


def decode_text(name: str, data: bytes, what: str = "CSV UTF-8 (comma delimited)") -> str:
    """A text export's bytes as text: UTF-8 (with or without its byte-order mark), UTF-16 (Excel's "Unicode Text"),
    else Windows-1252 (which reads Latin-1 text too). Bytes that are none of these give one plain problem naming the line."""
    wide = _utf16(data)
    tries = [wide] if wide else ["utf-8-sig", "cp1252"]
    first: UnicodeDecodeError | None = None
    for encoding in tries:
        try:
            return data.decode(encoding).lstrip("\ufeff")
        except UnicodeDecodeError as exc:
            first = first or exc
    assert first is not None
    at = first.start
    line = data[:at].decode(wide or "cp1252", errors="replace").count("\n") + 1
    kind = "UTF-16 text (Excel's Unicode Text)" if wide else "text in UTF-8 or Windows-1252/Latin-1"
    raise UserInputError(Problem(f"{name} line {line:,}", f"holds bytes that are not {kind} (byte {at + 1:,} of the file is "
                                 f"0x{data[at]:02X}): the file is damaged or in another encoding",
                                 f"open it in Excel and save it as {what}"))


def _pyarrow_csv(name: str, data: bytes, encoding: str, delimiter: str, as_text: set[str], threads: bool):
    import pyarrow.csv as pacsv

    invalid: list[tuple[int | None, int, int]] = []

    def skip(row) -> str:
        invalid.append((row.number, row.expected_columns, row.actual_columns))
        return "skip"

    try:
        table = pacsv.read_csv(
            io.BytesIO(data),
            read_options=pacsv.ReadOptions(encoding=encoding, use_threads=threads),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True, invalid_row_handler=skip),
            convert_options=pacsv.ConvertOptions(
                column_types={h: pa.string() for h in as_text},
                null_values=[""],  # "NA" is North America in a Region column; numeric blank words are handled when cleaning
                strings_can_be_null=True,
            ),
        )
    except Exception as exc:  # pyarrow.ArrowInvalid mostly; a user's file must never end in a traceback
        raise UserInputError(Problem(name, "cannot be read as CSV", short_error(exc))) from None
    return table, invalid


def _text_headers(headers: Iterable[str]) -> set[str]:
    """Headers read as text, never guessed as numbers: the text columns (account id "007" stays
    "007") and ARR, whose thousands separators must go through the rules of this module."""
    keys = {}
    for c in schema.ACCOUNTS.columns:
        if c.key in schema.ACCOUNT_TEXT_KEYS or c.key == "arr":
            keys[normalise_header(c.header)] = c.key
            keys[normalise_header(c.key)] = c.key
    return {h for h in headers if normalise_header(h) in keys}
