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
"""

from __future__ import annotations

import datetime as _dt
import os
import posixpath
import re
import shutil
import stat
import tempfile
import warnings
import zipfile
from collections.abc import Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree as ET
from xml.sax.saxutils import escape as _xml_escape

import pandas as pd

from planner.errors import Problem, UserInputError
from planner.errors import col_letter as _col
from planner.schema import MONEY2_FORMAT, MONEY_FORMAT, PERCENT_FORMAT, RESULT_SHEETS
from planner.writers.layout import (
    STAMP_PREFIX,
    Formula,
    ResultSheet,
    SheetRows,
    header_label,
    is_stamp,
    plain_value,
    sheet_rows,
    stale_rows,
)

# ------------------------------------------------------------------ constants

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
STRICT_MAIN_NS = "http://purl.oclc.org/ooxml/spreadsheetml/main"
DOC_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
REL_OFFICE_DOCUMENT = DOC_REL_NS + "/officeDocument"
REL_WORKSHEET = DOC_REL_NS + "/worksheet"
REL_CALC_CHAIN = DOC_REL_NS + "/calcChain"
REL_SHARED_STRINGS = DOC_REL_NS + "/sharedStrings"
REL_STYLES = DOC_REL_NS + "/styles"
CT_WORKSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"

STAMP_ROWS = 5  # the stamp is looked for in the first rows of a sheet, any column
EXCEL_MAX_TEXT = 32767
BOOK_SUFFIXES = (".xlsx", ".xlsm")

_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True)
class WriteBackResult:
    """What write_back did."""

    book: Path
    backup: Path
    added: tuple[str, ...] = ()  # result sheets new to the workbook
    replaced: tuple[str, ...] = ()  # result sheets of an earlier run, replaced
    stale: tuple[str, ...] = ()  # earlier result sheets the new run did not produce (now say so)
    dropped_calc_chain: bool = False


# ------------------------------------------------------------------ public entry point


def write_back(
    book: Path,
    sheets: Mapping[str, ResultSheet | pd.DataFrame],
    *,
    now: _dt.datetime | None = None,
) -> WriteBackResult:
    """Put ``sheets`` into BOOK as result sheets; keep a timestamped backup. See the module docstring."""
    book = Path(book)
    now = now or _dt.datetime.now()
    unknown = [n for n in sheets if n not in RESULT_SHEETS]
    if unknown:
        raise ValueError(f"not result sheet names (see schema.RESULT_SHEETS): {unknown}")
    check_writable(book)
    package = _Package.open(book)
    plan = package.plan(list(sheets), now)
    parts = dict(plan.new_parts)
    styles = _StylePicker(package.read_styles())
    for name, (part, result) in plan.targets.items():
        if result is not None:
            layout = sheet_rows(sheets[result], now)
        else:  # an earlier run's sheet this run did not produce
            layout = stale_rows(name, now)
        parts[part] = render_sheet_xml(layout, styles)
    folder = book.parent
    fd, tmp_name = tempfile.mkstemp(prefix=f".~tierplan-{book.stem}-", suffix=book.suffix, dir=folder)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        package.write(tmp, parts, drop=plan.drop)
        _verify(book, tmp, package, plan, sheets)
        shutil.copymode(book, tmp)
        backup = _backup(book, now)
        os.replace(tmp, book)
    finally:
        if tmp.exists():
            tmp.unlink()
    return WriteBackResult(
        book=book,
        backup=backup,
        added=tuple(plan.added),
        replaced=tuple(n for n in plan.replaced if plan.targets[n][1] is not None),
        stale=tuple(n for n in plan.replaced if plan.targets[n][1] is None),
        dropped_calc_chain=bool(plan.drop),
    )


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


# ------------------------------------------------------------------ the package


@dataclass
class _Plan:
    targets: dict[str, tuple[str, str | None]]  # sheet name in the book -> (part to write, wanted result name or None if stale)
    added: list[str]
    replaced: list[str]  # names in the book of earlier result sheets (wanted again or stale)
    new_parts: dict[str, bytes]  # patched workbook.xml, rels, content types
    drop: set[str]


class _Package:
    def __init__(self, path: Path, zf: zipfile.ZipFile):
        self.path = path
        self.infos = zf.infolist()
        self.names = {i.filename for i in self.infos}

    @classmethod
    def open(cls, path: Path) -> _Package:
        try:
            with zipfile.ZipFile(path) as zf:
                pkg = cls(path, zf)
        except zipfile.BadZipFile as exc:
            raise UserInputError(Problem(str(path), f"is not a readable workbook ({exc})")) from None
        pkg._load()
        return pkg

    def read(self, name: str) -> bytes:
        with zipfile.ZipFile(self.path) as zf:
            return zf.read(name)

    def _bad(self, message: str) -> UserInputError:
        return UserInputError(Problem(str(self.path), message, "an .xlsx or .xlsm saved by Excel, LibreOffice or TierPlan"))

    def _load(self) -> None:
        if "[Content_Types].xml" not in self.names or "_rels/.rels" not in self.names:
            raise self._bad("is not an Excel workbook (no [Content_Types].xml or _rels/.rels in the package)")
        root_rels = ET.fromstring(self.read("_rels/.rels"))
        wb_part = None
        for rel in root_rels:
            if rel.get("Type") == REL_OFFICE_DOCUMENT:
                wb_part = _resolve("", rel.get("Target", ""))
        if wb_part is None or wb_part not in self.names:
            raise self._bad("has no workbook part")
        self.wb_part = wb_part
        self.wb_dir = posixpath.dirname(wb_part)
        self.wb_rels_part = posixpath.join(self.wb_dir, "_rels", posixpath.basename(wb_part) + ".rels")
        self.wb_xml = self.read(wb_part)
        wb_rels_xml = self.read(self.wb_rels_part) if self.wb_rels_part in self.names else None
        self.ct_xml = self.read("[Content_Types].xml")
        wb = ET.fromstring(self.wb_xml)
        if wb.tag == f"{{{STRICT_MAIN_NS}}}workbook":
            raise self._bad("is saved as Strict Open XML, which write-back does not patch (save it as an ordinary Excel Workbook)")
        if wb.tag != f"{{{MAIN_NS}}}workbook" or wb_rels_xml is None:
            raise self._bad("is not a spreadsheet workbook")
        self.wb_rels_xml = wb_rels_xml
        self.rels = {}  # Id -> (Type, part name)
        for rel in ET.fromstring(self.wb_rels_xml):
            target = rel.get("Target", "")
            part = None if rel.get("TargetMode") == "External" else _resolve(self.wb_dir, target)
            self.rels[rel.get("Id")] = (rel.get("Type"), part)
        self.sheets = []  # (name, sheetId, rId, part or None)
        for el in wb.iter(f"{{{MAIN_NS}}}sheet"):
            rid = el.get(f"{{{DOC_REL_NS}}}id")
            typ, part = self.rels.get(rid, (None, None))
            self.sheets.append((el.get("name", ""), int(el.get("sheetId", "0")), rid, part if typ == REL_WORKSHEET else None))
        self.structure_locked = any(
            el.get("lockStructure") in ("1", "true") for el in wb.iter(f"{{{MAIN_NS}}}workbookProtection")
        )

    def rel_part(self, rel_type: str) -> str | None:
        for typ, part in self.rels.values():
            if typ == rel_type:
                return part
        return None

    def read_styles(self) -> bytes | None:
        part = self.rel_part(REL_STYLES)
        return self.read(part) if part and part in self.names else None

    def _shared_strings(self) -> _SharedStrings:
        part = self.rel_part(REL_SHARED_STRINGS)
        return _SharedStrings(self.read(part) if part and part in self.names else None)

    def plan(self, wanted: Sequence[str], now: _dt.datetime) -> _Plan:
        """Decide which parts to write; refuse sheets of the user's that carry a result-sheet name."""
        shared = self._shared_strings()
        by_name = {name.casefold(): (name, part) for name, _, _, part in self.sheets}
        problems = []
        targets: dict[str, tuple[str, str | None]] = {}
        replaced: list[str] = []
        result_names = {n.casefold() for n in RESULT_SHEETS}
        wanted_by_key = {n.casefold(): n for n in wanted}
        had_formulas = False
        # every stamped result sheet already in the book: replaced (wanted) or marked stale
        ours = {}
        for name, _, _, part in self.sheets:
            if name.casefold() in result_names and part and part in self.names:
                xml = self.read(part)
                if _has_stamp(xml, shared):
                    ours[name.casefold()] = (name, part, b"<f" in xml or b":f>" in xml)
        for name in wanted:
            key = name.casefold()
            if key in by_name:
                existing, part = by_name[key]
                if key not in ours:
                    kind = "sheet" if part else "chart sheet or other non-worksheet"
                    problems.append(Problem(
                        f"{self.path.name}!{existing}",
                        f"a {kind} named {existing!r} exists and was not written by TierPlan (no '{STAMP_PREFIX}' stamp in its first {STAMP_ROWS} rows)",
                        f"rename or delete that sheet so TierPlan can write its {name!r} results, or run without --write-back",
                    ))
        if problems:
            raise UserInputError(problems)
        for key, (name, part, formulas) in ours.items():
            targets[name] = (part, wanted_by_key.get(key))
            replaced.append(name)
            had_formulas = had_formulas or formulas
        added = [n for n in wanted if n.casefold() not in by_name]
        if added and self.structure_locked:
            raise UserInputError(Problem(
                str(self.path), "the workbook structure is protected, so TierPlan cannot add its result sheets",
                "unprotect it (Review > Protect Workbook) or run without --write-back",
            ))
        # new parts: worksheet parts, workbook sheet list, rels, content types
        taken = {n.casefold() for n in self.names}
        next_sheet_id = max([sid for _, sid, _, _ in self.sheets] + [0]) + 1
        rid_numbers = [int(m.group(1)) for rid in self.rels if rid and (m := re.fullmatch(r"rId(\d+)", rid))]
        next_rid = max(rid_numbers + [0]) + 1
        sheet_els, rel_els, ct_els = [], [], []
        n = 1
        for name in added:
            while f"{self.wb_dir}/worksheets/sheet{n}.xml".casefold() in taken:
                n += 1
            part = f"{self.wb_dir}/worksheets/sheet{n}.xml" if self.wb_dir else f"worksheets/sheet{n}.xml"
            taken.add(part.casefold())
            rid = f"rId{next_rid}"
            while rid in self.rels:
                next_rid += 1
                rid = f"rId{next_rid}"
            next_rid += 1
            targets[name] = (part, name)
            sheet_els.append((name, next_sheet_id, rid))
            next_sheet_id += 1
            rel_els.append((rid, posixpath.relpath(part, self.wb_dir or ".")))
            ct_els.append("/" + part)
        drop: set[str] = set()
        calc_chain = self.rel_part(REL_CALC_CHAIN)
        if had_formulas and calc_chain and calc_chain in self.names:
            drop.add(calc_chain)
        new_parts: dict[str, bytes] = {}
        wb_xml = _set_full_calc_on_load(self.wb_xml)
        if sheet_els:
            wb_xml = _insert_before_close(wb_xml, "sheets", [
                lambda p, nm=nm, sid=sid, rid=rid: (
                    f'<{p}sheet name="{_attr(nm)}" sheetId="{sid}" r:id="{rid}"/>'
                    if _declares_r_prefix(self.wb_xml) else
                    f'<{p}sheet name="{_attr(nm)}" sheetId="{sid}" xmlns:r="{DOC_REL_NS}" r:id="{rid}"/>'
                )
                for nm, sid, rid in sheet_els
            ])
        new_parts[self.wb_part] = wb_xml
        rels_xml = self.wb_rels_xml
        if rel_els:
            rels_xml = _insert_before_close(rels_xml, "Relationships", [
                lambda p, rid=rid, target=target: f'<{p}Relationship Id="{rid}" Type="{REL_WORKSHEET}" Target="{_attr(target)}"/>'
                for rid, target in rel_els
            ])
        ct_xml = self.ct_xml
        if ct_els:
            ct_xml = _insert_before_close(ct_xml, "Types", [
                lambda p, pn=pn: f'<{p}Override PartName="{_attr(pn)}" ContentType="{CT_WORKSHEET}"/>' for pn in ct_els
            ])
        for part in drop:
            rel_id = next(rid for rid, (typ, p) in self.rels.items() if p == part and rid is not None)
            rels_xml = _remove_element(rels_xml, "Relationship", "Id", rel_id)
            ct_xml = _remove_element(ct_xml, "Override", "PartName", "/" + part)
        if rels_xml != self.wb_rels_xml:
            new_parts[self.wb_rels_part] = rels_xml
        if ct_xml != self.ct_xml:
            new_parts["[Content_Types].xml"] = ct_xml
        return _Plan(targets=targets, added=added, replaced=replaced, new_parts=new_parts, drop=drop)

    def write(self, dest: Path, parts: Mapping[str, bytes], drop: set[str]) -> None:
        """Copy the package to dest, replacing/adding ``parts`` and leaving out ``drop``."""
        pending = dict(parts)
        with zipfile.ZipFile(self.path) as zin, zipfile.ZipFile(dest, "w", allowZip64=True) as zout:
            for info in self.infos:
                if info.filename in drop:
                    continue
                data = pending.pop(info.filename, None)
                if data is None:
                    data = zin.read(info)
                out = zipfile.ZipInfo(info.filename, info.date_time)
                out.compress_type = info.compress_type
                out.external_attr = info.external_attr
                out.create_system = info.create_system
                zout.writestr(out, data)
            for name, data in pending.items():
                out = zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0))
                out.compress_type = zipfile.ZIP_DEFLATED
                out.external_attr = 0o600 << 16
                zout.writestr(out, data)
        with open(dest, "rb") as fh:
            os.fsync(fh.fileno())


