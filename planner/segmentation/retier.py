"""From score tiers to final tiers: hysteresis for re-tiering, then the sheet's overrides.

Order of application (each step starts from the previous one's tier):

1. Score cut-off: the tier whose cut-off the score reaches (``rule tier``).
2. Hysteresis, for accounts whose previous tier is a known tier and that carry
   no churn-risk flag: the account moves up only to a tier whose cut-off its
   score beats by at least the margin, and moves down only when its score is
   more than the margin below its previous tier's cut-off (it then lands in
   the highest tier it is still within the margin of). Otherwise it keeps its
   previous tier. Churn-flagged accounts skip this step because their previous
   tier may already include last time's temporary lift.
3. ARR guardrails (Tiers sheet: "ARR at least", "Share of total ARR at least"):
   an account whose ARR reaches a tier's guardrail sits in that tier or a higher
   one, whatever its score; where several tiers' guardrails are reached, the
   highest of them. An account the CFO cannot ignore is never left in a low tier
   because its rank-based score sits under the re-tiering margin.
4. Strategic flag: lifted to at least the Finance sheet's strategic tier.
5. Churn-risk flag: one tier higher than after step 4 (not above the top tier).
6. Locked tier: replaces everything above; the lock reason is quoted.

All steps are whole-column integer operations on score hundredths (and ARR in
cents for the guardrails), so the comparisons are exact (no floating-point edge
at a cut-off).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from planner.inputs import Tier

SCORE_CUTOFF = 0
KEPT = 1
LOCKED = 2
STRATEGIC = 3
CHURN = 4
ARR_FLOOR = 5

RULE_LABELS = {
    SCORE_CUTOFF: "score cut-off",
    KEPT: "kept by hysteresis",
    LOCKED: "locked",
    STRATEGIC: "strategic flag",
    CHURN: "churn risk: temporary higher touch",
    ARR_FLOOR: "ARR guardrail",
}
NO_FLOOR = -1


def arr_cents(arr: np.ndarray) -> np.ndarray:
    """ARR in whole cents (blank or negative ARR counts as 0), as the Summary's Placement sheet rounds it."""
    a = np.where(np.isfinite(arr), np.maximum(arr, 0.0), 0.0)
    cents: np.ndarray = np.rint(a * 100).astype(np.int64)
    return cents


def floor_thresholds(tiers: Sequence[Tier], total_cents: int) -> np.ndarray:
    """Per tier, the ARR in cents at or above which an account sits no lower than it (inf where the tier has no guardrail).

    A tier with both guardrails takes the lower: either one is enough.
    """
    out = np.full(len(tiers), np.inf)
    for k, t in enumerate(tiers):
        amount, share = t.arr_at_least, t.arr_share_at_least
        if amount is not None:
            out[k] = min(out[k], float(round(amount * 100)))
        if share is not None:
            out[k] = min(out[k], share * total_cents)
    return out


def arr_floor(cents: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """Per account, the highest tier (lowest index) whose ARR guardrail it reaches; NO_FLOOR where none."""
    floor = np.full(cents.shape, NO_FLOOR, dtype=np.int64)
    for k in range(len(thresholds) - 1, -1, -1):  # lowest tier first, so the highest reached wins
        if np.isfinite(thresholds[k]):
            floor[cents >= thresholds[k]] = k
    return floor


@dataclass
class Placement:
    rule_tier: np.ndarray  # tier by score alone
    base: np.ndarray  # after hysteresis
    pre_churn: np.ndarray  # after the strategic floor
    unlocked: np.ndarray  # after the churn lift (what the account gets unless locked)
    final: np.ndarray
    kind: np.ndarray  # which rule decided (constants above)
    move: np.ndarray  # +1 moved up from its previous tier, -1 moved down, 0 otherwise (or no previous tier)
    churn_at_top: np.ndarray  # churn flag set but already in the highest tier
    hysteresis: np.ndarray  # the margin applied (known previous tier, no churn flag)
    guarded: np.ndarray  # after the ARR guardrails (before the strategic floor)


def tier_of(bins: np.ndarray, cut: np.ndarray) -> np.ndarray:
    """Tier index for score bins (any integers): number of cut-offs above the score."""
    tier = np.zeros(bins.shape, dtype=np.int64)
    for k in range(len(cut) - 1):
        tier += bins < cut[k]
    return tier


def place(
    bins: np.ndarray,
    cut: np.ndarray,
    previous: np.ndarray,
    margin_bins: int,
    strategic: np.ndarray,
    strategic_tier: int | None,
    churn: np.ndarray,
    locked: np.ndarray,
    floor: np.ndarray | None = None,
) -> Placement:
    """Apply steps 1-6. ``previous``/``locked``/``floor`` (:func:`arr_floor`) hold tier indexes, -1 where absent."""
    rule = tier_of(bins, cut)
    up = tier_of(bins - margin_bins, cut)  # highest tier beaten by the margin
    down = tier_of(bins + margin_bins, cut)  # highest tier still within the margin
    has_prev = (previous >= 0) & ~churn
    base = rule.copy()
    stay = has_prev & (up >= previous) & (down <= previous)
    base[stay] = previous[stay]
    moved_up = has_prev & (up < previous)
    base[moved_up] = up[moved_up]
    moved_down = has_prev & (down > previous)
    base[moved_down] = down[moved_down]

    guarded = base.copy()
    arr_lifted = np.zeros(bins.shape, dtype=bool)
    if floor is not None:
        arr_lifted = (floor >= 0) & (base > floor)
        guarded[arr_lifted] = floor[arr_lifted]
    pre_churn = guarded.copy()
    lifted = np.zeros(bins.shape, dtype=bool)
    if strategic_tier is not None:
        lifted = strategic & (guarded > strategic_tier)
        pre_churn[lifted] = strategic_tier
    churn_lift = churn & (pre_churn > 0)
    unlocked = pre_churn - churn_lift.astype(np.int64)
    is_locked = locked >= 0
    final = np.where(is_locked, locked, unlocked)

    kind = np.full(bins.shape, SCORE_CUTOFF, dtype=np.int8)
    kind[stay & (rule != previous)] = KEPT
    kind[arr_lifted] = ARR_FLOOR
    kind[lifted] = STRATEGIC
    kind[churn_lift] = CHURN
    kind[is_locked] = LOCKED
    valid_prev = previous >= 0
    move = np.zeros(bins.shape, dtype=np.int8)
    move[valid_prev & (final < previous)] = 1
    move[valid_prev & (final > previous)] = -1
    churn_at_top = churn & ~churn_lift & ~is_locked
    return Placement(rule, base, pre_churn, unlocked, final, kind, move, churn_at_top, has_prev, guarded)
