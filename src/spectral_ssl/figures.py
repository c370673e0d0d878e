"""Figures of the reproduction from the metric tables (docs/pipeline.md), PNG + PDF each.

``main_figures(metrics_dir, out_dir)`` draws every figure whose table exists and returns the
written paths; a figure whose data is missing is skipped with a logged reason (no placeholder).
Every figure uses ``set_style()`` (seaborn "colorblind" palette, one colour per method across
figures); curves are means over seeds with a 95% t-based interval (seaborn ``errorbar`` set to
``t_interval``: the interval of claims.md, and with 3-5 seeds wider and more honest than a
bootstrap); failed runs are left out and their number is given in the title.
Figures are drawn on ``matplotlib.figure.Figure`` objects (no pyplot state) and written
atomically.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import matplotlib as mpl
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from .claims import EXPERIMENTS, fit_exponent, is_reference, load_tables, mean_ci
from .io import atomic_path

log = logging.getLogger(__name__)

DPI = 150
GREEK = {"alpha": "\u03b1", "beta": "\u03b2", "gamma": "\u03b3", "tau": "\u03c4"}

ANGLE_FLOOR = 1e-4  # degrees; smaller angles are drawn at this value on log axes
SV_FLOOR = 1e-6  # relative singular values below this are drawn at this value
METHODS = ("vicreg", "vicreg_sq", "simclr", "barlow_twins", "spectral_contrastive")
LABELS = {
    "vicreg": "VICReg",
    "vicreg_sq": "VICReg (squared)",
    "simclr": "SimCLR",
    "barlow_twins": "BarlowTwins",
    "spectral_contrastive": "Spectral contrastive",
    "supervised": "supervised probe on X",
    "whitened": "probe on whitened X",
    "twin:lpp": "twin: LPP",
    "twin:cca": "twin: CCA",
    "twin:spectral": "twin: spectral",
}
STAT_LABELS = {
    "g_n_edges": "edges of G",
    "g_n_components": "connected components of G",
    "g_degree_mean": "mean degree of G",
    "g_alignment_labels": "alignment with labels\n(edge fraction, same label)",
    "g_alignment_nuisance": "alignment with nuisance\n(edge fraction, same nuisance)",
}
EIGENPROBLEMS = {
    "vicreg_sq_linear": "LPP",
    "barlow_twins_linear": "CCA",
    "spectral_contrastive_linear": "spectral",
}
# (method, spectral twin, local / global, rank of Z*, source): the paper's summary figure and
# the derived closed forms of the theory notes; "\n" breaks lines in the table cells.
CORRESPONDENCES = (
    ("Method", "Spectral twin\n(free Z; linear Z = XW)", "Local /\nglobal", "Rank of Z*",
     "Source"),
    ("VICReg", "Laplacian Eigenmaps;\n" r"LPP: $X^\top L X w = \mu S w$", "local",
     r"K for small $\gamma$, fewer as $\gamma$ grows; squared" "\n"
     r"surrogate: $\#\{k \leq K: l_k < \alpha N / (\gamma (N-1))\}$",
     "[paper] mapping,\n[derived] closed form"),
    ("SimCLR / NNCLR", "MDS / ISOMAP\n(every pair of samples enters)", "global",
     r"$\leq$ min(K, components of G)", "[paper]"),
    ("BarlowTwins", "CCA; linear: top-K of\n" r"$(X^\top G X, X^\top D X)$", "not stated",
     r"$\leq$ min(K, components of G)" "\n(free Z, zero loss)",
     "[paper] mapping,\n[derived] closed form"),
    ("Spectral contrastive", "kernel PCA / classical MDS\nwith G as Gram matrix", "global",
     r"$\leq$ min(K, positive eigenvalues of G)", "[derived]"),
)  # fmt: skip


def t_interval(values: Any) -> tuple[float, float]:
    """95% t-based interval of the mean over seeds, the one the claims report gives."""
    _, low, high = mean_ci(values)
    return low, high


ESTIMATE = {"estimator": "mean", "errorbar": t_interval}  # seaborn: mean and 95% t-interval


class Skip(Exception):
    """A figure cannot be drawn: its table or rows are missing (the reason is logged)."""


# --------------------------------------------------------------------------------------------
# style and helpers
# --------------------------------------------------------------------------------------------
def set_style() -> None:
    """Seaborn whitegrid theme, colour-blind-safe palette, readable font sizes."""
    sns.set_theme(context="paper", style="whitegrid", palette="colorblind", font_scale=1.1)
    mpl.rcParams.update({"savefig.dpi": DPI, "figure.dpi": DPI, "legend.frameon": False})


def colours() -> dict[str, Any]:
    """One fixed colour per method and reference, identical in every figure."""
    p = sns.color_palette("colorblind", 10)
    return {
        "vicreg": p[0], "vicreg_sq": p[9], "simclr": p[1], "barlow_twins": p[2],
        "spectral_contrastive": p[4], "twin:lpp": p[5], "twin:cca": p[6], "twin:spectral": p[8],
        "supervised": "black", "whitened": p[7],
    }  # fmt: skip


def label(method: str) -> str:
    return LABELS.get(method, method)


def data_key(name: Any) -> tuple:
    """Sort key: data sets by name, subsampled variants (synthetic-n64) by size."""
    base, _, size = str(name).partition("-n")
    return (base, int(size) if size.isdigit() else -1, str(name))


def data_palette(names: Sequence[Any]) -> dict[Any, Any]:
    """One colour per data set; subsampled variants (synthetic-n64) in lighter shades of it."""
    order = sorted(set(names), key=data_key)
    bases = sorted({data_key(n)[0] for n in order})
    base_colour = dict(zip(bases, sns.color_palette("colorblind", len(bases)), strict=True))
    palette = {}
    for base in bases:
        variants = [n for n in order if data_key(n)[0] == base and n != base]
        shades = sns.light_palette(base_colour[base], len(variants) + 2)[1:-1]
        palette.update(zip(variants, shades, strict=True))
        palette[base] = base_colour[base]
    return {n: palette[n] for n in order}


def whole_decades(ax: Axes, top: float | None = None) -> None:
    """Extend a log y axis to whole decades (or up to ``top``) so major ticks carry labels."""
    low, high = ax.get_ylim()
    ax.set_ylim(10 ** np.floor(np.log10(low)), top or 10 ** np.ceil(np.log10(high)))
    ax.yaxis.set_minor_formatter(mpl.ticker.NullFormatter())


def value_ticks(ax: Axes, values: Sequence[float]) -> None:
    """Major x ticks at the measured values (plain numbers), no minor labels on a log axis."""
    ax.set_xticks(list(values), [f"{v:g}" for v in values])
    ax.xaxis.set_minor_formatter(mpl.ticker.NullFormatter())


def legend_key(name: str) -> tuple:
    """Legend order: methods, their variants, twins, the two probes on X, then the rest."""
    for i, method in enumerate(METHODS):
        if name.startswith(LABELS[method]):
            return (0, i, name)
    return (1 if name.startswith("twin") else 2 if "probe" in name else 3, 0, name)


def ok_rows(table: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Rows with status != failed, and the number of failed ones."""
    failed = table["status"] == "failed"
    return table[~failed], int(failed.sum())