# ------------------------------------------------------------------ verification, backup


def _verify(book: Path, tmp: Path, package: _Package, plan: _Plan, sheets: Mapping) -> None:
    """Re-open the temporary package and check it before it may replace BOOK. Raises RuntimeError."""
    written = set(plan.new_parts) | {part for part, _ in plan.targets.values()}
    with zipfile.ZipFile(book) as old, zipfile.ZipFile(tmp) as new:
        bad = new.testzip()
        if bad is not None:
            raise RuntimeError(f"write-back verification: {bad} is corrupt in the new package")
        old_infos = {i.filename: i for i in old.infolist()}
        new_infos = {i.filename: i for i in new.infolist()}
        for name, info in old_infos.items():
            if name in written or name in plan.drop:
                continue
            other = new_infos.get(name)
            if other is None or other.CRC != info.CRC or other.file_size != info.file_size:
                raise RuntimeError(f"write-back verification: {name} changed although TierPlan does not own it")
        for name in written:
            try:
                ET.fromstring(new.read(name))  # every patched part parses
            except ET.ParseError as exc:
                raise RuntimeError(f"write-back verification: {name} is not well-formed XML ({exc})") from exc
    from python_calamine import CalamineWorkbook

    try:
        cal = CalamineWorkbook.from_path(str(tmp))
    except Exception as exc:
        raise RuntimeError(f"write-back verification: calamine cannot open the patched workbook ({exc})") from exc
    for name, (_part, result) in plan.targets.items():
        try:
            rows = cal.get_sheet_by_name(name).to_python(skip_empty_area=False)
        except Exception as exc:
            raise RuntimeError(f"write-back verification: calamine cannot read sheet {name!r} ({exc})") from exc
        if not any(is_stamp(v) for row in rows[:STAMP_ROWS] for v in row):
            raise RuntimeError(f"write-back verification: sheet {name!r} does not read back with its stamp")
        if result is not None:
            sheet = sheets[result]
            table = sheet if isinstance(sheet, pd.DataFrame) else sheet.table
            expected = [header_label(str(c)) for c in table.columns]
            header_at = next((i for i, r in enumerate(rows) if [str(v) for v in r[: len(expected)]] == expected), None)
            if expected and (header_at is None or len(rows) - header_at - 1 < len(table) - _trailing_blank_rows(table)):
                raise RuntimeError(f"write-back verification: sheet {name!r} does not read back with its {len(table)} rows")
    import openpyxl

    def _openpyxl_opens(path: Path) -> bool:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                wb = openpyxl.load_workbook(path, read_only=True)
                names = wb.sheetnames
                wb.close()
            return all(n in names for n in plan.targets)
        except Exception:
            return False

    if not _openpyxl_opens(tmp) and _openpyxl_opens(book):
        raise RuntimeError("write-back verification: openpyxl cannot open the patched workbook although it opens the original")


