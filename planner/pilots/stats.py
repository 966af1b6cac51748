"""Pilot statistics: compare a pilot group with its baseline, honestly.

Pure functions on numbers (counts, arrays); no I/O, no clock, no sentences (the
words are in :mod:`planner.report.pilot_words`). The rules are written out in
docs/pilots.md; in short:

Rates (renewal, churn)
    Fisher's exact test when any expected count of the 2x2 table is below 5
    (Cochran's condition), otherwise the two-proportion z-test without
    continuity correction (pooled variance; it equals the uncorrected
    chi-square). The difference pilot - baseline comes with Newcombe's hybrid
    score interval (statsmodels ``method="newcomb"``).

Amounts and durations (expansion ARR, resolution time, usage change)
    Mann-Whitney U, which tests whether one group tends to take larger values
    than the other (not whether the medians differ); the difference reported is
    the median difference with a percentile bootstrap interval (fixed seed).
    Where the mean itself matters (money totals) and both groups have at least
    ``WELCH_MIN_N`` accounts, Welch's t-test on the mean difference instead.
    When most amounts are zero (``split_zeros``), the share above zero is
    compared first as a rate, then the amount among those above zero (a part).

Sides
    ``Sided.TWO_SIDED``, ``GREATER`` (the pilot's values higher) or ``LESS``,
    fixed by the pilot definition before any data is seen; never chosen here.
    A one-sided test comes with a one-sided 95% interval: the other end is
    ``None`` (no bound).

Detectable effect
    The smallest effect the groups had 80% power to detect at alpha 0.05 with
    the declared sides (normal approximation): for rates the pilot rate that
    could be told apart from the baseline's observed rate; for amounts a shift
    in units of the baseline's standard deviation (Mann-Whitney is charged its
    efficiency 3/pi relative to the t-test, so the figure does not flatter it).

Verdict
    :func:`decide_verdict`, rules in its docstring. Several pilots tested
    together: :func:`adjust_holm`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from planner.arrays import FloatArray
from planner.pilots.kinds import HypothesisTest, Measure, Sided, Unit, Verdict

# SciPy's and statsmodels' statistics take about a second to import, so they are imported when a pilot
# is judged, not when the package is (every plan imports this module; few plans have pilots).


def _sps() -> Any:
    from scipy import stats

    return stats


def _brentq() -> Any:
    from scipy.optimize import brentq

    return brentq


def _multipletests() -> Any:
    from statsmodels.stats.multitest import multipletests

    return multipletests


def _proportion() -> Any:
    from statsmodels.stats import proportion

    return proportion


ALPHA = 0.05
POWER = 0.80
CONFIDENCE = 0.95
COCHRAN_MIN_EXPECTED = 5.0  # below this expected count in any cell, Fisher's exact test
WELCH_MIN_N = 50  # per group, before a t-test on skewed money amounts is trusted
MOSTLY_ZERO = 0.5  # split_zeros applies when more than this share of all amounts is exactly zero
# "Any plausible effect": a pilot that could only detect a bigger change than these cannot tell.
MAX_PLAUSIBLE_RATE_CHANGE = 0.20  # 20 percentage points
MAX_PLAUSIBLE_SHIFT_SD = 1.0  # one standard deviation of the baseline
MANN_WHITNEY_EFFICIENCY = 3.0 / math.pi  # asymptotic relative efficiency against the t-test (normal data)
BOOTSTRAP_RESAMPLES = 9999
BOOTSTRAP_SEED = 16
BOOTSTRAP_MAX_VALUES = 200_000_000  # resamples x accounts; bounds the time of a very large baseline
BOOTSTRAP_BATCH_VALUES = 2_000_000  # values held in memory at once




@dataclass(frozen=True)
class Comparison:
    """One outcome compared between a pilot group and its baseline.

    Differences are pilot minus baseline, in the measure's units (rates as
    fractions: 0.08 is 8 points). ``ci_low``/``ci_high`` is ``None`` where the
    interval has no bound (the far side of a one-sided interval) or none could
    be computed. ``direction`` is +1 when the pilot's values tend higher, -1
    lower, 0 neither. ``parts`` holds follow-up comparisons (the amount among
    accounts above zero), each with its own verdict.
    """

    outcome: str
    measure: Measure
    higher_is_better: bool
    sided: Sided
    pilot_n: int
    baseline_n: int
    pilot_value: float | None = None
    baseline_value: float | None = None
    pilot_count: int | None = None  # accounts with the event (rates)
    baseline_count: int | None = None
    difference: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    ci_level: float = CONFIDENCE
    ci_method: str = ""  # "newcombe", "bootstrap_percentile", "welch"
    test: HypothesisTest = HypothesisTest.NONE
    min_expected_count: float | None = None  # rates: smallest expected cell count (chooses the test)
    p_value: float | None = None
    p_adjusted: float | None = None  # after Holm over the pilots tested together
    adjustment: str = "none"  # "holm" once adjusted
    family_size: int = 1  # comparisons in the Holm family
    alpha: float = ALPHA
    direction: int = 0
    baseline_sd: float | None = None  # amounts: standard deviation of the baseline's values
    detectable_effect: float | None = None
    detectable_unit: Unit = Unit.RATE
    detectable_difference: float | None = None  # the detectable effect as a difference in the measure's units
    verdict: Verdict = Verdict.NO_OUTCOME_DATA
    parts: tuple[Comparison, ...] = ()


# ----------------------------------------------------------------- helpers
def _z_alpha(alpha: float, sided: Sided) -> float:
    return float(_sps().norm.ppf(1 - alpha / 2)) if sided is Sided.TWO_SIDED else float(_sps().norm.ppf(1 - alpha))


def _scipy_alternative(sided: Sided) -> str:
    return sided.value


def _statsmodels_alternative(sided: Sided) -> str:
    return {Sided.TWO_SIDED: "two-sided", Sided.GREATER: "larger", Sided.LESS: "smaller"}[sided]


def _one_sided_ends(low: float, high: float, sided: Sided) -> tuple[float | None, float | None]:
    """Keep the bound the sides ask for; an infinite or missing end is None."""
    lo = float(low) if low is not None and math.isfinite(low) else None
    hi = float(high) if high is not None and math.isfinite(high) else None
    if sided is Sided.GREATER:
        hi = None
    elif sided is Sided.LESS:
        lo = None
    return lo, hi


def _sign(value: float) -> int:
    return 1 if value > 0 else (-1 if value < 0 else 0)


# ------------------------------------------------------------------- rates
def expected_counts(pilot_count: int, pilot_n: int, baseline_count: int, baseline_n: int) -> np.ndarray:
    """Expected cell counts of the 2x2 table (rows: pilot, baseline; columns: event, no event) under no difference."""
    table = np.array([[pilot_count, pilot_n - pilot_count], [baseline_count, baseline_n - baseline_count]], float)
    total = table.sum()
    expected: FloatArray = np.outer(table.sum(axis=1), table.sum(axis=0)) / total
    return expected


def fisher_test(pilot_count: int, pilot_n: int, baseline_count: int, baseline_n: int,
                sided: Sided = Sided.TWO_SIDED) -> float:
    """Fisher's exact p-value for the 2x2 table; ``GREATER`` means the pilot's rate higher."""
    table = [[pilot_count, pilot_n - pilot_count], [baseline_count, baseline_n - baseline_count]]
    return float(_sps().fisher_exact(table, alternative=_scipy_alternative(sided)).pvalue)


def z_test(pilot_count: int, pilot_n: int, baseline_count: int, baseline_n: int,
           sided: Sided = Sided.TWO_SIDED) -> float:
    """Two-proportion z-test p-value, pooled variance, no continuity correction."""
    _, p = _proportion().proportions_ztest([pilot_count, baseline_count], [pilot_n, baseline_n],
                             alternative=_statsmodels_alternative(sided))
    return float(p)


def newcombe_interval(pilot_count: int, pilot_n: int, baseline_count: int, baseline_n: int,
                      sided: Sided = Sided.TWO_SIDED, level: float = CONFIDENCE) -> tuple[float | None, float | None]:
    """Newcombe's hybrid score interval for pilot rate - baseline rate (one-sided: one bound, the other None)."""
    two_sided_alpha = 1 - level if sided is Sided.TWO_SIDED else 2 * (1 - level)
    low, high = _proportion().confint_proportions_2indep(pilot_count, pilot_n, baseline_count, baseline_n,
                                           method="newcomb", compare="diff", alpha=two_sided_alpha)
    return _one_sided_ends(low, high, sided)


