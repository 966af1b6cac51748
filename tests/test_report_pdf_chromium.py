"""The second PDF engine: the report printed by Debian's chromium headless, read back with pypdf and poppler.

Checked page by page against what the WeasyPrint PDF promises (tests/test_report_pdf.py): the same
sections in the same order, fonts embedded, "Page i of n" and the running header on every page, no table
row cut across pages (from the PDF's own structure tree: Chromium writes a tagged PDF, each <tr> a TR
element whose marked content names its page), and the automatic choice when WeasyPrint cannot load its
libraries (a mount namespace hides libpangoft2, which WeasyPrint needs and chromium does not).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import fake_winreg
import pytest
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

from planner.report import render_html, write_pdf
from planner.report.context import SECTIONS
from planner.report.pdf_chromium import (
    APP_PATHS,
    BROWSER_ENV,
    Browser,
    PdfEngineUnavailable,
    choose_engine,
    chromium_print_css,
    find_browser,
    print_to_pdf,
    renumber_nodes,
    strip_dates,
)

MM = 72 / 25.4
ROOT = Path(__file__).resolve().parents[1]
PANGOFT2 = "/usr/lib/x86_64-linux-gnu/libpangoft2-1.0.so.0"


@pytest.fixture(scope="module")
def demo_book(tmp_path_factory) -> Path:
    from planner.workbook.demo import write_demo

    return write_demo(tmp_path_factory.mktemp("demo") / "demo.xlsx")


@pytest.fixture(scope="module")
def demo_plan(demo_book):
    from planner.pipeline import build_plan
    from planner.workbook.reader import read_inputs

    return build_plan(read_inputs(demo_book))


@pytest.fixture(scope="module")
def html(demo_plan) -> str:
    return render_html(demo_plan)


@pytest.fixture(scope="module")
def chromium_pdf(demo_plan, html, tmp_path_factory) -> Path:
    return write_pdf(demo_plan, tmp_path_factory.mktemp("c") / "tier_plan.pdf", html=html, engine="chromium")


@pytest.fixture(scope="module")
def weasy_pdf(demo_plan, html, tmp_path_factory) -> Path:
    return write_pdf(demo_plan, tmp_path_factory.mktemp("w") / "tier_plan.pdf", html=html, engine="weasyprint")


def pages_text(pdf: Path) -> list[str]:
    out = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    pages = out.split("\f")
    return pages[:-1] if pages and not pages[-1].strip() else pages


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def heading_order(pdf: Path) -> list[str]:
    body = squash(" ".join(pages_text(pdf)))
    found = {}
    for title in SECTIONS.values():
        hits = [m.start() for m in re.finditer(re.escape(title), body)]
        if hits:
            found[title] = hits[-1]  # the contents list names each section first; the heading is the last occurrence
    return sorted(found, key=found.get)


# ------------------------------------------------------------------ the demo report, page by page


@pytest.mark.slow
def test_it_is_chromiums_pdf_with_the_same_sections_in_the_same_order_as_weasyprints(chromium_pdf, weasy_pdf):
    assert PdfReader(chromium_pdf).metadata["/Producer"].startswith("Skia/PDF")
    assert not str(PdfReader(weasy_pdf).metadata.get("/Producer", "")).startswith("Skia")
    assert heading_order(chromium_pdf) == list(SECTIONS.values())
    assert heading_order(weasy_pdf) == list(SECTIONS.values())
    n_c, n_w = len(PdfReader(chromium_pdf).pages), len(PdfReader(weasy_pdf).pages)
    assert abs(n_c - n_w) <= max(3, n_w // 4), (n_c, n_w)  # another layout engine, about as many pages


@pytest.mark.slow
def test_summary_figures_match_the_weasyprint_pdf(chromium_pdf, weasy_pdf, demo_plan):
    first_c, first_w = squash(pages_text(chromium_pdf)[0]), squash(pages_text(weasy_pdf)[0])
    s = demo_plan.to_dict()["summary"]
    for figure in (f"${s['budget']:,.0f}", f"${s['total_cost']:,.0f}", f"${s['value']:,.0f}", f"{s['accounts']:,}"):
        assert figure in first_c and figure in first_w, figure


@pytest.mark.slow
def test_page_numbers_and_running_header_on_every_page(chromium_pdf):
    pages = pages_text(chromium_pdf)
    n = len(pages)
    assert n >= 8
    for i, text in enumerate(pages, start=1):
        lines = [line for line in text.splitlines() if line.strip()]
        assert f"Page {i} of {n}" in lines[-1], f"page {i}: no page number in its last line"
        assert "Prepared with TierPlan" in lines[-1]
        if i > 1:
            assert "Customer Success tier plan" in lines[0] and "Fiscal year 2027" in lines[0], f"page {i}: {lines[0]!r}"
    assert "Fiscal year 2027" not in pages[0].splitlines()[0]  # page 1 starts with the title, no running header


@pytest.mark.slow
def test_fonts_are_embedded_and_are_the_report_fonts(chromium_pdf):
    seen = set()
    for page in PdfReader(chromium_pdf).pages:
        for ref in page.get("/Resources", {}).get("/Font", {}).values():
            font = ref.get_object()
            name = str(font["/BaseFont"]).split("+")[-1]
            seen.add(name)
            descriptor = font.get("/FontDescriptor") or font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            descriptor = descriptor.get_object()
            assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), f"{name} is not embedded"
    assert {"Carlito", "Carlito-Bold"} <= seen, seen
    assert not any("DejaVu" in n for n in seen), seen


@pytest.mark.slow
def test_page_size_a4_and_letter(chromium_pdf, demo_plan, html, tmp_path):
    for page in PdfReader(chromium_pdf).pages:
        assert float(page.mediabox.width) == pytest.approx(210 * MM, abs=1.0)
        assert float(page.mediabox.height) == pytest.approx(297 * MM, abs=1.0)
    letter = write_pdf(demo_plan, tmp_path / "letter.pdf", page_size="Letter", html=html, engine="chromium")
    for page in PdfReader(letter).pages:
        assert (float(page.mediabox.width), float(page.mediabox.height)) == pytest.approx((612.0, 792.0), abs=1.0)


def table_rows(pdf: Path) -> list[tuple[bool, set[int]]]:
    """Every TR of the PDF's structure tree: (is a header row of TH only, pages its marked content is on)."""
    reader = PdfReader(pdf)
    page_of = {p.indirect_reference.idnum: i for i, p in enumerate(reader.pages)}

    def obj(node):
        return node.get_object() if isinstance(node, IndirectObject) else node

    def kids(node) -> list:
        k = node.get("/K")
        if k is None:
            return []
        return [obj(c) for c in (k if isinstance(k, ArrayObject) else [k])]

    def pages(node, page) -> set[int]:
        if not isinstance(node, DictionaryObject):  # a marked-content id on the current page
            return {page}
        if "/Pg" in node:
            page = page_of[node.raw_get("/Pg").idnum]
        if node.get("/Type") == "/MCR":
            return {page}
        out = set()
        for child in kids(node):
            out |= pages(child, page)
        return out

    rows = []

    def walk(node, page=None):
        if not isinstance(node, DictionaryObject):
            return
        if "/Pg" in node:
            page = page_of[node.raw_get("/Pg").idnum]
        if node.get("/S") == "/TR":
            cells = [c.get("/S") for c in kids(node) if isinstance(c, DictionaryObject)]
            rows.append((bool(cells) and all(c == "/TH" for c in cells), pages(node, page)))
            return
        for child in kids(node):
            walk(child, page)

    walk(obj(reader.trailer["/Root"]["/StructTreeRoot"]))
    return rows


