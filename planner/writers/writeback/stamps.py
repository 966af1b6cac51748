"""Which sheets are TierPlan's: a stamp in the first STAMP_ROWS rows, as an inline or a shared string."""

from __future__ import annotations

import re
from xml.etree import ElementTree as ET

from planner.writers.layout import is_stamp
from planner.writers.writeback.ooxml import MAIN_NS

STAMP_ROWS = 5  # the stamp is looked for in the first rows of a sheet, any column


class SharedStrings:
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


def has_stamp(sheet_xml: bytes, shared: SharedStrings) -> bool:
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
