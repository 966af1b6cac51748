"""The whole plan in one direction: inputs -> valuation -> segmentation -> optimization -> Plan -> writers.

``build_plan`` computes (no I/O); ``write_outputs`` writes the files a plan
produces. The CLI and the Excel adapter both call these two, so the button
and the command line can never disagree.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from planner.errors import Problem, UserInputError
from planner.inputs import PlanInputs
from planner.operations.operations import OperationsReport
from planner.optimization import OptimizationResult
from planner.options import PlanOptions, apply_options
from planner.pilots.costing import PilotCost
from planner.pilots.evaluate import PilotResult
from planner.segmentation import Segmentation
from planner.sidebyside import Pending, Worker, beside
from planner.valuation import Valuation
from planner.versions.diff import PlanDiff
from planner.writers.layout import ResultSheet

ALL_FORMATS = ("html", "pdf", "xlsx", "csv", "json")
FILE_NAMES = {
    "html": "tier_plan.html",
    "pdf": "tier_plan.pdf",
    "xlsx": "tier_plan_results.xlsx",
    "csv": "crm_tiers.csv",
    "json": "plan.json",
}
OUTREACH_FILE = "outreach.csv"  # written with csv when the plan has operating figures


@dataclass(frozen=True)
class Plan:
    """One computed plan: the inputs it was computed from (options applied) and what each step found."""

    inputs: PlanInputs
    options: PlanOptions
    valuation: Valuation
    segmentation: Segmentation
    optimization: OptimizationResult
    operations: OperationsReport | None = None  # None: no tickets and no outcome columns
    pilots: tuple[PilotResult, ...] = ()
    pilot_costs: tuple[PilotCost, ...] = ()  # one per pilot: its touch model's cost against the baseline's, effect per dollar
    pilot_problems: tuple[Problem, ...] = ()  # pilots the data could not judge, and why
    since: PlanDiff | None = None  # what changed since the previous plan (the Excel button's report says so)

    def to_dict(self) -> dict:
        """plan.json (planner.writers.plan_json)."""
        from planner.writers.plan_json import plan_to_dict

        return plan_to_dict(self)

    def result_sheets(self) -> dict[str, ResultSheet]:
        """Every result sheet (name -> ResultSheet), for the results workbook, write-back and the Excel button."""
        from planner.writers.row_limit import fit_sheets
        from planner.writers.sheets import plan_sheets

        return fit_sheets(plan_sheets(self))[0]  # a table longer than a sheet holds is cut, its note says so


Progress = Callable[[str], None]


def build_plan(inputs: PlanInputs, options: PlanOptions = PlanOptions(), progress: Progress | None = None) -> Plan:
    """Value, segment and optimise. Pure computation: no files, no printing.

    The options are applied to the inputs first (:func:`planner.options.apply_options`): the
    plan's inputs carry the budget, mode, solver and time limit the run used.
    """
    from planner.operations.for_plan import plan_operations
    from planner.optimization import optimize
    from planner.segmentation import segment
    from planner.valuation import valuation

    inputs = apply_options(inputs, options)
    step = progress or (lambda name: None)
    step("Tiering accounts")
    seg = segment(inputs)
    step("Valuing services")
    value = valuation(inputs, seg.tiers)
    judged = beside(lambda: _judge_pilots(inputs, seg, value)) if inputs.pilots else None  # beside the optimizer
    step("Optimising intervals and headcount")
    stats = seg.tier_stats()
    opt = optimize(inputs, stats)
    per_tier = {str(t): int(n) for t, n in zip(stats["tier"], stats["accounts"])}
    operations = None
    if inputs.tickets is not None or (inputs.outcomes is not None and inputs.outcomes.columns):
        step("Reading the operating figures")
        operations = plan_operations(inputs, seg.tiers, per_tier)
    pilots: list[PilotResult] = []
    costs: list[PilotCost] = []
    pilot_problems: tuple[Problem, ...] = ()
    if judged is not None:
        step("Judging pilots")
        pilots, pilot_problems, costs = judged.result()
    from planner import schema
    from planner.writers.row_limit import limit_note

    too_long = limit_note(len(seg.accounts), schema.ACCOUNT_TIERS.name)
    if too_long is not None:  # the report and plan.json say it with the other notes
        from dataclasses import replace

        inputs = replace(inputs, notes=(*inputs.notes, too_long))
    return Plan(inputs=inputs, options=options.check(), valuation=value, segmentation=seg, optimization=opt,
                operations=operations, pilots=tuple(pilots), pilot_costs=tuple(costs), pilot_problems=pilot_problems)


def _judge_pilots(inputs: PlanInputs, seg: Segmentation, value: Valuation
                  ) -> tuple[list[PilotResult], tuple[Problem, ...], list[PilotCost]]:
    """Each pilot of the Pilots sheet against its baseline, and what its touch model costs (needs no optimization)."""
    from planner.operations.for_plan import figures_day, period_tiers
    from planner.pilots.costing import pilot_cost
    from planner.pilots.evaluate import plan_pilots

    during = period_tiers(inputs, seg.tiers)
    pilots, problems = plan_pilots(inputs.pilots, inputs.accounts, during, seg.accounts["score"],
                                   inputs.outcomes.frame if inputs.outcomes is not None else None,
                                   inputs.tickets, figures_day(inputs))
    ids = inputs.accounts["account_id"].astype(str).to_numpy()
    tier_of = dict(zip(ids, during.astype(str)))
    arr_of = dict(zip(ids, inputs.accounts["arr"].astype(float)))
    tier_cost = dict(zip(value.tiers["tier"].astype(str), value.tiers["annual_cost_per_account"].astype(float)))
    return list(pilots), tuple(problems), [pilot_cost(r, tier_cost, tier_of, arr_of) for r in pilots]


def parse_formats(formats: str | Iterable[str] | None) -> tuple[str, ...]:
    if formats is None:
        return ALL_FORMATS
    items = [f.strip().lower() for f in (formats.split(",") if isinstance(formats, str) else formats) if f.strip()]
    unknown = [f for f in items if f not in ALL_FORMATS]
    if unknown or not items:
        from planner.errors import Problem

        raise UserInputError(
            Problem("command line", f"--format {','.join(unknown) or '(empty)'} is not known", f"choose from {','.join(ALL_FORMATS)}")
        )
    return tuple(f for f in ALL_FORMATS if f in items)


def write_outputs(plan: Plan, out_dir: Path, formats: Iterable[str] = ALL_FORMATS, progress: Progress | None = None,
                  pdf_engine: str | None = None, warn: Callable[[str], None] | None = None,
                  pdf_worker: Worker | None = None) -> list[Path]:
    """Write the chosen files of a plan into out_dir; returns their paths.

    ``pdf_engine``: see planner.report.write_pdf. When no engine can print the PDF, the HTML report is
    written (even if not asked for), ``warn`` gets a message saying how to get the PDF, and the run goes on.
    The PDF is laid out in a second process while this one writes the other files (``pdf_worker``: one
    started early by :func:`pdf_worker`, its libraries already imported; otherwise one is forked here).
    For a plan of :data:`BESIDE_ACCOUNTS` to :data:`BESIDE_MAX_ACCOUNTS` accounts a forked child writes the results workbook too,
    so the three longest writers share the machine's cores; every file is the same as written one after another.
    """
    from planner.writers.outfolder import OutputFolder

    step = progress or (lambda name: None)
    out_dir = Path(out_dir)
    written: list[Path] = []
    formats = tuple(formats)
    with OutputFolder(out_dir, warn) as folder:  # one run at a time; each file under a temporary name, then renamed

        def put(name: str, write: Callable[[Path], object]) -> None:
            with folder.file(name) as tmp:
                write(tmp)
            written.append(out_dir / name)

        book: Pending[list[str]] | None = None
        with contextlib.ExitStack() as book_file:
            if "xlsx" in formats and BESIDE_ACCOUNTS < len(plan.segmentation.accounts) <= BESIDE_MAX_ACCOUNTS:
                # a large plan's results workbook takes longest of the files this process writes: a child
                # writes it (from the same plan in memory) beside the report, plan.json and the CSVs
                book_tmp = book_file.enter_context(folder.file(FILE_NAMES["xlsx"]))
                book = beside(lambda: _results_workbook(plan, book_tmp))
                book_file.callback(_settle, book)  # leaving early on an error: the child is done before its file is removed

            html = None
            pdf = pdf_worker if pdf_worker is not None and pdf_worker.alive else None
            if "html" in formats or "pdf" in formats:
                from planner.report import pdf_bytes, render_html

                step("Rendering report")
                # charts in children while the PDF worker waits; not beside a results workbook's child (no core free)
                html = render_html(plan, charts_beside=len(plan.segmentation.accounts) <= BESIDE_ACCOUNTS)
                if "pdf" in formats:  # laid out beside the other writers (WeasyPrint takes longest)
                    pdf = pdf or Worker()
                    pdf.call(pdf_bytes, html, plan.options.page_size, pdf_engine)

            if "json" in formats:
                step("Writing plan.json")
                text = json.dumps(plan.to_dict(), indent=2, ensure_ascii=False) + "\n"
                put(FILE_NAMES["json"], lambda tmp: tmp.write_text(text, encoding="utf-8"))
            if "csv" in formats:
                step("Writing CRM upload file")
                from planner.writers.crm import write_crm_csv

                put(FILE_NAMES["csv"], lambda tmp: write_crm_csv(plan.segmentation, tmp))
                if plan.operations is not None:
                    from planner.writers.outreach import write_outreach_csv

                    step("Writing outreach tasks")
                    ops = plan.operations
                    put(OUTREACH_FILE, lambda tmp: write_outreach_csv(ops.outreach, tmp, ops.as_of_date))
                else:
                    folder.remove(OUTREACH_FILE)  # an older run's tasks would not match this plan
            if "xlsx" in formats:
                step("Writing results workbook")
                from planner import schema
                from planner.writers.row_limit import limit_note
                from planner.writers.segmentation_sheets import ACCOUNTS_FILE, accounts_over_sheet, write_accounts_parquet

                if book is None:
                    cut_notes: list[str] = []
                    put(FILE_NAMES["xlsx"], lambda tmp: cut_notes.extend(_results_workbook(plan, tmp)))
                else:
                    cut_notes = book.result()
                    book_file.close()  # the child's file renamed into place
                    written.append(out_dir / FILE_NAMES["xlsx"])
                if accounts_over_sheet(plan.segmentation):  # the whole Account tiers table beside the workbook
                    put(ACCOUNTS_FILE, lambda tmp: write_accounts_parquet(plan.segmentation, tmp))
                else:
                    folder.remove(ACCOUNTS_FILE)  # an older run's table would not match this plan
                too_long = limit_note(len(plan.segmentation.accounts), schema.ACCOUNT_TIERS.name)
                for text in ([str(too_long)] if too_long else []) + cut_notes:
                    (warn or (lambda text: None))(text)
        if html is not None and "html" in formats:
            put(FILE_NAMES["html"], lambda tmp: tmp.write_text(html, encoding="utf-8"))
        if html is not None and pdf is not None:
            from planner.report.pdf_chromium import PdfEngineUnavailable

            step("Rendering PDF")
            try:
                document = pdf.result()
            except PdfEngineUnavailable as exc:
                folder.remove(FILE_NAMES["pdf"])  # an older run's PDF would not match this plan
                if "html" not in formats:
                    put(FILE_NAMES["html"], lambda tmp: tmp.write_text(html, encoding="utf-8"))
                (warn or (lambda text: None))(str(exc))
            else:
                put(FILE_NAMES["pdf"], lambda tmp: tmp.write_bytes(document))
    return written


# From 5,001 accounts (where planner.writers.streamed takes over the long sheets) the results workbook is written by
# a forked child; 100,000 accounts: 14.2 s -> 12.0 s for every format. Up to the accounts the Account tiers sheet holds
# (Excel's row limit): at 1,000,000 accounts every format took 34.8-38.5 s beside against 43.9-49.7 s after the other
# files (2026-12-03, interleaved runs), the largest process staying at 2.0-2.2 GB; see docs/scale.md for the summed memory.
BESIDE_ACCOUNTS = 5_000
BESIDE_MAX_ACCOUNTS = 1_048_572


def _results_workbook(plan: Plan, path: Path) -> list[str]:
    """Write the results workbook at ``path``; returns the notes on tables cut to fit a sheet."""
    from planner.writers.results import write_results_workbook
    from planner.writers.row_limit import fit_sheets
    from planner.writers.sheets import plan_sheets

    sheets, cuts = fit_sheets(plan_sheets(plan))
    write_results_workbook(path, sheets)
    return [f"{FILE_NAMES['xlsx']}, {c.sheet} sheet: {c.sentence()}" for c in cuts]


def _settle(pending: Pending) -> None:
    """Wait for a child step without raising: the error already on its way is the one reported."""
    with contextlib.suppress(Exception):
        pending.result()


def pdf_worker(formats: Iterable[str]) -> Worker | None:
    """For a run that writes the PDF: a second process that imports the PDF engine now, while the plan is
    read and computed, and lays the report out later (:func:`write_outputs`). None when no PDF is asked for."""
    return Worker(PDF_LIBRARIES) if "pdf" in tuple(formats) else None


PDF_LIBRARIES = ("weasyprint", "planner.report.pdf_chromium")

PACK_FORMATS = ("json", "html", "pdf")


def write_pack_outputs(plan: Plan, out_dir: Path, stem: str, review_of=None, pdf_engine: str | None = None,
                       warn: Callable[[str], None] | None = None) -> list[Path]:
    """`tierplan pilots` (``stem`` "pilots") and `tierplan review` (``stem`` "review", ``review_of`` the Review):
    ``<stem>.json``, ``<stem>.html`` and ``<stem>.pdf`` in out_dir."""
    from planner.report.pack import pack_as_of, write_pack
    from planner.writers.plan_json import pilots_document, review_document

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    as_of = pack_as_of(plan)
    if review_of is None:
        document = pilots_document(plan, as_of)
    else:
        from planner.report.review_words import proposal_text

        cur = plan.inputs.finance.currency
        document = review_document(plan, review_of, as_of, lambda p: proposal_text(p, cur))
    path = out_dir / f"{stem}.json"
    tmp = path.with_name(f".{path.name}.part")
    tmp.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)
    return [path, *write_pack(plan, out_dir, stem, review_of, ("html", "pdf"), plan.options.page_size, pdf_engine, warn)]


# ------------------------------------------------------------------ command-level helpers (I/O)


def guard_outputs(out_dir: Path, protected: Iterable[Path | None], formats: Iterable[str], names: Iterable[str] = ()) -> None:
    """Refuse an output folder that is a file, and output files that would land on one of the user's inputs.

    ``names``: further files the command writes in out_dir (the pilots and review packs)."""
    out_dir = Path(out_dir)
    for folder in (out_dir, *out_dir.parents):
        if folder.exists() and not folder.is_dir():
            raise UserInputError(
                f"--out {out_dir}: {folder} is a file, not a folder (give a folder for the plan files; it is created if missing)"
            )
        if folder.exists():
            break
    protected_paths = {Path(p).resolve() for p in protected if p is not None}
    formats = tuple(formats)
    from planner.writers.segmentation_sheets import ACCOUNTS_FILE

    targets = [FILE_NAMES[fmt] for fmt in formats] + ([OUTREACH_FILE] if "csv" in formats else []) + (
        [ACCOUNTS_FILE] if "xlsx" in formats else []) + list(names)
    for name in targets:
        target = (out_dir / name).resolve()
        if target in protected_paths:
            raise UserInputError(
                f"{target}: this is one of your input files; choose another --out folder so TierPlan does not overwrite it"
            )


def guard_compare_outputs(out_dir: Path, protected: Iterable[Path | None], formats: Iterable[str]) -> None:
    """guard_outputs for `tierplan compare`'s files (scenarios.html, .pdf, .xlsx, .json)."""
    from planner.writers.scenarios import COMPARE_FILES

    out_dir = Path(out_dir)
    guard_outputs(out_dir, protected, ())
    protected_paths = {Path(p).resolve() for p in protected if p is not None}
    for fmt in formats:
        target = (out_dir / COMPARE_FILES[fmt]).resolve()
        if target in protected_paths:
            raise UserInputError(
                f"{target}: this is one of your input files; choose another --out folder so TierPlan does not overwrite it"
            )


