"""Style of every figure: theme, one colour and one label per method (from the registry), the
legend order, data-set palettes and the 95% t interval the curves show.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import matplotlib as mpl
import seaborn as sns

from ..claims import mean_ci
from ..closed_form.dispatch import EIGENPROBLEMS, twin_label
from ..methods import METHODS as REGISTRY

DPI = 150
GREEK = {"alpha": "\u03b1", "beta": "\u03b2", "gamma": "\u03b3", "tau": "\u03c4"}

ANGLE_FLOOR = 1e-4  # degrees; smaller angles are drawn at this value on log axes
SV_FLOOR = 1e-6  # relative singular values below this are drawn at this value
METHODS = tuple(REGISTRY)  # the registry's order is the legend and hue order
LABELS = {
    **{name: m.label for name, m in REGISTRY.items()},
    "supervised": "supervised probe on X",
    "whitened": "probe on whitened X",
    **{twin_label(cf): f"twin: {name}" for cf, name in EIGENPROBLEMS.items()},
}
STAT_LABELS = {
    "g_n_edges": "edges of G",
    "g_n_components": "connected components of G",
    "g_degree_mean": "mean degree of G",
    "g_alignment_labels": "alignment with labels\n(edge fraction, same label)",
    "g_alignment_nuisance": "alignment with nuisance\n(edge fraction, same nuisance)",
}


def t_interval(values: Any) -> tuple[float, float]:
    """95% t-based interval of the mean over seeds, the one the claims report gives."""
    _, low, high = mean_ci(values)
    return low, high


ESTIMATE = {"estimator": "mean", "errorbar": t_interval}  # seaborn: mean and 95% t-interval


def set_style() -> None:
    """Seaborn whitegrid theme, colour-blind-safe palette, readable font sizes."""
    sns.set_theme(context="paper", style="whitegrid", palette="colorblind", font_scale=1.1)
    mpl.rcParams.update({"savefig.dpi": DPI, "figure.dpi": DPI, "legend.frameon": False})


def colours() -> dict[str, Any]:
    """One fixed colour per method and reference, identical in every figure."""
    p = sns.color_palette("colorblind", 10)
    return {
        "vicreg": p[0], "vicreg_sq": p[9], "simclr": p[1], "barlow_twins": p[2], "nnclr": p[3],
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


def legend_key(name: str) -> tuple:
    """Legend order: methods, their variants, twins, the two probes on X, then the rest."""
    for i, method in enumerate(METHODS):
        if name.startswith(LABELS[method]):
            return (0, i, name)
    return (1 if name.startswith("twin") else 2 if "probe" in name else 3, 0, name)


def method_order(methods: Any) -> list[str]:
    present = set(methods)
    return [m for m in METHODS if m in present] + sorted(present - set(METHODS))
