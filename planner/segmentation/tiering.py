"""Score cut-offs that put each tier's share of ARR (or of accounts) inside its band.

Accounts are ordered by score, highest first; accounts with the same score
always land in the same tier (a cut-off is a score, and the CRM rule
``score >= cut-off`` cannot split a tie).

Standard rule
    Every tier gets a target share the same fraction ``lam`` of the way through
    its band, with ``lam`` chosen so the targets add up to 100%:
    ``lam = (1 - sum of minimums) / (sum of maximums - sum of minimums)``,
    clipped to 0..1. Tiers are filled from the top: tier k takes the
    highest-scoring accounts until the tiers so far hold their cumulative
    target (the account that crosses the target is included). When a tier
    uses a different basis from the tier above, its target is counted from
    where the tier above ended.

Adjusted rule
    With few or very unequal accounts the standard rule can overshoot a band
    although other cut-offs would meet every band. The module then searches
    all score cut-offs (a dynamic programme over the 10,001 possible scores)
    and takes, tier by tier from the top, the feasible cut-off whose share is
    closest to the target. If no set of cut-offs meets every band, the
    standard cut-offs are kept and the bands report says by how much each
    band is missed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import overload

import numpy as np
import pandas as pd

from planner.arrays import BoolArray, FloatArray, IndexArray, IntArray
from planner.inputs import Tier
from planner.segmentation.scoring import SCALE_BINS

EPS = 1e-9
G = SCALE_BINS + 1  # score groups: group g holds score bin SCALE_BINS - g (highest score first)


@dataclass
class Cutoffs:
    bins: np.ndarray  # (K,) lowest score (hundredths) of each tier; the last tier's is 0
    boundaries: np.ndarray  # (K+1,) group boundaries: tier k holds groups boundaries[k]..boundaries[k+1]-1
    targets: np.ndarray  # (K,) target share per tier on its basis (last tier: what is left)
    lam: float
    method: str  # "standard", "adjusted", "previous" (last assessment's kept) or "previous-moved"
    feasible: bool  # some set of score cut-offs meets every band
    bases: list[str]  # basis each tier is measured on ("ARR" falls back to "Accounts" when total ARR is 0)

    @property
    def scores(self) -> np.ndarray:
        return self.bins / 100.0

    def tier_of_bin(self) -> np.ndarray:
        """Lookup table: score bin (0..10000) -> rule tier index."""
        table = np.full(G, len(self.bins) - 1, dtype=np.int64)
        for k in range(len(self.bins) - 2, -1, -1):
            table[self.bins[k] :] = k
        return table


def arr_cents(arr: np.ndarray) -> np.ndarray:
    """ARR in whole cents as float (exact integer sums, so the result never depends on row order)."""
    clean = np.nan_to_num(np.asarray(arr, dtype="float64"), nan=0.0, posinf=0.0, neginf=0.0)
    cents: FloatArray = np.rint(np.clip(clean, 0.0, None) * 100.0)
    return cents


def band_limits(tiers: tuple[Tier, ...]) -> tuple[np.ndarray, np.ndarray]:
    mins, maxs = [], []
    for t in tiers:
        lo = t.band_min if t.band_min is not None and np.isfinite(t.band_min) else 0.0
        hi = t.band_max if t.band_max is not None and np.isfinite(t.band_max) else 1.0
        lo, hi = min(max(lo, 0.0), 1.0), min(max(hi, 0.0), 1.0)
        mins.append(min(lo, hi))
        maxs.append(max(lo, hi))
    return np.array(mins), np.array(maxs)


def target_shares(mins: np.ndarray, maxs: np.ndarray) -> tuple[np.ndarray, float]:
    spread = float(maxs.sum() - mins.sum())
    lam = (1.0 - float(mins.sum())) / spread if spread > EPS else 0.0
    lam = min(max(lam, 0.0), 1.0)
    return mins + lam * (maxs - mins), lam


def _shares(bins: IntArray, arr: FloatArray, tiers: tuple[Tier, ...]) -> tuple[list[FloatArray], list[str], FloatArray, FloatArray, FloatArray, float, FloatArray]:
    """Cumulative shares per tier basis over score groups, bases, band limits, targets."""
    group = SCALE_BINS - bins
    counts = np.bincount(group, minlength=G).astype("float64")
    cents = np.bincount(group, weights=arr_cents(arr), minlength=G)
    n, total = counts.sum(), cents.sum()
    cum_n = np.concatenate([[0.0], np.cumsum(counts)]) / (n if n > 0 else 1.0)
    cum_a = np.concatenate([[0.0], np.cumsum(cents)]) / total if total > 0 else None
    bases = ["ARR" if t.band_basis == "ARR" and cum_a is not None else "Accounts" for t in tiers]
    cums = [cum_a if b == "ARR" and cum_a is not None else cum_n for b in bases]
    mins, maxs = band_limits(tiers)
    targets, lam = target_shares(mins, maxs)
    return cums, bases, mins, maxs, targets, lam, counts


def _cut_of(boundaries: np.ndarray) -> np.ndarray:
    K = len(boundaries) - 1
    cut = np.zeros(K, dtype=np.int64)
    for k in range(K - 1):
        cut[k] = G - boundaries[k + 1]  # score bins >= this are in tiers <= k
    return cut


def choose_cutoffs(bins: np.ndarray, arr: np.ndarray, tiers: tuple[Tier, ...]) -> Cutoffs:
    """Cut-offs per tier from the rounded scores and ARR (see the module docstring)."""
    cums, bases, mins, maxs, targets, lam, _ = _shares(bins, arr, tiers)
    standard = _standard_boundaries(cums, bases, targets)
    ok = _feasibility(cums, mins, maxs)
    feasible = bool(ok[0][0])
    boundaries, method = standard, "standard"
    if feasible and not _meets(standard, cums, mins, maxs):
        boundaries, method = _adjusted_boundaries(cums, bases, targets, mins, maxs, ok), "adjusted"
    out_targets = targets.copy()
    out_targets[-1] = np.nan
    return Cutoffs(_cut_of(boundaries), boundaries, out_targets, lam, method, feasible, bases)


def keep_previous_cutoffs(bins: np.ndarray, arr: np.ndarray, tiers: tuple[Tier, ...], fresh: Cutoffs,
                          previous: np.ndarray) -> Cutoffs:
    """Last assessment's cut-offs where the bands still hold with them, else the smallest move that meets every band.

    ``previous`` holds the last assessment's cut-offs (hundredths, non-increasing). The tiers by score
    with these cut-offs are checked against the bands; if every band holds they are kept (method
    "previous"). Otherwise, when some cut-offs can meet every band, the cut-offs are moved by the
    smallest total number of score points that meets every band (method "previous-moved"; a dynamic
    programme over the 10,001 scores, ties to the higher cut-off), each moved cut-off then placed at the
    lowest score left in its tier (same tiers). When no cut-offs can meet every band,
    the previous ones are kept and the misses reported.
    """
    K = len(tiers)
    cums, bases, mins, maxs, _targets, lam, counts = _shares(bins, arr, tiers)
    anchor = np.zeros(K + 1, dtype=np.int64)
    anchor[K] = G
    for k in range(K - 1):
        anchor[k + 1] = min(max(G - int(previous[k]), 0), G)
    anchor = np.maximum.accumulate(anchor)
    moved = None if not fresh.feasible or _meets(anchor, cums, mins, maxs) else _smallest_move(cums, mins, maxs, anchor)
    if moved is None:
        boundaries, method = anchor, "previous"
    else:
        boundaries, method = moved, "previous-moved"
        # a moved cut-off sits at the lowest score left in its tier (same tiers, the CRM rule reads naturally)
        filled = np.flatnonzero(counts > 0)  # score groups holding an account
        for k in range(1, K):
            if boundaries[k] != anchor[k] and len(filled):
                before = filled[filled < boundaries[k]]
                boundaries[k] = max(int(before[-1]) + 1, int(boundaries[k - 1])) if len(before) else boundaries[k - 1]
    return Cutoffs(_cut_of(boundaries), boundaries, fresh.targets.copy(), lam, method, fresh.feasible, bases)


def _range_min(values: np.ndarray, first: np.ndarray, last: np.ndarray) -> np.ndarray:
    """min(values[first[i]..last[i]]) for every i (inf where the range is empty), by a sparse table."""
    levels = [values]
    width = 1
    while 2 * width <= len(values):
        prev = levels[-1]
        levels.append(np.minimum(prev[:-width], prev[width:]))
        width *= 2
    out = np.full(len(first), np.inf)
    length = last - first + 1
    valid = length > 0
    level = np.zeros(len(first), dtype=np.int64)
    level[valid] = np.floor(np.log2(length[valid])).astype(np.int64)
    for j in np.unique(level[valid]):
        idx = np.flatnonzero(valid & (level == j))
        table = levels[j]
        out[idx] = np.minimum(table[first[idx]], table[last[idx] - (1 << int(j)) + 1])
    return out


def _smallest_move(cums: list[FloatArray], mins: FloatArray, maxs: FloatArray, anchor: IntArray) -> IntArray | None:
    """Boundaries meeting every band with the least total distance from ``anchor``; None when no boundaries do
    (bands the feasibility check passes within its tolerance can leave no score window here: a band of 0% to 0%)."""
    K = len(cums)
    positions = np.arange(G + 1)
    starts = positions
    last_ok = _in_band(cums[K - 1][G] - cums[K - 1][starts], mins[K - 1], maxs[K - 1])
    cost_from: list[FloatArray] = [np.empty(0)] * K  # cost_from[k][b]: least move of boundaries k+1.. when tier k starts at b
    cost_from[K - 1] = np.where(last_ok, 0.0, np.inf)
    step: list[FloatArray] = [np.empty(0)] * K
    for k in range(K - 2, -1, -1):
        step[k] = np.abs(positions - anchor[k + 1]).astype("float64") + cost_from[k + 1]
        first, last = _window(cums[k], starts, mins[k], maxs[k])
        # a window past the last boundary (first = G + 1) is empty: clipping it to G would let a tier take a share it cannot
        cost_from[k] = _range_min(step[k], np.clip(first, 0, G + 1), np.clip(last, -1, G))
    if not np.isfinite(cost_from[0][0]):
        return None
    b = np.zeros(K + 1, dtype=np.int64)
    b[K] = G
    for k in range(K - 1):  # each step has a finite candidate: cost_from[k][b[k]] is finite
        first, last = _window(cums[k], np.array([b[k]]), mins[k], maxs[k])
        cand = np.arange(max(int(first[0]), 0), min(int(last[0]), G) + 1)  # the window cost_from took its minimum over
        b[k + 1] = cand[np.argmin(step[k][cand])]  # first = higher cut-off on ties
    return b


def _standard_boundaries(cums: list[FloatArray], bases: list[str], targets: FloatArray) -> IntArray:
    K = len(cums)
    b = np.zeros(K + 1, dtype=np.int64)
    b[K] = G
    goal = 0.0
    for k in range(K - 1):
        cum = cums[k]
        if k > 0 and bases[k] == bases[k - 1]:
            goal = goal + targets[k]
        else:
            goal = cum[b[k]] + targets[k]
        first = int(np.searchsorted(cum, goal - EPS, side="left"))
        b[k + 1] = min(max(first, b[k]), G)
    return b


@overload
def _in_band(share: FloatArray, lo: float, hi: float) -> BoolArray: ...
@overload
def _in_band(share: float, lo: float, hi: float) -> bool | np.bool_: ...
def _in_band(share: FloatArray | float, lo: float, hi: float) -> BoolArray | bool | np.bool_:
    return (share >= lo - EPS) & (share <= hi + EPS)


def _meets(b: IntArray, cums: list[FloatArray], mins: FloatArray, maxs: FloatArray) -> bool:
    return all(bool(_in_band(cums[k][b[k + 1]] - cums[k][b[k]], mins[k], maxs[k])) for k in range(len(cums)))


def _window(cum: FloatArray, start: IndexArray | IntArray, lo: float, hi: float) -> tuple[IndexArray, IndexArray]:
    """For each start boundary: the range of end boundaries giving a share within [lo, hi]."""
    first = np.searchsorted(cum, cum[start] + lo - EPS, side="left")
    last = np.searchsorted(cum, cum[start] + hi + EPS, side="right") - 1
    first = np.maximum(first, start)
    return first, np.minimum(last, G)


def _feasibility(cums: list[FloatArray], mins: FloatArray, maxs: FloatArray) -> list[BoolArray]:
    """ok[k][b]: starting tier k at boundary b, tiers k.. can all meet their bands."""
    K = len(cums)
    starts = np.arange(G + 1)
    ok: list[BoolArray] = [np.empty(0, dtype=bool)] * K
    ok[K - 1] = _in_band(cums[K - 1][G] - cums[K - 1][starts], mins[K - 1], maxs[K - 1])
    for k in range(K - 2, -1, -1):
        first, last = _window(cums[k], starts, mins[k], maxs[k])
        prefix = np.concatenate([[0], np.cumsum(ok[k + 1])])
        valid = last >= first
        lo = np.clip(first, 0, G)
        hi = np.clip(last, 0, G)
        ok[k] = valid & ((prefix[hi + 1] - prefix[lo]) > 0)
    return ok


def _adjusted_boundaries(cums: list[FloatArray], bases: list[str], targets: FloatArray, mins: FloatArray, maxs: FloatArray, ok: list[BoolArray]) -> IntArray:
    K = len(cums)
    b = np.zeros(K + 1, dtype=np.int64)
    b[K] = G
    for k in range(K - 1):
        cum = cums[k]
        first, last = _window(cum, np.array([b[k]]), mins[k], maxs[k])
        cand = np.arange(first[0], last[0] + 1)
        cand = cand[ok[k + 1][cand]]
        goal = cum[b[k]] + targets[k]
        b[k + 1] = cand[np.argmin(np.abs(cum[cand] - goal))]  # argmin keeps the first (higher cut-off) on ties
    return b


def placement_bands(final: np.ndarray, rule_tier: np.ndarray, arr: np.ndarray, tiers: tuple[Tier, ...], cut: Cutoffs) -> pd.DataFrame:
    """The bands of the final tiers, with what the score rule alone would give and each tier's cut-off."""
    bands = band_report(final, arr, tiers, cut.bases)
    by_rule = band_report(rule_tier, arr, tiers, cut.bases)
    bands["target_share"] = cut.targets
    bands["score_rule_share"] = by_rule["share"].to_numpy()
    bands["score_rule_met"] = by_rule["met"].to_numpy()
    bands["cutoff"] = cut.bins / 100.0
    return bands


