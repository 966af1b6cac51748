"""A long result table's cells as SpreadsheetML rows, built a column at a time and streamed into the sheet.

XlsxWriter writes one cell per Python call (about 5 us each, 15 s for a 100,000-account Account tiers
sheet, most of it the per-row formula). For a table longer than :data:`STREAM_ROWS` rows
planner.writers.results lets XlsxWriter write everything but the data rows after the first (title,
note, header, the first row, so the columns' formats are registered, the Excel table over the whole
range, widths, panes), then puts the remaining rows into that sheet's XML as this module builds them:
each column's cells at once with Arrow's string kernels, in chunks of :data:`CHUNK_ROWS` rows, so memory
stays bounded and the sheet is compressed as it is written.

The cells are what XlsxWriter writes for the same values, with two differences a spreadsheet does not
see: text is an inline string (``t="inlineStr"``, as XlsxWriter's own constant_memory mode writes it)
instead of an entry of the shared-string table, rows carry no ``spans`` hint, and numbers are the
shortest decimal of the exact double (:func:`number_texts`), where XlsxWriter's ``%.16G`` cannot always
carry the last bit. Blanks keep the column's format, text is cut at Excel's 32,767 characters,
control characters become ``_xHHHH_`` escapes, formulas keep their cached result.
"""

from __future__ import annotations

import queue
import re
import threading
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from planner.arrays import arrow_text
from planner.errors import col_letter
from planner.writers.layout import Formula

STREAM_ROWS = 5_000  # tables longer than this are streamed (the demo's 2,000-account sheets are not)
CHUNK_ROWS = 50_000
EXCEL_TEXT = 32_767  # characters in a cell (UTF-16 units)

_SPECIAL_RE2 = r"[\x00-\x08\x0b-\x1f\x{FFFE}\x{FFFF}]|_x[0-9a-fA-F]{4}_"  # Arrow's regex syntax (RE2)
_CONTROL_1 = re.compile("(_x[0-9a-fA-F]{4}_)")
_CONTROL_2 = re.compile(r"([\x00-\x08\x0b-\x1f])")


@dataclass(frozen=True)
class StreamedColumn:
    """One table column as the streamed writer sees it: its values, cell style index and cached formula results."""

    series: pd.Series
    style: int | None  # the xf index XlsxWriter gave the column's format (None: no format)
    results: Sequence | None = None  # a formula column's cached results


def _escape_control(text: str) -> str:
    """XlsxWriter's _xHHHH_ escaping of control characters (and of literal _xHHHH_ text)."""
    text = _CONTROL_1.sub(r"_x005F\1", text)
    text = _CONTROL_2.sub(lambda m: f"_x{ord(m.group(1)):04X}_", text)
    return text.replace("\ufffe", "_xFFFE_").replace("\uffff", "_xFFFF_")


def _utf16_cut(text: str) -> str:
    if len(text) <= EXCEL_TEXT // 2 or len(text.encode("utf-16-le")) // 2 <= EXCEL_TEXT:
        return text
    out, units = [], 0
    for ch in text:
        units += 2 if ord(ch) > 0xFFFF else 1
        if units > EXCEL_TEXT:
            break
        out.append(ch)
    return "".join(out)


def _xml_text(values: pa.Array) -> pa.Array:
    """Escape &, < and > for element text (each pass only when some value holds the character)."""
    raw = _string_bytes(values)  # a look for each character in the column's bytes (memchr), not a search per value
    for char, entity in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;")):
        if char.encode() in raw:
            values = pc.replace_substring(values, char, entity)
    return values


def _join(*parts) -> pa.Array:
    """Element-wise concatenation; a null in any part gives a null (an absent cell)."""
    return pc.binary_join_element_wise(*parts, "")


Ref = tuple  # ('<c r="A', row numbers): the opening of each cell up to its reference, joined with what follows


# bytes that can need more than copying into element text: &, <, >, the control characters XlsxWriter escapes (all but tab and newline), the
# underscore of an _xHHHH_ sequence and the lead byte of U+FFFE and U+FFFF (all ASCII, or never inside a multi-byte
# UTF-8 character); and the whitespace Arrow's \s matches at either end of a value (xml:space="preserve")
_ASIS_BYTES = bytes(c for c in range(256) if c not in b"&<>_\xef" and not (c < 32 and c not in b"\t\n"))
_EDGE_SPACE = np.zeros(256, dtype=bool)
_EDGE_SPACE[list(b"\t\n\x0c\r ")] = True


