"""The second PDF engine: the report's HTML printed by a Chromium-family browser in headless mode.

WeasyPrint needs Pango, which Windows and macOS machines rarely have; every
Windows 10/11 has Microsoft Edge, most Macs have Chrome or Edge, and Debian has
chromium. :func:`choose_engine` picks WeasyPrint when it loads and the browser
otherwise (or the one asked for); :func:`print_to_pdf` runs the browser:

    <browser> --headless --print-to-pdf=OUT --no-pdf-header-footer --user-data-dir=FRESH ... file:///.../report.html

with a fresh profile and background networking, component updates, sync and
the first-run dialogs off (nothing leaves the machine), ``--no-sandbox`` only
when running as root on Linux (Chromium refuses to start as root otherwise).

What differs from WeasyPrint, and what is done about it:

* page size: the report's CSS ``@page { size: ... }`` is honoured; the size
  asked for is added in a small print stylesheet (:func:`chromium_print_css`);
* page numbers: Chromium prints the report's ``@page`` margin boxes
  ("Page 3 of 19", "Prepared with TierPlan": page margin boxes are printed since
  Chromium 131), but not ``string()`` (CSS named strings), so the running
  header (the title and "Fiscal year ...", which WeasyPrint takes from the
  document with ``string-set``) is written into that stylesheet as literal text;
  the contents list has no page numbers (``target-counter`` is WeasyPrint's);
* Chromium stamps the creation and modification time into the PDF's Info
  dictionary, so its bytes differ from run to run. :func:`strip_dates` blanks
  both entries in place (same length, so the cross-reference offsets stay
  valid). It also names each element of the tagged-PDF structure after a DOM
  node id that shifts from print to print on a busy machine;
  :func:`renumber_nodes` renumbers those names by rank, again in place. After
  both, two runs of the same browser on the same machine give the same bytes
  (measured: 2 prints in 16 differed under 6 busy processes on 2 cores before,
  none after). Another browser version lays the pages out differently.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path

PDF_ENGINES = ("weasyprint", "chromium")
#: A browser to use instead of searching (a full path to msedge.exe, chrome.exe, chromium, ...).
BROWSER_ENV = "TIERPLAN_BROWSER"
PRINT_TIMEOUT = 180.0  # seconds; the demo report prints in about 3 s

# Windows: App Paths registry keys that Edge's and Chrome's installers write (default value = full path)
APP_PATHS = r"SOFTWARE\Microsoft\Windows\CurrentVersion\App Paths"
WINDOWS_BROWSERS = (
    ("Microsoft Edge", "msedge.exe", ("Microsoft", "Edge", "Application")),
    ("Google Chrome", "chrome.exe", ("Google", "Chrome", "Application")),
)
WINDOWS_ROOTS = ("ProgramFiles(x86)", "ProgramFiles", "LOCALAPPDATA")
MAC_BROWSERS = (
    ("Google Chrome", ("Google Chrome.app", "Contents", "MacOS", "Google Chrome")),
    ("Microsoft Edge", ("Microsoft Edge.app", "Contents", "MacOS", "Microsoft Edge")),
    ("Chromium", ("Chromium.app", "Contents", "MacOS", "Chromium")),
)
LINUX_BROWSERS = (
    ("Chromium", "chromium"), ("Chromium", "chromium-browser"), ("Google Chrome", "google-chrome"),
    ("Google Chrome", "google-chrome-stable"), ("Microsoft Edge", "microsoft-edge"), ("Microsoft Edge", "microsoft-edge-stable"),
)


class PdfEngineUnavailable(Exception):
    """No PDF engine can print the report here; the message says why and how to get the PDF anyway."""


@dataclass(frozen=True)
class Browser:
    name: str  # "Microsoft Edge", "Google Chrome", "Chromium", or "TIERPLAN_BROWSER"
    path: str


# ------------------------------------------------------------------ finding a browser


def find_browser(
    platform: str | None = None,
    env: Mapping[str, str] | None = None,
    registry=None,
    app_dirs: list[Path] | None = None,
    which: Callable[[str], str | None] = shutil.which,
) -> Browser | None:
    """The first Chromium-family browser of this machine, or None.

    ``TIERPLAN_BROWSER`` wins when it names a file. Windows: the App Paths keys
    of msedge.exe and chrome.exe (HKLM, then HKCU), then the usual install
    folders under ProgramFiles(x86), ProgramFiles and LOCALAPPDATA. macOS: the
    .app bundles in /Applications and ~/Applications. Linux: chromium, Chrome
    or Edge on PATH. The arguments default to this machine; tests pass their
    own (``registry`` is a module with winreg's API).
    """
    platform = platform or sys.platform
    env = os.environ if env is None else env
    own = env.get(BROWSER_ENV, "").strip().strip('"')
    if own and Path(own).is_file():
        return Browser(BROWSER_ENV, own)
    if platform == "win32":
        if registry is None:
            try:
                import winreg as registry  # Windows only
            except ImportError:
                registry = None
        for name, exe, _folders in WINDOWS_BROWSERS:
            found = _app_path(registry, exe) if registry is not None else None
            if found:
                return Browser(name, found)
        for name, exe, folders in WINDOWS_BROWSERS:
            for root in WINDOWS_ROOTS:
                base = env.get(root)
                if base:
                    candidate = Path(base).joinpath(*folders, exe)
                    if candidate.is_file():
                        return Browser(name, str(candidate))
        return None
    if platform == "darwin":
        dirs = app_dirs if app_dirs is not None else [Path("/Applications"), Path.home() / "Applications"]
        for name, parts in MAC_BROWSERS:
            for folder in dirs:
                candidate = Path(folder).joinpath(*parts)
                if candidate.is_file():
                    return Browser(name, str(candidate))
        return None
    for name, command in LINUX_BROWSERS:
        found = which(command)
        if found:
            return Browser(name, found)
    return None


def _app_path(registry, exe: str) -> str | None:
    for hive in (registry.HKEY_LOCAL_MACHINE, registry.HKEY_CURRENT_USER):
        try:
            with registry.OpenKey(hive, APP_PATHS + "\\" + exe) as key:
                value, _kind = registry.QueryValueEx(key, "")
        except OSError:
            continue
        value = str(value).strip().strip('"')
        if value and Path(value).is_file():
            return value
    return None


# ------------------------------------------------------------------ choosing an engine


@lru_cache(maxsize=1)
def weasyprint_problem() -> str | None:
    """None when WeasyPrint loads; otherwise why not (its libraries, Pango above all, are missing)."""
    # WeasyPrint prints an installation hint on stdout when a library is missing: keep it off the user's screen
    with contextlib.redirect_stdout(io.StringIO()):
        try:
            import weasyprint  # noqa: F401
        except (OSError, ImportError) as exc:
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            return f"WeasyPrint cannot load its libraries (Pango): {first}"
    return None


def check_engine(name: str | None) -> str | None:
    """A --pdf-engine value: None (choose), weasyprint or chromium; anything else is the user's mistake."""
    if name is None:
        return None
    key = name.strip().lower()
    if key not in PDF_ENGINES:
        from planner.errors import Problem, UserInputError

        raise UserInputError(Problem("command line", f"--pdf-engine {name!r} is not a PDF engine", "use weasyprint or chromium"))
    return key


def choose_engine(requested: str | None = None, find: Callable[[], Browser | None] = find_browser) -> tuple[str, Browser | None]:
    """("weasyprint", None) or ("chromium", browser); PdfEngineUnavailable when the one needed cannot run."""
    requested = check_engine(requested)
    if requested in (None, "weasyprint"):
        problem = weasyprint_problem()
        if problem is None:
            return "weasyprint", None
        if requested == "weasyprint":
            raise PdfEngineUnavailable(no_engine_text(problem, None, asked="weasyprint"))
    browser = find()
    if browser is not None:
        return "chromium", browser
    raise PdfEngineUnavailable(no_engine_text(weasyprint_problem() if requested is None else None, None, asked=requested))


def no_engine_text(weasyprint: str | None, browser_problem: str | None, asked: str | None) -> str:
    """One paragraph: why there is no PDF, and three ways to get one."""
    reasons = []
    if weasyprint and asked != "chromium":
        reasons.append(weasyprint)
    if asked != "weasyprint":
        reasons.append(browser_problem or f"no Chromium-family browser (Microsoft Edge, Google Chrome, Chromium) was found (set {BROWSER_ENV} to its path if it is installed elsewhere)")
    return (
        "The PDF report was not written: " + "; ".join(reasons) + ". "
        "The HTML report was written: open tier_plan.html in a browser and print it to PDF, "
        "or install Microsoft Edge or Google Chrome and run again (--pdf-engine chromium), "
        "or install Pango for WeasyPrint (see docs/excel.md, 'PDF engines')."
    )


# ------------------------------------------------------------------ printing


class _Header(HTMLParser):
    """The texts WeasyPrint's running header takes from the document (class doc-title and fy)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: dict[str, str] = {}
        self._open: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag, attrs):
        classes = (dict(attrs).get("class") or "").split()
        key = "title" if "doc-title" in classes else "year" if "fy" in classes else None
        if key in self.found:
            key = None
        self._open.append((tag, key))
        if key:
            self.found[key] = ""

    def handle_endtag(self, tag):
        while self._open:
            opened, _key = self._open.pop()
            if opened == tag:
                break

    def handle_data(self, data):
        for _tag, key in self._open:
            if key:
                self.found[key] += data


def _css_string(text: str) -> str:
    text = " ".join(text.split())
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def chromium_print_css(html: str, page_size: str) -> str:
    """The print rules Chromium needs on top of the report's: page size and the running header as text."""
    header = _Header()
    header.feed(html)
    rules = [f"@page {{ size: {page_size}; }}"]
    margin = []
    if header.found.get("title"):
        margin.append(f"@top-left {{ content: {_css_string(header.found['title'])}; }}")
    if header.found.get("year"):
        margin.append(f"@top-right {{ content: {_css_string('Fiscal year ' + header.found['year'])}; }}")
    if margin:
        rules.append("@page { " + " ".join(margin) + " }")
        rules.append("@page :first { @top-left { content: none; } @top-right { content: none; } }")
    return "\n".join(rules)


def with_print_css(html: str, page_size: str) -> str:
    style = f'<style id="tierplan-chromium-print">\n{chromium_print_css(html, page_size)}\n</style>\n'
    at = html.lower().rfind("</head>")
    return html[:at] + style + html[at:] if at >= 0 else style + html


def browser_command(browser: Browser, url: str, out: Path, profile: Path, as_root: bool | None = None) -> list[str]:
    if as_root is None:
        as_root = hasattr(os, "geteuid") and os.geteuid() == 0
    args = [
        browser.path,
        "--headless",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        "--disable-quic",
        "--no-first-run",
        "--no-default-browser-check",
        f"--user-data-dir={profile}",
        "--no-pdf-header-footer",  # no date, title and file path printed around each page
        f"--print-to-pdf={out}",
    ]
    if as_root and sys.platform.startswith("linux"):
        args.insert(2, "--no-sandbox")
    return args + [url]


_DATE_ENTRY = re.compile(rb"/(?:CreationDate|ModDate)\s*\(D:[0-9+\-Z']*\)")


def strip_dates(pdf: bytes) -> bytes:
    """Blank /CreationDate and /ModDate of the Info dictionary in place (same length: offsets stay valid)."""
    head_end = pdf.find(b"endobj", 0, 1 << 16)
    head = pdf[: head_end if head_end > 0 else 0]
    if b"/Producer" not in head:
        return pdf  # not the Info dictionary Chromium writes first: leave the file as it is
    fixed = _DATE_ENTRY.sub(lambda m: b" " * len(m.group(0)), head)
    return fixed + pdf[len(head):]


_NODE_ID = re.compile(rb"\(node(\d{1,12})\)")


def renumber_nodes(pdf: bytes) -> bytes:
    """Renumber the ``(nodeNNNNNNNN)`` names of the tagged-PDF structure in place, by rank (same length: offsets stay valid).

    Chromium names each structure element after its DOM node id, and those ids depend on how many nodes the
    renderer made before, which varies from one print to the next on a busy machine. Ranks keep the order (so
    the ID tree stays sorted) and every reference consistent, and make two prints of one report the same bytes.
    """
    found = sorted({int(m.group(1)) for m in _NODE_ID.finditer(pdf)})
    if not found:
        return pdf
    rank = {old: new for new, old in enumerate(found, start=1)}
    return _NODE_ID.sub(lambda m: b"(node%0*d)" % (len(m.group(1)), rank[int(m.group(1))]), pdf)


def print_to_pdf(html: str, path, page_size: str = "A4", browser: Browser | None = None, timeout: float = PRINT_TIMEOUT) -> Path:
    """Print ``html`` to ``path`` with a Chromium-family browser; PdfEngineUnavailable when it cannot."""
    path = Path(path)
    browser = browser or find_browser()
    if browser is None:
        raise PdfEngineUnavailable(no_engine_text(None, None, asked="chromium"))
    with tempfile.TemporaryDirectory(prefix="tierplan-pdf-", ignore_cleanup_errors=True) as tmp:
        work = Path(tmp)
        page = work / "tier_plan.html"
        page.write_text(with_print_css(html, page_size), encoding="utf-8")
        out = work / "tier_plan.pdf"
        command = browser_command(browser, page.resolve().as_uri(), out.resolve(), (work / "profile").resolve())
        code, log = _run(command, timeout)
        if not out.is_file() or out.read_bytes()[:5] != b"%PDF-":
            tail = " ".join(log.strip().splitlines()[-3:])[-300:]
            raise PdfEngineUnavailable(no_engine_text(
                None, f"{browser.name} ({browser.path}) did not print the report (exit code {code}{': ' + tail if tail else ''})",
                asked="chromium",
            ))
        path.write_bytes(with_info(renumber_nodes(strip_dates(out.read_bytes())), document_info(html)))
    return path


# ------------------------------------------------------------------ the PDF's properties

#: HTML <meta> names -> PDF Info keys, as WeasyPrint maps them (its PDF takes them from the same tags).
META_INFO = {"description": "Subject", "keywords": "Keywords", "generator": "Creator", "author": "Author",
             "dcterms.created": "CreationDate", "dcterms.modified": "ModDate"}


class _Meta(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, str] = {}
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "meta" and a.get("name") and a.get("content") is not None:
            self.meta.setdefault(a["name"].strip().lower(), a["content"])
        self._in_title = tag == "title" and not self.title

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.title += data


def document_info(html: str) -> dict[str, str]:
    """The PDF properties the report's head declares: Title, Subject, Keywords, Creator, CreationDate (as WeasyPrint reads them)."""
    parser = _Meta()
    parser.feed(html)
    info = {"Title": " ".join(parser.title.split())} if parser.title.strip() else {}
    for name, key in META_INFO.items():
        if parser.meta.get(name):
            info[key] = parser.meta[name]
    return info


def _pdf_text(text: str) -> bytes:
    return b"<FEFF" + text.encode("utf-16-be").hex().upper().encode("ascii") + b">"


def _pdf_date(text: str) -> bytes | None:
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", text.strip())
    return f"(D:{m.group(1)}{m.group(2)}{m.group(3)})".encode("ascii") if m else None


_TRAILER = re.compile(rb"trailer\s*<<(.*?)>>\s*startxref\s*(\d+)\s*%%EOF\s*$", re.S)


def with_info(pdf: bytes, info: Mapping[str, str]) -> bytes:
    """The PDF with a new document Info dictionary appended as an incremental update (the original bytes are kept).

    Chromium writes only its own Title, Creator and Producer; this adds the report's Subject, Keywords, Creator and the
    as-of date as CreationDate, so the PDF's properties say what WeasyPrint's say. A PDF whose last section is not a
    classic cross-reference table and trailer is returned as it is.
    """
    m = _TRAILER.search(pdf[-4096:])
    if not info or m is None:
        return pdf
    trailer = m.group(1)
    size, root = re.search(rb"/Size\s+(\d+)", trailer), re.search(rb"/Root\s+(\d+\s+\d+)\s+R", trailer)
    if size is None or root is None:
        return pdf
    number = int(size.group(1))
    producer = re.search(rb"/Producer\s*\(([^)]*)\)", pdf[:1 << 16])
    entries = []
    for key in ("Title", "Subject", "Keywords", "Author", "Creator"):
        if info.get(key):
            entries.append(b"/" + key.encode() + b" " + _pdf_text(info[key]))
    if producer is not None:
        entries.append(b"/Producer (" + producer.group(1) + b")")
    for key in ("CreationDate", "ModDate"):
        date = _pdf_date(info.get(key, "")) or (_pdf_date(info.get("CreationDate", "")) if key == "ModDate" else None)
        if date is not None:
            entries.append(b"/" + key.encode() + b" " + date)
    body = pdf if pdf.endswith(b"\n") else pdf + b"\n"
    offset = len(body)
    obj = b"%d 0 obj\n<<" % number + b"\n".join(entries) + b">>\nendobj\n"
    xref_at = offset + len(obj)
    tail = (b"xref\n%d 1\n%010d 00000 n \ntrailer\n<</Size %d\n/Root %s R\n/Info %d 0 R\n/Prev %s>>\nstartxref\n%d\n%%%%EOF\n"
            % (number, offset, number + 1, root.group(1), number, m.group(2), xref_at))
    return body + obj + tail


def _run(command: list[str], timeout: float) -> tuple[int | str, str]:
    """Run the browser without a window or console output; kill it (and its helpers) past ``timeout``."""
    kwargs: dict = {"stdin": subprocess.DEVNULL, "stdout": subprocess.PIPE, "stderr": subprocess.STDOUT}
    if os.name == "nt":
        kwargs["creationflags"] = getattr(subprocess, "CREATE_NO_WINDOW", 0)
    else:
        kwargs["start_new_session"] = True
    proc = subprocess.Popen(command, **kwargs)
    try:
        output, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        if os.name == "nt":
            proc.kill()
        else:
            with contextlib.suppress(OSError):
                os.killpg(proc.pid, signal.SIGKILL)
        output, _ = proc.communicate()
        return f"killed after {timeout:g} s", (output or b"").decode("utf-8", "replace")
    return proc.returncode, (output or b"").decode("utf-8", "replace")
