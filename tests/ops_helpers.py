"""Shared builders for the operations tests: the default tiers and SLAs as typed inputs, small account tables."""

from __future__ import annotations

import pandas as pd

from planner.inputs import SLA, Tier
from planner.workbook.defaults import sla_rows, tier_rows

SECONDS = {"seconds": 1, "minutes": 60, "hours": 3600}


def default_tiers() -> tuple[Tier, ...]:
    return tuple(Tier(r["name"], i, r["engagement"], r["band_basis"], r["band_min"], r["band_max"], r["max_cost_share"])
                 for i, r in enumerate(tier_rows()))


def default_slas() -> tuple[SLA, ...]:
    return tuple(SLA(r["tier"], r["severity"], r["channel"], r["target"] * SECONDS[r["target_unit"]], r["tickets"],
                     r["handle_minutes"], r["service_level"], r["role"]) for r in sla_rows())


def accounts(rows: list[dict]) -> pd.DataFrame:
    """An accounts table as PlanInputs carries it: fixed columns plus the outcome columns under CRM headers."""
    frame = pd.DataFrame(rows)
    for col, default in (("name", None), ("previous_tier", None)):
        if col not in frame.columns:
            frame[col] = default
    if frame["name"].isna().any():
        frame["name"] = frame["name"].fillna(frame["account_id"])
    return frame