def _as_is(texts: pa.Array) -> bool:
    """Whether every value goes into its cell as it is: nothing to escape, no space at either end, none near Excel's
    limit. One pass over the column's bytes (``bytes.translate``) instead of a regular expression per value;
    False sends the column through :func:`_text_cells`, which finds what each value needs."""
    texts = texts.cast(pa.large_string())
    offsets = np.frombuffer(texts.buffers()[1], dtype=np.int64)[texts.offset: texts.offset + len(texts) + 1]
    data = texts.buffers()[2]
    if data is None or offsets[-1] == offsets[0]:
        return True
    lengths = np.diff(offsets)
    if int(lengths.max()) > EXCEL_TEXT // 2:  # a UTF-8 byte per character at least
        return False
    raw = np.frombuffer(data, dtype=np.uint8)
    filled = lengths > 0
    if _EDGE_SPACE[raw[offsets[:-1][filled]]].any() or _EDGE_SPACE[raw[offsets[1:][filled] - 1]].any():
        return False
    return not _string_bytes(texts).translate(None, _ASIS_BYTES)


def _as_is_cells(ref: Ref, s: str, texts: pa.Array) -> pa.Array:
    """:func:`_text_cells` of text that :func:`_as_is` passed (the same cells, without the per-value checks)."""
    return _blank_where_null(_join(*ref, f'"{s} t="inlineStr"><is><t>', texts, "</t></is></c>"), ref, s)


def _text_cells(ref: Ref, s: str, texts: pa.Array) -> pa.Array:
    """Inline-string cells; null text gives a blank cell with the style (or no cell without one)."""
    preserve = pc.fill_null(pc.match_substring_regex(texts, r"^\s|\s$"), False)
    open_t = pc.if_else(preserve, '<t xml:space="preserve">', "<t>")
    cell = _join(*ref, f'"{s} t="inlineStr"><is>', open_t, _xml_text(texts), "</t></is></c>")
    return _blank_where_null(cell, ref, s)


def _blank_where_null(cell: pa.Array, ref: Ref, s: str) -> pa.Array:
    if not s or cell.null_count == 0:
        return cell  # XlsxWriter writes no cell for a blank without a format
    return pc.coalesce(cell, _join(*ref, f'"{s}/>'))


def number_texts(numbers: np.ndarray) -> pa.Array:
    """Each number as the shortest decimal that reads back as the same double (Arrow's cast: ``46.95``, ``11600``,
    ``1e-7``); null for NaN and infinities.

    XlsxWriter writes ``%.16G``, which 16 digits cannot always carry back (0.1 + 0.2 is written 0.3, another
    double); the streamed cells keep the exact value.
    """
    numbers = np.asarray(numbers, dtype=float)
    finite = np.isfinite(numbers)
    return pa.array(numbers, mask=~finite).cast(pa.string())


def _shortest(v: float) -> str:
    if v.is_integer() and abs(v) < 1e16:
        return str(int(v))
    return repr(v)


def _number_cells(ref: Ref, s: str, series: pd.Series) -> pa.Array:
    texts = number_texts(series.to_numpy(dtype=float, na_value=np.nan))
    return _blank_where_null(_join(*ref, f'"{s}><v>', texts, "</v></c>"), ref, s)


def _bool_cells(ref: Ref, s: str, series: pd.Series) -> pa.Array:
    flags = pa.array(series.to_numpy(dtype=object), type=pa.bool_(), from_pandas=True)
    texts = pc.if_else(flags, "1", "0")
    return _blank_where_null(_join(*ref, f'"{s} t="b"><v>', texts, "</v></c>"), ref, s)


def _formula_cells(ref: Ref, s: str, values: np.ndarray, results: Sequence | None) -> pa.Array:
    texts = pa.array([v.text[1:] if isinstance(v, Formula) else None for v in values], type=pa.string())
    if results is None:
        cached = pa.array([""] * len(values), type=pa.string())
        t = pa.array([""] * len(values), type=pa.string())
    else:
        try:  # text results (the tiers): as they are; anything else as its str()
            cached = pa.array(results, type=pa.string())
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            cached = pa.array([None if r is None else str(r) for r in results], type=pa.string())
        cached = pc.fill_null(cached, "")
        t = pc.if_else(pc.equal(cached, ""), "", ' t="str"')
    cell = _join(*ref, '"' + s, t, "><f>", _xml_text(texts), "</f><v>", _xml_text(cached), "</v></c>")
    return _blank_where_null(cell, ref, s)


