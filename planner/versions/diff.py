"""What changed between two plans: inputs cell by cell, tiers, the plan, and which input change explains which plan change.

Two versions of a plan are compared on their plan.json documents (a workbook is planned first, so both kinds compare
alike): the normalised inputs (``inputs``, planner.versions.normalise) cell by cell, with the cell each value sits in;
the accounts by their fingerprint (and, from workbooks, account by account); the tiers (accounts per tier, cut-offs,
accounts that moved, from ``account_tiers``); and the plan's figures (planner.versions.facts).

Attribution: when one input changed, it explains every change of the plan. When several did, each change is applied
alone to the old inputs and the plan re-solved (planner.scenarios.run, side by side); a plan change is put down to the
change that alone reproduces it, to each of several that each alone do, or to "several changes together" when none
does alone. A change the old plan.json cannot be re-solved with alone (a row added or removed; a change to what the
tiering reads next to another such change, when the accounts are not at hand) is not re-solved, and what only it
could explain stays with "several changes together". Pure computation apart from the solves.
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from planner import schema
from planner.errors import Problem, UserInputError
from planner.inputs import Change, PlanInputs, Scenario
from planner.scenarios.apply import FIELDS, SEGMENTATION_SETTINGS, SEGMENTATION_SHEETS, apply_scenario
from planner.schema import Direction, TargetUnit
from planner.segmentation import Segmentation
from planner.versions.facts import PlanFacts, facts_from_plan_json, facts_of, tier_stats_from_plan_json
from planner.versions.normalise import SETTINGS_SHEETS, SHEETS

MAX_RESOLVES = 24  # single changes re-solved alone at most (each is one plan without sensitivity)
MONEY_TOLERANCE = 0.5  # currency units: figures closer than this are the same
EXAMPLES = 10  # accounts listed by name when their values changed


@dataclass(frozen=True)
class InputChange:
    """One input that differs: a cell (old and new value), or a whole row added or removed."""

    sheet: str
    row: tuple[str, ...]
    key: str  # column or setting key; "" for a row added or removed
    label: str
    old: Any  # plain JSON value; None for an added row
    new: Any
    old_cell: str | None
    new_cell: str | None
    kind: str = "changed"  # changed | added | removed
    source: str = ""  # where the new value came from when not the sheet ("scenario CFO budget", "command line")

    @property
    def cell(self) -> str | None:
        return self.new_cell or self.old_cell


@dataclass(frozen=True)
class AccountChanges:
    old_count: int
    new_count: int
    same: bool  # the accounts' fingerprints are equal
    added: int | None = None  # from workbooks: accounts only in NEW
    removed: int | None = None
    changed: int | None = None  # accounts in both whose values differ
    examples: tuple[str, ...] = ()  # "ACC-000042 ARR: 11,600 -> 15,000"


@dataclass(frozen=True)
class TierDiff:
    counts: tuple[tuple[str, int | None, int | None], ...]  # (tier, old accounts, new accounts)
    cutoffs: tuple[tuple[str, float | None, float | None], ...]  # (tier, old cut-off, new cut-off)
    moves: tuple[tuple[str, str, int], ...]  # (old tier, new tier, accounts) for accounts in both plans
    moved: int  # accounts in both plans whose tier changed
    compared: int  # accounts in both plans


@dataclass(frozen=True)
class PlanChange:
    what: str  # fit | status | budget | total_cost | budget_used | value | assessed_service_value | people | interval | support
    item: tuple[str, ...]  # (role, tier), (service, tier), (tier, channel); () for a total
    old: Any
    new: Any
    causes: tuple[int, ...] | None = None  # indexes into PlanDiff.inputs; () several changes together; None not attributed


@dataclass(frozen=True)
class PlanDiff:
    old_label: str
    new_label: str
    old_fingerprint: str | None
    new_fingerprint: str | None
    old_as_of: str | None
    new_as_of: str | None
    old_scenario: str | None
    new_scenario: str | None
    old_version: str
    new_version: str
    currency: str
    inputs: tuple[InputChange, ...]
    accounts: AccountChanges
    tiers: TierDiff
    plan: tuple[PlanChange, ...]
    old_fits: bool
    new_fits: bool
    resolved: tuple[int, ...] = ()  # the input changes re-solved alone
    not_resolved: tuple[int, ...] = ()  # changes that could not be (rows added or removed, tiering next to other tiering)
    note: str = ""  # why attribution was not tried (too many changes)

    @property
    def same_inputs(self) -> bool:
        return self.old_fingerprint is not None and self.old_fingerprint == self.new_fingerprint


@dataclass(frozen=True)
class PlanVersion:
    """One side of a diff: its plan.json document, and its typed inputs (with the accounts when it comes from a workbook)."""

    label: str
    document: Mapping[str, Any]
    inputs: PlanInputs
    segmentation: Segmentation | None = None  # when planned from a workbook now
    from_workbook: bool = False
    extra: Mapping[str, Any] = field(default_factory=dict)


# ------------------------------------------------------------------ inputs


def _label(sheet: str, key: str) -> str:
    try:
        if sheet == schema.FINANCE.name:
            return schema.FINANCE.setting(key).label
        if sheet == schema.OPERATIONS.name:
            return schema.OPERATIONS.setting(key).label
        return schema.sheet_by_name(sheet).column(key).header
    except KeyError:
        return key


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool) and not isinstance(b, bool):
        return float(a) == float(b)
    return bool(a == b)


def _compared_keys(sheet: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    keys = list(dict.fromkeys([*old, *new]))
    if sheet in SETTINGS_SHEETS or sheet not in FIELDS:  # settings, and the sheets a scenario does not change (Pilots)
        return keys
    return [k for k in keys if k in FIELDS[sheet]]


def _sheet_rows(doc: Mapping[str, Any]) -> Mapping[str, list[Mapping[str, Any]]]:
    inputs = doc.get("inputs")
    if not isinstance(inputs, Mapping) or "sheets" not in inputs:
        raise KeyError("inputs")
    sheets: Mapping[str, list[Mapping[str, Any]]] = inputs["sheets"]
    return sheets


def diff_inputs(old_doc: Mapping[str, Any], new_doc: Mapping[str, Any]) -> list[InputChange]:
    """Every input cell that differs between two plan.json documents, sheet by sheet in workbook order, row by row."""
    old_sheets, new_sheets = _sheet_rows(old_doc), _sheet_rows(new_doc)
    out: list[InputChange] = []
    for sheet in SHEETS:
        old_rows = {tuple(x.casefold() for x in r["row"]): r for r in old_sheets.get(sheet, [])}
        new_rows = {tuple(x.casefold() for x in r["row"]): r for r in new_sheets.get(sheet, [])}
        for key in dict.fromkeys([*new_rows, *old_rows]):
            o, n = old_rows.get(key), new_rows.get(key)
            if o is None and n is not None:
                out.append(InputChange(sheet, tuple(n["row"]), "", "row", None, None, None, _first_cell(n), "added"))
                continue
            if n is None and o is not None:
                out.append(InputChange(sheet, tuple(o["row"]), "", "row", None, None, _first_cell(o), None, "removed"))
                continue
            assert o is not None and n is not None
            ov, nv = o["values"], n["values"]
            for k in _compared_keys(sheet, ov, nv):
                if not _same(ov.get(k), nv.get(k)):
                    out.append(InputChange(sheet, tuple(n["row"]), k, _label(sheet, k), ov.get(k), nv.get(k),
                                           o.get("cells", {}).get(k), n.get("cells", {}).get(k), "changed",
                                           n.get("sources", {}).get(k, "")))
    return out


def _first_cell(row: Mapping[str, Any]) -> str | None:
    cells = list(row.get("cells", {}).values())
    return cells[0] if cells else None


def _account_changes(old: PlanVersion, new: PlanVersion) -> AccountChanges:
    oa = old.document.get("inputs", {}).get("accounts", {})
    na = new.document.get("inputs", {}).get("accounts", {})
    same = bool(oa.get("fingerprint")) and oa.get("fingerprint") == na.get("fingerprint")
    base = AccountChanges(int(oa.get("count", 0)), int(na.get("count", 0)), same)
    if same or not (old.from_workbook and new.from_workbook):
        return base
    a, b = old.inputs.accounts, new.inputs.accounts
    if "account_id" not in a.columns or "account_id" not in b.columns:
        return base
    a = a.set_index(a["account_id"].astype(str))
    b = b.set_index(b["account_id"].astype(str))
    both = a.index.intersection(b.index, sort=False)
    columns = [c for c in b.columns if c in a.columns and c != "account_id"]
    changed_ids: list[str] = []
    examples: list[str] = []
    if len(both):
        mask = np.zeros(len(both), dtype=bool)
        left, right = a.loc[both, columns], b.loc[both, columns]
        per_column: dict[str, np.ndarray] = {}
        for c in columns:
            x, y = left[c].to_numpy(dtype=object), right[c].to_numpy(dtype=object)
            differs = np.array([not (_missing(p) and _missing(q)) and not _same(p, q) for p, q in zip(x, y)], dtype=bool)
            per_column[c] = differs
            mask |= differs
        changed_ids = [str(i) for i in both[mask]]
        for i in np.flatnonzero(mask)[:EXAMPLES]:
            ident = str(both[i])
            parts = [f"{_account_label(c)}: {_show(left[c].iloc[i])} \u2192 {_show(right[c].iloc[i])}" for c in columns if per_column[c][i]]
            examples.append(f"{ident} " + "; ".join(parts[:3]) + ("; ..." if len(parts) > 3 else ""))
    return AccountChanges(len(a), len(b), False, added=int((~b.index.isin(a.index)).sum()), removed=int((~a.index.isin(b.index)).sum()),
                          changed=len(changed_ids), examples=tuple(examples))


def _missing(v: Any) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v))


def _show(v: Any) -> str:
    if _missing(v):
        return "blank"
    if isinstance(v, float):
        return f"{v:,.0f}" if v.is_integer() else f"{v:,.4g}"
    return str(v)


def _account_label(key: str) -> str:
    try:
        return schema.ACCOUNTS.column(key).header
    except KeyError:
        return key


# ------------------------------------------------------------------ tiers


def _account_tiers(version: PlanVersion) -> Mapping[str, str | None]:
    if version.segmentation is not None:
        seg = version.segmentation
        return {str(i): (None if t is None or t != t else str(t))
                for i, t in zip(seg.accounts["account_id"].astype(object).tolist(), seg.tiers.astype(object).tolist())}
    tiers: Mapping[str, str | None] = version.document.get("account_tiers") or {}
    return tiers


def diff_tiers(old: PlanVersion, new: PlanVersion, old_facts: PlanFacts, new_facts: PlanFacts) -> TierDiff:
    names = list(dict.fromkeys([*new_facts.accounts, *old_facts.accounts]))
    counts = tuple((t, old_facts.accounts.get(t), new_facts.accounts.get(t)) for t in names)
    cut_names = list(dict.fromkeys([*new_facts.cutoffs, *old_facts.cutoffs]))
    cutoffs = tuple((t, old_facts.cutoffs.get(t), new_facts.cutoffs.get(t)) for t in cut_names)
    a, b = _account_tiers(old), _account_tiers(new)
    moves: dict[tuple[str, str], int] = {}
    compared = 0
    for ident, tier in b.items():
        if ident not in a:
            continue
        compared += 1
        before = a[ident]
        if before != tier:
            key = (str(before), str(tier))
            moves[key] = moves.get(key, 0) + 1
    order = {t: i for i, t in enumerate(names)}
    ordered = sorted(moves.items(), key=lambda kv: (order.get(kv[0][0], 99), order.get(kv[0][1], 99)))
    return TierDiff(counts, cutoffs, tuple((o, n, k) for (o, n), k in ordered), sum(moves.values()), compared)


# ------------------------------------------------------------------ the plan


def _money_differs(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return (a is None) != (b is None)
    return abs(a - b) > MONEY_TOLERANCE


def _number_differs(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return (a is None) != (b is None)
    return abs(a - b) > 1e-9 * max(1.0, abs(a), abs(b))


def plan_values(f: PlanFacts) -> dict[tuple[str, tuple[str, ...]], Any]:
    """Every figure a diff compares, keyed by (what, item)."""
    out: dict[tuple[str, tuple[str, ...]], Any] = {
        ("fit", ()): f.fits,
        ("status", ()): f.status,
        ("budget", ()): f.budget,
        ("total_cost", ()): f.total_cost,
        ("budget_used", ()): f.budget_used,
        ("value", ()): f.value,
        ("assessed_service_value", ()): f.assessed_service_value,
    }
    for (role, tier), n in f.people.items():
        out[("people", (role, tier))] = n
    for (service, tier), x in f.intervals.items():
        out[("interval", (service, tier))] = x
    for (tier, channel), x in f.support.items():
        out[("support", (tier, channel))] = round(x, 6)
    return out


def _differs(what: str, a: Any, b: Any) -> bool:
    if what in ("fit", "status"):
        return bool(a != b)
    if what in ("budget", "total_cost", "value", "assessed_service_value"):
        return _money_differs(a, b)
    if what == "people":
        return int(a or 0) != int(b or 0)
    if what == "budget_used":
        return _number_differs(a, b) and (a is None or b is None or abs(a - b) > 1e-6)
    return _number_differs(a, b)


def plan_changes(old: PlanFacts, new: PlanFacts) -> list[tuple[str, tuple[str, ...], Any, Any]]:
    a, b = plan_values(old), plan_values(new)
    out = []
    for key in dict.fromkeys([*a, *b]):
        what, item = key
        default = 0 if what == "people" else None
        x, y = a.get(key, default), b.get(key, default)
        if _differs(what, x, y):
            out.append((what, item, x, y))
    return out


# ------------------------------------------------------------------ attribution


def _typed(sheet: str, key: str, value: Any) -> Any:
    """A plain JSON value back as the reader types it for that column."""
    if value is None:
        return None
    spec: schema.Column | schema.Setting
    spec = schema.FINANCE.setting(key) if sheet == schema.FINANCE.name else schema.sheet_by_name(sheet).column(key)
    if key == "target_unit":
        return TargetUnit(value)
    if sheet == "Scoring" and key == "direction":
        return Direction(value)
    if spec.kind == schema.CHOICE and spec.enum is not None:
        return spec.enum(value)
    if spec.kind == schema.BOOL:
        return bool(value)
    if spec.kind == schema.INTEGER:
        return int(value)
    if spec.kind in (schema.NUMBER, schema.CURRENCY, schema.PERCENT):
        return float(value)
    if spec.kind == schema.DATE:
        return _dt.date.fromisoformat(str(value))
    return value


def _reads_tiering(change: InputChange) -> bool:
    return change.sheet in SEGMENTATION_SHEETS or (change.sheet == schema.FINANCE.name and change.key in SEGMENTATION_SETTINGS)


def attribute(changes: Sequence[InputChange], accounts: AccountChanges, old: PlanVersion, new: PlanVersion,
              found: Sequence[tuple[str, tuple[str, ...], Any, Any]], max_resolves: int = MAX_RESOLVES,
              progress: Callable[[str], None] | None = None) -> tuple[list[tuple[int, ...] | None], tuple[int, ...], tuple[int, ...], str]:
    """For each plan change, the input changes (indexes) that alone explain it; with the ones re-solved, not re-solved, and a note."""
    from planner.scenarios.run import Variant, plan_variants

    n_units = len(changes) + (0 if accounts.same else 1)
    if not found:
        return [], (), (), ""
    if n_units == 0:
        return [None] * len(found), (), (), ""
    if n_units == 1:  # one change explains everything (index len(changes) stands for the accounts)
        return [(0,)] * len(found), (), (), ""
    # what the optimisation reads: Operations settings and Pilots rows change the operating figures, never the plan
    appliable = [i for i, c in enumerate(changes) if c.kind == "changed" and (c.sheet == schema.FINANCE.name or c.sheet in FIELDS)]
    if len(appliable) > max_resolves:
        return [()] * len(found), (), tuple(range(len(changes))), (
            f"{len(changes)} inputs changed: more than the {max_resolves} TierPlan re-solves one at a time, so no plan change is put down to one of them")
    tiering = [i for i in appliable if _reads_tiering(changes[i])]
    tiering_units = len(tiering) + (0 if accounts.same else 1)
    old_stats = old.segmentation.tier_stats() if old.segmentation is not None else tier_stats_from_plan_json(old.document)
    new_stats = new.segmentation.tier_stats() if new.segmentation is not None else tier_stats_from_plan_json(new.document)
    variants: list[Variant] = []
    resolved: list[int] = []
    not_resolved = [i for i, c in enumerate(changes) if i not in appliable]
    for i in appliable:
        c = changes[i]
        change = Change(c.sheet, c.row, c.key, c.label, _typed(c.sheet, c.key, c.new), c.new_cell or c.old_cell or "")
        inputs = apply_scenario(old.inputs, Scenario(f"change {i + 1}", (change,)))
        inputs = _as_baseline(inputs)
        if not _reads_tiering(c):
            variant = Variant(f"change {i + 1}", inputs, old.segmentation, None if old.segmentation is not None else old_stats)
        elif old.from_workbook:
            variant = Variant(f"change {i + 1}", inputs)  # tiered again with this one change
        elif tiering_units == 1:
            variant = Variant(f"change {i + 1}", inputs, None, new_stats)  # the only change the tiering reads: NEW's tiers
        else:
            not_resolved.append(i)
            continue
        variants.append(variant)
        resolved.append(i)
    accounts_variant = None
    if not accounts.same:
        if old.from_workbook and new.from_workbook:
            accounts_variant = Variant("accounts", _as_baseline(_with_accounts(old.inputs, new.inputs)))
        elif tiering_units == 1:
            accounts_variant = Variant("accounts", old.inputs, None, new_stats)
        if accounts_variant is not None:
            variants.append(accounts_variant)
    plans = plan_variants(variants, sensitivity=False, progress=progress) if variants else []
    facts = [plan_values(facts_of(p.optimization, p.segmentation, None if p.segmentation is not None else v.tier_stats))
             for p, v in zip(plans, variants)]
    unit_index = resolved + ([len(changes)] if accounts_variant is not None else [])  # len(changes) stands for "the accounts"
    causes: list[tuple[int, ...] | None] = []
    for what, item, _old_value, new_value in found:
        explains = tuple(u for u, f in zip(unit_index, facts)
                         if not _differs(what, f.get((what, item), 0 if what == "people" else None), new_value))
        causes.append(explains)
    return causes, tuple(resolved), tuple(sorted(not_resolved)), ""


def _as_baseline(inputs: PlanInputs) -> PlanInputs:
    from dataclasses import replace

    return replace(inputs, scenario=None)


def _with_accounts(old: PlanInputs, new: PlanInputs) -> PlanInputs:
    from dataclasses import replace

    return replace(old, accounts=new.accounts)


def diff_plans(old: PlanVersion, new: PlanVersion, *, attribute_changes: bool = True, max_resolves: int = MAX_RESOLVES,
               progress: Callable[[str], None] | None = None) -> PlanDiff:
    """Everything that changed from OLD to NEW (see the module's docstring)."""
    try:
        changes = diff_inputs(old.document, new.document)
    except KeyError:
        which = old if "inputs" not in old.document else new
        version = which.document.get("tool", {}).get("version", "an earlier version")
        raise UserInputError(Problem(which.label, f"this plan.json was written by TierPlan {version}, which did not record its inputs",
                                     "run the plan again with this version, or compare the workbooks")) from None
    old_facts, new_facts = facts_from_plan_json(old.document), facts_from_plan_json(new.document)
    accounts = _account_changes(old, new)
    tiers = diff_tiers(old, new, old_facts, new_facts)
    found = plan_changes(old_facts, new_facts)
    causes: list[tuple[int, ...] | None] = [None] * len(found)
    resolved: tuple[int, ...] = ()
    not_resolved: tuple[int, ...] = ()
    note = ""
    if attribute_changes:
        causes, resolved, not_resolved, note = attribute(changes, accounts, old, new, found, max_resolves, progress)
    doc_o, doc_n = old.document, new.document
    return PlanDiff(
        old_label=old.label, new_label=new.label,
        old_fingerprint=doc_o.get("fingerprint"), new_fingerprint=doc_n.get("fingerprint"),
        old_as_of=doc_o.get("as_of"), new_as_of=doc_n.get("as_of"),
        old_scenario=doc_o.get("scenario"), new_scenario=doc_n.get("scenario"),
        old_version=str(doc_o.get("tool", {}).get("version", "")), new_version=str(doc_n.get("tool", {}).get("version", "")),
        currency=new_facts.currency,
        inputs=tuple(changes), accounts=accounts, tiers=tiers,
        plan=tuple(PlanChange(what, item, a, b, cause) for (what, item, a, b), cause in zip(found, causes)),
        old_fits=old_facts.fits, new_fits=new_facts.fits, resolved=resolved, not_resolved=not_resolved, note=note,
    )


__all__ = ["AccountChanges", "InputChange", "MAX_RESOLVES", "PlanChange", "PlanDiff", "PlanVersion", "TierDiff", "diff_inputs",
           "diff_plans", "diff_tiers", "plan_changes", "plan_values"]
