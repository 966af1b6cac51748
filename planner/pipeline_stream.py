"""The plan for an export of millions of accounts: streamed tiers, the same optimizer, Parquet results.

``tierplan plan BOOK --accounts big.parquet`` takes this path when the export holds more than
:data:`STREAM_ACCOUNTS` accounts (see docs/scale.md): the workbook is read as usual, the export is
streamed through DuckDB in batches (planner.workbook.stream_export), every account is tiered by
the rules ``segment`` uses (planner.segmentation.stream), and the optimizer runs on the tier
aggregates, as it always does. It writes

* ``account_tiers.parquet``: one row per account (account id, tier, previous tier, changed, score,
  tier by score, the rule that decided, ARR), written in slices of a million rows;
* ``plan.json``: the plan's figures (tiers and bands, cut-offs, valuation, optimization), with
  ``"streamed": true`` and no per-account sections.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from planner.errors import Problem, UserInputError
from planner.inputs import PlanInputs
from planner.optimization import OptimizationResult
from planner.options import PlanOptions, apply_options
from planner.segmentation.stream import StreamedTiers
from planner.valuation import Valuation

STREAM_ACCOUNTS = 2_000_000  # above this many accounts in an --accounts file, `plan` streams it
CSV_BYTES_PER_ACCOUNT = 120  # a CSV's size over this estimates its accounts without reading it
RESULTS_FILE = "account_tiers.parquet"
PLAN_FILE = "plan.json"
WRITE_SLICE = 1_000_000

Progress = Callable[[str], None]


def export_accounts(path: Path | str) -> int:
    """Accounts in an export, from the Parquet footer (exact) or a CSV's size (estimate); 0 when unknown."""
    path = Path(path)
    try:
        if path.suffix.lower() in (".parquet", ".pq"):
            import pyarrow.parquet as pq

            return int(pq.ParquetFile(path).metadata.num_rows)
        if path.suffix.lower() in (".csv", ".txt", ".tsv"):
            return path.stat().st_size // CSV_BYTES_PER_ACCOUNT
    except (OSError, pa.ArrowException):
        return 0  # the ordinary reader says what is wrong with the file
    return 0


def should_stream(accounts: Path | str | None, threshold: int = STREAM_ACCOUNTS) -> bool:
    return accounts is not None and export_accounts(accounts) > threshold


@dataclass(frozen=True)
class StreamedPlan:
    inputs: PlanInputs  # the workbook's inputs; accounts holds the first rows of the export only
    tiers: StreamedTiers
    valuation: Valuation
    optimization: OptimizationResult
    source: str


def read_streamed_inputs(book: Path | str, accounts: Path | str, progress: Progress | None = None):
    """The workbook's inputs (validated with the export's first rows) and every account gathered from the export."""
    from planner.workbook.reader import inputs_from_grids
    from planner.workbook.sniff import load_grids
    from planner.workbook.stream_export import Export, read_streamed
    from planner.workbook.table_extents import read_table_extents

    book = Path(book)
    problems: list[Problem] = []
    grids = None
    export = None
    try:
        grids = load_grids(book, skip_accounts=True)
    except UserInputError as exc:
        problems.extend(exc.problems)
    try:
        export = Export(accounts)
    except UserInputError as exc:
        problems.extend(exc.problems)
    if problems:
        raise UserInputError(problems)
    assert grids is not None and export is not None
    try:
        inputs = inputs_from_grids(grids, source=str(book), accounts=export.head(), extents=read_table_extents(book))
        scoring_columns = [r.column for r in inputs.scoring if isinstance(r.column, str)]
        gathered = read_streamed(export, inputs, scoring_columns, progress)
    finally:
        export.close()
    source = Path(accounts).name
    kept = tuple(n for n in inputs.notes if not str(n.where).startswith(source))  # the head's account notes: the batches say them
    return replace(inputs, notes=kept), gathered


def build_streamed_plan(book: Path | str, accounts: Path | str, options: PlanOptions = PlanOptions(),
                        progress: Progress | None = None) -> StreamedPlan:
    """Read, tier (streamed), value and optimise. The optimizer is the usual one: it sees the tier aggregates only."""
    from planner.optimization import optimize
    from planner.segmentation.stream import tier_columns
    from planner.valuation import valuation

    step = progress or (lambda name: None)
    step("Reading the workbook and streaming the accounts")
    inputs, gathered = read_streamed_inputs(book, accounts, progress)
    inputs = apply_options(inputs, options)
    step("Tiering accounts")
    tiers = tier_columns(gathered, inputs)
    del gathered
    step("Valuing services")
    # valuation counts accounts and sums ARR per tier: a frame of ARR alone, and one byte of tier per account
    value = valuation(replace(inputs, accounts=pd.DataFrame({"arr": tiers.arr})), tiers.tiers())
    step("Optimising intervals and headcount")
    opt = optimize(inputs, tiers.tier_stats())
    return StreamedPlan(inputs=inputs, tiers=tiers, valuation=value, optimization=opt, source=Path(accounts).name)


