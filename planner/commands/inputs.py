"""Commands that read a workbook's inputs and show or export them without optimising: validate (one line per problem),
value (cost and Assessed Service Value), segment (tiers with reasons) and helpdesk (the SLAs as helpdesk policies)."""

from __future__ import annotations

from pathlib import Path

import click
from rich.table import Table

from planner.commands.shared import (
    EXIT_USER_ERROR,
    accounts_option,
    book_argument,
    console,
    json_option,
    out_option,
    print_json,
    read_book,
    stdout_reserved,
    tickets_option,
)
from planner.errors import UserInputError


@click.command(short_help="Check a workbook; one line per problem.")
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
            with stdout_reserved(True):
                inputs = read_book(book, accounts, tickets)
        except UserInputError as exc:
            print_json({"ok": False, "problems": [_problem_json(p) for p in exc.problems]})
            raise SystemExit(EXIT_USER_ERROR) from None
        print_json({
            "ok": True,
            "tiers": len(inputs.tiers), "services": len(inputs.services), "roles": len(inputs.roles),
            "accounts": len(inputs.accounts), "tickets": None if inputs.tickets is None else len(inputs.tickets),
            "pilots": len(inputs.pilots), "notes": [_problem_json(p) for p in inputs.notes],
            "warnings": [_warning_json(w) for w in inputs.warnings],
        })
        return
    inputs = read_book(book, accounts, tickets)
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


@click.command(short_help="Cost and Assessed Service Value per service and tier.")
@book_argument
@accounts_option
@json_option
def value(book: Path, accounts: Path | None, as_json: bool) -> None:
    """Cost per occurrence, annual cost and Assessed Service Value per service and tier of BOOK."""
    from planner.report.format import of_budget
    from planner.writers.plan_json import valuation_report

    with stdout_reserved(as_json):
        inputs = read_book(book, accounts)
        report = valuation_report(inputs)
    if as_json:
        print_json(report)
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


@click.command(short_help="Tier every account on the four pillars, with reasons.")
@book_argument
@out_option("crm_tiers.csv and the results workbook")
@accounts_option
@json_option
def segment(book: Path, out: Path, accounts: Path | None, as_json: bool) -> None:
    """Score every account of BOOK on the four pillars and assign tiers with reasons."""
    from planner.pipeline import segment_and_write

    with stdout_reserved(as_json):
        inputs = read_book(book, accounts)
        summary = segment_and_write(inputs, out, protected=(book, accounts))
    if as_json:
        print_json(summary)
    else:
        console.print(f"Tiered {summary['accounts']:,} accounts; wrote {', '.join(summary['files'])} in {out}", markup=False)


@click.command(short_help="Write the SLAs as Zendesk or Zammad SLA policies.")
@book_argument
@click.option("--format", "kind", metavar="zendesk|zammad", required=True,
              type=click.Choice(["zendesk", "zammad"], case_sensitive=False), help="Helpdesk to write the SLA policies for.")
@click.option("--out", metavar="DIR", type=click.Path(path_type=Path), default=Path("reports") / "helpdesk", show_default=True,
              help="Folder for the policy files and their README (created if missing).")
def helpdesk(book: Path, kind: str, out: Path) -> None:
    """Write the SLAs sheet of BOOK as the helpdesk's own SLA policy objects, with a README of how to import them."""
    from planner.helpdesk import write_helpdesk
    from planner.operations.for_plan import calendar_of

    inputs = read_book(book, None)
    clocks = {(s.tier, s.severity.value): s.business_hours for s in inputs.slas}
    for p in write_helpdesk(inputs, kind, out, business_hours=clocks, calendar=calendar_of(inputs)):
        console.print(f"Wrote {p}", markup=False)
