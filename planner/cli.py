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
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

import planner
from planner.errors import UserInputError

EXIT_OK = 0
EXIT_OURS = 1
EXIT_USER_ERROR = 2
EXIT_NO_PLAN = 3

# piped or redirected output gets a wide fixed width so tables are never cut to 80 columns;
# no highlighting, so a cost is one colour, not one colour per digit group
console = Console(soft_wrap=True, width=None if sys.stdout.isatty() else 160, highlight=False)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)

CONTEXT = {"help_option_names": ["--help"], "max_content_width": 100}


@click.group(context_settings=CONTEXT)
@click.version_option(planner.__version__, "--version", prog_name="tierplan", message="%(prog)s %(version)s",
                      help="Show the version and exit.")
def app() -> None:
    """TierPlan: tier your accounts, price your CS services, and plan intervals and headcount under budget."""


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


def _say(text: str) -> None:
    """A message for the person at the terminal (stderr, so stdout stays results only)."""
    err_console.print(text, markup=False)


@contextmanager
def _stdout_reserved(active: bool) -> Iterator[None]:
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


def _print_json(document) -> None:
    sys.stdout.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def _read(book: Path, accounts: Path | None, tickets: Path | None = None):
    from planner.workbook.reader import read_inputs

    return read_inputs(book, accounts=accounts, tickets=tickets)


@app.command(short_help="Write the blank planning template.")
@path_argument
def init(path: Path) -> None:
    """Write the blank planning template to PATH (.xlsx)."""
    from planner.workbook.template import write_template

    _refuse_overwrite(path)
    write_template(path)
    console.print(f"Wrote blank template {path}", markup=False)


@app.command(short_help="Write the demo workbook (2,000 accounts, benchmark costs).")
@path_argument
def demo(path: Path) -> None:
    """Write the demo workbook to PATH (.xlsx): 2,000 accounts, benchmark costs, a budget that binds."""
    from planner.workbook.demo import write_demo

    _refuse_overwrite(path)
    write_demo(path)
    console.print(f"Wrote demo workbook {path}", markup=False)


@app.command(short_help="Check a workbook; one line per problem.")
@book_argument
@accounts_option
@tickets_option
@json_option
def validate(book: Path, accounts: Path | None, tickets: Path | None, as_json: bool) -> None:
    """Check the planning workbook BOOK (.xlsx or .xlsm).

    Exit 0 when clean, 2 with one line per problem (Sheet!Cell: what is wrong) otherwise.
    """
    if as_json:
        try:
            with _stdout_reserved(True):
                inputs = _read(book, accounts, tickets)
        except UserInputError as exc:
            _print_json({"ok": False, "problems": [_problem_json(p) for p in exc.problems]})
            raise SystemExit(EXIT_USER_ERROR) from None
        _print_json({
            "ok": True,
            "tiers": len(inputs.tiers), "services": len(inputs.services), "roles": len(inputs.roles),
            "accounts": len(inputs.accounts), "tickets": None if inputs.tickets is None else len(inputs.tickets),
            "pilots": len(inputs.pilots), "notes": [_problem_json(p) for p in inputs.notes],
            "warnings": [_warning_json(w) for w in inputs.warnings],
        })
        return
    inputs = _read(book, accounts, tickets)
    extra = "" if inputs.tickets is None else f", {len(inputs.tickets):,} tickets"
    extra += f", {len(inputs.pilots)} pilot{'s' if len(inputs.pilots) != 1 else ''}" if inputs.pilots else ""
    console.print(
        f"{book}: OK ({len(inputs.tiers)} tiers, {len(inputs.services)} services, "
        f"{len(inputs.roles)} roles, {len(inputs.accounts):,} accounts{extra})",
        markup=False,
    )
    _print_warnings(inputs)
    _print_notes(inputs)


def _problem_json(p) -> dict:
    return {"where": p.where, "message": p.message, "expected": p.expected, "text": str(p)}


def _warning_json(w) -> dict:
    return {**_problem_json(w), "kind": w.kind, "cells": list(w.cells)}