def segment_and_write(inputs: PlanInputs, out_dir: Path, protected: Iterable[Path | None] = ()) -> dict:
    """`tierplan segment`: tiers, CRM upload file and the segmentation result sheets."""
    from planner.segmentation import segment
    from planner.writers.crm import write_crm_csv
    from planner.writers.results import write_results_workbook

    out_dir = Path(out_dir)
    guard_outputs(out_dir, protected, ("csv", "xlsx"))
    from planner.writers.plan_json import segmentation_json
    from planner.writers.segmentation_sheets import ACCOUNTS_FILE, accounts_over_sheet, segmentation_sheets, write_accounts_parquet

    seg = segment(inputs)
    out_dir.mkdir(parents=True, exist_ok=True)
    files = [
        write_crm_csv(seg, out_dir / FILE_NAMES["csv"]),
        write_results_workbook(out_dir / FILE_NAMES["xlsx"], segmentation_sheets(seg)),
    ]
    if accounts_over_sheet(seg):  # the whole Account tiers table beside the workbook
        files.append(write_accounts_parquet(seg, out_dir / ACCOUNTS_FILE))
    summary = segmentation_json(seg)
    summary["accounts"] = len(seg.tiers)
    summary["files"] = [p.name for p in files]
    return summary


def write_back_results(plan: Plan, book: Path, out_dir: Path, read_as: str | None = None):
    """`plan --write-back`: put the result sheets into the user's workbook (with a verified backup).

    ``read_as``: planner.writers.writeback.book_stamp(book) taken before the inputs were read; write-back refuses
    when the workbook was saved since."""
    from planner.writers.writeback import write_back as patch_book

    try:
        return patch_book(book, plan.result_sheets(), read_as=read_as)
    except RuntimeError as exc:
        if not str(exc).startswith("write-back"):
            raise
        raise UserInputError(f"{book}: {exc}; your workbook was not changed (the plan files are in {out_dir})") from exc


