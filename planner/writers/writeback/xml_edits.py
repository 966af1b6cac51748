"""Text surgery on XML parts: elements added before a closing tag or removed, and fullCalcOnLoad set on calcPr.

The parts are edited as text, keeping whatever prefixes and formatting the document uses, so
everything write-back does not own stays as it was.
"""

from __future__ import annotations

import re

from planner.writers.writeback.ooxml import DOC_REL_NS, xml_attr


def insert_before_close(xml: bytes, local: str, makers) -> bytes:
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


def remove_element(xml: bytes, local: str, attr: str, value: str) -> bytes:
    text = xml.decode("utf-8")
    pattern = rf'<((?:[A-Za-z_][\w.-]*:)?){local}\b[^>]*\b{attr}="{re.escape(xml_attr(value))}"[^>]*?(?:/>|>.*?</\1{local}\s*>)'
    return re.sub(pattern, "", text, count=1, flags=re.S).encode("utf-8")


def declares_r_prefix(xml: bytes) -> bool:
    return f'xmlns:r="{DOC_REL_NS}"'.encode() in xml


_AFTER_CALCPR = ("oleSize", "customWorkbookViews", "pivotCaches", "smartTagPr", "smartTagTypes", "webPublishing",
                 "fileRecoveryPr", "webPublishObjects", "extLst")


def set_full_calc_on_load(xml: bytes) -> bytes:
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
