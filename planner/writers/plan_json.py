"""plan.json: the one serialisation of a Plan (schema in docs/plan-json.md), made here and only here.

Built from the typed objects (planner.valuation.Valuation, planner.segmentation.Segmentation,
planner.optimization.OptimizationResult); every sentence in it comes from
:mod:`planner.report.words`, so plan.json, the report and the result sheets say the same.
The same plan always gives the same bytes: no timings, no clock, no absolute paths (the only date is the
plan's as-of date, from the Finance sheet or ``--as-of``).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import asdict, is_dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

import planner
from planner.report import operations_words, words
from planner.valuation import MARGIN_READING, Valuation, valuation
from planner.versions.normalise import fingerprint_of, normalised_inputs, plain

if TYPE_CHECKING:
    from planner.inputs import PlanInputs
    from planner.operations import OperationsReport
    from planner.optimization import OptimizationResult
    from planner.pilots.evaluate import PilotResult
    from planner.pilots.stats import Comparison
    from planner.pipeline import Plan
    from planner.segmentation import Segmentation

SCHEMA_VERSION = 1
TOP_LIST = 50  # movers and drift listed in plan.json; every account is in crm_tiers.csv


def plan_to_dict(plan: Plan) -> dict:
    inputs = plan.inputs
    fin = inputs.finance
    opt = plan.optimization
    totals = plan.valuation.totals
    summary = {
        "status": opt.status,
        "mode": opt.mode,
        "budget": opt.budget,
        "total_cost": opt.total_cost,
        "budget_used": opt.budget_used_share,
        "value": opt.value,
        "accounts": totals.accounts,
        "arr": totals.arr,
    }
    normalised = normalised_inputs(inputs)
    return jsonable(
        {
            "schema_version": SCHEMA_VERSION,
            "tool": {"name": "TierPlan", "version": planner.__version__},
            "source": Path(inputs.source).name if inputs.source else "",
            "scenario": inputs.scenario,
            "as_of": fin.as_of,
            "fingerprint": fingerprint_of(normalised),
            "fiscal_year": fin.fiscal_year,
            "currency": fin.currency,
            "options": asdict(plan.options),
            "summary": summary,
            "finance": asdict(fin),
            "overrides": overrides_json(inputs),
            "inputs": normalised,
            "valuation": valuation_json(plan.valuation),
            "segmentation": segmentation_json(plan.segmentation),
            "account_tiers": account_tiers_json(plan.segmentation),
            "optimization": optimization_json(opt),
            "operations": None if plan.operations is None else operations_json(plan.operations),
            **pilots_part(plan),
            "notes": [str(p) for p in inputs.notes],
            "warnings": [{"where": w.where, "message": w.message, "expected": w.expected, "kind": w.kind, "cells": list(w.cells),
                          "text": str(w)} for w in inputs.warnings],
        }
    )


def overrides_json(inputs: PlanInputs) -> list[dict]:
    """The workbook values this run replaced: by a scenario (with the Scenarios cell) or an option."""
    return [{"sheet": o.sheet, "row": list(o.row), "key": o.key, "label": o.label, "cell": inputs.refs.get(o.sheet, tuple(o.row), o.key),
             "workbook_value": plain(o.sheet_value), "value": plain(o.value), "source": o.source, "where": o.where or None}
            for o in inputs.overrides]


def account_tiers_json(seg: Segmentation) -> dict[str, str | None]:
    """Every account's final tier, by account id in the export's order (what `tierplan diff` compares accounts on)."""
    ids = map(str, seg.accounts["account_id"].astype(object).tolist())
    tiers = pd.Categorical(seg.tiers.astype(object))  # a few names: each made text once, missing ones None
    names = np.array([str(t) for t in tiers.categories] + [None], dtype=object)
    return dict(zip(ids, names[tiers.codes].tolist()))  # code -1 (missing) picks the None at the end


def pilots_part(plan: Plan) -> dict:
    """plan.json's ``pilots`` and ``pilot_problems`` (pilots.json holds the same)."""
    cur = plan.inputs.finance.currency
    return {"pilots": [pilot_json(r, currency=cur, cost=c) for r, c in zip(plan.pilots, plan.pilot_costs or [None] * len(plan.pilots))],
            "pilot_problems": [str(p) for p in plan.pilot_problems]}


def pack_head(plan: Plan, as_of: str) -> dict:
    """What pilots.json and review.json say about the plan they come from: dated and fingerprinted as its plan.json is
    (``as_of`` the plan's, ``figures_as_of`` the day the operating figures are taken at)."""
    inputs = plan.inputs
    return {"schema_version": SCHEMA_VERSION, "tool": {"name": "TierPlan", "version": planner.__version__},
            "source": Path(inputs.source).name if inputs.source else "", "scenario": inputs.scenario,
            "as_of": inputs.finance.as_of.isoformat() if inputs.finance.as_of is not None else None,
            "fingerprint": fingerprint_of(normalised_inputs(inputs)), "figures_as_of": as_of or None,
            "fiscal_year": inputs.finance.fiscal_year, "currency": inputs.finance.currency}


