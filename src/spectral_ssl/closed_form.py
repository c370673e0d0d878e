"""Reference closed forms of the SSL losses (numpy in, numpy out, float64).

Notation of ``shared/reference/theory.md``: G the N x N relation, D = diag(G 1), L = D - G,
H = I - 11^T / N, K the embedding width. All solutions are unique only up to an orthogonal
O (Z -> Z O) and, for VICReg, a mean; eigenvectors are returned with a deterministic sign (the
entry of largest modulus positive, as scikit-learn does).

Free Z  [derived]
    VICReg surrogate   Z* = sqrt(N-1) U_K diag(q),  q_k^2 = max(0, 1 - gamma (N-1) l_k / (alpha N))
                       U_K: K smallest non-trivial eigenvectors of L (orthogonal to 1)
    spectral contr.    Z* = sqrt(N) E_K diag(sqrt(max(lambda_k(G), 0))),  E_K: top-K of G
    BarlowTwins/SimCLR Z constant on the connected components of G, rank <= min(K, components)
Linear Z = X W  [derived]
    VICReg surrogate   X^T L X w = mu S w (smallest, LPP), S = X^T H X / (N-1),
                       W^T S W = diag(q^2), q_k^2 = max(0, 1 - gamma mu_k / (alpha N))
    spectral contr.    X^T G X w = lambda X^T X w (largest), w^T X^T X w = N max(lambda, 0)
    BarlowTwins        X^T G X w = rho X^T D X w (largest): CCA with shared weights
Baselines: Laplacian Eigenmaps (scikit-learn's normalisation) and classical MDS (PCA scores).

Solvers. Graph problems are split over the connected components of G (the spectrum of a block
diagonal matrix is the union of the blocks' spectra). The null space of L is spanned by the
component indicators, so it is written down analytically; this is what keeps the V-view graph
(eigenvalue 0 with multiplicity N', V with multiplicity N'(V - 1)) from stalling an iterative
solver. ``solver="dense"`` diagonalises the whole N x N matrix (scipy.linalg.eigh); ``"sparse"``
solves components of at most ``max(64, 5 (K + 2))`` nodes densely (batched by size) and larger
ones with ARPACK in shift-invert mode on a sparse LU factorisation (scipy.sparse.linalg.eigsh);
``"auto"`` is dense up to ``DENSE_MAX_NODES`` nodes. The sparse path runs with BLAS limited to
one thread (threadpoolctl): ARPACK's level-2 BLAS calls are memory-bound, and multi-threaded
OpenBLAS spin-waiting made them 15x slower on a shared 2-core machine.

The cut eigenvalue is reported with its multiplicity: when l_K = l_{K+1} (within ``TIE_RTOL``)
the K-dimensional subspace is not unique and only the eigenvectors strictly below the cut, plus
the whole cut eigenspace, are defined.
"""

from __future__ import annotations

import json
import os
import warnings
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import scipy.linalg as la
import scipy.sparse as sp
import scipy.sparse.linalg as sla
from scipy.sparse.csgraph import connected_components
from threadpoolctl import threadpool_limits

from .errors import ArtifactError, ConfigError, DataError
from .io import load_npz, save_npz
from .relations import adjacency, degree, laplacian, validate_edges

Solver = Literal["auto", "dense", "sparse"]

DENSE_MAX_NODES = 3000  # "auto" diagonalises the whole matrix up to this many nodes
DENSE_HARD_MAX_NODES = 20000  # "dense" refuses above this (the N x N matrix alone is 3.2 GB)
TIE_RTOL = 1e-8  # eigenvalues closer than TIE_RTOL * ||M|| (Gershgorin bound) are tied
RANK_RCOND = 1e-10  # eigenvalues of B below RANK_RCOND * max are treated as zero (singular B)
_BATCH_MAX_SIZE = 64  # components up to this size are diagonalised in stacked batches
_BATCH_MAX_ELEMENTS = 1 << 22  # elements of one stacked batch (n_comp x m x m)
_ARPACK_MAXITER = 500  # restarts of one eigsh call before falling back to LOBPCG


# --------------------------------------------------------------------------------------------
# result types
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Eigenspace:
    """K eigenpairs of a graph matrix at one end of its spectrum, with the cut described.

    ``values`` are sorted from the selected end (ascending for L, descending for G),
    ``vectors`` are orthonormal (N x K). ``next_value`` is the (K+1)-th eigenvalue (NaN when
    there is none). When ``degenerate_cut`` the K-th and (K+1)-th eigenvalues are tied: the
    first ``n_below_cut`` vectors are determined (up to rotations inside their own eigenspaces)
    and the remaining K - n_below_cut are an arbitrary orthonormal choice inside the cut
    eigenspace of dimension ``cut_multiplicity`` (a lower bound unless
    ``cut_multiplicity_exact``). ``residual`` = max_k ||M u_k - l_k u_k||.
    """

    values: np.ndarray
    vectors: np.ndarray
    next_value: float
    degenerate_cut: bool
    cut_multiplicity: int
    cut_multiplicity_exact: bool
    n_below_cut: int
    residual: float
    solver: str

    def cut_info(self) -> dict[str, Any]:
        return {
            "next_eigenvalue": self.next_value,
            "degenerate_cut": self.degenerate_cut,
            "cut_multiplicity": self.cut_multiplicity,
            "cut_multiplicity_exact": self.cut_multiplicity_exact,
            "n_below_cut": self.n_below_cut,
            "residual": self.residual,
            "solver": self.solver,
        }


@dataclass(frozen=True)
class FreeSolution:
    """Free-Z optimum Z* = c U_K diag(scales) (c = sqrt(N-1) for VICReg, sqrt(N) spectral).

    ``minimum`` is the loss value at Z*, ``predicted_rank`` = #{k : scales_k > 0}.
    """

    embedding: np.ndarray
    eigenvalues: np.ndarray
    scales: np.ndarray
    predicted_rank: int
    minimum: float
    spectrum: Eigenspace

    @property
    def degenerate_cut(self) -> bool:
        return self.spectrum.degenerate_cut

    @property
    def cut_multiplicity(self) -> int:
        return self.spectrum.cut_multiplicity


@dataclass(frozen=True)
class LinearSolution:
    """Linear-regime optimum W* = directions diag(scales) of a generalised eigenproblem A w = e B w.

    ``directions`` are B-orthonormal (directions^T B directions = I); ``rank_b`` is the numerical
    rank of B (the problem is solved on B's range when B is singular) and ``ridge`` the
    Tikhonov term that was added to B (absolute, 0 when none).
    """

    weights: np.ndarray
    directions: np.ndarray
    eigenvalues: np.ndarray
    scales: np.ndarray
    predicted_rank: int
    minimum: float
    next_eigenvalue: float
    degenerate_cut: bool
    rank_b: int
    ridge: float


