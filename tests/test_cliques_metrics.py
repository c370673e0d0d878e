"""Known answers for the per-run measurements of the clique cells: leading angles to a
reference span, SimCLR's row-normalised view, the hinge diagonal metrics without a closed form,
and the union-of-cliques certificate."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from spectral_ssl.closed_form import vicreg_hinge_diagonal_solution, vicreg_solution
from spectral_ssl.diagonal import hinge_diagonal_metrics
from spectral_ssl.experiments import loss_view, uncentred_spectrum
from spectral_ssl.relations import is_union_of_cliques, label_graph, relation_stats, view_pairs
from spectral_ssl.subspaces import leading_angles

LABELS = np.repeat(np.arange(3), 8)
IND = (LABELS[:, None] == np.arange(3)[None, :]).astype(np.float64)


def test_leading_angle_of_a_tilted_column_is_the_tilt():
    rng = np.random.default_rng(0)
    inside = IND @ np.array([1.0, -1.0, 0.0])  # centred, in the span
    outside = rng.normal(size=len(LABELS))
    outside -= IND @ np.linalg.lstsq(IND, outside, rcond=None)[0]  # orthogonal to the span
    u, v = inside / np.linalg.norm(inside), outside / np.linalg.norm(outside)
    v -= v.mean()
    v -= (v @ u) * u
    v /= np.linalg.norm(v)
    theta = np.radians(7.0)
    w = IND @ np.array([1.0, 1.0, -2.0])  # in the span, orthogonal to u and v
    z = np.stack([np.cos(theta) * u + np.sin(theta) * v, 1e-3 * w / np.linalg.norm(w)], axis=1)
    theta_r = leading_angles(z, IND)
    assert theta_r[0] == pytest.approx(7.0, abs=1e-9)  # the tilted leading direction
    assert theta_r[1] == pytest.approx(7.0, abs=1e-9)  # adding w (inside) changes nothing


def test_simclr_view_removes_row_scales():
    rng = np.random.default_rng(1)
    z = IND @ rng.normal(size=(3, 5)) * rng.uniform(0.5, 3.0, size=(len(LABELS), 1))
    assert leading_angles(z, IND)[1] > 1.0  # row scales tilt col(Z) out of the span
    assert leading_angles(loss_view(z), IND)[1] < 1e-6  # col(Z_hat) lies in it
    assert np.allclose(np.linalg.norm(loss_view(z), axis=1), 1.0)


def test_uncentred_rank_counts_the_mean():
    z = IND @ np.eye(3)[:, :2] + 1.0  # two columns, one constant direction added
    spec = uncentred_spectrum(z)
    assert set(spec) == {"usv_rel_1", "usv_rel_2"} and spec["usv_rel_2"] > 0.05


def test_union_of_cliques_certificate():
    n = len(LABELS)
    assert is_union_of_cliques(label_graph(LABELS), n)
    assert is_union_of_cliques(view_pairs(5, 3), 15)
    assert not is_union_of_cliques(label_graph(LABELS, positives_per_row=2, seed=0), n)
    stats = relation_stats(label_graph(LABELS), n, labels=LABELS)
    assert stats["union_of_cliques"] is True and stats["n_components"] == 3


def test_hinge_metrics_carry_the_surrogate_rank_and_a_zero_angle_at_the_diagonal():
    edges = label_graph(LABELS)
    n, k = len(LABELS), 4
    for gamma, ranks in ((0.01, (4, 4)), (5.0, (2, 4)), (50.0, (2, 2))):
        hp = {"alpha": 2.0, "beta": 2.0, "gamma": gamma}
        sol = vicreg_hinge_diagonal_solution(edges, n, k, alpha=2.0, gamma=gamma)
        out = hinge_diagonal_metrics(SimpleNamespace(k=k), SimpleNamespace(hparams=hp),
                                     {"z_views": sol.embedding}, edges, None)  # fmt: skip
        surrogate = vicreg_solution(edges, n, k, alpha=2.0, gamma=gamma)
        assert out["surrogate_predicted_rank"] == surrogate.predicted_rank
        assert out["loss_at_diagonal"] == pytest.approx(sol.minimum, rel=1e-10)
        assert out["diag_angle_max_deg"] < 1e-5
        # (surrogate, diagonal): the surrogate drops the clique directions (l = 8) at gamma 5,
        # the hinge only below its variance floor (t_k <= 2e-3, docs/theory.md 3.2) at 50
        assert (out["surrogate_predicted_rank"], out["diag_predicted_rank"]) == ranks
