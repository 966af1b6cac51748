"""Commands that write a pack from the whole plan, planned with the workbook's own settings: pilots (each pilot judged
against its baseline) and review (the quarter since the previous plan.json, and the changes the evidence supports)."""

from __future__ import annotations

from pathlib import Path

import click

from planner.commands.shared import (
    accounts_option,
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
    tickets_option,
)
from planner.errors import UserInputError


def _pack_files(stem: str) -> tuple[str, ...]:
    from planner.pipeline import PACK_FORMATS

    return tuple(f"{stem}.{ext}" for ext in PACK_FORMATS)


def _plan_for_pack(book: Path, accounts: Path | None, tickets: Path | None, page_size: str, step):
    """The whole plan, as `tierplan plan` makes it with the workbook's own settings: the packs show its figures."""
    from planner.options import PlanOptions
    from planner.pipeline import build_plan

    options = PlanOptions(page_size=page_size).check()
    inputs = read_book(book, accounts, tickets)
    return build_plan(inputs, options, progress=step)


@click.command(short_help="Judge the Pilots sheet's pilots against their baselines.")
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
    with stdout_reserved(as_json), progress(enabled=not as_json) as step:
        the_plan = _plan_for_pack(book, accounts, tickets, page_size, step)
        if not the_plan.inputs.pilots:
            from planner.errors import Problem

            raise UserInputError(Problem("Pilots", "the sheet lists no pilot, so there is nothing to judge",
                                         "one row per pilot: name, accounts, change, start, end, outcome, baseline"))
        step("Writing the pilot results")
        written = write_pack_outputs(the_plan, out, "pilots", pdf_engine=pdf_engine, warn=say)
    if as_json:
        from planner.writers.plan_json import pilots_part

        print_json({**pilots_part(the_plan), "files": [str(p) for p in written]})
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


@click.command(short_help="The quarterly review pack: since the previous plan, and what to change.")
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
    with stdout_reserved(as_json), progress(enabled=not as_json) as step:
        the_plan = _plan_for_pack(book, accounts, tickets, page_size, step)
        step("Comparing with the previous plan")
        found = review_plans(earlier, the_plan.to_dict(), previous_source=previous.name)
        step("Writing the review pack")
        written = write_pack_outputs(the_plan, out, "review", review_of=found, pdf_engine=pdf_engine, warn=say)
    if as_json:
        print_json({"proposals": len(found.proposals), "changes": sum(1 for c in found.changes if c.changed),
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