def need(tables: dict[str, pd.DataFrame], name: str, columns: Sequence[str]) -> pd.DataFrame:
    """Table ``name`` with ``columns`` (ok rows only), else Skip with the reason."""
    if name not in tables:
        raise Skip(f"{name}.csv missing")
    table = tables[name]
    lacking = [c for c in columns if c not in table]
    if lacking:
        raise Skip(f"{name}.csv lacks {', '.join(lacking)}")
    ok, _ = ok_rows(table)
    ok = ok.dropna(subset=list(columns))
    if ok.empty:
        raise Skip(f"{name}.csv has no usable rows with {', '.join(columns)}")
    return ok


def method_order(methods: Any) -> list[str]:
    present = set(methods)
    return [m for m in METHODS if m in present] + sorted(present - set(METHODS))


def suptitle(fig: Figure, text: str, tables: dict[str, pd.DataFrame], names: Sequence[str]) -> None:
    """Figure title, with the number of failed runs that are not shown."""
    failed = sum(ok_rows(tables[n])[1] for n in names if n in tables)
    note = f" ({failed} failed run{'s' if failed > 1 else ''} not shown)" if failed else ""
    fig.suptitle(text + note)


def shared_legend(fig: Figure, handles: dict[str, Any], title: str | None = None) -> None:
    """One legend outside the panels, on the right, in legend_key order."""
    names = sorted(handles, key=legend_key)
    fig.legend([handles[n] for n in names], names, loc="outside right center", title=title)


