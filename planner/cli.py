"""The ``tierplan`` command line: a thin adapter over the core.

Every command reads the workbook through the reader, calls the same core
functions the Excel button calls, and writes through the writers.

Exit codes (README, "Exit codes"): 0 the plan fits; 3 the inputs are valid
but no plan fits the budget or the requirements (the files are still
written and say what must give); 2 bad input or a refused action, one line
per problem on stderr; 1 an error of ours, with its traceback.

Standard output carries results only: progress goes to stderr and vanishes
when done, messages go to stderr, and with ``--json`` stdout holds exactly
one JSON document (anything a library prints meanwhile is sent to stderr).

This module is the ``tierplan`` group and its entry point; the commands are in
planner/commands/, by what they do, and what they share is planner/commands/shared.py.
"""

from __future__ import annotations

import sys

import click

import planner
from planner.commands import comparing, inputs, packs, planning, workbooks
from planner.commands.shared import EXIT_USER_ERROR, err_console
from planner.errors import UserInputError

CONTEXT = {"help_option_names": ["--help"], "max_content_width": 100}


@click.group(context_settings=CONTEXT)
@click.version_option(planner.__version__, "--version", prog_name="tierplan", message="%(prog)s %(version)s",
                      help="Show the version and exit.")
def app() -> None:
    """TierPlan: tier your accounts, price your CS services, and plan intervals and headcount under budget."""


for command in (
    workbooks.init, workbooks.demo, inputs.validate, inputs.value, inputs.segment, planning.optimize, planning.plan,
    comparing.compare, comparing.diff, packs.pilots, packs.review, workbooks.excel, workbooks.doctor, inputs.helpdesk,
):
    app.add_command(command)


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``tierplan`` console script and ``python -m planner``.

    Typer/Click handle usage errors themselves (exit 2 with a usage line);
    user mistakes found in the inputs arrive here as UserInputError. Anything
    else is an error of ours: Python prints its traceback and exits 1.
    """
    try:
        app.main(args=argv, prog_name="tierplan")
    except UserInputError as exc:
        for p in exc.problems:
            err_console.print(str(p), markup=False)
        sys.exit(EXIT_USER_ERROR)
