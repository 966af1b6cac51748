"""segment(inputs) -> Segmentation: scores, cut-offs, final tiers, reasons, movers, drift, gaps, breakdown."""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from planner.arrays import ObjectArray
from planner.inputs import Finance, PlanInputs, Tier
from planner.schema import PILLARS
from planner.segmentation import breakdown as bd
from planner.segmentation import columns as cols
from planner.segmentation.decide import decide_tiers
from planner.segmentation.findings import (
    CHANGE_COLUMNS,
    band_message,
    drift_table,
    gap_table,
    missing_texts,
    moved_suffix,
    mover_table,
    points,
)
from planner.segmentation.reasons import build_reasons
from planner.segmentation.reasons import join as join_text
from planner.segmentation.retier import place
from planner.segmentation.scoring import numeric_values, percentile_rank, pillar_key, score_accounts
from planner.segmentation.tiering import placement_bands

DRIFT_MIN_POINTS = 5.0


@dataclass
class Segmentation:
    """Everything the segmentation found; see docs/segmentation.md for the rules."""

    tier_names: tuple[str, ...]
    tier_defs: tuple[Tier, ...]
    tiers: pd.Series  # final tier name per account, aligned with inputs.accounts
    accounts: pd.DataFrame  # one row per account, same order and index as inputs.accounts
    cutoffs: pd.Series  # tier -> lowest score of the tier (0-100); the last tier's is 0
    bands: pd.DataFrame  # per tier: final tiers against the bands, plus the score-rule result
    band_message: str
    movers: pd.DataFrame
    drift: pd.DataFrame
    data_gaps: pd.DataFrame
    breakdown: pd.DataFrame
    margin: float  # re-tiering margin, score points
    strategic_tier: str | None
    cutoff_method: str  # "standard", "adjusted", "previous" (last assessment's kept) or "previous-moved"
    bands_feasible: bool  # some set of score cut-offs meets every band
    lam: float  # how far through its band each tier's target sits (0 = minimum, 1 = maximum)
    drift_threshold: float
    pillar_weights: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    # last assessment's cut-offs, inferred from previous tiers and scores (None when fitted afresh)
    previous_cutoffs: pd.Series | None = None
    # per cut-off (every tier but the last): tier, previous_cutoff, cutoff, moved_by, why ('' when kept)
    cutoff_changes: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=CHANGE_COLUMNS))

    # ------------------------------------------------------------ consumers
    def tier_stats(self) -> pd.DataFrame:
        """DataFrame(tier, accounts, arr) in tier order, every tier present."""
        return self.bands[["tier", "accounts", "arr"]].reset_index(drop=True).copy()

    def rule_counts(self) -> dict[str, int]:
        counts = self.accounts["rule"].str.replace(r"^locked: .*$", "locked", regex=True).value_counts()
        return {str(k): int(v) for k, v in sorted(counts.items())}


# ------------------------------------------------------------------ helpers


def _column(accounts: pd.DataFrame, name: str) -> pd.Series | None:
    return accounts[name] if name in accounts.columns else None


def _categorical(codes: np.ndarray, names: tuple[str, ...]) -> pd.Categorical[str] | ObjectArray:
    """Tier indexes -> categorical of tier names (-1 -> missing); object array if names repeat."""
    if len(set(names)) == len(names):
        return pd.Categorical.from_codes(codes.astype(np.int64), categories=pd.Index(list(names)))
    table = np.array(list(names) + [None], dtype=object)
    return table[np.where(codes < 0, len(names), codes)]




def _floor_text(tier: Tier, threshold_cents: float) -> str:
    """How a tier's ARR guardrail reads in a reason: "ARR at least 1,000,000" or "5% of total ARR (2,521,010)"."""
    if not np.isfinite(threshold_cents):
        return ""
    parts = []
    if tier.arr_at_least is not None:
        parts.append(f"ARR at least {tier.arr_at_least:,.0f}")
    if tier.arr_share_at_least is not None:
        parts.append(f"at least {tier.arr_share_at_least * 100:.4g}% of total ARR")
    text = " or ".join(parts)
    # a share reads with the amount it comes to (the lower of the two when both are set)
    return f"{text}, that is {threshold_cents / 100:,.0f} or more" if tier.arr_share_at_least is not None else text


# ------------------------------------------------------------------ segment


_LAST: list[object] = []  # [accounts (weak), tiers, scoring, finance, the segmentation]: the last one computed


