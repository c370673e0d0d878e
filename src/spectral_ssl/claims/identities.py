"""Claims checked on exact identities (identities.csv): C1, C6, C10, C15.

C1, C6, C10, C15  identities.csv: each row is its own group, tested with
    ``inference.all_below(|value|, limit)``: the limit is the config's identity_rel for
    relative errors of C1, C6 and C15, angle_deg for C10 angles in degrees, else the row's own
    ``tolerance`` (infinite: reported, not judged). The rows are float64 numerics on random
    instances, deterministic: one row outside its limit refutes the identity, no interval is
    needed (rule 'all'; Holm is moot for p-values of 0 or 1).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .evidence import (
    NoData,
    select,
)
from .inference import all_below
from .stats import (
    NAN,
    fmt,
)
from .verdicts import (
    Evaluator,
    Outcome,
    decide,
)


def identity_claim(claim_id: str) -> Evaluator:
    """Judge the identities.csv rows of one claim against their limits."""

    def evaluate(tables: dict[str, pd.DataFrame], thr: dict[str, float]) -> Outcome:
        ev = select(tables, "identities", ["quantity", "value"], claim=claim_id)
        rows = ev.ok.assign(limit=[_identity_limit(claim_id, r, thr) for _, r in ev.ok.iterrows()])
        judged = rows[np.isfinite(rows["limit"])]
        if judged.empty:
            raise NoData(f"no data: no {claim_id} row with a finite tolerance in identities.csv")
        tests = [
            (str(r.quantity), all_below([abs(r.value)], r.limit, thr["alpha"],
                                        name=f"|value| < {fmt(r.limit)}"))
            for r in judged.itertuples()
        ]  # fmt: skip
        reported = [
            f"(reported, not judged) {r.quantity}: {fmt(r.value)}"
            for r in rows.itertuples()
            if not np.isfinite(r.limit)
        ]
        out = decide(ev, tests, "all", thr, "exact rule (all_below): |value| < limit on every row "
                     "(deterministic float64 numerics, no interval needed)", reported)
        worst = judged.assign(ratio=judged["value"].abs() / judged["limit"]).nlargest(1, "ratio")
        r = worst.iloc[0]
        out.value, out.ci = float(abs(r["value"])), (-math.inf, float(abs(r["value"])))
        out.interval = (f"worst row |value| {fmt(abs(r['value']))} [-inf, {fmt(abs(r['value']))}] "
                        f"against {fmt(r['limit'])}")
        n_in = int((judged["value"].abs() < judged["limit"]).sum())
        out.measured = f"worst {fmt(abs(r['value']))} (limit {fmt(r['limit'])}): {r['quantity']}"
        out.reason = (f"{n_in} of {len(judged)} identity rows within their limit; worst "
                      f"{fmt(abs(r['value']))} against {fmt(r['limit'])} ({r['quantity']})")
        return out

    return evaluate


def _identity_limit(claim_id: str, row: pd.Series, thr: dict[str, float]) -> float:
    quantity = str(row["quantity"]).lower()
    tol = pd.to_numeric(row.get("tolerance", NAN), errors="coerce")
    if tol == math.inf:
        return math.inf
    if claim_id in ("C1", "C6", "C15") and "relative" in quantity:
        return thr["identity_rel"]
    if claim_id == "C10" and "angle" in quantity and "deg" in quantity:
        return thr["angle_deg"]
    return float(tol) if pd.notna(tol) else NAN
