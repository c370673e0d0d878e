"""Claims of agreement between trained solutions and their closed forms: C2, C3, C7 (free Z,
optimal.csv) and C8, C9 (linear Z = X W, linear.csv).

The closed form is the exact minimiser of the trained loss, so the test is the exact rule of
docs/theory.md (sections 4 and 5), ``inference.all_below`` on the runs the evidence keeps
(converged, or convergence not recorded): every run within the tolerance supports, one run
outside it is a counterexample. One group per (data, relation, method[, hparams]), rule 'all'
(p-values are 0 or 1, so Holm is moot). The one-sided upper t bound of the mean is printed
beside it for the reader; it decides nothing (a mean may hide a counterexample).

C2  optimal.csv, vicreg_sq and spectral_contrastive: angle_max_deg < angle_deg and
    learned_rank == cf_rank (the predicted rank inside a tied eigenspace). optimal.csv and
    cliques.csv, free SimCLR / BarlowTwins on a union of c cliques: the smaller of the
    indicator span (c - 1 centred) and col(Z) inside the larger < angle_deg (ind_contains_deg
    where K >= c - 1, else ind_angle_r at the run's rank r); the rank bound is C5's (reported);
    free hinge VICReg: diag_angle_max_deg < angle_deg where final_loss is not below
    loss_at_diagonal (by more than loss_gap_rel); below it, and on other graphs: reported.
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
    concat_frames,
    group_keys,
    narrow,
    select,
    select_any,
)
from .inference import Test, all_below, less_than
from .stats import (
    fmt,
    group_label,
    int_values,
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


C2_TABLES = ("optimal", "cliques")


def _merge(evidences: Sequence[Evidence]) -> Evidence:
    """One Evidence from several (rows, failed, unconverged and notes concatenated)."""
    return Evidence(
        concat_frames([e.ok for e in evidences]),
        concat_frames([e.failed for e in evidences]),
        [n for e in evidences for n in e.notes],
        "; ".join(e.source for e in evidences),
        concat_frames([e.unconverged for e in evidences]),
    )


def _leading_angle(rows: pd.DataFrame) -> pd.Series:
    """ind_angle_r at r = min(the run's centred spectral rank, c - 1) (clipped to the stored
    columns): the angle of Z's r leading directions to the indicator span. G's top eigenspace
    on a union of c cliques is the indicator span (c - 1 dimensions once centred), so "Z keeps
    G's top singular vectors" reads: Z's leading min(rank, c - 1) directions lie in it."""
    cols = sorted((c for c in rows if c.startswith("ind_angle_") and c[10:].isdigit()),
                  key=lambda c: int(c[10:]))  # fmt: skip
    values = rows[cols].to_numpy(dtype=float)
    cap = rows["g_n_components"].to_numpy(dtype=float) - 1
    rank = np.minimum(rows["spectral_rank"].to_numpy(dtype=float), cap)
    r = np.clip(np.nan_to_num(rank, nan=1.0), 1, len(cols)).astype(int) - 1
    return pd.Series(values[np.arange(len(rows)), r], index=rows.index)


def _c2_indicator_tests(tables: dict[str, pd.DataFrame], thr: dict[str, float]):
    """(b) SimCLR / BarlowTwins free Z on a union of c cliques. G's top eigenspace is the span
    of the centred component indicators (c - 1 tied directions), so "Z keeps G's top
    eigenvectors" is a containment of the smaller space in the larger:

    - K >= c - 1: the indicator span lies inside col(centred Z) (``ind_contains_deg``, the
      largest principal angle; invariant to the column scales BarlowTwins ignores). The rank
      itself (<= c - 1 centred) is C5's bound, reported here, not judged: a Z may carry
      directions beyond G's top eigenspace and still keep that eigenspace.
    - K < c - 1 (e.g. view pairs of many samples): c - 1 directions cannot fit in K, and
      the tie leaves any K of them optimal, so col(centred Z) must lie inside the indicator
      span: ``ind_angle_r`` at r = the run's spectral rank (Z's r leading directions; every
      clique at one point of Z).
    """
    from .rank import _cliques

    ev = select_any(
        tables, C2_TABLES, ["spectral_rank", "g_n_components", "ind_angle_1"],
        method=["simclr", "barlow_twins"], model="free",
    )  # fmt: skip
    clique = _cliques(ev.ok)
    lines = [f"(measurement, not judged: not a union of cliques) {group_label(key)}: centred "
             f"rank {int_values(g['spectral_rank'])}"
             for key, g in ev.ok[~clique].groupby(["_table", "data", "relation", "method"])]
    rows = ev.ok[clique]
    if rows.empty:
        raise NoData("no simclr / barlow_twins run on a union of cliques")
    # the smaller space inside the larger: the indicator span inside col(Z) where it fits
    # (ind_contains_deg: scale-invariant), else col(Z) inside the span (Z's leading
    # min(rank, c - 1) directions, ind_angle_r); tables without ind_contains_deg: the latter
    inside_span = _leading_angle(rows)
    if "ind_contains_deg" in rows:
        fits = rows["k"].astype(float) >= rows["g_n_components"].astype(float) - 1 \
            if "k" in rows else pd.Series(True, index=rows.index)
        lead = rows["ind_contains_deg"].astype(float).where(fits, inside_span)
    else:
        lead = inside_span
    rows = rows.copy().assign(c=rows["g_n_components"], lead_angle=lead)
    tests = []
    keys = ["_table", "data", "relation", "method", "hparams"]
    for key, g in rows.groupby(keys, dropna=False):
        label = group_label(key)
        tests.append((label, all_below(g["lead_angle"], thr["angle_deg"], thr["alpha"],
                                       name="max containment angle, indicator span vs col(Z)"
                                       )))  # fmt: skip
        lines.append(f"(reported; C5 judges it) {label}: centred rank "
                     f"{int_values(g['spectral_rank'])}, c - 1 = {int_values(g['c'] - 1)}")
    ok_rank = int((rows["spectral_rank"] <= rows["c"] - 1).sum())
    ok_angle = int((rows["lead_angle"] < thr["angle_deg"]).sum())
    summary = (f"SimCLR / BarlowTwins on unions of cliques: {ok_angle} of {len(rows)} runs keep "
               f"the indicator span inside col(Z) (col(Z) inside it where K < c - 1) within "
               f"{fmt(thr['angle_deg'])} "
               f"deg (worst {fmt(rows['lead_angle'].max())} deg); {ok_rank} with centred rank "
               "<= c - 1 (reported)")  # fmt: skip
    return narrow(ev, rows, keys), tests, lines, summary


def _c2_hinge_tests(tables: dict[str, pd.DataFrame], thr: dict[str, float]):
    """(c) hinge VICReg free Z vs its diagonal solution (docs/theory.md 3.2), judged where the
    trained loss is not below the diagonal solution's (there it is the minimiser candidate)."""
    ev = select_any(
        tables, C2_TABLES, ["diag_angle_max_deg", "final_loss", "loss_at_diagonal"],
        method="vicreg", model="free",
    )  # fmt: skip
    ok = ev.ok
    slack = thr["loss_gap_rel"] * ok["loss_at_diagonal"].abs()
    below = ok["final_loss"] < ok["loss_at_diagonal"] - slack
    keys = ["_table", "data", "relation", "hparams"]
    lines = [
        f"(measurement, not judged: final loss below the diagonal solution's, which is then not "
        f"the minimiser) {group_label(key)}: angle to the diagonal solution "
        f"{fmt(g['diag_angle_max_deg'].max())} deg, loss {fmt(g['final_loss'].mean())} vs "
        f"{fmt(g['loss_at_diagonal'].mean())}"
        for key, g in ok[below].groupby(keys, dropna=False)
    ]
    rows = ok[~below]
    if rows.empty:
        raise NoData("no converged hinge vicreg run at or above its diagonal solution's loss")
    tests = [(group_label(key), all_below(g["diag_angle_max_deg"], thr["angle_deg"],
                                          thr["alpha"], name="max angle to the diagonal "
                                                             "solution"))
             for key, g in rows.groupby(keys, dropna=False)]  # fmt: skip
    ang = rows["diag_angle_max_deg"]
    summary = (f"hinge VICReg: {int((ang < thr['angle_deg']).sum())} of {len(rows)} runs within "
               f"{fmt(thr['angle_deg'])} deg of the diagonal solution (worst {fmt(ang.max())} "
               f"deg), {int(below.sum())} below its loss (not judged)")  # fmt: skip
    return narrow(ev, rows, keys), tests, lines, summary