def _trailing_blank_rows(table: pd.DataFrame) -> int:
    """Rows at the end of a table that are entirely blank (calamine does not return them)."""
    count = 0
    values = table.to_numpy(dtype=object)
    for i in range(len(values) - 1, -1, -1):
        if all(plain_value(v) in (None, "") for v in values[i]):
            count += 1
        else:
            break
    return count


def backup_path(book: Path, now: _dt.datetime) -> Path:
    base = f"{book.stem}.backup-{now:%Y%m%d-%H%M%S}"
    candidate = book.with_name(base + book.suffix)
    n = 2
    while candidate.exists():
        candidate = book.with_name(f"{base}-{n}{book.suffix}")
        n += 1
    return candidate


def _backup(book: Path, now: _dt.datetime) -> Path:
    target = backup_path(book, now)
    shutil.copy2(book, target)
    with open(target, "rb") as fh:
        os.fsync(fh.fileno())
    return target


# ------------------------------------------------------------------ sheet XML


def render_sheet_xml(layout: SheetRows, styles: _StylePicker) -> bytes:
    """A complete worksheet part for one result sheet (inline strings, no shared strings)."""
    bold = styles.bold
    col_styles = [styles.for_format(f) for f in layout.formats]
    out = [
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n',
        f'<worksheet xmlns="{MAIN_NS}" xmlns:r="{DOC_REL_NS}">',
        '<sheetPr><tabColor rgb="FF70AD47"/></sheetPr>',
    ]
    n_rows = len(layout.rows)
    n_cols = max([len(r) for r in layout.rows] + [1])
    out.append(f'<dimension ref="A1:{_col(n_cols - 1)}{max(n_rows, 1)}"/>')
    if layout.header_row >= 0:
        top = layout.header_row + 1
        out.append(
            '<sheetViews><sheetView workbookViewId="0">'
            f'<pane ySplit="{top}" topLeftCell="A{top + 1}" activePane="bottomLeft" state="frozen"/>'
            f'<selection pane="bottomLeft" activeCell="A{top + 1}" sqref="A{top + 1}"/>'
            "</sheetView></sheetViews>"
        )
    else:
        out.append('<sheetViews><sheetView workbookViewId="0"/></sheetViews>')
    out.append('<sheetFormatPr defaultRowHeight="15"/>')
    if layout.widths:
        out.append("<cols>")
        for j, w in enumerate(layout.widths):
            out.append(f'<col min="{j + 1}" max="{j + 1}" width="{w:g}" customWidth="1"/>')
        out.append("</cols>")
    out.append("<sheetData>")
    letters = [_col(j) for j in range(n_cols)]
    for i, row in enumerate(layout.rows):
        if not any(v is not None for v in row):
            continue
        r = i + 1
        cells = []
        for j, value in enumerate(row):
            if value is None:
                continue
            if i in layout.bold_rows:
                s = bold
            elif i > layout.header_row >= 0:
                s = col_styles[j] if j < len(col_styles) else 0
            else:
                s = 0
            cells.append(_cell_xml(f"{letters[j]}{r}", value, s))
        out.append(f'<row r="{r}">{"".join(cells)}</row>')
    out.append("</sheetData>")
    out.append('<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>')
    out.append("</worksheet>")
    return "".join(out).encode("utf-8")


