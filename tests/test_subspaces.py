"""Principal angles with honest ranks, effective rank, and the Garrido et al. duality (C15)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.linalg import subspace_angles

from spectral_ssl.errors import DataError
from spectral_ssl.evaluation import effective_rank, numerical_rank
from spectral_ssl.subspaces import (
    compare_subspaces,
    containment_angle,
    doubly_normalise,
    doubly_normalise_report,
    duality_terms,
    principal_angles,
    projector_distance,
)


def test_known_angle_30_degrees():
    a = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]])  # the x-y plane
    t = np.radians(30.0)
    b = np.array([[1.0, 0.0], [0.0, np.cos(t)], [0.0, np.sin(t)]])  # tilted about x by 30 deg
    angles = principal_angles(a, b, centre=False)
    assert np.allclose(angles, [0.0, 30.0], atol=1e-10)
    # ||P_A - P_B||_F^2 = 2 sum sin^2(theta)
    assert np.isclose(projector_distance(a, b, centre=False), np.sqrt(2) * np.sin(t), atol=1e-12)


def test_invariance_to_column_mixing_and_centring():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((50, 4))
    b = a @ rng.standard_normal((4, 4)) + 3.0  # same centred column space, shifted mean
    cmp = compare_subspaces(a, b)
    assert cmp.rank_a == cmp.rank_b == 4
    assert cmp.max_angle < 1e-6 and cmp.projector_distance < 1e-8


def test_collapsed_embedding_does_not_look_aligned():
    """Two columns collapsed onto one direction: scipy reports 0 degrees, we report the gap."""
    rng = np.random.default_rng(1)
    target = rng.standard_normal((100, 2))
    target -= target.mean(axis=0)
    collapsed = np.column_stack([target[:, 0], 2.0 * target[:, 0]])  # rank 1
    assert np.degrees(subspace_angles(collapsed, target)).max() < 1e-6  # scipy: "aligned"
    cmp = compare_subspaces(collapsed, target)
    assert (cmp.rank_a, cmp.rank_b) == (1, 2)
    assert cmp.angles.max() < 1e-6  # the one surviving direction is aligned ...
    assert np.allclose(cmp.angles_padded, [0.0, 90.0], atol=1e-6)  # ... the other is missing
    assert cmp.max_angle == 90.0 and not cmp.same_rank
    assert np.isclose(cmp.projector_distance, 1.0, atol=1e-8)


def test_containment_angle_known_values():
    """col(A) inside col(B): 0; tilted out of it by 30 deg: 30; larger than col(B): 90."""
    plane = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]])
    assert containment_angle(np.array([[1.0], [1.0], [0.0]]), plane, centre=False) < 1e-12
    t = np.radians(30.0)
    tilted = np.array([[0.0], [np.cos(t)], [np.sin(t)]])
    assert np.isclose(containment_angle(tilted, plane, centre=False), 30.0, atol=1e-10)
    assert containment_angle(plane, tilted, centre=False) == 90.0
    assert containment_angle(np.zeros((3, 1)), plane, centre=False) == 90.0


def test_rank_aware_angles_read_the_rank_r_part_of_w():
    """W = the top canonical direction three times, the third tilted by ~1e-3 (BarlowTwins
    normalises columns, so a column's scale never lowers the rank; parallel columns do): rank 1
    at rtol 0.05; the rank-1 part equals the top-1 subspace and lies inside the top-3 one; the
    rank-2 part adds the tilt, a direction outside."""
    from spectral_ssl.rank_aware import rank_aware_angles

    rng = np.random.default_rng(0)
    x = rng.standard_normal((80, 5))
    ref = np.linalg.qr(rng.standard_normal((5, 3)))[0]  # stands for the top-3 directions
    w = np.column_stack([ref[:, 0], 3.0 * ref[:, 0], ref[:, 0] + 1e-3 * rng.standard_normal(5)])
    out = rank_aware_angles(w, x @ w, np.ones(80), ref, [0.2, 0.1, None])
    assert out["w_sv_rel_1"] == pytest.approx(1.0) and out["w_sv_rel_2"] < 0.05
    assert out["equal_deg_r1"] < 0.1 and out["contain_deg_r1"] < 0.1  # the tilt, averaged
    assert out["equal_deg_r2"] > 1.0 and out["contain_deg_r2"] > 1.0  # noise direction
    assert out["cf_gap_rel_r2"] == 0.1 and np.isnan(out["cf_gap_rel_r3"])
    full = rank_aware_angles(ref @ rng.standard_normal((3, 3)), x @ ref, np.ones(80), ref,
                             [0.2, 0.1, 0.1])  # fmt: skip
    assert max(full["equal_deg_r3"], full["contain_deg_r3"]) < 1e-6


def test_numerical_rank_tolerance():
    rng = np.random.default_rng(2)
    a = rng.standard_normal((40, 3)) @ np.diag([1.0, 1e-2, 1e-9])
    assert numerical_rank(a, rtol=1e-6, centre=False) == 2
    assert numerical_rank(a, rtol=1e-12, centre=False) == 3
    assert numerical_rank(np.zeros((5, 2))) == 0


def test_effective_rank():
    q, _ = np.linalg.qr(np.random.default_rng(3).standard_normal((30, 4)))
    assert np.isclose(effective_rank(q, centre=False), 4.0, rtol=1e-12)  # equal singular values
    assert np.isclose(effective_rank(q[:, :1] @ np.ones((1, 4)), centre=False), 1.0, rtol=1e-12)
    s = np.array([3.0, 1.0])
    p = s / s.sum()
    assert np.isclose(
        effective_rank(q[:, :2] * s, centre=False), np.exp(-np.sum(p * np.log(p))), rtol=1e-12
    )


def test_c15_duality_identity():
    rng = np.random.default_rng(4)
    a = rng.standard_normal((70, 25))
    gram, cov = a @ a.T, a.T @ a
    l_c_lit = np.sum((gram - np.diag(np.diag(gram))) ** 2)
    l_nc_lit = np.sum((cov - np.diag(np.diag(cov))) ** 2)
    l_c, l_nc = duality_terms(a)
    assert abs(l_c - l_c_lit) / l_c_lit < 1e-12 and abs(l_nc - l_nc_lit) / l_nc_lit < 1e-12
    lhs = l_nc + np.sum(np.sum(a**2, axis=0) ** 2)
    rhs = l_c + np.sum(np.sum(a**2, axis=1) ** 2)
    assert abs(lhs - rhs) / rhs < 1e-10


def test_c15_doubly_normalised_square_gives_n_minus_m():
    rng = np.random.default_rng(5)
    n = 40
    res = doubly_normalise_report(rng.uniform(0.1, 1.0, (n, n)) * rng.choice([-1, 1], (n, n)))
    assert res.converged and res.col_norm == 1.0
    assert np.allclose(np.linalg.norm(res.matrix, axis=1), 1.0, atol=1e-12)
    assert np.allclose(np.linalg.norm(res.matrix, axis=0), 1.0, atol=1e-12)
    l_c, l_nc = duality_terms(res.matrix)
    assert abs((l_nc - l_c) - (n - n)) / l_c < 1e-10


def test_c15_rectangular_unit_rows_and_columns_impossible():
    """sum A_ij^2 = N (unit rows) = M (unit cols): for N != M the columns get sqrt(N / M)."""
    rng = np.random.default_rng(6)
    n, m = 60, 20
    res = doubly_normalise_report(rng.uniform(0.1, 1.0, (n, m)))
    assert res.converged and np.isclose(res.col_norm, np.sqrt(n / m))
    l_c, l_nc = duality_terms(res.matrix)
    assert abs((l_nc - l_c) - (n - n**2 / m)) / l_c < 1e-10
    stuck = doubly_normalise_report(rng.uniform(0.1, 1.0, (n, m)), iters=50, col_norm=1.0)
    assert not stuck.converged and stuck.col_error > 0.1
    with pytest.warns(RuntimeWarning, match="did not converge"):
        doubly_normalise(rng.uniform(0.1, 1.0, (n, m)), iters=50, col_norm=1.0)
    assert np.allclose(doubly_normalise(res.matrix), res.matrix, atol=1e-12)


def test_errors():
    with pytest.raises(DataError, match="rows"):
        compare_subspaces(np.ones((3, 1)), np.ones((4, 1)))
    with pytest.raises(DataError, match="NaN"):
        numerical_rank(np.array([[np.nan]]))
    with pytest.raises(DataError, match="non-zero"):
        doubly_normalise_report(np.zeros((3, 3)))