@pytest.mark.slow
def test_no_table_row_is_cut_across_pages(chromium_pdf):
    rows = table_rows(chromium_pdf)
    body = [p for header, p in rows if not header]
    assert len(body) > 100
    split = [sorted(p) for p in body if len(p) != 1]
    assert split == [], f"table rows on more than one page: {split}"
    # header rows repeat on each page a long table continues to
    assert any(len(p) > 1 for header, p in rows if header)


@pytest.mark.slow
def test_the_row_check_sees_a_row_that_is_cut(tmp_path):
    """A row taller than a page must be cut: the check above would see it."""
    tall = "<br>".join(f"line {i}" for i in range(120))
    page = (f"<!doctype html><html><head><style>@page {{ size: A4; }}</style></head><body><table>"
            f"<thead><tr><th>Head</th></tr></thead><tbody><tr><td>short</td></tr><tr><td>{tall}</td></tr></tbody></table></body></html>")
    pdf = print_to_pdf(page, tmp_path / "cut.pdf")
    body = [p for header, p in table_rows(pdf) if not header]
    assert len(body) == 2 and len(body[0]) == 1 and len(body[1]) >= 2  # the tall row runs over 2 or more pages


# ------------------------------------------------------------------ dates and bytes


@pytest.mark.slow
def test_the_dates_chromium_stamps_are_blanked_and_two_prints_are_the_same_bytes(chromium_pdf, demo_plan, html, tmp_path):
    meta = PdfReader(chromium_pdf, strict=True).metadata
    # the clock never gets in: the dates the PDF carries are the plan's as-of date (the Finance sheet's), or none
    as_of = demo_plan.inputs.finance.as_of
    stamp = f"D:{as_of:%Y%m%d}" if as_of is not None else None
    assert meta.get("/CreationDate") == stamp and meta.get("/ModDate") == stamp
    assert meta["/Title"].startswith("Customer Success tier plan")
    info = subprocess.run(["pdfinfo", str(chromium_pdf)], capture_output=True, text=True)
    assert info.returncode == 0 and "Syntax Error" not in info.stderr
    again = write_pdf(demo_plan, tmp_path / "again.pdf", html=html, engine="chromium")
    assert again.read_bytes() == chromium_pdf.read_bytes()
    # the renumbered structure still holds together: the ID tree is sorted and names the elements that carry each name
    tree = PdfReader(chromium_pdf, strict=True).trailer["/Root"]["/StructTreeRoot"]["/IDTree"]
    named, todo = [], [tree]
    while todo:
        node = todo.pop(0).get_object()
        pairs = node.get("/Names", [])
        named += [(pairs[i], pairs[i + 1].get_object()) for i in range(0, len(pairs), 2)]
        todo += list(node.get("/Kids", []))
    keys = [k for k, _ in named]
    assert len(keys) > 100 and keys == sorted(keys) and keys[0] == "node00000001"
    assert all(element["/ID"] == key for key, element in named)


