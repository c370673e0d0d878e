"""Claims on the rank of trained embeddings: C4, C5, C16 (rank.csv, optimal.csv).

The rank is ``spectral_rank`` (s_i / s_1 > claims.rank_rtol, see ``tables.with_spectral_rank``).

C4  rank.csv, vicreg: per (data, relation, model), Spearman rho(gamma, effective_rank) < 0
    over the runs, and rank == k in every run at the smallest gamma.
C5  optimal.csv and rank.csv, free model, simclr and barlow_twins: rank <=
    min(k, g_n_components) in every run (every tau and alpha).
C16 rank.csv and optimal.csv, hinge vicreg, free model, the largest gamma/alpha of each
    (data, relation): SUPPORTED ("may collapse") if some run has rank < k. The
    number of runs below min(k, g_n_components), the surrogate's large-gamma rank, is reported.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .evidence import (
    NoData,
    group_keys,
    narrow,
    select,
    select_any,
)
from .stats import (
    fmt,
    fmt_ci,
    group_label,
    int_values,
    mean_ci,
    spearman,
)
from .verdicts import (
    Outcome,
    ok_mark,
    verdict_of,
)


def eval_c4(tables: dict[str, pd.DataFrame], thr: dict[str, float]) -> Outcome:
    ev = select(tables, "rank", ["gamma", "effective_rank", "spectral_rank", "k"], method="vicreg")
    details, rhos, passed = [], [], True
    for key, g in ev.ok.groupby(group_keys(ev.ok, ("data", "relation", "model")), dropna=False):
        if g["gamma"].nunique() < 2:
            details.append(f"{group_label(key)}: a single gamma, no trend to measure")
            continue
        rho, p = spearman(g["gamma"], g["effective_rank"])
        small = g[g["gamma"] == g["gamma"].min()]
        large = g[g["gamma"] == g["gamma"].max()]
        full = bool((small["spectral_rank"] == small["k"]).all())
        passed &= bool(rho < 0) and full
        rhos.append(rho)
        details.append(
            f"{group_label(key)}: Spearman rho(gamma, effective rank) = {fmt(rho)} (p = {fmt(p)}); "
            f"effective rank {fmt_ci(*mean_ci(small['effective_rank']))} at gamma = "
            f"{fmt(small['gamma'].iloc[0])}, {fmt_ci(*mean_ci(large['effective_rank']))} at "
            f"gamma = {fmt(large['gamma'].iloc[0])}; rank at the smallest gamma "
            f"{int_values(small['spectral_rank'])} vs k = {int_values(small['k'])} {ok_mark(full)}"
        )
    if not rhos:
        raise NoData("no data: rank.csv has no vicreg gamma sweep (a single gamma per group)")
    worst = max(rhos)
    measured = f"Spearman rho(gamma, effective rank) = {', '.join(fmt(r) for r in rhos)}"
    reason = f"decreasing trend and full rank at the smallest gamma in every group: {passed}"
    return Outcome(verdict_of(passed), measured, reason, ev, worst, details=details)


def eval_c5(tables: dict[str, pd.DataFrame], thr: dict[str, float]) -> Outcome:
    ev = select_any(
        tables, ("optimal", "rank"), ["spectral_rank", "k", "g_n_components"],
        method=["simclr", "barlow_twins"], model="free",
    )  # fmt: skip
    ok = ev.ok.assign(bound=np.minimum(ev.ok["k"], ev.ok["g_n_components"]))
    ok = ok.assign(excess=ok["spectral_rank"] - ok["bound"])
    details = []
    for key, g in ok.groupby(["_table", "data", "relation", "method", "hparams"], dropna=False):
        m, lo, hi = mean_ci(g["spectral_rank"])
        details.append(
            f"{group_label(key)}: rank {fmt_ci(m, lo, hi)} vs min(k, components) = "
            f"{fmt(g['bound'].iloc[0])}; {int((g['excess'] > 0).sum())} of {len(g)} runs above"
        )
    n_above = int((ok["excess"] > 0).sum())
    worst = float(ok["excess"].max())
    measured = f"largest rank - min(k, components) = {fmt(worst)}"
    reason = f"{n_above} of {len(ok)} runs above min(k, components of G)"
    return Outcome(verdict_of(n_above == 0), measured, reason, ev, worst, details=details)


def eval_c16(tables: dict[str, pd.DataFrame], thr: dict[str, float]) -> Outcome:
    ev = select_any(
        tables, ("rank", "optimal"), ["spectral_rank", "k", "gamma", "alpha"],
        method="vicreg", model="free",
    )  # fmt: skip
    ok = ev.ok.assign(ratio=ev.ok["gamma"] / ev.ok["alpha"])
    details, tops = [], []
    for key, g in ok.groupby(["_table", "data", "relation"], dropna=False):
        top = g[g["ratio"] == g["ratio"].max()]
        tops.append(top)
        m, lo, hi = mean_ci(top["spectral_rank"])
        below_k = int((top["spectral_rank"] < top["k"]).sum())
        line = (
            f"{group_label(key)}: gamma/alpha = {fmt(top['ratio'].iloc[0])}: rank "
            f"{fmt_ci(m, lo, hi)}, k = {int_values(top['k'])}; "
            f"{below_k} of {len(top)} runs below k"
        )
        if "g_n_components" in top and top["g_n_components"].notna().all():
            below = int((top["spectral_rank"] < np.minimum(top["k"], top["g_n_components"])).sum())
            line += f", {below} below min(k, components of G)"
        details.append(line)
    top = pd.concat(tops)
    ev = narrow(ev, top, ("_table", "data", "relation", "gamma", "alpha"))
    collapsed = int((top["spectral_rank"] < top["k"]).sum())
    lowest = min(tops, key=lambda t: (t["spectral_rank"] / t["k"]).mean())
    m, lo, hi = mean_ci(lowest["spectral_rank"] / lowest["k"])
    where = group_label(tuple(lowest[["_table", "data", "relation"]].iloc[0]))
    measured = (
        f"{collapsed} of {len(top)} runs with rank < k; lowest rank / k "
        f"{fmt_ci(m, lo, hi)} ({where})"
    )
    reason = f"{collapsed} of {len(top)} runs at the largest gamma/alpha have rank < k"
    return Outcome(verdict_of(collapsed > 0), measured, reason, ev, m, (lo, hi), details)
