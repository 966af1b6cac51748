"""What the segmentation says besides each account's tier: cut-off changes, movers, drift, data gaps, the band message, reasons' missing-signal text.

Computed from the arrays :func:`planner.segmentation.model.segment` builds; all vectorised,
so a million accounts cost seconds.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from planner.arrays import BoolArray
from planner.inputs import Tier
from planner.schema import PILLARS
from planner.segmentation import breakdown as bd
from planner.segmentation.retier import CHURN, LOCKED, STRATEGIC, Placement, tier_of
from planner.segmentation.scoring import Scores
from planner.segmentation.tiering import Cutoffs, band_report

DRIFT_ROWS = 1_000  # most accounts listed in .drift


DRIFT_MIN_ROWS = 20  # the largest changes are listed even below the threshold


CHANGE_COLUMNS = ["tier", "previous_cutoff", "cutoff", "moved_by", "why"]


def _examples(ids: pa.Array, mask: np.ndarray, limit: int = 3) -> str:
    """The smallest few account ids under ``mask`` (independent of row order)."""
    chosen = ids.filter(pa.array(mask)).drop_null()
    if not len(chosen):
        return ""
    pick = pc.select_k_unstable(chosen, k=min(limit, len(chosen)), sort_keys=[("dummy", "ascending")])
    return ", ".join(sorted(chosen.take(pick).to_pylist()))


def cutoff_changes(previous: np.ndarray | None, cut: Cutoffs, bins: np.ndarray, arr: np.ndarray,
                    tiers: tuple[Tier, ...]) -> tuple[pd.DataFrame, list[str]]:
    """Per cut-off: previous and new value and why it moved; and the sentence per cut-off ('' when it did not move)."""
    K = len(tiers)
    if previous is None:
        return pd.DataFrame(columns=CHANGE_COLUMNS), [""] * max(K - 1, 0)
    before = band_report(tier_of(bins, previous), arr, tiers, cut.bases).to_dict("records")

    def miss(r: dict[Hashable, Any]) -> str:
        basis = "ARR" if r["band_basis"] == "ARR" else "accounts"
        if r["shortfall"] > 0:
            return f"{r['tier']} would hold {r['share']:.1%} of {basis}, below its minimum of {r['band_min']:.0%}"
        return f"{r['tier']} would hold {r['share']:.1%} of {basis}, above its maximum of {r['band_max']:.0%}"

    rows, texts = [], []
    for k in range(K - 1):
        old, new = int(previous[k]), int(cut.bins[k])
        why, text = "", ""
        if old != new:
            near = [r for r in before[k : k + 2] if not r["met"]] or [r for r in before if not r["met"]]
            why = "with the previous cut-offs " + " and ".join(miss(r) for r in near)
            text = f"The {tiers[k].name} cut-off moved from {old / 100:.2f} to {new / 100:.2f} because {why}."
        elif cut.method == "previous" and not cut.feasible:
            why = "kept: no set of cut-offs can meet every band"
        else:
            why = "kept: every band holds with it" if cut.method == "previous" else "kept: the bands did not need it to move"
        rows.append({"tier": tiers[k].name, "previous_cutoff": old / 100.0, "cutoff": new / 100.0,
                     "moved_by": round((new - old) / 100.0, 2), "why": why})
        texts.append(text)
    return pd.DataFrame(rows, columns=CHANGE_COLUMNS), texts


def moved_suffix(before: np.ndarray, after: np.ndarray, change_text: list[str], K: int) -> pa.Array:
    """' The Tier 2 cut-off moved from ... because ...' for accounts whose tier the move changed; '' for the rest."""
    table = [""] * (K * K)
    moved = [k for k, t in enumerate(change_text) if t]
    for lo in range(K):
        for hi in range(lo + 1, K):
            crossed = [change_text[k] for k in range(lo, hi) if change_text[k]] or [change_text[k] for k in moved]
            table[lo * K + hi] = "".join(" " + t for t in crossed)
    lo, hi = np.minimum(before, after), np.maximum(before, after)
    code = np.where(before != after, lo * K + hi, 0)
    return pa.array(table, type=pa.string()).take(pa.array(code.astype(np.int64)))


def missing_texts(scores: Scores) -> tuple[pa.Array, pa.Array]:
    """Per account: the reason's sentence about missing signals, and the plain list of missing columns."""
    n = len(scores.bins)
    n_sig = len(scores.signals)
    code = np.where(scores.no_signal, -1, scores.missing_code)
    if n_sig <= 16:  # codes are small: count instead of sorting
        shifted = code + 1
        used = np.flatnonzero(np.bincount(shifted, minlength=1)) if n else np.zeros(0, dtype=np.int64)
        uniques = used - 1
        position = np.zeros((1 << n_sig) + 1, dtype=np.int64)
        position[used] = np.arange(len(used))
        inverse = position[shifted]
    else:
        uniques, inverse = np.unique(code, return_inverse=True)
        inverse = inverse.reshape(-1)
    by_bit = {s.bit: s.column for s in scores.signals}
    suffixes, lists = [], []
    for u in uniques:
        if u == -1:
            suffixes.append(" No scoring signal is present, so it gets the neutral score of 50.00.")
            lists.append(", ".join(dict.fromkeys(by_bit[b] for b in sorted(by_bit))))
            continue
        names = list(dict.fromkeys(by_bit[b] for b in sorted(by_bit) if (int(u) >> b) & 1))
        lists.append(", ".join(names))
        suffixes.append(f" Missing: {', '.join(names)}; scored on the signals present." if names else "")
    take = pa.array(inverse.astype(np.int64))
    return pa.array(suffixes, type=pa.string()).take(take), pa.array(lists, type=pa.string()).take(take)