def _print_warnings(inputs) -> None:
    """Valid input that will not do what the negotiation means (planner.validation): one line each, with its cells."""
    if inputs.warnings:
        console.print(f"{len(inputs.warnings)} warning(s): the plan runs, but check these before relying on it:", markup=False)
        for w in inputs.warnings:
            console.print(f"  warning: {w}", markup=False)


def _print_notes(inputs) -> None:
    """Things that did not stop the run but that the user should know (data gaps, unknown previous tiers)."""
    if inputs.notes:
        console.print(f"{len(inputs.notes)} note(s) on the data; the run goes on with the assumption stated:", markup=False)
        for note in inputs.notes:
            console.print(f"  note: {note}", markup=False)


@app.command(short_help="Cost and Assessed Service Value per service and tier.")
@book_argument
@accounts_option
@json_option
def value(book: Path, accounts: Path | None, as_json: bool) -> None:
    """Cost per occurrence, annual cost and Assessed Service Value per service and tier of BOOK."""
    from planner.report.format import of_budget
    from planner.writers.plan_json import valuation_report

    with _stdout_reserved(as_json):
        inputs = _read(book, accounts)
        report = valuation_report(inputs)
    if as_json:
        _print_json(report)
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
        f"Services at negotiated intervals use {of_budget(tot['budget_used_share'])} ({report['budget']:,.0f} {cur}): "
        "service time and direct costs only; `tierplan optimize` adds whole people, coverage ratios and support staffing.",
        markup=False,
    )


@app.command(short_help="Tier every account on the four pillars, with reasons.")
@book_argument
@out_option("crm_tiers.csv and the results workbook")
@accounts_option
@json_option
def segment(book: Path, out: Path, accounts: Path | None, as_json: bool) -> None:
    """Score every account of BOOK on the four pillars and assign tiers with reasons."""
    from planner.pipeline import segment_and_write

    with _stdout_reserved(as_json):
        inputs = _read(book, accounts)
        summary = segment_and_write(inputs, out, protected=(book, accounts))
    if as_json:
        _print_json(summary)
    else:
        console.print(f"Tiered {summary['accounts']:,} accounts; wrote {', '.join(summary['files'])} in {out}", markup=False)


@app.command(short_help="Optimise intervals, headcount and support under the budget.")
@book_argument
@out_option("plan.json and the results workbook")
@accounts_option
@tickets_option
@json_option
@plan_options
def optimize(book: Path, out: Path, accounts: Path | None, tickets: Path | None, as_json: bool, mode: str | None,
             solver: str | None, budget: float | None, time_limit: float | None, scenario: str | None, as_of: str | None) -> None:
    """Choose service intervals, headcount and support staffing per tier of BOOK under the budget.

    Exit 0 when the plan fits, 3 when no plan fits the budget and the requirements.
    """
    from planner.options import PlanOptions, check_as_of
    from planner.pipeline import build_plan, guard_outputs, write_outputs

    options = PlanOptions(mode=mode, solver=solver, budget=budget, time_limit=time_limit, scenario=scenario,
                          as_of=check_as_of(as_of)).check()
    guard_outputs(out, (book, accounts, tickets), ("json", "xlsx"))
    with _stdout_reserved(as_json), _progress(enabled=not as_json) as step:
        inputs = _read(book, accounts, tickets)
        plan = build_plan(inputs, options, progress=step)
        written = write_outputs(plan, out, ("json", "xlsx"), progress=step, warn=_say)
    if as_json:
        _print_json(plan.to_dict())
    else:
        _print_plan_summary(plan, written)
    _exit_for(plan)


@app.command(short_help="The whole plan and the tier-plan report.")
@book_argument
@out_option("the tier plan files")
@accounts_option
@tickets_option
@click.option("--format", "formats", metavar="LIST", default=None,
              help="Comma-separated subset of html,pdf,xlsx,csv,json (default: all).")
@plan_options
@page_size_option
@pdf_engine_option
@click.option("--write-back", is_flag=True, help="Also put the result sheets into BOOK itself (keeps a backup).")
@click.option("--json", "as_json", is_flag=True,
              help="Print the run's outcome (summary, files written) as one JSON document on stdout.")
