"""Every figure by name, and the step that draws them all (PNG + PDF each).

``main_figures(metrics_dir, out_dir)`` draws every figure whose table exists and returns the
written paths; a figure whose data is missing is skipped with a logged reason (no placeholder).
Every figure uses ``style.set_style()`` (seaborn "colorblind" palette, one colour per method
across figures); curves are means over seeds with a 95% t-based interval (seaborn ``errorbar``
set to ``t_interval``: the interval of claims.md, and with 3-5 seeds wider and more honest than
a bootstrap); failed runs are left out and their number is given in the title. Figures are drawn
on ``matplotlib.figure.Figure`` objects (no pyplot state) and written atomically.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path

import matplotlib as mpl
import pandas as pd
from matplotlib.figure import Figure

from ..claims import load_tables
from .agreement import (
    fig_angles_vs_step,
    fig_correspondences,
    fig_linear_angles,
    fig_singular_values,
)
from .cost import fig_cost
from .dose import fig_accuracy_vs_alignment
from .globality import fig_global_vs_local
from .layout import Skip, save_figure
from .neighbours import fig_nnclr_alignment
from .relations import fig_relations
from .style import LABELS, METHODS, colours, data_key, label, set_style
from .sweeps import fig_accuracy_vs_gamma, fig_low_data, fig_rank_vs_gamma

log = logging.getLogger(__name__)

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
    "accuracy_vs_alignment": fig_accuracy_vs_alignment,
    "global_vs_local": fig_global_vs_local,
    "nnclr_alignment": fig_nnclr_alignment,
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
        from ..claims import with_spectral_rank

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


__all__ = [
    "FIGURES",
    "LABELS",
    "METHODS",
    "Skip",
    "colours",
    "data_key",
    "label",
    "main_figures",
] + [f.__name__ for f in FIGURES.values()]