def _cell_xml(ref: str, value, style: int) -> str:
    s = f' s="{style}"' if style else ""
    if isinstance(value, Formula):
        text = str(value)
        return f'<c r="{ref}"{s}><f>{_text(text[1:] if text.startswith("=") else text)}</f></c>'
    if isinstance(value, bool):
        return f'<c r="{ref}"{s} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, float):
        return f'<c r="{ref}"{s}><v>{_number(value)}</v></c>'
    text = str(value)[:EXCEL_MAX_TEXT]
    space = ' xml:space="preserve"' if text != text.strip() or "\n" in text else ""
    return f'<c r="{ref}"{s} t="inlineStr"><is><t{space}>{_text(text)}</t></is></c>'


def _number(v: float) -> str:
    if v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    return repr(v)


def _text(text: str) -> str:
    return _xml_escape(_ILLEGAL_XML.sub("", text))


def _attr(text: str) -> str:
    return _xml_escape(_ILLEGAL_XML.sub("", text), {'"': "&quot;"})


# ------------------------------------------------------------------ styles (read only)

_BUILTIN_FORMATS = {3: "#,##0", 4: "#,##0.00", 9: "0%", 10: "0.00%"}
_WANTED = {
    "money": (MONEY_FORMAT, "#,##0;-#,##0", "#,##0"),
    "money2": (MONEY2_FORMAT, "#,##0.00;-#,##0.00", "#,##0.00"),
    "percent": (PERCENT_FORMAT, "0.00%", "0%"),
}


