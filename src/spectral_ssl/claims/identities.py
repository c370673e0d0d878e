"""Claims checked on exact identities (identities.csv): C1, C6, C10, C15.

C1, C6, C10, C15  identities.csv: every row of the claim is judged against its limit: the
    config's identity_rel for relative errors of C1, C6 and C15, angle_deg for C10 angles in
    degrees, else the row's own ``tolerance`` (infinite: reported, not judged).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .evidence import (
    NoData,
    select,
)
from .stats import (
    NAN,
    fmt,
)
from .verdicts import (
    Evaluator,
    Outcome,
    ok_mark,
    verdict_of,
)


def identity_claim(claim_id: str) -> Evaluator:
    """Judge the identities.csv rows of one claim against their limits."""

    def evaluate(tables: dict[str, pd.DataFrame], thr: dict[str, float]) -> Outcome:
        ev = select(tables, "identities", ["quantity", "value"], claim=claim_id)
        rows = ev.ok.assign(limit=[_identity_limit(claim_id, r, thr) for _, r in ev.ok.iterrows()])
        judged = rows[np.isfinite(rows["limit"])]
        if judged.empty:
            raise NoData(f"no data: no {claim_id} row with a finite tolerance in identities.csv")
        ratios = judged["value"].abs() / judged["limit"]
        passed = bool((ratios <= 1).all())
        details = [
            f"{r.quantity}: {fmt(r.value)} (limit {fmt(r.limit)}"
            + (
                ", reported only)"
                if not np.isfinite(r.limit)
                else f") {ok_mark(r.value <= r.limit)}"
            )
            for r in rows.itertuples()
        ]
        measured = ", ".join(f"{fmt(r.value)} (limit {fmt(r.limit)})" for r in judged.itertuples())
        reason = f"{int((ratios <= 1).sum())} of {len(judged)} identity rows within their limit"
        worst = float(judged["value"].abs().max())
        return Outcome(verdict_of(passed), measured, reason, ev, worst, details=details)

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
