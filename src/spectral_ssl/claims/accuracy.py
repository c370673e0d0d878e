"""Claims on downstream probe accuracy: C11, C12, C13, C14 (alignment.csv, low_data.csv).

C11 alignment.csv, relations with g_alignment_labels >= 0.9: per (data, relation, model,
    method) the best hyperparameters' mean probe_test_accuracy >= supervised - probe_gap
    (beating the supervised probe counts as reaching it); probe train accuracy is reported.
C12 alignment.csv, relations with g_alignment_labels < 0.9, per (data, relation, model):
    arxiv: mean accuracy of vicreg at the group's smallest gamma > the best simclr and the best
    barlow_twins cell; neurips: the best (method, hyperparameters) cell is barlow_twins or
    vicreg at the smallest gamma. SUPPORTED when the statement holds in every group.
C13 low_data.csv, N' = n_samples < k, per (data, relation, model): arxiv: Spearman
    rho(gamma, probe_test_accuracy) of vicreg > 0; neurips: the best cell is simclr or vicreg
    at the largest gamma. SUPPORTED when it holds in every group.
C14 alignment.csv (the table with a gamma sweep), linear model, vicreg / vicreg_sq at the
    smallest gamma of each (data, relation): |mean accuracy - whitened reference| <= probe_gap.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .evidence import (
    Cond,
    Evidence,
    NoData,
    group_keys,
    hparams_of,
    narrow,
    select,
)
from .stats import (
    NAN,
    diff_ci,
    fmt,
    fmt_ci,
    group_label,
    int_values,
    mean_ci,
    spearman,
)
from .tables import (
    ALIGNED,
    is_reference,
)
from .verdicts import (
    Outcome,
    ok_mark,
    verdict_of,
)

ALIGNED_COND = Cond(
    f"g_alignment_labels >= {ALIGNED}", lambda t: t["g_alignment_labels"] >= ALIGNED
)
MISALIGNED_COND = Cond(
    f"g_alignment_labels < {ALIGNED}", lambda t: t["g_alignment_labels"] < ALIGNED
)


def reference_accuracy(tables: dict[str, pd.DataFrame], name: str, method: str, data: Any) -> float:
    """Mean probe_test_accuracy of a reference row (supervised, whitened) for one data set."""
    table = tables[name]
    if "probe_test_accuracy" not in table:
        return NAN
    mask = (table["method"] == method) & (table["status"] != "failed")
    if "data" in table:
        mask &= table["data"] == data
    return float(table.loc[mask, "probe_test_accuracy"].mean()) if mask.any() else NAN


def trained_only(ev: Evidence) -> Evidence:
    """Drop reference rows (supervised, whitened, twin:*) from the evidence."""
    keep = [f[~f["method"].map(is_reference)] if "method" in f else f for f in (ev.ok, ev.failed)]
    if keep[0].empty:
        raise NoData(f"no data: no trained method in {ev.source}", keep[1])
    return Evidence(keep[0], keep[1], ev.notes, ev.source)


def _cells(group: pd.DataFrame) -> pd.DataFrame:
    """Mean accuracy per (method, hyperparameters) cell, with gamma and the values."""
    slim = pd.DataFrame({
        "method": group["method"], "_hp": hparams_of(group), "acc": group["probe_test_accuracy"],
        "gamma": group["gamma"] if "gamma" in group else NAN,
    })  # fmt: skip
    cells = []
    for (method, hp), g in slim.groupby(["method", "_hp"], dropna=False):
        values = g["acc"].to_numpy(dtype=np.float64)
        cells.append({"method": method, "_hp": hp, "mean": values.mean(),
                      "gamma": g["gamma"].iloc[0], "values": values})  # fmt: skip
    return pd.DataFrame(cells)


def eval_c11(tables: dict[str, pd.DataFrame], thr: dict[str, float]) -> Outcome:
    ev = trained_only(select(tables, "alignment", ["probe_test_accuracy"], cond=ALIGNED_COND))
    details, gaps, worst = [], [], (NAN, NAN, NAN)
    for key, g in ev.ok.groupby(["data", "relation", "model", "method"], dropna=False):
        sup = reference_accuracy(tables, "alignment", "supervised", key[0])
        if np.isnan(sup):
            details.append(f"{group_label(key)}: no supervised reference row for data {key[0]}")
            continue
        cells = _cells(g)
        best = cells.loc[cells["mean"].idxmax()]
        gap = sup - best["mean"]
        m, lo, hi = mean_ci(best["values"])
        if not gaps or gap > max(gaps):
            worst = (gap, sup - hi, sup - lo)
        gaps.append(gap)
        train = mean_ci(g["probe_train_accuracy"]) if "probe_train_accuracy" in g else (NAN,) * 3
        details.append(
            f"{group_label(key)}: best {fmt_ci(m, lo, hi)} ({best['_hp']}) vs supervised "
            f"{fmt(sup)}: gap {fmt(gap)} {ok_mark(gap <= thr['probe_gap'])}; probe train accuracy "
            f"{fmt_ci(*train)} at k = {int_values(g['k'])}"
        )
    if not gaps:
        raise NoData("no data: no supervised reference rows in alignment.csv")
    passed = max(gaps) <= thr["probe_gap"]
    n_in = sum(gp <= thr["probe_gap"] for gp in gaps)
    measured = f"largest gap supervised - best method = {fmt_ci(*worst)}"
    reason = f"{n_in} of {len(gaps)} (data, relation, model, method) groups within the gap"
    return Outcome(verdict_of(passed), measured, reason, ev, worst[0], worst[1:], details)


def _margin_claim(
    ev: Evidence,
    keys: Sequence[str],
    judge: Callable[[pd.DataFrame], tuple[float, tuple[float, float, float], str] | str],
    statement: str,
    measure: str = "margin",
) -> Outcome:
    """Apply ``judge`` per group; SUPPORTED when every judged group has a positive margin.

    ``judge`` returns (margin, (diff, lo, hi), text) or a string saying why it cannot judge.
    """
    details, margins, worst = [], [], (NAN, NAN, NAN)
    for key, g in ev.ok.groupby(group_keys(ev.ok, keys), dropna=False):
        res = judge(g)
        if isinstance(res, str):
            details.append(f"{group_label(key)}: not judged ({res})")
            continue
        margin, ci, text = res
        details.append(f"{group_label(key)}: {text} {ok_mark(margin > 0)}")
        if not margins or margin < min(margins):
            worst = ci
        margins.append(margin)
    if not margins:
        raise NoData(f"no data: no group where '{statement}' can be evaluated")
    n_hold = sum(m > 0 for m in margins)
    measured = f"smallest {measure} {fmt_ci(*worst)} (holds in {n_hold} of {len(margins)} groups)"
    reason = f"'{statement}' holds in {n_hold} of {len(margins)} groups"
    return Outcome(verdict_of(n_hold == len(margins)), measured, reason, ev, worst[0], worst[1:],
                   details)  # fmt: skip


def _best_cell_in(cells: pd.DataFrame, winners: pd.Series, name: str) -> tuple | str:
    """Margin of the best ``winners`` cell over the best other cell."""
    if not winners.any():
        return f"no {name} cell"
    if winners.all():
        return "no other method to compare with"
    a = cells[winners].loc[cells[winners]["mean"].idxmax()]
    b = cells[~winners].loc[cells[~winners]["mean"].idxmax()]
    d = diff_ci(a["values"], b["values"])
    text = (
        f"best {a['method']} ({a['_hp']}) {fmt(a['mean'])} vs best other {b['method']} "
        f"({b['_hp']}) {fmt(b['mean'])}: margin {fmt_ci(*d)}"
    )
    return d[0], d, text


def _vicreg_at(cells: pd.DataFrame, which: str) -> pd.Series:
    vic = cells["method"] == "vicreg"
    if not vic.any():
        return vic
    gammas = cells.loc[vic, "gamma"]
    target = gammas.min() if which == "min" else gammas.max()
    return vic & (cells["gamma"] == target)


def eval_c12_arxiv(tables: dict[str, pd.DataFrame], thr: dict[str, float]) -> Outcome:
    ev = trained_only(select(tables, "alignment", ["probe_test_accuracy"], cond=MISALIGNED_COND))

    def judge(g: pd.DataFrame) -> tuple | str:
        cells = _cells(g)
        small = _vicreg_at(cells, "min")
        rivals = cells[cells["method"].isin(["simclr", "barlow_twins"])]
        if not small.any() or rivals["method"].nunique() < 2:
            return "needs vicreg, simclr and barlow_twins"
        a = cells[small].iloc[0]
        b = rivals.loc[rivals["mean"].idxmax()]
        d = diff_ci(a["values"], b["values"])
        text = (
            f"vicreg gamma = {fmt(a['gamma'])} {fmt(a['mean'])} vs best of simclr / barlow_twins "
            f"({b['method']}, {b['_hp']}) {fmt(b['mean'])}: margin {fmt_ci(*d)}"
        )
        return d[0], d, text

    return _margin_claim(ev, ("data", "relation", "model"), judge,
                         "VICReg (small gamma) beats SimCLR and BarlowTwins")  # fmt: skip


def eval_c12_neurips(tables: dict[str, pd.DataFrame], thr: dict[str, float]) -> Outcome:
    ev = trained_only(select(tables, "alignment", ["probe_test_accuracy"], cond=MISALIGNED_COND))

    def judge(g: pd.DataFrame) -> tuple | str:
        cells = _cells(g)
        winners = (cells["method"] == "barlow_twins") | _vicreg_at(cells, "min")
        return _best_cell_in(cells, winners, "barlow_twins or small-gamma vicreg")

    return _margin_claim(ev, ("data", "relation", "model"), judge,
                         "BarlowTwins or VICReg (small gamma) beat the rest")  # fmt: skip


LOW_DATA_COND = Cond("n_samples < k", lambda t: t["n_samples"] < t["k"])


def eval_c13_arxiv(tables: dict[str, pd.DataFrame], thr: dict[str, float]) -> Outcome:
    ev = select(
        tables, "low_data", ["probe_test_accuracy", "gamma"], cond=LOW_DATA_COND, method="vicreg"
    )

    def judge(g: pd.DataFrame) -> tuple | str:
        if g["gamma"].nunique() < 2:
            return "a single gamma"
        rho, p = spearman(g["gamma"], g["probe_test_accuracy"])
        return rho, (rho, NAN, NAN), f"Spearman rho(gamma, accuracy) = {fmt(rho)} (p = {fmt(p)})"

    return _margin_claim(ev, ("data", "n_samples", "relation", "model"), judge,
                         "VICReg accuracy increases with gamma", "Spearman rho")  # fmt: skip


def eval_c13_neurips(tables: dict[str, pd.DataFrame], thr: dict[str, float]) -> Outcome:
    ev = trained_only(select(tables, "low_data", ["probe_test_accuracy"], cond=LOW_DATA_COND))

    def judge(g: pd.DataFrame) -> tuple | str:
        cells = _cells(g)
        winners = (cells["method"] == "simclr") | _vicreg_at(cells, "max")
        return _best_cell_in(cells, winners, "simclr or large-gamma vicreg")

    return _margin_claim(ev, ("data", "n_samples", "relation", "model"), judge,
                         "SimCLR or VICReg (large gamma) are best")  # fmt: skip


def eval_c14(tables: dict[str, pd.DataFrame], thr: dict[str, float]) -> Outcome:
    ev = select(
        tables, "alignment", ["probe_test_accuracy", "gamma"],
        method=["vicreg", "vicreg_sq"], model="linear",
    )  # fmt: skip
    details, diffs, worst, used = [], [], (NAN, NAN, NAN), []
    for key, g in ev.ok.groupby(["data", "relation", "method"], dropna=False):
        white = reference_accuracy(tables, "alignment", "whitened", key[0])
        if np.isnan(white):
            details.append(f"{group_label(key)}: no whitened reference row in alignment.csv")
            continue
        small = g[g["gamma"] == g["gamma"].min()]
        used.append(small)
        m, lo, hi = mean_ci(small["probe_test_accuracy"])
        diff = m - white
        if not diffs or abs(diff) > max(abs(d) for d in diffs):
            worst = (diff, lo - white, hi - white)
        diffs.append(diff)
        details.append(
            f"{group_label(key)}: gamma = {fmt(small['gamma'].iloc[0])}: {fmt_ci(m, lo, hi)} vs "
            f"whitened {fmt(white)}: difference {fmt(diff)} "
            f"{ok_mark(abs(diff) <= thr['probe_gap'])}"
        )
    if not diffs:
        raise NoData("no data: no whitened reference rows for the linear vicreg runs")
    ev = narrow(ev, pd.concat(used), ("data", "relation", "method", "gamma"))
    n_in = sum(abs(d) <= thr["probe_gap"] for d in diffs)
    measured = f"largest |accuracy - whitened| = {fmt(abs(worst[0]))} (difference {fmt_ci(*worst)})"
    reason = f"{n_in} of {len(diffs)} groups within the probe gap"
    return Outcome(verdict_of(n_in == len(diffs)), measured, reason, ev, worst[0], worst[1:],
                   details)  # fmt: skip
