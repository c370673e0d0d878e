"""Figures of hyperparameter and data-size sweeps: rank and probe accuracy vs gamma, low data."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ..claims import NoData, is_reference
from ..claims.accuracy import selection_column
from .layout import (
    Skip,
    drop_legends,
    line_handle,
    need,
    new_figure,
    panel_name,
    shared_legend,
    suptitle,
)
from .sources import FIGURE_SOURCES
from .style import (
    ESTIMATE,
    GREEK,
    colours,
    label,
    method_order,
)


def _reference_lines(
    ax: Axes, rows: pd.DataFrame, y: str, group: str, base: Any, name: str, handles: dict
) -> None:
    """Horizontal lines: mean of ``y`` per value of ``group`` in shades of ``base``."""
    values = sorted(rows[group].dropna().unique())
    shades = sns.dark_palette(base, len(values) + 2)[2:] if len(values) > 1 else [base]
    for value, colour in zip(values, shades, strict=True):
        mean = rows.loc[rows[group] == value, y].mean()
        ax.axhline(mean, color=colour, linewidth=1.3)
        handles[f"{name} ({GREEK.get(group, group)} = {value:g})"] = line_handle(colour)


RANK_LABELS = {
    "numerical_rank": "numerical rank of Z\n(s_i / s_1 > 1e-3)",
    "spectral_rank": "rank of Z\n(s_i / s_1 > claims.rank_rtol)",
}


def fig_rank_vs_gamma(tables: dict[str, pd.DataFrame]) -> Figure:
    """VICReg effective / claims / numerical rank vs gamma; SimCLR and BarlowTwins as lines."""
    table = need(tables, "rank", ["method", "relation", "effective_rank", "k"])
    vic = table[table["method"].isin(["vicreg", "vicreg_sq"])].dropna(subset=["gamma"])
    if vic.empty:
        raise Skip("rank.csv has no vicreg gamma sweep")
    metrics = [m for m in ("effective_rank", "spectral_rank", "numerical_rank") if m in table]
    panels = sorted(vic.groupby(["data", "relation"]).groups)
    fig, axes = new_figure(len(panels), len(metrics), (4.0, 3.3))
    handles: dict[str, Any] = {}
    for i, key in enumerate(panels):
        rows = table[(table["data"] == key[0]) & (table["relation"] == key[1])]
        k = rows["k"].max()
        comps = rows["g_n_components"].max() if "g_n_components" in rows else np.nan
        for j, metric in enumerate(metrics):
            ax = axes[i, j]
            sub = vic[(vic["data"] == key[0]) & (vic["relation"] == key[1])]
            hue = method_order(sub["method"])
            sns.lineplot(sub, x="gamma", y=metric, hue="method", hue_order=hue, marker="o",
                         palette=colours(), **ESTIMATE, ax=ax)  # fmt: skip
            handles.update({label(m): line_handle(colours()[m], marker="o") for m in hue})
            for method, group in (("simclr", "tau"), ("barlow_twins", "alpha")):
                ref = rows[rows["method"] == method]
                if not ref.empty and group in ref:
                    _reference_lines(ax, ref, metric, group, colours()[method], label(method),
                                     handles)  # fmt: skip
            ax.axhline(k, color="grey", linestyle=":", linewidth=1.2)
            handles["K (columns of Z)"] = line_handle("grey", ":")
            top = 1.1 * max(k, np.nanmax(rows[metric]))
            title = panel_name(key) + (f" (G: {comps:g} components)" if np.isfinite(comps) else "")
            if np.isfinite(comps) and comps <= top:
                ax.axhline(comps, color="black", linestyle="--", linewidth=1.2)
                handles["components of G"] = line_handle("black", "--")
            elif np.isfinite(comps):
                title += "\ncomponents off scale"
            ax.set(
                xscale="log",
                ylim=(0, top),
                title=title,
                xlabel="VICReg \u03b3 (log scale)",
                ylabel=RANK_LABELS.get(metric, metric.replace("_", " ") + " of Z"),
            )
    drop_legends(axes)
    shared_legend(fig, handles)
    suptitle(fig, "Rank of the learned Z vs the invariance weight \u03b3 (free Z)", tables,
             ["rank"])  # fmt: skip
    return fig


def fig_accuracy_vs_gamma(tables: dict[str, pd.DataFrame]) -> Figure:
    """Probe accuracy vs gamma; aligned vs misaligned relations; other methods as lines."""
    sources = FIGURE_SOURCES["accuracy_vs_gamma"]
    names = [n for n in sources if n in tables] or list(sources[1:2])
    table = pd.concat([need(tables, n, ["method", "probe_test_accuracy"]) for n in names],
                      ignore_index=True)  # fmt: skip
    vic = table[(table["method"] == "vicreg")].dropna(subset=["gamma"])
    if vic.empty:
        raise Skip("alignment.csv has no vicreg gamma sweep")
    align = vic.groupby("relation")["g_alignment_labels"].max() if "g_alignment_labels" in vic \
        else pd.Series(np.nan, index=vic["relation"].unique())  # fmt: skip
    relations = sorted(align.index, key=lambda r: (-np.nan_to_num(align[r], nan=-1), r))
    rows_keys = sorted(vic.groupby(["data", "model"]).groups)
    fig, axes = new_figure(len(rows_keys), len(relations), (3.6, 2.9), sharex=True)
    handles: dict[str, Any] = {}
    for i, (data, model) in enumerate(rows_keys):
        for j, relation in enumerate(relations):
            ax = axes[i, j]
            sub = vic[
                (vic["data"] == data) & (vic["model"] == model) & (vic["relation"] == relation)
            ]
            if not sub.empty:
                sns.lineplot(sub, x="gamma", y="probe_test_accuracy", color=colours()["vicreg"],
                             marker="o", **ESTIMATE, ax=ax)  # fmt: skip
                handles["VICReg"] = line_handle(colours()["vicreg"], marker="o")
            _accuracy_references(ax, table, data, model, relation, handles)
            a = align.get(relation, np.nan)
            ax.set_ylim(-0.02, 1.02)  # an accuracy: a t band past [0, 1] says nothing more
            ax.set(xscale="log", xlabel="VICReg \u03b3 (log scale)", ylabel="probe test accuracy",
                   title=f"{data} \u00b7 {model} \u00b7 {relation}\nlabel alignment of G: "
                   + (f"{a:.2f}" if np.isfinite(a) else "n/a"))  # fmt: skip
    drop_legends(axes)
    shared_legend(fig, handles)
    suptitle(fig, "Linear-probe accuracy vs \u03b3: aligned vs misaligned G", tables,
             names)  # fmt: skip
    return fig


def _accuracy_references(
    ax: Axes, table: pd.DataFrame, data: Any, model: Any, relation: Any, handles: dict
) -> None:
    """Other methods (same model), twins (same relation), supervised and whitened probes."""
    same = table[table["data"] == data]
    styles = {"supervised": "--", "whitened": ":"}
    for method in sorted(same["method"].dropna().unique()):
        rows = same[same["method"] == method]
        if method == "vicreg":
            continue
        if not is_reference(method):
            rows = rows[(rows["model"] == model) & (rows["relation"] == relation)]
            if "hparams" in rows and len(rows):  # best hyperparameters, as the claims select
                try:  # on validation (else probe train) accuracy, never on the test accuracy
                    column = selection_column(rows)
                except NoData:
                    continue
                hp = rows["hparams"].fillna("default")
                rows = rows[hp == rows.groupby(hp)[column].mean().idxmax()]
        elif method.startswith("twin:"):
            rows = rows[rows["relation"] == relation]
        if rows.empty:
            continue
        colour = colours().get(method, "grey")
        style = styles.get(method, "-." if method.startswith("twin:") else "-")
        ax.axhline(rows["probe_test_accuracy"].mean(), color=colour, linestyle=style, lw=1.3)
        handles[label(method)] = line_handle(colour, style)


def fig_low_data(tables: dict[str, pd.DataFrame]) -> Figure:
    """VICReg accuracy vs gamma for each N' (hue); SimCLR, BarlowTwins and VICReg vs N' beside."""
    table = need(tables, "low_data", ["method", "probe_test_accuracy", "n_samples", "k"])
    vic = table[table["method"] == "vicreg"].dropna(subset=["gamma"])
    if vic.empty:
        raise Skip("low_data.csv has no vicreg gamma sweep")
    datasets = sorted(table["dataset"].dropna().unique()) if "dataset" in table else [None]
    fig, axes = new_figure(len(datasets), 2, (4.2, 3.4), sharey="row")
    k = int(table["k"].max())
    sizes = sorted(vic["n_samples"].unique())
    names = {n: f"{n:g}" + (" (< K)" if n < k else "") for n in sizes}
    palette = dict(zip(names.values(), sns.color_palette("viridis", len(sizes)), strict=True))
    for i, dataset in enumerate(datasets):
        rows = table if dataset is None else table[table["dataset"] == dataset]
        sub = vic.loc[vic.index.intersection(rows.index)]
        ax = axes[i, 0]
        sns.lineplot(sub.assign(N=sub["n_samples"].map(names)), x="gamma",
                     y="probe_test_accuracy", hue="N", hue_order=list(names.values()),
                     palette=palette, marker="o", **ESTIMATE, ax=ax)  # fmt: skip
        ax.set_ylim(-0.02, 1.02)  # shared with the N' panel (sharey="row")
        ax.set(xscale="log", xlabel="VICReg \u03b3 (log scale)", ylabel="probe test accuracy",
               title="VICReg" + (f" ({dataset})" if dataset else ""))  # fmt: skip
        ax.legend(title=f"N' source samples (K = {k})", fontsize="small", loc="best")
        _low_data_by_size(axes[i, 1], rows, sub, k)
    suptitle(fig, "Few source samples N' (aligned G)", tables, ["low_data"])
    return fig


def _low_data_by_size(ax: Axes, rows: pd.DataFrame, vic: pd.DataFrame, k: int) -> None:
    """Accuracy vs N' for SimCLR, BarlowTwins and VICReg at its smallest and largest gamma."""
    gammas = (vic["gamma"].min(), vic["gamma"].max())
    curves = [(rows[rows["method"] == m], label(m), colours()[m], "-")
              for m in ("simclr", "barlow_twins")]  # fmt: skip
    curves += [(vic[vic["gamma"] == g], f"VICReg (\u03b3 = {g:g})", colours()["vicreg"], style)
               for g, style in zip(gammas, (":", "--"), strict=True)]  # fmt: skip
    handles = {}
    for rows_m, name, colour, style in curves:
        if rows_m.empty:
            continue
        sns.lineplot(rows_m, x="n_samples", y="probe_test_accuracy", color=colour, marker="o",
                     linestyle=style, **ESTIMATE, ax=ax)  # fmt: skip
        handles[name] = line_handle(colour, style, "o")
    ax.axvline(k, color="grey", linestyle=":", linewidth=1.2)
    ax.set(xscale="log", xlabel="N' source samples (log scale; grey: K)",
           ylabel="probe test accuracy", title="Methods vs N'")  # fmt: skip
    ax.legend(list(handles.values()), list(handles), fontsize="small", loc="best")
