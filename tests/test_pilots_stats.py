"""Pilot statistics: the published examples of support-ops.md section D, and hand-built groups whose p-values and
intervals are computed here independently (hypergeometric sums, the z formula, Wilson intervals, rank enumeration)."""

from __future__ import annotations

import itertools
import math
from dataclasses import replace
from fractions import Fraction

import numpy as np
import pytest
import scipy.stats as sps
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import (
    confint_proportions_2indep,
    power_proportions_2indep,
    proportions_ztest,
    samplesize_proportions_2indep_onetail,
)

from planner.pilots.stats import (
    HypothesisTest,
    Measure,
    Sided,
    Unit,
    Verdict,
    adjust_holm,
    compare_amounts,
    compare_rates,
    decide_verdict,
    detectable_rate,
    detectable_shift,
    fisher_test,
    median_difference_interval,
    newcombe_interval,
    sample_size_for_shift,
    sample_size_per_arm,
    z_test,
)


# ------------------------------------------------------- published examples
def test_scipy_fisher_example_8_2_1_5():
    # scipy docs: fisher_exact([[8, 2], [1, 5]]) -> statistic 20.0, p 0.034965034965034975
    assert fisher_test(8, 10, 1, 6) == pytest.approx(0.034965034965034975, rel=1e-12)
    assert sps.fisher_exact([[8, 2], [1, 5]]).statistic == 20.0


def test_tea_tasting_one_sided_and_two_sided():
    # R fisher.test(matrix(c(3,1,1,3),2), alternative="greater") -> 0.2429; two-sided 0.4857
    assert fisher_test(3, 4, 1, 4, Sided.GREATER) == pytest.approx(0.242857, abs=5e-7)
    assert fisher_test(3, 4, 1, 4) == pytest.approx(0.485714, abs=5e-7)
    c = compare_rates(3, 4, 1, 4, sided=Sided.GREATER)
    assert c.test is HypothesisTest.FISHER and c.p_value == pytest.approx(0.2429, abs=5e-5)


def test_statsmodels_ztest_examples():
    # statsmodels docs: proportions_ztest(5, 83, 0.05) -> 0.695 (one sample, the library itself);
    # ([5, 12], [83, 99]) -> 0.159, which our two-group test must give
    assert proportions_ztest(5, 83, 0.05)[1] == pytest.approx(0.695, abs=5e-4)
    assert z_test(5, 83, 12, 99) == pytest.approx(0.159, abs=5e-4)


def test_newcombe_table_ii_a():
    # Newcombe (1998) Table II(a): 56/70 vs 48/80 -> 0.0524 to 0.3339
    low, high = newcombe_interval(56, 70, 48, 80)
    assert (round(low, 4), round(high, 4)) == (0.0524, 0.3339)


def test_renewals_44_of_50_against_40_of_50():
    # reference check case: z-test p 0.275, Fisher 0.414, Newcombe -6.7 to +22.5 points
    c = compare_rates(44, 50, 40, 50, outcome="renewal")
    assert c.test is HypothesisTest.Z  # expected non-renewals 8 per group: Cochran's condition holds
    assert c.min_expected_count == pytest.approx(8.0)
    assert c.p_value == pytest.approx(0.275, abs=5e-4)
    assert fisher_test(44, 50, 40, 50) == pytest.approx(0.414, abs=5e-4)
    assert c.difference == pytest.approx(0.08)
    assert (round(c.ci_low * 100, 1), round(c.ci_high * 100, 1)) == (-6.7, 22.5)
    assert c.verdict is Verdict.NO_DETECTABLE_DIFFERENCE


def test_sample_size_080_against_088_is_329_per_arm():
    # (1.959964 * 0.518459 + 0.841621 * 0.515364)^2 / 0.0064 = 328.47 -> 329
    size = sample_size_per_arm(0.80, 0.88)
    assert size.exact == pytest.approx(328.47, abs=0.005)
    assert size.per_arm == 329
    assert samplesize_proportions_2indep_onetail(0.08, 0.80, 0.8) == pytest.approx(size.exact, rel=1e-9)


