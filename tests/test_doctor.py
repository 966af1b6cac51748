"""`tierplan doctor` on good and broken set-ups.

The interpreters are real (this test venv, and a bare venv without TierPlan), the workbooks are built by
`tierplan excel`, the probe really runs. What only Windows or macOS has comes in through doctor.Machine:
the platform's name, a home folder, environment variables, a registry (tests/fake_winreg.py, winreg's
API), application folders. A Windows "alternate data stream" Zone.Identifier is a file named
"BOOK:Zone.Identifier" here, which is the name Windows opens it by.
"""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path

import fake_winreg
import pytest
from click.testing import CliRunner

from planner import cli
from planner.excel import doctor, vba
from planner.excel.build import build_macro_workbook
from planner.excel.doctor import BookFacts, Finding, Machine, diagnose, finding_lines, location_findings, probe_findings
from planner.report.pdf_chromium import APP_PATHS

PY = sys.executable
XLWINGS = __import__("xlwings").__version__


@pytest.fixture(scope="module")
def small_source(tmp_path_factory) -> Path:
    from planner.workbook.demo import demo_content
    from planner.workbook.template import write_workbook

    return write_workbook(tmp_path_factory.mktemp("src") / "plan.xlsx", demo_content(n_accounts=30, seed=3))


@pytest.fixture(scope="module")
def bare_python(tmp_path_factory) -> str:
    """A Python without TierPlan, xlwings or WeasyPrint (a fresh venv)."""
    folder = tmp_path_factory.mktemp("bare")
    subprocess.run([PY, "-m", "venv", "--without-pip", str(folder / "venv")], check=True)
    return str(folder / "venv" / "bin" / "python")


def _book(folder: Path, source: Path, interpreter: str | None = PY, name: str = "tier_planner.xlsm") -> Path:
    xlsm, _ = build_macro_workbook(folder / name, source=source, interpreter=interpreter)
    return xlsm


def mac(tmp_path: Path, applescript: bool = True, **kw) -> Machine:
    home = tmp_path / "home"
    if applescript:
        script = home / "Library" / "Application Scripts" / "com.microsoft.Excel" / f"xlwings-{XLWINGS}.applescript"
        script.parent.mkdir(parents=True, exist_ok=True)
        script.write_text("-- installed by xlwings runpython install")
    return Machine(platform="darwin", env=kw.pop("env", {}), home=home, app_dirs=kw.pop("app_dirs", []), **kw)


def windows(tmp_path: Path, registry=None, env=None, **kw) -> Machine:
    return Machine(platform="win32", env=env or {}, home=tmp_path / "home", registry=registry or fake_winreg.Registry(), **kw)


def problems(findings: list[Finding]) -> dict[str, Finding]:
    return {f.check: f for f in findings if not f.ok}


# ------------------------------------------------------------------ all is well


def test_a_good_mac_set_up_has_nothing_to_fix_and_exits_0(tmp_path, small_source, monkeypatch):
    book = _book(tmp_path / "Documents", small_source)
    machine = mac(tmp_path)
    findings = diagnose(book, machine)
    assert problems(findings) == {}
    checks = [f.check for f in findings]
    assert checks == ["workbook", "button module", "location", "interpreter", "python", "tierplan", "xlwings", "runpython",
                      "button module", "pdf"]
    details = {f.check: f.detail for f in findings}
    assert details["interpreter"] == f"{PY} (Interpreter_Mac in the workbook's xlwings.conf sheet)"
    assert details["xlwings"] == f"xlwings {XLWINGS} (the workbook's version)"
    assert details["workbook"] == f"tier_planner.xlsm: VBA of xlwings {XLWINGS}"
    assert details["pdf"].startswith("WeasyPrint ")
    monkeypatch.setattr(doctor, "Machine", lambda: machine)
    result = CliRunner().invoke(cli.app, ["doctor", str(book)])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == "All set: the buttons have what they need."
    assert all(line.startswith("ok   ") for line in result.output.splitlines()[:-1])


def test_a_good_windows_set_up_takes_the_interpreter_from_the_users_xlwings_conf(tmp_path, small_source):
    """Built on Linux without --interpreter: the sheet names none, so xlwings (and the doctor) read the user's file."""
    book = _book(tmp_path / "Desktop", small_source, interpreter=None)
    machine = windows(tmp_path)
    conf_file = machine.home / ".xlwings" / "xlwings.conf"
    conf_file.parent.mkdir(parents=True)
    conf_file.write_text(f'"INTERPRETER_WIN","{PY}"\n"USE UDF SERVER","False"\n')
    findings = diagnose(book, machine)
    assert problems(findings) == {}
    interpreter = next(f for f in findings if f.check == "interpreter")
    assert interpreter.detail == f"{PY} (INTERPRETER_WIN in {conf_file})"


# ------------------------------------------------------------------ broken set-ups, one at a time


