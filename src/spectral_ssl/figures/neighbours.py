"""C19: alignment of NNCLR's evolving G_t with the labels at each refresh during training."""

from __future__ import annotations

import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure

from .layout import need, new_figure, panel_name, suptitle
from .style import ESTIMATE

QUANTITIES = {"graph_nn_alignment": "neighbour edges", "graph_alignment": "G_t (with view pairs)"}


def fig_nnclr_alignment(tables: dict[str, pd.DataFrame]) -> Figure:
    """Label alignment of G_t vs training step, one panel per (data, model), one line per cell."""
    traj = need(tables, "nnclr_trajectory", ["step", "graph_nn_alignment", "graph_alignment",
                                             "data", "model", "hparams"])  # fmt: skip
    long = traj.melt(id_vars=["data", "model", "hparams", "seed", "step"],
                     value_vars=list(QUANTITIES), var_name="edges", value_name="alignment")
    long["edges"] = long["edges"].map(QUANTITIES)
    panels = sorted(long.groupby(["data", "model"]).groups)
    fig, axes = new_figure(1, len(panels), (3.6, 3.2), sharey=True)
    for i, (ax, key) in enumerate(zip(axes.flat, panels, strict=True)):
        rows = long[(long["data"] == key[0]) & (long["model"] == key[1])]
        sns.lineplot(rows, x="step", y="alignment", hue="hparams", style="edges",
                     hue_order=sorted(rows["hparams"].unique()), **ESTIMATE, ax=ax,
                     legend=i == len(panels) - 1)  # fmt: skip
        ax.set(xlabel="training step (refreshes of G_t)", title=panel_name(key),
               ylabel="same-label fraction of edges", ylim=(0, 1.02))  # fmt: skip
    if ax.get_legend() is not None:
        sns.move_legend(ax, "upper left", bbox_to_anchor=(1.02, 1), fontsize="small")
    suptitle(fig, "NNCLR: label alignment of G_t during training (the view G: 1)", tables,
             ["nnclr_trajectory"])  # fmt: skip
    return fig
