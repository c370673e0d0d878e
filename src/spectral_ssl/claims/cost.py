"""Claim C17: the cost of each loss as a power of N and K (cost.csv).

C17 cost.csv: least-squares slope of log time_ms on log N (vary == "n") and log K
    (vary == "k") over all repeats, tested by TOST (``inference.slope_equivalent``) against its
    prediction with margin exponent_tol: simclr vs N ~ 2, vicreg and barlow_twins vs N ~ 1 and
    vs K ~ 2 (simclr vs K is reported). Rule 'all', Holm on the refutation side. The interval
    is the (1 - 2 alpha) t interval of the regression slope; the repeats time one Z again and
    are not independent runs, so it is narrower than an interval over independent runs would
    be, and the fit measures the configured sizes (pre-asymptotic terms included), not the
    leading term alone.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .evidence import NoData, select
from .inference import slope_equivalent
from .stats import fmt
from .verdicts import Outcome, decide

COST_EXPECTED = {
    ("simclr", "n"): 2.0, ("vicreg", "n"): 1.0, ("barlow_twins", "n"): 1.0,
    ("vicreg", "k"): 2.0, ("barlow_twins", "k"): 2.0,
}  # fmt: skip
COST_REPORTED = {("simclr", "k"): 1.0}


def _slope(rows: pd.DataFrame, vary: str, expected: float, thr: dict[str, float]):
    rows = rows[(rows["time_ms"] > 0) & (rows[vary] > 0)]
    return slope_equivalent(np.log(rows[vary].astype(float)), np.log(rows["time_ms"].astype(float)),
                            expected, thr["exponent_tol"], thr["alpha"],
                            name=f"exponent vs {vary.upper()}")  # fmt: skip


def eval_c17(tables: dict[str, pd.DataFrame], thr: dict[str, float]) -> Outcome:
    ev = select(tables, "cost", ["method", "n", "k", "vary", "time_ms"])
    tests, lines, missing = [], [], []
    for (method, vary), expected in {**COST_EXPECTED, **COST_REPORTED}.items():
        rows = ev.ok[(ev.ok["method"] == method) & (ev.ok["vary"] == vary)]
        judged = (method, vary) in COST_EXPECTED
        test = _slope(rows, vary, expected, thr)
        label = f"{method} vs {vary.upper()} (expected {fmt(expected)})"
        if not np.isfinite(test.estimate):
            lines.append(f"{label}: no fit ({test.detail})")
            missing += [label] if judged else []
            continue
        if judged:
            tests.append((label, test))
        else:
            lines.append(f"(reported, not judged) {label}: exponent {test.interval()}")
    if not tests:
        raise NoData("no data: cost.csv has no timings for the fitted methods")
    if missing:  # a missing fit leaves the claim undecided unless another fit refutes it
        lines.append(f"missing fits: {', '.join(missing)}")
    out = decide(ev, tests, "all", thr, f"TOST on each fitted log-log slope: |exponent - "
                 f"expected| < {fmt(thr['exponent_tol'])} (t interval of the regression slope; "
                 "repeats of one Z, not independent runs)", lines)  # fmt: skip
    if missing and out.verdict == "SUPPORTED":
        out.verdict = "INCONCLUSIVE"
        out.reason += f"; missing fits: {', '.join(missing)}"
    return out