def test_strip_dates_keeps_length_and_touches_only_the_info_dictionary():
    raw = (b"%PDF-1.4\n1 0 obj\n<</Title (T)\n/Producer (Skia/PDF m156)\n/CreationDate (D:20261202001136+00'00')\n"
           b"/ModDate (D:20261202001136+00'00')>>\nendobj\n2 0 obj\n<</CreationDate (D:20990101000000Z)>>\nendobj\n")
    fixed = strip_dates(raw)
    assert len(fixed) == len(raw)
    assert b"2026" not in fixed and b"(D:20990101000000Z)" in fixed  # only the first object, the Info dictionary
    assert strip_dates(b"%PDF-1.7\n1 0 obj\n<</Type /Catalog>>\nendobj\n") == b"%PDF-1.7\n1 0 obj\n<</Type /Catalog>>\nendobj\n"


def test_structure_node_names_are_renumbered_by_rank_in_place():
    # two prints of one page whose DOM node ids are shifted by one, with a gap, in the ID tree and in /Headers
    def pdf(base):
        return (b"%%PDF-1.7\n3 0 obj\n<</S /TH /ID (node%08d)>>\nendobj\n4 0 obj\n<</S /TD /ID (node%08d) /A [<</Headers [(node%08d)]>>]>>\n"
                b"endobj\n5 0 obj\n<</Names [(node%08d) 3 0 R (node%08d) 4 0 R]>>\nendobj\n(node12) (nodeX)\n"
                % (base + 7, base + 40, base + 7, base + 7, base + 40))
    first, second = pdf(60), pdf(61)
    assert first != second
    assert renumber_nodes(first) == renumber_nodes(second)
    fixed = renumber_nodes(first)
    assert len(fixed) == len(first)
    # ranks by value: 12 -> 1, 67 -> 2, 100 -> 3; width kept; other text untouched
    assert b"/ID (node00000002)" in fixed and b"/ID (node00000003)" in fixed and b"[(node00000002)]" in fixed
    assert b"(node00000002) 3 0 R (node00000003) 4 0 R" in fixed and b"(node01) (nodeX)" in fixed
    assert renumber_nodes(b"%PDF-1.7\n") == b"%PDF-1.7\n"


