"""Figure of the loss cost: log-log time vs N and vs K with the fitted cost model (claim C17)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure

from ..claims.cost import LEADING, NoData, design, fit_cost_model
from .layout import (
    Skip,
    line_handle,
    need,
    new_figure,
    suptitle,
    value_ticks,
)
from .style import (
    ESTIMATE,
    colours,
    label,
    method_order,
)


def fig_cost(tables: dict[str, pd.DataFrame]) -> Figure:
    """Log-log loss time vs N and vs K; lines: the cost model the claims report fits (one fit
    per method over both panels), legend: the leading term's share at the largest size."""
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
            every = table[table["method"] == method]
            sub = rows[rows["method"] == method]
            try:  # the fit the claims report uses
                fit = fit_cost_model(every["n"], every["k"], every["time_ms"])
            except NoData:
                labels.append(f"{label(method)}: no fit")
                continue
            xs = np.geomspace(sub[vary].min(), sub[vary].max(), 20)
            other = np.full_like(xs, float(sub[fixed].iloc[0]))
            grid = design(xs, other) if vary == "n" else design(other, xs)
            fitted = grid @ np.array(list(fit.coef.values()))
            ax.plot(xs, fitted, color=colours().get(method, "grey"))
            lead = LEADING.get(method)
            share = f"{lead} share {fit.share[lead]:.2f}" if lead else ""
            labels.append(f"{label(method)}: {share}")
        ax.set(xscale="log", yscale="log", xlabel=f"{vary.upper()} (log scale)",
               ylabel="forward + backward time (ms, log)",
               title=f"vs {vary.upper()} at {fixed.upper()} = "
               f"{', '.join(f'{v:g}' for v in sorted(rows[fixed].unique()))}")  # fmt: skip
        value_ticks(ax, sorted(rows[vary].unique()))
        ax.legend([line_handle(colours().get(m, "grey"), marker="o") for m in hue], labels,
                  fontsize="small",
                  title="cost model; leading term's share at the largest size")  # fmt: skip
    devices = sorted(table["device"].dropna().unique()) if "device" in table else []
    suptitle(fig, "Loss cost" + (f" on {', '.join(devices)}" if devices else ""), tables, [])
    return fig