def test_the_interpreter_the_sheet_names_is_not_there(tmp_path, small_source):
    missing = r"C:\Users\cs\tierplan\.venv\Scripts\pythonw.exe"
    book = _book(tmp_path, small_source, interpreter=missing)
    found = problems(diagnose(book, windows(tmp_path)))
    assert found["interpreter"].detail == f"{missing} (Interpreter_Win in the workbook's xlwings.conf sheet) was not found"
    assert found["interpreter"].fix.startswith(r"run scripts\setup-excel-windows.ps1")


def test_a_python_without_tierplan_xlwings_or_a_pdf_engine(tmp_path, small_source, bare_python):
    book = _book(tmp_path, small_source, interpreter=bare_python)
    found = problems(diagnose(book, mac(tmp_path)))
    assert found["tierplan"].detail == "that Python cannot import TierPlan (ModuleNotFoundError: No module named 'planner')"
    assert found["xlwings"].detail == "that Python cannot import xlwings (ModuleNotFoundError: No module named 'xlwings')"
    assert found["button module"].detail.startswith("that Python cannot import tierplan_buttons (ModuleNotFoundError")
    assert found["pdf"].detail.startswith("no PDF engine: WeasyPrint cannot load (ModuleNotFoundError: No module named 'weasyprint')")
    assert found["pdf"].fix.startswith("install Microsoft Edge or Google Chrome")
    assert "python" not in found  # the bare venv is Python 3.11 too


def test_the_pdf_engine_is_a_browser_when_weasyprint_cannot_load(tmp_path, small_source, bare_python):
    book = _book(tmp_path, small_source, interpreter=bare_python)
    apps = tmp_path / "Applications"
    chrome = apps / "Google Chrome.app" / "Contents" / "MacOS" / "Google Chrome"
    chrome.parent.mkdir(parents=True)
    chrome.write_text("")
    pdf = next(f for f in diagnose(book, mac(tmp_path, app_dirs=[apps])) if f.check == "pdf")
    assert pdf.ok and pdf.detail == f"Google Chrome prints the PDF ({chrome}); WeasyPrint cannot load here"
    reg = fake_winreg.Registry()
    edge = tmp_path / "Edge" / "msedge.exe"
    edge.parent.mkdir()
    edge.write_text("")
    reg.set(reg.HKEY_LOCAL_MACHINE, APP_PATHS + r"\msedge.exe", "", str(edge))
    book_win = _book(tmp_path / "w", small_source, interpreter=None)
    conf_file = tmp_path / "home" / ".xlwings" / "xlwings.conf"
    conf_file.parent.mkdir(parents=True)
    conf_file.write_text(f'"INTERPRETER_WIN","{bare_python}"\n')
    pdf = next(f for f in diagnose(book_win, windows(tmp_path, registry=reg)) if f.check == "pdf")
    assert pdf.ok and pdf.detail.startswith(f"Microsoft Edge prints the PDF ({edge})")


def _with_vba_version(book: Path, version: str) -> Path:
    """The same workbook as if it had been built with another xlwings (its VBA module declares that version)."""
    with zipfile.ZipFile(book) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    project = parts["xl/vbaProject.bin"]
    source = vba.module_source(project, "xlwings")
    patched = source.replace(f'XLWINGS_VERSION As String = "{XLWINGS}"', f'XLWINGS_VERSION As String = "{version}"')
    assert patched != source
    parts["xl/vbaProject.bin"] = vba.replace_module_source(project, "xlwings", patched)
    out = book.with_name("old_" + book.name)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return out


def test_a_workbook_built_with_another_xlwings(tmp_path, small_source):
    old = _with_vba_version(_book(tmp_path, small_source), "0.30.0")
    found = problems(diagnose(old, mac(tmp_path)))
    assert found["xlwings"].detail == f"that Python has xlwings {XLWINGS}, the workbook's VBA is xlwings 0.30.0"
    assert found["xlwings"].fix == f"rebuild the workbook with that Python (`tierplan excel NEW.xlsm --from {old.name}`), or install xlwings==0.30.0 into it"
    # and on a Mac the VBA calls the AppleScript of its own version, which `xlwings runpython install` did not install
    assert found["runpython"].detail.endswith("xlwings-0.30.0.applescript is missing: Excel cannot start Python without it")


def test_a_mac_without_xlwings_runpython_install(tmp_path, small_source):
    found = problems(diagnose(_book(tmp_path, small_source), mac(tmp_path, applescript=False)))
    assert list(found) == ["runpython"]
    assert found["runpython"].fix == "run `xlwings runpython install` with that Python (e.g. .venv/bin/xlwings runpython install)"


def test_the_python_file_is_not_beside_the_workbook(tmp_path, small_source):
    book = _book(tmp_path, small_source)
    (tmp_path / "tierplan_buttons.py").rename(tmp_path / "tierplan_buttons (1).py")  # downloaded twice
    found = problems(diagnose(book, mac(tmp_path)))
    assert found["button module"].detail == "tierplan_buttons.py is not beside the workbook, so the buttons cannot import it"
    assert found["button module"].fix == "rename tierplan_buttons (1).py to tierplan_buttons.py"