def plan(book: Path, out: Path, accounts: Path | None, tickets: Path | None, formats: str | None, mode: str | None,
         solver: str | None, budget: float | None, time_limit: float | None, scenario: str | None, as_of: str | None,
         page_size: str, pdf_engine: str | None,
         write_back: bool, as_json: bool) -> None:
    """Run the whole plan on BOOK: read, validate, value, segment, optimise, and write the reports.

    Exit 0 when the plan fits; 3 when no plan fits the budget and the requirements
    (the report is still written and says what must give).
    """
    from planner.options import PlanOptions, check_as_of
    from planner.pipeline import build_plan, guard_outputs, parse_formats, pdf_worker, write_outputs
    from planner.report.pdf_chromium import check_engine

    chosen = parse_formats(formats)
    pdf_engine = check_engine(pdf_engine)
    options = PlanOptions(mode=mode, solver=solver, budget=budget, time_limit=time_limit, page_size=page_size, scenario=scenario,
                          as_of=check_as_of(as_of)).check()
    guard_outputs(out, (book, accounts, tickets), chosen)
    read_as = None
    if write_back:
        from planner.writers.writeback import book_stamp, check_writable

        check_writable(book)
        read_as = book_stamp(book)  # write-back refuses if the workbook is saved while the plan runs
    back = None
    with pdf_worker(chosen) or nullcontext() as worker, _stdout_reserved(as_json), _progress(enabled=not as_json) as step:
        inputs = _read(book, accounts, tickets)  # the worker imports the PDF engine meanwhile
        the_plan = build_plan(inputs, options, progress=step)
        written = write_outputs(the_plan, out, chosen, progress=step, pdf_engine=pdf_engine, warn=_say, pdf_worker=worker)
        if write_back:
            from planner.pipeline import write_back_results

            step("Writing results into the workbook")
            back = write_back_results(the_plan, book, out, read_as=read_as)
            written.append(Path(book))
    if as_json:
        document = {"summary": the_plan.to_dict()["summary"], "exit_code": _exit_code(the_plan),
                    "files": [str(p) for p in written], "notes": len(the_plan.inputs.notes),
                    "warnings": len(the_plan.inputs.warnings)}
        if back is not None:
            document["write_back"] = {"added": list(back.added), "replaced": list(back.replaced), "backup": str(back.backup)}
        _print_json(document)
    else:
        if back is not None:
            if back.added:
                console.print(f"Added result sheets to {book}: {', '.join(back.added)}", markup=False)
            if back.replaced:
                console.print(f"Replaced result sheets of an earlier run in {book}: {', '.join(back.replaced)}", markup=False)
            console.print(f"Backup of your workbook before write-back: {back.backup}", markup=False)
        _print_plan_summary(the_plan, written)
    _exit_for(the_plan)


@app.command(short_help="Plan every scenario of the Scenarios sheet side by side with the baseline.")
@book_argument
@click.option("--scenarios", "names", metavar="A,B,...", default=None,
              help="Comma-separated scenarios to compare (default: every scenario of the Scenarios sheet); the baseline comes first.")
@out_option("scenarios.html, scenarios.pdf, scenarios.xlsx and scenarios.json")
@accounts_option
@click.option("--format", "formats", metavar="LIST", default=None,
              help="Comma-separated subset of html,pdf,xlsx,json (default: all).")
