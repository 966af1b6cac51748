"""Last assessment's cut-offs, read back from the export's previous tiers and previous scores.

The export does not carry the cut-offs of the last assessment, but it carries what they
produced: each account's previous tier and previous score. For the boundary below tier k
(between tiers 0..k, the "upper" group, and tiers k+1.., the "lower" group) and a candidate
cut-off ``c`` (score hundredths), over the accounts considered (known previous tier, a
previous score, and no lock, strategic flag or churn-risk flag now, since those may have
placed them off the score rule):

* ``contradict(c)``: upper accounts with previous score below ``c - margin`` plus lower
  accounts with previous score at or above ``c + margin``. The margin allows for accounts
  last time's hysteresis kept on the other side of the line, so a TierPlan assessment
  contradicts its own cut-off for nobody.
* ``misplaced(c)``: upper accounts below ``c`` plus lower accounts at or above ``c``
  (the plain misclassification count).

The previous cut-off is taken among the ``c`` with the fewest contradictions, and among those
the ones misplacing at most 5% more accounts than the best (hysteresis-kept accounts sit on
both sides of the line, so the best plain fit is fuzzy by about that much); of these, the one
closest to today's fitted cut-off (ties: the higher), then raised to the next previous score
if that is still among them (all points up to it split the previous accounts alike, and a
TierPlan cut-off is the lowest score in its tier). On an unchanged export today's fit is last
time's cut-off, so it is read back exactly.

The previous tiers are trusted only when, for every boundary, the best cut-off contradicts
at most 1% of the accounts considered; otherwise (previous tiers from another rule, for
example revenue alone) the cut-offs are fitted afresh and a note says why.

All of it is a histogram over the 10,001 possible scores: one bincount over the accounts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from planner.arrays import FloatArray, IntArray
from planner.segmentation.scoring import SCALE_BINS

TRUST_SHARE = 0.01  # at most this share of the considered accounts may contradict the inferred cut-off
FUZZ_SHARE = 0.05  # plain misplacements allowed above the best, as a share of the best


@dataclass
class Anchor:
    bins: np.ndarray | None  # (K,) inferred previous cut-offs (hundredths; last 0), None when not trusted
    considered: int  # accounts the inference used
    contradicting: np.ndarray  # (K-1,) accounts the chosen cut-off contradicts, per boundary
    note: str  # plain-words summary for the Data gaps notes ('' when there was nothing to infer from)


def infer_previous_cutoffs(
    previous: np.ndarray,  # tier index, -1 absent or unknown
    previous_score: np.ndarray,  # float, NaN when blank
    usable: np.ndarray,  # bool: not locked, not strategic, not churn-flagged
    margin_bins: int,
    fresh: np.ndarray,  # (K,) today's fitted cut-offs (hundredths)
    tier_names: tuple[str, ...],
) -> Anchor:
    K = len(tier_names)
    B = SCALE_BINS + 1
    ok = usable & (previous >= 0) & np.isfinite(previous_score)
    considered = int(ok.sum())
    none = np.zeros(max(K - 1, 0), dtype=np.int64)
    if K < 2 or considered == 0:
        return Anchor(None, considered, none, "")
    ps = np.clip(np.rint(previous_score[ok] * 100.0), 0, SCALE_BINS).astype(np.int64)
    hist = np.bincount(previous[ok] * B + ps, minlength=K * B).reshape(K, B)
    below = np.concatenate([np.zeros((K, 1)), np.cumsum(hist, axis=1)], axis=1)  # below[t, x]: tier t, score < x (x 0..B)
    cand = np.arange(B + 1)  # candidate cut-offs 0 .. 100.01
    seen = np.concatenate([hist.sum(axis=0) > 0, [False]])  # a previous score sits on this bin

    def count_below(table: FloatArray, x: IntArray) -> FloatArray:
        counted: FloatArray = table[np.clip(x, 0, B)]
        return counted

    out = np.zeros(K, dtype=np.int64)
    contradicting = np.zeros(K - 1, dtype=np.int64)
    for k in range(K - 1):
        upper = below[: k + 1].sum(axis=0)
        lower = below[k + 1 :].sum(axis=0)
        n_lower = lower[-1]
        contradict = count_below(upper, cand - margin_bins) + n_lower - count_below(lower, cand + margin_bins)
        misplaced = upper[cand] + n_lower - lower[cand]
        fewest = contradict.min()
        pool = contradict == fewest
        best = misplaced[pool].min()
        pool &= misplaced <= best + np.floor(best * FUZZ_SHARE)
        choices = cand[pool]
        distance = np.abs(choices - fresh[k])
        c = int(choices[distance == distance.min()].max())
        # every point up to the next previous score splits the previous accounts alike, and a TierPlan
        # cut-off is the lowest score in its tier: take that score (or the pool's last point before it)
        at = np.flatnonzero(seen[c:])
        stop = c + int(at[0]) if len(at) else B
        c = int(cand[c : stop + 1][pool[c : stop + 1]].max())
        out[k] = c
        contradicting[k] = fewest
    for k in range(1, K - 1):  # cut-offs never rise going down the tiers
        out[k] = min(out[k], out[k - 1])
    limit = np.floor(TRUST_SHARE * considered)
    listed = ", ".join(f"{tier_names[k]} {out[k] / 100:.2f}" for k in range(K - 1))
    if (contradicting > limit).any():
        worst = int(np.argmax(contradicting))
        note = (f"Previous tiers do not follow from previous scores by one cut-off per tier (at the {tier_names[worst]} cut-off, "
                f"{int(contradicting[worst]):,} of {considered:,} accounts would contradict even the best one by more than the re-tiering "
                f"margin; at most 1% may): the cut-offs are fitted afresh to the bands.")
        return Anchor(None, considered, contradicting, note)
    note = (f"Cut-offs of the last assessment, read from the previous tiers and previous scores of {considered:,} accounts: {listed}. "
            "They are kept unless a band no longer holds with them.")
    return Anchor(out, considered, contradicting, note)