def write_account_tiers(tiers: StreamedTiers, path: Path) -> None:
    """One row per account, in the export's order, written a slice at a time."""
    import pyarrow.parquet as pq

    from planner.segmentation.retier import RULE_LABELS

    names = pa.array(list(tiers.tier_names), type=pa.string())
    rules = pa.array([RULE_LABELS[k] for k in range(len(RULE_LABELS))], type=pa.string())
    tier_type = pa.dictionary(pa.int8(), pa.string())
    schema = pa.schema([("account_id", pa.string()), ("tier", tier_type), ("previous_tier", tier_type), ("changed", pa.bool_()),
                        ("score", pa.float64()), ("score_tier", tier_type), ("rule", pa.dictionary(pa.int8(), pa.string())),
                        ("arr", pa.float64())])

    def coded(codes: np.ndarray, values: pa.Array) -> pa.DictionaryArray:
        return pa.DictionaryArray.from_arrays(pa.array(codes, type=pa.int8(), mask=codes < 0), values)

    n = len(tiers.final)
    with pq.ParquetWriter(path, schema, compression="zstd") as writer:
        for start in range(0, max(n, 1), WRITE_SLICE):
            stop = min(start + WRITE_SLICE, n)
            final, previous = tiers.final[start:stop], tiers.previous[start:stop]
            batch = pa.record_batch([
                tiers.ids.slice(start, stop - start).combine_chunks(),
                coded(final, names),
                coded(previous, names),
                pa.array((final != previous) | (previous < 0)),
                pa.array(tiers.bins[start:stop] / 100.0),
                coded(tiers.rule_tier[start:stop], names),
                coded(tiers.kind[start:stop], rules),
                pa.array(tiers.arr[start:stop]),
            ], schema=schema)
            writer.write_batch(batch)


def streamed_plan_json(plan: StreamedPlan) -> dict:
    from planner.writers.plan_json import jsonable, optimization_json, valuation_json

    t = plan.tiers
    d = t.decision
    return jsonable({
        "streamed": True,
        "accounts_file": plan.source,
        "segmentation": {
            "accounts": len(t.final),
            "tiers": t.bands.to_dict("records"),
            "cutoffs": {k: float(v) for k, v in t.cutoffs.items()},
            "cutoff_method": d.cut.method,
            "bands_feasible": bool(d.cut.feasible),
            "margin": d.margin_bins / 100.0,
            "previous_cutoffs": None if d.anchor.bins is None else
            {name: float(b) / 100.0 for name, b in zip(t.tier_names, d.anchor.bins)},
            "cutoff_changes": d.changes.to_dict("records"),
            "rule_counts": t.rule_counts(),
            "signals": [{"pillar": s.pillar, "column": s.column, "resolved": s.resolved, "weight": s.weight,
                         "direction": s.direction, "present": s.present, "not_numeric": s.not_numeric} for s in t.signals],
            "notes": t.notes,
        },
        "notes": [str(n) for n in plan.inputs.notes],
        "warnings": [str(w) for w in plan.inputs.warnings],
        "valuation": valuation_json(plan.valuation),
        "optimization": optimization_json(plan.optimization),
    })


def write_streamed_outputs(plan: StreamedPlan, out_dir: Path, warn: Callable[[str], None] | None = None) -> list[Path]:
    """account_tiers.parquet and plan.json into ``out_dir``, as every plan's files are written
    (planner.writers.outfolder: one run at a time, each file under a temporary name then renamed, a file
    TierPlan did not write kept aside)."""
    from planner.writers.outfolder import OutputFolder

    written = []
    text = json.dumps(streamed_plan_json(plan), indent=2, ensure_ascii=False) + "\n"
    with OutputFolder(Path(out_dir), warn) as folder:
        for name, write in ((RESULTS_FILE, lambda p: write_account_tiers(plan.tiers, p)),
                            (PLAN_FILE, lambda p: p.write_text(text, encoding="utf-8"))):
            with folder.file(name) as tmp:
                write(tmp)
            written.append(Path(out_dir) / name)
    return written


def plan_streamed(book: Path | str, accounts: Path | str, out_dir: Path | str, options: PlanOptions = PlanOptions(),
                  progress: Progress | None = None, warn: Callable[[str], None] | None = None) -> tuple[StreamedPlan, list[Path]]:
    """`tierplan plan BOOK --accounts BIG` on the streamed path: the plan, and the files written."""
    plan = build_streamed_plan(book, accounts, options, progress)
    return plan, write_streamed_outputs(plan, Path(out_dir), warn)


def exit_code(plan: StreamedPlan) -> int:
    """As `tierplan plan`: 0 when the plan fits, 3 when none fits (or none was found in time), 1 when the solver failed."""
    from planner.optimization.result import Status

    if plan.optimization.status == Status.FAILED:
        return 1
    return 0 if plan.optimization.fits else 3


def main(argv: list[str] | None = None) -> int:
    """``python -m planner.pipeline_stream BOOK --accounts FILE [--out DIR]``: the streamed plan whatever the export's size.

    Bad input: one line per problem on stderr and exit 2, as every tierplan command.
    """
    import argparse
    import sys

    parser = argparse.ArgumentParser(prog="python -m planner.pipeline_stream", description=main.__doc__)
    parser.add_argument("book", type=Path)
    parser.add_argument("--accounts", type=Path, required=True)
    parser.add_argument("--out", type=Path, default=Path("reports"))
    args = parser.parse_args(argv)
    try:
        plan, written = plan_streamed(args.book, args.accounts, args.out, progress=lambda s: print(s, file=sys.stderr))
    except UserInputError as exc:
        for p in exc.problems:
            print(str(p), file=sys.stderr)
        return 2
    for path in written:
        print(f"Wrote {path}")
    return exit_code(plan)


if __name__ == "__main__":
    raise SystemExit(main())