@as_of_option
@page_size_option
@pdf_engine_option
@json_option
def compare(book: Path, names: str | None, out: Path, accounts: Path | None, formats: str | None, as_of: str | None,
            page_size: str, pdf_engine: str | None, as_json: bool) -> None:
    """Plan the baseline (BOOK as it stands) and every scenario of its Scenarios sheet, and compare them side by side:
    cost, budget used and fit, expected ARR impact, Assessed Service Value, people, the intervals that differ, support
    agents, the budget's shadow price, and what each scenario changes.
    """
    from planner.options import PlanOptions, check_as_of
    from planner.pipeline import guard_compare_outputs
    from planner.report.pdf_chromium import check_engine
    from planner.scenarios.compare import comparison
    from planner.scenarios.run import chosen_scenarios, plan_variants, scenario_variants
    from planner.writers.scenarios import comparison_json, parse_compare_formats, write_comparison

    chosen = parse_compare_formats(formats)
    pdf_engine = check_engine(pdf_engine)
    options = PlanOptions(as_of=check_as_of(as_of), page_size=page_size).check()
    guard_compare_outputs(out, (book, accounts), chosen)
    with _stdout_reserved(as_json), _progress(enabled=not as_json) as step:
        inputs = _read(book, accounts)
        scenarios = chosen_scenarios(inputs, names)
        if not scenarios:
            raise UserInputError(f"{book}: the Scenarios sheet lists no scenario to compare (add rows: Scenario, Sheet, the row, Changes, "
                                 "New value; see the Guide)")
        step("Segmenting the baseline")
        plans = plan_variants(scenario_variants(inputs, scenarios, options), progress=step)
        result = comparison(plans)
        written = write_comparison(result, out, chosen, page_size=options.page_size, pdf_engine=pdf_engine, warn=_say, progress=step)
    if as_json:
        _print_json(comparison_json(result))
        return
    _print_comparison(result)
    for path in written:
        console.print(f"Wrote {path}", markup=False)


def _print_comparison(result) -> None:
    """The comparison side by side on the terminal (the same figures as scenarios.html)."""
    from planner.report.scenarios import comparison_context

    ctx = comparison_context(result)
    for line in ctx["summaries"]:
        console.print("- " + line, markup=False)
    for t in ctx["tables"]:
        table = Table(title=t["caption"], title_justify="left")
        for col in t["columns"]:
            table.add_column(col["label"], justify="right" if col["num"] else "left")
        for r in t["rows"]:
            table.add_row(*r["cells"])
        console.print(table)


@app.command(short_help="What changed between two plans (plan.json files or workbooks), and why.")
@click.argument("old", metavar="OLD", type=click.Path(path_type=Path))
@click.argument("new", metavar="NEW", type=click.Path(path_type=Path))
@click.option("--out", metavar="DIR", type=click.Path(path_type=Path), default=None,
              help="Also write diff.html and diff.json into this folder (created if missing).")
@json_option
def diff(old: Path, new: Path, out: Path | None, as_json: bool) -> None:
    """Compare two plans, OLD and NEW: two plan.json files, or two workbooks (planned first).

    Says which input cells changed (Sheet!Cell, old and new), how the tiers moved (accounts per tier, cut-offs, accounts
    that changed tier) and what changed in the plan (people by role and tier, intervals, cost, value, fit), and puts each
    plan change down to the input change that alone explains it (re-solved with that change alone), or to several changes
    together.
    """
    from planner.pipeline import diff_versions
    from planner.writers.diff import diff_json, diff_lines, write_diff

    with _stdout_reserved(as_json), _progress(enabled=not as_json) as step:
        result = diff_versions(old, new, progress=step)
        written = write_diff(result, out) if out is not None else []
    if as_json:
        _print_json(diff_json(result))
        return
    for line in diff_lines(result):
        console.print(line, markup=False)
    for path in written:
        console.print(f"Wrote {path}", markup=False)


def _pack_files(stem: str) -> tuple[str, ...]:
    from planner.pipeline import PACK_FORMATS

    return tuple(f"{stem}.{ext}" for ext in PACK_FORMATS)


def _plan_for_pack(book: Path, accounts: Path | None, tickets: Path | None, page_size: str, step):
    """The whole plan, as `tierplan plan` makes it with the workbook's own settings: the packs show its figures."""
    from planner.options import PlanOptions
    from planner.pipeline import build_plan

    options = PlanOptions(page_size=page_size).check()
    inputs = _read(book, accounts, tickets)
    return build_plan(inputs, options, progress=step)