def _rate_power_gap(p_pilot: float, p_base: float, n_pilot: float, n_base: float, z_a: float, z_b: float) -> float:
    """z_a * sd under no difference + z_b * sd under the difference - |difference|; zero at the power asked."""
    pooled = (n_pilot * p_pilot + n_base * p_base) / (n_pilot + n_base)
    sd0 = math.sqrt(pooled * (1 - pooled) * (1 / n_pilot + 1 / n_base))
    sd1 = math.sqrt(p_pilot * (1 - p_pilot) / n_pilot + p_base * (1 - p_base) / n_base)
    return z_a * sd0 + z_b * sd1 - abs(p_pilot - p_base)


def detectable_rate(baseline_rate: float, pilot_n: int, baseline_n: int, *, toward: int,
                    sided: Sided = Sided.TWO_SIDED, alpha: float = ALPHA, power: float = POWER) -> float | None:
    """The pilot rate, above (``toward=+1``) or below (-1) the baseline's, detected with ``power``.

    Normal approximation of the two-proportion test with the groups' real
    sizes: |p1 - p0| = z_alpha * sd0 + z_power * sd1, where sd0 uses the pooled
    rate and sd1 each group's own. None when no rate up to 0 or 1 gets there.
    """
    if pilot_n <= 0 or baseline_n <= 0:
        return None
    z_a, z_b = _z_alpha(alpha, sided), float(_sps().norm.ppf(power))
    bound = 1.0 if toward > 0 else 0.0
    if bound == baseline_rate:
        return None

    def gap(p: float) -> float:
        return _rate_power_gap(p, baseline_rate, pilot_n, baseline_n, z_a, z_b)

    if gap(bound) > 0:
        return None
    near = baseline_rate + toward * 1e-9
    return float(_brentq()(gap, near, bound, xtol=1e-12))


