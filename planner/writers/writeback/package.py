"""The workbook's zip package as write-back sees it, and the plan of which parts to write.

:class:`Package` reads the workbook part, its relationships and sheet list; :meth:`Package.plan`
decides which worksheet part each result sheet goes to (a new one, or the part of a stamped sheet
an earlier run wrote), refuses sheets of the user's that carry a result-sheet name, and patches the
sheet list, relationships and content types; :meth:`Package.write` copies every other part byte for byte.
"""

from __future__ import annotations

import datetime as _dt
import os
import posixpath
import re
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree as ET

from planner.errors import Problem, UserInputError
from planner.schema import RESULT_SHEETS
from planner.writers.layout import STAMP_PREFIX
from planner.writers.writeback.ooxml import (
    CT_WORKSHEET,
    DOC_REL_NS,
    MAIN_NS,
    REL_CALC_CHAIN,
    REL_OFFICE_DOCUMENT,
    REL_SHARED_STRINGS,
    REL_STYLES,
    REL_WORKSHEET,
    STRICT_MAIN_NS,
    resolve_target,
    xml_attr,
)
from planner.writers.writeback.stamps import STAMP_ROWS, SharedStrings, has_stamp
from planner.writers.writeback.xml_edits import declares_r_prefix, insert_before_close, remove_element, set_full_calc_on_load


@dataclass
class SheetPlan:
    targets: dict[str, tuple[str, str | None]]  # sheet name in the book -> (part to write, wanted result name or None if stale)
    added: list[str]
    replaced: list[str]  # names in the book of earlier result sheets (wanted again or stale)
    new_parts: dict[str, bytes]  # patched workbook.xml, rels, content types
    drop: set[str]


class Package:
    def __init__(self, path: Path, zf: zipfile.ZipFile):
        self.path = path
        self.infos = zf.infolist()
        self.names = {i.filename for i in self.infos}

    @classmethod
    def open(cls, path: Path) -> Package:
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
                wb_part = resolve_target("", rel.get("Target", ""))
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
            part = None if rel.get("TargetMode") == "External" else resolve_target(self.wb_dir, target)
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

    def _shared_strings(self) -> SharedStrings:
        part = self.rel_part(REL_SHARED_STRINGS)
        return SharedStrings(self.read(part) if part and part in self.names else None)

    def plan(self, wanted: Sequence[str], now: _dt.datetime) -> SheetPlan:
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
                if has_stamp(xml, shared):
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
        wb_xml = set_full_calc_on_load(self.wb_xml)
        if sheet_els:
            wb_xml = insert_before_close(wb_xml, "sheets", [
                lambda p, nm=nm, sid=sid, rid=rid: (
                    f'<{p}sheet name="{xml_attr(nm)}" sheetId="{sid}" r:id="{rid}"/>'
                    if declares_r_prefix(self.wb_xml) else
                    f'<{p}sheet name="{xml_attr(nm)}" sheetId="{sid}" xmlns:r="{DOC_REL_NS}" r:id="{rid}"/>'
                )
                for nm, sid, rid in sheet_els
            ])
        new_parts[self.wb_part] = wb_xml
        rels_xml = self.wb_rels_xml
        if rel_els:
            rels_xml = insert_before_close(rels_xml, "Relationships", [
                lambda p, rid=rid, target=target: f'<{p}Relationship Id="{rid}" Type="{REL_WORKSHEET}" Target="{xml_attr(target)}"/>'
                for rid, target in rel_els
            ])
        ct_xml = self.ct_xml
        if ct_els:
            ct_xml = insert_before_close(ct_xml, "Types", [
                lambda p, pn=pn: f'<{p}Override PartName="{xml_attr(pn)}" ContentType="{CT_WORKSHEET}"/>' for pn in ct_els
            ])
        for part in drop:
            rel_id = next(rid for rid, (typ, p) in self.rels.items() if p == part and rid is not None)
            rels_xml = remove_element(rels_xml, "Relationship", "Id", rel_id)
            ct_xml = remove_element(ct_xml, "Override", "PartName", "/" + part)
        if rels_xml != self.wb_rels_xml:
            new_parts[self.wb_rels_part] = rels_xml
        if ct_xml != self.ct_xml:
            new_parts["[Content_Types].xml"] = ct_xml
        return SheetPlan(targets=targets, added=added, replaced=replaced, new_parts=new_parts, drop=drop)

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
