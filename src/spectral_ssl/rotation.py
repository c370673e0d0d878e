"""How far the free-Z BarlowTwins optimum moves under a rotation Z -> Z O (C6, a measurement).

BarlowTwins normalises the columns of Z and penalises their cross-correlations, so unlike the
rotation-invariant losses it is not invariant under Z -> Z O in general; it is invariant at a
Z with D-orthonormal columns (Z^T D Z = I: then (Z O)^T D (Z O) = I too). The measurement, on a
graph G, free Z, float64:

1. Z* = L-BFGS (strong Wolfe) from a random Gaussian Z (a converged optimum);
2. a random orthogonal O (Haar, by QR of a Gaussian matrix);
3. Z' = L-BFGS from Z* O.

Reported: L(Z*), the loss increase L(Z* O) - L(Z*) and the gap L(Z') - L(Z*), both in units of
the loss at a random Gaussian Z (L(Z*) is 0 on a union of cliques, where a relative change is
undefined); the largest principal angle between col(Z') and col(Z*) (0: the optimiser stays in
the same subspace); and how far the right singular vectors moved: Z' = Z* O M with
M = pinv(Z* O) Z' (exact when the subspaces agree), the largest rotation angle of the polar
factor of M (0: Z* O is itself optimal, the frame did not move; the angle of O itself is
reported beside it).
"""

from __future__ import annotations

import numpy as np
import scipy.linalg as la

from .subspaces import compare_subspaces

NAN = float("nan")


def rotation_angle_deg(q: np.ndarray) -> float:
    """Largest rotation angle (deg) of an orthogonal matrix: max |arg lambda| of its eigenvalues."""
    return float(np.degrees(np.max(np.abs(np.angle(np.linalg.eigvals(q))))))


def _lbfgs(loss_fn, start: np.ndarray, max_iter: int) -> np.ndarray:
    """fp64 L-BFGS (strong Wolfe) from ``start``; returns the final Z."""
    import torch

    param = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([param], lr=1.0, max_iter=max_iter, tolerance_grad=1e-12,
                            tolerance_change=1e-16, history_size=50,
                            line_search_fn="strong_wolfe")  # fmt: skip

    def closure() -> torch.Tensor:
        opt.zero_grad()
        value = loss_fn(param)
        value.backward()
        return value

    opt.step(closure)
    return param.detach().numpy()


def barlow_twins_rotation(
    edges: np.ndarray, n_nodes: int, k: int, *, alpha: float, seed: int = 0, max_iter: int = 2000
) -> dict[str, float]:
    """The measurements of the module docstring for BarlowTwins on G (free Z, N x K)."""
    import torch

    from .losses import barlow_twins_loss

    rng = np.random.default_rng(seed)

    def loss_t(z: torch.Tensor) -> torch.Tensor:
        return barlow_twins_loss(z, edges, alpha=alpha)

    def loss(a: np.ndarray) -> float:
        with torch.no_grad():
            return float(loss_t(torch.as_tensor(a)))

    scale = loss(rng.normal(size=(n_nodes, k)))  # the loss of a random Z: the unit of changes
    z_star = _lbfgs(loss_t, rng.normal(size=(n_nodes, k)), max_iter)
    o = np.linalg.qr(rng.normal(size=(k, k)))[0]
    z_new = _lbfgs(loss_t, z_star @ o, max_iter)
    polar, _ = la.polar(np.linalg.pinv(z_star @ o) @ z_new)
    base = loss(z_star)
    return {
        "loss_at_optimum": base,
        "loss_increase_rotated": (loss(z_star @ o) - base) / scale,
        # relative to L(Z*) only where L(Z*) is not ~0 (not on a union of cliques)
        "loss_increase_rel": (loss(z_star @ o) - base) / base if base > 1e-6 * scale else NAN,
        "loss_gap_reoptimised": (loss(z_new) - base) / scale,
        "subspace_angle_deg": compare_subspaces(z_new, z_star, centre=False).max_angle,
        "frame_rotation_deg": rotation_angle_deg(polar),
        "rotation_o_deg": rotation_angle_deg(o),
    }