def points(bins: np.ndarray, cut: np.ndarray, pl: Placement, margin_bins: int, K: int) -> tuple[np.ndarray, np.ndarray]:
    """Score points needed to move up a tier / that can be lost before moving down (next assessment, with the margin)."""
    f = pl.final
    upper = cut[np.clip(f - 1, 0, K - 1)] + margin_bins
    up = np.where(f > 0, np.clip(upper - bins, 0, None) / 100.0, np.nan)
    lower = cut[np.clip(f, 0, K - 1)] - margin_bins
    down = np.where(f < K - 1, np.clip(bins - lower, 0, None) / 100.0, np.nan)
    up[pl.kind == LOCKED] = np.nan
    down[np.isin(pl.kind, (LOCKED, STRATEGIC, CHURN))] = np.nan
    return up, down


def _sorted(ids: pa.Array, rows: np.ndarray, keys: list[tuple[np.ndarray, str]]) -> np.ndarray:
    """``rows`` ordered by the given (values, "ascending"/"descending") keys, then account id (Arrow's sort)."""
    if not len(rows):
        return rows
    columns = {f"k{i}": values[rows] for i, (values, _) in enumerate(keys)}
    columns["id"] = ids.take(pa.array(rows))
    table = pa.table(columns)
    order = pc.sort_indices(table, sort_keys=[(f"k{i}", how) for i, (_, how) in enumerate(keys)] + [("id", "ascending")])
    ordered: np.ndarray = rows[order.to_numpy(zero_copy_only=False)]
    return ordered


MOVER_COLUMNS = ["account_id", "name", "arr", "previous_tier", "tier", "score", "previous_score", "score_change", "rule", "reason"]


def mover_table(accounts: pd.DataFrame, pl: Placement, ids: pa.Array, arr: np.ndarray) -> pd.DataFrame:
    """Accounts whose tier differs from their (known) previous tier: up first, each by ARR, largest first."""
    rows = np.flatnonzero(pl.move != 0)
    rows = _sorted(ids, rows, [((pl.move < 0).astype(np.int8), "ascending"), (np.nan_to_num(arr, nan=-1.0), "descending")])
    table = accounts[MOVER_COLUMNS].iloc[rows].reset_index(drop=True)
    table.insert(5, "direction", np.where(pl.move[rows] > 0, "up", "down"))
    return table