class _StylePicker:
    """Finds cell formats the workbook already has (never adds any: styles.xml stays byte-identical)."""

    def __init__(self, styles_xml: bytes | None):
        """Candidates: no fill, no border, a plain font of 8-14 pt that is not white; the closest to 11 pt wins for bold."""
        self.bold = 0
        self._by_role: dict[str, int] = {}
        if not styles_xml:
            return
        try:
            root = ET.fromstring(styles_xml)
        except ET.ParseError:
            return
        ns = {"m": MAIN_NS}
        codes = dict(_BUILTIN_FORMATS)
        for nf in root.findall("m:numFmts/m:numFmt", ns):
            with suppress(ValueError):
                codes[int(nf.get("numFmtId", "-1"))] = nf.get("formatCode", "")
        fonts = []
        for font in root.findall("m:fonts/m:font", ns):
            b = font.find("m:b", ns)
            is_bold = b is not None and b.get("val", "1") not in ("0", "false")
            color = font.find("m:color", ns)
            white = color is not None and (color.get("rgb", "").upper() in ("FFFFFFFF", "FFFFFF") or color.get("theme") == "0" or color.get("indexed") in ("1", "9"))
            plain = all(font.find(f"m:{t}", ns) is None for t in ("i", "u", "strike", "vertAlign"))
            sz = font.find("m:sz", ns)
            try:
                size = float(sz.get("val", "11")) if sz is not None else 11.0
            except ValueError:
                size = 11.0
            fonts.append((is_bold, white, plain, size))
        candidates: dict[str, list[tuple[float, int]]] = {}
        for idx, xf in enumerate(root.findall("m:cellXfs/m:xf", ns)):
            align = xf.find("m:alignment", ns)
            # vertical alignment and wrapping are harmless in a table; anything else (indent, rotation, centring) is not
            if idx == 0 or (align is not None and set(align.attrib) - {"vertical", "wrapText"}) or xf.get("quotePrefix") in ("1", "true"):
                continue
            if xf.get("fillId", "0") != "0" or xf.get("borderId", "0") != "0":
                continue
            try:
                font_id = int(xf.get("fontId", "0"))
                fmt_id = int(xf.get("numFmtId", "0"))
            except ValueError:
                continue
            if font_id >= len(fonts):
                continue
            is_bold, white, plain, size = fonts[font_id]
            if white or not plain or not 8 <= size <= 14:
                continue
            code = codes.get(fmt_id)
            if is_bold and fmt_id == 0:
                candidates.setdefault("bold", []).append((abs(size - 11), idx))
            if not is_bold and code:
                for role, wanted in _WANTED.items():
                    if code in wanted:
                        candidates.setdefault(role, []).append((wanted.index(code), idx))
        for role, found in candidates.items():
            best = min(found)[1]
            if role == "bold":
                self.bold = best
            else:
                self._by_role[role] = best

    def for_format(self, fmt: str | None) -> int:
        if fmt == MONEY_FORMAT:
            return self._by_role.get("money", 0)
        if fmt == MONEY2_FORMAT:
            return self._by_role.get("money2", self._by_role.get("money", 0))
        if fmt == PERCENT_FORMAT or (fmt and fmt.endswith("%")):
            return self._by_role.get("percent", 0)
        return 0