def test_100_per_arm_at_80_percent_detects_about_93_4():
    p = detectable_rate(0.80, 100, 100, toward=1)
    assert round(p, 3) == 0.934
    # independently: statsmodels' power at that rate is 80%
    assert power_proportions_2indep(p - 0.80, 0.80, 100).power == pytest.approx(0.80, abs=1e-6)


# --------------------------------------------------- hand-built rate groups
def _hypergeometric(k: int, n1: int, n2: int, successes: int) -> Fraction:
    """P(pilot has k of the successes) when the margins are fixed."""
    return Fraction(math.comb(n1, k) * math.comb(n2, successes - k), math.comb(n1 + n2, successes))


def test_fisher_7_of_9_against_2_of_8_equals_the_hypergeometric_sum():
    # 9 renewals among 17 accounts; expected renewals in the pilot 9*9/17 = 4.76 < 5, so Fisher
    n1, n2, s = 9, 8, 9
    probs = {k: _hypergeometric(k, n1, n2, s) for k in range(max(0, s - n2), min(n1, s) + 1)}
    observed = probs[7]
    two_sided = float(sum(p for p in probs.values() if p <= observed))
    greater = float(sum(p for k, p in probs.items() if k >= 7))
    c = compare_rates(7, 9, 2, 8)
    assert c.test is HypothesisTest.FISHER and c.min_expected_count == pytest.approx(8 * 8 / 17)
    assert c.p_value == pytest.approx(two_sided, rel=1e-9)
    assert compare_rates(7, 9, 2, 8, sided=Sided.GREATER).p_value == pytest.approx(greater, rel=1e-9)
    # worked by hand: two-sided = (C(9,7)C(8,2) + C(9,8)C(8,1) + C(9,9)C(8,0) + C(9,1)C(8,8) + C(9,2)C(8,7)) / C(17,9)
    assert two_sided == pytest.approx((36 * 28 + 9 * 8 + 1 + 9 * 1 + 36 * 8) / 24310, rel=1e-12)


def test_z_test_by_formula_and_the_cochran_boundary():
    # 30/60 vs 18/60: pooled 0.4, z = 0.2 / sqrt(0.24 * 2/60) = 2.2361, p = erfc(z / sqrt 2)
    z = 0.2 / math.sqrt(0.4 * 0.6 * (2 / 60))
    c = compare_rates(30, 60, 18, 60)
    assert c.test is HypothesisTest.Z
    assert c.p_value == pytest.approx(math.erfc(z / math.sqrt(2)), rel=1e-9)
    assert compare_rates(30, 60, 18, 60, sided=Sided.GREATER).p_value == pytest.approx(
        0.5 * math.erfc(z / math.sqrt(2)), rel=1e-9)
    # an expected count of exactly 5 meets Cochran's condition; below it Fisher is used
    assert compare_rates(5, 10, 5, 10).test is HypothesisTest.Z
    assert compare_rates(5, 10, 4, 10).test is HypothesisTest.FISHER  # expected events 10 * 9/20 = 4.5


