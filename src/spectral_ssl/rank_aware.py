"""Rank-aware comparison of a learned linear BarlowTwins W with its canonical subspaces (C9).

BarlowTwins normalises each column of Z = X W in the degree metric (||column of Z_left||^2 =
sum_i d_i Z_ik^2), so its loss sees only Zn = D^1/2 Z diag(1 / column norms). The rank of the
solution is the number of relative singular values s_i / s_1 of Zn above a tolerance, and its
rank-r part is W_r = Wn V_r (Wn = W with the same column scaling, V_r the top-r right singular
vectors of Zn). Per r = 1..K this module stores

- ``w_sv_rel_<r>``: s_r / s_1 of Zn;
- ``contain_deg_r<r>``: the containment angle of col(W_r) inside the top-K canonical subspace
  (``subspaces.containment_angle``: 0 iff col(W_r) lies inside it);
- ``equal_deg_r<r>``: the largest (padded) principal angle between col(W_r) and the top-r
  canonical subspace (0 iff they are equal);
- ``cf_gap_rel_r<r>``: the relative gap (rho_r - rho_{r+1}) / rho_r of the canonical spectrum
  after the cut r (the top-r subspace is ill-posed where it is ~0).

The report picks r from ``claims.rank_rtol`` (``claims.tables.with_rank_aware_angles``), as it
picks the spectral rank of Z from its stored singular values.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .subspaces import compare_subspaces, containment_angle


def normalised_directions(
    weight: np.ndarray, z: np.ndarray, degrees: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(s / s_1 of Zn, Wn V): the loss's view of Z = X W and W's directions ordered by it."""
    w = np.asarray(weight, dtype=np.float64)
    zd = np.sqrt(np.asarray(degrees, dtype=np.float64))[:, None] * np.asarray(z, np.float64)
    norms = np.linalg.norm(zd, axis=0)
    norms = np.where(norms > 0, norms, 1.0)
    _, s, vt = np.linalg.svd(zd / norms, full_matrices=False)
    rel = s / s[0] if s.size and s[0] > 0 else np.zeros_like(s)
    return rel, (w / norms) @ vt.T


def rank_aware_angles(
    weight: np.ndarray,
    z: np.ndarray,
    degrees: np.ndarray,
    reference: np.ndarray,
    gaps: Sequence[float | None],
) -> dict[str, Any]:
    """The per-rank columns of the module docstring (reference: top-K canonical directions,
    columns ordered by decreasing rho; gaps: the relative gap after each cut)."""
    rel, directions = normalised_directions(weight, z, degrees)
    ref = np.asarray(reference, dtype=np.float64)
    out: dict[str, Any] = {}
    for r in range(1, ref.shape[1] + 1):
        w_r = directions[:, :r]
        out[f"w_sv_rel_{r}"] = float(rel[r - 1]) if r <= rel.size else float("nan")
        out[f"contain_deg_r{r}"] = containment_angle(w_r, ref, centre=False)
        out[f"equal_deg_r{r}"] = compare_subspaces(w_r, ref[:, :r], centre=False).max_angle
        gap = gaps[r - 1] if r <= len(gaps) else None
        out[f"cf_gap_rel_r{r}"] = float("nan") if gap is None else float(gap)
    return out
