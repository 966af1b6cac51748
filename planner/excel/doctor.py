"""``tierplan doctor [BOOK]``: everything the Excel buttons need, checked on the user's machine.

:func:`diagnose` returns one :class:`Finding` per check (facts: what was
found, and the fix when something is wrong); :func:`finding_lines` writes them
one line each. The checks follow what RunPython does when a button is pressed:

1. the interpreter: the one xlwings' VBA would start, looked up the way its
   ``GetConfig`` does (the workbook's xlwings.conf sheet, an xlwings.conf file
   beside the workbook, the user's xlwings.conf, then a bare ``pythonw``/``python``);
2. that Python's version, and whether it imports TierPlan, xlwings and
   ``tierplan_buttons`` from the workbook's folder (one probe run of it);
3. its xlwings version against the version the workbook's VBA module declares
   (on a Mac also the AppleScript ``xlwings runpython install`` puts in place
   for that version, which the VBA calls by name);
4. ``tierplan_buttons.py`` beside the workbook;
5. where the workbook is: a URL (OneDrive/SharePoint in the browser), a
   folder OneDrive or SharePoint syncs (Excel then reports the workbook as a
   URL and xlwings has to guess the local folder), a network share, or a file
   Windows marks as downloaded from the internet (its macros are blocked);
6. a PDF engine: WeasyPrint in that Python, or a Chromium-family browser.

Everything that only Windows or macOS has comes in through :class:`Machine`
(platform, environment, home folder, registry, application folders, how to run
a program), so the tests drive every branch on Linux with fakes of those.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PureWindowsPath

from planner.excel import conf

WANT_PYTHON = (3, 11)  # the lock (requirements/product.lock) is made and tested for CPython 3.11
ONEDRIVE_PROVIDERS = r"Software\SyncEngines\Providers\OneDrive"
ONEDRIVE_ENV = ("OneDrive", "OneDriveCommercial", "OneDriveConsumer")
SETUP = {"win32": r"scripts\setup-excel-windows.ps1", "darwin": "scripts/setup-excel-macos.sh"}

PROBE = r"""
import contextlib, io, json, sys
for extra in reversed(sys.argv[1:]):
    sys.path.insert(0, extra)
out = {"python": list(sys.version_info[:3]), "executable": sys.executable}
def attempt(name, get):
    try:
        out[name] = [True, get()]
    except BaseException as exc:
        text = (str(exc).strip().splitlines() or [""])[0]
        out[name] = [False, type(exc).__name__ + (": " + text if text else "")]
attempt("tierplan", lambda: __import__("planner").__version__)
attempt("xlwings", lambda: __import__("xlwings").__version__)
def weasy():
    with contextlib.redirect_stdout(io.StringIO()):
        import weasyprint
    return weasyprint.__version__
