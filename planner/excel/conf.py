"""The xlwings settings of the macro workbook: the hidden ``xlwings.conf`` sheet, and where else xlwings looks.

xlwings' VBA (``GetConfig`` in its module) reads a setting from, in order:
the workbook's ``xlwings.conf`` sheet (keys in column A from A1 down to the
first blank cell, values in column B, keys compared in upper case), an
``xlwings.conf`` file beside the workbook, the user's file
(``%USERPROFILE%\\.xlwings\\xlwings.conf`` on Windows,
``~/Library/Containers/com.microsoft.Excel/Data/xlwings.conf`` on a Mac), and
the default. RunPython takes the interpreter from ``INTERPRETER_WIN`` or
``INTERPRETER_MAC`` (default: a bare ``python``, whichever that is) and adds
``PYTHONPATH`` to the Python path after the workbook's own folder.

``tierplan excel`` always writes the sheet: the interpreter (the one given
with ``--interpreter``, else the Python running the command when that runs on
Windows or macOS) and ``PYTHONPATH`` = the workbook's folder. A Linux path is
never written as a Mac or Windows interpreter: a sheet entry overrides the
user's own setting, so a wrong one would be worse than none.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath

from planner.errors import Problem, UserInputError

SHEET = "xlwings.conf"
WIN_KEY = "Interpreter_Win"
MAC_KEY = "Interpreter_Mac"
PATH_KEY = "PYTHONPATH"
#: The Python module the buttons import: a fixed name, so a workbook saved as "tier_planner (1).xlsm" still finds it.
BUTTON_MODULE = "tierplan_buttons"

_WINDOWS_PATH = re.compile(r"^(?:[A-Za-z]:[\\/]|\\\\)")


@dataclass(frozen=True)
class Interpreter:
    key: str  # WIN_KEY or MAC_KEY
    path: str


def interpreter_for(given: str | None, platform: str | None = None, executable: str | None = None) -> Interpreter | None:
    """The interpreter the sheet names: the one given, else this Python on Windows or macOS, else none (Linux)."""
    platform = platform or sys.platform
    if given is not None:
        text = given.strip().strip('"')
        if _WINDOWS_PATH.match(text) or text.lower().endswith(".exe"):
            if not PureWindowsPath(text).is_absolute():
                raise UserInputError(Problem("--interpreter", f"{given!r} is not a full path", r"e.g. C:\Users\you\tierplan\.venv\Scripts\pythonw.exe"))
            return Interpreter(WIN_KEY, text)
        if not PurePosixPath(text).is_absolute():
            raise UserInputError(Problem("--interpreter", f"{given!r} is not a full path", "e.g. /Users/you/tierplan/.venv/bin/python"))
        return Interpreter(MAC_KEY, text)
    exe = executable or sys.executable
    if platform == "win32":
        pythonw = Path(exe).with_name("pythonw.exe")  # no console window; xlwings' default is pythonw too
        return Interpreter(WIN_KEY, str(pythonw if pythonw.exists() else exe))
    if platform == "darwin":
        return Interpreter(MAC_KEY, exe)
    return None


def sheet_rows(interpreter: Interpreter | None, book_folder: Path) -> list[tuple[str, str]]:
    rows = [(interpreter.key, interpreter.path)] if interpreter else []
    rows.append((PATH_KEY, str(Path(book_folder).resolve())))
    return rows


def read_sheet(rows: list[list]) -> dict[str, str]:
    """Settings as xlwings reads them from the sheet's cells (A1 down to the first blank key; keys upper-cased)."""
    out: dict[str, str] = {}
    for row in rows:
        key = row[0] if row else None
        if key is None or str(key) == "":
            break
        value = row[1] if len(row) > 1 else None
        out.setdefault(str(key).upper(), "" if value is None else str(value))
    return out


def user_config_file(platform: str, home: Path) -> Path:
    if platform == "darwin":
        return home / "Library" / "Containers" / "com.microsoft.Excel" / "Data" / "xlwings.conf"
    return home / ".xlwings" / "xlwings.conf"


def read_config_file(path: Path) -> dict[str, str]:
    """An xlwings.conf file: one ``"KEY","value"`` per line (what the xlwings ribbon writes, VBA reads with ``Input #``)."""
    out: dict[str, str] = {}
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return out
    import csv

    for fields in csv.reader(text.splitlines(), skipinitialspace=True):  # VBA's Input #: comma-separated, quoted or not
        if len(fields) >= 2 and fields[0].strip():
            out.setdefault(fields[0].strip().upper(), fields[1].strip())
    return out