def eval_c2(tables: dict[str, pd.DataFrame], thr: dict[str, float]) -> Outcome:
    evidences, tests, lines, missing, summaries = [], [], [], [], []
    dropped: list[NoData] = []
    try:
        ev = select(tables, "optimal", ["angle_max_deg"],
                    method=["vicreg_sq", "spectral_contrastive"])  # fmt: skip
        t, extra = _exact_tests(ev, ("data", "relation", "method"),
                                [("angle_max_deg", thr["angle_deg"], False)], thr, rank=True)
        evidences.append(ev)
        tests += t
        lines += extra
        n_in = int((ev.ok["angle_max_deg"] < thr["angle_deg"]).sum())
        summaries.append(f"{n_in} of {len(ev.ok)} runs within {fmt(thr['angle_deg'])} deg, "
                         f"worst {fmt(ev.ok['angle_max_deg'].max())} deg; "
                         f"{_rank_mismatches(ev.ok)} run(s) with learned_rank != cf_rank")
    except NoData as exc:
        missing.append(f"(surrogates) {exc}")
        dropped.append(exc)
    for part, build in (("SimCLR / BarlowTwins vs indicators", _c2_indicator_tests),
                        ("hinge VICReg vs diagonal solution", _c2_hinge_tests)):  # fmt: skip
        try:
            ev_part, t, extra, summary = build(tables, thr)
        except NoData as exc:
            missing.append(f"({part}) {exc}")
            dropped.append(exc)
            continue
        evidences.append(ev_part)
        tests += t
        lines += extra
        summaries.append(summary)
    if not evidences:
        reasons = list(dict.fromkeys(r for e in dropped for r in str(e).split("; ")))
        raise NoData("; ".join(reasons), concat_frames([e.failed for e in dropped]),
                     concat_frames([e.unconverged for e in dropped]))  # fmt: skip
    lines += [f"(not judged) {m}" for m in missing]
    lines += report_only(tables, "optimal", "angle_max_deg", method=["simclr", "barlow_twins"])
    ev = _merge(evidences)
    out = decide(ev, tests, "all", thr, f"exact rule (all_below) on every converged run: "
                 f"surrogates angle_max_deg < {fmt(thr['angle_deg'])} deg and learned rank == "
                 f"closed-form rank; SimCLR / BarlowTwins on a union of c cliques centred rank "
                 f"<= c - 1 and the rank-r leading subspace within {fmt(thr['angle_deg'])} deg "
                 f"of the indicator span; hinge VICReg within {fmt(thr['angle_deg'])} deg of "
                 f"its diagonal solution where its loss is not below that solution's", lines)
    out.reason = "; ".join(summaries)
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
