"""A result sheet as a complete worksheet part: inline strings, numbers, formulas, frozen headers and column widths.

Cells reuse cell formats the workbook already has for money, percentages and bold
(:class:`StylePicker`); styles.xml is never changed.
"""

from __future__ import annotations

from contextlib import suppress
from xml.etree import ElementTree as ET

from planner.errors import col_letter as _col
from planner.schema import MONEY2_FORMAT, MONEY_FORMAT, PERCENT_FORMAT
from planner.writers.layout import Formula, SheetRows
from planner.writers.writeback.ooxml import DOC_REL_NS, MAIN_NS, xml_text

EXCEL_MAX_TEXT = 32767


def render_sheet_xml(layout: SheetRows, styles: StylePicker) -> bytes:
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
        return f'<c r="{ref}"{s}><f>{xml_text(text[1:] if text.startswith("=") else text)}</f></c>'
    if isinstance(value, bool):
        return f'<c r="{ref}"{s} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, float):
        return f'<c r="{ref}"{s}><v>{_number(value)}</v></c>'
    text = str(value)[:EXCEL_MAX_TEXT]
    space = ' xml:space="preserve"' if text != text.strip() or "\n" in text else ""
    return f'<c r="{ref}"{s} t="inlineStr"><is><t{space}>{xml_text(text)}</t></is></c>'


def _number(v: float) -> str:
    if v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    return repr(v)


_BUILTIN_FORMATS = {3: "#,##0", 4: "#,##0.00", 9: "0%", 10: "0.00%"}
_WANTED = {
    "money": (MONEY_FORMAT, "#,##0;-#,##0", "#,##0"),
    "money2": (MONEY2_FORMAT, "#,##0.00;-#,##0.00", "#,##0.00"),
    "percent": (PERCENT_FORMAT, "0.00%", "0%"),
}


class StylePicker:
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
