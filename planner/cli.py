"""The ``tierplan`` command line: a thin adapter over the core.

Every command reads the workbook through the reader, calls the same core
functions the Excel button calls, and writes through the writers. User
mistakes (UserInputError) print one line per problem and exit 2; anything
else is a bug of ours and keeps its traceback.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from planner.errors import UserInputError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="TierPlan: tier your accounts, price your CS services, and plan intervals and headcount under budget.",
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)
# piped or redirected output gets a wide fixed width so tables are never cut to 80 columns
console = Console(soft_wrap=True, width=None if sys.stdout.isatty() else 160)
err_console = Console(stderr=True)

EXIT_USER_ERROR = 2

BookArg = typer.Argument(..., help="Planning workbook (.xlsx or .xlsm).")
AccountsOpt = typer.Option(None, "--accounts", help="CSV or Parquet CRM export to use instead of the Accounts sheet.")


def _fail(problems) -> None:
    for p in problems:
        err_console.print(str(p), markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(EXIT_USER_ERROR)


def _read(book: Path, accounts: Optional[Path]):
    from planner.workbook.reader import read_inputs

    return read_inputs(book, accounts=accounts)


@app.command()
def init(path: Path = typer.Argument(..., help="Where to write the blank template (.xlsx).")) -> None:
    """Write the blank planning template."""
    from planner.workbook.template import write_template

    _refuse_overwrite(path)
    write_template(path)
    console.print(f"Wrote blank template {path}")


@app.command()
def demo(path: Path = typer.Argument(..., help="Where to write the demo workbook (.xlsx).")) -> None:
    """Write the demo workbook: 2,000 accounts, benchmark costs, a budget that binds."""
    from planner.workbook.demo import write_demo

    _refuse_overwrite(path)
    write_demo(path)
    console.print(f"Wrote demo workbook {path}")


@app.command()
def validate(book: Path = BookArg, accounts: Optional[Path] = AccountsOpt) -> None:
    """Check the workbook; exit 0 when clean, 2 with one line per problem otherwise."""
    inputs = _read(book, accounts)
    console.print(
        f"{book}: OK ({len(inputs.tiers)} tiers, {len(inputs.services)} services, "
        f"{len(inputs.roles)} roles, {len(inputs.accounts):,} accounts)"
    )
    _print_notes(inputs)


def _print_notes(inputs) -> None:
    """Things that did not stop the run but that the user should know (data gaps, unknown previous tiers)."""
    if inputs.notes:
        console.print(f"{len(inputs.notes)} note(s) on the data; the run goes on with the assumption stated:")
        for note in inputs.notes:
            console.print(f"  note: {note}", markup=False, highlight=False)


@app.command()
def value(
    book: Path = BookArg,
    accounts: Optional[Path] = AccountsOpt,
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """Cost per occurrence, annual cost and Assessed Service Value per service and tier."""
    from planner.valuation import valuation_report

    inputs = _read(book, accounts)
    report = valuation_report(inputs)
    if as_json:
        sys.stdout.write(json.dumps(report, indent=2, sort_keys=False) + "\n")
        return
    cur = report["currency"]
    t = Table(title=f"Service value per account ({cur}; value = cost x {report['value_multiplier']:.2f})")
    for h in ("Service", "Tier", "Role", "Per year", "Cost/occurrence", "Annual cost", "Assessed value"):
        t.add_column(h, justify="right" if h not in ("Service", "Tier", "Role") else "left")
    for r in report["services"]:
        t.add_row(r["service"], r["tier"], r["role"], f"{r['per_year']:g}", f"{r['cost_per_occurrence']:,.2f}",
                  f"{r['annual_cost_per_account']:,.2f}", f"{r['asv_per_account']:,.2f}")
    console.print(t)
    s = Table(title="Per tier (accounts by previous tier)")
    for h in ("Tier", "Accounts", "ARR", "Cost/account", "Cost to serve", "Assessed value", "CS cost % ARR"):
        s.add_column(h, justify="right" if h != "Tier" else "left")
    for r in report["tiers"]:
        share = r["cost_share_of_arr"]
        s.add_row(r["tier"], f"{r['accounts']:,}", f"{r['arr']:,.0f}", f"{r['annual_cost_per_account']:,.0f}",
                  f"{r['cost_to_serve']:,.0f}", f"{r['assessed_value']:,.0f}", "-" if share is None else f"{share:.1%}")
    tot = report["totals"]
    s.add_row("Total", f"{tot['accounts']:,}", f"{tot['arr']:,.0f}", "", f"{tot['cost_to_serve']:,.0f}",
              f"{tot['assessed_value']:,.0f}", "-" if tot["cost_share_of_arr"] is None else f"{tot['cost_share_of_arr']:.1%}")
    console.print(s)
    console.print(
        f"Services at negotiated intervals use {tot['budget_used_share']:.1%} of the {report['budget']:,.0f} {cur} budget: "
        "service time and direct costs only; `tierplan optimize` adds whole people, coverage ratios and support staffing."
    )


@app.command()
def segment(
    book: Path = BookArg,
    out: Path = typer.Option(Path("reports"), "--out", help="Folder for crm_tiers.csv and the results workbook."),
    accounts: Optional[Path] = AccountsOpt,
    as_json: bool = typer.Option(False, "--json", help="Also print the segmentation summary as JSON."),
) -> None:
    """Score every account on the four pillars and assign tiers with reasons."""
    from planner.pipeline import segment_and_write

    inputs = _read(book, accounts)
    summary = segment_and_write(inputs, out, protected=(book, accounts))
    if as_json:
        sys.stdout.write(json.dumps(summary, indent=2) + "\n")
    else:
        console.print(f"Tiered {summary['accounts']:,} accounts; wrote {', '.join(summary['files'])} in {out}")


@app.command()
def optimize(
    book: Path = BookArg,
    out: Path = typer.Option(Path("reports"), "--out", help="Folder for plan.json and the results workbook."),
    accounts: Optional[Path] = AccountsOpt,
    as_json: bool = typer.Option(False, "--json", help="Print the plan as JSON."),
    mode: Optional[str] = typer.Option(None, "--mode", help="min_cost or max_value (default: the Finance sheet's)."),
    solver: Optional[str] = typer.Option(None, "--solver", help="highs or cbc (default: the Finance sheet's)."),
    budget: Optional[float] = typer.Option(None, "--budget", help="Override the Finance sheet's annual budget."),
    time_limit: Optional[float] = typer.Option(None, "--time-limit", help="Solver time limit in seconds."),
) -> None:
    """Choose service intervals, headcount and support staffing per tier under the budget."""
    from planner.pipeline import PlanOptions, optimize_and_write

    inputs = _read(book, accounts)
    options = PlanOptions(mode=mode, solver=solver, budget=budget, time_limit=time_limit)
    result = optimize_and_write(inputs, out, options, protected=(book, accounts))
    if as_json:
        sys.stdout.write(json.dumps(result, indent=2) + "\n")
    else:
        _print_optimization(result)


@app.command()
def plan(
    book: Path = BookArg,
    out: Path = typer.Option(Path("reports"), "--out", help="Folder for the tier plan files."),
    accounts: Optional[Path] = AccountsOpt,
    formats: Optional[str] = typer.Option(None, "--format", help="Comma-separated subset of: html,pdf,xlsx,csv,json (default: all)."),
    mode: Optional[str] = typer.Option(None, "--mode", help="min_cost or max_value (default: the Finance sheet's)."),
    solver: Optional[str] = typer.Option(None, "--solver", help="highs or cbc (default: the Finance sheet's)."),
    budget: Optional[float] = typer.Option(None, "--budget", help="Override the Finance sheet's annual budget."),
    time_limit: Optional[float] = typer.Option(None, "--time-limit", help="Solver time limit in seconds."),
    page_size: str = typer.Option("A4", "--page-size", help="PDF page size: A4 or Letter."),
    write_back: bool = typer.Option(False, "--write-back", help="Also put the result sheets into BOOK itself (keeps a backup)."),
) -> None:
    """Run the whole plan: read, validate, value, segment, optimise, and write the reports."""
    from planner.pipeline import PlanOptions, run_plan_command

    options = PlanOptions(mode=mode, solver=solver, budget=budget, time_limit=time_limit, page_size=page_size)
    run_plan_command(book, out, accounts=accounts, options=options, formats=formats, write_back=write_back, console=console)


@app.command()
def excel(
    path: Path = typer.Argument(..., help="Where to write the macro-enabled workbook (.xlsm)."),
    source: Optional[Path] = typer.Option(None, "--from", help="Workbook whose inputs to carry over (default: the demo)."),
) -> None:
    """Write a macro-enabled workbook with "Run optimization" and "Build report" buttons."""
    from planner.excel.build import build_macro_workbook

    _refuse_overwrite(path)
    written = build_macro_workbook(path, source=source)
    for p in written:
        console.print(f"Wrote {p}")


def _refuse_overwrite(path: Path) -> None:
    if path.exists():
        raise UserInputError(f"{path} already exists; TierPlan does not overwrite your files (choose another name or remove it)")


def _print_optimization(result: dict) -> None:
    opt = result.get("optimization", result)
    console.print(f"Status: {opt.get('status')}  gap: {opt.get('gap')}  solver: {opt.get('solver')}")
    for key in ("total_cost", "budget", "value"):
        if opt.get(key) is not None:
            console.print(f"{key.replace('_', ' ').capitalize()}: {opt[key]:,.0f}")
    infeasible = opt.get("infeasibility") or {}
    if infeasible.get("summary"):
        console.print(infeasible["summary"], markup=False, highlight=False)


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``tierplan`` console script and ``python -m planner``.

    Typer/Click handle usage errors themselves (exit 2 with a usage line);
    user mistakes found in the inputs arrive here as UserInputError.
    """
    try:
        app(args=argv, prog_name="tierplan")
    except UserInputError as exc:
        for p in exc.problems:
            err_console.print(str(p), markup=False, highlight=False, soft_wrap=True)
        sys.exit(EXIT_USER_ERROR)