def line_handle(colour: Any, style: str = "-", marker: str | None = None) -> Line2D:
    return Line2D([], [], color=colour, linestyle=style, marker=marker)


def drop_legends(axes: np.ndarray) -> None:
    for ax in axes.flat:
        if ax.get_legend() is not None:
            ax.get_legend().remove()


def panel_name(key: Any) -> str:
    keys = key if isinstance(key, tuple) else (key,)
    return " \u00b7 ".join(str(k) for k in keys)


def save_figure(fig: Figure, stem: Path) -> list[Path]:
    """Write ``stem``.png (dpi DPI) and ``stem``.pdf atomically; return both paths.

    The layout computed for the PNG is kept for the PDF (sizes are in points in both).
    """
    paths = []
    for ext in ("png", "pdf"):
        path = stem.with_suffix(f".{ext}")
        with atomic_path(path, suffix=f".{ext}") as tmp:
            fig.savefig(tmp, format=ext, dpi=DPI)
        fig.set_layout_engine("none")
        paths.append(path)
    return paths


def new_figure(nrows: int, ncols: int, panel: tuple[float, float], **kw: Any) -> tuple:
    """Constrained-layout figure with an (nrows, ncols) array of axes."""
    fig = Figure(figsize=(panel[0] * ncols + 2.2, panel[1] * nrows + 0.6), layout="constrained")
    return fig, fig.subplots(nrows, ncols, squeeze=False, **kw)


# --------------------------------------------------------------------------------------------
# figures
# --------------------------------------------------------------------------------------------
def fig_relations(tables: dict[str, pd.DataFrame]) -> Figure:
    """Bar plots of the g_* statistics of every relation graph, per data set."""
    frames = [t for n, t in tables.items() if n in EXPERIMENTS and {"data", "relation"} <= set(t)]
    stats = [c for c in STAT_LABELS if any(c in t and t[c].notna().any() for t in frames)]
    if not stats:
        raise Skip("no experiment table with relation statistics (g_* columns)")
    rows = pd.concat([t[["data", "relation", *[c for c in stats if c in t]]] for t in frames])
    rows = rows.dropna(subset=["relation"]).groupby(["data", "relation"], as_index=False).max()
    fig, axes = new_figure(1, len(stats), (3.0, 3.4))
    order = sorted(rows["relation"].unique())
    palette = data_palette(rows["data"])
    for ax, stat in zip(axes.flat, stats, strict=True):
        sns.barplot(rows, x="relation", y=stat, hue="data", order=order, palette=palette,
                    hue_order=list(palette), ax=ax)  # fmt: skip
        ax.set(xlabel="relation", ylabel=STAT_LABELS[stat])
        if stat in ("g_n_edges", "g_n_components"):
            ax.set_yscale("log")
            whole_decades(ax)
        if stat.startswith("g_alignment"):
            ax.set_ylim(0, 1.05)
        ax.tick_params(axis="x", labelrotation=30)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    drop_legends(axes)
    fig.legend(handles, labels, loc="outside right center", title="data")
    fig.suptitle("Relation graphs G: size, components, degree, alignment")
    return fig


def fig_angles_vs_step(tables: dict[str, pd.DataFrame]) -> Figure:
    """Largest principal angle to the closed form during training, per method."""
    traj = need(tables, "optimal_trajectory", ["step", "angle_max_deg", "method", "relation"])
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
             ["optimal_trajectory"])  # fmt: skip
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
    table = need(tables, "alignment", ["method", "probe_test_accuracy"])
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
            ax.set(xscale="log", xlabel="VICReg \u03b3 (log scale)", ylabel="probe test accuracy",
                   title=f"{data} \u00b7 {model} \u00b7 {relation}\nlabel alignment of G: "
                   + (f"{a:.2f}" if np.isfinite(a) else "n/a"))  # fmt: skip
    drop_legends(axes)
    shared_legend(fig, handles)
    suptitle(fig, "Linear-probe accuracy vs \u03b3: aligned vs misaligned G", tables,
             ["alignment"])  # fmt: skip
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
            if "hparams" in rows and len(rows):  # best hyperparameters of the method
                hp = rows["hparams"].fillna("default")
                best = rows.groupby(hp)["probe_test_accuracy"].mean().idxmax()
                rows = rows[hp == best]
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


