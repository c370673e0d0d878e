"""C20: the pairwise relation drives downstream quality (dose.csv).

Design. G_p (relation kind ``label_nuisance_mix``) gives every row the same number of partners,
a fraction p of them same-nuisance rows instead of same-label rows; ``g_mix_p`` is that p and
``g_alignment_labels`` the measured fraction of same-label edges. Methods are the five
*variants* VICReg small gamma (lower half of the vicreg gamma grid), VICReg large gamma (upper
half), SimCLR, BarlowTwins and spectral contrastive. Per (data, model, variant) and per p, the
cell is selected per seed on validation accuracy within the variant's own grid
(``accuracy.select_per_seed``; never on the test accuracy), and the verdict reads that cell's
``probe_test_accuracy``.

Judged: per group, ``decreasing(g_mix_p, probe_test_accuracy)`` (Kendall tau one-sided, with
the Theil-Sen slope interval) over every (p, seed) point of converged runs; rule 'all' over the
variants: SUPPORTED when every variant's accuracy falls significantly (intersection-union),
NOT SUPPORTED when some variant's Holm-adjusted p-value says it rises.

Reported, not judged ("which method degrades least"): per variant the drop, accuracy at the
smallest p minus at the largest p, paired on the data seed (both graphs are drawn on one data
draw), mean with its 95% t interval; and the drop of VICReg small gamma minus each other
variant's, paired on the seed. The arXiv abstract predicts VICReg small gamma degrades least.
A paired bound is not judged because the five drops are ranked after the fact: the variant to
compare is chosen by the prediction, but the ordering of the others is descriptive.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .accuracy import _gamma_half, select_per_seed, selection_column, selection_note, trained_only
from .evidence import Evidence, group_keys, select
from .inference import decreasing
from .stats import fmt_ci, group_label, mean_ci
from .verdicts import Outcome, decide

PREDICTED = "vicreg small gamma"  # the arXiv abstract's "degrades least"


def variants(rows: pd.DataFrame) -> list[tuple[str, pd.Series]]:
    """(name, mask) of each method variant present: vicreg split into its gamma halves."""
    out = []
    if (rows["method"] == "vicreg").any():
        out += [("vicreg small gamma", _gamma_half(rows, "small")),
                ("vicreg large gamma", _gamma_half(rows, "large"))]  # fmt: skip
    for method in sorted(set(rows["method"].dropna()) - {"vicreg"}):
        out.append((str(method), rows["method"] == method))
    return out


def group_rows(ev: Evidence, keys: tuple[str, ...]) -> dict[tuple, pd.DataFrame]:
    """Per group: its converged rows (``_use`` True) with its unconverged and failed rows
    (``_use`` False), so that the vicreg gamma halves come from the configured grid even
    where a gamma has no converged run."""
    frames = [f.assign(_use=use) for f, use in ((ev.ok, True), (ev.unconverged, False),
                                                (ev.failed, False)) if not f.empty]  # fmt: skip
    rows = pd.concat(frames, ignore_index=True)
    rows = rows[rows["method"].notna()]
    cols = group_keys(ev.ok, keys)
    return {key if isinstance(key, tuple) else (key,): g.reset_index(drop=True)
            for key, g in rows.groupby(cols, dropna=False)}  # fmt: skip


def selected_by_dose(rows: pd.DataFrame, score: str) -> pd.DataFrame:
    """Per (p, seed) the variant's cell with the highest validation score (its test accuracy
    is what the verdict reads); columns include g_mix_p, seed, probe_test_accuracy, _hp."""
    parts = [select_per_seed(g, score) for _, g in rows.groupby("g_mix_p", sort=True)]
    return pd.concat(parts, ignore_index=True) if parts else rows.iloc[0:0]


def drops(chosen: pd.DataFrame) -> pd.Series:
    """Per seed: accuracy at the smallest p minus at the largest p (seeds that have both)."""
    lo, hi = chosen["g_mix_p"].min(), chosen["g_mix_p"].max()
    a = chosen[chosen["g_mix_p"] == lo].set_index("seed")["probe_test_accuracy"]
    b = chosen[chosen["g_mix_p"] == hi].set_index("seed")["probe_test_accuracy"]
    common = a.index.intersection(b.index)
    return (a.loc[common] - b.loc[common]).astype(float)


def degradation_lines(label: str, drop: dict[str, pd.Series]) -> list[str]:
    """The reported ranking of the drops and VICReg small gamma's paired differences."""
    if not drop:
        return []
    means = {name: float(d.mean()) if len(d) else np.nan for name, d in drop.items()}
    ranked = sorted((n for n in means if np.isfinite(means[n])), key=lambda n: means[n])
    lines = [f"{label}: drop accuracy(p min) - accuracy(p max), paired on seed (reported, not "
             "judged): " + "; ".join(f"{n} {fmt_ci(*mean_ci(drop[n].to_numpy()))} "
                                     f"(n = {len(drop[n])})" for n in ranked)]  # fmt: skip
    if ranked:
        lines.append(f"{label}: degrades least (smallest mean drop): {ranked[0]}; predicted "
                     f"(arXiv abstract): {PREDICTED}")  # fmt: skip
    if PREDICTED in drop:
        for name in ranked:
            if name == PREDICTED:
                continue
            common = drop[PREDICTED].index.intersection(drop[name].index)
            diff = (drop[PREDICTED].loc[common] - drop[name].loc[common]).to_numpy(float)
            if diff.size:
                lines.append(f"{label}: drop of {PREDICTED} - drop of {name}, paired on "
                             f"{diff.size} seeds: {fmt_ci(*mean_ci(diff))}")  # fmt: skip
    return lines


def eval_c20(tables: dict[str, pd.DataFrame], thr: dict[str, float]) -> Outcome:
    ev = trained_only(select(tables, "dose", ["probe_test_accuracy", "g_mix_p"]))
    score = selection_column(ev.ok)
    tests, lines, reported = [], [selection_note(score)], []
    for key, g in group_rows(ev, ("data", "model")).items():
        drop: dict[str, pd.Series] = {}
        for name, mask in variants(g):
            label = f"{group_label(key)} ({name})"
            used = g[mask & g["_use"]]
            if used.empty:  # "every method": one without converged runs blocks SUPPORTED
                tests.append((label, decreasing([], [], thr["alpha"],
                                                name="slope of accuracy on p")))  # fmt: skip
                lines.append(f"{label}: not judged (no converged run: {int(mask.sum())} "
                             "unconverged or failed)")  # fmt: skip
                continue
            chosen = selected_by_dose(used, score)
            doses = np.sort(chosen["g_mix_p"].unique())
            if doses.size < 2:
                lines.append(f"{label}: not judged (a single p)")
                continue
            tests.append((label, decreasing(chosen["g_mix_p"], chosen["probe_test_accuracy"],
                                            thr["alpha"], name="slope of accuracy on p")))
            drop[name] = drops(chosen)
            picked = ", ".join(f"{hp} x{n}" for hp, n in chosen["_hp"].value_counts().items())
            lines.append(f"{label}: p in {', '.join(f'{p:g}' for p in doses)}; selected cells "
                         f"{picked}")  # fmt: skip
        reported += degradation_lines(group_label(key), drop)
    return decide(ev, tests, "all", thr, "decreasing(g_mix_p, probe_test_accuracy) per method "
                  "variant: Kendall tau one-sided with the Theil-Sen slope interval, the "
                  "validation-selected cell of every (p, seed)", [*reported, *lines])  # fmt: skip