def _python_cell(ref: str, s: str, value) -> str | None:
    """One cell of a column of mixed values, as results._write_cell writes it."""
    if value is None or value is pd.NA or value is pd.NaT:
        return f'<c r="{ref}"{s}/>' if s else None
    if isinstance(value, Formula):
        return f'<c r="{ref}"{s}><f>{_escape(value.text[1:])}</f><v></v></c>'
    if isinstance(value, str):
        return _python_text(ref, s, value)
    if isinstance(value, (bool, np.bool_)):
        return f'<c r="{ref}"{s} t="b"><v>{int(bool(value))}</v></c>'
    if isinstance(value, (int, float, np.integer, np.floating)):
        v = float(value)
        if v != v or v in (float("inf"), float("-inf")):
            return f'<c r="{ref}"{s}/>' if s else None
        return f'<c r="{ref}"{s}><v>{_shortest(v)}</v></c>'
    if hasattr(value, "item"):
        return _python_cell(ref, s, value.item())
    return _python_text(ref, s, str(value))


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _python_text(ref: str, s: str, text: str) -> str:
    text = _escape_control(_utf16_cut(text))
    space = ' xml:space="preserve"' if re.search(r"^\s", text) or re.search(r"\s$", text) else ""
    return f'<c r="{ref}"{s} t="inlineStr"><is><t{space}>{_escape(text)}</t></is></c>'


