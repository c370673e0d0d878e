"""Local and global faithfulness of an embedding to a manifold with known coordinates (C18).

An embedding Z (N x K) of N points of a manifold with isometric intrinsic coordinates U (N x d,
``Dataset.manifold``: geodesic distance d_M(i, j) = ||u_i - u_j||) is scored by

- ``trustworthiness``: sklearn.manifold.trustworthiness(U, Z, n_neighbors): 1 when no point's
  k embedding neighbours are intruders from far away on the manifold (local);
- ``knn_preservation``: mean over i of |N_k^U(i) & N_k^Z(i)| / k, the fraction of each point's
  k manifold neighbours kept among its k embedding neighbours (sklearn NearestNeighbors; local);
- ``global_spearman``: Spearman's rho (scipy.stats.spearmanr) between all N (N - 1) / 2 pairwise
  distances of Z and of U, i.e. the geodesic distances (global).

An isometric embedding scores 1 on all three. A trained free Z has one row per view; the
embedding of source sample n is the mean of its view rows (``source_embedding``). SimCLR's loss
reads only z / ||z|| (cosine similarity), so its rows are normalised before scoring: the row
norms are not set by the loss (``COSINE_METHODS``).

References on the same views and G (``reference_embeddings``): Laplacian Eigenmaps (the closed
form of ``closed_form.baselines``, = sklearn SpectralEmbedding on G), Isomap (sklearn, on the
view features), classical MDS of G's geodesics (shortest paths on G with Euclidean edge lengths,
scipy.sparse.csgraph; then sklearn KernelPCA of -D^2 / 2, which it double-centres) and the
spectral contrastive closed form.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .errors import DataError

METRICS = ("trustworthiness", "knn_preservation", "global_spearman")
LOCAL, GLOBAL = "trustworthiness", "global_spearman"  # the columns C18 tests
COSINE_METHODS = ("simclr",)  # losses that read only the row directions z / ||z||
REFERENCES = ("laplacian_eigenmaps", "isomap", "mds_geodesic", "spectral_contrastive")
REFERENCE_PREFIX = "ref:"  # the ``method`` of a reference row in the tables


def _check(coords: Any, z: Any, n_neighbors: int) -> tuple[np.ndarray, np.ndarray]:
    u, e = np.asarray(coords, dtype=np.float64), np.asarray(z, dtype=np.float64)
    if u.ndim != 2 or e.ndim != 2 or u.shape[0] != e.shape[0]:
        raise DataError(f"coordinates {u.shape} and embedding {e.shape} must be 2-D with the "
                        "same number of rows")  # fmt: skip
    if not np.isfinite(e).all() or not np.isfinite(u).all():
        raise DataError("coordinates and embedding must be finite")
    if not 1 <= n_neighbors < u.shape[0] / 2:
        raise DataError(f"n_neighbors must be in 1..{(u.shape[0] - 1) // 2} for {u.shape[0]} "
                        f"points (sklearn's trustworthiness bound), got {n_neighbors}")  # fmt: skip
    return u, e


def knn_preservation(coords: Any, z: Any, n_neighbors: int) -> float:
    """Mean fraction of each point's k nearest neighbours in U kept among its k in Z."""
    from sklearn.neighbors import NearestNeighbors

    u, e = _check(coords, z, n_neighbors)

    def neighbours(a: np.ndarray) -> np.ndarray:
        nn = NearestNeighbors(n_neighbors=n_neighbors).fit(a)
        return nn.kneighbors(return_distance=False)  # excludes the query point itself

    nu, nz = neighbours(u), neighbours(e)
    kept = [np.intersect1d(a, b).size for a, b in zip(nu, nz, strict=True)]
    return float(np.mean(kept) / n_neighbors)


def global_spearman(coords: Any, z: Any) -> float:
    """Spearman's rho of the pairwise distances of Z against those of U (the geodesics)."""
    from scipy.spatial.distance import pdist
    from scipy.stats import spearmanr

    u, e = np.asarray(coords, dtype=np.float64), np.asarray(z, dtype=np.float64)
    dz = pdist(e)
    if np.ptp(dz) == 0:  # a collapsed embedding ranks nothing
        return 0.0
    return float(spearmanr(dz, pdist(u)).statistic)


def faithfulness(coords: Any, z: Any, n_neighbors: int) -> dict[str, float]:
    """trustworthiness, knn_preservation and global_spearman of Z against U."""
    from sklearn.manifold import trustworthiness

    u, e = _check(coords, z, n_neighbors)
    return {
        "trustworthiness": float(trustworthiness(u, e, n_neighbors=n_neighbors)),
        "knn_preservation": knn_preservation(u, e, n_neighbors),
        "global_spearman": global_spearman(u, e),
    }


