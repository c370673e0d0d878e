"""Claims of agreement between trained solutions and their closed forms: C2, C3, C7 (free Z,
optimal.csv) and C8, C9 (linear Z = X W, linear.csv).

The closed form is the exact minimiser of the trained loss, so the test is the exact rule of
docs/theory.md (sections 4 and 5), ``inference.all_below`` on the runs the evidence keeps
(converged, or convergence not recorded): every run within the tolerance supports, one run
outside it is a counterexample. One group per (data, relation, method[, hparams]), rule 'all'
(p-values are 0 or 1, so Holm is moot). The one-sided upper t bound of the mean is printed
beside it for the reader; it decides nothing (a mean may hide a counterexample).

C2  optimal.csv, vicreg_sq and spectral_contrastive: angle_max_deg < angle_deg and
    learned_rank == cf_rank (the predicted rank inside a tied eigenspace). Others: reported.
C3  optimal.csv, vicreg_sq: |loss_gap_rel| < loss_gap_rel and sv_rel_error < sv_rel_error
    (a loss below the closed form's minimum also fails).
C7  optimal.csv, spectral_contrastive, free model: angle_max_deg < angle_deg and
    |loss_gap_rel| < loss_gap_rel.
C8  linear.csv, vicreg_sq (LPP): angle_max_deg < angle_deg; hinge vicreg's angle is reported.
C9  linear.csv, barlow_twins (CCA), rank-aware (``rank_aware``, ``tables.with_rank_aware_angles``):
    at the measured rank r of W (s_i / s_1 > rank_rtol), containment_angle_deg < angle_deg (col(W)
    inside the top-K canonical subspace) where the K-cut is well-posed (cf_gap_rel >= gap_rel_min)
    and equality_angle_deg < angle_deg (col(W) = the top-r subspace) where the r-cut is
    (gap_rel_at_rank >= gap_rel_min). Runs at an ill-posed cut are reported, not judged.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .evidence import (
    Evidence,
    NoData,
    group_keys,
    select,
)
from .inference import Test, all_below, less_than
from .stats import (
    fmt,
    group_label,
)
from .verdicts import (
    Evaluator,
    Outcome,
    _rank_mismatches,
    decide,
    report_only,
)


def _exact_tests(
    ev: Evidence,
    keys: Sequence[str],
    checks: Sequence[tuple[str, float, bool]],
    thr: dict[str, float],
    rank: bool = False,
) -> tuple[list[tuple[str, Test]], list[str]]:
    """Per group and check (column, limit, absolute): all_below, plus the rank equality."""
    tests, lines = [], []
    for key, g in ev.ok.groupby(group_keys(ev.ok, keys), dropna=False):
        label = group_label(key)
        for column, limit, absolute in checks:
            values = g[column].abs() if absolute else g[column]
            name = f"max |{column}| < {fmt(limit)}" if absolute else f"max {column} < {fmt(limit)}"
            tests.append((label, all_below(values, limit, thr["alpha"], name=name)))
            bound = less_than(values, limit, thr["alpha"])
            lines.append(
                f"(context, decides nothing) {label}: mean {column} {bound.interval()} "
                f"(one-sided {fmt(1 - thr['alpha'])} upper bound)"
            )
        if rank:
            bad = _rank_mismatches(g)
            tests.append((label, all_below([bad], 0.5, thr["alpha"],
                                           name="runs with learned rank != closed-form rank")))
    return tests, lines


def eval_c2(tables: dict[str, pd.DataFrame], thr: dict[str, float]) -> Outcome:
    ev = select(tables, "optimal", ["angle_max_deg"], method=["vicreg_sq", "spectral_contrastive"])
    tests, lines = _exact_tests(ev, ("data", "relation", "method"),
                                [("angle_max_deg", thr["angle_deg"], False)], thr, rank=True)
    lines += report_only(
        tables, "optimal", "angle_max_deg", method=["vicreg", "simclr", "barlow_twins"]
    )
    out = decide(ev, tests, "all", thr, f"exact rule (all_below) on every run: angle_max_deg < "
                 f"{fmt(thr['angle_deg'])} deg and learned rank == closed-form rank", lines)
    n_in = int((ev.ok["angle_max_deg"] < thr["angle_deg"]).sum())
    out.reason = (f"{n_in} of {len(ev.ok)} runs within {fmt(thr['angle_deg'])} deg, worst "
                  f"{fmt(ev.ok['angle_max_deg'].max())} deg; {_rank_mismatches(ev.ok)} run(s) "
                  f"with learned_rank != cf_rank")  # fmt: skip
    return out


def eval_c3(tables: dict[str, pd.DataFrame], thr: dict[str, float]) -> Outcome:
    ev = select(tables, "optimal", ["loss_gap_rel", "sv_rel_error"], method="vicreg_sq")
    checks = [("loss_gap_rel", thr["loss_gap_rel"], True),
              ("sv_rel_error", thr["sv_rel_error"], False)]  # fmt: skip
    tests, lines = _exact_tests(ev, ("data", "relation"), checks, thr)
    out = decide(ev, tests, "all", thr, f"exact rule (all_below) on every run: |loss_gap_rel| < "
                 f"{fmt(thr['loss_gap_rel'])} and sv_rel_error < {fmt(thr['sv_rel_error'])}",
                 lines)  # fmt: skip
    gap, sv = ev.ok["loss_gap_rel"].abs(), ev.ok["sv_rel_error"]
    out.reason = (f"{int((gap < thr['loss_gap_rel']).sum())} of {len(gap)} runs within the loss "
                  f"gap (worst {fmt(gap.max())}), {int((sv < thr['sv_rel_error']).sum())} within "
                  f"the singular-value error (worst {fmt(sv.max())})")  # fmt: skip
    return out


def eval_c7(tables: dict[str, pd.DataFrame], thr: dict[str, float]) -> Outcome:
    ev = select(
        tables, "optimal", ["angle_max_deg", "loss_gap_rel"],
        method="spectral_contrastive", model="free",
    )  # fmt: skip
    checks = [("angle_max_deg", thr["angle_deg"], False),
              ("loss_gap_rel", thr["loss_gap_rel"], True)]  # fmt: skip
    tests, lines = _exact_tests(ev, ("data", "relation"), checks, thr)
    out = decide(ev, tests, "all", thr, f"exact rule (all_below) on every run: angle_max_deg < "
                 f"{fmt(thr['angle_deg'])} deg and |loss_gap_rel| < {fmt(thr['loss_gap_rel'])}",
                 lines)  # fmt: skip
    ang, gap = ev.ok["angle_max_deg"], ev.ok["loss_gap_rel"].abs()
    out.reason = (f"{int((ang < thr['angle_deg']).sum())} of {len(ang)} runs within the angle "
                  f"(worst {fmt(ang.max())} deg), {int((gap < thr['loss_gap_rel']).sum())} within "
                  f"the loss gap (worst {fmt(gap.max())})")  # fmt: skip
    return out


def linear_angle_claim(method: str, twin: str, extra: Sequence[str] = ()) -> Evaluator:
    """Linear table: the method's W spans its eigenproblem's subspace (every run)."""

    def evaluate(tables: dict[str, pd.DataFrame], thr: dict[str, float]) -> Outcome:
        ev = select(tables, "linear", ["angle_max_deg"], method=method)
        tests, lines = _exact_tests(ev, ("data", "relation", "hparams"),
                                    [("angle_max_deg", thr["angle_deg"], False)], thr)
        for other in extra:
            lines += report_only(tables, "linear", "angle_max_deg", method=other)
        out = decide(ev, tests, "all", thr, f"exact rule (all_below) on every run: "
                     f"angle_max_deg < {fmt(thr['angle_deg'])} deg to {twin}", lines)
        ang = ev.ok["angle_max_deg"]
        n_in = int((ang < thr["angle_deg"]).sum())
        out.reason = (f"{n_in} of {len(ang)} runs within {fmt(thr['angle_deg'])} deg of {twin}, "
                      f"worst {fmt(float(np.max(ang)))} deg")
        if "learned_rank" in ev.ok and "k" in ev.ok:
            deficient = int((ev.ok["learned_rank"] < ev.ok["k"]).sum())
            if deficient:  # a design note: the padded angle reads 90 deg for rank < k
                out.reason += (f"; {deficient} run(s) with a rank-deficient W (learned_rank < k), "
                               "where the padded angle reads 90 deg whatever the subspace")
        return out

    return evaluate


C9_COLUMNS = ("w_rank", "containment_angle_deg", "equality_angle_deg", "cf_gap_rel",
              "gap_rel_at_rank")  # fmt: skip


def eval_c9(tables: dict[str, pd.DataFrame], thr: dict[str, float]) -> Outcome:
    """Rank-aware C9: containment at the K-cut, equality at the measured rank r (well-posed cuts
    only: relative gap >= gap_rel_min); ill-posed runs are reported, not judged."""
    ev = select(tables, "linear", list(C9_COLUMNS), method="barlow_twins")
    limit, gap_min = thr["angle_deg"], thr["gap_rel_min"]
    tests, lines = [], []
    for key, g in ev.ok.groupby(group_keys(ev.ok, ("data", "relation", "hparams")), dropna=False):
        label = group_label(key)
        ranks = ", ".join(str(int(r)) for r in sorted(g["w_rank"].unique()))
        for column, gap, what in (
            ("containment_angle_deg", "cf_gap_rel", "inside the top-K subspace"),
            ("equality_angle_deg", "gap_rel_at_rank", "equal to the top-r subspace"),
        ):
            posed = g[g[gap] >= gap_min]
            ill = g[~(g[gap] >= gap_min)]
            if len(posed):
                tests.append((label, all_below(posed[column], limit, thr["alpha"],
                                               name=f"max {column} < {fmt(limit)}")))
            if len(ill):
                lines.append(
                    f"(reported, not judged: ill-posed cut, {gap} {fmt(ill[gap].max())} < "
                    f"{fmt(gap_min)}) {label}: {column} worst {fmt(ill[column].max())} deg "
                    f"({what}), rank {ranks}, n = {len(ill)}"
                )
    n_ill = int((~(ev.ok["cf_gap_rel"] >= gap_min)).sum())
    if not tests:
        raise NoData(f"no well-posed cell: every run's canonical gap is below gap_rel_min = "
                     f"{fmt(gap_min)} ({n_ill} ill-posed run(s) reported)", ev.failed,
                     ev.unconverged)  # fmt: skip
    out = decide(ev, tests, "all", thr, f"exact rule (all_below) at the measured rank r of W "
                 f"(s_i / s_1 > {fmt(thr['rank_rtol'])}): containment_angle_deg and "
                 f"equality_angle_deg < {fmt(limit)} deg where the cut's relative gap >= "
                 f"{fmt(gap_min)}", lines)  # fmt: skip
    posed = ev.ok[ev.ok["gap_rel_at_rank"] >= gap_min]
    eq = posed["equality_angle_deg"]
    deficient = int((ev.ok["w_rank"] < ev.ok["k"]).sum()) if "k" in ev.ok else 0
    out.reason = (f"{int((eq < limit).sum())} of {len(eq)} well-posed runs equal the top-r "
                  f"canonical subspace within {fmt(limit)} deg (worst {fmt(eq.max())} deg), "
                  f"{deficient} run(s) with rank r < k; {n_ill} run(s) at an ill-posed K-cut "
                  f"reported, not judged")  # fmt: skip
    return out
