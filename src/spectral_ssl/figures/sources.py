"""Which experiment tables each figure is drawn from (light: no plotting import).

The workflow declares a figure as an output only when the config runs one of its experiments,
so a config that leaves experiments out still has a figures step that can finish; the figure
functions (``gallery.FIGURES``) read exactly these tables (``tests/test_figures.py`` checks
both directions). ``RELATION_STATS`` marks the figure drawn from any experiment's relation
statistics; an empty tuple marks a figure that needs no table.
"""

from __future__ import annotations

from collections.abc import Iterable

RELATION_STATS = ("*",)

FIGURE_SOURCES: dict[str, tuple[str, ...]] = {
    "relations": RELATION_STATS,
    "angles_vs_step": ("optimal", "cliques"),
    "singular_values": ("optimal",),
    "correspondences": (),
    "linear_angles": ("linear",),
    "rank_vs_gamma": ("rank",),
    "accuracy_vs_gamma": ("alignment", "misaligned_linear", "misaligned_linear_digits",
                          "misaligned_mlp"),
    "low_data": ("low_data",),
    "cost": ("cost",),
    "accuracy_vs_alignment": ("dose",),
    "global_vs_local": ("global_local",),
    "nnclr_alignment": ("nnclr",),
}  # fmt: skip


def figures_for(experiments: Iterable[str]) -> list[str]:
    """The figures a run of ``experiments`` (config experiment names, plus ``cost`` when the
    cost benchmark runs) can draw, in FIGURE_SOURCES order."""
    present = set(experiments)
    return [
        name
        for name, sources in FIGURE_SOURCES.items()
        if not sources
        or (sources == RELATION_STATS and present - {"cost"})
        or present & set(sources)
    ]
