"""Figures of trained solutions against their closed forms: angles during training, singular
values, linear W vs its eigenproblem, and the method / spectral-twin table.
"""

from __future__ import annotations

import matplotlib as mpl
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure

from ..claims import is_reference
from ..closed_form.dispatch import EIGENPROBLEMS
from ..methods import METHODS as REGISTRY
from .layout import (
    drop_legends,
    line_handle,
    need,
    new_figure,
    panel_name,
    shared_legend,
    suptitle,
    whole_decades,
)
from .sources import FIGURE_SOURCES
from .style import (
    ANGLE_FLOOR,
    ESTIMATE,
    SV_FLOOR,
    colours,
    data_palette,
    label,
    method_order,
)

# (method, spectral twin, local / global (the registry's kind), rank of Z*, source): the paper's
# summary figure and the derived closed forms of docs/theory.md; "\n" breaks lines in the cells.
CORRESPONDENCES = (
    ("Method", "Spectral twin\n(free Z; linear Z = XW)", "Local /\nglobal", "Rank of Z*",
     "Source"),
    ("VICReg", "Laplacian Eigenmaps;\n" r"LPP: $X^\top L X w = \mu S w$", REGISTRY["vicreg"].kind,
     r"K for small $\gamma$, fewer as $\gamma$ grows; squared" "\n"
     r"surrogate: $\#\{k \leq K: l_k < \alpha N / (\gamma (N-1))\}$",
     "[paper] mapping,\n[derived] closed form"),
    ("SimCLR / NNCLR", "MDS / ISOMAP\n(every pair of samples enters)", REGISTRY["simclr"].kind,
     r"$\leq$ min(K, components of G)", "[paper]"),
    ("BarlowTwins", "CCA; linear: top-K of\n" r"$(X^\top G X, X^\top D X)$",
     REGISTRY["barlow_twins"].kind,
     r"$\leq$ min(K, components of G)" "\n(free Z, zero loss)",
     "[paper] mapping,\n[derived] closed form"),
    ("Spectral contrastive", "kernel PCA / classical MDS\nwith G as Gram matrix",
     REGISTRY["spectral_contrastive"].kind,
     r"$\leq$ min(K, positive eigenvalues of G)", "[derived]"),
)  # fmt: skip


TRAJECTORIES = tuple(f"{n}_trajectory" for n in FIGURE_SOURCES["angles_vs_step"])


def fig_angles_vs_step(tables: dict[str, pd.DataFrame]) -> Figure:
    """Largest principal angle to the closed form during training, per method: `optimal`
    (surrogates vs their closed forms) and `cliques` (SimCLR's row-normalised Z and BarlowTwins
    vs the component indicators, hinge VICReg vs the surrogate's eigenvectors), one panel per
    (data, relation)."""
    found = [n for n in TRAJECTORIES if n in tables]
    traj = pd.concat([need(tables, n, ["step", "angle_max_deg", "method", "relation"])
                      for n in found or TRAJECTORIES[:1]], ignore_index=True)  # fmt: skip
    traj = traj.assign(angle=traj["angle_max_deg"].clip(lower=ANGLE_FLOOR))
    panels = sorted(traj.groupby(["data", "relation"]).groups)
    fig, axes = new_figure(1, len(panels), (3.6, 3.2), sharey=True)
    hue = method_order(traj["method"])
    for ax, key in zip(axes.flat, panels, strict=True):
        rows = traj[(traj["data"] == key[0]) & (traj["relation"] == key[1])]
        sns.lineplot(rows, x="step", y="angle", hue="method", hue_order=hue,
                     palette=colours(), **ESTIMATE, ax=ax)  # fmt: skip
        ax.set(yscale="log", xlabel="training step", title=panel_name(key),
               ylabel=f"largest principal angle (deg, floor {ANGLE_FLOOR:g})")  # fmt: skip
    drop_legends(axes)
    shared_legend(fig, {label(m): line_handle(colours().get(m, "grey")) for m in hue}, "method")
    suptitle(fig, "Learned Z vs closed form during training (free Z)", tables,
             found or ["optimal_trajectory"])  # fmt: skip
    return fig


