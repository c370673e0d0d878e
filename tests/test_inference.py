"""The verdict tests of spectral_ssl.claims.inference against known answers and scipy."""

import math

import numpy as np
import pytest
from scipy import stats

from spectral_ssl.claims.inference import (
    INCONCLUSIVE,
    NOT_SUPPORTED,
    SUPPORTED,
    all_below,
    combine,
    decreasing,
    equivalent,
    greater_than,
    holm,
    increasing,
    less_than,
    slope_equivalent,
    some_true,
)


def test_greater_than_matches_scipy_one_sided_t_test():
    x = np.array([0.31, 0.42, 0.38, 0.29, 0.45, 0.36])
    t = greater_than(x, 0.3)
    assert t.p_for == pytest.approx(stats.ttest_1samp(x, 0.3, alternative="greater").pvalue)
    assert t.p_against == pytest.approx(stats.ttest_1samp(x, 0.3, alternative="less").pvalue)
    ci = stats.ttest_1samp(x, 0.3, alternative="greater").confidence_interval(0.95)
    assert t.low == pytest.approx(ci.low) and t.high == math.inf
    assert t.verdict == SUPPORTED
    assert greater_than(x, 0.5).verdict == NOT_SUPPORTED
    assert greater_than(x, 0.36).verdict == INCONCLUSIVE  # the threshold inside the interval


def test_less_than_is_the_mirror():
    x = np.array([1.0, 1.2, 0.9, 1.1])
    t = less_than(x, 2.0)
    ci = stats.ttest_1samp(x, 2.0, alternative="less").confidence_interval(0.95)
    assert t.verdict == SUPPORTED and t.high == pytest.approx(ci.high) and t.low == -math.inf
    assert less_than(x, 0.5).verdict == NOT_SUPPORTED


def test_constant_sample_decides_exactly_and_one_value_is_inconclusive():
    assert greater_than([2.0, 2.0, 2.0], 1.0).verdict == SUPPORTED
    assert greater_than([2.0, 2.0, 2.0], 3.0).verdict == NOT_SUPPORTED
    assert greater_than([2.0], 1.0).verdict == INCONCLUSIVE  # one seed: no interval
    assert greater_than([], 1.0).verdict == INCONCLUSIVE
    assert equivalent([0.5, 0.5], 0.5, 0.01).verdict == SUPPORTED


def test_equivalence_is_two_one_sided_tests():
    rng = np.random.default_rng(0)
    x = 0.80 + 0.005 * rng.standard_normal(8)
    t = equivalent(x, target=0.81, margin=0.05)
    lo = stats.ttest_1samp(x, 0.76, alternative="greater").pvalue
    hi = stats.ttest_1samp(x, 0.86, alternative="less").pvalue
    assert t.p_for == pytest.approx(max(lo, hi))
    ci = stats.ttest_1samp(x, 0.81).confidence_interval(0.90)  # TOST reads the 1 - 2 alpha CI
    assert (t.low, t.high) == (pytest.approx(ci.low), pytest.approx(ci.high))
    assert t.verdict == SUPPORTED
    assert equivalent(x, target=0.95, margin=0.05).verdict == NOT_SUPPORTED  # far outside
    wide = np.array([0.70, 0.90, 0.75, 0.88])  # interval straddles the band's edge
    assert equivalent(wide, target=0.81, margin=0.05).verdict == INCONCLUSIVE


def test_no_false_support_above_alpha_when_the_claim_is_false():
    """At the boundary of the null (mu = c) a test may say SUPPORTED in at most ~alpha of
    repetitions; for TOST at mu = target + margin likewise."""
    rng = np.random.default_rng(1)
    reps = 2000
    gt = sum(greater_than(rng.standard_normal(6), 0.0).verdict == SUPPORTED for _ in range(reps))
    eq = sum(equivalent(0.1 + rng.standard_normal(6) * 0.05, 0.0, 0.1).verdict == SUPPORTED
             for _ in range(reps))  # fmt: skip
    # binomial(2000, 0.05): sd 0.0049; the bounds are 0.05 -+ 4 sd
    assert gt / reps < 0.07 and eq / reps < 0.07
    assert gt / reps > 0.03  # and the test is not trivially conservative


