"""Pillar scores and the composite score, whole columns at a time.

Every signal column named on the Scoring sheet is turned into a percentile
rank within the base (0 = lowest value among the accounts that have one,
100 = highest; ties share the average rank), flipped for signals where a
lower value raises the tier. Ranks are robust to skew: one account with a
hundred times the usage of the next does not squash everyone else to zero.

A pillar's score is the weighted mean of its signals that are present for
the account; the composite score is the weighted mean of the pillars that
are present, each pillar weighing the sum of its rules' weights. A missing
value is therefore never read as zero: the account is scored on what is
known, and the gap is recorded.

Scores are rounded to hundredths. Tiering works on the rounded value, so the
score a CRM shows and the score the cut-offs are compared with are the same
number (and the Excel formula in the results reproduces the tier exactly).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from planner.inputs import ScoringRule
from planner.schema import ACCOUNTS, PILLARS

SCALE_BINS = 10_000  # score 0..100 in hundredths
NEUTRAL_BIN = 5_000  # score given to an account with no signal at all

_TRUE_WORDS = {"yes", "y", "true", "t"}
_FALSE_WORDS = {"no", "n", "false", "f"}


def pillar_key(pillar: str) -> str:
    """'Health and maturity' -> 'health_and_maturity' (column names of the results)."""
    return pillar.lower().replace(" ", "_")


@dataclass
class Signal:
    """One Scoring rule as applied to the base."""

    pillar: str
    column: str  # as named on the Scoring sheet
    resolved: str | None  # column of the accounts frame it was read from (None: not in the export)
    weight: float
    direction: int
    present: int = 0  # accounts with a usable value
    not_numeric: int = 0  # accounts whose cell held text that is not a number
    bit: int = -1  # bit of this signal in the missing-signal code


@dataclass
class Scores:
    bins: np.ndarray  # int64, composite score in hundredths (0..10000)
    pillar_scores: dict[str, np.ndarray]  # pillar -> 0..100 float (NaN when nothing present / no rule)
    contributions: dict[str, np.ndarray]  # pillar -> points of the composite (sums to the composite)
    pillar_weights: dict[str, float]  # pillar -> sum of its rules' weights
    signals: list[Signal]
    missing_code: np.ndarray  # int64 bitmask of signals missing per account (bit = Signal.bit)
    no_signal: np.ndarray  # bool: account had no usable signal at all (scored NEUTRAL_BIN)
    fallback_to_arr: bool = False  # the Scoring sheet had no weighted rule: ARR alone ranked accounts
    notes: list[str] = field(default_factory=list)

    @property
    def score(self) -> np.ndarray:
        return self.bins / 100.0


def resolve_column(columns: Iterable[str], name: str) -> str | None:
    """Find the accounts column a Scoring rule names: exact, canonical key of a fixed header, or case-insensitive."""
    columns = list(columns)
    if name in columns:
        return name
    wanted = str(name).strip().lower()
    for col in ACCOUNTS.columns:
        if (col.header.lower() == wanted or col.key == wanted) and col.key in columns:
            return col.key
    for name_ in columns:
        if str(name_).strip().lower() == wanted:
            return name_
    return None


def numeric_values(series: pd.Series) -> tuple[np.ndarray, int]:
    """A column as float (NaN for blanks), plus how many non-blank cells were not numbers.

    Booleans and Yes/No text count as 1/0. Infinite values are treated as blanks.
    """
    if pd.api.types.is_bool_dtype(series.dtype):
        values = series.astype("float64").to_numpy()
        return values, 0
    if pd.api.types.is_numeric_dtype(series.dtype):
        values = pd.to_numeric(series, errors="coerce").astype("float64").to_numpy(copy=True)
        values[~np.isfinite(values)] = np.nan
        return values, 0
    text = series.astype("str") if not pd.api.types.is_string_dtype(series.dtype) else series
    text = text.str.strip()
    blank = series.isna().to_numpy() | (text == "").fillna(True).to_numpy()
    values = pd.to_numeric(text, errors="coerce").astype("float64").to_numpy(copy=True)
    lowered = text.str.lower()
    yes = lowered.isin(_TRUE_WORDS).to_numpy()
    no = lowered.isin(_FALSE_WORDS).to_numpy()
    values[yes] = 1.0
    values[no] = 0.0
    values[~np.isfinite(values)] = np.nan
    not_numeric = int((np.isnan(values) & ~blank).sum())
    return values, not_numeric


def percentile_rank(values: np.ndarray) -> np.ndarray:
    """0..100 rank among the non-missing values (average rank for ties); NaN stays NaN.

    Whole numbers in a modest range (counts, 1-5 ratings, 0/1 flags) are ranked
    by counting; anything else by one sort (plus, when values are mostly distinct, one argsort).
    """
    present = ~np.isnan(values)
    n = int(present.sum())
    out = np.full(values.shape, np.nan)
    if n == 0:
        return out
    if n == 1:
        out[present] = 50.0
        return out
    v = values[present]
    lo, hi = float(v.min()), float(v.max())
    if hi - lo <= 1_000_000 and np.array_equal(v, np.rint(v)):
        k = (v - lo).astype(np.int64)
        counts = np.bincount(k)
        before = np.cumsum(counts) - counts
        ranks = (before + (counts + 1) / 2.0)[k]
    else:
        sv = np.sort(v)
        new = np.empty(n, dtype=bool)
        new[0] = True
        np.not_equal(sv[1:], sv[:-1], out=new[1:])
        starts = np.flatnonzero(new)
        ends = np.append(starts[1:], n)
        avg = (starts + 1 + ends) / 2.0  # the ranks start+1 .. end, averaged
        if len(starts) * 8 <= n:  # few distinct values (rounded figures): look each value's group up
            ranks = avg[np.searchsorted(sv[starts], v)]
        else:  # mostly distinct: one argsort (the order inside a tie does not matter, every tie gets its average)
            order = np.argsort(v)
            ranks = np.empty(n)
            ranks[order] = avg[np.cumsum(new) - 1]
    out[present] = (ranks - 1.0) * (100.0 / (n - 1))
    return out


def resolve_signals(columns: Iterable[str], rules: tuple[ScoringRule, ...]) -> tuple[list[Signal], bool, list[str]]:
    """The weighted Scoring rules as signals, each resolved to a column of ``columns``; ARR alone when none is weighted.

    Returns (signals, fallback_to_arr, notes). Needs only the column names, so a streamed export resolves
    its signals from its schema exactly as a whole table does.
    """
    names = list(columns)
    notes: list[str] = []
    signals: list[Signal] = []
    for rule in rules:
        weight = float(rule.weight) if rule.weight is not None and np.isfinite(rule.weight) else 0.0
        if weight <= 0 or rule.pillar not in PILLARS:
            continue
        direction = -1 if rule.direction is not None and rule.direction < 0 else 1
        signals.append(Signal(rule.pillar, rule.column, resolve_column(names, rule.column), weight, direction))
    fallback = False
    if not signals:
        fallback = True
        notes.append("The Scoring sheet has no rule with a positive weight: accounts are ranked on ARR alone.")
        signals.append(Signal("Revenue", "ARR", "arr" if "arr" in names else None, 1.0, 1))
    for bit, sig in enumerate(signals):
        sig.bit = bit
    return signals, fallback, notes


def signal_columns(signals: list[Signal]) -> list[str]:
    """The account columns the signals read, each once, in rule order."""
    return list(dict.fromkeys(s.resolved for s in signals if s.resolved is not None))


def signal_ranks(values: dict[str, np.ndarray], signals: list[Signal]) -> dict[tuple[str, int], np.ndarray]:
    """Percentile rank of every (column, direction) the signals use, over all accounts; a lower-is-better signal flipped.

    ``values``: column -> its numbers over the whole base (:func:`numeric_values`). The rank is the one
    step of scoring that needs every account at once; it takes compact float arrays only.
    """
    ranks: dict[tuple[str, int], np.ndarray] = {}
    for sig in signals:
        if sig.resolved is None:
            continue
        key = (sig.resolved, sig.direction)
        if key not in ranks:
            r = percentile_rank(values[sig.resolved])
            ranks[key] = 100.0 - r if sig.direction < 0 else r
    return ranks


def combine_scores(ranks: dict[tuple[str, int], np.ndarray], signals: list[Signal], n: int) -> tuple[
        np.ndarray, dict[str, np.ndarray], dict[str, np.ndarray], dict[str, float], np.ndarray, np.ndarray]:
    """Pillar scores and the composite from the signals' ranks, account by account (any slice of accounts).

    Returns (bins, pillar_scores, contributions, pillar_weights, missing_code, no_signal); nothing here
    depends on accounts outside the slice, so a streamed base is combined slice by slice.
    """
    pillar_num = {p: np.zeros(n) for p in PILLARS}
    pillar_den = {p: np.zeros(n) for p in PILLARS}
    missing_code = np.zeros(n, dtype=np.int64)
    for sig in signals:
        if sig.resolved is None:
            missing_code |= np.int64(1) << sig.bit
            continue
        r = ranks[(sig.resolved, sig.direction)]
        present = ~np.isnan(r)
        missing_code[~present] |= np.int64(1) << sig.bit
        pillar_num[sig.pillar] += np.where(present, r * sig.weight, 0.0)
        pillar_den[sig.pillar] += np.where(present, sig.weight, 0.0)

    pillar_weights = {p: float(sum(s.weight for s in signals if s.pillar == p)) for p in PILLARS}
    pillar_scores: dict[str, np.ndarray] = {}
    total_num = np.zeros(n)
    total_den = np.zeros(n)
    for p in PILLARS:
        den = pillar_den[p]
        with np.errstate(invalid="ignore", divide="ignore"):
            s = np.where(den > 0, pillar_num[p] / np.where(den > 0, den, 1.0), np.nan)
        pillar_scores[p] = s
        w = pillar_weights[p]
        if w > 0:
            has = den > 0
            total_num += np.where(has, w * np.nan_to_num(s), 0.0)
            total_den += np.where(has, w, 0.0)
    no_signal = total_den <= 0
    safe_den = np.where(no_signal, 1.0, total_den)
    composite = np.where(no_signal, NEUTRAL_BIN / 100.0, total_num / safe_den)
    bins = np.rint(np.clip(composite, 0.0, 100.0) * 100.0).astype(np.int64)
    contributions = {}
    for p in PILLARS:
        w = pillar_weights[p]
        s = pillar_scores[p]
        contributions[p] = np.where(np.isnan(s) | no_signal, 0.0, w * np.nan_to_num(s) / safe_den)
    return bins, pillar_scores, contributions, pillar_weights, missing_code, no_signal


def score_accounts(accounts: pd.DataFrame, rules: tuple[ScoringRule, ...]) -> Scores:
    """Percentile-rank every signal, combine into pillar scores and the composite score."""
    n = len(accounts)
    signals, fallback, notes = resolve_signals(accounts.columns, rules)
    values: dict[str, np.ndarray] = {}
    not_numeric_of: dict[str, int] = {}
    for col in signal_columns(signals):
        values[col], not_numeric_of[col] = numeric_values(accounts[col])
    ranks = signal_ranks(values, signals)
    for sig in signals:
        if sig.resolved is not None:
            sig.not_numeric = not_numeric_of[sig.resolved]
            sig.present = int((~np.isnan(ranks[(sig.resolved, sig.direction)])).sum())
    bins, pillar_scores, contributions, pillar_weights, missing_code, no_signal = combine_scores(ranks, signals, n)
    return Scores(
        bins=bins,
        pillar_scores=pillar_scores,
        contributions=contributions,
        pillar_weights=pillar_weights,
        signals=signals,
        missing_code=missing_code,
        no_signal=no_signal,
        fallback_to_arr=fallback,
        notes=notes,
    )
