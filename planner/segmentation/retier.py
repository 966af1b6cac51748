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
3. Strategic flag: lifted to at least the Finance sheet's strategic tier.
4. Churn-risk flag: one tier higher than after step 3 (not above the top tier).
5. Locked tier: replaces everything above; the lock reason is quoted.

All steps are whole-column integer operations on score hundredths, so the
comparisons are exact (no floating-point edge at a cut-off).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SCORE_CUTOFF = 0
KEPT = 1
LOCKED = 2
STRATEGIC = 3
CHURN = 4

RULE_LABELS = {
    SCORE_CUTOFF: "score cut-off",
    KEPT: "kept by hysteresis",
    LOCKED: "locked",
    STRATEGIC: "strategic flag",
    CHURN: "churn risk: temporary higher touch",
}


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
) -> Placement:
    """Apply steps 1-5. ``previous``/``locked`` hold tier indexes, -1 where absent."""
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

    pre_churn = base.copy()
    lifted = np.zeros(bins.shape, dtype=bool)
    if strategic_tier is not None:
        lifted = strategic & (base > strategic_tier)
        pre_churn[lifted] = strategic_tier
    churn_lift = churn & (pre_churn > 0)
    unlocked = pre_churn - churn_lift.astype(np.int64)
    is_locked = locked >= 0
    final = np.where(is_locked, locked, unlocked)

    kind = np.full(bins.shape, SCORE_CUTOFF, dtype=np.int8)
    kind[stay & (rule != previous)] = KEPT
    kind[lifted] = STRATEGIC
    kind[churn_lift] = CHURN
    kind[is_locked] = LOCKED
    valid_prev = previous >= 0
    move = np.zeros(bins.shape, dtype=np.int8)
    move[valid_prev & (final < previous)] = 1
    move[valid_prev & (final > previous)] = -1
    churn_at_top = churn & ~churn_lift & ~is_locked
    return Placement(rule, base, pre_churn, unlocked, final, kind, move, churn_at_top, has_prev)