@app.command(short_help="Judge the Pilots sheet's pilots against their baselines.")
@book_argument
@out_option("pilots.json, pilots.html and pilots.pdf")
@accounts_option
@tickets_option
@page_size_option
@pdf_engine_option
@json_option
def pilots(book: Path, out: Path, accounts: Path | None, tickets: Path | None, page_size: str, pdf_engine: str | None,
           as_json: bool) -> None:
    """Judge each pilot on BOOK's Pilots sheet: groups, difference with its 95% interval, test, p, verdict and cost.

    The pilots are judged inside the whole plan (tiers, costing), exactly as the plan's report shows them.
    """
    from planner.pipeline import guard_outputs, write_pack_outputs
    from planner.report.pdf_chromium import check_engine

    pdf_engine = check_engine(pdf_engine)
    guard_outputs(out, (book, accounts, tickets), (), _pack_files("pilots"))
    with _stdout_reserved(as_json), _progress(enabled=not as_json) as step:
        the_plan = _plan_for_pack(book, accounts, tickets, page_size, step)
        if not the_plan.inputs.pilots:
            from planner.errors import Problem

            raise UserInputError(Problem("Pilots", "the sheet lists no pilot, so there is nothing to judge",
                                         "one row per pilot: name, accounts, change, start, end, outcome, baseline"))
        step("Writing the pilot results")
        written = write_pack_outputs(the_plan, out, "pilots", pdf_engine=pdf_engine, warn=_say)
    if as_json:
        from planner.writers.plan_json import pilots_part

        _print_json({**pilots_part(the_plan), "files": [str(p) for p in written]})
        return
    from planner.report.pilot_words import describe_cost, describe_pilot

    cur = the_plan.inputs.finance.currency
    for r, cost in zip(the_plan.pilots, the_plan.pilot_costs or [None] * len(the_plan.pilots)):
        console.print(describe_pilot(r, currency=cur), markup=False)
        if cost is not None:
            console.print(describe_cost(cost, r, currency=cur), markup=False)
    for p in the_plan.pilot_problems:
        console.print(f"Not judged: {p}", markup=False)
    for path in written:
        console.print(f"Wrote {path}", markup=False)


@app.command(short_help="The quarterly review pack: since the previous plan, and what to change.")
@book_argument
@click.option("--previous", metavar="PLAN.json", type=click.Path(path_type=Path), required=True,
              help="plan.json of the previous plan (the one the quarter ran on).")
@out_option("review.json, review.html and review.pdf")
@accounts_option
@tickets_option
@page_size_option
@pdf_engine_option
@json_option
def review(book: Path, previous: Path, out: Path, accounts: Path | None, tickets: Path | None, page_size: str,
           pdf_engine: str | None, as_json: bool) -> None:
    """Plan BOOK as it stands and set it against the PREVIOUS plan.json: drift and movers, segment metrics, SLA attainment,
    pilots, flagged accounts, and the changes the evidence supports, each with its figures."""
    from planner.pipeline import guard_outputs, write_pack_outputs
    from planner.report.pdf_chromium import check_engine
    from planner.review import review as review_plans
    from planner.review.previous import read_previous_plan
    from planner.writers.plan_json import SCHEMA_VERSION

    pdf_engine = check_engine(pdf_engine)
    guard_outputs(out, (book, accounts, tickets, previous), (), _pack_files("review"))
    earlier = read_previous_plan(previous, SCHEMA_VERSION)
    with _stdout_reserved(as_json), _progress(enabled=not as_json) as step:
        the_plan = _plan_for_pack(book, accounts, tickets, page_size, step)
        step("Comparing with the previous plan")
        found = review_plans(earlier, the_plan.to_dict(), previous_source=previous.name)
        step("Writing the review pack")
        written = write_pack_outputs(the_plan, out, "review", review_of=found, pdf_engine=pdf_engine, warn=_say)
    if as_json:
        _print_json({"proposals": len(found.proposals), "changes": sum(1 for c in found.changes if c.changed),
                     "files": [str(p) for p in written]})
        return
    from planner.report.review_words import proposal_text

    cur = the_plan.inputs.finance.currency
    moved = [c for c in found.changes if c.changed]
    console.print(f"Since {previous.name}: {len(moved)} of {len(found.changes)} figures changed", markup=False)
    console.print(f"{len(found.proposals)} proposed change(s):", markup=False)
    for p in found.proposals:
        finding, _, action = proposal_text(p, cur)
        console.print(f"  {p.subject}: {finding} Proposed: {action}", markup=False)
    for path in written:
        console.print(f"Wrote {path}", markup=False)


