"""Claim C17: the cost of each loss as a fitted cost model (cost.csv).

C17 cost.csv: per method, one weighted least-squares fit over every size and independent repeat
    (a fresh random Z per repeat) of the cost model

        t = a + b N K + c N K^2 + d N^2 K                                      (time_ms)

    with weights 1 / t (each row's relative error counts the same, so the large sizes do not
    swamp the small ones). The claim names each method's leading term: SimCLR N^2 K (d),
    VICReg and BarlowTwins N K^2 (c); the other cubic term is the rival. ``share`` of a term is
    its fitted contribution divided by the predicted time, at the grid point where the
    predicted time is largest. A method's test (rule 'all' over methods, Holm on refutation):

    - SUPPORTED when the leading coefficient's one-sided (1 - alpha) lower bound is > 0 and its
      share at the largest size is >= lead_share_min (p_for: the t test of coefficient <= 0);
    - NOT SUPPORTED when the rival coefficient's lower bound is > 0 with share >=
      lead_share_min (the cost grows as the other term) or the leading coefficient's upper
      bound is < 0 (p_against: the smaller of those two p-values);
    - INCONCLUSIVE otherwise (e.g. the leading term is real but not yet dominant at the sizes
      measured: pre-asymptotic).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from .evidence import NoData, select
from .inference import Test
from .stats import fmt
from .verdicts import Outcome, decide

TERMS = ("1", "NK", "NK^2", "N^2K")
LEADING = {"simclr": "N^2K", "vicreg": "NK^2", "barlow_twins": "NK^2"}
RIVAL = {"simclr": "NK^2", "vicreg": "N^2K", "barlow_twins": "N^2K"}


def design(n: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Columns of the cost model: 1, N K, N K^2, N^2 K (float64)."""
    n, k = np.asarray(n, dtype=np.float64), np.asarray(k, dtype=np.float64)
    return np.column_stack([np.ones_like(n), n * k, n * k**2, n**2 * k])


@dataclass(frozen=True)
class CostFit:
    """Weighted least squares of time on ``design``: coefficients (ms per unit of each term),
    their standard errors, residual degrees of freedom, and each term's share of the predicted
    time at ``largest`` (the (N, K) with the largest predicted time)."""

    coef: dict[str, float]
    se: dict[str, float]
    dof: int
    share: dict[str, float]
    largest: tuple[int, int]
    n: int

    def p_positive(self, term: str) -> float:
        """p-value of H0: coefficient <= 0 (small: the term is really there)."""
        return _t_p(self.coef[term], self.se[term], self.dof, upper=True)

    def p_negative(self, term: str) -> float:
        """p-value of H0: coefficient >= 0 (small: the term is really negative)."""
        return _t_p(self.coef[term], self.se[term], self.dof, upper=False)

    def bound(self, term: str, alpha: float, lower: bool = True) -> float:
        """One-sided (1 - alpha) lower (or upper) confidence bound of a coefficient."""
        h = float(stats.t.ppf(1 - alpha, self.dof)) * self.se[term]
        return self.coef[term] - h if lower else self.coef[term] + h


def _t_p(estimate: float, se: float, dof: int, upper: bool) -> float:
    if se == 0.0:
        return float(not (estimate > 0)) if upper else float(not (estimate < 0))
    t = estimate / se
    return float(stats.t.sf(t, dof) if upper else stats.t.cdf(t, dof))


