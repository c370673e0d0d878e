"""Claims of agreement between trained solutions and their closed forms: C2, C3, C7 (free Z,
optimal.csv) and C8, C9 (linear Z = X W, linear.csv).

C2  optimal.csv, vicreg_sq and spectral_contrastive: angle_max_deg <= angle_deg in every run,
    and learned_rank == cf_rank (a collapsed Z can look aligned). Other methods: reported.
C3  optimal.csv, vicreg_sq: |loss_gap_rel| <= loss_gap_rel and sv_rel_error <= sv_rel_error
    in every run (a loss below the closed form's minimum also fails).
C7  optimal.csv, spectral_contrastive, free model: angle_max_deg <= angle_deg and
    |loss_gap_rel| <= loss_gap_rel in every run.
C8  linear.csv, vicreg_sq (LPP): angle_max_deg <= angle_deg in every run; hinge vicreg's angle
    is reported. C9: linear.csv, barlow_twins (CCA): same rule.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from .evidence import (
    select,
)
from .stats import (
    fmt,
)
from .verdicts import (
    Evaluator,
    Outcome,
    _rank_mismatches,
    all_runs_meet,
    ok_mark,
    per_group,
    report_only,
    verdict_of,
)


def eval_c2(tables: dict[str, pd.DataFrame], thr: dict[str, float]) -> Outcome:
    ev = select(tables, "optimal", ["angle_max_deg"], method=["vicreg_sq", "spectral_contrastive"])
    passed, text, (m, lo, hi) = all_runs_meet(ev, "angle_max_deg", thr["angle_deg"], " deg")
    mismatched = _rank_mismatches(ev.ok)
    details = per_group(ev.ok, ("data", "relation", "method"), "angle_max_deg", " deg")
    details += report_only(
        tables, "optimal", "angle_max_deg", method=["vicreg", "simclr", "barlow_twins"]
    )
    reason = (
        f"{int((ev.ok['angle_max_deg'] <= thr['angle_deg']).sum())} of {len(ev.ok)} runs within "
        f"{fmt(thr['angle_deg'])} deg; {mismatched} run(s) with learned_rank != cf_rank"
    )
    return Outcome(verdict_of(passed and mismatched == 0), text, reason, ev, m, (lo, hi), details)


def eval_c3(tables: dict[str, pd.DataFrame], thr: dict[str, float]) -> Outcome:
    ev = select(tables, "optimal", ["loss_gap_rel", "sv_rel_error"], method="vicreg_sq")
    gap_ok, gap_text, (m, lo, hi) = all_runs_meet(
        ev, "loss_gap_rel", thr["loss_gap_rel"], "", absolute=True
    )
    sv_ok, sv_text, _ = all_runs_meet(ev, "sv_rel_error", thr["sv_rel_error"], "")
    details = per_group(ev.ok, ("data", "relation"), "loss_gap_rel")
    details += per_group(ev.ok, ("data", "relation"), "sv_rel_error")
    reason = f"loss gap {ok_mark(gap_ok)}, singular values {ok_mark(sv_ok)} (every run)"
    return Outcome(verdict_of(gap_ok and sv_ok), f"{gap_text}; {sv_text}", reason, ev, m, (lo, hi),
                   details)  # fmt: skip


def eval_c7(tables: dict[str, pd.DataFrame], thr: dict[str, float]) -> Outcome:
    ev = select(
        tables, "optimal", ["angle_max_deg", "loss_gap_rel"],
        method="spectral_contrastive", model="free",
    )  # fmt: skip
    ang_ok, ang_text, (m, lo, hi) = all_runs_meet(ev, "angle_max_deg", thr["angle_deg"], " deg")
    gap_ok, gap_text, _ = all_runs_meet(ev, "loss_gap_rel", thr["loss_gap_rel"], "", absolute=True)
    details = per_group(ev.ok, ("data", "relation"), "angle_max_deg", " deg")
    details += per_group(ev.ok, ("data", "relation"), "loss_gap_rel")
    reason = f"angle {ok_mark(ang_ok)}, loss gap {ok_mark(gap_ok)} (every run)"
    return Outcome(verdict_of(ang_ok and gap_ok), f"{ang_text}; {gap_text}", reason, ev, m,
                   (lo, hi), details)  # fmt: skip


def linear_angle_claim(method: str, twin: str, extra: Sequence[str] = ()) -> Evaluator:
    """Linear table: the method's W spans its eigenproblem's subspace (every run)."""

    def evaluate(tables: dict[str, pd.DataFrame], thr: dict[str, float]) -> Outcome:
        ev = select(tables, "linear", ["angle_max_deg"], method=method)
        passed, text, (m, lo, hi) = all_runs_meet(ev, "angle_max_deg", thr["angle_deg"], " deg")
        details = per_group(ev.ok, ("data", "relation", "hparams"), "angle_max_deg", " deg")
        for other in extra:
            details += report_only(tables, "linear", "angle_max_deg", method=other)
        n_in = int((ev.ok["angle_max_deg"] <= thr["angle_deg"]).sum())
        reason = f"{n_in} of {len(ev.ok)} runs within {fmt(thr['angle_deg'])} deg of {twin}"
        return Outcome(verdict_of(passed), text, reason, ev, m, (lo, hi), details)

    return evaluate