def _needs_python(texts: pa.Array) -> bool:
    """Text with control characters, _xHHHH_ sequences or near Excel's length limit goes through the Python path."""
    if pc.any(pc.match_substring_regex(texts, _SPECIAL_RE2)).as_py():
        return True
    longest = pc.max(pc.utf8_length(texts)).as_py()
    return bool(longest and longest > EXCEL_TEXT // 2)


def _column_cells(letter: str, rows: pa.Array, column: StreamedColumn) -> pa.Array:
    s = f' s="{column.style}"' if column.style else ""
    ref: Ref = (f'<c r="{letter}', rows)
    series = column.series
    if pd.api.types.is_bool_dtype(series.dtype):
        return _bool_cells(ref, s, series)
    if pd.api.types.is_numeric_dtype(series.dtype):
        return _number_cells(ref, s, series)
    in_arrow = arrow_text(series) if column.results is None else None  # the reader's text columns: no Python object per value
    if in_arrow is not None and _as_is(in_arrow):
        return _as_is_cells(ref, s, in_arrow)
    if in_arrow is not None and not _needs_python(in_arrow):
        return _text_cells(ref, s, in_arrow)
    values = series.to_numpy(dtype=object)
    formulas = (len(values) and isinstance(values[0], Formula)) or column.results is not None
    if formulas and all(isinstance(v, Formula) or v is None for v in values):
        return _formula_cells(ref, s, values, column.results)
    try:
        texts = pa.array(values, type=pa.string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        texts = None
    if texts is not None and _as_is(texts):
        return _as_is_cells(ref, s, texts)
    if texts is not None and not _needs_python(texts):
        return _text_cells(ref, s, texts)
    return pa.array([_python_cell(f"{letter}{r}", s, v) for r, v in zip(rows.to_pylist(), values)], type=pa.string())


def data_rows(columns: Sequence[StreamedColumn], first_row: int) -> Iterator[bytes]:
    """The table's rows as ``<row>`` elements, CHUNK_ROWS at a time; ``first_row`` is the 0-based sheet row of the first."""
    n = len(columns[0].series) if columns else 0
    letters = [col_letter(j) for j in range(len(columns))]
    for start in range(0, n, CHUNK_ROWS):
        stop = min(start + CHUNK_ROWS, n)
        rows = pa.array(np.arange(first_row + start + 1, first_row + stop + 1)).cast(pa.string())
        cells = [
            pc.fill_null(_column_cells(letter, rows, StreamedColumn(
                c.series.iloc[start:stop], c.style, None if c.results is None else c.results[start:stop])), "")
            for letter, c in zip(letters, columns)
        ]
        xml = _join('<row r="', rows, '">', *cells, "</row>")
        yield _string_bytes(xml)


def _string_bytes(values: pa.Array) -> bytes:
    """The concatenation of a string array's values (its data buffer between the first and last offsets)."""
    values = values.cast(pa.large_string()) if values.type != pa.large_string() else values
    offsets = np.frombuffer(values.buffers()[1], dtype=np.int64)[values.offset: values.offset + len(values) + 1]
    data = values.buffers()[2]
    if data is None:
        return b""
    return memoryview(data)[offsets[0]: offsets[-1]].tobytes()


@dataclass(frozen=True)
class StreamedSheet:
    """A sheet whose rows from ``first_row`` (0-based) on are streamed into the workbook XlsxWriter wrote."""

    index: int  # 0-based position of the sheet in the workbook
    table: str  # the name of the sheet's Excel table (declared over the header and first row; widened here)
    columns: tuple[StreamedColumn, ...]
    first_row: int
    last_row: int  # 0-based last row of the table


def _widen_table(xml: bytes, by_table: dict[str, StreamedSheet]) -> bytes:
    """A streamed sheet's table definition, its range (and its filter's) reaching the last row."""
    name = re.search(rb' name="([^"]+)"', xml)
    sheet = by_table.get(name.group(1).decode()) if name else None
    if sheet is None:
        return xml
    last = str(sheet.last_row + 1).encode()
    return re.sub(rb' ref="([A-Z]+[0-9]+):([A-Z]+)[0-9]+"', lambda m: b' ref="' + m.group(1) + b":" + m.group(2) + last + b'"', xml)


def put_rows(path: Path, sheets: Sequence[StreamedSheet]) -> None:
    """Rewrite the workbook at ``path`` with each sheet's streamed rows inside its ``<sheetData>``."""
    if not sheets:
        return
    by_member = {f"xl/worksheets/sheet{s.index + 1}.xml": s for s in sheets}
    by_table = {s.table: s for s in sheets}
    tmp = path.with_name(path.name + ".rows")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = src.read(info.filename)
            sheet = by_member.get(info.filename)
            if sheet is None:
                if info.filename.startswith("xl/tables/"):
                    data = _widen_table(data, by_table)
                out.writestr(info, data)
                continue
            head, tail = data.split(b"</sheetData>", 1)
            last = f"{col_letter(len(sheet.columns) - 1)}{sheet.last_row + 1}"
            head = re.sub(rb'<dimension ref="([A-Z]+[0-9]+)(:[A-Z]+[0-9]+)?"/>',
                          lambda m: b'<dimension ref="' + m.group(1) + b":" + last.encode() + b'"/>', head, count=1)
            member = zipfile.ZipInfo(info.filename, date_time=info.date_time)
            member.compress_type, member.external_attr, member.create_system = info.compress_type, info.external_attr, info.create_system
            # deflate level 1: a 100,000-account sheet (100 MB of XML) in 0.45 s instead of 1.2 s, 17 MB instead of 13 MB;
            # zipfile reads the level from this attribute for a member opened from a ZipInfo (Python 3.11 to 3.13)
            member._compresslevel = 1  # type: ignore[attr-defined]
            with out.open(member, "w", force_zip64=True) as sink:
                _faster_deflate(sink)
                sink.write(head)
                write_behind(sink.write, data_rows(sheet.columns, sheet.first_row))
                sink.write(b"</sheetData>" + tail)
    tmp.replace(path)


def _faster_deflate(sink) -> None:
    """Deflate a member being written with ISA-L's level 1 (python-isal) instead of zlib's.

    The streamed sheets are most of a large workbook's bytes: a 1,000,000-account Account tiers sheet is about
    1 GB of XML. Measured on that sheet: zlib level 1 deflates 158 MB/s to 6.2x smaller, ISA-L level 1 790 MB/s to
    6.4x. The stream is plain deflate, so every reader of the file reads it as before. zipfile compresses a member
    opened for writing through its ``_compressor`` (Python 3.11 to 3.13); without that attribute, or without isal,
    zlib's level 1 stays. ISA-L picks its code for the processor it runs on, so two machines may write different
    compressed bytes of the same sheet (the sheet itself is the same).
    """
    try:
        from isal import isal_zlib
    except ImportError:
        return
    if getattr(sink, "_compressor", None) is not None:
        sink._compressor = isal_zlib.compressobj(1, isal_zlib.DEFLATED, -15)


def write_behind(write, chunks: Iterable[bytes]) -> None:
    """``write(chunk)`` for every chunk, in a second thread while the next chunk is being built.

    Deflating, the CRC and the file write release the GIL, so on two cores they cost next to nothing
    beside the building of the rows. One chunk waits at most (memory stays bounded); the chunks are
    written in order, and an error on either side is raised here once both sides have stopped.
    """
    handoff: queue.Queue[bytes | None] = queue.Queue(maxsize=1)
    failed: list[BaseException] = []

    def drain() -> None:
        while (chunk := handoff.get()) is not None:
            if failed:
                continue  # keep taking chunks so the builder never blocks; nothing more is written
            try:
                write(chunk)
            except BaseException as exc:  # raised in the caller's thread below
                failed.append(exc)

    writer = threading.Thread(target=drain, name="tierplan-write-behind", daemon=True)
    writer.start()
    try:
        for chunk in chunks:
            if failed:
                break
            handoff.put(chunk)
    finally:
        handoff.put(None)
        writer.join()
    if failed:
        raise failed[0]