def _wilson(count: int, n: int, z: float) -> tuple[float, float]:
    p = count / n
    centre = p + z * z / (2 * n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (centre - half) / (1 + z * z / n), (centre + half) / (1 + z * z / n)


@pytest.mark.parametrize("counts", [(56, 70, 48, 80), (44, 50, 40, 50), (9, 10, 3, 12), (0, 15, 4, 20)])
def test_newcombe_interval_equals_the_hybrid_wilson_formula(counts):
    c1, n1, c2, n2 = counts
    z = sps.norm.ppf(0.975)
    (l1, u1), (l2, u2) = _wilson(c1, n1, z), _wilson(c2, n2, z)
    d = c1 / n1 - c2 / n2
    expected = (d - math.sqrt((c1 / n1 - l1) ** 2 + (u2 - c2 / n2) ** 2),
                d + math.sqrt((u1 - c1 / n1) ** 2 + (c2 / n2 - l2) ** 2))
    assert newcombe_interval(*counts) == pytest.approx(expected, abs=1e-9)


def test_one_sided_interval_has_one_bound_the_90_percent_one():
    low, high = newcombe_interval(56, 70, 48, 80, Sided.GREATER)
    assert high is None
    assert low == pytest.approx(confint_proportions_2indep(56, 70, 48, 80, method="newcomb", alpha=0.10)[0])
    low, high = newcombe_interval(56, 70, 48, 80, Sided.LESS)
    assert low is None and high == pytest.approx(
        confint_proportions_2indep(56, 70, 48, 80, method="newcomb", alpha=0.10)[1])


# ------------------------------------------------------------- amounts
def test_mann_whitney_exact_p_equals_the_enumerated_rank_distribution():
    pilot = [1.5, 2.5, 6.0, 7.0, 9.0]
    baseline = [0.5, 1.0, 2.0, 3.0, 4.0]
    u_observed = sum(x > y for x in pilot for y in baseline)  # pairs the pilot wins: 2 + 3 + 5 + 5 + 5 = 20
    values = sorted(pilot + baseline)
    us = []
    for chosen in itertools.combinations(range(10), 5):  # every way to split the ten values 5 / 5
        a = [values[i] for i in chosen]
        b = [values[i] for i in range(10) if i not in chosen]
        us.append(sum(x > y for x in a for y in b))
    us = np.array(us)
    greater = np.mean(us >= u_observed)
    two_sided = min(1.0, 2 * min(greater, np.mean(us <= u_observed)))
    c = compare_amounts(pilot, baseline, outcome="resolution_time", higher_is_better=False)
    assert u_observed == 20
    assert c.test is HypothesisTest.MANN_WHITNEY and c.measure is Measure.MEDIAN
    assert c.p_value == pytest.approx(two_sided, rel=1e-12)
    assert compare_amounts(pilot, baseline, sided=Sided.GREATER).p_value == pytest.approx(greater, rel=1e-12)
    assert c.direction == 1  # the pilot's values tend to be larger
    assert c.difference == pytest.approx(6.0 - 2.0)


def test_welch_when_the_mean_matters_and_both_groups_have_50():
    rng = np.random.default_rng(3)
    x = rng.gamma(2.0, 5000.0, 60)
    y = rng.gamma(2.0, 4000.0, 70)
    v1, v2 = x.var(ddof=1) / 60, y.var(ddof=1) / 70
    t = (x.mean() - y.mean()) / math.sqrt(v1 + v2)
    df = (v1 + v2) ** 2 / (v1 ** 2 / 59 + v2 ** 2 / 69)
    c = compare_amounts(x, y, outcome="expansion_arr", mean_matters=True)
    assert c.test is HypothesisTest.WELCH and c.measure is Measure.MEAN
    assert c.p_value == pytest.approx(2 * sps.t.sf(abs(t), df), rel=1e-9)
    half = sps.t.ppf(0.975, df) * math.sqrt(v1 + v2)
    assert (c.ci_low, c.ci_high) == pytest.approx((x.mean() - y.mean() - half, x.mean() - y.mean() + half), rel=1e-9)
    # below 50 a group, or without mean_matters, the rank test
    assert compare_amounts(x[:49], y, mean_matters=True).test is HypothesisTest.MANN_WHITNEY
    assert compare_amounts(x, y).test is HypothesisTest.MANN_WHITNEY


def test_bootstrap_interval_is_fixed_by_its_seed():
    rng = np.random.default_rng(5)
    x, y = rng.lognormal(3.0, 0.8, 40), rng.lognormal(2.7, 0.8, 45)
    first = median_difference_interval(x, y, seed=16)
    assert first == median_difference_interval(x, y, seed=16)
    assert first != median_difference_interval(x, y, seed=17)
    assert first[0] < np.median(x) - np.median(y) < first[1]
    low, high = median_difference_interval(x, y, sided=Sided.GREATER, seed=16)
    assert high is None and first[0] < low  # a one-sided 95% bound is a 90% two-sided end: tighter


def test_mostly_zero_amounts_compare_the_share_first_then_the_amount():
    # pilot: 12 of 40 expand; baseline: 6 of 40; zeros are 62 of 80 values
    pilot = [0.0] * 28 + [1000.0 * (i + 1) for i in range(12)]
    baseline = [0.0] * 34 + [800.0 * (i + 1) for i in range(6)]
    c = compare_amounts(pilot, baseline, outcome="expansion_arr", mean_matters=True, split_zeros=True)
    assert c.measure is Measure.SHARE_ABOVE_ZERO
    assert (c.pilot_count, c.pilot_n, c.baseline_count, c.baseline_n) == (12, 40, 6, 40)
    assert c.p_value == pytest.approx(z_test(12, 40, 6, 40))  # expected expanders 9 a group: z-test
    (among,) = c.parts
    assert (among.pilot_n, among.baseline_n) == (12, 6)
    assert among.pilot_value == pytest.approx(6500.0) and among.baseline_value == pytest.approx(2800.0)
    # not mostly zero: no split
    assert compare_amounts([0.0, 1, 2, 3], [0.0, 0, 5, 6], split_zeros=True).measure is Measure.MEDIAN


# ----------------------------------------------------- detectable effects
def test_detectable_rate_with_unequal_groups_matches_statsmodels_power():
    p = detectable_rate(0.85, 40, 400, toward=1)
    assert power_proportions_2indep(p - 0.85, 0.85, 40, ratio=10).power == pytest.approx(0.80, abs=1e-6)
    one_sided = detectable_rate(0.85, 40, 400, toward=1, sided=Sided.GREATER)
    assert 0.85 < one_sided < p
    assert power_proportions_2indep(one_sided - 0.85, 0.85, 40, ratio=10, alternative="larger").power == \
        pytest.approx(0.80, abs=1e-6)


def test_detectable_shift_and_sample_size_agree_with_the_normal_power_of_statsmodels():
    # 2 * (1.959964 + 0.841621)^2 / 0.5^2 = 62.791 per group for half a standard deviation
    assert sample_size_for_shift(0.5, test=HypothesisTest.WELCH).exact == pytest.approx(62.791, abs=5e-4)
    assert sample_size_for_shift(0.5, test=HypothesisTest.WELCH).per_arm == 63
    # statsmodels also counts the far tail's sliver of power (2.5e-6 relative here), which we leave out
    assert sample_size_for_shift(0.5, test=HypothesisTest.WELCH).exact == pytest.approx(
        NormalIndPower().solve_power(effect_size=0.5, alpha=0.05, power=0.8), rel=1e-5)
    assert detectable_shift(63, 63, test=HypothesisTest.WELCH) == pytest.approx(
        NormalIndPower().solve_power(nobs1=63, alpha=0.05, power=0.8), rel=1e-5)
    # Mann-Whitney is charged 3/pi efficiency: sqrt(pi/3) times the shift
    welch = detectable_shift(63, 63, test=HypothesisTest.WELCH)
    assert detectable_shift(63, 63) == pytest.approx(welch * math.sqrt(math.pi / 3))


# ---------------------------------------------------------------- verdicts
def test_a_large_pilot_that_renews_better_is_improved():
    c = compare_rates(208, 227, 187, 227, outcome="renewal")
    assert c.verdict is Verdict.IMPROVED and c.ci_low > 0


def test_more_churn_in_the_pilot_is_worse():
    c = compare_rates(60, 300, 30, 300, outcome="churn", higher_is_better=False)
    assert c.verdict is Verdict.WORSE


def test_less_churn_in_the_pilot_is_improved():
    c = compare_rates(30, 300, 60, 300, outcome="churn", higher_is_better=False)
    assert c.verdict is Verdict.IMPROVED


def test_three_against_three_is_not_enough_accounts_to_tell():
    # all three pilot accounts renew, none of the baseline: Fisher two-sided p = 2 / C(6,3) = 0.1
    c = compare_rates(3, 3, 0, 3)
    assert c.p_value == pytest.approx(0.1)
    assert c.verdict is Verdict.NOT_ENOUGH_ACCOUNTS


def test_small_groups_are_not_enough_even_with_a_small_p_value():
    # 9/9 vs 0/9 (expected counts 4.5: Fisher): p = 2 / C(18, 9) = 4.1e-5, yet 9 accounts a group
    # detect no plausible change
    c = compare_rates(9, 9, 0, 9)
    assert c.test is HypothesisTest.FISHER
    assert c.p_value == pytest.approx(2 / math.comb(18, 9))
    assert c.verdict is Verdict.NOT_ENOUGH_ACCOUNTS


def test_no_accounts_with_outcome_data():
    assert compare_rates(0, 0, 10, 20).verdict is Verdict.NO_OUTCOME_DATA
    assert compare_amounts([], [1.0, 2.0]).verdict is Verdict.NO_OUTCOME_DATA
    assert compare_amounts([np.nan, np.nan], [1.0, 2.0]).verdict is Verdict.NO_OUTCOME_DATA


def test_a_one_sided_test_for_improvement_never_calls_a_drop_worse():
    c = compare_rates(150, 227, 190, 227, outcome="renewal", sided=Sided.GREATER)
    assert c.p_value > 0.99
    assert c.verdict is Verdict.NO_DETECTABLE_DIFFERENCE


def test_a_small_p_value_with_an_interval_that_includes_zero_is_inconclusive():
    c = compare_rates(208, 227, 187, 227)
    assert decide_verdict(replace(c, ci_low=-0.001)) is Verdict.INCONCLUSIVE
    assert decide_verdict(replace(c, p_adjusted=0.06)) is Verdict.NO_DETECTABLE_DIFFERENCE


def test_plausibility_limits_decide_not_enough_accounts():
    # 44/50 vs 40/50 can detect 97.5% (17.5 points): within 20 points, so it can tell
    c = compare_rates(44, 50, 40, 50)
    assert c.detectable_unit is Unit.RATE and c.detectable_difference == pytest.approx(0.175, abs=5e-4)
    assert decide_verdict(c, max_rate_change=0.15) is Verdict.NOT_ENOUGH_ACCOUNTS
    amounts = compare_amounts(np.arange(10.0), np.arange(10.0) + 0.5)
    assert amounts.detectable_effect > 1.0  # (1.96 + 0.84) sqrt(2/10) / sqrt(3/pi) = 1.28
    assert amounts.verdict is Verdict.NOT_ENOUGH_ACCOUNTS


def test_holm_over_several_pilots_by_hand():
    comparisons = [compare_rates(208, 227, 187, 227), compare_rates(62, 100, 48, 100), compare_rates(55, 100, 47, 100)]
    p = [c.p_value for c in comparisons]
    order = np.argsort(p)
    steps = np.maximum.accumulate([min(1.0, (3 - i) * p[k]) for i, k in enumerate(order)])
    expected = np.empty(3)
    expected[order] = steps
    adjusted = adjust_holm(comparisons)
    assert [c.p_adjusted for c in adjusted] == pytest.approx(list(expected), rel=1e-12)
    assert all(c.adjustment == "holm" and c.family_size == 3 for c in adjusted)
    # the second pilot (p about 0.047 alone) no longer clears 0.05 once three are tested
    assert comparisons[1].p_value < 0.05 and comparisons[1].verdict is Verdict.IMPROVED
    assert adjusted[1].p_adjusted > 0.05 and adjusted[1].verdict is Verdict.NO_DETECTABLE_DIFFERENCE
    assert adjusted[0].verdict is Verdict.IMPROVED


def test_holm_counts_the_parts_and_skips_comparisons_without_data():
    pilot = [0.0] * 28 + [1000.0 * (i + 1) for i in range(12)]
    baseline = [0.0] * 34 + [800.0 * (i + 1) for i in range(6)]
    split = compare_amounts(pilot, baseline, split_zeros=True)
    empty = compare_rates(0, 0, 5, 10)
    adjusted = adjust_holm([split, empty, compare_rates(44, 50, 40, 50)])
    assert adjusted[0].family_size == 3 and adjusted[0].parts[0].family_size == 3
    assert adjusted[1].p_value is None and adjusted[1].adjustment == "none"
