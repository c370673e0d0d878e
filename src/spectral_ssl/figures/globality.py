"""Figure of C18: local vs global faithfulness of each method and reference (global_local.csv)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ..claims import mean_ci
from ..claims.evidence import converged_flags, hparams_of
from ..faithfulness import GLOBAL, LOCAL, REFERENCE_PREFIX
from .layout import need, new_figure, panel_name, suptitle
from .style import colours, label

AXES = {LOCAL: "local: trustworthiness", GLOBAL: "global: Spearman rho vs geodesic distances"}
MARKERS = {"laplacian_eigenmaps": "s", "isomap": "D", "mds_geodesic": "^",
           "spectral_contrastive": "v"}  # fmt: skip


def _points(rows: pd.DataFrame) -> pd.DataFrame:
    """Per method cell: mean and 95% t interval of both metrics over data seeds."""
    out = []
    for (method, hp), g in rows.groupby(["method", hparams_of(rows)], sort=True):
        (lm, llo, lhi), (gm, glo, ghi) = mean_ci(g[LOCAL]), mean_ci(g[GLOBAL])
        out.append({"method": method, "hparams": hp, "local": lm, "local_lo": llo,
                    "local_hi": lhi, "global": gm, "global_lo": glo, "global_hi": ghi,
                    "n": len(g)})  # fmt: skip
    return pd.DataFrame(out)


def fig_global_vs_local(tables: dict[str, pd.DataFrame]) -> Figure:
    """One panel per (data, relation): x = local, y = global faithfulness; a point per method
    cell (converged runs) and reference, bars = 95% t intervals over data seeds."""
    rows = need(tables, "global_local", ["method", LOCAL, GLOBAL])
    keep = converged_flags(rows).fillna(True).to_numpy(bool)  # references: not recorded
    unconverged, rows = int((~keep).sum()), rows[keep]
    groups = list(rows.groupby(["data", "relation"], sort=True))
    fig, axes = new_figure(1, len(groups), (4.6, 4.2))
    palette = colours()
    for ax, (key, g) in zip(axes.flat, groups, strict=True):
        for _, p in _points(g).iterrows():
            method = str(p["method"])
            ref = method.startswith(REFERENCE_PREFIX)
            name = method.removeprefix(REFERENCE_PREFIX)
            colour = "0.35" if ref else palette.get(method, "0.6")
            text = f"ref: {name}" if ref else f"{label(method)} {p['hparams']}".replace(
                " default", "")
            xerr = None if np.isnan(p["local_lo"]) else [[p["local"] - p["local_lo"]],
                                                           [p["local_hi"] - p["local"]]]
            yerr = None if np.isnan(p["global_lo"]) else [[p["global"] - p["global_lo"]],
                                                            [p["global_hi"] - p["global"]]]
            ax.errorbar(p["local"], p["global"], xerr=xerr, yerr=yerr, color=colour,
                        marker=MARKERS.get(name, "X") if ref else "o", markersize=7,
                        linestyle="none", capsize=2, label=f"{text} (n={p['n']})")  # fmt: skip
        ax.set(xlabel=AXES[LOCAL], ylabel=AXES[GLOBAL], title=panel_name(key))
    handles, labels_ = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels_, loc="outside right center", title="method / reference")
    note = f" ({unconverged} unconverged runs not shown)" if unconverged else ""
    suptitle(fig, f"C18: global (up) vs local (right) faithfulness to the manifold{note}",
             tables, ["global_local"])  # fmt: skip
    return fig
