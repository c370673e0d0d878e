"""Component-wise eigensolver: the spectrum of a block-diagonal matrix is the union of its blocks'.

Components of at most ``max(64, 5 (K + 2))`` nodes are diagonalised densely (those up to 64
nodes in stacked batches of equal size), larger ones with ARPACK shift-invert
(:mod:`.arpack`). For L the null space (the component indicators) is written down analytically,
which keeps graphs with huge eigenvalue multiplicities (the V-view graph) from stalling an
iterative solver. Candidates from every component are merged and the K selected.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.linalg as la
import scipy.sparse as sp

from .arpack import arpack_bottom, arpack_top
from .eigenspace import Eigenspace, cut_of, householder, sign_fix

BATCH_MAX_SIZE = 64  # components up to this size are diagonalised in stacked batches
BATCH_MAX_ELEMENTS = 1 << 22  # elements of one stacked batch (n_comp x m x m)


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
        if m <= BATCH_MAX_SIZE:
            per_batch = max(1, BATCH_MAX_ELEMENTS // (m * m))
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
    return max(BATCH_MAX_SIZE, 5 * (k + 2))


def sparse_bottom(
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
                vals, vecs, lobpcg = arpack_bottom(block, trivial[nodes], need_pos)
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
    vectors = sign_fix(vectors)
    degenerate, mult, n_below = cut_of(values, next_value, tol)
    exact = True
    if degenerate:
        cut = values[-1]
        known = np.concatenate([null_keys, *cand.all_keys]) if cand.all_keys else null_keys
        mult = int(np.sum(np.abs(known - cut) <= tol))
        exact = all(b > cut + tol for b in cand.partial_bounds)
    solver = "sparse+lobpcg" if cand.used_lobpcg else "sparse"
    return Eigenspace.measured(
        mat, values, vectors, next_value, (degenerate, mult, n_below), exact, solver
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
    v = householder(norms)
    cols = np.arange(1, n_cols + 1)
    coeff = -2.0 * v[:, None] * v[None, cols]
    coeff[cols, np.arange(n_cols)] += 1.0
    unit = trivial / norms[labels]
    return coeff[labels] * unit[:, None]


def sparse_top(
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
            vals, vecs, fallback = arpack_top(g[nodes][:, nodes].tocsc(), r)
            cand.used_lobpcg |= fallback
            cand.all_keys.append(-vals)
            cand.partial_bounds.append(float(-vals[-1]))
            cand.add(-vals, vecs, nodes)
    keys, picks, next_key = cand.select(k, np.zeros(0))
    vectors = sign_fix(np.stack([cand.vector(p, n) for p in picks], axis=1))
    degenerate, mult, n_below = cut_of(keys, next_key, tol)
    exact = True
    if degenerate:
        mult = int(np.sum(np.abs(np.concatenate(cand.all_keys) - keys[-1]) <= tol))
        exact = all(b > keys[-1] + tol for b in cand.partial_bounds)
    values = -keys
    return Eigenspace.measured(
        g,
        values,
        vectors,
        -next_key,
        (degenerate, mult, n_below),
        exact,
        "sparse+lobpcg" if cand.used_lobpcg else "sparse",
    )