def band_report(tier_idx: np.ndarray, arr: np.ndarray, tiers: tuple[Tier, ...], bases: list[str]) -> pd.DataFrame:
    """Per tier: accounts, ARR, share on its basis, band, met, shortfall/excess (shares, 0..1)."""
    K = len(tiers)
    counts = np.bincount(tier_idx, minlength=K)[:K].astype("float64")
    cents = np.bincount(tier_idx, weights=arr_cents(arr), minlength=K)[:K]
    n, total = counts.sum(), cents.sum()
    mins, maxs = band_limits(tiers)
    rows = []
    for k, t in enumerate(tiers):
        if bases[k] == "ARR":
            share = cents[k] / total if total > 0 else 0.0
        else:
            share = counts[k] / n if n > 0 else 0.0
        short = max(mins[k] - share, 0.0) if share < mins[k] - EPS else 0.0
        excess = max(share - maxs[k], 0.0) if share > maxs[k] + EPS else 0.0
        rows.append(
            {
                "tier": t.name,
                "accounts": int(counts[k]),
                "arr": cents[k] / 100.0,
                "band_basis": bases[k],
                "share": float(share),
                "band_min": float(mins[k]),
                "band_max": float(maxs[k]),
                "met": bool(short == 0.0 and excess == 0.0),
                "shortfall": float(short),
                "excess": float(excess),
            }
        )
    return pd.DataFrame(rows)