@app.command(short_help="Write a macro-enabled workbook with the Excel buttons.")
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
        _say("The workbook names no Python for Excel (this machine is neither Windows nor macOS): on the Excel machine run "
             "scripts/setup-excel-windows.ps1 or scripts/setup-excel-macos.sh, or build with --interpreter PATH.")
    else:
        _say(f"The buttons will start {chosen.path} ({chosen.key} in the xlwings.conf sheet); check the set-up with "
             f"`tierplan doctor {path}`.")


@app.command(short_help="Check everything the Excel buttons need on this machine.")
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


@app.command(short_help="Write the SLAs as Zendesk or Zammad SLA policies.")
@book_argument
@click.option("--format", "kind", metavar="zendesk|zammad", required=True,
              type=click.Choice(["zendesk", "zammad"], case_sensitive=False), help="Helpdesk to write the SLA policies for.")
@click.option("--out", metavar="DIR", type=click.Path(path_type=Path), default=Path("reports") / "helpdesk", show_default=True,
              help="Folder for the policy files and their README (created if missing).")
def helpdesk(book: Path, kind: str, out: Path) -> None:
    """Write the SLAs sheet of BOOK as the helpdesk's own SLA policy objects, with a README of how to import them."""
    from planner.helpdesk import write_helpdesk
    from planner.operations.for_plan import calendar_of

    inputs = _read(book, None)
    clocks = {(s.tier, s.severity.value): s.business_hours for s in inputs.slas}
    for p in write_helpdesk(inputs, kind, out, business_hours=clocks, calendar=calendar_of(inputs)):
        console.print(f"Wrote {p}", markup=False)


def _refuse_overwrite(path: Path) -> None:
    if path.exists():
        raise UserInputError(f"{path} already exists; TierPlan does not overwrite your files (choose another name or remove it)")


@contextmanager
def _progress(enabled: bool):
    """A progress line on stderr that disappears when the run ends (or fails), leaving no residue."""
    if not enabled or not sys.stderr.isatty():
        yield lambda name: None
        return
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=err_console, transient=True) as bar:
        task = bar.add_task("Reading workbook", total=None)
        yield lambda name: bar.update(task, description=name)


def _exit_code(plan) -> int:
    """0 when the plan fits; 3 when no plan fits (or none was found in time); 1 when the solver failed."""
    from planner.optimization.result import Status

    opt = plan.optimization
    if opt.status == Status.FAILED:
        return EXIT_OURS
    return EXIT_OK if opt.fits else EXIT_NO_PLAN


def _exit_for(plan) -> None:
    code = _exit_code(plan)
    if code == EXIT_NO_PLAN:
        _say("No plan fits the budget and the requirements: the report and plan.json say what must give (exit code 3).")
    elif code == EXIT_OURS:
        _say("The solver failed to produce a plan; plan.json's notes hold what it printed (exit code 1).")
    if code:
        raise SystemExit(code)


def _print_plan_summary(plan, written: list[Path]) -> None:
    from planner.report.format import of_budget

    opt = plan.optimization
    cur = plan.inputs.finance.currency
    console.print(f"Plan status: {opt.status}", markup=False)
    if opt.total_cost is not None and opt.budget:
        console.print(
            f"Cost {opt.total_cost:,.0f} {cur} of a {opt.budget:,.0f} {cur} budget ({of_budget(opt.total_cost / opt.budget)})",
            markup=False,
        )
    if opt.value is not None:
        console.print(f"Expected ARR impact {opt.value:,.0f} {cur}", markup=False)
    if opt.diagnosis is not None:
        from planner.report.words import diagnosis_summary

        console.print(diagnosis_summary(opt.diagnosis, cur), markup=False)
    if plan.inputs.warnings:
        console.print(
            f"{len(plan.inputs.warnings)} warning(s) on the inputs (run `tierplan validate` to list them; the report's data-gaps "
            "section has them too)",
            markup=False,
        )
    if plan.inputs.notes:
        console.print(
            f"{len(plan.inputs.notes)} note(s) on the data (run `tierplan validate` to list them; the report's data-gaps section has them too)",
            markup=False,
        )
    for path in written:
        console.print(f"Wrote {path}", markup=False)


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