def drift_table(accounts: pd.DataFrame, change: np.ndarray, ids: pa.Array, threshold: float) -> pd.DataFrame:
    """Largest score changes since the last assessment, flagged where a big account loses or a small one grows."""
    has = ~np.isnan(change)
    size = np.where(has, np.abs(change), -1.0)
    keep = has & (size >= threshold)
    if keep.sum() > DRIFT_ROWS:
        limit = np.partition(size[keep], -DRIFT_ROWS)[-DRIFT_ROWS]
        keep &= size >= limit
    if keep.sum() < DRIFT_MIN_ROWS and has.sum():
        limit = np.partition(size[has], -min(DRIFT_MIN_ROWS, int(has.sum())))[-min(DRIFT_MIN_ROWS, int(has.sum()))]
        keep = has & (size >= limit)
    rows = _sorted(ids, np.flatnonzero(keep), [(size, "descending")])
    cols = ["account_id", "name", "arr", "previous_tier", "tier", "previous_score", "score", "score_change", "drift_flag"]
    return accounts[cols].iloc[rows].rename(columns={"drift_flag": "flag"}).reset_index(drop=True)


def band_message(bands: pd.DataFrame, cut: Cutoffs, moves: list[str] | None = None) -> str:
    records = bands.to_dict("records")

    def describe(column: str, met: str) -> list[str]:
        out = []
        for r in records:
            if r[met]:
                continue
            share, basis = r[column], ("ARR" if r["band_basis"] == "ARR" else "accounts")
            if share < r["band_min"]:
                out.append(f"{r['tier']} holds {share:.1%} of {basis}, {(r['band_min'] - share) * 100:.1f} points below its minimum of "
                           f"{r['band_min']:.0%}")
            else:
                out.append(f"{r['tier']} holds {share:.1%} of {basis}, {(share - r['band_max']) * 100:.1f} points above its maximum of "
                           f"{r['band_max']:.0%}")
        return out

    rule_misses = describe("score_rule_share", "score_rule_met")
    final_misses = describe("share", "met")
    parts = []
    if not cut.feasible:
        parts.append("No set of score cut-offs can meet every band (check that the minimums add up to 100% or less and the maximums to "
                     "100% or more, and that no single account is too large for its band)")
    if rule_misses:
        parts.append("By score: " + "; ".join(rule_misses))
    elif cut.method == "adjusted":
        parts.append("The score cut-offs were moved from the standard targets so that every band is met")
    elif cut.method == "previous":
        parts.append("The cut-offs of the last assessment are kept" + ("" if rule_misses else ": every band still holds with them"))
    if final_misses:
        parts.append("After hysteresis and overrides: " + "; ".join(final_misses))
    if not rule_misses and not final_misses:
        parts.insert(0, "Every tier is inside its band")
    elif not final_misses:
        parts.append("After hysteresis and overrides every tier is inside its band")
    text = ". ".join(parts) + "."
    for sentence in moves or ():
        text += " " + sentence
    return text


