"""The commands that plan: optimize (plan.json and the results workbook) and plan (the whole plan and its report, and
the write-back into the workbook), with the summary they print and the exit code a plan gives (0 fits, 3 no plan fits,
1 the solver failed)."""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path

import click

from planner.commands.shared import (
    EXIT_NO_PLAN,
    EXIT_OK,
    EXIT_OURS,
    accounts_option,
    book_argument,
    console,
    json_option,
    out_option,
    page_size_option,
    pdf_engine_option,
    plan_options,
    print_json,
    progress,
    read_book,
    say,
    stdout_reserved,
    tickets_option,
)


@click.command(short_help="Optimise intervals, headcount and support under the budget.")
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
    with stdout_reserved(as_json), progress(enabled=not as_json) as step:
        inputs = read_book(book, accounts, tickets)
        plan = build_plan(inputs, options, progress=step)
        written = write_outputs(plan, out, ("json", "xlsx"), progress=step, warn=say)
    if as_json:
        print_json(plan.to_dict())
    else:
        _print_plan_summary(plan, written)
    _exit_for(plan, written)


@click.command(short_help="The whole plan and the tier-plan report.")
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
    from planner.pipeline_stream import should_stream

    if should_stream(accounts):  # past a few million accounts: streamed through DuckDB (docs/scale.md)
        _plan_streamed(book, accounts, out, options, write_back, tickets, as_json)
    read_as = None
    if write_back:
        from planner.writers.writeback import book_stamp, check_writable

        check_writable(book)
        read_as = book_stamp(book)  # write-back refuses if the workbook is saved while the plan runs
    back = None
    with pdf_worker(chosen) or nullcontext() as worker, stdout_reserved(as_json), progress(enabled=not as_json) as step:
        inputs = read_book(book, accounts, tickets)  # the worker imports the PDF engine meanwhile
        the_plan = build_plan(inputs, options, progress=step)
        written = write_outputs(the_plan, out, chosen, progress=step, pdf_engine=pdf_engine, warn=say, pdf_worker=worker)
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
        print_json(document)
    else:
        if back is not None:
            if back.added:
                console.print(f"Added result sheets to {book}: {', '.join(back.added)}", markup=False)
            if back.replaced:
                console.print(f"Replaced result sheets of an earlier run in {book}: {', '.join(back.replaced)}", markup=False)
            console.print(f"Backup of your workbook before write-back: {back.backup}", markup=False)
        _print_plan_summary(the_plan, written)
    _exit_for(the_plan, written)


def _exit_code(plan) -> int:
    """0 when the plan fits; 3 when no plan fits (or none was found in time); 1 when the solver failed."""
    from planner.optimization.result import Status

    opt = plan.optimization
    if opt.status == Status.FAILED:
        return EXIT_OURS
    return EXIT_OK if opt.fits else EXIT_NO_PLAN


def _written(written: list[Path]) -> tuple[bool, bool]:
    """(a report was written, plan.json was written): what the summary may point to."""
    names = {p.name for p in written}
    return bool(names & {"tier_plan.html", "tier_plan.pdf"}), "plan.json" in names


def _exit_for(plan, written: list[Path]) -> None:
    code = _exit_code(plan)
    report, plan_json = _written(written)
    if code == EXIT_NO_PLAN:
        said = {(True, True): ": the report and plan.json say what must give", (True, False): ": the report says what must give",
                (False, True): ": plan.json says what must give", (False, False): ""}[(report, plan_json)]
        say(f"No plan fits the budget and the requirements{said} (exit code 3).")
    elif code == EXIT_OURS:
        say("The solver failed to produce a plan; plan.json's notes hold what it printed (exit code 1)." if plan_json
            else "The solver failed to produce a plan; run again with --format json: plan.json's notes hold what it printed (exit code 1).")
    if code:
        raise SystemExit(code)


def _listed_too(written: list[Path]) -> str:
    """Where else the run's warnings and notes are listed, among the files it wrote."""
    report, plan_json = _written(written)
    if report:
        return "; the report's data-gaps section has them too"
    return "; plan.json lists them too" if plan_json else ""


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
        console.print(f"{len(plan.inputs.warnings)} warning(s) on the inputs (run `tierplan validate` to list them{_listed_too(written)})",
                      markup=False)
    if plan.inputs.notes:
        console.print(f"{len(plan.inputs.notes)} note(s) on the data (run `tierplan validate` to list them{_listed_too(written)})",
                      markup=False)
    for path in written:
        console.print(f"Wrote {path}", markup=False)


def _plan_streamed(book: Path, accounts, out: Path, options, write_back: bool, tickets: Path | None, as_json: bool) -> None:
    """More than STREAM_ACCOUNTS accounts: the streamed path writes account_tiers.parquet and plan.json, then exits."""
    import sys

    from planner.errors import Problem, UserInputError
    from planner.pipeline_stream import STREAM_ACCOUNTS, exit_code, plan_streamed

    if write_back or tickets is not None:
        raise UserInputError(Problem(str(accounts), f"more than {STREAM_ACCOUNTS:,} accounts are planned on the streamed path, "
                                     "which takes neither --write-back nor --tickets", "run again without them"))
    with stdout_reserved(as_json), progress(enabled=not as_json) as step:
        streamed, written = plan_streamed(book, accounts, out, options, progress=step, warn=say)
    if as_json:
        print_json({"streamed": True, "exit_code": exit_code(streamed), "files": [str(p) for p in written]})
    else:
        _print_plan_summary(streamed, written)  # status, cost against the budget, impact, what must give
        say(f"More than {STREAM_ACCOUNTS:,} accounts were planned on the streamed path: it writes account_tiers.parquet and plan.json, "
            "not the report, the results workbook or the CRM file (docs/scale.md says why).")
    sys.exit(exit_code(streamed))
