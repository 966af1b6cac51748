"""The one-step set-up of the Excel machine: scripts/setup-excel-macos.sh run for real (on Linux it skips only the
AppleScript step), from a wheel built here; scripts/setup-excel-windows.ps1 (no PowerShell here) read for the same
steps in the same order."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel `python -m build --wheel` makes; built here with pip (same backend: the locked setuptools)."""
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "-w", str(out), str(ROOT)],
                   check=True, capture_output=True, timeout=600)
    (found,) = out.glob("tierplan-*.whl")
    return found


def test_the_wheel_carries_what_the_buttons_and_the_report_need(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for part in ("planner/excel/workbook_module.py", "planner/excel/doctor.py", "planner/report/report.css",
                 "planner/report/templates/report.html.j2", "planner/report/pdf_chromium.py", "planner/optimization/scipy_solve.py"):
        assert part in names, part
    metadata = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    assert "Requires-Dist: scipy>=1.15" in metadata and "Requires-Dist: xlwings>=0.31" in metadata


@pytest.mark.slow
def test_the_macos_script_makes_the_venv_from_the_lock_and_a_book_pointing_at_it(wheel, tmp_path):
    venv, book = tmp_path / "TierPlan" / ".venv", tmp_path / "TierPlan" / "tier_planner.xlsm"
    env = {**os.environ, "PYTHON": _base_python()}
    r = subprocess.run(["bash", str(ROOT / "scripts" / "setup-excel-macos.sh"), "--wheel", str(wheel), "--venv", str(venv),
                        "--book", str(book)], capture_output=True, text=True, timeout=1500, env=env, cwd=tmp_path)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    steps = re.findall(r"^==> (.*)$", r.stdout, flags=re.M)
    assert steps[1:] == [f"Creating the venv {venv}", f"Installing the locked packages ({ROOT / 'requirements' / 'product.lock'}, with hashes)",
                         f"Installing TierPlan from {wheel}", f"Writing the macro workbook {book}", "Checking the set-up (tierplan doctor)"]
    # the venv holds exactly the lock's versions, and TierPlan from the wheel (not this checkout)
    frozen = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "freeze", "--all"], capture_output=True, text=True, check=True).stdout
    lock = (ROOT / "requirements" / "product.lock").read_text()
    from packaging.markers import Marker

    pins = {name: version for name, version, marker in re.findall(r"^([A-Za-z0-9_.-]+)==([^\s;]+)(?: ; ([^\\\n]+))?", lock, flags=re.M)
            if not marker or Marker(marker.strip()).evaluate()}  # this platform's share of the universal lock
    assert len(pins) > 40
    installed = dict(re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)$", frozen, flags=re.M))
    norm = lambda n: re.sub(r"[-_.]+", "-", n).lower()
    installed = {norm(k): v for k, v in installed.items()}
    for name, version in pins.items():
        assert installed.get(norm(name)) == version, name
    where = subprocess.run([str(venv / "bin" / "python"), "-c", "import planner; print(planner.__file__)"], capture_output=True,
                           text=True, check=True, cwd=tmp_path).stdout.strip()
    assert where.startswith(str(venv))
    # the workbook's xlwings.conf sheet names that venv's Python, and its folder is on the PYTHONPATH
    wb = openpyxl.load_workbook(book, keep_vba=True)
    rows = [[c.value for c in row] for row in wb["xlwings.conf"].iter_rows(max_col=2)]
    assert rows == [["Interpreter_Mac", str(venv / "bin" / "python")], ["PYTHONPATH", str(book.parent)]]
    assert (book.parent / "tierplan_buttons.py").is_file()
    # the doctor ran with the new venv: everything but "no Excel on Linux" is fine
    assert "ok   tierplan: TierPlan" in r.stdout and "ok   xlwings: xlwings" in r.stdout
    assert r.stdout.count("FIX  ") == 1 and "FIX  excel: this machine is linux" in r.stdout
    # a second run keeps the workbook and the venv
    again = subprocess.run(["bash", str(ROOT / "scripts" / "setup-excel-macos.sh"), "--wheel", str(wheel), "--venv", str(venv),
                            "--book", str(book)], capture_output=True, text=True, timeout=1500, env=env, cwd=tmp_path)
    assert again.returncode == 0 and f"Keeping the existing workbook {book}" in again.stdout
    assert "Creating the venv" not in again.stdout


def _base_python() -> str:
    """A Python 3.11 that is not this test venv (the script makes its own venv from it)."""
    import sysconfig

    base = Path(sys.base_prefix) / "bin" / f"python{sysconfig.get_python_version()}"
    return str(base)


def test_a_python_other_than_3_11_is_refused_with_what_to_do(tmp_path):
    fake = tmp_path / "python3.12"
    fake.write_text("#!/bin/sh\nexit 1\n")  # answers 'no' to the version question, as a 3.12 would
    fake.chmod(0o755)
    r = subprocess.run(["bash", str(ROOT / "scripts" / "setup-excel-macos.sh"), "--venv", str(tmp_path / "v")],
                       capture_output=True, text=True, timeout=60, env={**os.environ, "PYTHON": str(fake)})
    assert r.returncode == 2
    assert "TierPlan's locked install needs Python 3.11" in r.stderr and "brew install python@3.11" in r.stderr
    assert not (tmp_path / "v").exists()


def test_the_windows_script_takes_the_same_steps():
    ps = (ROOT / "scripts" / "setup-excel-windows.ps1").read_text()
    sh = (ROOT / "scripts" / "setup-excel-macos.sh").read_text()
    for text in (ps, sh):
        assert "--require-hashes" in text and "--no-deps" in text and "--no-build-isolation" in text
        assert "pip" in text and "check" in text
    assert 'Join-Path $repo "requirements\\product.lock"' in ps
    assert '@("excel", $Book, "--interpreter", $venvPythonw)' in ps  # pythonw.exe: no console window
    assert 'Join-Path $Venv "Scripts\\pythonw.exe"' in ps
    order = [ps.index(s) for s in ('"-m", "venv"', '"--require-hashes"', 'Installing TierPlan from', '@("excel"', "doctor $Book")]
    assert order == sorted(order)
    assert ps.count("Run ") >= 6  # every native step checked for its exit code