def load_plan_json(path: Path) -> dict:
    """A plan.json file, or UserInputError saying why it is not one."""
    path = Path(path)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UserInputError(f"{path}: cannot be opened ({exc.strerror or exc})") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UserInputError(f"{path}: is not a plan.json written by TierPlan (not JSON: {exc})") from None
    if not isinstance(document, dict) or "optimization" not in document or "segmentation" not in document:
        raise UserInputError(f"{path}: is not a plan.json written by TierPlan (no optimization and segmentation)")
    return document


def diff_versions(old: Path, new: Path, progress: Progress | None = None, attribute: bool = True):
    """`tierplan diff OLD NEW`: two plan.json files or two workbooks (or one of each), compared (planner.versions.diff)."""
    from planner.scenarios.run import Variant, plan_variants
    from planner.versions.diff import PlanVersion, diff_plans
    from planner.versions.normalise import inputs_from_normalised
    from planner.workbook.reader import read_inputs

    paths = [Path(old), Path(new)]
    labels = [p.name for p in paths]
    if labels[0] == labels[1]:
        labels = [str(p) for p in paths]
    versions: list[PlanVersion | None] = [None, None]
    books: list[tuple[int, PlanInputs]] = []
    for i, path in enumerate(paths):
        if path.suffix.lower() == ".json":
            document = load_plan_json(path)
            if not isinstance(document.get("inputs"), dict):
                version = document.get("tool", {}).get("version", "an earlier version")
                raise UserInputError(f"{path}: this plan.json was written by TierPlan {version}, which did not record its inputs "
                                     "(run the plan again with this version, or compare the workbooks)")
            versions[i] = PlanVersion(labels[i], document, inputs_from_normalised(document["inputs"], source=str(path)))
        else:
            books.append((i, read_inputs(path)))
    if books:
        (progress or (lambda name: None))("Planning the workbooks")
        plans = plan_variants([Variant(labels[i], inputs) for i, inputs in books], sensitivity=False, progress=progress)
        for (i, _), vp in zip(books, plans):
            assert vp.valuation is not None and vp.segmentation is not None  # a workbook's variant is segmented and valued
            plan = Plan(inputs=vp.inputs, options=PlanOptions().check(), valuation=vp.valuation, segmentation=vp.segmentation,
                        optimization=vp.optimization)
            versions[i] = PlanVersion(labels[i], plan.to_dict(), vp.inputs, vp.segmentation, from_workbook=True)
    assert versions[0] is not None and versions[1] is not None
    return diff_plans(versions[0], versions[1], attribute_changes=attribute, progress=progress)
