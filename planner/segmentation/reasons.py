"""One plain sentence per account saying why it sits in its tier, built column-wise.

Sentences are assembled from templates with Arrow string kernels (take and
join), never a Python loop over accounts: a million reasons cost about as
much as a few column operations. Numbers come from a table of the 10,002
possible scores in hundredths ("0.00" .. "100.01"), so they print exactly as
the cut-offs do.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from planner.segmentation.retier import CHURN, KEPT, LOCKED, SCORE_CUTOFF, STRATEGIC, Placement
from planner.segmentation.scoring import SCALE_BINS

Part = str | Callable[[np.ndarray], pa.Array]

NUMBERS = pa.array([f"{k / 100:.2f}" for k in range(SCALE_BINS + 2)], type=pa.string())


def numbers(bins: np.ndarray) -> pa.Array:
    return NUMBERS.take(pa.array(np.clip(bins, 0, SCALE_BINS + 1)))


def render(n: int, case: np.ndarray, templates: dict[int, Sequence[Part]]) -> pa.Array:
    """Fill each account's template (chosen by ``case``) with its own values; '' where no template applies."""
    chunks, where = [], []
    for code, parts in templates.items():
        idx = np.flatnonzero(case == code)
        if not len(idx):
            continue
        arrays = [p if isinstance(p, str) else p(idx) for p in parts]
        if all(isinstance(a, str) for a in arrays):
            chunk = pa.array(["".join(arrays)]).take(pa.array(np.zeros(len(idx), dtype=np.int64)))
        else:
            chunk = pc.binary_join_element_wise(*arrays, "", null_handling="replace", null_replacement="")
        chunks.append(chunk)
        where.append(idx)
    rest = np.ones(n, dtype=bool)
    for idx in where:
        rest[idx] = False
    rest_idx = np.flatnonzero(rest)
    if len(rest_idx):
        chunks.append(pa.array([""]).take(pa.array(np.zeros(len(rest_idx), dtype=np.int64))))
        where.append(rest_idx)
    if not chunks:
        return pa.array([], type=pa.string())
    combined = pa.concat_arrays([c.cast(pa.string()) for c in chunks])
    order = np.concatenate(where)
    inverse = np.empty(n, dtype=np.int64)
    inverse[order] = np.arange(n)
    return combined.take(pa.array(inverse))


def join(*arrays: pa.Array) -> pa.Array:
    return pc.binary_join_element_wise(*arrays, "", null_handling="replace", null_replacement="")


