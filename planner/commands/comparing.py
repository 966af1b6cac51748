"""Commands that set plans side by side: compare (the baseline and the Scenarios sheet's scenarios) and diff (what
changed between two plans, and which input change explains it)."""

from __future__ import annotations

from pathlib import Path

import click
from rich.table import Table

from planner.commands.shared import (
    accounts_option,
    as_of_option,
    book_argument,
    console,
    json_option,
    out_option,
    page_size_option,
    pdf_engine_option,
    print_json,
    progress,
    read_book,
    say,
    stdout_reserved,
)
from planner.errors import UserInputError


@click.command(short_help="Plan every scenario of the Scenarios sheet side by side with the baseline.")
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
    with stdout_reserved(as_json), progress(enabled=not as_json) as step:
        inputs = read_book(book, accounts)
        scenarios = chosen_scenarios(inputs, names)
        if not scenarios:
            raise UserInputError(f"{book}: the Scenarios sheet lists no scenario to compare (add rows: Scenario, Sheet, the row, Changes, "
                                 "New value; see the Guide)")
        step("Segmenting the baseline")
        plans = plan_variants(scenario_variants(inputs, scenarios, options), progress=step)
        result = comparison(plans)
        written = write_comparison(result, out, chosen, page_size=options.page_size, pdf_engine=pdf_engine, warn=say, progress=step)
    if as_json:
        print_json(comparison_json(result))
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


@click.command(short_help="What changed between two plans (plan.json files or workbooks), and why.")
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

    with stdout_reserved(as_json), progress(enabled=not as_json) as step:
        result = diff_versions(old, new, progress=step)
        written = write_diff(result, out) if out is not None else []
    if as_json:
        print_json(diff_json(result))
        return
    for line in diff_lines(result):
        console.print(line, markup=False)
    for path in written:
        console.print(f"Wrote {path}", markup=False)
