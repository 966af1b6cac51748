"""From composite scores to final tiers: the whole-base steps, on compact arrays only.

Cut-offs from the bands (by score rank, on ARR or account shares), the last assessment's cut-offs
read back and kept where the bands hold, the ARR guardrails, then hysteresis, flags and locks
(:func:`planner.segmentation.retier.place`). Every input is one number or one tier index per
account, so the same function tiers a workbook's accounts and a ten-million-account export
streamed from Parquet (planner.segmentation.stream): one implementation of the rules.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from planner.inputs import Finance, Tier
from planner.segmentation import columns as cols
from planner.segmentation.anchor import Anchor, infer_previous_cutoffs
from planner.segmentation.findings import cutoff_changes
from planner.segmentation.retier import Placement, arr_cents, arr_floor, floor_thresholds, place
from planner.segmentation.tiering import Cutoffs, choose_cutoffs, keep_previous_cutoffs


@dataclass
class Decision:
    cut: Cutoffs  # the cut-offs used
    anchor: Anchor  # last assessment's cut-offs as read back (anchor.bins None when fitted afresh)
    changes: pd.DataFrame  # per cut-off: previous, new, moved by, why
    change_text: list[str]  # per cut-off: the sentence saying why it moved ('' when it did not)
    thresholds: np.ndarray  # per tier: ARR guardrail in cents (inf where none)
    floor: np.ndarray  # per account: highest tier whose guardrail its ARR reaches (-1 where none)
    placement: Placement
    margin_bins: int
    strategic_idx: int | None
    strategic_name: str | None  # as the Finance sheet names it (the tier's own name when it is one)
    notes: list[str]


def decide_tiers(bins: np.ndarray, arr: np.ndarray, tiers: tuple[Tier, ...], finance: Finance, previous: np.ndarray,
                 prev_score: np.ndarray, locked: np.ndarray, strategic: np.ndarray, churn: np.ndarray) -> Decision:
    """Cut-offs, guardrails and placement for every account (see docs/segmentation.md).

    ``bins``: composite scores in hundredths; ``arr``: float (NaN blank); ``previous``/``locked``: tier
    indexes (-1 absent); ``prev_score``: float (NaN blank); ``strategic``/``churn``: bool.
    """
    tier_names = tuple(t.name for t in tiers)
    n = len(bins)
    notes: list[str] = []
    cut = choose_cutoffs(bins, arr, tiers)
    margin = float(finance.retier_margin) if finance.retier_margin is not None and np.isfinite(finance.retier_margin) else 0.0
    margin_bins = round(max(margin, 0.0) * 100)
    strategic_idx = None
    strategic_name = finance.strategic_tier.strip() if isinstance(finance.strategic_tier, str) and finance.strategic_tier.strip() else None
    if strategic_name is not None:
        found, _ = cols.tier_codes(pa.array([strategic_name]), tier_names)
        strategic_idx = int(found[0]) if found[0] >= 0 else None
        if strategic_idx is None:
            notes.append(f"Finance 'Strategic accounts at least' names {strategic_name!r}, which is not a tier: strategic flags are not applied.")
        else:
            strategic_name = tier_names[strategic_idx]

    # ---- last assessment's cut-offs: kept while the bands hold with them
    usable = (locked < 0) & ~churn & ~(strategic if strategic_idx is not None else np.zeros(n, dtype=bool))
    anchor = infer_previous_cutoffs(previous, prev_score, usable, margin_bins, cut.bins, tier_names)
    if anchor.note:
        notes.append(anchor.note)
    if anchor.bins is not None:
        cut = keep_previous_cutoffs(bins, arr, tiers, cut, anchor.bins)
    changes, change_text = cutoff_changes(anchor.bins, cut, bins, arr, tiers)

    cents = arr_cents(arr)
    thresholds = floor_thresholds(tiers, int(cents.sum()))
    floor = arr_floor(cents, thresholds)
    pl = place(bins, cut.bins, previous, margin_bins, strategic, strategic_idx, churn, locked, floor)
    return Decision(cut, anchor, changes, change_text, thresholds, floor, pl, margin_bins, strategic_idx, strategic_name, notes)
