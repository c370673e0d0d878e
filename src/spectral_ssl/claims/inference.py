"""Pre-stated tests that turn per-seed measurements into verdicts.

Every verdict of the claims report comes from one of the tests below, applied to values
measured over independent seeds (a seed redraws the data, the split, the views and the
initialisation), never from a point estimate:

- ``greater_than(x, c)``: "the mean of x exceeds c". SUPPORTED when the one-sided lower
  confidence bound is above c (t test of H0: mu <= c), NOT SUPPORTED when the one-sided upper
  bound is below c (H0: mu >= c), INCONCLUSIVE otherwise. ``less_than`` is its mirror.
- ``equivalent(x, target, margin)``: "x reaches / equals target". Two one-sided tests (TOST):
  SUPPORTED when the (1 - 2 alpha) interval lies inside [target - margin, target + margin],
  NOT SUPPORTED when it lies entirely outside that band, INCONCLUSIVE when it straddles an edge.
- ``increasing(x, y)``: "y rises with x". Kendall's tau with its one-sided p-value and the
  Theil-Sen slope with its interval; SUPPORTED when tau > 0 is significant, NOT SUPPORTED when
  tau < 0 is, INCONCLUSIVE otherwise. ``decreasing`` is its mirror.
- ``all_below(x, c)``: deterministic numerics (identities, closed forms in float64): the
  maximum over seeds must stay below c. No interval is needed: the maximum bounds every run.
- ``some_true(flags)``: deterministic existence ("some run collapses"): SUPPORTED when a flag
  is set, NOT SUPPORTED when none is.
- ``slope_equivalent(x, y, expected, margin)``: TOST on a least-squares slope (t on n - 2
  degrees of freedom): the (1 - 2 alpha) interval of the slope inside expected +- margin.

Each test returns a ``Test`` with two p-values: ``p_for`` (small: evidence for the claim) and
``p_against`` (small: evidence against it). ``combine`` joins the tests of a claim's groups
with Holm's correction on the side that is a union of hypotheses, so that the claim's family
keeps its error rate at ``alpha``:

- rule "all" (the claim holds in every group): SUPPORTED when every group's ``p_for`` is below
  alpha (an intersection-union test needs no correction), NOT SUPPORTED when some group's
  Holm-adjusted ``p_against`` is below alpha;
- rule "any" (the claim holds in some group, e.g. "may collapse"): SUPPORTED when some group's
  Holm-adjusted ``p_for`` is below alpha, NOT SUPPORTED when every group's ``p_against`` is.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

SUPPORTED = "SUPPORTED"
NOT_SUPPORTED = "NOT SUPPORTED"
INCONCLUSIVE = "INCONCLUSIVE"
NAN = float("nan")


@dataclass(frozen=True)
class Test:
    """One pre-stated test on one group of runs.

    ``estimate`` and ``[low, high]`` are the interval the verdict reads (one-sided bounds have
    an infinite other end); ``p_for`` / ``p_against`` are the p-values of the null hypotheses
    "the claim is false" / "the claim is true" (at the stated threshold or margin)."""

    name: str
    estimate: float
    low: float
    high: float
    p_for: float
    p_against: float
    n: int
    alpha: float
    detail: str = ""

    @property
    def verdict(self) -> str:
        """The verdict of this test alone, at its own alpha."""
        return verdict_from_p(self.p_for, self.p_against, self.alpha)

    def interval(self, fmt: Any = "{:.3g}".format) -> str:
        """'estimate [low, high]' with infinite ends shown as -inf / inf."""
        def show(v: float) -> str:
            return ("inf" if v > 0 else "-inf") if math.isinf(v) else fmt(v)

        return f"{fmt(self.estimate)} [{show(self.low)}, {show(self.high)}]"


def verdict_from_p(p_for: float, p_against: float, alpha: float) -> str:
    """SUPPORTED if p_for < alpha, NOT SUPPORTED if p_against < alpha, else INCONCLUSIVE."""
    if np.isfinite(p_for) and p_for < alpha:
        return SUPPORTED
    if np.isfinite(p_against) and p_against < alpha:
        return NOT_SUPPORTED
    return INCONCLUSIVE


def _finite(values: Any) -> np.ndarray:
    x = np.asarray(values, dtype=np.float64).ravel()
    return x[np.isfinite(x)]


def _t_pvalues(x: np.ndarray, c: float) -> tuple[float, float, float]:
    """(standard error, p of H0 mu <= c, p of H0 mu >= c); exact 0/1 for a constant sample."""
    m = float(x.mean())
    se = float(x.std(ddof=1) / math.sqrt(x.size)) if x.size > 1 else NAN
    if x.size < 2:
        return se, NAN, NAN
    if se == 0.0:  # every seed gave the same value: the sample decides exactly
        return se, float(m <= c), float(m >= c)
    t = (m - c) / se
    dof = x.size - 1
    return se, float(stats.t.sf(t, dof)), float(stats.t.cdf(t, dof))


def greater_than(values: Any, threshold: float, alpha: float = 0.05, name: str = "") -> Test:
    """One-sided t test of mean(values) > threshold; interval: the 1 - alpha lower bound."""
    x = _finite(values)
    if x.size == 0:
        return Test(name or "mean > c", NAN, NAN, NAN, NAN, NAN, 0, alpha, "no finite value")
    se, p_for, p_against = _t_pvalues(x, threshold)
    m = float(x.mean())
    low = m - float(stats.t.ppf(1 - alpha, x.size - 1)) * se if x.size > 1 else NAN
    return Test(name or f"mean > {threshold:g}", m, low, math.inf, p_for, p_against, x.size,
                alpha, f"one-sided t test against {threshold:g}, n = {x.size}")


def less_than(values: Any, threshold: float, alpha: float = 0.05, name: str = "") -> Test:
    """One-sided t test of mean(values) < threshold; interval: the 1 - alpha upper bound."""
    x = _finite(values)
    flipped = greater_than(-x, -threshold, alpha)
    return Test(name or f"mean < {threshold:g}", -flipped.estimate, -math.inf, -flipped.low,
                flipped.p_for, flipped.p_against, flipped.n, alpha,
                f"one-sided t test against {threshold:g}, n = {flipped.n}")


def equivalent(
    values: Any, target: float, margin: float, alpha: float = 0.05, name: str = ""
) -> Test:
    """TOST: mean(values) within target +- margin; interval: the 1 - 2 alpha two-sided CI.

    p_for = max of the two one-sided p-values (H0: mu <= target - margin, H0: mu >= target +
    margin); p_against = the smaller p of "mu > target + margin" / "mu < target - margin",
    doubled for the two directions (Bonferroni)."""
    x = _finite(values)
    label = name or f"|mean - {target:g}| < {margin:g}"
    if x.size == 0:
        return Test(label, NAN, NAN, NAN, NAN, NAN, 0, alpha, "no finite value")
    m = float(x.mean())
    se, p_above_low, p_below_low = _t_pvalues(x, target - margin)
    _, p_above_high, p_below_high = _t_pvalues(x, target + margin)
    p_for = max(p_above_low, p_below_high)
    # against: mu > target + margin (reject H0 mu <= hi: p_above_high) or mu < target - margin
    p_against = min(1.0, 2 * min(p_above_high, p_below_low))
    h = float(stats.t.ppf(1 - alpha, x.size - 1)) * se if x.size > 1 else NAN
    return Test(label, m, m - h, m + h, p_for, p_against, x.size, alpha,
                f"TOST, margin {margin:g} around {target:g}, n = {x.size}")


def _kendall(x: np.ndarray, y: np.ndarray, alternative: str) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(stats.kendalltau(x, y, alternative=alternative).pvalue)


def increasing(x: Any, y: Any, alpha: float = 0.05, name: str = "") -> Test:
    """Trend test: y rises with x (Kendall's tau, one-sided); interval: Theil-Sen slope CI."""
    xs = np.asarray(x, dtype=np.float64).ravel()
    ys = np.asarray(y, dtype=np.float64).ravel()
    keep = np.isfinite(xs) & np.isfinite(ys)
    xs, ys = xs[keep], ys[keep]
    label = name or "increasing trend"
    if xs.size < 3 or np.unique(xs).size < 2:
        return Test(label, NAN, NAN, NAN, NAN, NAN, int(xs.size), alpha,
                    "fewer than 3 points or one x value: no trend test")
    if np.ptp(ys) == 0:  # flat: no evidence either way, and no evidence of a rise
        return Test(label, 0.0, 0.0, 0.0, 1.0, 1.0, int(xs.size), alpha, "y is constant")
    slope, _, lo, hi = stats.theilslopes(ys, xs, alpha=1 - 2 * alpha)
    tau = float(stats.kendalltau(xs, ys).statistic)
    return Test(label, float(slope), float(lo), float(hi), _kendall(xs, ys, "greater"),
                _kendall(xs, ys, "less"), int(xs.size), alpha,
                f"Kendall tau = {tau:.3g} (one-sided), Theil-Sen slope, n = {xs.size}")


def decreasing(x: Any, y: Any, alpha: float = 0.05, name: str = "") -> Test:
    """Trend test: y falls with x; the mirror of ``increasing`` (slope reported as is)."""
    up = increasing(x, y, alpha)
    return Test(name or "decreasing trend", up.estimate, up.low, up.high, up.p_against,
                up.p_for, up.n, alpha, up.detail)


def all_below(values: Any, limit: float, alpha: float = 0.05, name: str = "") -> Test:
    """Deterministic check: max(values) < limit over every seed (NaN counts as a failure)."""
    x = np.asarray(values, dtype=np.float64).ravel()
    if x.size == 0:
        return Test(name or f"max < {limit:g}", NAN, NAN, NAN, NAN, NAN, 0, alpha, "no value")
    worst = float(np.max(np.where(np.isfinite(x), x, np.inf)))
    ok = worst < limit
    return Test(name or f"max < {limit:g}", worst, -math.inf, worst, 0.0 if ok else 1.0,
                1.0 if ok else 0.0, int(x.size), alpha,
                f"largest of {x.size} value(s) against {limit:g} (deterministic)")


def some_true(flags: Any, alpha: float = 0.05, name: str = "") -> Test:
    """Deterministic existence: SUPPORTED when some flag is True (NaN counts as False)."""
    x = np.asarray(flags, dtype=np.float64).ravel()
    label = name or "some run meets the criterion"
    if x.size == 0:
        return Test(label, NAN, NAN, NAN, NAN, NAN, 0, alpha, "no value")
    hits = int(np.sum(np.where(np.isfinite(x), x, 0.0) > 0))
    return Test(label, float(hits), float(hits), float(hits), 0.0 if hits else 1.0,
                1.0 if hits else 0.0, int(x.size), alpha,
                f"{hits} of {x.size} run(s) meet the criterion (deterministic)")


def slope_equivalent(
    x: Any, y: Any, expected: float, margin: float, alpha: float = 0.05, name: str = ""
) -> Test:
    """TOST on the least-squares slope of y on x: slope within expected +- margin."""
    xs = np.asarray(x, dtype=np.float64).ravel()
    ys = np.asarray(y, dtype=np.float64).ravel()
    keep = np.isfinite(xs) & np.isfinite(ys)
    xs, ys = xs[keep], ys[keep]
    label = name or f"|slope - {expected:g}| < {margin:g}"
    if xs.size < 3 or np.unique(xs).size < 2:
        return Test(label, NAN, NAN, NAN, NAN, NAN, int(xs.size), alpha,
                    "fewer than 3 points or one x value: no slope interval")
    fit = stats.linregress(xs, ys)
    dof = xs.size - 2
    slope, se = float(fit.slope), float(fit.stderr)
    if se == 0.0:
        inside = abs(slope - expected) < margin
        p_for, p_against = (0.0, 1.0) if inside else (1.0, 0.0)
        return Test(label, slope, slope, slope, p_for, p_against, int(xs.size), alpha,
                    f"exact fit, n = {xs.size}")
    lo_t, hi_t = (slope - (expected - margin)) / se, (slope - (expected + margin)) / se
    p_above_low, p_below_low = float(stats.t.sf(lo_t, dof)), float(stats.t.cdf(lo_t, dof))
    p_above_high, p_below_high = float(stats.t.sf(hi_t, dof)), float(stats.t.cdf(hi_t, dof))
    p_for = max(p_above_low, p_below_high)
    p_against = min(1.0, 2 * min(p_above_high, p_below_low))
    h = float(stats.t.ppf(1 - alpha, dof)) * se
    return Test(label, slope, slope - h, slope + h, p_for, p_against, int(xs.size), alpha,
                f"TOST on a least-squares slope, margin {margin:g} around {expected:g}, "
                f"n = {xs.size}")


def holm(p_values: Sequence[float]) -> np.ndarray:
    """Holm's step-down adjusted p-values (NaN stays NaN and does not count as a test)."""
    p = np.asarray(p_values, dtype=np.float64)
    out = np.full(p.shape, NAN)
    idx = np.flatnonzero(np.isfinite(p))
    m = idx.size
    running = 0.0
    for rank, i in enumerate(idx[np.argsort(p[idx], kind="stable")]):
        running = max(running, min(1.0, (m - rank) * p[i]))
        out[i] = running
    return out


@dataclass(frozen=True)
class Combined:
    """The verdict of a claim from its groups' tests."""

    verdict: str
    rule: str
    p_for: np.ndarray  # per group, adjusted where the rule needs it
    p_against: np.ndarray
    group_verdicts: tuple[str, ...]


def combine(tests: Sequence[Test], rule: str = "all", alpha: float = 0.05) -> Combined:
    """Join the tests of a claim's groups (see the module docstring for the two rules)."""
    if rule not in ("all", "any"):
        raise ValueError(f"rule must be 'all' or 'any', got {rule!r}")
    if not tests:
        return Combined(INCONCLUSIVE, rule, np.array([]), np.array([]), ())
    p_for = np.array([t.p_for for t in tests], dtype=np.float64)
    p_against = np.array([t.p_against for t in tests], dtype=np.float64)
    if rule == "all":
        p_against = holm(p_against)
        supported = bool(np.all(np.isfinite(p_for) & (p_for < alpha)))
        refuted = bool(np.any(np.isfinite(p_against) & (p_against < alpha)))
    else:
        p_for = holm(p_for)
        supported = bool(np.any(np.isfinite(p_for) & (p_for < alpha)))
        refuted = bool(np.all(np.isfinite(p_against) & (p_against < alpha)))
    groups = tuple(verdict_from_p(f, a, alpha) for f, a in zip(p_for, p_against, strict=True))
    if supported:
        verdict = SUPPORTED
    elif refuted:
        verdict = NOT_SUPPORTED
    else:
        verdict = INCONCLUSIVE
    return Combined(verdict, rule, p_for, p_against, groups)
