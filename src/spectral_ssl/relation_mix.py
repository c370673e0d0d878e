"""Dose-response relations: a fraction p of each row's label partners swapped for nuisance ones.

``label_nuisance_mix(labels, nuisance, P, p, seed)`` gives every row r exactly P partners
(before symmetrisation): P - m same-label rows and m = floor(p P + 1/2) same-nuisance rows, drawn
without replacement. p = 0 is the sampled label graph (alignment 1), p = 1 the sampled nuisance
graph (alignment ~ 1 / classes when the nuisance is independent of the label). The graph is
then symmetrised (union), as ``relations.label_graph`` is, so every degree is >= P.

The draws do not depend on p (common random numbers): for one ``seed`` each row has one random
order of its label candidates and one of its nuisance candidates, and the graph at p keeps the
first P - m of the first and the first m of the second. Graphs of different p on one data seed
therefore differ only by the swapped edges, so a trend of accuracy in p is not blurred by
independent redraws of the partners that every p shares.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .errors import RelationError
from .relations import _integer, symmetrize

MIX_KINDS = ("label_nuisance_mix",)


def mix_fraction(value: Any) -> float:
    """p as a float in [0, 1]; RelationError naming p otherwise."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.number):
        raise RelationError(f"p (fraction of label partners replaced) must be a number, got "
                            f"{value!r}")  # fmt: skip
    if not (np.isfinite(value) and 0.0 <= value <= 1.0):
        raise RelationError(f"p (fraction of label partners replaced) must be in [0, 1], got "
                            f"{value}")  # fmt: skip
    return float(value)


def ordered_partners(values: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    """(N, count) array: for each row, ``count`` distinct rows with the same value, in random
    order (fewer candidates than ``count``: RelationError naming the smallest group)."""
    out = np.empty((values.size, count), dtype=np.int64)
    for value in np.unique(values):
        idx = np.flatnonzero(values == value)
        m = idx.size
        if m - 1 < count:
            raise RelationError(
                f"value {value!r} has {m} row(s): too few for {count} distinct partners per row "
                "(lower positives_per_row)"
            )
        # row a takes distinct offsets in 1..m-1, so partner (a + offset) mod m is never a
        offsets = np.argsort(rng.random((m, m - 1)), axis=1)[:, :count] + 1
        out[idx] = idx[(np.arange(m)[:, None] + offsets) % m]
    return out


def label_nuisance_mix(
    labels: Any, nuisance: Any, positives_per_row: int, p: float, seed: int = 0
) -> np.ndarray:
    """Edges (2, E) of G_p: per row P - round(p P) label partners and round(p P) nuisance
    partners, symmetrised (union). See the module docstring for the coupling across p."""
    labels, nuisance = np.asarray(labels), np.asarray(nuisance)
    if labels.ndim != 1 or nuisance.shape != labels.shape:
        raise RelationError(f"labels and nuisance must be one-dimensional of one length, got "
                            f"{labels.shape} and {nuisance.shape}")  # fmt: skip
    count = _integer("positives_per_row", positives_per_row, 1)
    p = mix_fraction(p)
    n_nuisance = int(np.floor(p * count + 0.5))  # round half up
    rng = np.random.default_rng(seed)
    by_label = ordered_partners(labels, count, rng)  # drawn whatever p is
    by_nuisance = ordered_partners(nuisance, count, rng)
    partners = np.concatenate(
        [by_label[:, : count - n_nuisance], by_nuisance[:, :n_nuisance]], axis=1
    )
    rows = np.repeat(np.arange(labels.size, dtype=np.int64), count)
    return symmetrize(np.stack([rows, partners.ravel()]), labels.size)


def design_stats(kind: str, params: dict[str, Any]) -> dict[str, float]:
    """The designed dose of a mixed relation (``mix_p``: the fraction p), {} for other kinds;
    written into the relation's statistics, so tables carry it as ``g_mix_p``."""
    if kind in MIX_KINDS:
        return {"mix_p": mix_fraction(params.get("p"))}
    return {}