def pilots_document(plan: Plan, as_of: str) -> dict:
    """pilots.json: the pilots judged, as plan.json holds them."""
    return jsonable({**pack_head(plan, as_of), **pilots_part(plan)})


def review_document(plan: Plan, review, as_of: str, words) -> dict:
    """review.json: what changed since the previous plan and the proposals, with their facts and their words.

    ``words``: proposal -> (finding, evidence, action), from planner.report.review_words.
    """
    changes = [{"group": c.group, "figure": c.label, "before": c.before, "after": c.after, "change": c.delta, "unit": c.unit}
               for c in review.changes]
    proposals = []
    for p in review.proposals:
        finding, evidence, action = words(p)
        proposals.append({"area": p.area.value, "kind": p.kind.value, "subject": p.subject, "facts": dict(p.facts),
                          "examples": [dict(e) for e in p.examples], "finding": finding, "evidence": evidence,
                          "proposed": action})
    return jsonable({**pack_head(plan, as_of), "previous": {"source": review.previous_source,
                                                              "fiscal_year": review.previous_fiscal_year,
                                                              "as_of": review.previous_as_of,
                                                              "fingerprint": review.previous_fingerprint},
                     "comparable": review.comparable, "mismatches": list(review.mismatches), "changes": changes,
                     "proposals": proposals, **pilots_part(plan)})


# ------------------------------------------------------------------ valuation


def valuation_json(v: Valuation) -> dict:
    t = v.totals
    return jsonable({
        "currency": v.currency,
        "margin": v.margin,
        "value_multiplier": v.value_multiplier,
        "margin_reading": MARGIN_READING,
        "budget": v.budget,
        "services": v.services,
        "tiers": v.tiers,
        "totals": {
            "accounts": t.accounts,
            "arr": t.arr,
            "cost_to_serve": t.cost_to_serve,
            "assessed_value": t.assessed_value,
            "cost_share_of_arr": t.cost_share_of_arr,
            "budget_used_share": t.budget_used_share,
        },
    })


def valuation_report(inputs: PlanInputs, tier_of_account: pd.Series | None = None) -> dict:
    """The valuation as JSON (`tierplan value --json`, plan.json's ``valuation``)."""
    return valuation_json(valuation(inputs, tier_of_account))


# ------------------------------------------------------------------ segmentation


def segmentation_json(seg: Segmentation) -> dict:
    """The tiering summary (docs/segmentation.md): cut-offs, bands, counts, movers and drift (top lists), gaps, breakdowns."""
    from planner.writers.segmentation_sheets import tier_formula

    acc = seg.accounts
    mv = seg.movers
    cols = ["account_id", "name", "arr", "previous_tier", "tier", "score", "previous_score", "score_change", "reason"]
    flags = seg.drift["flag"].value_counts() if len(seg.drift) else pd.Series(dtype=int)
    return jsonable(
        {
            "accounts": len(acc),
            "tiers": list(seg.tier_names),
            "cutoffs": {k: float(v) for k, v in seg.cutoffs.items()},
            "cutoff_method": seg.cutoff_method,
            "previous_cutoffs": ({k: float(v) for k, v in seg.previous_cutoffs.items()}
                                 if seg.previous_cutoffs is not None else None),
            "cutoff_changes": seg.cutoff_changes,
            "bands_feasible": seg.bands_feasible,
            "band_target_position": seg.lam,
            "crm_rule": tier_formula("score", seg.cutoffs),
            "margin": seg.margin,
            "strategic_tier": seg.strategic_tier,
            "bands": seg.bands,
            "band_message": seg.band_message,
            "counts": {t: int(n) for t, n in zip(seg.bands["tier"], seg.bands["accounts"])},
            "arr": {t: float(v) for t, v in zip(seg.bands["tier"], seg.bands["arr"])},
            "rules": seg.rule_counts(),
            "changed": int(acc["changed"].sum()),
            "new_accounts": int(acc["previous_tier"].isna().sum()),
            "pillar_weights": seg.pillar_weights,
            "movers": {
                "up": int((mv["direction"] == "up").sum()),
                "down": int((mv["direction"] == "down").sum()),
                "top_up": mv.loc[mv["direction"] == "up", cols].head(TOP_LIST),
                "top_down": mv.loc[mv["direction"] == "down", cols].head(TOP_LIST),
            },
            "drift": {
                "threshold": seg.drift_threshold,
                "flagged": {str(k): int(v) for k, v in flags.items() if k},
                "top": seg.drift.head(TOP_LIST),
            },
            "data_gaps": seg.data_gaps,
            "breakdown": seg.breakdown,
            "notes": list(seg.notes),
        }
    )


