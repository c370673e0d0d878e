"""Figure of the dose-response experiment (C20): probe accuracy vs the measured alignment of G_p.

One panel per (data, model); one line per method variant (VICReg small / large gamma, SimCLR,
BarlowTwins, spectral contrastive) through its points at p = 0 .. 1: x = mean measured
``g_alignment_labels`` over the data seeds, y = mean ``probe_test_accuracy`` of the cell
selected per (p, seed) on validation accuracy exactly as the claim selects it
(``claims.dose.selected_by_dose``), with its 95% t interval over seeds. The dashed line of the
same colour is the closed-form twin of those selected cells (``ref_twin_test_accuracy``).
Unconverged runs are left out, as in the claim.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure

from ..claims.accuracy import selection_column
from ..claims.dose import selected_by_dose, variants
from ..claims.evidence import NoData, converged_flags
from .layout import Skip, line_handle, need, new_figure, panel_name, shared_legend, suptitle
from .style import colours, label, t_interval

VARIANT_COLOURS = {"vicreg small gamma": "vicreg", "vicreg large gamma": "vicreg_sq"}


def variant_label(name: str) -> str:
    """'vicreg small gamma' -> 'VICReg small \u03b3', else the method's label."""
    if name.startswith("vicreg "):
        return f"{label('vicreg')} {name.split()[1]} \u03b3"
    return label(name)


def dose_points(chosen: pd.DataFrame) -> pd.DataFrame:
    """Per p: mean alignment, mean accuracy with its 95% t interval, mean twin accuracy."""
    rows = []
    for p, g in chosen.groupby("g_mix_p", sort=True):
        acc = g["probe_test_accuracy"].to_numpy(float)
        low, high = t_interval(acc) if acc.size > 1 else (np.nan, np.nan)
        twin = g["ref_twin_test_accuracy"] if "ref_twin_test_accuracy" in g else pd.Series([])
        rows.append({"p": p, "alignment": g["g_alignment_labels"].mean(), "acc": acc.mean(),
                     "low": low, "high": high, "twin": twin.mean() if twin.notna().any()
                     else np.nan, "n": acc.size})  # fmt: skip
    return pd.DataFrame(rows)


def fig_accuracy_vs_alignment(tables: dict[str, pd.DataFrame]) -> Figure:
    """Probe accuracy vs measured label alignment of G_p, per method variant (C20)."""
    table = need(tables, "dose", ["method", "probe_test_accuracy", "g_mix_p",
                                  "g_alignment_labels"])  # fmt: skip
    table = table[~table["method"].astype(str).str.startswith(("twin:", "supervised",
                                                               "whitened"))]  # fmt: skip
    if table.empty:
        raise Skip("dose.csv has no trained runs")
    try:
        score = selection_column(table)
    except NoData as exc:
        raise Skip(str(exc)) from None
    keys = [k for k in ("data", "model") if k in table]
    panels = sorted(table.groupby(keys).groups) if keys else [()]
    fig, axes = new_figure(1, len(panels), (4.4, 3.6), sharey=True)
    handles: dict[str, Any] = {}
    for j, key in enumerate(panels):
        ax = axes[0, j]
        rows = table
        for col, value in zip(keys, key if isinstance(key, tuple) else (key,), strict=True):
            rows = rows[rows[col] == value]
        rows = rows.reset_index(drop=True)
        converged = converged_flags(rows).fillna(True).to_numpy(bool)
        for name, mask in variants(rows):
            used = rows[mask.to_numpy(bool) & converged]
            if used.empty:
                continue
            pts = dose_points(selected_by_dose(used, score))
            colour = colours().get(VARIANT_COLOURS.get(name, name), "grey")
            ax.errorbar(pts["alignment"], pts["acc"], color=colour, marker="o", ms=4, capsize=2,
                        yerr=[pts["acc"] - pts["low"], pts["high"] - pts["acc"]])  # fmt: skip
            handles[variant_label(name)] = line_handle(colour, marker="o")
            if pts["twin"].notna().any():
                ax.plot(pts["alignment"], pts["twin"], color=colour, linestyle="--", lw=1.2)
                handles[f"{variant_label(name)}: closed-form twin"] = line_handle(colour, "--")
        ax.set_ylim(-0.02, 1.02)  # an accuracy: a t band past [0, 1] says nothing more
        ax.set(xlabel="measured label alignment of G_p\n(fraction of same-label edges)",
               ylabel="probe test accuracy", title=panel_name(key) if key else "")  # fmt: skip
        ax.invert_xaxis()  # p grows to the right: alignment falls from 1 towards 1 / classes
        sns.despine(ax=ax)
    shared_legend(fig, handles)
    suptitle(fig, "Linear-probe accuracy vs the alignment of G_p (a fraction p of label edges "
             "swapped for nuisance edges)", tables, ["dose"])  # fmt: skip
    return fig
