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
    Values are ordered by ARR (largest first, then by name); company size
    keeps its natural order; 'Unknown' comes last.
    """
    from planner.segmentation.tiering import arr_cents

    K = len(tier_names)
    cents = arr_cents(arr)  # whole cents: exact sums whatever the row order
    dim_col, value_col, count_blocks, money_blocks = [], [], [], []
    for dim_name, key in DIMENSIONS:
        codes, values = dims[key]
        m = len(values)
        if m == 0 or not len(codes):
            continue
        flat = codes * K + tier_idx
        counts = np.bincount(flat, minlength=m * K).reshape(m, K)
        money = np.bincount(flat, weights=cents, minlength=m * K).reshape(m, K)
        labels = np.array(values, dtype=object)
        used = counts.sum(axis=1) > 0
        unknown = labels == UNKNOWN
        known = np.flatnonzero(used & ~unknown)
        if key != "size_band":
            order = np.lexsort((labels[known].astype(str), -money[known].sum(axis=1)))
            known = known[order]
        rows_counts, rows_money, rows_labels = [counts[known]], [money[known]], list(labels[known])
        if key != "size_band" and len(known) > TOP_VALUES:
            tail = known[TOP_VALUES:]
            rows_counts = [counts[known[:TOP_VALUES]], counts[tail].sum(axis=0, keepdims=True)]
            rows_money = [money[known[:TOP_VALUES]], money[tail].sum(axis=0, keepdims=True)]
            rows_labels = list(labels[known[:TOP_VALUES]]) + [f"{OTHER} ({len(tail)} values)"]
        rest = np.flatnonzero(used & unknown)
        rows_counts.append(counts[rest])
        rows_money.append(money[rest])
        rows_labels += list(labels[rest])
        block_counts = np.vstack(rows_counts)
        dim_col += [dim_name] * len(block_counts)
        value_col += rows_labels
        count_blocks.append(block_counts)
        money_blocks.append(np.vstack(rows_money))
    all_counts = np.vstack(count_blocks) if count_blocks else np.zeros((0, K), dtype=np.int64)
    all_money = np.vstack(money_blocks) / 100.0 if money_blocks else np.zeros((0, K))
    table = {"dimension": dim_col, "value": value_col, "accounts": all_counts.sum(axis=1).astype(np.int64), "arr": all_money.sum(axis=1)}
    for k, name in enumerate(tier_names):
        table[f"{name} accounts"] = all_counts[:, k].astype(np.int64)
        table[f"{name} ARR"] = all_money[:, k]
    return pd.DataFrame(table)


def drift_flags(change: np.ndarray, arr_rank: np.ndarray, threshold: float) -> pd.Categorical[str]:
    """'High-value account losing ground' / 'Small account expanding fast' / ''."""
    change = np.nan_to_num(change, nan=0.0)
    rank = np.nan_to_num(arr_rank, nan=0.0)
    code = np.zeros(change.shape, dtype=np.int64)
    code[(rank >= 80.0) & (change <= -threshold)] = 1
    code[(rank < 50.0) & (change >= threshold)] = 2
    return pd.Categorical.from_codes(code, categories=pd.Index(DRIFT_FLAGS))
