"""NNCLR's evolving relation G_t: the given G united with nearest neighbours in the current Z.

    zn_i    = z_i / ||z_i||                                   (rows of Z of every training row)
    s_ij    = <zn_i, zn_j>                                     (cosine similarity)
    N_m(i)  = the m rows j of *other* source samples with the largest s_ij
    G_t     = symmetrise(G  u  {(i, j) : j in N_m(i)})         (unweighted)

G_t is recomputed at steps 0, r, 2r, ... (r = ``refresh_every``) from Z of all training rows
(eval mode, no gradient: the embedding of ``training._embed_rows``), so the support set of the
neighbour search is the whole current embedding, not a queue of past batches as in NNCLR; a
mini-batch then restricts G_t to its rows (``relations.restrict``), so a neighbour edge counts in
a step only when both of its rows are in the batch. Rows of the same source sample are never
neighbour candidates: with the view-pairs G a view's nearest neighbour is usually its own other
view, which G already holds (NNCLR likewise takes the neighbour from a support set of other
samples). SimCLR is the same loss on the fixed G; ``losses.nnclr_loss`` is ``simclr_loss``.

Each refresh is recorded: step, number of (directed) edges of G_t, alignment of G_t with the
labels and alignment of the neighbour edges alone (``relations.alignment``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .errors import ConfigError, DataError
from .relations import alignment, symmetrize

BLOCK_ROWS = 1024  # rows of the similarity matrix held at once (BLOCK_ROWS x N float64)


def nearest_neighbours(z: np.ndarray, m: int, source: np.ndarray | None = None) -> np.ndarray:
    """(N, m) indices: row i's m most cosine-similar rows of other sources, most similar first.

    Deterministic; among rows tied at the m-th similarity ``np.argpartition`` picks (for
    continuous data ties have probability 0)."""
    z = np.asarray(z, dtype=np.float64)
    n = z.shape[0]
    source = np.arange(n) if source is None else np.asarray(source)
    if z.ndim != 2 or source.shape != (n,):
        raise DataError(f"nearest_neighbours needs Z (N x K) and one source per row, got "
                        f"{z.shape} and {source.shape}")  # fmt: skip
    candidates = n - np.bincount(np.unique(source, return_inverse=True)[1]).max()
    if not 1 <= m <= candidates:
        raise ConfigError(f"nnclr: m must be in 1..{candidates} (rows of other sources), got {m}")
    norms = np.linalg.norm(z, axis=1, keepdims=True)
    zn = z / np.where(norms > 0, norms, 1.0)
    out = np.empty((n, m), dtype=np.int64)
    for lo in range(0, n, BLOCK_ROWS):
        hi = min(lo + BLOCK_ROWS, n)
        s = zn[lo:hi] @ zn.T
        s[source[lo:hi, None] == source[None, :]] = -np.inf  # self and the other views
        top = np.argpartition(-s, m - 1, axis=1)[:, :m]  # the m largest, unordered
        top_s = np.take_along_axis(s, top, axis=1)
        order = np.lexsort((top, -top_s), axis=1)  # by -s, then by column index
        out[lo:hi] = np.take_along_axis(top, order, axis=1)
    return out


def neighbour_edges(z: np.ndarray, m: int, source: np.ndarray | None = None) -> np.ndarray:
    """Symmetrised (2, E) edges {(i, j), (j, i) : j in N_m(i)}."""
    nn = nearest_neighbours(z, m, source)
    rows = np.repeat(np.arange(nn.shape[0], dtype=np.int64), nn.shape[1])
    return symmetrize(np.stack([rows, nn.ravel()]), nn.shape[0])


def union(a: np.ndarray, b: np.ndarray, n_nodes: int) -> np.ndarray:
    """Edges of G_a u G_b (both symmetric), without duplicates."""
    return symmetrize(np.concatenate([a, b], axis=1), n_nodes)


@dataclass
class NeighbourGraph:
    """G_t of one training run: the base G, m, the refresh period and the refresh record."""

    base: np.ndarray
    n_rows: int
    m: int
    refresh_every: int
    source: np.ndarray | None = None
    labels: np.ndarray | None = None
    history: list[dict[str, float]] = field(default_factory=list)

    def due(self, step: int) -> bool:
        """Whether G_t is rebuilt before ``step`` (steps 0, r, 2r, ...)."""
        return step % self.refresh_every == 0

    def refresh(self, step: int, z: np.ndarray) -> np.ndarray:
        """Rebuild G_t from the current Z of all rows; record and return its edges."""
        nn = neighbour_edges(z, self.m, self.source)
        edges = union(self.base, nn, self.n_rows)
        point: dict[str, float] = {"step": int(step), "graph_edges": int(edges.shape[1]),
                                   "graph_nn_edges": int(nn.shape[1])}  # fmt: skip
        if self.labels is not None:
            point["graph_alignment"] = alignment(edges, self.labels)
            point["graph_nn_alignment"] = alignment(nn, self.labels)
        self.history.append(point)
        return edges

    def summary(self) -> dict[str, Any]:
        """metrics.json fields: number of refreshes, first and last refresh, base alignment."""
        if not self.history:
            return {}
        out: dict[str, Any] = {"nnclr_refreshes": len(self.history)}
        for which, point in (("first", self.history[0]), ("last", self.history[-1])):
            for key, value in point.items():
                name = "step" if key == "step" else key.removeprefix("graph_")
                out[f"nnclr_{name}_{which}"] = value
        if self.labels is not None:
            out["nnclr_base_alignment"] = alignment(self.base, self.labels)
        return out


def for_method(
    method: Any,
    hp: dict[str, Any],
    edges: np.ndarray,
    n_rows: int,
    *,
    source: np.ndarray | None,
    labels: np.ndarray | None,
    weights: np.ndarray | None,
) -> NeighbourGraph | None:
    """The evolving graph of a method whose registry entry says ``neighbour_graph``, else None."""
    if not getattr(method, "neighbour_graph", False):
        return None
    if weights is not None:
        raise ConfigError(f"{method.name} builds an unweighted G_t; the given G has weights")
    ints = {}
    for name in ("m", "refresh_every"):
        value = hp[name]
        if float(value) != int(value) or int(value) < 1:
            raise ConfigError(f"hyperparameter {name} of {method.name} must be an integer >= 1, "
                              f"got {value}")  # fmt: skip
        ints[name] = int(value)
    if labels is not None and np.shape(labels) != (n_rows,):
        raise DataError(f"labels must have one entry per row ({n_rows}), got {np.shape(labels)}")
    return NeighbourGraph(edges, n_rows, ints["m"], ints["refresh_every"], source,
                          None if labels is None else np.asarray(labels))  # fmt: skip