def fig_cost(tables: dict[str, pd.DataFrame]) -> Figure:
    """Log-log loss time vs N and vs K with the fitted exponents in the legends."""
    table = need(tables, "cost", ["method", "n", "k", "vary", "time_ms"])
    table = table[table["time_ms"] > 0]
    panels = [v for v in ("n", "k") if (table["vary"] == v).any()]
    if not panels:
        raise Skip("cost.csv has no rows with vary = n or k")
    fig, axes = new_figure(1, len(panels), (4.2, 3.5))
    for ax, vary in zip(axes.flat, panels, strict=True):
        rows = table[table["vary"] == vary]
        fixed = "k" if vary == "n" else "n"
        hue = method_order(rows["method"])
        sns.lineplot(rows, x=vary, y="time_ms", hue="method", hue_order=hue, palette=colours(),
                     marker="o", linestyle="", err_style="bars", **ESTIMATE, ax=ax)  # fmt: skip
        labels = []
        for method in hue:
            sub = rows[rows["method"] == method]
            slope, low, high = fit_exponent(sub, vary)  # the fit the claims report uses
            if np.isnan(slope):
                labels.append(f"{label(method)}: no fit")
                continue
            log_x, log_t = np.log(sub[vary].astype(float)), np.log(sub["time_ms"].astype(float))
            xs = np.geomspace(sub[vary].min(), sub[vary].max(), 20)
            fitted = np.exp(log_t.mean() + slope * (np.log(xs) - log_x.mean()))
            ax.plot(xs, fitted, color=colours().get(method, "grey"))
            labels.append(f"{label(method)}: slope {slope:.2f} [{low:.2f}, {high:.2f}]")
        ax.set(xscale="log", yscale="log", xlabel=f"{vary.upper()} (log scale)",
               ylabel="forward + backward time (ms, log)",
               title=f"vs {vary.upper()} at {fixed.upper()} = "
               f"{', '.join(f'{v:g}' for v in sorted(rows[fixed].unique()))}")  # fmt: skip
        value_ticks(ax, sorted(rows[vary].unique()))
        ax.legend([line_handle(colours().get(m, "grey"), marker="o") for m in hue], labels,
                  fontsize="small", title="log-log slope [95% CI]")  # fmt: skip
    devices = sorted(table["device"].dropna().unique()) if "device" in table else []
    suptitle(fig, "Loss cost" + (f" on {', '.join(devices)}" if devices else ""), tables, [])
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


FIGURES: dict[str, Callable[[dict[str, pd.DataFrame]], Figure]] = {
    "relations": fig_relations,
    "angles_vs_step": fig_angles_vs_step,
    "singular_values": fig_singular_values,
    "rank_vs_gamma": fig_rank_vs_gamma,
    "accuracy_vs_gamma": fig_accuracy_vs_gamma,
    "low_data": fig_low_data,
    "cost": fig_cost,
    "correspondences": fig_correspondences,
    "linear_angles": fig_linear_angles,
}


def main_figures(
    metrics_dir: str | os.PathLike,
    out_dir: str | os.PathLike,
    rank_rtol: float | None = None,
) -> list[Path]:
    """Draw every figure whose data exists; return the written PNG and PDF paths.

    ``rank_rtol`` (claims.rank_rtol) adds the rank the claims report uses to the rank figure.
    """
    tables = load_tables(metrics_dir)
    if rank_rtol is not None:
        from .claims import with_spectral_rank

        tables = {name: with_spectral_rank(t, rank_rtol) for name, t in tables.items()}
    written: list[Path] = []
    with mpl.rc_context():
        set_style()
        for name, build in FIGURES.items():
            try:
                fig = build(tables)
            except Skip as exc:
                log.warning("figure %s skipped: %s", name, exc)
                continue
            written += save_figure(fig, Path(out_dir) / name)
            log.info("figure %s written", name)
    return written
