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

import numpy as np
import pandas as pd

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
    method: str  # "standard" or "adjusted"
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
    return np.rint(np.clip(clean, 0.0, None) * 100.0)


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


def choose_cutoffs(bins: np.ndarray, arr: np.ndarray, tiers: tuple[Tier, ...]) -> Cutoffs:
    """Cut-offs per tier from the rounded scores and ARR (see the module docstring)."""
    K = len(tiers)
    group = SCALE_BINS - bins
    counts = np.bincount(group, minlength=G).astype("float64")
    cents = np.bincount(group, weights=arr_cents(arr), minlength=G)
    n, total = counts.sum(), cents.sum()
    cum_n = np.concatenate([[0.0], np.cumsum(counts)]) / (n if n > 0 else 1.0)
    cum_a = np.concatenate([[0.0], np.cumsum(cents)]) / total if total > 0 else None
    bases = ["ARR" if t.band_basis == "ARR" and cum_a is not None else "Accounts" for t in tiers]
    cums = [cum_a if b == "ARR" else cum_n for b in bases]
    mins, maxs = band_limits(tiers)
    targets, lam = target_shares(mins, maxs)

    standard = _standard_boundaries(cums, bases, targets)
    ok = _feasibility(cums, mins, maxs)
    feasible = bool(ok[0][0])
    boundaries, method = standard, "standard"
    if feasible and not _meets(standard, cums, mins, maxs):
        boundaries, method = _adjusted_boundaries(cums, bases, targets, mins, maxs, ok), "adjusted"
    cut = np.zeros(K, dtype=np.int64)
    for k in range(K - 1):
        cut[k] = G - boundaries[k + 1]  # score bins >= this are in tiers <= k
    out_targets = targets.copy()
    out_targets[-1] = np.nan
    return Cutoffs(cut, boundaries, out_targets, lam, method, feasible, bases)


def _standard_boundaries(cums, bases, targets) -> np.ndarray:
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


def _in_band(share, lo, hi):
    return (share >= lo - EPS) & (share <= hi + EPS)


def _meets(b, cums, mins, maxs) -> bool:
    return all(bool(_in_band(cums[k][b[k + 1]] - cums[k][b[k]], mins[k], maxs[k])) for k in range(len(cums)))


def _window(cum, start, lo, hi):
    """For each start boundary: the range of end boundaries giving a share within [lo, hi]."""
    first = np.searchsorted(cum, cum[start] + lo - EPS, side="left")
    last = np.searchsorted(cum, cum[start] + hi + EPS, side="right") - 1
    first = np.maximum(first, start)
    return first, np.minimum(last, G)


def _feasibility(cums, mins, maxs) -> list[np.ndarray]:
    """ok[k][b]: starting tier k at boundary b, tiers k.. can all meet their bands."""
    K = len(cums)
    starts = np.arange(G + 1)
    ok = [None] * K
    ok[K - 1] = _in_band(cums[K - 1][G] - cums[K - 1][starts], mins[K - 1], maxs[K - 1])
    for k in range(K - 2, -1, -1):
        first, last = _window(cums[k], starts, mins[k], maxs[k])
        prefix = np.concatenate([[0], np.cumsum(ok[k + 1])])
        valid = last >= first
        f = np.clip(first, 0, G)
        l = np.clip(last, 0, G)
        ok[k] = valid & ((prefix[l + 1] - prefix[f]) > 0)
    return ok


def _adjusted_boundaries(cums, bases, targets, mins, maxs, ok) -> np.ndarray:
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
