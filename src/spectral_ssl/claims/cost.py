"""Claim C17: the cost of each loss as a power of N and K (cost.csv).

C17 cost.csv: least-squares slope of log time_ms vs log N (vary == "n") and log K
    (vary == "k") over all repeats, 95% CI from the slope's standard error; simclr vs N ~ 2,
    vicreg and barlow_twins vs N ~ 1 and vs K ~ 2, each within exponent_tol (simclr vs K is
    reported). A missing fit makes the claim INCONCLUSIVE unless another one fails.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .evidence import NoData, select
from .stats import NAN, fit_exponent, fmt, fmt_ci
from .verdicts import INCONCLUSIVE, NOT_SUPPORTED, SUPPORTED, Outcome, ok_mark

COST_EXPECTED = {
    ("simclr", "n"): 2.0, ("vicreg", "n"): 1.0, ("barlow_twins", "n"): 1.0,
    ("vicreg", "k"): 2.0, ("barlow_twins", "k"): 2.0,
}  # fmt: skip
COST_REPORTED = {("simclr", "k"): 1.0}


def eval_c17(tables: dict[str, pd.DataFrame], thr: dict[str, float]) -> Outcome:
    ev = select(tables, "cost", ["method", "n", "k", "vary", "time_ms"])
    details, fits, deviations, missing, worst = [], [], [], [], (NAN, NAN, NAN)
    for (method, vary), expected in {**COST_EXPECTED, **COST_REPORTED}.items():
        rows = ev.ok[(ev.ok["method"] == method) & (ev.ok["vary"] == vary)]
        slope = fit_exponent(rows, vary) if len(rows) else (NAN, NAN, NAN)
        judged = (method, vary) in COST_EXPECTED
        if np.isnan(slope[0]):
            details.append(f"{method} vs {vary.upper()}: no fit (fewer than 2 sizes)")
            missing += [f"{method} vs {vary.upper()}"] if judged else []
            continue
        dev = abs(slope[0] - expected)
        fits.append(f"{method} vs {vary.upper()}: {fmt(slope[0])}")
        mark = ok_mark(dev <= thr["exponent_tol"]) if judged else "(reported)"
        details.append(f"{method} vs {vary.upper()}: exponent {fmt_ci(*slope)}, "
                       f"expected {fmt(expected)} {mark}")  # fmt: skip
        if judged:
            if not deviations or dev > max(deviations):
                worst = slope
            deviations.append(dev)
    if not deviations:
        raise NoData("no data: cost.csv has no timings for the fitted methods")
    n_in = sum(d <= thr["exponent_tol"] for d in deviations)
    if n_in < len(deviations):
        verdict = NOT_SUPPORTED
    else:
        verdict = INCONCLUSIVE if missing else SUPPORTED
    reason = f"{n_in} of {len(deviations)} exponents within tolerance"
    reason += f"; missing fits: {', '.join(missing)}" if missing else ""
    measured = "exponents " + ", ".join(fits)
    return Outcome(verdict, measured, reason, ev, max(deviations), worst[1:], details)
