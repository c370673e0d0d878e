"""The exact identities of C1, C6, C10 and C15, checked in float64 on random instances.

``identities`` builds the rows of ``results/metrics/identities.csv``: the Dirichlet identity
(C1), each loss under a random rotation Z -> Z O and BarlowTwins' optimum movement (C6), the
regular-graph eigenproblems (C10), and the Garrido duality on non-square matrices (C15).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd


def identities(seed: int = 0, tolerance: float = 1e-10) -> pd.DataFrame:
    """Numerical checks of the identities that hold exactly (float64, random instances)."""
    import torch

    from . import closed_form, losses, subspaces
    from .relations import laplacian, random_graph, view_pairs

    rng = np.random.default_rng(seed)
    rows: list[dict[str, Any]] = []

    def add(claim: str, quantity: str, value: float, tol: float = tolerance) -> None:
        rows.append({"claim": claim, "quantity": quantity, "value": float(value), "tolerance": tol})

    # C1: sum_ij G_ij ||z_i - z_j||^2 = 2 tr(Z^T L Z) on a random graph
    n = 300
    edges = random_graph(n, 8.0, seed=seed)
    z = rng.normal(size=(n, 6))
    lhs = float(np.sum((z[edges[0]] - z[edges[1]]) ** 2))
    rhs = float(2 * np.trace(z.T @ (laplacian(edges, n) @ z)))
    add("C1", "relative error of the Dirichlet identity", abs(lhs - rhs) / abs(rhs))

    # C6: losses unchanged under Z -> Z O (rotation-invariant ones)
    e = view_pairs(50, 2)
    zt = torch.as_tensor(rng.normal(size=(100, 8)))
    o = torch.as_tensor(np.linalg.qr(rng.normal(size=(8, 8)))[0])
    for name, fn in (
        ("simclr", lambda z: losses.simclr_loss(z, e, tau=0.5)),
        ("spectral_contrastive", lambda z: losses.spectral_contrastive_loss(z, e)),
        ("vicreg_sq", lambda z: losses.vicreg_squared_loss(z, e, alpha=25, gamma=1)),
    ):
        a, b = float(fn(zt)), float(fn(zt @ o))
        add("C6", f"relative change of {name} under a random rotation", abs(a - b) / abs(a))
    for name, fn in (
        ("vicreg (hinge)", lambda z: losses.vicreg_loss(z, e, alpha=25, beta=25, gamma=1)),
        ("barlow_twins", lambda z: losses.barlow_twins_loss(z, e, alpha=0.005)),
    ):
        a, b = float(fn(zt)), float(fn(zt @ o))
        add("C6", f"relative change of {name} under a random rotation (not invariant)",
            abs(a - b) / abs(a), tol=math.inf)  # fmt: skip

    for row in barlow_twins_rotation_rows(seed):  # measurements, not judged (tolerance inf)
        rows.append(row)

    # C10: on a regular G with centred X the three linear eigenproblems share eigenvectors
    for key, value in closed_form.regular_graph_check(seed=seed).items():
        add("C10", key, value, tol=1e-6)

    # C15: Garrido et al. duality, on non-square matrices in both orders (docs/theory.md 2.6)
    for shape in ((40, 12), (12, 40)):
        a = rng.normal(size=shape)
        add("C15", duality_quantity(shape), duality_identity_error(a))
    for n_rows, m_cols in ((60, 20), (20, 60), (24, 24)):
        b = subspaces.doubly_normalise(np.abs(rng.normal(size=(n_rows, m_cols))) + 0.1)
        error, target = doubly_normalised_duality_error(b)
        if n_rows == m_cols:  # N - N^2/M = 0: an absolute error (the special case N = M)
            add("C15", f"error of L_nc - L_c = N - N^2/M = 0 on a doubly normalised "
                f"{n_rows} x {m_cols} matrix (N = M)", abs(error), tol=1e-8)  # fmt: skip
        else:
            order = "N > M" if n_rows > m_cols else "N < M"
            add("C15", f"relative error of L_nc - L_c = N - N^2/M (= {target:.4g}) on a doubly "
                f"normalised {n_rows} x {m_cols} matrix ({order})",
                abs(error) / abs(target))  # fmt: skip
    return pd.DataFrame(rows)


ROTATION_QUANTITIES = {
    "loss_increase_rotated": "loss increase L(Z* O) - L(Z*), in units of L(random Z)",
    "loss_increase_rel": "relative loss increase (L(Z* O) - L(Z*)) / L(Z*)",
    "loss_gap_reoptimised": "loss gap L(Z') - L(Z*) after L-BFGS from Z* O, units of L(random Z)",
    "subspace_angle_deg": "largest angle between col(Z') and col(Z*), deg",
    "frame_rotation_deg": "rotation of the right singular vectors from Z* O to Z', deg",
}


def barlow_twins_rotation_rows(seed: int = 0) -> list[dict[str, Any]]:
    """C6 measurements (``rotation.barlow_twins_rotation``): how far the free-Z BarlowTwins
    optimum moves under a random rotation, on a union of cliques (the 3-view graph of 20
    sources, alpha 0.005: an optimum with L = 0, where BarlowTwins is invariant) and on a
    connected random graph (60 nodes, mean degree 6, alpha 1: L(Z*) > 0); K = 4. Tolerance inf:
    reported, not judged (the claim makes no prediction of the size)."""
    from .relations import random_graph, view_pairs
    from .rotation import barlow_twins_rotation

    cases = (("3-view cliques, alpha 0.005", view_pairs(20, 3), 0.005),
             ("random graph, alpha 1", random_graph(60, 6.0, seed=seed), 1.0))  # fmt: skip
    rows = []
    for label, edges, alpha in cases:
        measured = barlow_twins_rotation(edges, 60, 4, alpha=alpha, seed=seed)
        for key, text in ROTATION_QUANTITIES.items():
            if not math.isfinite(measured[key]):  # undefined (relative to L(Z*) = 0)
                continue
            rows.append({"claim": "C6", "quantity": f"barlow_twins {text} ({label}; measurement, "
                         "not judged)", "value": float(measured[key]), "tolerance": math.inf})
    return rows


def duality_quantity(shape: tuple[int, int]) -> str:
    """The identities.csv quantity of the general C15 identity on an N x M matrix."""
    n, m = shape
    suffix = "" if (n, m) == (40, 12) else f" ({n} x {m}, {'N > M' if n > m else 'N < M'})"
    return "relative error of L_nc + sum col^4 = L_c + sum row^4" + suffix


def duality_identity_error(a: np.ndarray) -> float:
    """|(L_nc + sum_j ||A_:,j||^4) - (L_c + sum_i ||A_i,:||^4)| relative to the right side."""
    from .subspaces import duality_terms

    l_c, l_nc = duality_terms(a)
    row4 = float(np.sum(np.sum(a**2, axis=1) ** 2))
    col4 = float(np.sum(np.sum(a**2, axis=0) ** 2))
    return abs((l_nc + col4) - (l_c + row4)) / abs(l_c + row4)


def doubly_normalised_duality_error(b: np.ndarray) -> tuple[float, float]:
    """((L_nc - L_c) - (N - N^2/M), N - N^2/M) for unit rows and columns of norm sqrt(N/M)."""
    from .subspaces import duality_terms

    n, m = b.shape
    l_c, l_nc = duality_terms(b)
    target = n - n**2 / m
    return (l_nc - l_c) - target, target