def test_print_css_writes_the_running_header_as_text_and_escapes_it():
    page = '<html><head></head><body><h1 class="doc-title">Plan for "ACME" \\ Co &amp; more</h1><p>Fiscal year <span class="fy">2028</span></p></body></html>'
    css = chromium_print_css(page, "Letter")
    assert "@page { size: Letter; }" in css
    assert '@top-left { content: "Plan for \\"ACME\\" \\\\ Co & more"; }' in css
    assert '@top-right { content: "Fiscal year 2028"; }' in css
    assert "@page :first { @top-left { content: none; } @top-right { content: none; } }" in css
    assert "@top-left" not in chromium_print_css("<html><body><p>no title</p></body></html>", "A4")


# ------------------------------------------------------------------ finding a browser


def _exe(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("")
    return path


def test_windows_finds_edge_through_the_app_paths_key_first(tmp_path):
    reg = fake_winreg.Registry()
    edge = _exe(tmp_path / "somewhere" / "msedge.exe")
    chrome = _exe(tmp_path / "Program Files" / "Google" / "Chrome" / "Application" / "chrome.exe")
    reg.set(reg.HKEY_LOCAL_MACHINE, APP_PATHS + r"\msedge.exe", "", f'"{edge}"')
    env = {"ProgramFiles": str(tmp_path / "Program Files")}
    assert find_browser("win32", env, registry=reg) == Browser("Microsoft Edge", str(edge))
    assert reg.closed == 1  # the key was closed again
    assert find_browser("win32", env, registry=fake_winreg.Registry()) == Browser("Google Chrome", str(chrome))


def test_windows_finds_edge_in_its_install_folder_without_the_registry_key(tmp_path):
    edge = _exe(tmp_path / "x86" / "Microsoft" / "Edge" / "Application" / "msedge.exe")
    env = {"ProgramFiles(x86)": str(tmp_path / "x86"), "ProgramFiles": str(tmp_path / "none")}
    assert find_browser("win32", env, registry=fake_winreg.Registry()) == Browser("Microsoft Edge", str(edge))
    reg = fake_winreg.Registry()  # a key pointing at a removed file is passed over
    reg.set(reg.HKEY_CURRENT_USER, APP_PATHS + r"\chrome.exe", "", str(tmp_path / "gone" / "chrome.exe"))
    assert find_browser("win32", env, registry=reg) == Browser("Microsoft Edge", str(edge))
    assert find_browser("win32", {}, registry=fake_winreg.Registry()) is None


def test_macos_finds_chrome_then_edge_in_the_applications_folders(tmp_path):
    edge = _exe(tmp_path / "Applications" / "Microsoft Edge.app" / "Contents" / "MacOS" / "Microsoft Edge")
    assert find_browser("darwin", {}, app_dirs=[tmp_path / "Applications"]) == Browser("Microsoft Edge", str(edge))
    chrome = _exe(tmp_path / "home" / "Applications" / "Google Chrome.app" / "Contents" / "MacOS" / "Google Chrome")
    found = find_browser("darwin", {}, app_dirs=[tmp_path / "Applications", tmp_path / "home" / "Applications"])
    assert found == Browser("Google Chrome", str(chrome))


def test_linux_finds_debians_chromium_and_the_environment_variable_wins(tmp_path):
    assert find_browser("linux", {}) == Browser("Chromium", shutil.which("chromium"))
    mine = _exe(tmp_path / "my-browser")
    assert find_browser("linux", {BROWSER_ENV: str(mine)}) == Browser(BROWSER_ENV, str(mine))
    assert find_browser("linux", {BROWSER_ENV: str(tmp_path / "missing")}, which=lambda name: None) is None


def test_choosing_an_engine():
    assert choose_engine(None) == ("weasyprint", None)  # WeasyPrint loads on this machine
    assert choose_engine("chromium")[0] == "chromium"
    with pytest.raises(PdfEngineUnavailable, match="no Chromium-family browser"):
        choose_engine("chromium", find=lambda: None)
    from planner.errors import UserInputError

    with pytest.raises(UserInputError, match="--pdf-engine 'prince' is not a PDF engine"):
        choose_engine("prince")


# ------------------------------------------------------------------ without Pango: the command line


def _without_weasyprints_libraries(args: list[str], env: dict) -> subprocess.CompletedProcess:
    """Run a command in a mount namespace where libpangoft2 (WeasyPrint needs it, chromium does not) cannot load."""
    script = f'{shutil.which("mount")} --bind /dev/null {PANGOFT2} && exec "$@"'
    return subprocess.run([shutil.which("unshare"), "-m", shutil.which("sh"), "-c", script, "sh", *args], capture_output=True, text=True,
                          timeout=600, env=env, cwd=ROOT)


@pytest.mark.slow
def test_without_pango_the_plan_command_prints_with_chromium(demo_book, tmp_path):
    tierplan = str(Path(sys.executable).with_name("tierplan"))
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    probe = _without_weasyprints_libraries([sys.executable, "-c", "import weasyprint"], env)
    assert probe.returncode != 0 and "cannot load library" in probe.stderr  # WeasyPrint really cannot load here
    out = tmp_path / "out"
    r = _without_weasyprints_libraries([tierplan, "plan", str(demo_book), "--out", str(out), "--format", "pdf"], env)
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == ["tier_plan.pdf"]  # hidden: lock, manifest
    assert PdfReader(out / "tier_plan.pdf").metadata["/Producer"].startswith("Skia/PDF")
    assert "PDF report was not written" not in r.stderr


@pytest.mark.slow
def test_without_pango_and_without_a_browser_the_html_is_written_and_the_message_says_how(demo_book, tmp_path):
    tierplan = str(Path(sys.executable).with_name("tierplan"))
    empty = tmp_path / "bin"
    empty.mkdir()
    env = {**os.environ, "PATH": str(empty), "PYTHONWARNINGS": "ignore"}  # no browser on PATH
    env.pop(BROWSER_ENV, None)
    assert shutil.which("chromium", path=env["PATH"]) is None
    out = tmp_path / "out"
    (out).mkdir()
    (out / "tier_plan.pdf").write_bytes(b"%PDF-1.7 an older run's report")
    r = _without_weasyprints_libraries([tierplan, "plan", str(demo_book), "--out", str(out), "--format", "pdf,json"], env)
    assert r.returncode == 0, r.stderr  # the plan fits: the exit code is the plan's, not the PDF's
    # no stale PDF left behind: that one was not written by TierPlan (no manifest names it), so it is kept aside, not deleted
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == ["plan.json", "tier_plan.html", "tier_plan.kept-1.pdf"]
    message = squash(r.stderr)
    assert "The PDF report was not written: WeasyPrint cannot load its libraries (Pango)" in message
    assert "no Chromium-family browser (Microsoft Edge, Google Chrome, Chromium) was found" in message
    assert "open tier_plan.html in a browser and print it to PDF" in message
    assert f"Wrote {out / 'tier_plan.html'}" in message or f"Wrote {out / 'tier_plan.html'}" in squash(r.stdout)
    assert "Traceback" not in r.stderr