def gap_table(**k: Any) -> pd.DataFrame:
    n = k["n"]
    ids = k["ids"]
    rows: list[dict[str, object]] = []

    def add(item: str, pillar: str, count: float, assumed: str, mask: BoolArray | None = None) -> None:
        if count <= 0:
            return
        rows.append(
            {
                "item": item,
                "pillar": pillar,
                "accounts": int(count),
                "share_of_accounts": count / n if n else 0.0,
                "examples": _examples(ids, mask) if mask is not None else "",
                "assumed": assumed,
            }
        )

    def values(text: pa.Array, mask: np.ndarray) -> str:
        seen = sorted(v for v in pc.unique(text.filter(pa.array(mask))).to_pylist() if v is not None)[:3]
        return ", ".join(repr(v) for v in seen)

    scores: Scores = k["scores"]
    if scores.fallback_to_arr:
        add("Scoring sheet", "", n, "No rule with a positive weight: accounts are ranked on ARR alone.")
    for p in PILLARS:
        if scores.pillar_weights.get(p, 0) <= 0 and not scores.fallback_to_arr:
            add(f"{p} pillar", p, n, "No Scoring rule feeds this pillar: it does not count in any score.")
    for sig in scores.signals:
        if sig.resolved == "arr":
            continue  # the ARR row below covers it
        if sig.resolved is None:
            add(sig.column, sig.pillar, n, f"Column '{sig.column}' is not in the accounts export: the {sig.pillar} pillar is scored on its other "
                "signals (or left out and the other pillars re-weighted).")
            continue
        extra = f" ({sig.not_numeric:,} of them held text that is not a number)" if sig.not_numeric else ""
        mask = ((scores.missing_code >> sig.bit) & 1).astype(bool)
        add(sig.column, sig.pillar, n - sig.present, f"Blank{extra}: not read as zero; the {sig.pillar} pillar is scored on the signals present "
            "and, if none is, left out with the other pillars re-weighted.", mask)
    add("All scoring signals", "", int(scores.no_signal.sum()), "No signal at all: given the neutral score of 50.00.", scores.no_signal)
    arr_missing = k["arr_missing"]
    extra = f" ({k['arr_not_numeric']:,} held text that is not a number)" if k["arr_not_numeric"] else ""
    arr_scored = any(sig.resolved == "arr" for sig in scores.signals)
    add("ARR", "Revenue", int(arr_missing.sum()), f"Blank{extra}: counted as 0 in the ARR shares of the bands"
        + ("; not read as zero in the score: the Revenue pillar is left out and the other pillars re-weighted." if arr_scored else "."),
        arr_missing)
    if k["arr_total_zero"]:
        add("Total ARR", "Revenue", n, "Total ARR is 0: bands on ARR are measured on the number of accounts instead.")
    prev_unknown = k["prev_unknown"]
    if prev_unknown.any():
        add("Previous tier", "", int(prev_unknown.sum()),
            f"Not a tier on the Tiers sheet ({values(k['prev_text'], prev_unknown)}): treated as a new account, no hysteresis.", prev_unknown)
    no_prev_score = np.isnan(k["prev_score"]) & k["has_prev"]
    add("Previous score", "", int(no_prev_score.sum()), "Blank although a previous tier is given: no drift shown for these accounts.", no_prev_score)
    lock_unknown = k["lock_unknown"]
    if lock_unknown.any():
        add("Locked tier", "", int(lock_unknown.sum()),
            f"Not a tier on the Tiers sheet ({values(k['lock_text'], lock_unknown)}): the lock is ignored.", lock_unknown)
    add("Lock reason", "", int(k["lock_no_reason"].sum()), "Blank for a locked account: the lock is kept; the reason says 'no reason given'.",
        k["lock_no_reason"])
    strategic = k["strategic"]
    if k["strategic_idx"] is None and strategic.any():
        add("Strategic flag", "", int(strategic.sum()), "Finance 'Strategic accounts at least' is blank or not a tier: the flag is not applied.",
            strategic)
    for key, label in (("industry", "Industry"), ("region", "Region"), ("product", "Product")):
        codes, labels = k["dims"][key]
        blank = codes == labels.index(bd.UNKNOWN) if bd.UNKNOWN in labels else np.zeros(n, dtype=bool)
        add(label, "", int(blank.sum()), "Blank: shown as 'Unknown' in the breakdown.", blank)
    no_emp = np.isnan(k["employees"])
    add("Employees", "", int(no_emp.sum()), "Blank: company size band 'Unknown' in the breakdown.", no_emp)
    return pd.DataFrame(rows, columns=["item", "pillar", "accounts", "share_of_accounts", "examples", "assumed"])