@dataclass(frozen=True)
class SampleSize:
    exact: float  # the formula's value
    per_arm: int  # accounts needed in each group (rounded up)


def sample_size_per_arm(baseline_rate: float, target_rate: float, *, sided: Sided = Sided.TWO_SIDED,
                        alpha: float = ALPHA, power: float = POWER) -> SampleSize:
    """Accounts per group to detect ``target_rate`` against ``baseline_rate`` (pooled-variance formula).

    n = [z_alpha * sqrt(2 pbar qbar) + z_power * sqrt(p1 q1 + p2 q2)]^2 / (p1 - p2)^2, pbar the mean rate.
    """
    if not (0 <= baseline_rate <= 1 and 0 <= target_rate <= 1) or baseline_rate == target_rate:
        raise ValueError("rates must be in [0, 1] and differ")
    z_a, z_b = _z_alpha(alpha, sided), float(_sps().norm.ppf(power))
    p1, p2 = target_rate, baseline_rate
    pbar = (p1 + p2) / 2
    n = (z_a * math.sqrt(2 * pbar * (1 - pbar)) + z_b * math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))) ** 2 / (p1 - p2) ** 2
    return SampleSize(exact=n, per_arm=math.ceil(n - 1e-9))


def sample_size_for_shift(shift_sd: float, *, test: HypothesisTest = HypothesisTest.MANN_WHITNEY,
                          sided: Sided = Sided.TWO_SIDED, alpha: float = ALPHA, power: float = POWER) -> SampleSize:
    """Accounts per group to detect a shift of ``shift_sd`` baseline standard deviations.

    n = 2 (z_alpha + z_power)^2 / d^2, divided by 3/pi for Mann-Whitney.
    """
    if shift_sd <= 0:
        raise ValueError("the shift must be positive")
    z_a, z_b = _z_alpha(alpha, sided), float(_sps().norm.ppf(power))
    n = 2 * (z_a + z_b) ** 2 / shift_sd ** 2
    if test is HypothesisTest.MANN_WHITNEY:
        n /= MANN_WHITNEY_EFFICIENCY
    return SampleSize(exact=n, per_arm=math.ceil(n - 1e-9))


def detectable_shift(pilot_n: int, baseline_n: int, *, test: HypothesisTest = HypothesisTest.MANN_WHITNEY,
                     sided: Sided = Sided.TWO_SIDED, alpha: float = ALPHA, power: float = POWER) -> float | None:
    """Smallest shift, in baseline standard deviations, detected with ``power``: (z_a + z_b) sqrt(1/n1 + 1/n2)."""
    if pilot_n <= 0 or baseline_n <= 0:
        return None
    z_a, z_b = _z_alpha(alpha, sided), float(_sps().norm.ppf(power))
    d = (z_a + z_b) * math.sqrt(1 / pilot_n + 1 / baseline_n)
    if test is HypothesisTest.MANN_WHITNEY:
        d /= math.sqrt(MANN_WHITNEY_EFFICIENCY)
    return d