# ------------------------------------------------------------------ reading existing sheets


class _SharedStrings:
    def __init__(self, xml: bytes | None):
        self._xml = xml
        self._items: list[str] | None = None

    def get(self, index: int) -> str | None:
        if self._items is None:
            self._items = []
            if self._xml:
                root = ET.fromstring(self._xml)
                for si in root.findall(f"{{{MAIN_NS}}}si"):
                    self._items.append("".join(t.text or "" for t in si.iter(f"{{{MAIN_NS}}}t")
                                               if not _inside_phonetic(si, t)))
        return self._items[index] if 0 <= index < len(self._items) else None


def _inside_phonetic(si, t) -> bool:
    return any(t in list(rph.iter()) for rph in si.findall(f"{{{MAIN_NS}}}rPh"))


def _has_stamp(sheet_xml: bytes, shared: _SharedStrings) -> bool:
    """True when a cell of the first STAMP_ROWS rows of the worksheet part holds a TierPlan stamp."""
    import io

    c_tag, row_tag = f"{{{MAIN_NS}}}c", f"{{{MAIN_NS}}}row"
    try:
        for _event, el in ET.iterparse(io.BytesIO(sheet_xml), events=("end",)):
            if el.tag == row_tag:
                r = el.get("r")
                if r and r.isdigit() and int(r) >= STAMP_ROWS:
                    return False
                el.clear()
            elif el.tag == c_tag:
                ref = el.get("r", "")
                m = re.fullmatch(r"[A-Z]{1,3}(\d+)", ref)
                if not m or int(m.group(1)) > STAMP_ROWS:
                    continue
                t = el.get("t")
                text = None
                if t == "inlineStr":
                    text = "".join(x.text or "" for x in el.iter(f"{{{MAIN_NS}}}t"))
                elif t in ("s", "str"):
                    v = el.find(f"{{{MAIN_NS}}}v")
                    if v is not None and v.text is not None:
                        text = shared.get(int(v.text)) if t == "s" and v.text.strip().isdigit() else v.text
                if is_stamp(text):
                    return True
    except ET.ParseError:
        return False
    return False