# ------------------------------------------------------------------ optimization


def optimization_json(opt: OptimizationResult) -> dict:
    cur = opt.currency
    b = opt.cost_breakdown
    diag = opt.diagnosis
    return jsonable(
        {
            "status": opt.status,
            "proven_optimal": opt.proven_optimal,
            "gap": opt.gap,
            "cost_gap": opt.cost_gap,
            "solver": opt.solver,
            "mode": opt.mode,
            "budget": opt.budget,
            "time_limit": opt.time_limit,
            "currency": cur,
            "plan_kind": opt.plan_kind,
            "within_budget": opt.within_budget,
            "total_cost": opt.total_cost,
            "budget_used_share": opt.budget_used_share,
            "cost_breakdown": {} if b is None else {
                "people_by_role": b.people_by_role,
                "people": b.people,
                "direct_services": b.direct_services,
                "automated": b.automated,
                "support": b.support,
                "support_note": "share of people cost (by hours) spent on support queues; already inside people",
                "support_at_rate": b.support_at_rate,
                "support_spare_hours": b.support_spare_hours,
                "total": b.total,
            },
            "negotiated_cost": opt.negotiated_cost,
            "negotiated_plan_fits": opt.negotiated_plan_fits,
            "interval_changes": [{**asdict(ch), "refs": list(ch.refs)} for ch in opt.interval_changes],
            "value": opt.value,
            "assessed_service_value": opt.assessed_service_value,
            "intervals": opt.intervals,
            "headcount": opt.headcount,
            "support": opt.support,
            "tiers": opt.tiers,
            "shadow_prices": words.shadow_rows(opt),
            "binding_constraints": [dict(zip(("constraint", "kind", "detail"), words.binding_text(x, cur)), refs=list(x.refs))
                                    for x in opt.binding],
            "frontier": opt.frontier,
            "infeasibility": None if diag is None else diagnosis_json(diag, cur),
            "trade_offs": [words.trade_off_text(t, cur) for t in opt.trade_offs],
            "notes": [words.note_text(n, cur) for n in opt.notes],
            "model_size": opt.model_size,
            "solves": [{k: v for k, v in asdict(r).items() if k != "output" or v} for r in opt.solves],
        }
    )


def diagnosis_json(diag, currency: str) -> dict:
    return {
        "summary": words.diagnosis_summary(diag, currency),
        "conflicts": [{"requirement": c.group, "description": words.requirement_text(c, currency), "refs": list(c.refs)}
                      for c in diag.conflicts],
        "smallest_budget": diag.smallest_budget,
        "budget_shortfall": diag.budget_shortfall,
        "smallest_budget_proven": diag.smallest_budget_proven,
        "extra_headcount": diag.extra_headcount,
        "extra_headcount_total": diag.extra_headcount_total,
        "relaxations": [{"requirement": r.requirement.group, "amount": r.amount, "unit": r.unit,
                         "description": words.relaxation_text(r, currency), "refs": list(r.requirement.refs)}
                        for r in diag.relaxations],
        "unreachable_slas": [{"tier": u.tier, "channel": u.channel, "severities": list(u.severities),
                              "description": words.unreachable_sla_text(u)} for u in diag.unreachable_slas],
        "partial": diag.undecided,
    }


# ------------------------------------------------------------------ operations


def operations_json(report: OperationsReport) -> dict:
    """The ``operations`` object of plan.json: plain JSON types, NaN as null, sentences beside the facts."""
    sm = report.segment_metrics
    att = report.sla_attainment
    out = report.outreach
    flags = out.flags.head(TOP_LIST).copy()
    flags["reason"] = operations_words.reason_texts(flags) if len(flags) else []
    flags["rule_label"] = flags["rule"].map(operations_words.rule_label) if len(flags) else []
    return jsonable({
        "as_of": report.as_of.isoformat(),
        "as_of_date": report.as_of_date.isoformat(),
        "tier_column": report.tier_column,
        "period": {"start": sm.period.start.isoformat(), "end": sm.period.end.isoformat(), "days": sm.period.days},
        "segment_metrics": {
            "tiers": [dataclasses.asdict(s) for s in sm.tiers],
            "engagement": [dataclasses.asdict(s) for s in sm.engagement],
            "total": dataclasses.asdict(sm.total),
            "off": [_ops_off(m) for m in sm.off],
        },
        "sla_attainment": None if att is None else {
            "window_days": att.window_days,
            "cells": [dataclasses.asdict(c) for c in att.cells],
            "worst_breaches": [dataclasses.asdict(b) for b in att.worst_breaches],
            "staffing": [dataclasses.asdict(c) for c in att.staffing],
            "tickets_without_sla": [{"tier": t, "severity": s, "tickets": n} for t, s, n in att.tickets_without_sla],
        },
        "outreach": {
            "rules": dataclasses.asdict(out.rules),
            "plays": dict(out.plays),
            "accounts_checked": out.accounts_checked,
            "flagged_accounts": out.flagged_accounts,
            "flagged_by_tier": dict(out.flagged_by_tier),
            "zero_usage_baseline": out.zero_usage_baseline,
            "zero_licensed_seats": out.zero_licensed_seats,
            "churned_not_flagged": out.churned_not_flagged,
            "off": [_ops_off(m) for m in out.off],
            "flags_total": len(out.flags),
            "flags_listed": len(flags),  # the first TOP_LIST; outreach.csv has every flag
            "flags": flags.to_dict(orient="records"),
        },
        "notes": [{**dataclasses.asdict(n), "text": operations_words.note_text(n)} for n in report.notes],
        "outcome_problems": [str(p) for p in report.outcome_problems],
    })