def compare_rates(pilot_count: int, pilot_n: int, baseline_count: int, baseline_n: int, *,
                  outcome: str = "rate", sided: Sided = Sided.TWO_SIDED, higher_is_better: bool = True,
                  alpha: float = ALPHA, measure: Measure = Measure.RATE) -> Comparison:
    """Compare the share of accounts with an event (renewed, churned) between pilot and baseline."""
    for count, n in ((pilot_count, pilot_n), (baseline_count, baseline_n)):
        if not (0 <= count <= n):
            raise ValueError(f"a count of {count} out of {n} accounts")
    base = Comparison(outcome=outcome, measure=measure, higher_is_better=higher_is_better, sided=sided,
                      pilot_n=int(pilot_n), baseline_n=int(baseline_n), alpha=alpha, detectable_unit=Unit.RATE)
    if pilot_n == 0 or baseline_n == 0:
        return replace(base, verdict=Verdict.NO_OUTCOME_DATA,
                       pilot_value=pilot_count / pilot_n if pilot_n else None,
                       baseline_value=baseline_count / baseline_n if baseline_n else None)
    p1, p0 = pilot_count / pilot_n, baseline_count / baseline_n
    min_expected = float(expected_counts(pilot_count, pilot_n, baseline_count, baseline_n).min())
    if min_expected < COCHRAN_MIN_EXPECTED:
        test, p = HypothesisTest.FISHER, fisher_test(pilot_count, pilot_n, baseline_count, baseline_n, sided)
    else:
        test, p = HypothesisTest.Z, z_test(pilot_count, pilot_n, baseline_count, baseline_n, sided)
    low, high = newcombe_interval(pilot_count, pilot_n, baseline_count, baseline_n, sided)
    toward = _toward(sided, higher_is_better)
    detectable = detectable_rate(p0, pilot_n, baseline_n, toward=toward, sided=sided, alpha=alpha)
    if detectable is None and sided is Sided.TWO_SIDED:
        detectable = detectable_rate(p0, pilot_n, baseline_n, toward=-toward, sided=sided, alpha=alpha)
    result = replace(base, pilot_value=p1, baseline_value=p0, pilot_count=int(pilot_count),
                     baseline_count=int(baseline_count), difference=p1 - p0, ci_low=low, ci_high=high,
                     ci_method="newcombe", test=test, min_expected_count=min_expected,
                     p_value=min(max(p, 0.0), 1.0), p_adjusted=min(max(p, 0.0), 1.0), direction=_sign(p1 - p0),
                     detectable_effect=detectable,
                     detectable_difference=None if detectable is None else detectable - p0)
    return replace(result, verdict=decide_verdict(result))


def _toward(sided: Sided, higher_is_better: bool) -> int:
    """Direction the detectable effect is sought in: the declared side, or better for two-sided."""
    if sided is Sided.GREATER:
        return 1
    if sided is Sided.LESS:
        return -1
    return 1 if higher_is_better else -1


# ----------------------------------------------------------------- amounts
def _median_difference(x: FloatArray, y: FloatArray, axis: int = -1) -> FloatArray:
    difference: FloatArray = np.median(x, axis=axis) - np.median(y, axis=axis)
    return difference