def fit_cost_model(n: np.ndarray, k: np.ndarray, time_ms: np.ndarray) -> CostFit:
    """Fit t = a + b N K + c N K^2 + d N^2 K with weights 1 / t (see the module docstring).

    Needs positive times, more rows than terms and at least 4 distinct (N, K) points."""
    n, k, t = (np.asarray(v, dtype=np.float64).ravel() for v in (n, k, time_ms))
    keep = np.isfinite(t) & (t > 0) & (n > 0) & (k > 0)
    n, k, t = n[keep], k[keep], t[keep]
    points = {(a, b) for a, b in zip(n, k, strict=True)}
    if len(points) < len(TERMS) or t.size <= len(TERMS):
        raise NoData(f"no cost-model fit: {t.size} timing(s) at {len(points)} distinct (N, K); "
                     f"needs > {len(TERMS)} timings at >= {len(TERMS)} points")  # fmt: skip
    x = design(n, k)
    scale = np.abs(x).max(axis=0)  # conditioning: the columns span orders of magnitude
    a = x / scale / t[:, None]
    beta, *_ = np.linalg.lstsq(a, np.ones_like(t), rcond=None)
    dof = t.size - len(TERMS)
    rss = float(np.sum((a @ beta - 1.0) ** 2))
    cov = rss / dof * np.linalg.pinv(a.T @ a)
    coef, se = beta / scale, np.sqrt(np.maximum(np.diag(cov), 0.0)) / scale
    grid = np.array(sorted(points))
    contributions = design(grid[:, 0], grid[:, 1]) * coef
    top = int(np.argmax(contributions.sum(axis=1)))
    total = float(contributions[top].sum())
    share = {term: float(contributions[top, i] / total) if total > 0 else float("nan")
             for i, term in enumerate(TERMS)}  # fmt: skip
    return CostFit(dict(zip(TERMS, map(float, coef), strict=True)),
                   dict(zip(TERMS, map(float, se), strict=True)), dof, share,
                   (int(grid[top, 0]), int(grid[top, 1])), int(t.size))  # fmt: skip


def cost_test(fit: CostFit, method: str, thr: dict[str, float]) -> Test:
    """The per-method test of the module docstring, as an inference.Test."""
    lead, rival, alpha, share_min = LEADING[method], RIVAL[method], thr["alpha"], thr[
        "lead_share_min"]  # fmt: skip
    dominant = fit.share[lead] >= share_min
    p_for = fit.p_positive(lead) if dominant else 1.0
    p_rival = fit.p_positive(rival) if fit.share[rival] >= share_min else 1.0
    p_against = min(p_rival, fit.p_negative(lead))
    detail = (f"weighted least squares over {fit.n} timings (dof {fit.dof}); at the largest "
              f"size N = {fit.largest[0]}, K = {fit.largest[1]} the shares of the predicted "
              "time are " + ", ".join(f"{term} {fmt(fit.share[term])}" for term in TERMS))
    return Test(f"coefficient of {lead} > 0 with share >= {fmt(share_min)}", fit.coef[lead],
                fit.bound(lead, alpha), fit.bound(lead, alpha, lower=False), p_for, p_against,
                fit.n, alpha, detail)  # fmt: skip


def eval_c17(tables: dict[str, pd.DataFrame], thr: dict[str, float]) -> Outcome:
    ev = select(tables, "cost", ["method", "n", "k", "time_ms"])
    tests, lines = [], []
    for method in LEADING:
        rows = ev.ok[ev.ok["method"] == method]
        if rows.empty:
            lines.append(f"{method}: no timings")
            continue
        try:
            fit = fit_cost_model(rows["n"], rows["k"], rows["time_ms"])
        except NoData as exc:
            lines.append(f"{method}: {exc}")
            continue
        tests.append((f"{method} (leading term {LEADING[method]})", cost_test(fit, method, thr)))
        lines.append(f"{method}: coefficients (ms) " + ", ".join(
            f"{term} {fmt(fit.coef[term])} +- {fmt(fit.se[term])}" for term in TERMS))
    if not tests:
        raise NoData("no data: cost.csv has no timings the cost model can fit")
    out = decide(ev, tests, "all", thr, "weighted least-squares cost model t = a + b NK + c NK^2 "
                 "+ d N^2 K per method: leading coefficient's lower bound > 0 and its share of "
                 f"the predicted time at the largest size >= {fmt(thr['lead_share_min'])}; "
                 "refuted when the rival cubic term dominates", lines)  # fmt: skip
    missing = [m for m in LEADING if m not in {lab.split(" ")[0] for lab, _ in tests}]
    if missing and out.verdict == "SUPPORTED":
        out.verdict = "INCONCLUSIVE"
        out.reason += f"; missing fits: {', '.join(missing)}"
    return out
