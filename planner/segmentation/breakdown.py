"""Tiers by other dimensions (industry, company size, region, product), and drift.

The source process names these as alternative segmentation criteria; here
they are shown beside the score-based tiers so a CS lead can see, for
example, how much Healthcare ARR sits in the low-touch tier.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

UNKNOWN = "Unknown"
OTHER = "Other"
TOP_VALUES = 20  # values shown per dimension; the rest are summed under "Other"

SIZE_EDGES = (50, 250, 1_000, 5_000)
SIZE_LABELS = ("Under 50", "50-249", "250-999", "1,000-4,999", "5,000 and more")

DRIFT_FLAGS = ("", "High-value account losing ground", "Small account expanding fast")

DIMENSIONS = (("Industry", "industry"), ("Company size", "size_band"), ("Region", "region"), ("Product", "product"))


def size_band_codes(employees: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Employee headcount -> (size band codes, labels); blank is 'Unknown'."""
    idx = np.searchsorted(np.array(SIZE_EDGES, dtype=float), np.nan_to_num(employees, nan=0.0), side="right")
    idx = np.where(np.isnan(employees), len(SIZE_LABELS), idx)
    return idx.astype(np.int64), list(SIZE_LABELS) + [UNKNOWN]


def breakdown(dims: dict[str, tuple[np.ndarray, list[str]]], tier_idx: np.ndarray, arr: np.ndarray,
              tier_names: Sequence[str]) -> pd.DataFrame:
    """Wide table: dimension, value, accounts, ARR, then accounts and ARR per tier.

    ``dims`` maps a dimension key to (codes per account, label per code).
    """
    from planner.segmentation.tiering import arr_cents

    K = len(tier_names)
    cents = arr_cents(arr)  # whole cents: exact sums whatever the row order
    frames = []
    for dim_name, key in DIMENSIONS:
        codes, values = dims[key]
        m = len(values)
        if m == 0 or not len(codes):
            continue
        flat = codes * K + tier_idx
        counts = np.bincount(flat, minlength=m * K).reshape(m, K)
        money = np.bincount(flat, weights=cents, minlength=m * K).reshape(m, K) / 100.0
        table = pd.DataFrame({"dimension": dim_name, "value": pd.Series(values, dtype=object)})
        table["accounts"] = counts.sum(axis=1)
        table["arr"] = money.sum(axis=1)
        for k, name in enumerate(tier_names):
            table[f"{name} accounts"] = counts[:, k]
            table[f"{name} ARR"] = money[:, k]
        table = table[table["accounts"] > 0]
        if key != "size_band":
            known = table[table["value"] != UNKNOWN].sort_values(["arr", "value"], ascending=[False, True], kind="stable")
            unknown = table[table["value"] == UNKNOWN]
            if len(known) > TOP_VALUES:
                head, tail = known.iloc[:TOP_VALUES], known.iloc[TOP_VALUES:]
                other = tail.drop(columns=["dimension", "value"]).sum().to_frame().T
                other.insert(0, "value", f"{OTHER} ({len(tail)} values)")
                other.insert(0, "dimension", dim_name)
                known = pd.concat([head, other], ignore_index=True)
            table = pd.concat([known, unknown], ignore_index=True)
        frames.append(table)
    columns = ["dimension", "value", "accounts", "arr"] + [f"{t} {w}" for t in tier_names for w in ("accounts", "ARR")]
    if not frames:
        return pd.DataFrame(columns=columns)
    out = pd.concat(frames, ignore_index=True)[columns]
    for col in out.columns:
        if col.endswith(" accounts") or col == "accounts":
            out[col] = out[col].astype("int64")
        elif col.endswith(" ARR") or col == "arr":
            out[col] = out[col].astype("float64")
    return out.reset_index(drop=True)


def drift_flags(change: np.ndarray, arr_rank: np.ndarray, threshold: float) -> np.ndarray:
    """'High-value account losing ground' / 'Small account expanding fast' / ''."""
    change = np.nan_to_num(change, nan=0.0)
    rank = np.nan_to_num(arr_rank, nan=0.0)
    code = np.zeros(change.shape, dtype=np.int64)
    code[(rank >= 80.0) & (change <= -threshold)] = 1
    code[(rank < 50.0) & (change >= threshold)] = 2
    return pd.Categorical.from_codes(code, categories=DRIFT_FLAGS)