@dataclass(frozen=True)
class ComponentStructure:
    """Connected components of G: what the free-Z BarlowTwins / SimCLR optima are built from.

    ``labels[i]`` is the component of node i; ``n_edge_components`` counts components with at
    least one edge (isolated nodes are components without positive pairs).
    """

    labels: np.ndarray
    sizes: np.ndarray
    n_components: int
    n_edge_components: int

    def rank_bound(self, k: int) -> int:
        """rank(Z*) <= min(K, number of components of G)  (BarlowTwins and SimCLR, free Z)."""
        return min(int(k), self.n_components)


@dataclass(frozen=True)
class ClosedForm:
    """Output of :func:`compute`: an ``embedding`` (N x K) or ``weights`` (D x K)."""

    method: str
    eigenvalues: np.ndarray
    predicted_rank: int
    embedding: np.ndarray | None = None
    weights: np.ndarray | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


# --------------------------------------------------------------------------------------------
# graph spectra
# --------------------------------------------------------------------------------------------
def laplacian_spectrum(
    edges: np.ndarray,
    n_nodes: int,
    k: int,
    *,
    weights: Any = None,
    normalised: bool = False,
    solver: Solver = "auto",
) -> Eigenspace:
    """K smallest non-trivial eigenpairs of L = D - G (or L_sym = I - D^-1/2 G D^-1/2).

    Non-trivial means orthogonal to the trivial null vector t (t = 1 for L, t = D^1/2 1 for
    L_sym). For a disconnected G the other null vectors (combinations of component indicators
    orthogonal to t) have eigenvalue 0 and are included first.
    """
    edges = validate_edges(edges, n_nodes, weights, require_degree=normalised)
    _check_k(k, n_nodes - 1, "non-trivial Laplacian eigenvectors (N - 1)")
    deg = degree(edges, n_nodes, weights)
    if normalised:
        inv_sqrt = 1.0 / np.sqrt(deg)
        g = adjacency(edges, n_nodes, weights)
        mat = (
            sp.identity(n_nodes, format="csr")
            - sp.diags_array(inv_sqrt) @ g @ sp.diags_array(inv_sqrt)
        ).tocsr()
        trivial, scale = np.sqrt(deg), 2.0
    else:
        mat = laplacian(edges, n_nodes, weights)
        trivial, scale = np.ones(n_nodes), 2.0 * float(deg.max())
    if _use_dense(solver, n_nodes):
        return _dense_bottom(mat, trivial, k, TIE_RTOL * scale)
    labels, sizes = _components(edges, n_nodes)
    with threadpool_limits(limits=1, user_api="blas"):
        return _sparse_bottom(mat, trivial, labels, sizes, k, TIE_RTOL * scale)


def adjacency_spectrum(
    edges: np.ndarray, n_nodes: int, k: int, *, weights: Any = None, solver: Solver = "auto"
) -> Eigenspace:
    """K largest eigenpairs of G (values descending)."""
    edges = validate_edges(edges, n_nodes, weights)
    _check_k(k, n_nodes, "eigenvectors of G (N)")
    g = adjacency(edges, n_nodes, weights)
    tol = TIE_RTOL * float(degree(edges, n_nodes, weights).max())
    if _use_dense(solver, n_nodes):
        return _dense_top(g, k, tol)
    labels, sizes = _components(edges, n_nodes)
    with threadpool_limits(limits=1, user_api="blas"):
        return _sparse_top(g, labels, sizes, k, tol)


def _use_dense(solver: str, n_nodes: int) -> bool:
    if solver not in ("auto", "dense", "sparse"):
        raise ConfigError(f"solver must be 'auto', 'dense' or 'sparse', got {solver!r}")
    if solver == "dense" and n_nodes > DENSE_HARD_MAX_NODES:
        raise ConfigError(
            f"solver='dense' needs an N x N matrix ({8 * n_nodes**2 / 2**30:.1f} GiB for "
            f"N = {n_nodes}); use solver='sparse' above {DENSE_HARD_MAX_NODES} nodes"
        )
    return solver == "dense" or (solver == "auto" and n_nodes <= DENSE_MAX_NODES)


def _check_k(k: int, available: int, what: str) -> None:
    if int(k) != k or k < 1:
        raise ConfigError(f"K must be a positive integer, got {k}")
    if k > available:
        raise ConfigError(f"K = {k} exceeds the number of available {what} = {available}")


def _components(edges: np.ndarray, n_nodes: int) -> tuple[np.ndarray, np.ndarray]:
    _, labels = connected_components(adjacency(edges, n_nodes), directed=False)
    return labels.astype(np.int64), np.bincount(labels).astype(np.int64)


def _sign_fix(u: np.ndarray) -> np.ndarray:
    """Flip each column so that its entry of largest modulus is positive (sklearn convention)."""
    if u.size == 0:
        return u
    idx = np.argmax(np.abs(u), axis=0)
    signs = np.sign(u[idx, np.arange(u.shape[1])])
    signs[signs == 0] = 1.0
    return u * signs


def _householder(t: np.ndarray) -> np.ndarray:
    """v with (I - 2 v v^T) t / ||t|| = -e_1; columns 2.. of that reflection span t^perp."""
    v = t / np.linalg.norm(t)
    v[0] += 1.0  # t_0 >= 0 here, so no cancellation
    return v / np.linalg.norm(v)


def _cut(values: np.ndarray, next_value: float, tol: float) -> tuple[bool, int, int]:
    """(degenerate, multiplicity among values + next, number strictly below the cut)."""
    cut = values[-1]
    n_below = int(np.sum(np.abs(values - cut) > tol))
    degenerate = bool(np.isfinite(next_value) and abs(next_value - cut) <= tol)
    return degenerate, len(values) - n_below + int(degenerate), n_below


def _residual(mat: Any, vectors: np.ndarray, values: np.ndarray) -> float:
    if vectors.shape[1] == 0:
        return 0.0
    return float(np.linalg.norm(mat @ vectors - vectors * values, axis=0).max())


def _dense_bottom(mat: sp.csr_array, trivial: np.ndarray, k: int, tol: float) -> Eigenspace:
    """Whole-matrix eigh on the complement of t: M' = R M R restricted to rows/cols 1..N-1."""
    n = mat.shape[0]
    m = mat.toarray()
    v = _householder(trivial)
    mv = m @ v
    reflected = m - 2.0 * np.outer(v, mv) - 2.0 * np.outer(mv, v) + 4.0 * (v @ mv) * np.outer(v, v)
    sub = reflected[1:, 1:]
    n_eig = min(k + 1, n - 1)
    vals, y = la.eigh(sub, subset_by_index=[0, n_eig - 1], driver="evr")
    vals = np.maximum(vals, 0.0)  # M is PSD; clip rounding
    full = np.vstack([np.zeros((1, n_eig)), y])
    vecs = full - 2.0 * np.outer(v, v @ full)
    values, vectors = vals[:k], _sign_fix(vecs[:, :k])
    next_value = float(vals[k]) if n_eig > k else float("nan")
    degenerate, mult, n_below = _cut(values, next_value, tol)
    if degenerate:
        n_le = la.eigh(sub, eigvals_only=True, subset_by_value=[-np.inf, values[-1] + tol]).size
        mult = n_le - n_below
    return Eigenspace(
        values=values,
        vectors=vectors,
        next_value=next_value,
        degenerate_cut=degenerate,
        cut_multiplicity=mult,
        cut_multiplicity_exact=True,
        n_below_cut=n_below,
        residual=_residual(mat, vectors, values),
        solver="dense",
    )


