"""The HTML report reads on a phone (issue 11 point 7): Debian's Chromium via Playwright at 390 x 844 and 1280 x 900.

At 390 px a table wider than the screen scrolls sideways in its own box (its .table-wrap), the page itself never
does, and no word or number in a table is broken across two lines ("Enterp rise CSM", "10,048,20019.9%"). A word is
broken when the rectangles the browser lays its letters out in stand on more than one line (a Range over the word,
getClientRects): the check is run on a table made to break words, so it can fail.
"""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
import test_report_html
from test_report_html import open_in_browser

from planner.pipeline import build_plan
from planner.report import render_html
from planner.workbook.reader import read_inputs

pytestmark = pytest.mark.slow

DEMO = Path(__file__).resolve().parent.parent / "workbooks" / "tierplan_demo.xlsx"

# Every table's box, and every word of every table whose letters lie on more than one line.
MEASURE = r"""() => {
  const out = {width: document.documentElement.clientWidth, page: document.documentElement.scrollWidth, tables: [], broken: []};
  for (const t of document.querySelectorAll('table')) {
    const wrap = t.closest('.table-wrap');
    const box = (wrap || t).getBoundingClientRect();
    out.tables.push({caption: t.caption ? t.caption.innerText : '', wrapped: !!wrap,
                     overflow: wrap ? getComputedStyle(wrap).overflowX : '', left: box.left, right: box.right,
                     scrolls: wrap ? wrap.scrollWidth > wrap.clientWidth + 1 : false});
    const walker = document.createTreeWalker(t, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      for (const m of n.data.matchAll(/\S+/g)) {
        const range = document.createRange();
        range.setStart(n, m.index);
        range.setEnd(n, m.index + m[0].length);
        const lines = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
        if (lines.size > 1) out.broken.push(m[0]);
      }
    }
  }
  return out;
}"""

BREAKING_TABLE = ('<div class="table-wrap"><table style="table-layout: fixed; width: 4rem"><tbody><tr>'
                  '<td style="word-break: break-all; white-space: normal">Enterprise</td></tr></tbody></table></div>')


@pytest.fixture(scope="module")
def html() -> str:
    return render_html(build_plan(read_inputs(DEMO)))


# the same Chromium as tests/test_report_html.py (a fixture, used here as "chromium")
chromium = test_report_html.browser


def measure(browser, html: str, folder: Path, width: int, height: int) -> tuple[dict, Path]:
    page, log, _url = open_in_browser(browser, html, folder, width, height)
    try:
        found = page.evaluate(MEASURE)
        shot = folder / f"report_{width}.png"
        page.screenshot(path=str(shot))
    finally:
        page.close()
    assert log["errors"] == []
    return found, shot


def png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", head[16:24])


def test_on_a_phone_tables_scroll_in_their_own_box_and_no_word_breaks(chromium, html, tmp_path):
    found, shot = measure(chromium, html, tmp_path, 390, 844)
    assert png_size(shot) == (390, 844)
    assert found["width"] == 390
    assert found["page"] == 390  # the page never scrolls sideways
    tables = found["tables"]
    assert len(tables) >= 26
    for t in tables:
        assert t["wrapped"] and t["overflow"] == "auto", t["caption"]
        assert t["left"] >= 0 and t["right"] <= 390, t["caption"]  # each box stays on the screen
    # most tables are wider than a phone: they scroll inside their box instead of squeezing words apart
    assert sum(t["scrolls"] for t in tables) >= len(tables) // 2
    assert found["broken"] == []


def test_on_a_laptop_every_table_fits_without_scrolling(chromium, html, tmp_path):
    found, shot = measure(chromium, html, tmp_path, 1280, 900)
    assert png_size(shot) == (1280, 900)
    assert found["page"] == 1280
    assert [t["caption"] for t in found["tables"] if t["scrolls"]] == []
    assert found["broken"] == []


def test_the_check_finds_a_broken_word(chromium, html, tmp_path):
    # the same measure on the report with one table that breaks "Enterprise" inside a 4rem column
    broken = html.replace("</main>", BREAKING_TABLE + "</main>", 1)
    assert broken != html
    found, _shot = measure(chromium, broken, tmp_path, 390, 844)
    assert found["broken"] == ["Enterprise"]
