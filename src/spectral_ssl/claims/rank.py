"""Claims on the rank of trained embeddings: C4, C5, C16 (rank.csv, optimal.csv).

The rank is ``spectral_rank`` (s_i / s_1 > claims.rank_rtol, see ``tables.with_spectral_rank``)
of the centred Z.

C4  rank.csv, vicreg and vicreg_sq, per (data, relation, model, method): two tests, rule 'all'
    with Holm over every test: ``inference.decreasing(gamma, effective_rank)`` (Kendall tau,
    one-sided, Theil-Sen slope interval, the runs of every gamma and seed pooled), and the
    exact rule rank == k at the smallest gamma (``all_below(k - rank, 0.5)``).
C5  optimal.csv and rank.csv, free model, simclr and barlow_twins. Judged only where the bound
    is derived: G a union of cliques (relation kind ``view_pairs``, ``g_kind``, or the exact
    certificate from the stored statistics: regular of degree d with n_nodes = components x
    (d + 1)) and k > components c. Exact rule per (table, data, relation, method, hparams):
    SimCLR centred rank <= c - 1; BarlowTwins uncentred rank <= c, read from the centred
    spectrum the tables store (centred rank <= c - 1 implies it, > c refutes it, = c cannot
    decide: the group is INCONCLUSIVE). The other cells are reported, not judged; without a
    derived cell the claim is INCONCLUSIVE.
C16 rank.csv and optimal.csv, hinge vicreg, free model, the largest gamma/alpha of each
    (table, data, relation). A run collapses when its rank is below min(k, the surrogate's
    predicted rank ``cf_predicted_rank``) AND its loss ``final_loss`` is below the hinge loss
    of the diagonal solution ``loss_at_diagonal`` (docs/theory.md 3.2); a rank equal to the
    surrogate's truncation is not collapse. ``inference.some_true`` per group, rule 'any'.
    Without those columns: INCONCLUSIVE (never SUPPORTED by rank < k alone).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .evidence import (
    NoData,
    _flag,
    concat_frames,
    group_keys,
    narrow,
    select,
    select_any,
)
from .inference import Test, all_below, decreasing, some_true
from .stats import (
    fmt,
    fmt_ci,
    group_label,
    int_values,
    mean_ci,
)
from .verdicts import (
    Outcome,
    decide,
)


def eval_c4(tables: dict[str, pd.DataFrame], thr: dict[str, float]) -> Outcome:
    ev = select(tables, "rank", ["gamma", "effective_rank", "spectral_rank", "k"],
                method=["vicreg", "vicreg_sq"])  # fmt: skip
    tests, lines = [], []
    keys = group_keys(ev.ok, ("data", "relation", "model", "method"))
    for key, g in ev.ok.groupby(keys, dropna=False):
        label = group_label(key)
        if g["gamma"].nunique() < 2:
            lines.append(f"{label}: a single gamma, no trend to measure")
            continue
        small = g[g["gamma"] == g["gamma"].min()]
        tests.append((label, decreasing(g["gamma"], g["effective_rank"], thr["alpha"],
                                        name="slope of effective rank on gamma")))  # fmt: skip
        tests.append((f"{label} (smallest gamma {fmt(small['gamma'].iloc[0])})",
                      all_below(small["k"] - small["spectral_rank"], 0.5, thr["alpha"],
                                name="max (k - rank)")))  # fmt: skip
        large = g[g["gamma"] == g["gamma"].max()]
        lines.append(
            f"{label}: effective rank {fmt_ci(*mean_ci(small['effective_rank']))} at gamma = "
            f"{fmt(small['gamma'].iloc[0])}, {fmt_ci(*mean_ci(large['effective_rank']))} at "
            f"gamma = {fmt(large['gamma'].iloc[0])}; rank at the smallest gamma "
            f"{int_values(small['spectral_rank'])} vs k = {int_values(small['k'])}"
        )
    if not tests:
        raise NoData("no data: rank.csv has no vicreg gamma sweep (a single gamma per group)")
    return decide(ev, tests, "all", thr, "decreasing(gamma, effective rank): Kendall tau "
                  "one-sided with the Theil-Sen slope interval, and the exact rule rank == k at "
                  "the smallest gamma", lines)  # fmt: skip


def _cliques(rows: pd.DataFrame) -> pd.Series:
    """Whether each row's G is a union of cliques: the relation statistic ``union_of_cliques``
    (every component complete, ``relations.is_union_of_cliques``), the relation kind
    ``view_pairs``, or the older certificate (regular of degree d, n_nodes = components (d+1))."""
    out = pd.Series(False, index=rows.index)
    if "g_union_of_cliques" in rows:
        out |= rows["g_union_of_cliques"].map(_flag).astype("boolean").fillna(False).astype(bool)
    if "g_kind" in rows:
        out |= rows["g_kind"].astype(str) == "view_pairs"
    need = {"g_degree_min", "g_degree_max", "g_n_nodes", "g_n_components"}
    if need <= set(rows.columns):
        d = rows["g_degree_max"]
        regular = (rows["g_degree_min"] == d) & (d > 0)
        out |= (regular & (rows["g_n_nodes"] == rows["g_n_components"] * (d + 1))).fillna(False)
    return out.astype(bool)


def derived_clique_cells(rows: pd.DataFrame) -> pd.Series:
    """Rows on a union of c cliques with k > c: where C5's (and C2's) bound is derived."""
    return _cliques(rows) & (rows["k"] > rows["g_n_components"])


C5_TABLES = ("optimal", "rank", "cliques")
C5_KEYS = ["_table", "data", "relation", "method", "hparams"]


def _barlow_test(g: pd.DataFrame, thr: dict[str, float]) -> Test:
    """Uncentred rank <= c: exact from ``uncentred_spectral_rank`` where every run stores it,
    else from the centred rank (<= c - 1 implies it, > c refutes it, = c cannot decide)."""
    name = "max (uncentred rank - c)"
    if "uncentred_spectral_rank" in g and g["uncentred_spectral_rank"].notna().all():
        return all_below(g["uncentred_spectral_rank"] - g["c"], 0.5, thr["alpha"], name=name)
    worst = float((g["spectral_rank"] - (g["c"] - 1)).max())
    p_for, p_against, detail = (
        (1.0, 0.0, "a centred rank above c: uncentred rank > c") if worst > 1.5
        else (0.0, 1.0, "centred rank <= c - 1 in every run: uncentred rank <= c")
        if worst < 0.5
        else (np.nan, np.nan, "a centred rank of exactly c: the uncentred rank is c or "
              "c + 1, undecidable from the stored centred spectrum")
    )  # fmt: skip
    return Test("max (centred rank - (c - 1))", worst, -np.inf, worst, p_for, p_against, len(g),
                thr["alpha"], detail)  # fmt: skip


def eval_c5(tables: dict[str, pd.DataFrame], thr: dict[str, float]) -> Outcome:
    ev = select_any(
        tables, C5_TABLES, ["spectral_rank", "k", "g_n_components"],
        method=["simclr", "barlow_twins", "vicreg", "vicreg_sq"], model="free",
    )  # fmt: skip
    ok = ev.ok.copy().assign(c=ev.ok["g_n_components"], clique=_cliques(ev.ok))
    derived = derived_clique_cells(ok)
    bounded = ok["method"].isin(["simclr", "barlow_twins"])
    lines, tests = [], []
    for key, g in ok[~derived & bounded].groupby(C5_KEYS, dropna=False):
        why = "not a union of cliques" if not g["clique"].all() else "k <= components"
        lines.append(
            f"(measurement, not judged: {why}) {group_label(key)}: centred rank "
            f"{fmt_ci(*mean_ci(g['spectral_rank']))}, k = {int_values(g['k'])}, components = "
            f"{int_values(g['c'])}"
        )
    for key, g in ok[derived & bounded].groupby(C5_KEYS, dropna=False):
        if key[3] == "simclr":
            test = all_below(g["spectral_rank"] - (g["c"] - 1), 0.5, thr["alpha"],
                             name="max (centred rank - (c - 1))")  # fmt: skip
        else:
            test = _barlow_test(g, thr)
        tests.append((group_label(key), test))
    # the contrast: VICReg (hinge, squared) at its smallest gamma on the same derived G keeps k
    gammas = ok["gamma"] if "gamma" in ok else pd.Series(np.nan, index=ok.index)
    contrast = ok[derived & ~bounded & gammas.notna()]
    used = [ok[derived & bounded]]
    # the smallest gamma of the grid, over every run (an unconverged run is not read, but its
    # gamma still names the cell the contrast is about: never judge a larger gamma instead)
    group = ["_table", "data", "relation", "method"]
    every = concat_frames([ok, ev.unconverged])
    smallest = (every.dropna(subset=["gamma"]).groupby(group, dropna=False)["gamma"].min()
                if "gamma" in every else pd.Series(dtype=float))  # fmt: skip
    for key, g in contrast.groupby(group, dropna=False):
        gmin = float(smallest.get(key, g["gamma"].min()))
        small = g[g["gamma"] == gmin]
        used.append(small)
        label = f"{group_label(key)} (contrast, smallest gamma {fmt(gmin)})"
        tests.append((label, all_below(small["k"] - small["spectral_rank"], 0.5, thr["alpha"],
                                       name="max (k - rank)")))  # fmt: skip
        if small.empty:
            lines.append(f"{label}: no converged run at that gamma, not judged")
            continue
        lines.append(f"{group_label(key)} (contrast): rank {int_values(small['spectral_rank'])} "
                     f"at gamma = {fmt(gmin)}, k = {int_values(small['k'])}, "
                     f"components = {int_values(small['c'])}")  # fmt: skip
    if not (derived & bounded).any():
        raise NoData(
            "no cell where the bound is derived: C5 is judged on unions of cliques with "
            "k > components, and none of the "
            f"{int(bounded.sum())} simclr / barlow_twins runs is on one (experiment `cliques`)"
        )
    ev = narrow(ev, pd.concat(used), C5_KEYS)
    return decide(ev, tests, "all", thr, "exact rule (all_below) on every converged run of the "
                  "derived cells (a union of c cliques, k > c): SimCLR centred rank <= c - 1, "
                  "BarlowTwins uncentred rank <= c; contrast: VICReg and its surrogate at the "
                  "smallest gamma on the same G keep rank k", lines)  # fmt: skip


def eval_c16(tables: dict[str, pd.DataFrame], thr: dict[str, float]) -> Outcome:
    ev = select_any(
        tables, ("rank", "optimal", "cliques"), ["spectral_rank", "k", "gamma", "alpha"],
        method="vicreg", model="free",
    )  # fmt: skip
    ok = ev.ok.assign(ratio=ev.ok["gamma"] / ev.ok["alpha"])
    if "surrogate_predicted_rank" in ok:  # every free hinge run stores it (spectral_ssl.diagonal)
        cf = ok["cf_predicted_rank"] if "cf_predicted_rank" in ok else np.nan
        ok["cf_predicted_rank"] = ok["surrogate_predicted_rank"].fillna(cf)
    tops, lines = [], []
    for key, g in ok.groupby(["_table", "data", "relation"], dropna=False):
        top = g[g["ratio"] == g["ratio"].max()]
        tops.append((key, top))
        below_k = int((top["spectral_rank"] < top["k"]).sum())
        line = (
            f"{group_label(key)}: gamma/alpha = {fmt(top['ratio'].iloc[0])}: rank "
            f"{fmt_ci(*mean_ci(top['spectral_rank']))}, k = {int_values(top['k'])}; "
            f"{below_k} of {len(top)} runs below k"
        )
        if "cf_predicted_rank" in top and top["cf_predicted_rank"].notna().any():
            line += f"; surrogate's predicted rank {int_values(top['cf_predicted_rank'])}"
        if "g_n_components" in top and top["g_n_components"].notna().all():
            line += f"; components of G {int_values(top['g_n_components'])}"
        lines.append(line)
    top_rows = pd.concat([t for _, t in tops])
    ev = narrow(ev, top_rows, ("_table", "data", "relation", "gamma", "alpha"))
    needed = ("cf_predicted_rank", "final_loss", "loss_at_diagonal")
    tests, missing = [], set()
    for key, top in tops:
        lacking = [c for c in needed if c not in top or top[c].isna().all()]
        if lacking:
            missing.update(lacking)
            lines.append(f"{group_label(key)}: not judged (lacks {', '.join(lacking)})")
            continue
        bound = np.minimum(top["k"], top["cf_predicted_rank"])
        collapsed = (top["spectral_rank"] < bound) & (top["final_loss"] < top["loss_at_diagonal"])
        tests.append((group_label(key), some_true(collapsed.astype(float), thr["alpha"],
                                                 name="collapsing runs")))  # fmt: skip
    if not tests:
        exc = NoData(
            "the collapse criterion needs the column(s) " + ", ".join(sorted(missing))
            + " (rank below min(k, the surrogate's predicted rank) and loss below the hinge "
            "diagonal solution's); rank < k alone is the surrogate's own truncation, not collapse",
            ev.failed, ev.unconverged,
        )
        exc.evidence = ev
        exc.details = lines
        raise exc
    return decide(ev, tests, "any", thr, "some_true per group: rank < min(k, surrogate's "
                  "predicted rank) and final_loss < loss_at_diagonal, in a converged run",
                  lines)  # fmt: skip