def build_reasons(
    *,
    bins: np.ndarray,
    cut: np.ndarray,
    placement: Placement,
    tier_names: Sequence[str],
    previous: np.ndarray,  # tier index, -1 absent or unknown
    previous_unknown: np.ndarray,  # bool: a previous tier was given but is not a tier
    previous_text: pa.Array,  # previous tier as given (for the unknown case)
    lock_reason: pa.Array,  # text, '' where blank
    margin_bins: int,
    strategic_tier: str | None,
    top_pillar: np.ndarray,  # pillar index of the largest contribution
    top_points: np.ndarray,  # its points in hundredths
    pillar_names: Sequence[str],
    missing_text: pa.Array,  # ' Missing: ...' or ''
    no_signal: np.ndarray,  # bool: no signal at all (no contribution to name)
) -> tuple[pa.Array, pa.Array]:
    """Return (reason, rule) string arrays aligned with the accounts."""
    n = len(bins)
    K = len(tier_names)
    pl = placement
    lock_reason = pc.fill_null(lock_reason, "")
    previous_text = pc.fill_null(previous_text, "")
    final, kind = pl.final, pl.kind
    names = pa.array(list(tier_names), type=pa.string())

    def tier(arr: np.ndarray) -> Callable[[np.ndarray], pa.Array]:
        return lambda idx: names.take(pa.array(np.clip(arr[idx], 0, K - 1)))

    def cut_of(arr: np.ndarray) -> Callable[[np.ndarray], pa.Array]:
        return lambda idx: numbers(cut[np.clip(arr[idx], 0, K - 1)])

    def diff(fn: Callable[[np.ndarray], np.ndarray]) -> Callable[[np.ndarray], pa.Array]:
        return lambda idx: numbers(np.abs(fn(idx)))

    s = lambda idx: numbers(bins[idx])
    m = f"{margin_bins / 100:g}"
    up1 = final - 1
    prev_up = previous - 1

    case = np.zeros(n, dtype=np.int64)
    score_kind = kind == SCORE_CUTOFF
    still = score_kind & (pl.move == 0)
    if K == 1:
        case[still] = 16
    else:
        case[still & (final == 0)] = 1
        case[still & (final > 0) & (final < K - 1)] = 2
        case[still & (final == K - 1)] = 3
    case[score_kind & (pl.move > 0) & pl.hysteresis] = 4
    case[score_kind & (pl.move > 0) & ~pl.hysteresis] = 5
    case[score_kind & (pl.move < 0) & pl.hysteresis] = 6
    case[score_kind & (pl.move < 0) & ~pl.hysteresis] = 7
    case[(kind == KEPT) & (pl.rule_tier < previous)] = 8
    case[(kind == KEPT) & (pl.rule_tier > previous)] = 9
    has_reason = pc.greater(pc.utf8_length(pc.fill_null(lock_reason, "")), 0).to_numpy(zero_copy_only=False)
    locked = kind == LOCKED
    same = pl.unlocked == final
    case[locked & has_reason & same] = 10
    case[locked & has_reason & ~same] = 11
    case[locked & ~has_reason & same] = 12
    case[locked & ~has_reason & ~same] = 13
    case[kind == STRATEGIC] = 14
    case[kind == CHURN] = 15

    margin_clause_up = f", at least the {m}-point re-tiering margin." if margin_bins > 0 else "."
    margin_clause_down = f", more than the {m}-point re-tiering margin." if margin_bins > 0 else "."
    reason_of_lock: Callable[[np.ndarray], pa.Array] = lambda idx: lock_reason.take(pa.array(idx))
    templates: dict[int, Sequence[Part]] = {
        1: ("Score ", s, " is at or above the ", tier(final), " cut-off of ", cut_of(final), "."),
        2: ("Score ", s, " is between the ", tier(final), " cut-off of ", cut_of(final), " and the ", tier(up1), " cut-off of ", cut_of(up1), "."),
        3: ("Score ", s, " is below the ", tier(up1), " cut-off of ", cut_of(up1), "."),
        4: ("Moved up from ", tier(previous), ": score ", s, " is ", diff(lambda i: bins[i] - cut[final[i]]), " points above the ",
            tier(final), " cut-off of ", cut_of(final), margin_clause_up),
        5: ("Moved up from ", tier(previous), ": score ", s, " is at or above the ", tier(final), " cut-off of ", cut_of(final), "."),
        6: ("Moved down from ", tier(previous), ": score ", s, " is ", diff(lambda i: cut[up1[i]] - bins[i]), " points below the ",
            tier(up1), " cut-off of ", cut_of(up1), margin_clause_down),
        7: ("Moved down from ", tier(previous), ": score ", s, " is below the ", tier(up1), " cut-off of ", cut_of(up1), "."),
        8: ("Kept in ", tier(previous), ", its previous tier: score ", s, " is ", diff(lambda i: bins[i] - cut[prev_up[i]]),
            " points above the ", tier(prev_up), " cut-off of ", cut_of(prev_up), f", less than the {m}-point margin needed to move up."),
        9: ("Kept in ", tier(previous), ", its previous tier: score ", s, " is ", diff(lambda i: cut[previous[i]] - bins[i]),
            " points below the ", tier(previous), " cut-off of ", cut_of(previous), f", within the {m}-point margin, so it does not move down yet."),
        10: ("Locked to ", tier(final), ": ", reason_of_lock, ". Its score ", s, " would place it there anyway."),
        11: ("Locked to ", tier(final), ": ", reason_of_lock, ". Without the lock it would be in ", tier(pl.unlocked), " (score ", s, ")."),
        12: ("Locked to ", tier(final), " (no reason given). Its score ", s, " would place it there anyway."),
        13: ("Locked to ", tier(final), " (no reason given). Without the lock it would be in ", tier(pl.unlocked), " (score ", s, ")."),
        14: ("Strategic account: placed in ", tier(final), ", the lowest tier the Finance sheet allows for strategic accounts",
             f" ({strategic_tier} or higher); by score it would be in ", tier(pl.base), " (score ", s, ")."),
        15: ("Churn risk: one tier above ", tier(pl.pre_churn), " for temporary higher touch until the churn flag is cleared (score ", s, ")."),
        16: ("Score ", s, "; the Tiers sheet has a single tier."),
    }
    # parts shared by every template, computed on each case's accounts only
    new_code = np.zeros(n, dtype=np.int64)
    new_code[still & (previous < 0) & ~previous_unknown] = 1
    new_code[still & previous_unknown] = 2
    prefix_lead = pa.array(["", "New account (no previous tier). ", "Previous tier \""])
    prefix_tail = pa.array(["", "", "\" is not on the Tiers sheet, so it is treated as new. "])

    def prefix(idx: np.ndarray) -> pa.Array:
        code = pa.array(new_code[idx])
        given = pc.if_else(pc.equal(code, 2), previous_text.take(pa.array(idx)), "")
        return join(prefix_lead.take(code), given, prefix_tail.take(code))

    churn_texts = pa.array(["", " Churn risk is flagged, but it is already in the highest tier."])
    pillar_texts = pa.array([f" Largest contribution: {p}, " for p in pillar_names] + [""])
    points_of = pa.array([" of its ", ""])
    points_end = pa.array([" points.", ""])
    quiet_all = no_signal | (top_points <= 0)  # nothing to name: no signal, or every contribution is 0
    no_sig = quiet_all.astype(np.int64)

    def suffix(idx: np.ndarray) -> pa.Array:
        quiet = pa.array(no_sig[idx])
        contrib = join(
            pillar_texts.take(pa.array(np.where(quiet_all[idx], len(pillar_names), top_pillar[idx]))),
            pc.if_else(pc.equal(quiet, 0), numbers(top_points[idx]), ""),
            points_of.take(quiet),
            pc.if_else(pc.equal(quiet, 0), numbers(bins[idx]), ""),
            points_end.take(quiet),
        )
        return join(churn_texts.take(pa.array(pl.churn_at_top[idx].astype(np.int64))), contrib, missing_text.take(pa.array(idx)))

    for code in (1, 2, 3, 16):
        templates[code] = (prefix, *templates[code])
    templates = {code: (*parts, suffix) for code, parts in templates.items()}
    reason = render(n, case, templates)

    rule_case = kind.astype(np.int64)
    rule = render(
        n,
        rule_case,
        {
            SCORE_CUTOFF: ("score cut-off",),
            KEPT: ("kept by hysteresis",),
            LOCKED: ("locked: ", lambda idx: pc.if_else(pc.greater(pc.utf8_length(reason_of_lock(idx)), 0), reason_of_lock(idx), "no reason given")),
            STRATEGIC: ("strategic flag",),
            CHURN: ("churn risk: temporary higher touch",),
        },
    )
    return reason, rule
