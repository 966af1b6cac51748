"""Building PlanInputs for segmentation tests without a workbook."""

from __future__ import annotations

import pandas as pd

from planner.inputs import ACCOUNT_FIXED_COLUMNS, Finance, PlanInputs, ScoringRule, Tier

ARR_ONLY = (ScoringRule("Revenue", "arr", 1.0, 1, "ARR"),)


def tiers(*bands, basis="ARR", names=None) -> tuple[Tier, ...]:
    """tiers((0.1, 0.2), (0.3, 0.5), (0.3, 0.6)) -> Tier 1..3 with those bands on one basis (or a basis per band)."""
    out = []
    for i, band in enumerate(bands):
        b = basis[i] if isinstance(basis, (list, tuple)) else basis
        name = names[i] if names else f"Tier {i + 1}"
        out.append(Tier(name, i, ("High touch", "Mid touch", "Low touch")[min(i, 2)], b, band[0], band[1]))
    return tuple(out)


DEFAULT_TIERS = tiers((0.10, 0.20), (0.30, 0.50), (0.30, 0.60))


def accounts(**columns) -> pd.DataFrame:
    """An accounts frame with every fixed column (blank unless given) plus the given signal columns."""
    n = len(next(iter(columns.values())))
    frame = {}
    for key in ACCOUNT_FIXED_COLUMNS:
        if key in columns:
            frame[key] = list(columns[key])
        elif key == "account_id":
            frame[key] = [f"A{i:02d}" for i in range(n)]
        elif key == "name":
            frame[key] = [f"Account {i}" for i in range(n)]
        elif key in ("strategic", "churn_risk"):
            frame[key] = [False] * n
        elif key in ("arr", "employees", "previous_score"):
            frame[key] = [float("nan")] * n
        else:
            frame[key] = [None] * n
    for key, values in columns.items():
        if key not in frame:
            frame[key] = list(values)
    return pd.DataFrame(frame)


def make_inputs(acc: pd.DataFrame, tier_defs=DEFAULT_TIERS, rules=ARR_ONLY, margin=3.0, strategic_tier=None) -> PlanInputs:
    finance = Finance(budget=1_000_000.0, margin=0.3, retier_margin=margin, strategic_tier=strategic_tier)
    return PlanInputs(tier_defs, (), (), (), (), tuple(rules), finance, acc)