def source_embedding(z_views: Any, source: Any, n_samples: int) -> np.ndarray:
    """Row n = mean of the view rows of source sample n (N' x K)."""
    z = np.asarray(z_views, dtype=np.float64)
    src = np.asarray(source, dtype=np.int64)
    counts = np.bincount(src, minlength=n_samples)
    if z.shape[0] != src.size or counts.min() == 0:
        raise DataError(f"{z.shape[0]} view rows, {src.size} source indices: every one of the "
                        f"{n_samples} source samples needs a view")  # fmt: skip
    out = np.zeros((n_samples, z.shape[1]))
    np.add.at(out, src, z)
    return out / counts[:, None]


def run_faithfulness(
    z_views: Any, views: Any, train: Any, n_neighbors: int, method: str = ""
) -> dict[str, float]:
    """The metrics of a view-row embedding against the manifold coordinates of its sources."""
    if getattr(train, "manifold", None) is None:
        raise DataError(f"dataset {getattr(train, 'name', '?')!r} has no manifold coordinates: "
                        "faithfulness needs a manifold dataset (swiss_roll)")  # fmt: skip
    if train.n_samples != views.n_samples:
        raise DataError(f"views of {views.n_samples} source samples, train split of "
                        f"{train.n_samples}: the views were not made from this dataset")
    z = np.asarray(z_views, dtype=np.float64)
    if method in COSINE_METHODS:
        z = z / np.maximum(np.linalg.norm(z, axis=1, keepdims=True), 1e-300)
    z = source_embedding(z, views.source, views.n_samples)
    return faithfulness(train.manifold, z, n_neighbors)


def geodesic_distances(x: Any, edges: np.ndarray, n_nodes: int) -> np.ndarray:
    """Shortest-path distances on G with edge length ||x_i - x_j|| (scipy.sparse.csgraph)."""
    import scipy.sparse as sp
    from scipy.sparse.csgraph import shortest_path

    x = np.asarray(x, dtype=np.float64)
    e = np.asarray(edges, dtype=np.int64)
    length = np.linalg.norm(x[e[0]] - x[e[1]], axis=1)
    graph = sp.csr_array((length, (e[0], e[1])), shape=(n_nodes, n_nodes))
    dist = shortest_path(graph, method="D", directed=False)
    if not np.isfinite(dist).all():
        raise DataError("G is disconnected: its geodesic distances are infinite (MDS of G's "
                        "geodesics needs a connected G)")  # fmt: skip
    return dist


def mds_of_distances(dist: np.ndarray, k: int) -> np.ndarray:
    """Classical MDS: sklearn KernelPCA of the kernel -D^2 / 2 (KernelPCA double-centres it)."""
    from sklearn.decomposition import KernelPCA

    kpca = KernelPCA(n_components=k, kernel="precomputed", eigen_solver="dense")
    return kpca.fit_transform(-0.5 * np.asarray(dist, dtype=np.float64) ** 2)


def reference_embeddings(
    x: Any, edges: np.ndarray, n_nodes: int, k: int, n_neighbors: int
) -> dict[str, np.ndarray | str]:
    """Each reference of ``REFERENCES`` on the view rows x and G (N x k each), or the reason it
    is undefined on this G (MDS of G's geodesics on a disconnected G)."""
    from sklearn.manifold import Isomap

    from . import closed_form

    x = np.asarray(x, dtype=np.float64)
    try:
        mds: np.ndarray | str = mds_of_distances(geodesic_distances(x, edges, n_nodes), k)
    except DataError as exc:
        mds = str(exc)
    return {
        "laplacian_eigenmaps": closed_form.laplacian_eigenmaps(edges, n_nodes, k),
        "isomap": Isomap(n_neighbors=n_neighbors, n_components=k).fit_transform(x),
        "mds_geodesic": mds,
        "spectral_contrastive": closed_form.compute(
            "spectral_contrastive", None, edges, n_nodes, k
        ).embedding,
    }


def reference_rows(
    views: Any, train: Any, edges: np.ndarray, k: int, n_neighbors: int, tags: dict[str, Any]
) -> list[dict[str, Any]]:
    """One table row per reference: its faithfulness, labelled ``ref:<name>``."""
    n_nodes = views.x.shape[0]
    rows = []
    for name, z in reference_embeddings(views.x, edges, n_nodes, k, n_neighbors).items():
        row = {**tags, "method": f"{REFERENCE_PREFIX}{name}", "model": "free", "k": k,
               "faithfulness_neighbors": n_neighbors}  # fmt: skip
        if isinstance(z, str):  # undefined on this G: an empty row that says why
            rows.append({**row, **dict.fromkeys(METRICS, float("nan")), "note": z})
        else:
            rows.append({**row, **run_faithfulness(z, views, train, n_neighbors)})
    return rows
