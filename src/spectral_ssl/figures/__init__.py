"""Figures of the reproduction from the metric tables (docs/pipeline.md), PNG + PDF each.

    sources     which experiment tables each figure reads (no plotting import: the workflow
                reads it to declare only the figures a config can draw)
    gallery     FIGURES (name -> drawing function) and main_figures(metrics_dir, out_dir)
    style       theme, colours, labels, legend order      layout   Skip, checks, legends, saving
    relations   relation graph statistics                 cost     loss cost vs N and K
    agreement   learned vs closed form (angles, singular values, linear W, twin table)
    sweeps      rank / accuracy vs gamma, low data        dose     accuracy vs alignment (C20)
    globality   C18: local vs global faithfulness         neighbours  NNCLR's G_t alignment (C19)

Everything but ``sources`` imports matplotlib and seaborn, so it is loaded on first use.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from .sources import FIGURE_SOURCES, figures_for


def __getattr__(name: str) -> Any:
    """``FIGURES``, ``main_figures``, ``Skip``, the ``fig_*`` functions: from ``gallery``."""
    if name.startswith("__"):
        raise AttributeError(name)
    gallery = import_module(".gallery", __name__)
    try:
        return getattr(gallery, name)
    except AttributeError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None


__all__ = ["FIGURE_SOURCES", "figures_for"]
