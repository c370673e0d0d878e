"""Figure of the relation graphs G: size, components, degree, alignment (from the g_* columns)."""

from __future__ import annotations

import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure

from ..claims import EXPERIMENTS
from .layout import (
    Skip,
    drop_legends,
    new_figure,
    whole_decades,
)
from .style import (
    STAT_LABELS,
    data_palette,
)


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