def _ops_off(m) -> dict:
    return {**dataclasses.asdict(m), "text": operations_words.off_text(m)}


# ------------------------------------------------------------------ pilots


def pilot_json(result: PilotResult, currency: str = "USD", cost=None) -> dict[str, Any]:
    """The pilot as plan.json carries it under ``pilots`` (keys in docs/pilots.md); ``cost``: a planner.pilots.costing.PilotCost."""
    from planner.report.pilot_words import describe_cost, describe_pilot

    c = result.comparison
    out: dict[str, Any] = {
        "name": result.pilot.name,
        "change": {"kind": result.pilot.change.kind.value, "description": result.pilot.change.description},
        "start": result.pilot.start.isoformat(),
        "end": result.pilot.end.isoformat(),
        "outcome": result.pilot.outcome.value,
        "baseline": result.pilot.baseline.value,
        "tiers": list(result.tiers),
    }
    out.update(comparison_json(c))
    out["groups"]["pilot"] = {"accounts": len(result.pilot_accounts), **out["groups"]["pilot"]}
    out["groups"]["baseline"] = {"accounts": len(result.baseline_accounts), **out["groups"]["baseline"]}
    out["still_running"] = result.running
    out["unmatched"] = list(result.unmatched)
    out["balance"] = None if result.balance is None else asdict(result.balance)
    out["excluded"] = {group: dict(sorted(reasons.items())) for group, reasons in sorted(result.excluded.items())}
    out["notes"] = [str(n) for n in result.notes]
    out["cost"] = None if cost is None else {**asdict(cost), "text": describe_cost(cost, result, currency=currency)}
    out["text"] = describe_pilot(result, currency=currency)
    return out


def comparison_json(c: Comparison) -> dict[str, Any]:
    """The statistical part of a pilot's plan.json entry; ``secondary`` holds the parts the same way."""
    return {
        "measure": c.measure.value,
        "groups": {
            "pilot": {"with_outcome": c.pilot_n, "value": c.pilot_value, "count": c.pilot_count},
            "baseline": {"with_outcome": c.baseline_n, "value": c.baseline_value, "count": c.baseline_count},
        },
        "difference": c.difference,
        "ci_low": c.ci_low,
        "ci_high": c.ci_high,
        "ci_level": c.ci_level,
        "ci_method": c.ci_method,
        "test": c.test.value,
        "sided": c.sided.value,
        "p_value": c.p_value,
        "p_adjusted": c.p_adjusted,
        "adjustment": c.adjustment,
        "tests_together": c.family_size,
        "alpha": c.alpha,
        "detectable_effect": c.detectable_effect,
        "detectable_unit": c.detectable_unit.value,
        "detectable_difference": c.detectable_difference,
        "verdict": c.verdict.value,
        "secondary": [comparison_json(part) for part in c.parts],
    }


# ----------------------------------------------------------- outcome data



# ------------------------------------------------------------------ plain JSON


def jsonable(value: Any) -> Any:
    """Plain JSON types only: numpy scalars unboxed, NaN/inf -> None, DataFrames -> records, dataclasses -> objects."""
    if isinstance(value, dict):
        if all(type(k) is str and (type(v) is str or v is None) for k, v in value.items()):
            return dict(value)  # already plain (account_tiers: a million entries)
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, pd.DataFrame):
        return [jsonable(r) for r in value.to_dict(orient="records")]
    if isinstance(value, pd.Series):
        return jsonable(value.tolist())
    if is_dataclass(value) and not isinstance(value, type):
        return jsonable(asdict(value))
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        v = float(value)
        return None if math.isnan(v) or math.isinf(v) else v
    if isinstance(value, str):
        return str(value)  # a StrEnum member as its plain text
    if value is None or isinstance(value, int):
        return value
    if value is pd.NA or value is pd.NaT:
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)