attempt("weasyprint", weasy)
attempt("buttons", lambda: __import__("tierplan_buttons").__file__)
sys.stdout.write("TIERPLAN-PROBE " + json.dumps(out) + "\n")
"""


@dataclass(frozen=True)
class Machine:
    """What the checks read off the machine; the defaults are this one."""

    platform: str = sys.platform
    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    home: Path = field(default_factory=Path.home)
    registry: object | None = None  # a module with winreg's API; None: the real winreg on Windows
    app_dirs: list[Path] | None = None  # macOS: where .app bundles are (default /Applications, ~/Applications)
    which: Callable[[str], str | None] = shutil.which
    run: Callable[..., subprocess.CompletedProcess] = subprocess.run

    def winreg(self):
        if self.registry is not None or self.platform != "win32":
            return self.registry
        try:
            import winreg  # Windows only
        except ImportError:
            return None
        return winreg


@dataclass(frozen=True)
class Finding:
    check: str
    ok: bool
    detail: str
    fix: str = ""


# ------------------------------------------------------------------ the book


@dataclass
class BookFacts:
    path: Path
    text: str = ""  # as given (a URL keeps its //)
    is_url: bool = False
    exists: bool = False
    settings: dict[str, str] = field(default_factory=dict)  # the xlwings.conf sheet as xlwings reads it
    vba_version: str | None = None
    has_vba: bool = False
    error: str = ""


def read_book(book: str) -> BookFacts:
    facts = BookFacts(Path(book), text=book, is_url="://" in book)
    if facts.is_url:
        return facts
    path = facts.path
    facts.exists = path.is_file()
    if not facts.exists:
        return facts
    import zipfile

    from planner.excel.vba import xlwings_vba_version

    try:
        with zipfile.ZipFile(path) as zf:
            if "xl/vbaProject.bin" in zf.namelist():
                facts.has_vba = True
                facts.vba_version = xlwings_vba_version(zf.read("xl/vbaProject.bin"))
        from python_calamine import CalamineWorkbook

        wb = CalamineWorkbook.from_path(str(path))
        name = next((n for n in wb.sheet_names if n.lower() == conf.SHEET), None)
        if name is not None:
            facts.settings = conf.read_sheet(wb.get_sheet_by_name(name).to_python())
    except Exception as exc:  # not a workbook we can read: said as a finding
        facts.error = f"{type(exc).__name__}: {exc}"
    return facts


# ------------------------------------------------------------------ the interpreter RunPython starts


@dataclass(frozen=True)
class Configured:
    path: str
    source: str  # where it came from, in words


def configured_interpreter(machine: Machine, book: BookFacts | None) -> Configured:
    """The interpreter xlwings' VBA would start: sheet, then the file beside the book, then the user's file, then the default."""
    key = (conf.WIN_KEY if machine.platform == "win32" else conf.MAC_KEY).upper()
    if book is not None and book.settings.get(key):
        return Configured(book.settings[key], f"{conf.WIN_KEY if key == conf.WIN_KEY.upper() else conf.MAC_KEY} in the workbook's xlwings.conf sheet")
    if book is not None and not book.is_url:
        beside = conf.read_config_file(book.path.parent / "xlwings.conf")
        if beside.get(key):
            return Configured(beside[key], f"{key} in {book.path.parent / 'xlwings.conf'}")
    user_file = conf.user_config_file(machine.platform, machine.home)
    user = conf.read_config_file(user_file)
    if user.get(key):
        return Configured(user[key], f"{key} in {user_file}")
    if user.get("INTERPRETER"):
        return Configured(user["INTERPRETER"], f"INTERPRETER in {user_file}")
    default = "pythonw" if machine.platform == "win32" else "python"
    return Configured(default, f"xlwings' default ({default!r}, whatever is first on PATH), since nothing names one")


def _resolve(machine: Machine, configured: Configured) -> str | None:
    text = configured.path.strip().strip('"')
    if text in ("python", "pythonw"):
        return machine.which(text) or (machine.which("python") if text == "pythonw" else None)
    return text if Path(text).is_file() else None


def _probe_executable(machine: Machine, path: str) -> str:
    """pythonw.exe has no console to print to: probe with python.exe beside it when there is one."""
    if machine.platform == "win32" and Path(path).name.lower() == "pythonw.exe":
        console = Path(path).with_name("python.exe")
        if console.is_file():
            return str(console)
    return path


def probe(machine: Machine, python: str, paths: list[str]) -> dict | str:
    """What that Python imports (a dict), or why it could not be asked (a str)."""
    try:
        # run from the interpreter's folder, as xlwings' VBA does on Windows (and so not from wherever we were started)
        done = machine.run([python, "-B", "-c", PROBE, *paths], capture_output=True, text=True, timeout=120,
                           stdin=subprocess.DEVNULL, cwd=str(Path(python).parent))
    except (OSError, subprocess.SubprocessError) as exc:
        return f"{type(exc).__name__}: {exc}"
    for line in (done.stdout or "").splitlines():
        if line.startswith("TIERPLAN-PROBE "):
            return json.loads(line[len("TIERPLAN-PROBE "):])
    tail = " ".join((done.stderr or "").strip().splitlines()[-2:])
    return f"it did not run (exit code {done.returncode}{': ' + tail if tail else ''})"


# ------------------------------------------------------------------ where the book is


def synced_folders(machine: Machine) -> list[tuple[Path, str]]:
    """Folders OneDrive or SharePoint keep in sync on this machine, with what syncs them."""
    found: list[tuple[Path, str]] = []
    for name in ONEDRIVE_ENV:
        if machine.env.get(name):
            found.append((Path(machine.env[name]), name))
    reg = machine.winreg()
    if machine.platform == "win32" and reg is not None:
        try:
            with reg.OpenKey(reg.HKEY_CURRENT_USER, ONEDRIVE_PROVIDERS) as providers:
                i = 0
                while True:
                    try:
                        sub = reg.EnumKey(providers, i)
                    except OSError:
                        break
                    i += 1
                    try:
                        with reg.OpenKey(providers, sub) as key:
                            mount, _ = reg.QueryValueEx(key, "MountPoint")
                            try:
                                url, _ = reg.QueryValueEx(key, "UrlNamespace")
                            except OSError:
                                url = ""
                    except OSError:
                        continue
                    found.append((Path(str(mount)), f"OneDrive/SharePoint sync of {url}" if url else "OneDrive"))
        except OSError:
            pass
    if machine.platform == "darwin":
        cloud = machine.home / "Library" / "CloudStorage"
        if cloud.is_dir():
            for entry in sorted(cloud.iterdir()):
                if entry.name.startswith("OneDrive"):
                    found.append((entry, entry.name))
    return found


def _inside(path: Path, folder: Path, windows: bool) -> bool:
    if windows:
        p, f = PureWindowsPath(str(path)), PureWindowsPath(str(folder))
        return str(p).lower() == str(f).lower() or str(p).lower().startswith(str(f).lower().rstrip("\\") + "\\")
    try:
        path.resolve().relative_to(folder.resolve())
        return True
    except ValueError:
        return False


def downloaded_zone(book: Path) -> int | None:
    """Windows' mark of the web: the ZoneId of the file's Zone.Identifier stream (3 = internet), None without one."""
    try:
        with open(f"{book}:Zone.Identifier", encoding="utf-8", errors="replace") as fh:
            text = fh.read()
    except OSError:
        return None
    for line in text.splitlines():
        if line.strip().lower().startswith("zoneid="):
            try:
                return int(line.split("=", 1)[1].strip())
            except ValueError:
                return None
    return None


def location_findings(machine: Machine, facts: BookFacts) -> list[Finding]:
    local = "copy the workbook and tierplan_buttons.py into a local folder (e.g. Documents\\TierPlan outside OneDrive) and open it from there"
    if facts.is_url:
        return [Finding("location", False, f"{facts.text} is a web address (a workbook opened from OneDrive, SharePoint or Teams in the browser)",
                        "download it, or open the synced copy in desktop Excel (File > Info > Open file location); " + local)]
    text = str(facts.path)
    windows = machine.platform == "win32"
    out = []
    if windows and (text.startswith("\\\\") or text.startswith("//")):
        out.append(Finding("location", False, f"{text} is on a network share: Excel blocks macros from shares it does not trust, and Python then runs from the share",
                           local + "; or ask IT to add the share to Excel's Trusted Locations"))
    for folder, what in synced_folders(machine):
        if _inside(facts.path, folder, windows):
            out.append(Finding("location", False, f"{text} is in a folder {what} syncs ({folder}): with AutoSave on, Excel names the workbook by its web address and xlwings has to guess the folder",
                               local + "; or turn AutoSave off for it"))
            break
    if windows:
        zone = downloaded_zone(facts.path)
        if zone is not None and zone >= 3:
            out.append(Finding("macros", False, f"{facts.path.name} is marked as downloaded from the internet (ZoneId={zone}): Windows blocks its macros, so the buttons do nothing",
                               f"right-click it > Properties > tick Unblock > OK (or in PowerShell: Unblock-File '{facts.path}')"))
    if not out:
        out.append(Finding("location", True, f"{facts.path.parent} is a local folder"))
    return out


# ------------------------------------------------------------------ all checks


def _setup_hint(machine: Machine) -> str:
    return f"run {SETUP.get(machine.platform, 'the set-up script')} (docs/excel.md, 'Set-up')"


def diagnose(book: str | Path | None = None, machine: Machine | None = None) -> list[Finding]:
    machine = machine or Machine()
    findings: list[Finding] = []
    facts = read_book(str(book)) if book is not None else None
    if machine.platform not in ("win32", "darwin"):
        findings.append(Finding("excel", False, f"this machine is {machine.platform}: desktop Excel, which runs the buttons, exists for Windows and macOS only",
                                "run the doctor on the Excel machine; here, `tierplan plan BOOK --write-back` puts the results into the workbook"))
    if facts is not None:
        findings += _book_findings(machine, facts)
    configured = configured_interpreter(machine, facts)
    resolved = _resolve(machine, configured)
    if resolved is None:
        findings.append(Finding("interpreter", False, f"{configured.path} ({configured.source}) was not found",
                                _setup_hint(machine) + ", or rebuild the workbook with `tierplan excel NEW.xlsm --from BOOK --interpreter <python>`"))
        findings += _pdf_findings(machine, None)
        return findings
    findings.append(Finding("interpreter", True, f"{resolved} ({configured.source})"))
    paths = []
    if facts is not None and not facts.is_url:
        paths.append(str(facts.path.parent.resolve()))
        if facts.settings.get("PYTHONPATH"):
            paths += [p for p in facts.settings["PYTHONPATH"].split(";") if p]
    result = probe(machine, _probe_executable(machine, resolved), paths)
    if isinstance(result, str):
        findings.append(Finding("python", False, f"{resolved} could not be asked what it has: {result}", _setup_hint(machine)))
        findings += _pdf_findings(machine, None)
        return findings
    findings += probe_findings(machine, result, facts)
    findings += _pdf_findings(machine, result)
    return findings


def _book_findings(machine: Machine, facts: BookFacts) -> list[Finding]:
    out: list[Finding] = []
    if not facts.is_url:
        if not facts.exists:
            return [Finding("workbook", False, f"{facts.path} does not exist", "give the path of the .xlsm that has the buttons")]
        if facts.error or not facts.has_vba:
            return [Finding("workbook", False, f"{facts.path} is not a macro workbook built by `tierplan excel` ({facts.error or 'no VBA project'})",
                            "build one: `tierplan excel tier_planner.xlsm --from " + facts.path.name + "`")]
        out.append(Finding("workbook", True, f"{facts.path.name}: VBA of xlwings {facts.vba_version or '(version not found)'}"))
        module = facts.path.with_name(conf.BUTTON_MODULE + ".py")
        if module.is_file():
            out.append(Finding("button module", True, f"{module.name} is beside the workbook"))
        else:
            copies = sorted(p.name for p in facts.path.parent.glob(conf.BUTTON_MODULE + "*.py"))
            fix = (f"rename {copies[0]} to {module.name}" if copies else
                   f"put {module.name} (written by `tierplan excel` with the workbook) in {facts.path.parent}")
            out.append(Finding("button module", False, f"{module.name} is not beside the workbook, so the buttons cannot import it", fix))
    out += location_findings(machine, facts)
    return out


def probe_findings(machine: Machine, result: dict, facts: BookFacts | None) -> list[Finding]:
    out: list[Finding] = []
    version = tuple(result.get("python", ()))
    shown = ".".join(map(str, version))
    if version[:2] == WANT_PYTHON:
        out.append(Finding("python", True, f"Python {shown}"))
    else:
        out.append(Finding("python", False, f"the interpreter is Python {shown}; TierPlan's locked install is made and tested for Python 3.11",
                           "install Python 3.11 and " + _setup_hint(machine)))
    ok, value = result.get("tierplan", [False, "not asked"])
    out.append(Finding("tierplan", True, f"TierPlan {value}") if ok else
               Finding("tierplan", False, f"that Python cannot import TierPlan ({value})", "install TierPlan into it: " + _setup_hint(machine)))
    xl_ok, xl_version = result.get("xlwings", [False, "not asked"])
    if not xl_ok:
        out.append(Finding("xlwings", False, f"that Python cannot import xlwings ({xl_version})", "install TierPlan with its locked packages: " + _setup_hint(machine)))
    elif facts is not None and facts.vba_version and xl_version != facts.vba_version:
        out.append(Finding("xlwings", False, f"that Python has xlwings {xl_version}, the workbook's VBA is xlwings {facts.vba_version}",
                           f"rebuild the workbook with that Python (`tierplan excel NEW.xlsm --from {facts.path.name}`), or install xlwings=={facts.vba_version} into it"))
    else:
        out.append(Finding("xlwings", True, f"xlwings {xl_version}" + (" (the workbook's version)" if facts is not None and facts.vba_version else "")))
    if machine.platform == "darwin" and xl_ok:
        wanted = facts.vba_version if facts is not None and facts.vba_version else xl_version
        script = machine.home / "Library" / "Application Scripts" / "com.microsoft.Excel" / f"xlwings-{wanted}.applescript"
        out.append(Finding("runpython", True, f"{script.name} is installed") if script.is_file() else
                   Finding("runpython", False, f"{script} is missing: Excel cannot start Python without it",
                           "run `xlwings runpython install` with that Python (e.g. .venv/bin/xlwings runpython install)"))
    if facts is not None and not facts.is_url and facts.path.with_name(conf.BUTTON_MODULE + ".py").is_file():
        b_ok, where = result.get("buttons", [False, "not asked"])
        expected = facts.path.with_name(conf.BUTTON_MODULE + ".py").resolve()
        if b_ok and Path(where).resolve() == expected:
            out.append(Finding("button module", True, f"that Python imports {conf.BUTTON_MODULE} from the workbook's folder"))
        elif b_ok:
            out.append(Finding("button module", False, f"that Python imports {conf.BUTTON_MODULE} from {where}, not from the workbook's folder",
                               f"remove or rename {where}"))
        else:
            out.append(Finding("button module", False, f"that Python cannot import {conf.BUTTON_MODULE} ({where})",
                               "rebuild the workbook with `tierplan excel` so the file is current"))
    return out


def _pdf_findings(machine: Machine, result: dict | None) -> list[Finding]:
    from planner.report.pdf_chromium import find_browser

    weasy_ok, weasy = (result or {}).get("weasyprint", [False, "the interpreter was not asked"])
    if weasy_ok:
        return [Finding("pdf", True, f"WeasyPrint {weasy} prints the PDF")]
    browser = find_browser(machine.platform, machine.env, registry=machine.winreg(), app_dirs=machine.app_dirs, which=machine.which)
    if browser is not None:
        return [Finding("pdf", True, f"{browser.name} prints the PDF ({browser.path}); WeasyPrint cannot load here")]
    return [Finding("pdf", False, f"no PDF engine: WeasyPrint cannot load ({weasy}) and no Edge, Chrome or Chromium was found",
                    "install Microsoft Edge or Google Chrome (or set TIERPLAN_BROWSER to a browser's path); the HTML report is written meanwhile")]


# ------------------------------------------------------------------ words


def finding_lines(findings: list[Finding]) -> list[str]:
    """One line per check: 'ok   check: what was found' or 'FIX  check: what is wrong -> what to do'."""
    lines = []
    for f in findings:
        lines.append(f"ok   {f.check}: {f.detail}" if f.ok else f"FIX  {f.check}: {f.detail} -> {f.fix}")
    problems = sum(1 for f in findings if not f.ok)
    lines.append("All set: the buttons have what they need." if not problems else
                 f"{problems} thing{'s' if problems != 1 else ''} to fix before the buttons work.")
    return lines
