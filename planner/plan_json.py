"""plan.json: the one serialisation of a Plan (schema in docs/plan-json.md).

The report, the results workbook and the Excel adapter all read numbers from
the same objects this module serialises, so the PDF summary can be checked
against plan.json number for number.
"""

from __future__ import annotations

import math
from dataclasses import asdict, is_dataclass
from pathlib import Path

import numpy as np
import pandas as pd

import planner

SCHEMA_VERSION = 1


def plan_to_dict(plan) -> dict:
    inputs = plan.inputs
    fin = inputs.finance
    seg = plan.segmentation.to_dict()
    opt = plan.optimization.to_dict()
    totals = plan.valuation.get("totals", {})
    summary = {
        "status": opt.get("status"),
        "mode": opt.get("mode"),
        "budget": opt.get("budget"),
        "total_cost": opt.get("total_cost"),
        "budget_used": opt.get("budget_used_share"),
        "value": opt.get("value"),
        "accounts": totals.get("accounts"),
        "arr": totals.get("arr"),
    }
    return jsonable(
        {
            "schema_version": SCHEMA_VERSION,
            "tool": {"name": "TierPlan", "version": planner.__version__},
            "source": Path(inputs.source).name if inputs.source else "",
            "fiscal_year": fin.fiscal_year,
            "currency": fin.currency,
            "options": asdict(plan.options),
            "summary": summary,
            "finance": asdict(fin),
            "valuation": plan.valuation,
            "segmentation": seg,
            "optimization": opt,
            "notes": [str(p) for p in inputs.notes],
        }
    )


def jsonable(value):
    """Plain JSON types only: numpy scalars unboxed, NaN/inf -> None, DataFrames -> records."""
    if isinstance(value, dict):
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
    if value is None or isinstance(value, (int, str)):
        return value
    if value is pd.NA or value is pd.NaT:
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)