def _dense_top(g: sp.csr_array, k: int, tol: float) -> Eigenspace:
    n = g.shape[0]
    dense = g.toarray()
    n_eig = min(k + 1, n)
    vals, vecs = la.eigh(dense, subset_by_index=[n - n_eig, n - 1], driver="evr")
    vals, vecs = vals[::-1], vecs[:, ::-1]
    values, vectors = vals[:k], _sign_fix(vecs[:, :k])
    next_value = float(vals[k]) if n_eig > k else float("nan")
    # work with -values so that the cut logic is the same as for the bottom of L
    degenerate, mult, n_below = _cut(-values, -next_value, tol)
    if degenerate:
        n_ge = la.eigh(dense, eigvals_only=True, subset_by_value=[values[-1] - tol, np.inf]).size
        mult = n_ge - n_below
    return Eigenspace(
        values=values,
        vectors=vectors,
        next_value=next_value,
        degenerate_cut=degenerate,
        cut_multiplicity=mult,
        cut_multiplicity_exact=True,
        n_below_cut=n_below,
        residual=_residual(g, vectors, values),
        solver="dense",
    )


# --- sparse (component-wise) path ------------------------------------------------------------
@dataclass
class _Candidates:
    """Eigenpairs found per component, in the sign convention 'smaller key = selected first'."""

    keys: list[np.ndarray] = field(default_factory=list)  # one array per block of pairs
    vectors: list[np.ndarray] = field(default_factory=list)  # (n_comp, m, r) or (m, r)
    nodes: list[np.ndarray] = field(default_factory=list)  # (n_comp, m) or (m,)
    # every eigenvalue key known (for the multiplicity of the cut) and, per large component,
    # the largest key returned when that component was not fully diagonalised
    all_keys: list[np.ndarray] = field(default_factory=list)
    partial_bounds: list[float] = field(default_factory=list)
    used_lobpcg: bool = False

    def add(self, keys: np.ndarray, vectors: np.ndarray, nodes: np.ndarray) -> None:
        self.keys.append(keys)
        self.vectors.append(vectors)
        self.nodes.append(nodes)

    def select(
        self, n_sel: int, extra_keys: np.ndarray
    ) -> tuple[np.ndarray, list[tuple[int, int, int]], float]:
        """The n_sel smallest keys among extra_keys (no vectors) then the stored candidates.

        Returns the selected keys, for each stored pick (block, component-in-block, column),
        and the next key (NaN when there is none).
        """
        flat, where = [extra_keys], [np.full((extra_keys.size, 3), -1)]
        for b, keys in enumerate(self.keys):
            if keys.ndim == 1:
                idx = np.stack(
                    [np.full(keys.size, b), np.zeros(keys.size, int), np.arange(keys.size)], axis=1
                )
            else:
                c, r = np.meshgrid(
                    np.arange(keys.shape[0]), np.arange(keys.shape[1]), indexing="ij"
                )
                idx = np.stack([np.full(keys.size, b), c.ravel(), r.ravel()], axis=1)
            flat.append(keys.ravel())
            where.append(idx)
        keys_all, where_all = np.concatenate(flat), np.concatenate(where)
        order = np.argsort(keys_all, kind="stable")
        chosen = order[:n_sel]
        next_key = float(keys_all[order[n_sel]]) if order.size > n_sel else float("nan")
        picks = [tuple(w) for w in where_all[chosen] if w[0] >= 0]
        return keys_all[chosen], picks, next_key

    def vector(self, pick: tuple[int, int, int], n_nodes: int) -> np.ndarray:
        b, c, r = pick
        vecs, nodes = self.vectors[b], self.nodes[b]
        out = np.zeros(n_nodes)
        if vecs.ndim == 3:
            out[nodes[c]] = vecs[c, :, r]
        else:
            out[nodes] = vecs[:, r]
        return out


