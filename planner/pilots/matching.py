"""The matched baseline: for each pilot account, the most similar account of the same tier outside every pilot.

Distance. Within a tier, two accounts are as far apart as
``sqrt(((ARR_a - ARR_b) / s_arr)^2 + ((score_a - score_b) / s_score)^2)``, where
``s_arr`` and ``s_score`` are the standard deviations of ARR and of the
composite score over all the tier's accounts, so neither measure dominates
because of its unit. A measure with no spread in the tier counts zero. (ARR
on a log scale was tried: it matches the bulk of a tier a little more
closely but leaves the groups' mean ARR further apart, about 4% against 1% on
a log-normal tier, and the mean is what the CFO compares.)

Order and ties. Greedy nearest neighbour without replacement: pilot accounts
are taken in an order drawn with a fixed seed (sorted ids, then a seeded
permutation, so the input's row order does not matter), each takes its nearest
unused candidate, and equal distances are broken by a seeded random key per
candidate, not by id (ids are often ordered by age or size). Same inputs and
seed, same baseline.

Who can be a baseline account: same tier, in no pilot at all, ARR and score
both known. A pilot account with ARR or score missing, or whose tier runs out
of candidates, stays unmatched and is listed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

MATCH_SEED = 16


@dataclass(frozen=True)
class Balance:
    """Means of ARR and score in each group, and standardised mean differences (|SMD| < 0.1 is well balanced)."""

    pilot_mean_arr: float | None
    baseline_mean_arr: float | None
    pilot_mean_score: float | None
    baseline_mean_score: float | None
    smd_arr: float | None
    smd_score: float | None


@dataclass(frozen=True)
class Match:
    pairs: tuple[tuple[str, str], ...]  # (pilot account, its baseline account)
    unmatched: tuple[str, ...]  # pilot accounts no baseline account was found for
    balance: Balance

    @property
    def baseline(self) -> tuple[str, ...]:
        return tuple(b for _, b in self.pairs)


def _smd(a: np.ndarray, b: np.ndarray) -> float | None:
    if len(a) < 2 or len(b) < 2:
        return None
    spread = np.sqrt((a.var(ddof=1) + b.var(ddof=1)) / 2)
    return float((a.mean() - b.mean()) / spread) if spread > 0 else 0.0


def balance(frame: pd.DataFrame, pilot_ids: Iterable[str], baseline_ids: Iterable[str]) -> Balance:
    """ARR and score means of the two groups (``frame``: account_id, arr, score) and their SMDs."""
    index = frame.set_index(frame["account_id"].astype(str))
    p = index.loc[list(pilot_ids)]
    b = index.loc[list(baseline_ids)]

    def mean(s: pd.Series) -> float | None:
        return float(s.mean()) if len(s.dropna()) else None

    return Balance(mean(p["arr"]), mean(b["arr"]), mean(p["score"]), mean(b["score"]),
                   _smd(p["arr"].dropna().to_numpy(float), b["arr"].dropna().to_numpy(float)),
                   _smd(p["score"].dropna().to_numpy(float), b["score"].dropna().to_numpy(float)))


def _scale(values: np.ndarray) -> float:
    values = values[~np.isnan(values)]
    spread = float(values.std(ddof=1)) if len(values) >= 2 else 0.0
    return spread if spread > 0 else np.inf  # no spread: the measure counts zero


def match_baseline(pilot_ids: Iterable[str], frame: pd.DataFrame, *, exclude: Iterable[str] = (),
                   seed: int = MATCH_SEED) -> Match:
    """One baseline account per pilot account (``frame``: account_id, tier, arr, score, one row per account).

    ``exclude``: accounts of every pilot (never a baseline); the pilot's own are excluded anyway.
    """
    data = frame[["account_id", "tier", "arr", "score"]].copy()
    data["account_id"] = data["account_id"].astype(str)
    data = data.sort_values("account_id", kind="stable").reset_index(drop=True)
    wanted = sorted(set(map(str, pilot_ids)))
    banned = set(map(str, exclude)) | set(wanted)
    rng = np.random.default_rng(seed)
    order = [wanted[i] for i in rng.permutation(len(wanted))]
    tie_key = rng.random(len(data))  # one per account, in id order
    arr = data["arr"].to_numpy(float)
    score = data["score"].to_numpy(float)
    tiers = data["tier"].astype(str).to_numpy()
    row_of = {a: i for i, a in enumerate(data["account_id"])}
    eligible = (~data["account_id"].isin(banned).to_numpy()) & ~np.isnan(arr) & ~np.isnan(score)
    pools: dict[str, tuple[np.ndarray, np.ndarray, float, float, np.ndarray, np.ndarray]] = {}  # tier -> candidates, taken, scales, candidates' scaled ARR and score
    pairs: list[tuple[str, str]] = []
    unmatched: list[str] = []
    for account in order:
        i = row_of.get(account)
        if i is None or np.isnan(arr[i]) or np.isnan(score[i]):
            unmatched.append(account)
            continue
        tier = tiers[i]
        if tier not in pools:
            in_tier = tiers == tier
            candidates = np.flatnonzero(in_tier & eligible)
            s_arr, s_score = _scale(arr[in_tier]), _scale(score[in_tier])
            pools[tier] = (candidates, np.zeros(len(candidates), bool), s_arr, s_score,
                           arr[candidates] / s_arr, score[candidates] / s_score)
        candidates, taken, s_arr, s_score, arr_z, score_z = pools[tier]
        if taken.all():
            unmatched.append(account)
            continue
        distance = np.hypot(arr_z - arr[i] / s_arr, score_z - score[i] / s_score)
        distance[taken] = np.inf
        ties = np.flatnonzero(distance == distance.min())
        k = ties[np.argmin(tie_key[candidates[ties]])]
        taken[k] = True
        pairs.append((account, str(data.at[candidates[k], "account_id"])))
    pairs.sort()
    matched_pilots = [p for p, _ in pairs]
    return Match(pairs=tuple(pairs), unmatched=tuple(sorted(unmatched)),
                 balance=balance(data, matched_pilots, [b for _, b in pairs]))