def segment(inputs: PlanInputs) -> Segmentation:
    """Score, tier and explain every account. Pure computation: no I/O, no clock.

    The segmentation depends on the accounts, tiers, scoring rules and two finance settings (the re-tiering margin
    and the lowest tier of strategic accounts) only; the reader segments the accounts once for the coverage warning
    and the plan again from the same frame (a million accounts: 3.5 s each), so the last result is kept while its
    accounts frame lives and handed back when the four are the same: a budget, mode or solver given on the command
    line does not tier the accounts again."""
    key = [tuple(inputs.tiers), tuple(inputs.scoring), _finance_key(inputs.finance)]
    if _LAST and _LAST[0]() is inputs.accounts and _LAST[1:4] == key:  # type: ignore[operator]
        cached = _LAST[4]
        assert isinstance(cached, Segmentation)
        return cached
    seg = _segment(inputs)
    _LAST[:] = [weakref.ref(inputs.accounts), *key, seg]
    weakref.finalize(inputs.accounts, _LAST.clear)
    return seg


def _finance_key(finance: Finance) -> tuple[float | None, str | None]:
    """The finance settings tiering reads (planner.segmentation.decide); the rest price and solve the plan."""
    return (finance.retier_margin, finance.strategic_tier)


def _segment(inputs: PlanInputs) -> Segmentation:
    acc = inputs.accounts
    n = len(acc)
    tiers = tuple(inputs.tiers)
    tier_names = tuple(t.name for t in tiers)
    K = len(tier_names)
    if K == 0:
        raise ValueError("segment() needs at least one tier")
    fin = inputs.finance
    notes: list[str] = []

    ids = cols.text_array(_column(acc, "account_id"), n)
    names = cols.text_array(_column(acc, "name"), n)
    arr_series = _column(acc, "arr")
    if arr_series is None:
        arr, arr_not_numeric = np.full(n, np.nan), 0
    else:
        arr, arr_not_numeric = numeric_values(arr_series)
    arr_missing = np.isnan(arr)

    scores = score_accounts(acc, tuple(inputs.scoring))
    notes.extend(scores.notes)
    bins = scores.bins
    prev_text = cols.text_array(_column(acc, "previous_tier"), n)
    previous, prev_unknown = cols.tier_codes(prev_text, tier_names)
    lock_text = cols.text_array(_column(acc, "locked_tier"), n)
    locked, lock_unknown = cols.tier_codes(lock_text, tier_names)
    lock_reason = cols.text_array(_column(acc, "lock_reason"), n)
    strategic = cols.flags(_column(acc, "strategic"), n)
    churn = cols.flags(_column(acc, "churn_risk"), n)
    prev_score = numeric_values(acc["previous_score"])[0] if "previous_score" in acc.columns else np.full(n, np.nan)

    # ---- cut-offs, the last assessment's cut-offs, guardrails and placement: one function for every path
    decision = decide_tiers(bins, arr, tiers, fin, previous, prev_score, locked, strategic, churn)
    notes.extend(decision.notes)
    cut, anchor, changes, change_text = decision.cut, decision.anchor, decision.changes, decision.change_text
    thresholds, floor, pl = decision.thresholds, decision.floor, decision.placement
    margin_bins, strategic_idx, strategic_name = decision.margin_bins, decision.strategic_idx, decision.strategic_name

    # ---- pillar contributions and missing-signal text
    pillar_list = list(PILLARS)
    contrib = np.column_stack([scores.contributions[p] for p in pillar_list]) if n else np.zeros((0, len(pillar_list)))
    top_pillar = contrib.argmax(axis=1) if n else np.zeros(0, dtype=np.int64)
    top_points = np.rint(contrib[np.arange(n), top_pillar] * 100).astype(np.int64) if n else np.zeros(0, dtype=np.int64)
    missing_text, missing_list = missing_texts(scores)

    reason, rule = build_reasons(
        bins=bins,
        cut=cut.bins,
        placement=pl,
        tier_names=tier_names,
        previous=previous,
        previous_unknown=prev_unknown,
        previous_text=prev_text,
        lock_reason=lock_reason,
        margin_bins=margin_bins,
        strategic_tier=strategic_name,
        top_pillar=top_pillar,
        top_points=top_points,
        pillar_names=pillar_list,
        missing_text=missing_text,
        no_signal=scores.no_signal,
        arr=arr,
        floor_texts=[_floor_text(t, th) for t, th in zip(tiers, thresholds)],
    )
    if cut.method == "previous-moved" and anchor.bins is not None:  # moved from the previous cut-offs, so they are known
        # accounts whose tier differs from what the unmoved cut-offs would give: say which cut-off moved and why
        pl_prev = place(bins, anchor.bins, previous, margin_bins, strategic, strategic_idx, churn, locked, floor)
        reason = join_text(reason, moved_suffix(pl_prev.final, pl.final, change_text, K))

    score = bins / 100.0
    change = np.round(score - prev_score, 2)
    arr_rank = percentile_rank(arr)
    threshold = max(2.0 * margin_bins / 100.0, DRIFT_MIN_POINTS)
    drift_flag = bd.drift_flags(change, arr_rank, threshold)

    up_points, down_points = points(bins, cut.bins, pl, margin_bins, K)
    frame = {
        "account_id": cols.as_pandas(ids),
        "name": cols.as_pandas(names),
        "arr": arr,
        "tier": _categorical(pl.final, tier_names),
        "previous_tier": cols.as_pandas(prev_text),
        "changed": (pl.final != previous) | (previous < 0),
        "score": score,
        "score_tier": _categorical(pl.rule_tier, tier_names),
        "rule": cols.as_pandas(rule),
        "reason": cols.as_pandas(reason),
        "points_to_next_tier_up": up_points,
        "points_to_next_tier_down": down_points,
        "previous_score": prev_score,
        "score_change": change,
        "drift_flag": drift_flag,
    }
    for p in pillar_list:
        key = pillar_key(p)
        frame[f"{key}_score"] = np.round(scores.pillar_scores[p], 2)
        frame[f"{key}_contribution"] = np.round(scores.contributions[p], 2)
    frame["missing_signals"] = cols.as_pandas(missing_list)
    frame["strategic"] = strategic
    frame["churn_risk"] = churn
    frame["locked_tier"] = _categorical(locked, tier_names)
    accounts = pd.DataFrame(frame, index=acc.index)
    tier_series = accounts["tier"].rename("tier")

    # ---- bands: final tiers, and the score rule alone
    bands = placement_bands(pl.final, pl.rule_tier, arr, tiers, cut)
    message = band_message(bands, cut, [t for t in change_text if t])
    cutoffs = pd.Series(cut.bins / 100.0, index=list(tier_names), name="cutoff")

    movers = mover_table(accounts, pl, ids, arr)
    drift = drift_table(accounts, change, ids, threshold)

    # ---- breakdown
    employees = numeric_values(acc["employees"])[0] if "employees" in acc.columns else np.full(n, np.nan)
    dims = {key: cols.labels(cols.text_array(_column(acc, key), n), bd.UNKNOWN) for key in ("industry", "region", "product")}
    dims["size_band"] = bd.size_band_codes(employees)
    breakdown = bd.breakdown(dims, pl.final, arr, tier_names)

    gaps = gap_table(
        n=n,
        ids=ids,
        scores=scores,
        arr_missing=arr_missing,
        arr_not_numeric=arr_not_numeric,
        prev_unknown=prev_unknown,
        prev_text=prev_text,
        prev_score=prev_score,
        has_prev=previous >= 0,
        lock_unknown=lock_unknown,
        lock_text=lock_text,
        lock_no_reason=(locked >= 0) & ~cols.present(lock_reason),
        strategic=strategic,
        strategic_idx=strategic_idx,
        dims=dims,
        employees=employees,
        arr_total_zero=any(b != t.band_basis for b, t in zip(cut.bases, tiers) if t.band_basis == "ARR"),
    )
    return Segmentation(
        tier_names=tier_names,
        tier_defs=tiers,
        tiers=tier_series,
        accounts=accounts,
        cutoffs=cutoffs,
        bands=bands,
        band_message=message,
        movers=movers,
        drift=drift,
        data_gaps=gaps,
        breakdown=breakdown,
        margin=margin_bins / 100.0,
        strategic_tier=strategic_name if strategic_idx is not None else None,
        cutoff_method=cut.method,
        bands_feasible=cut.feasible,
        lam=cut.lam,
        drift_threshold=threshold,
        pillar_weights=dict(scores.pillar_weights),
        notes=notes,
        previous_cutoffs=(pd.Series(anchor.bins / 100.0, index=list(tier_names), name="previous_cutoff")
                          if anchor.bins is not None else None),
        cutoff_changes=changes,
    )




