def _groups(labels: np.ndarray, sizes: np.ndarray, dense_max: int):
    """Yield ('batch', nodes (n_c, m)) for small components grouped by size, ('one', nodes)."""
    order = np.argsort(labels, kind="stable")
    starts = np.concatenate([[0], np.cumsum(sizes)])
    for m in np.unique(sizes):
        comps = np.flatnonzero(sizes == m)
        if m <= _BATCH_MAX_SIZE:
            per_batch = max(1, _BATCH_MAX_ELEMENTS // (m * m))
            for lo in range(0, comps.size, per_batch):
                chunk = comps[lo : lo + per_batch]
                nodes = order[starts[chunk][:, None] + np.arange(m)[None, :]]
                yield "batch", nodes
        else:
            for c in comps:
                yield ("dense" if m <= dense_max else "arpack"), order[starts[c] : starts[c] + m]


def _stacked_blocks(mat: sp.csr_array, nodes: np.ndarray) -> np.ndarray:
    """Dense diagonal blocks (n_c, m, m) of mat for components given as rows of ``nodes``."""
    n_c, m = nodes.shape
    flat = nodes.ravel()
    sub = mat[flat][:, flat].tocoo()
    blocks = np.zeros((n_c, m, m))
    blocks[sub.row // m, sub.row % m, sub.col % m] = sub.data
    return blocks


def _dense_block_max(k: int) -> int:
    """Largest component the sparse path still diagonalises densely."""
    return max(_BATCH_MAX_SIZE, 5 * (k + 2))


def _sparse_bottom(
    mat: sp.csr_array,
    trivial: np.ndarray,
    labels: np.ndarray,
    sizes: np.ndarray,
    k: int,
    tol: float,
) -> Eigenspace:
    """Null space analytically (component vectors orthogonal to t), positive part per component."""
    n = mat.shape[0]
    n_comp = sizes.size
    n_null = n_comp - 1
    need = min(k + 1, n - 1)  # eigenpairs needed to see the cut
    cand = _Candidates()
    need_pos = need - n_null
    if need_pos > 0:
        dense_max = _dense_block_max(k)
        for kind, nodes in _groups(labels, sizes, dense_max):
            m = nodes.shape[-1]
            if m == 1:
                continue
            if kind == "batch":
                vals, vecs = np.linalg.eigh(_stacked_blocks(mat, nodes))
                vals, vecs = vals[:, 1:], vecs[:, :, 1:]  # drop the component's null vector
                r = min(need_pos, m - 1)
                cand.all_keys.append(vals.ravel())
                cand.add(vals[:, :r], vecs[:, :, :r], nodes)
            elif kind == "dense":
                block = mat[nodes][:, nodes].toarray()
                r = min(need_pos, m - 1)
                vals, vecs = la.eigh(block, subset_by_index=[0, r], driver="evr")
                vals, vecs = vals[1:], vecs[:, 1:]
                cand.all_keys.append(vals)
                if r < m - 1:
                    cand.partial_bounds.append(float(vals[-1]))
                cand.add(vals, vecs, nodes)
            else:
                block = mat[nodes][:, nodes].tocsc()
                vals, vecs, lobpcg = _arpack_bottom(block, trivial[nodes], need_pos)
                cand.used_lobpcg |= lobpcg
                cand.all_keys.append(vals)
                cand.partial_bounds.append(float(vals[-1]))
                cand.add(vals, vecs, nodes)
    null_keys = np.zeros(n_null)
    keys, picks, next_value = cand.select(k, null_keys)
    values = np.maximum(keys, 0.0)
    n_null_sel = k - len(picks)
    vectors = np.empty((n, k))
    if n_null_sel:
        vectors[:, :n_null_sel] = _null_basis(trivial, labels, sizes, n_null_sel)
    for j, pick in enumerate(picks):
        vectors[:, n_null_sel + j] = cand.vector(pick, n)
    vectors = _sign_fix(vectors)
    degenerate, mult, n_below = _cut(values, next_value, tol)
    exact = True
    if degenerate:
        cut = values[-1]
        known = np.concatenate([null_keys, *cand.all_keys]) if cand.all_keys else null_keys
        mult = int(np.sum(np.abs(known - cut) <= tol))
        exact = all(b > cut + tol for b in cand.partial_bounds)
    solver = "sparse+lobpcg" if cand.used_lobpcg else "sparse"
    return Eigenspace(
        values=values,
        vectors=vectors,
        next_value=next_value,
        degenerate_cut=degenerate,
        cut_multiplicity=mult,
        cut_multiplicity_exact=exact,
        n_below_cut=n_below,
        residual=_residual(mat, vectors, values),
        solver=solver,
    )


def _null_basis(
    trivial: np.ndarray, labels: np.ndarray, sizes: np.ndarray, n_cols: int
) -> np.ndarray:
    """n_cols orthonormal null vectors of the Laplacian orthogonal to t (O(N n_cols) memory).

    With e_C = t restricted to component C, normalised, and a_C = ||t_C|| / ||t||, the vectors
    sum_C R[C, j] e_C for the Householder reflection R mapping a to -e_1 (j = 1..c-1) are an
    orthonormal basis of span{e_C} minus t.
    """
    norms = np.sqrt(np.bincount(labels, weights=trivial**2, minlength=sizes.size))
    v = _householder(norms)
    cols = np.arange(1, n_cols + 1)
    coeff = -2.0 * v[:, None] * v[None, cols]
    coeff[cols, np.arange(n_cols)] += 1.0
    unit = trivial / norms[labels]
    return coeff[labels] * unit[:, None]


def _spd_lu(mat: sp.csc_array) -> sla.SuperLU:
    """LU of a symmetric positive definite sparse matrix with a symmetric fill-reducing order."""
    return sla.splu(
        mat.tocsc(),
        permc_spec="MMD_AT_PLUS_A",
        diag_pivot_thresh=0.0,
        options={"SymmetricMode": True},
    )


def _arpack_bottom(
    block: sp.csc_array, trivial: np.ndarray, r: int
) -> tuple[np.ndarray, np.ndarray, bool]:
    """r smallest eigenpairs of a connected component's (normalised) Laplacian, t deflated.

    Shift-invert Lanczos on P (M + s I)^-1 P, P = I - t t^T / ||t||^2 (t spans the null space
    of M, so the deflated operator has eigenvalues 1 / (l + s) on t^perp and 0 on t);
    s = 1e-10 * max diag only makes the factorisation non-singular. Returns (values,
    vectors, whether the LOBPCG fallback was used).
    """
    m = block.shape[0]
    t = trivial / np.linalg.norm(trivial)
    shift = 1e-10 * float(block.diagonal().max())
    lu = _spd_lu(block + shift * sp.identity(m, format="csc"))

    def project(x: np.ndarray) -> np.ndarray:
        return x - np.outer(t, t @ x) if x.ndim == 2 else x - t * (t @ x)

    op = sla.LinearOperator((m, m), matvec=lambda x: project(lu.solve(project(x))), dtype=float)
    v0 = project(np.random.default_rng(0).standard_normal(m))
    try:
        theta, vecs = sla.eigsh(op, k=r, which="LA", v0=v0, maxiter=_ARPACK_MAXITER)
        vals, fallback = 1.0 / theta - shift, False
    except sla.ArpackNoConvergence:
        vals, vecs = _lobpcg(lambda x: project(block @ project(x)), lu, project, r, largest=False)
        fallback = True
    order = np.argsort(vals)
    return np.maximum(vals[order], 0.0), vecs[:, order], fallback


def _arpack_top(block: sp.csc_array, r: int) -> tuple[np.ndarray, np.ndarray, bool]:
    """r largest eigenpairs of a connected component's G by shift-invert above its spectrum.

    lambda_max is estimated by a short Lanczos run; sigma = lambda_max + 1% keeps sigma I - G
    positive definite, so its LU is stable and the top of G maps to the largest 1/(sigma - l).
    """
    m = block.shape[0]
    v0 = np.random.default_rng(0).standard_normal(m)
    top = sla.eigsh(block, k=1, which="LA", v0=v0, tol=1e-6, return_eigenvectors=False)[0]
    sigma = float(top) + 0.01 * max(abs(float(top)), 1.0)
    lu = _spd_lu(sigma * sp.identity(m, format="csc") - block)
    op = sla.LinearOperator((m, m), matvec=lu.solve, dtype=float)
    try:
        theta, vecs = sla.eigsh(op, k=r, which="LA", v0=v0, maxiter=_ARPACK_MAXITER)
        vals, fallback = sigma - 1.0 / theta, False
    except sla.ArpackNoConvergence:
        vals, vecs = _lobpcg(lambda x: block @ x, lu, lambda x: x, r, largest=True)
        fallback = True
    order = np.argsort(-vals)
    return vals[order], vecs[:, order], fallback


def _lobpcg(
    apply: Any, lu: sla.SuperLU, project: Any, r: int, *, largest: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Fallback for clustered spectra: block LOBPCG (r + 8 vectors), tolerance 1e-9,
    preconditioned by the shifted factorisation; warns when it does not converge either."""
    m = lu.shape[0]
    x0 = project(np.random.default_rng(1).standard_normal((m, r + 8)))
    op = sla.LinearOperator((m, m), matvec=apply, matmat=apply, dtype=float)

    def precondition(x: np.ndarray) -> np.ndarray:
        return project(lu.solve(project(x)))

    prec = sla.LinearOperator((m, m), matvec=precondition, matmat=precondition, dtype=float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        vals, vecs, res = sla.lobpcg(
            op, x0, M=prec, largest=largest, tol=1e-9, maxiter=500, retResidualNormsHistory=True
        )
    order = np.argsort(-vals if largest else vals)[:r]
    if np.max(res[-1][order]) > 1e-6:
        warnings.warn(
            f"LOBPCG fallback stopped with residual {np.max(res[-1][order]):.1e}",
            RuntimeWarning,
            stacklevel=3,
        )
    return vals[order], vecs[:, order]


def _sparse_top(
    g: sp.csr_array, labels: np.ndarray, sizes: np.ndarray, k: int, tol: float
) -> Eigenspace:
    """Top eigenpairs of G per component (keys = -eigenvalue so that smaller = selected)."""
    n = g.shape[0]
    need = min(k + 1, n)
    cand = _Candidates()
    dense_max = _dense_block_max(k)
    for kind, nodes in _groups(labels, sizes, dense_max):
        m = nodes.shape[-1]
        r = min(need, m)
        if kind == "batch":
            vals, vecs = np.linalg.eigh(_stacked_blocks(g, nodes))
            vals, vecs = vals[:, ::-1], vecs[:, :, ::-1]
            cand.all_keys.append(-vals.ravel())
            cand.add(-vals[:, :r], vecs[:, :, :r], nodes)
        elif kind == "dense":
            vals, vecs = la.eigh(g[nodes][:, nodes].toarray(), subset_by_index=[m - r, m - 1])
            vals, vecs = vals[::-1], vecs[:, ::-1]
            cand.all_keys.append(-vals)
            if r < m:
                cand.partial_bounds.append(float(-vals[-1]))
            cand.add(-vals, vecs, nodes)
        else:
            vals, vecs, fallback = _arpack_top(g[nodes][:, nodes].tocsc(), r)
            cand.used_lobpcg |= fallback
            cand.all_keys.append(-vals)
            cand.partial_bounds.append(float(-vals[-1]))
            cand.add(-vals, vecs, nodes)
    keys, picks, next_key = cand.select(k, np.zeros(0))
    vectors = _sign_fix(np.stack([cand.vector(p, n) for p in picks], axis=1))
    degenerate, mult, n_below = _cut(keys, next_key, tol)
    exact = True
    if degenerate:
        mult = int(np.sum(np.abs(np.concatenate(cand.all_keys) - keys[-1]) <= tol))
        exact = all(b > keys[-1] + tol for b in cand.partial_bounds)
    values = -keys
    return Eigenspace(
        values=values,
        vectors=vectors,
        next_value=-next_key,
        degenerate_cut=degenerate,
        cut_multiplicity=mult,
        cut_multiplicity_exact=exact,
        n_below_cut=n_below,
        residual=_residual(g, vectors, values),
        solver="sparse+lobpcg" if cand.used_lobpcg else "sparse",
    )


# --------------------------------------------------------------------------------------------
# free-Z closed forms
# --------------------------------------------------------------------------------------------
def vicreg_solution(
    edges: np.ndarray,
    n_nodes: int,
    k: int,
    *,
    alpha: float,
    gamma: float,
    weights: Any = None,
    solver: Solver = "auto",
) -> FreeSolution:
    """Optimum of the VICReg squared surrogate alpha ||Cov(Z) - I||_F^2 + (2 gamma / N) tr(Z^T L Z).

    Z* = sqrt(N-1) U_K diag(q), q_k^2 = max(0, 1 - gamma (N-1) l_k / (alpha N)) (centred; any
    Z* O + 1 c^T is optimal too), predicted rank #{k : l_k < alpha N / (gamma (N-1))},
    minimum sum_k [alpha (q_k^2 - 1)^2 + (2 gamma (N-1) / N) l_k q_k^2]. With C = Z^T Z/(N-1)
    = diag(q^2) and tr(Z^T L Z) = (N-1) sum_k l_k q_k^2 this is exactly the loss at Z*
    (checked against ``losses.vicreg_squared_loss`` in the tests). When ``degenerate_cut``
    U_K is one arbitrary choice inside the cut eigenspace (see :class:`Eigenspace`).
    """
    _check_positive(alpha=alpha, gamma=gamma)
    spec = laplacian_spectrum(edges, n_nodes, k, weights=weights, solver=solver)
    n, lam = n_nodes, spec.values
    q2 = np.maximum(0.0, 1.0 - gamma * (n - 1) * lam / (alpha * n))
    q = np.sqrt(q2)
    minimum = float(np.sum(alpha * (q2 - 1.0) ** 2 + 2.0 * gamma * (n - 1) / n * lam * q2))
    return FreeSolution(
        embedding=np.sqrt(n - 1) * spec.vectors * q,
        eigenvalues=lam,
        scales=q,
        predicted_rank=int(np.sum(q2 > 0)),
        minimum=minimum,
        spectrum=spec,
    )


def vicreg_embedding(
    edges: np.ndarray,
    n_nodes: int,
    k: int,
    *,
    alpha: float,
    gamma: float,
    weights: Any = None,
    solver: Solver = "auto",
) -> np.ndarray:
    """Centred Z* (N x K) of the VICReg squared surrogate; see :func:`vicreg_solution`."""
    return vicreg_solution(
        edges, n_nodes, k, alpha=alpha, gamma=gamma, weights=weights, solver=solver
    ).embedding


def spectral_contrastive_solution(
    edges: np.ndarray, n_nodes: int, k: int, *, weights: Any = None, solver: Solver = "auto"
) -> FreeSolution:
    """Optimum of L_spec(Z) = -(2/N) sum_ij G_ij z_i^T z_j + (1/N^2) sum_ij (z_i^T z_j)^2.

    L_spec = ||Z Z^T / N - G||_F^2 - ||G||_F^2, so by Eckart-Young
    Z* = sqrt(N) E_K diag(sqrt(max(lambda_k, 0))) (classical MDS with G as Gram matrix),
    minimum -sum_k max(lambda_k, 0)^2, rank #{k : lambda_k > 0}.
    """
    spec = adjacency_spectrum(edges, n_nodes, k, weights=weights, solver=solver)
    pos = np.maximum(spec.values, 0.0)
    scales = np.sqrt(pos)
    return FreeSolution(
        embedding=np.sqrt(n_nodes) * spec.vectors * scales,
        eigenvalues=spec.values,
        scales=scales,
        predicted_rank=int(np.sum(pos > 0)),
        minimum=-float(np.sum(pos**2)),
        spectrum=spec,
    )


def spectral_contrastive_embedding(
    edges: np.ndarray, n_nodes: int, k: int, *, weights: Any = None, solver: Solver = "auto"
) -> np.ndarray:
    """Z* = sqrt(N) E_K diag(sqrt(max(lambda_k(G), 0))); Z* Z*^T / N is G's best rank-K PSD fit."""
    return spectral_contrastive_solution(
        edges, n_nodes, k, weights=weights, solver=solver
    ).embedding


def component_structure(edges: np.ndarray, n_nodes: int) -> ComponentStructure:
    """Connected components of G (free-Z BarlowTwins and SimCLR optima are constant on them)."""
    edges = validate_edges(edges, n_nodes, allow_empty=True)
    if edges.shape[1] == 0:
        labels, sizes = np.arange(n_nodes, dtype=np.int64), np.ones(n_nodes, dtype=np.int64)
    else:
        labels, sizes = _components(edges, n_nodes)
    return ComponentStructure(labels, sizes, int(sizes.size), int(np.sum(sizes > 1)))


def free_rank_bound(edges: np.ndarray, n_nodes: int, k: int) -> int:
    """rank(Z*) <= min(K, number of connected components of G) for free-Z BarlowTwins / SimCLR."""
    return component_structure(edges, n_nodes).rank_bound(k)


def barlow_twins_free_embedding(edges: np.ndarray, n_nodes: int, k: int) -> np.ndarray:
    """A zero-loss free-Z BarlowTwins embedding: indicators of K components that have edges.

    Zero loss needs C_kk = 1 (column k equal on both ends of every edge, i.e. constant on
    components) and C_kl = 0 (columns orthogonal under the degree weights), which K distinct
    component indicators satisfy. Exists iff K <= number of components with an edge (largest
    components first, ties by lowest label); raises ConfigError otherwise.
    """
    cs = component_structure(edges, n_nodes)
    _check_k(k, cs.n_edge_components, "components of G with at least one edge")
    order = np.argsort(-cs.sizes, kind="stable")[:k]
    z = (cs.labels[:, None] == order[None, :]).astype(np.float64)
    return z / np.sqrt(cs.sizes[order])


# --------------------------------------------------------------------------------------------
# linear-regime closed forms
# --------------------------------------------------------------------------------------------
def _generalised_eigh(
    a: np.ndarray, b: np.ndarray, k: int, *, largest: bool, ridge: float
) -> tuple[np.ndarray, np.ndarray, float, int, float]:
    """A w = e B w for symmetric A and PSD B, k eigenpairs from one end, w^T B w = 1.

    B (+ ridge * tr(B) / D * I when ridge > 0) is diagonalised; the problem is solved on the
    range of B (eigenvalues above RANK_RCOND * max), which is exact when B is non-singular and
    avoids the 0/0 directions of a singular B (directions with X w constant, where a ridge
    would produce spurious zero eigenvalues). Returns (values, vectors, next value, rank of
    B, absolute ridge).
    """
    d = b.shape[0]
    ridge_abs = ridge * float(np.trace(b)) / d if ridge > 0 else 0.0
    s, v = np.linalg.eigh(b + ridge_abs * np.eye(d))
    keep = s > RANK_RCOND * max(float(s[-1]), 0.0)
    rank = int(keep.sum())
    _check_k(k, rank, "directions with non-zero variance (numerical rank of B)")
    p = v[:, keep] / np.sqrt(s[keep])
    c = p.T @ a @ p
    vals, y = np.linalg.eigh((c + c.T) / 2)
    if largest:
        vals, y = vals[::-1], y[:, ::-1]
    next_value = float(vals[k]) if vals.size > k else float("nan")
    return vals[:k], _sign_fix(p @ y[:, :k]), next_value, rank, ridge_abs


def _as_features(x: Any, n_nodes: int | None = None) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2:
        raise DataError(f"x must be a 2-D array (N x D), got shape {x.shape}")
    if not np.all(np.isfinite(x)):
        raise DataError("x contains NaN or Inf")
    if n_nodes is not None and x.shape[0] != n_nodes:
        raise DataError(f"x has {x.shape[0]} rows but G has {n_nodes} nodes")
    return x


def _linear_solution(
    values: np.ndarray,
    directions: np.ndarray,
    scales: np.ndarray,
    minimum: float,
    next_value: float,
    rank_b: int,
    ridge_abs: float,
    tol: float,
) -> LinearSolution:
    degenerate = bool(np.isfinite(next_value) and abs(next_value - values[-1]) <= tol)
    return LinearSolution(
        weights=directions * scales,
        directions=directions,
        eigenvalues=values,
        scales=scales,
        predicted_rank=int(np.sum(scales > 0)),
        minimum=minimum,
        next_eigenvalue=next_value,
        degenerate_cut=degenerate,
        rank_b=rank_b,
        ridge=ridge_abs,
    )


def lpp_solution(
    x: Any,
    edges: np.ndarray,
    k: int,
    *,
    alpha: float | None = None,
    gamma: float | None = None,
    weights: Any = None,
    ridge: float = 0.0,
) -> LinearSolution:
    """Locality Preserving Projections = linear VICReg surrogate: X^T L X w = mu S w, smallest K.

    S = X^T H X / (N-1). Without alpha, gamma: W^T S W = I (scales 1). With them, the optimum
    of alpha ||Cov(X W) - I||_F^2 + (2 gamma / N) tr(W^T X^T L X W): W^T S W = diag(q^2),
    q_k^2 = max(0, 1 - gamma mu_k / (alpha N)), minimum
    sum_k [alpha (q_k^2 - 1)^2 + (2 gamma / N) mu_k q_k^2] (free Z is X = I: mu = (N-1) l).
    ``ridge`` (relative to tr(S) / D) regularises an ill-conditioned S; a singular S is
    handled exactly by solving on its range (see ``_generalised_eigh``).
    """
    x = _as_features(x)
    n = x.shape[0]
    edges = validate_edges(edges, n, weights)
    xc = x - x.mean(axis=0)
    s = xc.T @ xc / (n - 1)
    a = x.T @ (laplacian(edges, n, weights) @ x)
    vals, dirs, nxt, rank, ridge_abs = _generalised_eigh(a, s, k, largest=False, ridge=ridge)
    tol = TIE_RTOL * max(abs(float(vals[-1])), 1.0)
    if alpha is None and gamma is None:
        return _linear_solution(vals, dirs, np.ones(k), float("nan"), nxt, rank, ridge_abs, tol)
    if alpha is None or gamma is None:
        raise ConfigError("give both alpha and gamma (or neither) to scale the LPP directions")
    _check_positive(alpha=alpha, gamma=gamma)
    q2 = np.maximum(0.0, 1.0 - gamma * vals / (alpha * n))
    minimum = float(np.sum(alpha * (q2 - 1.0) ** 2 + 2.0 * gamma / n * vals * q2))
    return _linear_solution(vals, dirs, np.sqrt(q2), minimum, nxt, rank, ridge_abs, tol)


def lpp_weights(
    x: Any,
    edges: np.ndarray,
    k: int,
    *,
    alpha: float | None = None,
    gamma: float | None = None,
    weights: Any = None,
    ridge: float = 0.0,
) -> np.ndarray:
    """W (D x K) of :func:`lpp_solution` (W^T S W = I, or diag(q^2) when alpha, gamma given)."""
    return lpp_solution(x, edges, k, alpha=alpha, gamma=gamma, weights=weights, ridge=ridge).weights


def spectral_contrastive_linear_solution(
    x: Any, edges: np.ndarray, k: int, *, weights: Any = None, ridge: float = 0.0
) -> LinearSolution:
    """Linear spectral contrastive optimum: X^T G X w = lambda X^T X w, top K.

    With Y = (X^T X)^1/2 W the loss is ||Y Y^T / N - C||^2 - ||C||^2, so
    W* = directions diag(sqrt(N max(lambda, 0))) (directions^T X^T X directions = I),
    minimum -sum_k max(lambda_k, 0)^2.
    """
    x = _as_features(x)
    n = x.shape[0]
    edges = validate_edges(edges, n, weights)
    a = x.T @ (adjacency(edges, n, weights) @ x)
    vals, dirs, nxt, rank, ridge_abs = _generalised_eigh(a, x.T @ x, k, largest=True, ridge=ridge)
    pos = np.maximum(vals, 0.0)
    tol = TIE_RTOL * max(abs(float(vals[0])), 1.0)
    return _linear_solution(
        vals, dirs, np.sqrt(n * pos), -float(np.sum(pos**2)), nxt, rank, ridge_abs, tol
    )


def spectral_contrastive_weights(
    x: Any, edges: np.ndarray, k: int, *, weights: Any = None, ridge: float = 0.0
) -> np.ndarray:
    """Optimal W* (D x K) of the linear spectral contrastive loss (scaled, see the solution)."""
    return spectral_contrastive_linear_solution(x, edges, k, weights=weights, ridge=ridge).weights


def cca_solution(
    x: Any, edges: np.ndarray, k: int, *, weights: Any = None, ridge: float = 0.0
) -> LinearSolution:
    """Top-K canonical subspace of (X^T G X, X^T D X): CCA with shared weights = linear BT.

    X_left^T X_right = X^T G X and ||X_left w||^2 = w^T X^T D X w, so the BarlowTwins
    correlations are generalised Rayleigh quotients rho. Directions satisfy
    w^T X^T D X w = 1; BarlowTwins is invariant to column scales, so scales are 1 and the
    optimum is defined only as a subspace (columns are a rotation of these). Every node must
    have a positive degree (an isolated row would be silently ignored by the loss).
    """
    x = _as_features(x)
    n = x.shape[0]
    edges = validate_edges(edges, n, weights, require_degree=True)
    a = x.T @ (adjacency(edges, n, weights) @ x)
    b = x.T @ (degree(edges, n, weights)[:, None] * x)
    vals, dirs, nxt, rank, ridge_abs = _generalised_eigh(a, b, k, largest=True, ridge=ridge)
    return _linear_solution(vals, dirs, np.ones(k), float("nan"), nxt, rank, ridge_abs, TIE_RTOL)


def cca_weights(
    x: Any, edges: np.ndarray, k: int, *, weights: Any = None, ridge: float = 0.0
) -> np.ndarray:
    """Canonical directions (D x K, w^T X^T D X w = 1) spanning the linear BarlowTwins optimum."""
    return cca_solution(x, edges, k, weights=weights, ridge=ridge).weights


def regular_graph_check(
    seed: int = 0, n_samples: int = 100, n_views: int = 3, dim: int = 6
) -> dict[str, float]:
    """C10 measured: V-view G (d = V - 1) and centred random X with distinct variances.

    For d-regular G and centred X, X^T D X = d X^T X = d (N-1) S and X^T L X = d X^T X - X^T G X,
    so X^T L X w = mu S w, X^T G X w = lambda X^T X w and X^T G X w = rho X^T D X w share their
    eigenvectors with lambda = d - mu / (N-1) and rho = lambda / d = 1 - mu / ((N-1) d).
    Returns the largest angle (degrees) between matching eigenvectors and the largest
    relative errors of the two eigenvalue relations.
    """
    from .relations import view_pairs
    from .subspaces import principal_angles

    edges = view_pairs(n_samples, n_views)
    n, deg = n_samples * n_views, n_views - 1
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, dim)) * np.linspace(3.0, 0.5, dim)
    x -= x.mean(axis=0)
    lpp = lpp_solution(x, edges, dim)
    spec = spectral_contrastive_linear_solution(x, edges, dim)
    cca = cca_solution(x, edges, dim)

    def max_angle(other: np.ndarray) -> float:
        return max(
            float(principal_angles(lpp.directions[:, j], other[:, j], centre=False)[0])
            for j in range(dim)
        )

    rho = 1.0 - lpp.eigenvalues / ((n - 1) * deg)
    return {
        "max angle (deg) between LPP and spectral-contrastive eigenvectors": max_angle(
            spec.directions
        ),
        "max angle (deg) between LPP and CCA eigenvectors": max_angle(cca.directions),
        "max relative error of rho = 1 - mu / ((N-1) d)": float(
            np.max(np.abs(cca.eigenvalues - rho) / np.abs(rho))
        ),
        "max relative error of lambda = d rho": float(
            np.max(np.abs(spec.eigenvalues - deg * rho) / np.abs(deg * rho))
        ),
    }


# --------------------------------------------------------------------------------------------
# classical baselines
# --------------------------------------------------------------------------------------------
def laplacian_eigenmaps(
    edges: np.ndarray,
    n_nodes: int,
    k: int,
    *,
    weights: Any = None,
    solver: Solver = "auto",
) -> np.ndarray:
    """Laplacian Eigenmaps as sklearn.manifold.SpectralEmbedding(affinity='precomputed').

    u_k = D^-1/2 v_k with v_k the K smallest non-trivial eigenvectors of
    L_sym = I - D^-1/2 G D^-1/2 (so L u = l D u, u^T D u = 1), sign-fixed after the division
    as scikit-learn does. Needs every degree positive.
    """
    return _laplacian_eigenmaps(edges, n_nodes, k, weights=weights, solver=solver)[0]


def _laplacian_eigenmaps(
    edges: np.ndarray, n_nodes: int, k: int, *, weights: Any = None, solver: Solver = "auto"
) -> tuple[np.ndarray, Eigenspace]:
    spec = laplacian_spectrum(edges, n_nodes, k, weights=weights, normalised=True, solver=solver)
    deg = degree(np.asarray(edges, dtype=np.int64), n_nodes, weights)
    return _sign_fix(spec.vectors / np.sqrt(deg)[:, None]), spec


def classical_mds(x: Any, k: int) -> np.ndarray:
    """Classical MDS of Euclidean features = PCA scores: top-K of H X X^T H scaled by sqrt(eig).

    Computed from the thin SVD of the centred X (U_K S_K), columns sign-fixed.
    """
    x = _as_features(x)
    _check_k(k, min(x.shape[0] - 1, x.shape[1]), "principal directions (min(N - 1, D))")
    xc = x - x.mean(axis=0)
    u, s, _ = np.linalg.svd(xc, full_matrices=False)
    return _sign_fix(u[:, :k] * s[:k])


# --------------------------------------------------------------------------------------------
# dispatcher and artifacts
# --------------------------------------------------------------------------------------------
METHODS: dict[str, tuple[tuple[str, ...], tuple[str, ...], str]] = {
    # method: (required hyperparameters, optional ones, regime: free / linear / features)
    "vicreg_sq": (("alpha", "gamma"), ("weights", "solver"), "free"),
    "vicreg_sq_linear": (("alpha", "gamma"), ("weights", "ridge"), "linear"),
    "spectral_contrastive": ((), ("weights", "solver"), "free"),
    "spectral_contrastive_linear": ((), ("weights", "ridge"), "linear"),
    "barlow_twins_linear": ((), ("weights", "ridge"), "linear"),
    "laplacian_eigenmaps": ((), ("weights", "solver"), "free"),
    "mds": ((), (), "features"),
}


def compute(
    method: str,
    x: Any,
    edges: np.ndarray | None,
    n_nodes: int,
    k: int,
    **hp: Any,
) -> ClosedForm:
    """Closed form of ``method`` (a key of METHODS) with hyperparameters ``hp``.

    Free methods return ``embedding`` (N x K) and ignore x; linear ones return ``weights``
    (D x K); "mds" embeds x and ignores G. Besides the required hyperparameters, ``hp`` may
    hold ``weights`` (edge weights), ``solver`` (free methods) and ``ridge`` (linear methods).
    """
    if method not in METHODS:
        raise ConfigError(f"unknown closed-form method {method!r}; choose from {sorted(METHODS)}")
    required, optional, regime = METHODS[method]
    missing = [h for h in required if h not in hp]
    extra = sorted(set(hp) - set(required) - set(optional))
    if missing or extra:
        raise ConfigError(
            f"{method}: missing hyperparameters {missing}, unexpected {extra} "
            f"(accepted: {sorted(required + optional)})"
        )
    if regime != "free" and x is None:
        raise ConfigError(f"{method} needs the features x")
    if regime != "features" and edges is None:
        raise ConfigError(f"{method} needs the relation graph G (edges)")
    meta: dict[str, Any] = {"method": method, "k": int(k), "n_nodes": int(n_nodes)}
    meta.update({h: hp[h] for h in required})
    if method == "laplacian_eigenmaps":
        z, spec = _laplacian_eigenmaps(edges, n_nodes, k, **hp)
        meta.update(spec.cut_info())
        meta["next_eigenvalue"] = _finite_or_none(meta["next_eigenvalue"])
        return ClosedForm(method, spec.values, k, embedding=z, metadata=meta)
    if regime == "free":
        fn = vicreg_solution if method == "vicreg_sq" else spectral_contrastive_solution
        sol = fn(edges, n_nodes, k, **hp)
        meta.update(sol.spectrum.cut_info(), scales=sol.scales.tolist(), minimum=sol.minimum)
        meta["next_eigenvalue"] = _finite_or_none(meta["next_eigenvalue"])
        return ClosedForm(
            method, sol.eigenvalues, sol.predicted_rank, embedding=sol.embedding, metadata=meta
        )
    x = _as_features(x, n_nodes)
    if regime == "features":
        z = classical_mds(x, k)
        eig = np.sum(z**2, axis=0)  # eigenvalues of H X X^T H
        rank = int(np.sum(eig > RANK_RCOND * eig.max()))
        return ClosedForm(method, eig, rank, embedding=z, metadata=meta)
    fns = {
        "vicreg_sq_linear": lpp_solution,
        "spectral_contrastive_linear": spectral_contrastive_linear_solution,
        "barlow_twins_linear": cca_solution,
    }
    lin = fns[method](x, edges, k, **hp)
    meta.update(
        scales=lin.scales.tolist(),
        minimum=_finite_or_none(lin.minimum),
        next_eigenvalue=_finite_or_none(lin.next_eigenvalue),
        degenerate_cut=lin.degenerate_cut,
        rank_b=lin.rank_b,
        ridge=lin.ridge,
    )
    return ClosedForm(
        method, lin.eigenvalues, lin.predicted_rank, weights=lin.weights, metadata=meta
    )


def save_closed_form(path: str | os.PathLike, result: ClosedForm) -> None:
    """Write a ClosedForm as .npz (atomic): arrays + metadata as a JSON string.

    Also writes ``scales`` (the column scales of the optimum) and, for VICReg, ``q``.
    """
    arrays: dict[str, Any] = {
        "method": np.asarray(result.method),
        "eigenvalues": result.eigenvalues,
        "predicted_rank": np.asarray(result.predicted_rank),
        "metadata_json": np.asarray(json.dumps(result.metadata, default=_json_default)),
    }
    if result.embedding is not None:
        arrays["embedding"] = result.embedding
    if result.weights is not None:
        arrays["weights"] = result.weights
    if "scales" in result.metadata:
        arrays["scales"] = np.asarray(result.metadata["scales"], dtype=np.float64)
        if result.method.startswith("vicreg"):
            arrays["q"] = arrays["scales"]
    save_npz(path, **arrays)


def load_closed_form(path: str | os.PathLike) -> ClosedForm:
    """Read a file written by :func:`save_closed_form`."""
    arr = load_npz(path, required=("method", "eigenvalues", "predicted_rank", "metadata_json"))
    if "embedding" not in arr and "weights" not in arr:
        raise ArtifactError(f"{path} holds neither an embedding nor weights")
    return ClosedForm(
        method=str(arr["method"]),
        eigenvalues=arr["eigenvalues"],
        predicted_rank=int(arr["predicted_rank"]),
        embedding=arr.get("embedding"),
        weights=arr.get("weights"),
        metadata=json.loads(str(arr["metadata_json"])),
    )


def _json_default(obj: Any) -> Any:
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def _finite_or_none(v: float) -> float | None:
    """JSON has no NaN: undefined values (no closed-form minimum, no next eigenvalue) -> None."""
    return float(v) if np.isfinite(v) else None


def _check_positive(**values: float) -> None:
    for name, v in values.items():
        if not (np.isfinite(v) and v > 0):
            raise ConfigError(f"{name} must be a positive finite number, got {v}")


__all__ = [
    "DENSE_MAX_NODES",
    "METHODS",
    "ClosedForm",
    "ComponentStructure",
    "Eigenspace",
    "FreeSolution",
    "LinearSolution",
    "adjacency_spectrum",
    "barlow_twins_free_embedding",
    "cca_solution",
    "cca_weights",
    "classical_mds",
    "component_structure",
    "compute",
    "free_rank_bound",
    "laplacian_eigenmaps",
    "laplacian_spectrum",
    "load_closed_form",
    "lpp_solution",
    "lpp_weights",
    "regular_graph_check",
    "save_closed_form",
    "spectral_contrastive_embedding",
    "spectral_contrastive_linear_solution",
    "spectral_contrastive_solution",
    "spectral_contrastive_weights",
    "vicreg_embedding",
    "vicreg_solution",
]
