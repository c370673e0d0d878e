"""Relation graphs G stored as sparse edge lists.

G is an N x N symmetric matrix with zero diagonal; G[i, j] > 0 when rows i and j of Z are
related (views of the same sample, same label, ...). In code G is an ``edges`` array of shape
(2, E), int64, holding both directions of every pair (PyTorch Geometric's ``edge_index``), with
optional positive ``weights`` of shape (E,). A dense N x N G is never built here.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from .errors import ConfigError, RelationError
from .io import load_npz, save_npz


# --------------------------------------------------------------------------------------------
# validation
# --------------------------------------------------------------------------------------------
def validate_edges(
    edges: Any,
    n_nodes: int,
    weights: Any = None,
    *,
    require_degree: bool = False,
    allow_empty: bool = False,
) -> np.ndarray:
    """Check that ``edges`` encodes a valid symmetric relation on ``n_nodes`` nodes.

    Returns the edges as a contiguous int64 array. Raises :class:`RelationError` naming the
    first problem found: wrong shape or dtype, out-of-range index, self loop, duplicate edge,
    asymmetry (a missing reverse edge or a reverse edge with another weight), isolated node
    (only when ``require_degree``), empty graph (unless ``allow_empty``).
    """
    arr = np.asarray(edges)
    if arr.ndim != 2 or arr.shape[0] != 2:
        raise RelationError(f"edges must have shape (2, E), got {arr.shape}")
    if arr.size and not np.issubdtype(arr.dtype, np.integer):
        raise RelationError(f"edges must be integers, got dtype {arr.dtype}")
    arr = np.ascontiguousarray(arr, dtype=np.int64)
    n_edges = arr.shape[1]
    if int(n_nodes) < 1:
        raise RelationError(f"n_nodes must be >= 1, got {n_nodes}")
    if n_edges == 0:
        if allow_empty:
            return arr
        raise RelationError("the relation is empty (E = 0): G has no edges")
    lo, hi = int(arr.min()), int(arr.max())
    if lo < 0 or hi >= n_nodes:
        bad = lo if lo < 0 else hi
        raise RelationError(
            f"edge index {bad} out of range for {n_nodes} nodes (valid: 0..{n_nodes - 1})"
        )
    loops = np.flatnonzero(arr[0] == arr[1])
    if loops.size:
        raise RelationError(
            f"G has {loops.size} self loop(s), e.g. ({arr[0, loops[0]]}, {arr[1, loops[0]]}); "
            "the diagonal of G must be zero"
        )
    w = _check_weights(weights, n_edges)
    codes = arr[0] * n_nodes + arr[1]
    order = np.argsort(codes, kind="stable")
    sorted_codes = codes[order]
    dup = np.flatnonzero(np.diff(sorted_codes) == 0)
    if dup.size:
        c = sorted_codes[dup[0]]
        raise RelationError(
            f"G has duplicate edges, e.g. ({c // n_nodes}, {c % n_nodes}) appears twice"
        )
    rev_codes = arr[1] * n_nodes + arr[0]
    rev_order = np.argsort(rev_codes, kind="stable")
    mismatch = np.flatnonzero(sorted_codes != rev_codes[rev_order])
    if mismatch.size:
        missing = np.setdiff1d(rev_codes, codes)
        c = missing[0]
        raise RelationError(
            f"G is not symmetric: edge ({c % n_nodes}, {c // n_nodes}) has no reverse "
            f"edge ({c // n_nodes}, {c % n_nodes}) ({missing.size} missing in all)"
        )
    if w is not None and not np.array_equal(w[order], w[rev_order]):
        k = np.flatnonzero(w[order] != w[rev_order])[0]
        c = sorted_codes[k]
        raise RelationError(
            f"G is not symmetric: weights of ({c // n_nodes}, {c % n_nodes}) and its reverse differ"
        )
    if require_degree:
        isolated = np.flatnonzero(np.bincount(arr[0], minlength=n_nodes) == 0)
        if isolated.size:
            raise RelationError(
                f"G has {isolated.size} isolated node(s) (degree 0), e.g. node {isolated[0]}; "
                "this method needs every node to have a positive degree"
            )
    return arr


def _check_weights(weights: Any, n_edges: int) -> np.ndarray | None:
    if weights is None:
        return None
    w = np.asarray(weights, dtype=np.float64)
    if w.shape != (n_edges,):
        raise RelationError(f"weights must have shape ({n_edges},), got {w.shape}")
    if not np.all(np.isfinite(w)):
        raise RelationError("edge weights contain NaN or Inf")
    if np.any(w <= 0):
        raise RelationError("edge weights must be positive")
    return w


def _integer(name: str, value: Any, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise RelationError(f"{name} must be an integer, got {value!r}")
    if value < minimum:
        raise RelationError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def _number(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.number):
        raise RelationError(f"{name} must be a number, got {value!r}")
    if not np.isfinite(value) or value <= 0:
        raise RelationError(f"{name} must be a positive finite number, got {value}")
    return float(value)


# --------------------------------------------------------------------------------------------
# builders
# --------------------------------------------------------------------------------------------
def view_pairs(n_samples: int, n_views: int) -> np.ndarray:
    """G of the paper: V views of N' samples stacked view-major (row v*N' + n).

    Row r is related to rows (r + m N') mod N for m = 1..V-1; rows are ``arange(N)`` repeated
    V-1 times (repeat-interleave), exactly the paper's index order. Returns (2, N (V-1)) int64.
    """
    if n_samples < 1:
        raise RelationError(f"n_samples must be >= 1, got {n_samples}")
    if n_views < 2:
        raise RelationError(f"n_views must be >= 2 to form positive pairs, got {n_views}")
    n = n_samples * n_views
    rows = np.repeat(np.arange(n, dtype=np.int64), n_views - 1)
    shifts = np.tile(np.arange(1, n_views, dtype=np.int64), n) * n_samples
    return np.stack([rows, (rows + shifts) % n])


def label_graph(labels: Any, positives_per_row: int | None = None, seed: int = 0) -> np.ndarray:
    """G[i, j] = 1 when labels[i] == labels[j], i != j (the aligned relation).

    With ``positives_per_row = P`` each row keeps P random same-label partners (drawn without
    replacement), then the graph is symmetrised (union), so degrees are >= P.
    """
    labels = np.asarray(labels)
    if labels.ndim != 1:
        raise RelationError(f"labels must be one-dimensional, got shape {labels.shape}")
    if positives_per_row is not None:
        positives_per_row = _integer("positives_per_row", positives_per_row, 1)
    rng = np.random.default_rng(seed)
    blocks = []
    for value in np.unique(labels):
        idx = np.flatnonzero(labels == value)
        m = idx.size
        if m < 2:
            continue
        if positives_per_row is None or positives_per_row >= m - 1:
            src, dst = np.repeat(idx, m), np.tile(idx, m)
            keep = src != dst
            blocks.append(np.stack([src[keep], dst[keep]]))
        else:
            # for row a pick P distinct offsets in 1..m-1: partner (a + offset) mod m != a
            offsets = np.argsort(rng.random((m, m - 1)), axis=1)[:, :positives_per_row] + 1
            partners = idx[(np.arange(m)[:, None] + offsets) % m]
            blocks.append(np.stack([np.repeat(idx, positives_per_row), partners.ravel()]))
    if not blocks:
        return np.zeros((2, 0), dtype=np.int64)
    return symmetrize(np.concatenate(blocks, axis=1), labels.size)


def knn_graph(x: Any, n_neighbors: int) -> np.ndarray:
    """Symmetrised (union) k-nearest-neighbour graph in input space (Euclidean)."""
    from sklearn.neighbors import kneighbors_graph

    x = np.asarray(x, dtype=np.float64)
    n_neighbors = _integer("n_neighbors", n_neighbors, 1)
    if not 1 <= n_neighbors < x.shape[0]:
        raise RelationError(f"n_neighbors must be in 1..{x.shape[0] - 1}, got {n_neighbors}")
    a = kneighbors_graph(x, n_neighbors, mode="connectivity", include_self=False)
    coo = a.tocoo()
    return symmetrize(np.stack([coo.row, coo.col]).astype(np.int64), x.shape[0])


def random_graph(n_nodes: int, mean_degree: float, seed: int = 0) -> np.ndarray:
    """Erdos-Renyi-like graph: about n_nodes * mean_degree / 2 uniformly drawn undirected pairs."""
    if n_nodes < 2:
        raise RelationError(f"a random graph needs at least 2 nodes, got {n_nodes}")
    mean_degree = _number("mean_degree", mean_degree)
    rng = np.random.default_rng(seed)
    n_pairs = max(1, int(round(n_nodes * mean_degree / 2)))
    i = rng.integers(0, n_nodes, n_pairs)
    j = (i + rng.integers(1, n_nodes, n_pairs)) % n_nodes  # never equal to i
    return symmetrize(np.stack([i, j]).astype(np.int64), n_nodes)


def symmetrize(edges: np.ndarray, n_nodes: int) -> np.ndarray:
    """Union of ``edges`` and their reverses, without self loops or duplicates, row-major order."""
    both = np.concatenate([edges, edges[::-1]], axis=1)
    both = both[:, both[0] != both[1]]
    codes = np.unique(both[0] * n_nodes + both[1])
    return np.stack([codes // n_nodes, codes % n_nodes]).astype(np.int64)


def restrict(
    edges: np.ndarray, nodes: np.ndarray, n_nodes: int, weights: Any = None
) -> tuple[np.ndarray, np.ndarray | None]:
    """Sub-graph induced by ``nodes`` (node ``nodes[k]`` becomes k): (edges, weights)."""
    new_index = np.full(n_nodes, -1, dtype=np.int64)
    new_index[np.asarray(nodes)] = np.arange(len(nodes))
    mapped = new_index[edges]
    keep = (mapped >= 0).all(axis=0)
    return mapped[:, keep], None if weights is None else np.asarray(weights)[keep]


# --------------------------------------------------------------------------------------------
# matrices and statistics
# --------------------------------------------------------------------------------------------
def adjacency(edges: np.ndarray, n_nodes: int, weights: Any = None) -> sp.csr_array:
    """G as a scipy.sparse CSR array (float64)."""
    w = np.ones(edges.shape[1]) if weights is None else np.asarray(weights, dtype=np.float64)
    return sp.coo_array((w, (edges[0], edges[1])), shape=(n_nodes, n_nodes)).tocsr()


def degree(edges: np.ndarray, n_nodes: int, weights: Any = None) -> np.ndarray:
    """Degrees d_i = sum_j G_ij (float64)."""
    w = None if weights is None else np.asarray(weights, dtype=np.float64)
    return np.bincount(edges[0], weights=w, minlength=n_nodes).astype(np.float64)


def laplacian(edges: np.ndarray, n_nodes: int, weights: Any = None) -> sp.csr_array:
    """Combinatorial Laplacian L = D - G (scipy.sparse CSR, float64)."""
    g = adjacency(edges, n_nodes, weights)
    return (sp.diags_array(degree(edges, n_nodes, weights)) - g).tocsr()


def n_components(edges: np.ndarray, n_nodes: int) -> int:
    """Number of connected components of G (isolated nodes count as components)."""
    return int(connected_components(adjacency(edges, n_nodes), directed=False)[0])


def is_union_of_cliques(edges: np.ndarray, n_nodes: int, weights: Any = None) -> bool:
    """Whether G is a disjoint union of unweighted cliques (every component complete).

    With validated edges (both directions, no duplicates, no self loops) a component of n_j
    nodes is complete iff it holds n_j (n_j - 1) directed edges; so G is a union of cliques iff
    E = sum_j n_j (n_j - 1) and every weight is equal (isolated nodes are cliques of size 1).
    """
    if weights is not None and np.ptp(np.asarray(weights, dtype=np.float64)) > 0:
        return False
    _, labels = connected_components(adjacency(edges, n_nodes), directed=False)
    sizes = np.bincount(labels).astype(np.int64)
    return int(edges.shape[1]) == int(np.sum(sizes * (sizes - 1)))


def alignment(edges: np.ndarray, labels: Any, weights: Any = None) -> float:
    """Fraction of the edge weight of G that joins samples with the same label."""
    labels = np.asarray(labels)
    if edges.shape[1] == 0:
        return float("nan")
    same = labels[edges[0]] == labels[edges[1]]
    w = np.ones(edges.shape[1]) if weights is None else np.asarray(weights, dtype=np.float64)
    return float(np.sum(w * same) / np.sum(w))


def relation_stats(
    edges: np.ndarray, n_nodes: int, labels: Any = None, nuisance: Any = None
) -> dict[str, float | int]:
    """Summary statistics of G: size, degrees, components and alignment with labels/nuisance."""
    d = degree(edges, n_nodes)
    stats: dict[str, float | int] = {
        "n_nodes": int(n_nodes),
        "n_edges": int(edges.shape[1]),
        "degree_min": float(d.min()),
        "degree_mean": float(d.mean()),
        "degree_max": float(d.max()),
        "n_isolated": int(np.sum(d == 0)),
        "n_components": n_components(edges, n_nodes),
        "union_of_cliques": is_union_of_cliques(edges, n_nodes),
    }
    if labels is not None:
        stats["alignment_labels"] = alignment(edges, labels)
    if nuisance is not None:
        stats["alignment_nuisance"] = alignment(edges, nuisance)
    return stats


# --------------------------------------------------------------------------------------------
# files
# --------------------------------------------------------------------------------------------
def save_relation(
    path: str | os.PathLike, edges: np.ndarray, n_nodes: int, weights: Any = None
) -> None:
    """Validate, then write G as .npz (keys: edges, n_nodes and, if given, weights)."""
    edges = validate_edges(edges, n_nodes, weights, allow_empty=True)
    arrays: dict[str, Any] = {"edges": edges, "n_nodes": np.int64(n_nodes)}
    if weights is not None:
        arrays["weights"] = np.asarray(weights, dtype=np.float64)
    save_npz(path, **arrays)


def load_relation(path: str | os.PathLike) -> tuple[np.ndarray, int, np.ndarray | None]:
    """Read and validate a relation written by :func:`save_relation`: (edges, n_nodes, weights)."""
    data = load_npz(path, required=("edges", "n_nodes"))
    n_nodes = int(data["n_nodes"])
    weights = data.get("weights")
    try:
        edges = validate_edges(data["edges"], n_nodes, weights, allow_empty=True)
    except RelationError as exc:
        raise RelationError(f"{path}: {exc}") from None
    return edges, n_nodes, weights


RELATION_KINDS = ("view_pairs", "labels", "nuisance", "knn", "random", "label_nuisance_mix")


def build_relation(kind: str, views: Any, params: dict[str, Any]) -> np.ndarray:
    """Edges of G on the view rows for one relation kind (the ``relation`` step's dispatch).

    view_pairs  every pair of views of one source sample      labels    same class label
    nuisance    same nuisance label      knn   k nearest neighbours in X      random  Erdos-Renyi
    label_nuisance_mix  a fraction p of each row's label partners swapped for nuisance ones
    """

    def take(*allowed: str) -> dict[str, Any]:
        unknown = sorted(set(params) - set(allowed))
        if unknown:
            raise ConfigError(
                f"unknown parameter(s) {unknown} for relation '{kind}' (valid: {list(allowed)})"
            )
        return params

    n = views.x.shape[0]
    if kind == "view_pairs":
        take()
        return view_pairs(views.n_samples, views.n_views)
    if kind == "labels":
        return label_graph(views.y, **take("positives_per_row", "seed"))
    if kind == "nuisance":
        return label_graph(views.nuisance, **take("positives_per_row", "seed"))
    if kind == "knn":
        return knn_graph(views.x, **take("n_neighbors"))
    if kind == "random":
        return random_graph(n, **take("mean_degree", "seed"))
    if kind == "label_nuisance_mix":
        from .relation_mix import label_nuisance_mix

        missing = sorted({"positives_per_row", "p"} - set(params))
        if missing:
            raise ConfigError(f"relation 'label_nuisance_mix' needs the parameter(s) {missing}")
        return label_nuisance_mix(
            views.y, views.nuisance, **take("positives_per_row", "p", "seed")
        )
    raise ConfigError(f"unknown relation kind '{kind}' (valid: {list(RELATION_KINDS)})")