def test_a_downloaded_workbook_whose_macros_windows_blocks(tmp_path, small_source):
    book = _book(tmp_path / "Downloads", small_source, interpreter=None, name="tier_planner (1).xlsm")
    Path(f"{book}:Zone.Identifier").write_text("[ZoneTransfer]\r\nZoneId=3\r\nHostUrl=https://mail.example.com/\r\n")
    found = problems(diagnose(book, windows(tmp_path)))
    assert found["macros"].detail == "tier_planner (1).xlsm is marked as downloaded from the internet (ZoneId=3): Windows blocks its macros, so the buttons do nothing"
    assert f"Unblock-File '{book}'" in found["macros"].fix


def test_a_workbook_in_a_folder_onedrive_or_sharepoint_syncs(tmp_path, small_source):
    synced = tmp_path / "Acme" / "CS - Planning"
    book = _book(synced, small_source)
    reg = fake_winreg.Registry()
    base = doctor.ONEDRIVE_PROVIDERS + r"\63d95dea23614820b35cee35dd73d8c6+1"
    reg.set(reg.HKEY_CURRENT_USER, base, "MountPoint", str(synced))
    reg.set(reg.HKEY_CURRENT_USER, base, "UrlNamespace", "https://acme.sharepoint.com/sites/CS/Shared Documents/")
    reg.set(reg.HKEY_CURRENT_USER, doctor.ONEDRIVE_PROVIDERS + r"\personal", "MountPoint", str(tmp_path / "OneDrive - Acme"))
    found = problems(diagnose(book, windows(tmp_path, registry=reg)))
    assert found["location"].detail.startswith(
        f"{book} is in a folder OneDrive/SharePoint sync of https://acme.sharepoint.com/sites/CS/Shared Documents/ syncs ({synced})")
    # the OneDrive environment variable says the same on a machine without the registry entries
    found = problems(diagnose(book, windows(tmp_path, env={"OneDriveCommercial": str(tmp_path / "Acme")})))
    assert "is in a folder OneDriveCommercial syncs" in found["location"].detail
    # on a Mac, OneDrive lives under ~/Library/CloudStorage
    cloud = tmp_path / "home" / "Library" / "CloudStorage" / "OneDrive-Acme"
    mac_book = _book(cloud / "CS", small_source)
    found = problems(diagnose(mac_book, mac(tmp_path)))
    assert f"is in a folder OneDrive-Acme syncs ({cloud})" in found["location"].detail


def test_a_web_address_and_a_network_share():
    url = "https://acme-my.sharepoint.com/personal/cs_acme_com/Documents/tier_planner.xlsm"
    found = problems(diagnose(url, Machine(platform="win32", env={}, registry=fake_winreg.Registry(), which=lambda n: None)))
    assert found["location"].detail.startswith(f"{url} is a web address")
    share = location_findings(Machine(platform="win32", env={}, registry=fake_winreg.Registry()),
                              BookFacts(Path(r"\\fileserver\finance\tier_planner.xlsm")))
    assert [f.ok for f in share] == [False]
    assert share[0].detail.startswith(r"\\fileserver\finance\tier_planner.xlsm is on a network share")


def test_the_python_version_must_be_the_locks():
    result = {"python": [3, 12, 4], "tierplan": [True, "0.1.0"], "xlwings": [True, XLWINGS], "weasyprint": [True, "70.0"],
              "buttons": [False, "not asked"]}
    found = problems(probe_findings(Machine(platform="win32", env={}), result, None))
    assert found["python"].detail == "the interpreter is Python 3.12.4; TierPlan's locked install is made and tested for Python 3.11"
    assert list(found) == ["python"]


def test_a_missing_workbook_and_a_plain_xlsx(tmp_path, small_source):
    found = problems(diagnose(tmp_path / "nope.xlsm", mac(tmp_path)))
    assert found["workbook"].detail == f"{tmp_path / 'nope.xlsm'} does not exist"
    found = problems(diagnose(small_source, mac(tmp_path)))
    assert found["workbook"].detail == f"{small_source} is not a macro workbook built by `tierplan excel` (no VBA project)"


def test_on_linux_the_doctor_says_excel_is_not_here_and_exits_2(tmp_path, small_source):
    book = _book(tmp_path, small_source)
    result = subprocess.run([str(Path(PY).with_name("tierplan")), "doctor", str(book)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    lines = result.stdout.splitlines()
    assert lines[0].startswith("FIX  excel: this machine is linux: desktop Excel, which runs the buttons, exists for Windows and macOS only -> ")
    assert all(re.match(r"^(ok   |FIX  )[a-z ]+: ", line) for line in lines[:-1])
    assert lines[-1] == "1 thing to fix before the buttons work."


def test_finding_lines_are_one_per_check():
    lines = finding_lines([Finding("python", True, "Python 3.11.9"), Finding("pdf", False, "no PDF engine", "install Edge")])
    assert lines == ["ok   python: Python 3.11.9", "FIX  pdf: no PDF engine -> install Edge", "1 thing to fix before the buttons work."]