def test_trend_tests_match_kendall_and_theil_sen():
    x = np.repeat([0.1, 1.0, 10.0, 100.0], 5)
    rng = np.random.default_rng(2)
    y = np.log10(x) + 0.3 * rng.standard_normal(x.size)
    t = increasing(x, y)
    assert t.p_for == pytest.approx(stats.kendalltau(x, y, alternative="greater").pvalue)
    slope, _, lo, hi = stats.theilslopes(y, x, alpha=0.90)
    assert (t.estimate, t.low, t.high) == (pytest.approx(slope), pytest.approx(lo),
                                           pytest.approx(hi))  # fmt: skip
    assert t.verdict == SUPPORTED
    assert decreasing(x, y).verdict == NOT_SUPPORTED
    assert increasing(x, rng.standard_normal(x.size)).verdict == INCONCLUSIVE
    assert increasing(x, np.ones_like(x)).verdict == INCONCLUSIVE  # flat: no rise shown
    assert increasing([1, 1, 1], [1, 2, 3]).verdict == INCONCLUSIVE  # one x value


def test_all_below_is_the_maximum_and_nan_fails():
    assert all_below([1e-15, 3e-14], 1e-10).verdict == SUPPORTED
    assert all_below([1e-15, 3e-9], 1e-10).verdict == NOT_SUPPORTED
    assert all_below([1e-15, float("nan")], 1e-10).verdict == NOT_SUPPORTED
    assert all_below([], 1e-10).verdict == INCONCLUSIVE


def test_holm_known_answer():
    adjusted = holm([0.01, 0.04, 0.03])
    np.testing.assert_allclose(adjusted, [0.03, 0.06, 0.06])
    adjusted = holm([0.2, float("nan"), 0.01])
    np.testing.assert_allclose(adjusted, [0.2, np.nan, 0.02])


def _t(p_for, p_against):
    return greater_than([1.0], 0.0).__class__("g", 0.0, 0.0, 0.0, p_for, p_against, 5, 0.05)


def test_combine_all_needs_every_group_and_corrects_the_refutation():
    assert combine([_t(0.01, 0.99), _t(0.001, 0.999)]).verdict == SUPPORTED
    assert combine([_t(0.01, 0.99), _t(0.5, 0.5)]).verdict == INCONCLUSIVE
    # one group against at p = 0.03 among three: Holm gives 0.09, not a refutation
    three = [_t(0.01, 0.99), _t(0.97, 0.03), _t(0.5, 0.5)]
    assert combine(three).verdict == INCONCLUSIVE
    assert combine([_t(0.01, 0.99), _t(0.999, 0.001)]).verdict == NOT_SUPPORTED


def test_combine_any_corrects_the_support():
    # one group for at p = 0.03 among three: Holm gives 0.09, not enough for "some group"
    assert combine([_t(0.03, 0.97), _t(0.5, 0.5), _t(0.6, 0.4)], "any").verdict == INCONCLUSIVE
    assert combine([_t(0.001, 0.999), _t(0.5, 0.5)], "any").verdict == SUPPORTED
    assert combine([_t(0.99, 0.01), _t(0.98, 0.02)], "any").verdict == NOT_SUPPORTED
    assert combine([], "any").verdict == INCONCLUSIVE
    with pytest.raises(ValueError):
        combine([_t(0.1, 0.9)], "most")


def test_some_true_is_deterministic_existence():
    assert some_true([0, 0, 1]).verdict == SUPPORTED
    assert some_true([0, 0, float("nan")]).verdict == NOT_SUPPORTED  # NaN is not a hit
    assert some_true([]).verdict == INCONCLUSIVE


def test_slope_equivalent_is_tost_on_the_regression_slope():
    x = np.log(np.repeat([512.0, 1024, 2048, 4096], 3))
    rng = np.random.default_rng(3)
    y = 2.0 * x + 0.05 * rng.standard_normal(x.size)
    t = slope_equivalent(x, y, expected=2.0, margin=0.35)
    fit = stats.linregress(x, y)
    h = stats.t.ppf(0.95, x.size - 2) * fit.stderr  # the 1 - 2 alpha interval
    assert (t.estimate, t.low, t.high) == (pytest.approx(fit.slope), pytest.approx(fit.slope - h),
                                           pytest.approx(fit.slope + h))  # fmt: skip
    lo = stats.t.sf((fit.slope - 1.65) / fit.stderr, x.size - 2)
    hi = stats.t.cdf((fit.slope - 2.35) / fit.stderr, x.size - 2)
    assert t.p_for == pytest.approx(max(lo, hi)) and t.verdict == SUPPORTED
    assert slope_equivalent(x, y, expected=1.0, margin=0.35).verdict == NOT_SUPPORTED
    noisy = 2.0 * x + 2.0 * rng.standard_normal(x.size)
    assert slope_equivalent(x, noisy, expected=2.0, margin=0.35).verdict == INCONCLUSIVE
    assert slope_equivalent([1, 1, 1], [1, 2, 3], 1.0, 0.1).verdict == INCONCLUSIVE