def median_difference_interval(pilot: np.ndarray, baseline: np.ndarray, *, sided: Sided = Sided.TWO_SIDED,
                               level: float = CONFIDENCE, seed: int = BOOTSTRAP_SEED,
                               n_resamples: int = BOOTSTRAP_RESAMPLES) -> tuple[float | None, float | None]:
    """Percentile bootstrap interval of median(pilot) - median(baseline); (None, None) below 2 values a group.

    Percentile rather than BCa: the median's bootstrap distribution is lumpy
    (few distinct values), where BCa's jackknife acceleration degenerates.
    Resamples are capped so resamples x accounts stays under
    ``BOOTSTRAP_MAX_VALUES`` (never fewer than 999), and computed in batches.
    """
    if len(pilot) < 2 or len(baseline) < 2:
        return None, None
    size = len(pilot) + len(baseline)
    resamples = max(999, min(n_resamples, BOOTSTRAP_MAX_VALUES // size))
    result = _sps().bootstrap((pilot, baseline), _median_difference, vectorized=True, n_resamples=resamples,
                           batch=max(1, BOOTSTRAP_BATCH_VALUES // size), method="percentile",
                           confidence_level=level, alternative=_scipy_alternative(sided),
                           rng=np.random.default_rng(seed))
    return _one_sided_ends(result.confidence_interval.low, result.confidence_interval.high, sided)


def _finite_values(values: ArrayLike) -> FloatArray:
    array: FloatArray = np.asarray(values, dtype=float)
    array = array[~np.isnan(array)]
    if not np.isfinite(array).all():
        raise ValueError("amounts must be finite numbers (NaN for missing)")
    return array


def compare_amounts(pilot: ArrayLike, baseline: ArrayLike, *, outcome: str = "amount", sided: Sided = Sided.TWO_SIDED,
                    higher_is_better: bool = True, mean_matters: bool = False, split_zeros: bool = False,
                    alpha: float = ALPHA, seed: int = BOOTSTRAP_SEED,
                    n_resamples: int = BOOTSTRAP_RESAMPLES) -> Comparison:
    """Compare amounts or durations per account between pilot and baseline (NaN = no data, left out).

    ``split_zeros``: when more than half of all values are exactly zero, the
    comparison is the share above zero (as a rate), with the amounts above zero
    compared as a part. ``mean_matters``: Welch's t-test on means when both
    groups have ``WELCH_MIN_N`` accounts and neither is constant; otherwise
    Mann-Whitney U with the median difference.
    """
    x, y = _finite_values(pilot), _finite_values(baseline)
    n1, n2 = len(x), len(y)
    if split_zeros and n1 and n2 and np.mean(np.concatenate([x, y]) == 0) > MOSTLY_ZERO:
        share = compare_rates(int((x > 0).sum()), n1, int((y > 0).sum()), n2, outcome=outcome, sided=sided,
                              higher_is_better=higher_is_better, alpha=alpha, measure=Measure.SHARE_ABOVE_ZERO)
        among = compare_amounts(x[x > 0], y[y > 0], outcome=outcome, sided=sided, higher_is_better=higher_is_better,
                                mean_matters=mean_matters, alpha=alpha, seed=seed, n_resamples=n_resamples)
        return replace(share, parts=(among,))
    use_welch = (mean_matters and min(n1, n2) >= WELCH_MIN_N
                 and np.var(x) > 0 and np.var(y) > 0)
    test = HypothesisTest.WELCH if use_welch else HypothesisTest.MANN_WHITNEY
    base = Comparison(outcome=outcome, measure=Measure.MEAN if use_welch else Measure.MEDIAN,
                      higher_is_better=higher_is_better, sided=sided, pilot_n=n1, baseline_n=n2, alpha=alpha,
                      detectable_unit=Unit.BASELINE_SD)
    if n1 == 0 or n2 == 0:
        return replace(base, verdict=Verdict.NO_OUTCOME_DATA)
    baseline_sd = float(np.std(y, ddof=1)) if n2 >= 2 else None
    shift = detectable_shift(n1, n2, test=test, sided=sided, alpha=alpha)
    if use_welch:
        welch = _sps().ttest_ind(x, y, equal_var=False, alternative=_scipy_alternative(sided))
        interval = welch.confidence_interval(CONFIDENCE)
        low, high = _one_sided_ends(interval.low, interval.high, sided)
        p1, p0, p, ci_method = float(x.mean()), float(y.mean()), float(welch.pvalue), "welch"
        direction = _sign(p1 - p0)
    else:
        mwu = _sps().mannwhitneyu(x, y, alternative=_scipy_alternative(sided), method="auto")
        low, high = median_difference_interval(x, y, sided=sided, seed=seed, n_resamples=n_resamples)
        p1, p0, p, ci_method = float(np.median(x)), float(np.median(y)), float(mwu.pvalue), "bootstrap_percentile"
        direction = _sign(float(mwu.statistic) - n1 * n2 / 2)  # U of the pilot above half the pairs: pilot tends higher
    p = min(max(p, 0.0), 1.0)
    result = replace(base, pilot_value=p1, baseline_value=p0, difference=p1 - p0, ci_low=low, ci_high=high,
                     ci_method=ci_method, test=test, p_value=p, p_adjusted=p, direction=direction,
                     baseline_sd=baseline_sd, detectable_effect=shift,
                     detectable_difference=None if baseline_sd is None or shift is None else shift * baseline_sd)
    return replace(result, verdict=decide_verdict(result))


# ----------------------------------------------------------------- verdict
def can_tell(c: Comparison, *, max_rate_change: float = MAX_PLAUSIBLE_RATE_CHANGE,
             max_shift_sd: float = MAX_PLAUSIBLE_SHIFT_SD) -> bool:
    """Whether the groups had 80% power for some plausible effect (see ``MAX_PLAUSIBLE_*``)."""
    if c.detectable_effect is None:
        return False
    if c.detectable_unit is Unit.RATE:
        return abs(c.detectable_effect - (c.baseline_value or 0.0)) <= max_rate_change + 1e-12
    return c.detectable_effect <= max_shift_sd + 1e-12


def interval_agrees(c: Comparison) -> bool:
    """The interval lies wholly on the side of zero the test found (an absent bound counts as open)."""
    if c.direction > 0:
        return c.ci_low is not None and c.ci_low > 0
    if c.direction < 0:
        return c.ci_high is not None and c.ci_high < 0
    return False


def decide_verdict(c: Comparison, *, max_rate_change: float = MAX_PLAUSIBLE_RATE_CHANGE,
                   max_shift_sd: float = MAX_PLAUSIBLE_SHIFT_SD) -> Verdict:
    """The verdict, first rule that applies:

    1. ``still_running`` stays (set by the evaluation when the pilot has not ended).
    2. ``no_outcome_data``: a group has no account with outcome data.
    3. ``not_enough_accounts``: the groups had no 80% power for any plausible
       effect (rates: no detectable rate within ``max_rate_change`` of the
       baseline's; amounts: the detectable shift is above ``max_shift_sd``
       baseline standard deviations). Said even when the p-value is small: a
       significant result from groups this small mostly overstates the effect.
    4. ``no_detectable_difference``: the p-value (Holm-adjusted when several are
       tested) is above alpha, or there is none. Never "no effect".
    5. ``inconclusive``: the test is below alpha but the interval still
       includes no change (or the groups do not differ in direction).
    6. ``improved`` / ``worse``: the direction found, judged by whether higher
       is better for the outcome.
    """
    if c.verdict is Verdict.STILL_RUNNING:
        return Verdict.STILL_RUNNING
    if c.pilot_n == 0 or c.baseline_n == 0:
        return Verdict.NO_OUTCOME_DATA
    if not can_tell(c, max_rate_change=max_rate_change, max_shift_sd=max_shift_sd):
        return Verdict.NOT_ENOUGH_ACCOUNTS
    p = c.p_adjusted if c.p_adjusted is not None else c.p_value
    if p is None or p > c.alpha:
        return Verdict.NO_DETECTABLE_DIFFERENCE
    if not interval_agrees(c):
        return Verdict.INCONCLUSIVE
    return Verdict.IMPROVED if (c.direction > 0) == c.higher_is_better else Verdict.WORSE


def _flatten(comparisons: Sequence[Comparison]) -> list[Comparison]:
    out: list[Comparison] = []
    for c in comparisons:
        out.append(c)
        out.extend(_flatten(c.parts))
    return out


def adjust_holm(comparisons: Sequence[Comparison]) -> list[Comparison]:
    """Holm's step-down adjustment over every comparison that has a p-value, parts included; verdicts redone.

    Comparisons without a p-value (no data, still running) are left as they
    are and do not count in the family.
    """

    def tested(c: Comparison) -> bool:
        return c.p_value is not None and c.verdict is not Verdict.STILL_RUNNING

    family = [c for c in _flatten(comparisons) if tested(c)]
    corrected = iter(_multipletests()([c.p_value for c in family], method="holm")[1] if family else [])

    def redo(c: Comparison) -> Comparison:  # the same pre-order walk as _flatten
        new = c
        if tested(c):
            new = replace(c, p_adjusted=min(float(next(corrected)), 1.0), adjustment="holm", family_size=len(family))
        new = replace(new, parts=tuple(redo(part) for part in c.parts))
        return replace(new, verdict=decide_verdict(new)) if tested(c) else new

    return [redo(c) for c in comparisons]