def fig_singular_values(tables: dict[str, pd.DataFrame]) -> Figure:
    """Learned relative singular values s_i / s_1 and their error to the closed form."""
    table = need(tables, "optimal", ["method", "relation", "sv_rel_1"])
    sv_cols = sorted((c for c in table if c.startswith("sv_rel_") and c[7:].isdigit()),
                     key=lambda c: int(c[7:]))  # fmt: skip
    long = table.melt(id_vars=["data", "relation", "method", "seed"], value_vars=sv_cols,
                      var_name="i", value_name="sv").dropna(subset=["sv"])  # fmt: skip
    long = long.assign(i=long["i"].str[7:].astype(int), sv=long["sv"].clip(lower=SV_FLOOR))
    has_err = "sv_rel_error" in table and table["sv_rel_error"].notna().any()
    panels = sorted(long.groupby(["data", "relation"]).groups)
    fig, axes = new_figure(2 if has_err else 1, len(panels), (3.6, 3.0))
    hue = method_order(long["method"])
    for j, key in enumerate(panels):
        ax = axes[0, j]
        rows = long[(long["data"] == key[0]) & (long["relation"] == key[1])]
        sns.lineplot(rows, x="i", y="sv", hue="method", hue_order=hue, palette=colours(),
                     **ESTIMATE, marker="o", ax=ax)  # fmt: skip
        ax.set(yscale="log", title=panel_name(key), xlabel="index i",
               ylabel=f"learned s\u1d62 / s\u2081 (floor {SV_FLOOR:g})")  # fmt: skip
        whole_decades(ax, top=1.5)
        ax.xaxis.set_major_locator(mpl.ticker.MaxNLocator(integer=True))
        if has_err:
            ax = axes[1, j]
            err = table[(table["data"] == key[0]) & (table["relation"] == key[1])]
            err = err.dropna(subset=["sv_rel_error"])
            err_order = method_order(err["method"])
            sns.barplot(err, x="method", y="sv_rel_error", hue="method", order=err_order,
                        palette=colours(), **ESTIMATE, ax=ax)  # fmt: skip
            ax.set(yscale="log", xlabel="", ylabel="singular values vs closed form\n"
                   "(relative error)")  # fmt: skip
            whole_decades(ax)
            ax.set_xticks(range(len(err_order)), [label(m) for m in err_order], rotation=30,
                          ha="right")  # fmt: skip
    drop_legends(axes)
    shared_legend(fig, {label(m): line_handle(colours().get(m, "grey"), marker="o") for m in hue},
                  "method")  # fmt: skip
    suptitle(fig, "Singular values of the learned Z (free Z)", tables, ["optimal"])
    return fig


def fig_correspondences(tables: dict[str, pd.DataFrame]) -> Figure:
    """The method / spectral twin table (content: CORRESPONDENCES)."""
    widths = (0.13, 0.24, 0.08, 0.35, 0.16)
    fig = Figure(figsize=(12, 3.8), layout="constrained")
    ax = fig.subplots()
    ax.set_axis_off()
    table = ax.table(cellText=[list(r) for r in CORRESPONDENCES[1:]], bbox=[0, 0, 1, 1],
                     colLabels=list(CORRESPONDENCES[0]), cellLoc="left", colLoc="left",
                     colWidths=list(widths))  # fmt: skip
    table.auto_set_font_size(False)
    table.set_fontsize(9.5)
    for (r, _), cell in table.get_celld().items():
        cell.PAD = 0.03  # fraction of the cell width: equal-looking indents
        cell.set_height(max(c.count("\n") + 1 for c in CORRESPONDENCES[r]))
        if r == 0:
            cell.set_text_props(weight="bold")
            cell.set_facecolor("#e8e8e8")
    ax.set_title("SSL losses and their spectral-embedding twins "
                 "(K: columns of Z; G: relation graph; L: its Laplacian)")  # fmt: skip
    return fig


def fig_linear_angles(tables: dict[str, pd.DataFrame]) -> Figure:
    """Angle between the trained W and its eigenproblem's subspace, per method and data set."""
    table = need(tables, "linear", ["method", "angle_max_deg"])
    table = table[~table["method"].map(is_reference)]
    table = table.assign(angle=table["angle_max_deg"].clip(lower=ANGLE_FLOOR))
    order = method_order(table["method"])
    twins = table.groupby("method")["cf_method"].first() if "cf_method" in table else {}
    ticks = [f"{label(m)}\nvs {EIGENPROBLEMS.get(twins.get(m), twins.get(m, '?'))}" for m in order]
    palette = data_palette(table["data"])
    fig, axes = new_figure(1, 1, (1.6 * len(order) + 1.5, 3.6))
    ax = axes[0, 0]
    sns.pointplot(
        table,
        x="method",
        y="angle",
        hue="data",
        order=order,
        hue_order=list(palette),
        palette=palette,
        markers=["o", "s", "^", "D", "v"][: len(palette)],
        **ESTIMATE,
        dodge=0.3 if len(palette) > 1 else False,
        linestyle="none",
        ax=ax,
    )  # fmt: skip  (seaborn divides by n_hue - 1 when dodging)
    ax.set_xticks(range(len(order)), ticks)
    ax.set(yscale="log", xlabel="", ylabel=f"largest principal angle (deg, floor {ANGLE_FLOOR:g})")
    handles, labels = ax.get_legend_handles_labels()
    ax.get_legend().remove()
    fig.legend(handles, labels, loc="outside right center", title="data")
    suptitle(fig, "Linear Z = XW: trained W vs its eigenproblem subspace", tables, ["linear"])
    return fig