# ------------------------------------------------------------------ text surgery on XML parts


def _resolve(base_dir: str, target: str) -> str:
    if target.startswith("/"):
        return posixpath.normpath(target.lstrip("/"))
    return posixpath.normpath(posixpath.join(base_dir, target))


def _insert_before_close(xml: bytes, local: str, makers) -> bytes:
    """Insert elements just before ``</prefix:local>``, using the prefix the document uses."""
    text = xml.decode("utf-8")
    matches = list(re.finditer(rf"</([A-Za-z_][\w.-]*:)?{local}\s*>", text))
    if not matches:
        # a self-closed empty container: <sheets/>
        m = re.search(rf"<([A-Za-z_][\w.-]*:)?{local}(\s[^>]*)?/>", text)
        if not m:
            raise RuntimeError(f"write-back: no <{local}> element to extend")
        prefix = m.group(1) or ""
        inner = "".join(make(prefix) for make in makers)
        text = text[: m.start()] + f"<{prefix}{local}{m.group(2) or ''}>{inner}</{prefix}{local}>" + text[m.end():]
        return text.encode("utf-8")
    m = matches[-1]
    prefix = m.group(1) or ""
    inner = "".join(make(prefix) for make in makers)
    return (text[: m.start()] + inner + text[m.start():]).encode("utf-8")


def _remove_element(xml: bytes, local: str, attr: str, value: str) -> bytes:
    text = xml.decode("utf-8")
    pattern = rf'<((?:[A-Za-z_][\w.-]*:)?){local}\b[^>]*\b{attr}="{re.escape(_attr(value))}"[^>]*?(?:/>|>.*?</\1{local}\s*>)'
    return re.sub(pattern, "", text, count=1, flags=re.S).encode("utf-8")


def _declares_r_prefix(xml: bytes) -> bool:
    return f'xmlns:r="{DOC_REL_NS}"'.encode() in xml


_AFTER_CALCPR = ("oleSize", "customWorkbookViews", "pivotCaches", "smartTagPr", "smartTagTypes", "webPublishing",
                 "fileRecoveryPr", "webPublishObjects", "extLst")


def _set_full_calc_on_load(xml: bytes) -> bytes:
    """Make Excel recalculate on open (formulas of the user's may point at the result sheets)."""
    text = xml.decode("utf-8")
    m = re.search(r"<([A-Za-z_][\w.-]*:)?calcPr\b([^>]*?)(/?)>", text)
    if m:
        attrs = m.group(2)
        if re.search(r'\bfullCalcOnLoad="', attrs):
            attrs = re.sub(r'\bfullCalcOnLoad="[^"]*"', 'fullCalcOnLoad="1"', attrs)
        else:
            attrs = attrs + ' fullCalcOnLoad="1"'
        new = f"<{m.group(1) or ''}calcPr{attrs}{m.group(3)}>"
        return (text[: m.start()] + new + text[m.end():]).encode("utf-8")
    prefix_m = re.search(r"<([A-Za-z_][\w.-]*:)?workbook[\s>]", text)
    prefix = (prefix_m.group(1) or "") if prefix_m else ""
    element = f'<{prefix}calcPr fullCalcOnLoad="1"/>'
    positions = []
    for local in _AFTER_CALCPR:
        mm = re.search(rf"<{re.escape(prefix)}{local}[\s/>]", text)
        if mm:
            positions.append(mm.start())
    close = re.search(rf"</{re.escape(prefix)}workbook\s*>", text)
    if close:
        positions.append(close.start())
    if not positions:
        raise RuntimeError("write-back: workbook.xml has no closing tag")
    at = min(positions)
    return (text[:at] + element + text[at:]).encode("utf-8")
