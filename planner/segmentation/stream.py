"""Tiering an export too large for one table: batches in, compact arrays, the same rules out.

:func:`planner.segmentation.segment` holds the whole cleaned accounts frame (text, reasons, pillar
columns) and explains every account; at ten million accounts that is tens of gigabytes. This
module keeps, per account, only what the rules need: ARR, one float per signal column, the previous
score, previous and locked tier indexes and the two flags (about 100 bytes an account with the
demo's nine signals), filled batch by batch (:class:`AccountColumns`), then runs the very functions
``segment`` runs:

* per batch, the cleaned columns become numbers with :func:`scoring.numeric_values`,
  :func:`columns.tier_codes` and :func:`columns.flags`, as ``segment`` reads them;
* over the whole base, :func:`scoring.signal_ranks` (the one step of scoring that needs every
  account at once, on float arrays), then :func:`scoring.combine_scores` slice by slice;
* :func:`decide.decide_tiers`: cut-offs from the bands, the last assessment's cut-offs,
  guardrails, hysteresis, flags and locks;
* :func:`tiering.band_report`: the tier aggregates the optimizer reads.

There is no second copy of a rule here, so the tiers are the ones ``segment`` gives on the same
accounts (tests/test_segmentation_stream.py compares them account by account). What is left out
is the per-account explanation (reasons, pillar columns, movers, drift, breakdown, data gaps),
which a results file of ten million rows would not make readable anyway.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa

from planner.inputs import PlanInputs, Tier
from planner.segmentation import columns as cols
from planner.segmentation.decide import Decision, decide_tiers
from planner.segmentation.retier import RULE_LABELS
from planner.segmentation.scoring import Signal, combine_scores, numeric_values, resolve_signals, signal_columns, signal_ranks
from planner.segmentation.tiering import placement_bands

SLICE = 1_000_000  # accounts combined at once (bounds the temporaries of combine_scores)


@dataclass
class AccountColumns:
    """What the rules read of each account, gathered batch by batch from cleaned account frames."""

    tier_names: tuple[str, ...]
    signals: list[Signal]
    columns: list[str]  # the signal columns, each once
    ids: list[pa.Array] = field(default_factory=list)
    arr: list[np.ndarray] = field(default_factory=list)
    values: dict[str, list[np.ndarray]] = field(default_factory=dict)
    not_numeric: dict[str, int] = field(default_factory=dict)
    previous: list[np.ndarray] = field(default_factory=list)
    prev_score: list[np.ndarray] = field(default_factory=list)
    locked: list[np.ndarray] = field(default_factory=list)
    strategic: list[np.ndarray] = field(default_factory=list)
    churn: list[np.ndarray] = field(default_factory=list)
    fallback_to_arr: bool = False
    notes: list[str] = field(default_factory=list)

    @classmethod
    def for_inputs(cls, inputs: PlanInputs, frame_columns: list[str]) -> AccountColumns:
        """Empty columns for the workbook's tiers and Scoring rules; signals resolved on the cleaned frame's columns."""
        signals, fallback, notes = resolve_signals(frame_columns, tuple(inputs.scoring))
        return cls(tuple(inputs.tier_names), signals, signal_columns(signals), fallback_to_arr=fallback, notes=notes)

    def add(self, frame: pd.DataFrame) -> None:
        """One cleaned batch (``clean_accounts`` output), read exactly as ``segment`` reads the whole frame."""
        n = len(frame)

        def column(name: str) -> pd.Series | None:
            return frame[name] if name in frame.columns else None

        self.ids.append(cols.text_array(column("account_id"), n))
        self.arr.append(numeric_values(frame["arr"])[0] if "arr" in frame.columns else np.full(n, np.nan))
        for name in self.columns:
            values, bad = numeric_values(frame[name])
            self.values.setdefault(name, []).append(values)
            self.not_numeric[name] = self.not_numeric.get(name, 0) + bad
        self.previous.append(cols.tier_codes(cols.text_array(column("previous_tier"), n), self.tier_names)[0].astype(np.int8))
        self.locked.append(cols.tier_codes(cols.text_array(column("locked_tier"), n), self.tier_names)[0].astype(np.int8))
        self.prev_score.append(numeric_values(frame["previous_score"])[0] if "previous_score" in frame.columns else np.full(n, np.nan))
        self.strategic.append(cols.flags(column("strategic"), n))
        self.churn.append(cols.flags(column("churn_risk"), n))

    def __len__(self) -> int:
        return sum(len(a) for a in self.arr)


@dataclass
class StreamedTiers:
    """Tiers of every account and the tier aggregates, without the per-account explanations."""

    tier_names: tuple[str, ...]
    tier_defs: tuple[Tier, ...]
    ids: pa.ChunkedArray  # account id per account, in file order
    final: np.ndarray  # int8 tier index per account
    previous: np.ndarray  # int8 previous tier index (-1: new or unknown)
    bins: np.ndarray  # int16 composite score in hundredths
    rule_tier: np.ndarray  # int8 tier by score alone
    kind: np.ndarray  # int8 which rule decided (planner.segmentation.retier constants)
    arr: np.ndarray
    decision: Decision
    bands: pd.DataFrame  # as Segmentation.bands
    signals: list[Signal]
    notes: list[str]

    @property
    def cutoffs(self) -> pd.Series:
        return pd.Series(self.decision.cut.bins / 100.0, index=list(self.tier_names), name="cutoff")

    def tier_stats(self) -> pd.DataFrame:
        """DataFrame(tier, accounts, arr) in tier order, every tier present: what the optimizer reads."""
        return self.bands[["tier", "accounts", "arr"]].reset_index(drop=True).copy()

    def tiers(self) -> pd.Series:
        """Final tier per account as a categorical (cheap: one byte an account)."""
        return pd.Series(pd.Categorical.from_codes(self.final.astype(np.int64), categories=pd.Index(list(self.tier_names))),
                         name="tier")

    def rule_counts(self) -> dict[str, int]:
        """Accounts per deciding rule, as Segmentation.rule_counts ("locked" for every lock reason)."""
        counts = np.bincount(self.kind, minlength=len(RULE_LABELS))
        return {label: int(counts[k]) for k, label in sorted(RULE_LABELS.items(), key=lambda kv: kv[1]) if counts[k]}


def _joined(parts: list[np.ndarray], dtype: type | None = None) -> np.ndarray:
    out = np.concatenate(parts) if parts else np.zeros(0)
    return out.astype(dtype, copy=False) if dtype is not None else out


def tier_columns(gathered: AccountColumns, inputs: PlanInputs) -> StreamedTiers:
    """Score and tier every gathered account with the functions ``segment`` uses (see the module docstring)."""
    tiers = tuple(inputs.tiers)
    if not tiers:
        raise ValueError("tier_columns() needs at least one tier")
    notes = list(gathered.notes)
    n = len(gathered)
    values: dict[str, np.ndarray] = {}
    for name in gathered.columns:
        values[name] = _joined(gathered.values.pop(name, []), np.float64)
    ranks = signal_ranks(values, gathered.signals)
    del values
    for sig in gathered.signals:
        if sig.resolved is not None:
            sig.not_numeric = gathered.not_numeric.get(sig.resolved, 0)
            sig.present = int((~np.isnan(ranks[(sig.resolved, sig.direction)])).sum())
    bins = np.empty(n, dtype=np.int64)
    for start in range(0, n, SLICE):
        part = {key: r[start:start + SLICE] for key, r in ranks.items()}
        bins[start:start + SLICE] = combine_scores(part, gathered.signals, len(bins[start:start + SLICE]))[0]
    del ranks
    arr = _joined(gathered.arr, np.float64)
    previous = _joined(gathered.previous, np.int64)
    locked = _joined(gathered.locked, np.int64)
    decision = decide_tiers(bins, arr, tiers, inputs.finance, previous, _joined(gathered.prev_score, np.float64), locked,
                            _joined(gathered.strategic, bool), _joined(gathered.churn, bool))
    notes.extend(decision.notes)
    pl, cut = decision.placement, decision.cut
    bands = placement_bands(pl.final, pl.rule_tier, arr, tiers, cut)
    ids = pa.chunked_array(gathered.ids, type=pa.string())
    gathered.ids.clear()
    return StreamedTiers(
        tier_names=tuple(t.name for t in tiers), tier_defs=tiers, ids=ids, final=pl.final.astype(np.int8),
        previous=previous.astype(np.int8), bins=bins.astype(np.int16), rule_tier=pl.rule_tier.astype(np.int8),
        kind=pl.kind.astype(np.int8), arr=arr, decision=decision, bands=bands, signals=gathered.signals, notes=notes,
    )
