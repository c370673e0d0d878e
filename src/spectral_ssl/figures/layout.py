"""Figure plumbing shared by every figure: Skip, table checks, titles, legends, axes, saving."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from ..io import atomic_path
from .style import (
    DPI,
    legend_key,
)


class Skip(Exception):
    """A figure cannot be drawn: its table or rows are missing (the reason is logged)."""


def whole_decades(ax: Axes, top: float | None = None) -> None:
    """Extend a log y axis to whole decades (or up to ``top``) so major ticks carry labels."""
    low, high = ax.get_ylim()
    ax.set_ylim(10 ** np.floor(np.log10(low)), top or 10 ** np.ceil(np.log10(high)))
    ax.yaxis.set_minor_formatter(mpl.ticker.NullFormatter())


def value_ticks(ax: Axes, values: Sequence[float]) -> None:
    """Major x ticks at the measured values (plain numbers), no minor labels on a log axis."""
    ax.set_xticks(list(values), [f"{v:g}" for v in values])
    ax.xaxis.set_minor_formatter(mpl.ticker.NullFormatter())


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


def suptitle(fig: Figure, text: str, tables: dict[str, pd.DataFrame], names: Sequence[str]) -> None:
    """Figure title, with the number of failed runs that are not shown."""
    failed = sum(ok_rows(tables[n])[1] for n in names if n in tables)
    note = f" ({failed} failed run{'s' if failed > 1 else ''} not shown)" if failed else ""
    width = max(40, int(fig.get_figwidth() * 11))  # ~11 characters an inch at the title size
    fig.suptitle(textwrap.fill(text + note, width))  # a long title wraps, never runs off


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
