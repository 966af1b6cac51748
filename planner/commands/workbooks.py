"""Commands that make a workbook or check the set-up around one: init (the blank template), demo, excel (the macro
workbook with buttons) and doctor (what those buttons need on this machine). None of them overwrites a file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click

from planner.commands.shared import EXIT_USER_ERROR, console, path_argument, say
from planner.errors import UserInputError


@click.command(short_help="Write the blank planning template.")
@path_argument
def init(path: Path) -> None:
    """Write the blank planning template to PATH (.xlsx)."""
    from planner.workbook.template import write_template

    _write_new(path, write_template, "blank template")


@click.command(short_help="Write the demo workbook (2,000 accounts, benchmark costs).")
@path_argument
def demo(path: Path) -> None:
    """Write the demo workbook to PATH (.xlsx): 2,000 accounts, benchmark costs, a budget that binds."""
    from planner.workbook.demo import write_demo

    _write_new(path, write_demo, "demo workbook")


@click.command(short_help="Write a macro-enabled workbook with the Excel buttons.")
@path_argument
@click.option("--from", "source", metavar="BOOK", type=click.Path(path_type=Path), default=None,
              help="Workbook whose inputs to carry over (default: the demo).")
@click.option("--interpreter", metavar="EXE", default=None,
              help="Python the buttons start, written to the xlwings.conf sheet (default: this Python on Windows or macOS).")
def excel(path: Path, source: Path | None, interpreter: str | None) -> None:
    """Write a macro-enabled workbook to PATH (.xlsm) with "Run optimization", "Compare scenarios" and "Build report" buttons."""
    from planner.excel.build import build_macro_workbook
    from planner.excel.conf import interpreter_for

    _refuse_overwrite(path)
    written = build_macro_workbook(path, source=source, interpreter=interpreter)
    for p in written:
        console.print(f"Wrote {p}", markup=False)
    chosen = interpreter_for(interpreter)
    if chosen is None:
        say("The workbook names no Python for Excel (this machine is neither Windows nor macOS): on the Excel machine run "
             "scripts/setup-excel-windows.ps1 or scripts/setup-excel-macos.sh, or build with --interpreter PATH.")
    else:
        say(f"The buttons will start {chosen.path} ({chosen.key} in the xlwings.conf sheet); check the set-up with "
             f"`tierplan doctor {path}`.")


@click.command(short_help="Check everything the Excel buttons need on this machine.")
@click.argument("book", metavar="[BOOK]", required=False, default=None)
def doctor(book: str | None) -> None:
    """Check what the buttons of BOOK (a .xlsm built by `tierplan excel`) need: the Python it starts, TierPlan and
    xlwings in it, the versions, tierplan_buttons.py, where the workbook is, a PDF engine.

    One line per check; exit 0 when all is well, 2 when something needs fixing.
    """
    from planner.excel.doctor import diagnose, finding_lines

    findings = diagnose(book)
    for line in finding_lines(findings):
        console.print(line, markup=False)
    if any(not f.ok for f in findings):
        raise SystemExit(EXIT_USER_ERROR)


def _write_new(path: Path, write: Callable[[Path], object], what: str) -> None:
    """Write a new file with ``write``, refusing when PATH exists, and say so."""
    _refuse_overwrite(path)
    write(path)
    console.print(f"Wrote {what} {path}", markup=False)


def _refuse_overwrite(path: Path) -> None:
    if path.exists():
        raise UserInputError(f"{path} already exists; TierPlan does not overwrite your files (choose another name or remove it)")
