"""Statistics and number formatting of the claims report: mean and 95% t interval over runs,
Welch interval of a difference, Spearman rho, log-log slope with its interval.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

NAN = math.nan


def mean_ci(values: Any) -> tuple[float, float, float]:
    """Mean and 95% t-based confidence interval (NaN bounds for fewer than 2 values)."""
    x = np.asarray(values, dtype=np.float64)
    x = x[np.isfinite(x)]
    if x.size == 0:
        return NAN, NAN, NAN
    m = float(x.mean())
    if x.size < 2:
        return m, NAN, NAN
    h = float(stats.t.ppf(0.975, x.size - 1) * x.std(ddof=1) / math.sqrt(x.size))
    return m, m - h, m + h


def diff_ci(a: Any, b: Any) -> tuple[float, float, float]:
    """mean(a) - mean(b) with a Welch 95% interval (NaN bounds when it is undefined)."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    d = float(a.mean() - b.mean())
    if a.size < 2 or b.size < 2 or (a.std() == 0 and b.std() == 0):
        return d, NAN, NAN
    ci = stats.ttest_ind(a, b, equal_var=False).confidence_interval(0.95)
    return d, float(ci.low), float(ci.high)


def spearman(x: Any, y: Any) -> tuple[float, float]:
    """Spearman rho and p-value; NaN when either variable is constant."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = stats.spearmanr(np.asarray(x, float), np.asarray(y, float))
    return float(res.statistic), float(res.pvalue)


def fmt(value: float) -> str:
    """Three significant digits; 'n/a' for NaN."""
    if value is None or not np.isfinite(value):
        return "n/a" if value is None or np.isnan(value) else str(value)
    return f"{value:.3g}"


def fmt_ci(m: float, lo: float, hi: float, unit: str = "") -> str:
    """'m [lo, hi] unit' (the interval omitted when undefined)."""
    interval = f" [{fmt(lo)}, {fmt(hi)}]" if np.isfinite(lo) else ""
    return f"{fmt(m)}{interval}{unit}"


def group_label(key: Any) -> str:
    keys = key if isinstance(key, tuple) else (key,)
    return "/".join(str(k) for k in keys)


def int_values(values: pd.Series) -> str:
    """'32' or '16, 32': the distinct integer values of a column."""
    return ", ".join(str(v) for v in sorted({int(v) for v in values.dropna()}))


def fit_exponent(rows: pd.DataFrame, x: str) -> tuple[float, float, float]:
    """Slope of log(time_ms) vs log(x) with its 95% interval (t on n - 2 degrees of freedom)."""
    rows = rows[(rows["time_ms"] > 0) & (rows[x] > 0)]
    if rows[x].nunique() < 2:
        return NAN, NAN, NAN
    fit = stats.linregress(np.log(rows[x].astype(float)), np.log(rows["time_ms"].astype(float)))
    dof = len(rows) - 2
    h = float(stats.t.ppf(0.975, dof) * fit.stderr) if dof > 0 else NAN
    return float(fit.slope), fit.slope - h, fit.slope + h
