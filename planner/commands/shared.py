"""What the tierplan commands share: the consoles, the arguments and options several commands take, and the exit codes.

Standard output carries results only: progress goes to stderr and vanishes
when done (:func:`progress`), messages go to stderr (:func:`say`), and with
``--json`` stdout holds exactly one JSON document (:func:`stdout_reserved`
sends anything a library prints meanwhile to stderr; :func:`print_json`).
The exit codes are the README's ("Exit codes").
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from rich.console import Console

EXIT_OK = 0
EXIT_OURS = 1
EXIT_USER_ERROR = 2
EXIT_NO_PLAN = 3

# piped or redirected output gets a wide fixed width so tables are never cut to 80 columns;
# no highlighting, so a cost is one colour, not one colour per digit group
console = Console(soft_wrap=True, width=None if sys.stdout.isatty() else 160, highlight=False)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)


book_argument = click.argument("book", metavar="BOOK", type=click.Path(path_type=Path))
path_argument = click.argument("path", metavar="PATH", type=click.Path(path_type=Path))
accounts_option = click.option("--accounts", metavar="FILE", type=click.Path(path_type=Path), default=None,
                               help="CSV or Parquet CRM export to use instead of the Accounts sheet.")
tickets_option = click.option("--tickets", metavar="FILE", type=click.Path(path_type=Path), default=None,
                              help="Helpdesk ticket export (CSV or Parquet) for the operating figures "
                                   "(default: the Operations sheet's Ticket export, if any).")
json_option = click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON document on stdout.")


page_size_option = click.option("--page-size", metavar="A4|Letter", default="A4", show_default=True, help="PDF page size.")
pdf_engine_option = click.option("--pdf-engine", "pdf_engine", metavar="weasyprint|chromium", default=None,
                                 help="PDF engine (default: WeasyPrint when it loads, else Edge, Chrome or Chromium headless).")


def out_option(what: str):
    return click.option("--out", metavar="DIR", type=click.Path(path_type=Path), default=Path("reports"), show_default=True,
                        help=f"Folder for {what} (created if missing).")


as_of_option = click.option("--as-of", "as_of", metavar="DATE", default=None,
                            help="Date the plan is as of, e.g. 2026-03-31 (default: the Finance sheet's As of; never today's date).")


def plan_options(command):
    """The options that change how a plan is computed (mode, solver, budget, time limit)."""
    for decorator in reversed((
        click.option("--mode", metavar="min_cost|max_value", default=None, help="Planning mode (default: the Finance sheet's)."),
        click.option("--solver", metavar="highs|cbc|scipy", default=None, help="Solver (default: the Finance sheet's)."),
        click.option("--budget", metavar="AMOUNT", type=float, default=None,
                     help="Annual budget to plan with instead of the Finance sheet's."),
        click.option("--time-limit", "time_limit", metavar="SECONDS", type=float, default=None,
                     help="Solver time limit (default: the Finance sheet's)."),
        click.option("--scenario", metavar="NAME", default=None, help="Plan this scenario of the Scenarios sheet instead of the baseline."),
        as_of_option,
    )):
        command = decorator(command)
    return command


def say(text: str) -> None:
    """A message for the person at the terminal (stderr, so stdout stays results only)."""
    err_console.print(text, markup=False)


@contextmanager
def stdout_reserved(active: bool) -> Iterator[None]:
    """While active, anything written to file descriptor 1 goes to stderr instead.

    ``--json`` promises one JSON document on stdout; a library that prints
    (a solver banner, a deprecation notice) must not break that promise.
    """
    if not active:
        yield
        return
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        os.dup2(2, 1)
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def print_json(document) -> None:
    sys.stdout.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def read_book(book: Path, accounts: Path | None, tickets: Path | None = None):
    from planner.workbook.reader import read_inputs

    return read_inputs(book, accounts=accounts, tickets=tickets)


@contextmanager
def progress(enabled: bool):
    """A progress line on stderr that disappears when the run ends (or fails), leaving no residue."""
    if not enabled or not sys.stderr.isatty():
        yield lambda name: None
        return
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=err_console, transient=True) as bar:
        task = bar.add_task("Reading workbook", total=None)
        yield lambda name: bar.update(task, description=name)
