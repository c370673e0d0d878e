"""Known answers for the numbers the learned-vs-closed-form verdicts rest on (C2, C3, C8, C9,
C10, C16): ``reference_solution`` (exact and tied-eigenspace branches, components),
``compare_with_closed_form``, ``_closed_form_metrics`` (angles, loss gap, singular-value error,
trajectory), ``relative_gap`` and ``identities``.

Graphs with spectra known in closed form are used throughout:

- the path P_n: Laplacian eigenvalues 2 - 2 cos(pi j / n), all simple, eigenvectors
  cos(pi j (i + 1/2) / n), so the cut after any K is separated;
- the cycle C_n: Laplacian eigenvalues 2 - 2 cos(2 pi j / n), j and n - j tied, eigenvectors
  cos / sin(2 pi j i / n); adjacency eigenvalues 2 cos(2 pi j / n).
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import torch

from spectral_ssl.closed_form import cca_solution, lpp_solution, vicreg_solution
from spectral_ssl.errors import ConfigError
from spectral_ssl.experiments import (
    _closed_form_metrics,
    collect,
    compare_with_closed_form,
    reference_solution,
    relative_gap,
)
from spectral_ssl.identity_checks import (
    doubly_normalised_duality_error,
    duality_identity_error,
    identities,
)
from spectral_ssl.losses import vicreg_squared_loss
from spectral_ssl.relations import view_pairs
from spectral_ssl.subspaces import compare_subspaces
from spectral_ssl.training import TrainConfig


def undirected(pairs: list[tuple[int, int]]) -> np.ndarray:
    """Both directions of each pair, as a 2 x E edge array."""
    a = np.array(pairs, dtype=np.int64).T
    return np.concatenate([a, a[::-1]], axis=1)


def path_graph(n: int) -> np.ndarray:
    return undirected([(i, i + 1) for i in range(n - 1)])


def cycle_graph(n: int) -> np.ndarray:
    return undirected([(i, (i + 1) % n) for i in range(n)])


def path_eigenvector(n: int, j: int) -> np.ndarray:
    v = np.cos(np.pi * j * (np.arange(n) + 0.5) / n)
    return v / np.linalg.norm(v)


def unit(n: int, *idx: int) -> np.ndarray:
    """Columns e_i of R^n."""
    out = np.zeros((n, len(idx)))
    out[list(idx), range(len(idx))] = 1.0
    return out


# --------------------------------------------------------------------------------------------
# compare_with_closed_form
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("theta", [0.0, 7.5, 30.0, 63.0])
def test_a_rotation_by_a_known_angle_gives_that_principal_angle(theta):
    n, t = 12, math.radians(theta)
    reference = unit(n, 0, 1)
    learned = np.stack([math.cos(t) * unit(n, 0)[:, 0] + math.sin(t) * unit(n, 2)[:, 0],
                        3.0 * unit(n, 1)[:, 0]], axis=1)  # fmt: skip
    out = compare_with_closed_form(learned, reference, centre=False)
    assert out["angle_max_deg"] == pytest.approx(theta, abs=1e-6)
    assert out["angle_mean_deg"] == pytest.approx(theta / 2, abs=1e-6)
    assert out["learned_rank"] == out["cf_rank"] == 2
    assert out["projector_distance"] == pytest.approx(math.sqrt(2) * math.sin(t), abs=1e-9)
    # the same angle whatever basis of the learned span (Z -> Z O) and scale
    rot = np.array([[0.6, -0.8], [0.8, 0.6]])
    again = compare_with_closed_form(5.0 * learned @ rot, reference, centre=False)
    assert again["angle_max_deg"] == pytest.approx(theta, abs=1e-6)


def test_a_rank_deficient_z_against_a_full_rank_reference_is_not_aligned():
    """Z collapsed onto one direction of a 2-D reference: the missing one counts as 90 degrees."""
    n = 10
    reference = unit(n, 0, 1)
    learned = np.stack([unit(n, 0)[:, 0], 2.0 * unit(n, 0)[:, 0]], axis=1)  # rank 1
    out = compare_with_closed_form(learned, reference, centre=False)
    assert out["learned_rank"] == 1 and out["cf_rank"] == 2
    assert out["angle_max_deg"] == pytest.approx(90.0)
    assert out["angle_mean_deg"] == pytest.approx(45.0)
    assert out["projector_distance"] == pytest.approx(1.0)
    # a fully collapsed Z has no angle at all: every reference direction is missing
    collapsed = compare_with_closed_form(np.zeros((n, 2)), reference, centre=False)
    assert collapsed["learned_rank"] == 0 and collapsed["angle_max_deg"] == 90.0


def test_a_containing_reference_measures_how_far_z_is_from_lying_inside():
    """A 2-D Z inside a 4-D eigenspace: aligned (0 degrees) when the reference is containing,
    padded to 90 degrees when it is taken as exact; a Z that leaves it shows its angle."""
    n = 9
    eigenspace = unit(n, 0, 1, 2, 3)
    inside = unit(n, 1, 3) @ np.array([[1.0, 1.0], [1.0, -1.0]])
    out = compare_with_closed_form(inside, eigenspace, centre=False, containing=True)
    assert out["angle_max_deg"] == pytest.approx(0.0, abs=1e-6)
    assert out["learned_rank"] == 2 and out["cf_rank"] == 4
    exact = compare_with_closed_form(inside, eigenspace, centre=False)
    assert exact["angle_max_deg"] == pytest.approx(90.0)
    t = math.radians(20.0)
    leaving = unit(n, 1, 3)
    leaving[:, 0] = math.cos(t) * unit(n, 1)[:, 0] + math.sin(t) * unit(n, 7)[:, 0]
    out = compare_with_closed_form(leaving, eigenspace, centre=False, containing=True)
    assert out["angle_max_deg"] == pytest.approx(20.0, abs=1e-6)


def test_centre_removes_a_mean_but_only_when_asked():
    n = 20
    rng = np.random.default_rng(0)
    ref = rng.normal(size=(n, 2))
    ref -= ref.mean(axis=0)
    shifted = ref + np.array([4.0, -3.0])
    assert compare_with_closed_form(shifted, ref, centre=True)["angle_max_deg"] < 1e-6
    assert compare_with_closed_form(shifted, ref, centre=False)["angle_max_deg"] > 1.0


# --------------------------------------------------------------------------------------------
# reference_solution
# --------------------------------------------------------------------------------------------
def test_reference_of_a_separated_spectrum_is_the_closed_form_itself():
    n, k = 30, 3
    cf, basis, containing = reference_solution("vicreg_sq", None, path_graph(n), n, k,
                                               {"alpha": 1.0, "gamma": 0.1})  # fmt: skip
    assert containing is False and not cf.metadata["degenerate_cut"]
    np.testing.assert_array_equal(basis, cf.embedding)
    expected = np.stack([path_eigenvector(n, j) for j in (1, 2, 3)], axis=1)
    assert compare_subspaces(basis, expected).max_angle < 1e-6
    np.testing.assert_allclose(cf.eigenvalues, 2 - 2 * np.cos(np.pi * np.arange(1, 4) / n),
                               atol=1e-10)  # fmt: skip


def test_reference_of_a_tied_cut_is_the_whole_eigenspace():
    """Cycle C_n, K = 1: l_1 = l_2 = 2 - 2 cos(2 pi / n) (cos and sin of frequency 1), so the
    K = 1 column of Z* is one arbitrary choice; the reference is the 2-D eigenspace."""
    n = 24
    edges = cycle_graph(n)
    i = np.arange(n)
    freq1 = np.stack([np.cos(2 * np.pi * i / n), np.sin(2 * np.pi * i / n)], axis=1)
    cf, basis, containing = reference_solution("vicreg_sq", None, edges, n, 1,
                                               {"alpha": 1.0, "gamma": 0.1})  # fmt: skip
    assert cf.metadata["degenerate_cut"] and cf.metadata["cut_multiplicity"] == 2
    assert containing is True and basis.shape == (n, 2)
    assert compare_subspaces(basis, freq1, centre=False).max_angle < 1e-6
    assert cf.embedding.shape == (n, 1)
    assert compare_with_closed_form(cf.embedding, basis, centre=True,
                                    containing=True)["angle_max_deg"] < 1e-6  # fmt: skip
    # K = 2 takes the whole pair: no longer tied, the exact branch
    cf2, basis2, containing2 = reference_solution("vicreg_sq", None, edges, n, 2,
                                                  {"alpha": 1.0, "gamma": 0.1})  # fmt: skip
    assert containing2 is False and basis2.shape == (n, 2)
    assert compare_subspaces(basis2, freq1, centre=False).max_angle < 1e-6


def test_reference_of_a_tied_adjacency_cut_includes_the_top_eigenvector():
    """Spectral contrastive on C_n, K = 2: top eigenvalue 2 (constant), then 2 cos(2 pi / n)
    twice; the tied cut makes the reference the 3-D span of 1, cos and sin of frequency 1."""
    n = 20
    i = np.arange(n)
    span = np.stack([np.ones(n), np.cos(2 * np.pi * i / n), np.sin(2 * np.pi * i / n)], axis=1)
    cf, basis, containing = reference_solution("spectral_contrastive", None, cycle_graph(n), n,
                                               2, {})  # fmt: skip
    assert containing is True and basis.shape == (n, 3)
    assert compare_subspaces(basis, span, centre=False).max_angle < 1e-6
    np.testing.assert_allclose(cf.eigenvalues, [2.0, 2 * np.cos(2 * np.pi / n)], atol=1e-10)


def test_reference_of_free_simclr_and_barlow_twins_is_the_component_indicators():
    n = 9  # components {0,1,2}, {3,4}, {5..8}
    edges = undirected([(0, 1), (1, 2), (3, 4), (5, 6), (6, 7), (7, 8)])
    cf, basis, containing = reference_solution("components", None, edges, n, 2, {})
    assert containing is True and cf.predicted_rank == 2  # min(K, 3 components)
    labels = np.array([0, 0, 0, 1, 1, 2, 2, 2, 2])
    np.testing.assert_array_equal(basis, (labels[:, None] == np.arange(3)).astype(float))
    np.testing.assert_array_equal(cf.eigenvalues, [3.0, 2.0, 4.0])  # component sizes
    assert reference_solution("components", None, edges, n, 5, {})[0].predicted_rank == 3


def test_reference_of_a_linear_twin_is_its_weights():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 6))
    edges = view_pairs(20, 2)
    hp = {"alpha": 2.0, "gamma": 1.0, "beta": 7.0}  # beta: not the closed form's, ignored
    cf, basis, containing = reference_solution("vicreg_sq_linear", x, edges, 40, 3, hp)
    assert containing is False
    np.testing.assert_array_equal(basis, cf.weights)
    np.testing.assert_allclose(basis, lpp_solution(x, edges, 3, alpha=2.0, gamma=1.0).weights,
                               rtol=1e-12, atol=1e-14)  # fmt: skip
    cf, basis, _ = reference_solution("barlow_twins_linear", x, edges, 40, 3, {})
    assert (
        compare_subspaces(basis, cca_solution(x, edges, 3).weights, centre=False).max_angle < 1e-6
    )


def test_reference_needs_the_hyperparameters_of_its_closed_form():
    with pytest.raises(ConfigError, match="gamma"):
        reference_solution("vicreg_sq", None, path_graph(10), 10, 2, {"alpha": 1.0})


# --------------------------------------------------------------------------------------------
# _closed_form_metrics: angles, loss gap, singular-value error, trajectory
# --------------------------------------------------------------------------------------------
N_PATH, K_PATH, ALPHA, GAMMA = 30, 3, 1.0, 0.5


@pytest.fixture(scope="module")
def path_closed_form():
    """Z* of the VICReg surrogate on P_30 (K = 3, separated spectrum) as the pipeline stores it."""
    edges = path_graph(N_PATH)
    hp = {"alpha": ALPHA, "gamma": GAMMA}
    cf, reference, containing = reference_solution("vicreg_sq", None, edges, N_PATH, K_PATH, hp)
    closed = {"method": np.asarray(cf.method), "predicted_rank": np.asarray(cf.predicted_rank),
              "reference": reference, "containing": np.asarray(containing),
              "embedding": cf.embedding,
              "scales": np.asarray(cf.metadata["scales"])}  # fmt: skip
    sol = vicreg_solution(edges, N_PATH, K_PATH, **hp)
    assert cf.predicted_rank == K_PATH and np.all(sol.scales > 0.5)
    return edges, closed, sol


def rotated(sol, theta_deg: float) -> np.ndarray:
    """Z* with its first column turned by theta towards the 4th eigenvector (outside col(Z*))."""
    t = math.radians(theta_deg)
    z = sol.embedding.copy()
    u1 = sol.spectrum.vectors[:, 0]
    u4 = path_eigenvector(N_PATH, 4)
    u4 = u4 * np.sign(u4 @ u4)  # any sign
    z[:, 0] = math.sqrt(N_PATH - 1) * sol.scales[0] * (math.cos(t) * u1 + math.sin(t) * u4)
    return z


def fake_result(snapshots: list[np.ndarray], losses: list[float], steps: list[int]):
    return SimpleNamespace(
        snapshot_steps=np.array(steps, dtype=np.int64),
        snapshots=np.stack(snapshots) if snapshots else np.zeros((0, N_PATH, K_PATH)),
        log=pd.DataFrame({"step": range(len(losses)), "loss": losses}),
        hparams={"alpha": ALPHA, "gamma": GAMMA},
    )


def test_closed_form_metrics_at_the_optimum(path_closed_form):
    edges, closed, sol = path_closed_form
    config = TrainConfig(method="vicreg_sq", hparams={"alpha": ALPHA, "gamma": GAMMA},
                         model="free", k=K_PATH)  # fmt: skip
    initial = 10.0 * abs(sol.minimum)
    result = fake_result([rotated(sol, 40.0), rotated(sol, 12.0), sol.embedding],
                         [initial, sol.minimum], [0, 10, 20])  # fmt: skip
    out = _closed_form_metrics(config, result, {"z_views": sol.embedding}, edges, None, closed)
    assert out["cf_method"] == "vicreg_sq" and out["cf_predicted_rank"] == K_PATH
    assert out["cf_containing"] is False
    assert out["angle_max_deg"] < 1e-5 and out["learned_rank"] == out["cf_rank"] == K_PATH
    assert out["loss_at_cf"] == pytest.approx(sol.minimum, rel=1e-12)
    assert out["loss_gap_rel"] == pytest.approx(0.0, abs=1e-12)
    assert out["sv_rel_error"] == pytest.approx(0.0, abs=1e-10)
    steps = [p["step"] for p in out["trajectory"]]
    angles = [p["angle_max_deg"] for p in out["trajectory"]]
    assert steps == [0, 10, 20]
    np.testing.assert_allclose(angles, [40.0, 12.0, 0.0], atol=1e-5)
    means = [p["angle_mean_deg"] for p in out["trajectory"]]
    np.testing.assert_allclose(means, [40.0 / 3, 4.0, 0.0], atol=1e-5)


def test_closed_form_metrics_away_from_the_optimum(path_closed_form):
    """Z = 1.1 Z* turned by 25 degrees: angle 25, singular-value error 0.1, the loss gap is the
    one of the loss values, the loss at Z* is the loss function's own value there."""
    edges, closed, sol = path_closed_form
    config = TrainConfig(method="vicreg_sq", hparams={"alpha": ALPHA, "gamma": GAMMA},
                         model="free", k=K_PATH)  # fmt: skip
    z = 1.1 * rotated(sol, 25.0)
    final = float(vicreg_squared_loss(torch.as_tensor(z), edges, alpha=ALPHA, gamma=GAMMA))
    result = fake_result([], [50.0, final], [])
    out = _closed_form_metrics(config, result, {"z_views": z}, edges, None, closed)
    assert out["angle_max_deg"] == pytest.approx(25.0, abs=1e-5)
    assert out["angle_mean_deg"] == pytest.approx(25.0 / 3, abs=1e-5)
    assert out["sv_rel_error"] == pytest.approx(0.1, abs=1e-9)
    at_cf = float(vicreg_squared_loss(torch.as_tensor(sol.embedding), edges, alpha=ALPHA,
                                      gamma=GAMMA))  # fmt: skip
    assert out["loss_at_cf"] == pytest.approx(at_cf, rel=1e-12)
    assert out["loss_gap_rel"] == pytest.approx((final - at_cf) / abs(at_cf), rel=1e-12)
    assert out["loss_gap_rel"] > 0
    assert "trajectory" not in out  # no snapshots, no trajectory


def test_closed_form_metrics_only_compare_losses_where_z_star_minimises_the_trained_loss(
    path_closed_form,
):
    """VICReg (hinge) is compared with the surrogate's Z*: angles yes, loss gap and singular
    values no (Z* is not the hinge loss's minimiser)."""
    edges, closed, sol = path_closed_form
    config = TrainConfig(method="vicreg", model="free", k=K_PATH)
    result = fake_result([], [1.0, 0.5], [])
    result.hparams = config.resolved_hparams()
    out = _closed_form_metrics(config, result, {"z_views": sol.embedding}, edges, None, closed)
    assert out["angle_max_deg"] < 1e-5
    assert not {"loss_at_cf", "loss_gap_rel", "sv_rel_error"} & set(out)


def test_hinge_vicreg_free_run_carries_the_diagonal_loss(path_closed_form, tmp_path):
    """Hinge VICReg, free model: ``loss_at_diagonal`` is vicreg_loss (the run's hyperparameters,
    float64) at the diagonal solution of theory 3.2 on the run's graph, and collect keeps it."""
    from spectral_ssl.closed_form import vicreg_hinge_diagonal_solution
    from spectral_ssl.io import save_json
    from spectral_ssl.losses import vicreg_loss

    edges, closed, sol = path_closed_form
    config = TrainConfig(method="vicreg", model="free", k=K_PATH,
                         hparams={"alpha": 2.0, "beta": 3.0, "gamma": 40.0})  # fmt: skip
    result = fake_result([], [1.0, 0.5], [])
    result.hparams = config.resolved_hparams()
    out = _closed_form_metrics(config, result, {"z_views": sol.embedding}, edges, None, closed)
    diag = vicreg_hinge_diagonal_solution(edges, N_PATH, K_PATH, alpha=2.0, gamma=40.0)
    expected = float(vicreg_loss(torch.as_tensor(diag.embedding), edges, alpha=2.0, beta=3.0,
                                 gamma=40.0))  # fmt: skip
    assert out["loss_at_diagonal"] == pytest.approx(expected, rel=1e-12)
    assert out["loss_at_diagonal"] == pytest.approx(diag.minimum, rel=1e-10)
    assert out["diag_predicted_rank"] == K_PATH
    path = tmp_path / "metrics.json"
    save_json(path, {"data": "d", "relation": "r", "model": "free", "method": "vicreg",
                     "final_loss": 0.5, **out})  # fmt: skip
    table, _ = collect([path])
    assert table["loss_at_diagonal"].iloc[0] == pytest.approx(expected, rel=1e-12)
    # other methods do not get it
    config_sq = TrainConfig(method="vicreg_sq", hparams={"alpha": ALPHA, "gamma": GAMMA},
                            model="free", k=K_PATH)  # fmt: skip
    out_sq = _closed_form_metrics(config_sq, fake_result([], [1.0, 0.5], []),
                                  {"z_views": sol.embedding}, edges, None, closed)  # fmt: skip
    assert "loss_at_diagonal" not in out_sq


def test_closed_form_metrics_of_a_linear_run_compare_the_weights():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(40, 6))
    edges = view_pairs(20, 2)
    hp = {"alpha": 25.0, "gamma": 1.0}
    cf, reference, containing = reference_solution("vicreg_sq_linear", x, edges, 40, 3, hp)
    closed = {"method": np.asarray(cf.method), "predicted_rank": np.asarray(cf.predicted_rank),
              "reference": reference, "containing": np.asarray(containing)}  # fmt: skip
    config = TrainConfig(method="vicreg_sq", hparams=hp, model="linear", k=3)
    w = reference @ np.linalg.qr(rng.normal(size=(3, 3)))[0]  # same span, other basis
    arrays = {"z_views": x @ w, "weight": w}
    out = _closed_form_metrics(config, fake_result([], [1.0, 0.5], []), arrays, edges, None,
                               closed)  # fmt: skip
    assert out["cf_method"] == "vicreg_sq_linear" and out["angle_max_deg"] < 1e-5
    assert "loss_gap_rel" not in out and "trajectory" not in out
    w_bad = w.copy()
    w_bad[:, 2] = w_bad[:, 1]  # rank 2: one direction missing
    arrays = {"z_views": x @ w_bad, "weight": w_bad}
    out = _closed_form_metrics(config, fake_result([], [1.0, 0.5], []), arrays, edges, None,
                               closed)  # fmt: skip
    assert out["learned_rank"] == 2 and out["angle_max_deg"] == pytest.approx(90.0)


# --------------------------------------------------------------------------------------------
# relative_gap
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "final,minimum,initial,expected",
    [
        (1.1, 1.0, 5.0, 0.1),  # relative to |L*|
        (-0.9, -1.0, 3.0, 0.1),  # negative minimum (spectral contrastive)
        (-1.0, -1.0, 3.0, 0.0),  # at the minimum
        (0.25, 0.0, 1.0, 0.25),  # L* = 0: fraction of the initial gap left
        (0.5, 1e-12, 2.0, (0.5 - 1e-12) / (2.0 - 1e-12)),  # L* ~ 0 relative to L_0
        (0.0, 0.0, 0.0, 0.0),  # nothing to measure
    ],
)
def test_relative_gap_known_values(final, minimum, initial, expected):
    assert relative_gap(final, minimum, initial) == pytest.approx(expected, rel=1e-12, abs=1e-15)


# --------------------------------------------------------------------------------------------
# identities (the C1, C6, C10, C15 table of the pipeline)
# --------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def identity_table() -> pd.DataFrame:
    return identities(seed=0)


def test_identities_hold_and_the_non_invariant_losses_do_change(identity_table):
    table = identity_table
    assert set(table["claim"]) == {"C1", "C6", "C10", "C15"}
    assert (table["value"] <= table["tolerance"]).all(), table
    c10 = table[table["claim"] == "C10"]
    assert len(c10) == 4 and (c10["value"] < 1e-6).all()
    changing = table[table["quantity"].str.contains("not invariant")]
    assert len(changing) == 2 and (changing["value"] > 1e-6).all()  # the check can see a change
    assert (table[table["claim"] == "C1"]["value"] < 1e-12).all()


def _duality_by_hand(a):
    """L_c, L_nc and the fourth powers of the row / column norms, by plain numpy loops."""
    n, m = a.shape
    l_c = sum(float(a[i] @ a[j]) ** 2 for i in range(n) for j in range(n) if i != j)
    l_nc = sum(float(a[:, i] @ a[:, j]) ** 2 for i in range(m) for j in range(m) if i != j)
    rows4 = sum(float(a[i] @ a[i]) ** 2 for i in range(n))
    cols4 = sum(float(a[:, j] @ a[:, j]) ** 2 for j in range(m))
    return l_c, l_nc, rows4, cols4


def test_c6_barlow_twins_rotation_measurements(identity_table):
    """BarlowTwins under Z -> Z O: invariant at an L = 0 optimum on cliques (Z^T D Z = I); on a
    random graph the loss rises, and L-BFGS from Z* O returns to L(Z*) in the same subspace
    after turning the frame back. Reported rows (tolerance inf), never judged."""
    rows = identity_table[identity_table["quantity"].str.contains("measurement, not judged")]
    assert len(rows) == 9 and (rows["claim"] == "C6").all()
    assert np.isinf(rows["tolerance"]).all()

    def value(text: str, case: str) -> float:
        hit = rows[rows["quantity"].str.contains(text, regex=False)
                   & rows["quantity"].str.contains(case, regex=False)]
        assert len(hit) == 1, (text, case)
        return float(hit["value"].iloc[0])

    for case in ("cliques", "random graph"):
        assert abs(value("loss gap L(Z')", case)) < 1e-6
        assert value("between col(Z') and col(Z*)", case) < 0.5
    assert value("loss increase L(Z* O)", "cliques") < 1e-3
    assert value("rotation of the right singular", "cliques") < 0.1
    assert value("relative loss increase", "random graph") > 0.01
    assert value("rotation of the right singular", "random graph") > 1.0


def test_c15_rows_cover_non_square_matrices_in_both_orders(identity_table):
    table = identity_table
    c15 = table[table["claim"] == "C15"]
    quantities = " | ".join(c15["quantity"])
    assert "N - N^2/M" in quantities and "N - M " not in quantities
    for shape in (
        "60 x 20 matrix (N > M)",
        "20 x 60 matrix (N < M)",
        "24 x 24 matrix (N = M)",
        "12 x 40, N < M",
    ):
        assert shape in quantities, shape
    relative = c15[c15["quantity"].str.startswith("relative")]
    assert len(relative) == 4 and (relative["value"] < 1e-12).all(), c15
    # the claims read these columns (claims/identities.py)
    assert {"claim", "quantity", "value", "tolerance"} <= set(table.columns)


@pytest.mark.parametrize("shape", [(30, 10), (10, 30), (12, 12)])
def test_c15_duality_against_a_direct_computation(shape):
    from spectral_ssl.subspaces import doubly_normalise

    rng = np.random.default_rng(1)
    n, m = shape
    a = rng.normal(size=shape)
    l_c, l_nc, rows4, cols4 = _duality_by_hand(a)
    assert l_nc + cols4 == pytest.approx(l_c + rows4, rel=1e-12)
    assert duality_identity_error(a) < 1e-12
    b = doubly_normalise(np.abs(rng.normal(size=shape)) + 0.1)
    np.testing.assert_allclose(np.linalg.norm(b, axis=1), 1.0, atol=1e-10)
    np.testing.assert_allclose(np.linalg.norm(b, axis=0), np.sqrt(n / m), atol=1e-10)
    l_c, l_nc, rows4, cols4 = _duality_by_hand(b)
    assert rows4 == pytest.approx(n) and cols4 == pytest.approx(n**2 / m)
    assert l_nc - l_c == pytest.approx(n - n**2 / m, abs=1e-9)
    error, target = doubly_normalised_duality_error(b)
    assert target == pytest.approx(n - n**2 / m) and abs(error) < 1e-9
    if n != m:  # the unit-columns statement N - M is off by (M^2 - N^2) / M
        assert abs((l_nc - l_c) - (n - m)) > 1.0


def test_run_metrics_carry_the_convergence_verdict():
    from spectral_ssl.convergence import assess
    from spectral_ssl.experiments import run_metrics

    log = pd.DataFrame({"step": range(40), "loss": np.ones(40), "lr": 0.1, "time_s": 0.0})
    verdict = assess(log["loss"], grad_initial=2.0, grad_final=1e-5)
    result = SimpleNamespace(
        log=log, wall_time_s=1.0, device="cpu", hparams={},
        convergence_metrics=lambda: {**verdict.as_metrics(), "conv_steps": 40},
    )  # fmt: skip
    rng = np.random.default_rng(0)
    z = rng.normal(size=(20, 3))
    views = SimpleNamespace(n_samples=10, y=np.repeat([0, 1], 10))
    m = run_metrics(TrainConfig(method="vicreg"), result, {"z_views": z}, views,
                    view_pairs(10, 2), None, None)  # fmt: skip
    assert m["converged"] is True and m["conv_grad_ratio"] == pytest.approx(5e-6)
    assert m["conv_reason"] == "converged" and m["conv_steps"] == 40
    assert "final_lr" not in m and m["final_loss"] == 1.0


def test_c10_check_detects_a_non_regular_graph():
    """The C10 statement needs a regular G: with one extra edge LPP and CCA directions part."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(120, 6)) @ rng.normal(size=(6, 6))
    x -= x.mean(axis=0)
    regular = view_pairs(60, 2)
    irregular = np.concatenate([regular, undirected([(0, 1), (2, 3), (4, 5)])], axis=1)
    angle = {}
    for name, edges in (("regular", regular), ("irregular", irregular)):
        angle[name] = compare_with_closed_form(lpp_solution(x, edges, 3).directions,
                                               cca_solution(x, edges, 3).directions,
                                               centre=False)["angle_max_deg"]  # fmt: skip
    assert angle["regular"] < 1e-6 and angle["irregular"] > 1e-3, angle


def test_collect_pairs_each_run_with_the_references_of_its_data_draw(tmp_path):
    """Runs of data seeds 0 and 1 get the supervised / whitened / twin accuracies of their own
    draw; in fixed-data mode (data_seed 0 for both run seeds) both get draw 0's."""
    import json

    from spectral_ssl.experiments import collect

    def write(name, content):
        path = tmp_path / name
        path.write_text(json.dumps(content))
        return path

    cell = {"data": "syn", "dataset": "syn", "relation": "vp", "model": "linear", "k": 3,
            "hparams_label": "gamma=1", "hparams": {"gamma": 1}}  # fmt: skip
    files = []
    for ds in (0, 1):
        files.append(write(f"base{ds}.json", [
            {"dataset": "syn", "data": "syn", "method": m, "model": "linear", "seed": ds,
             "data_seed": ds, "probe_test_accuracy": acc + ds / 10, "status": "ok"}
            for m, acc in (("supervised", 0.5), ("whitened", 0.3))]))  # fmt: skip
        files.append(
            write(
                f"cf{ds}.json",
                {
                    **cell,
                    "method": "twin:lpp",
                    "seed": ds,
                    "data_seed": ds,
                    "probe_test_accuracy": 0.7 + ds / 10,
                },
            )
        )
    for seed, data_seed in ((0, 0), (1, 1), (2, 0)):  # seed 2: a fixed-data run on draw 0
        files.append(write(f"run{seed}.json", {**cell, "experiment": "e", "method": "vicreg_sq",
                                               "seed": seed, "data_seed": data_seed,
                                               "probe_test_accuracy": 0.1}))  # fmt: skip
    table, _ = collect(files)
    runs = table[table["method"] == "vicreg_sq"].set_index("seed")
    for seed, ds in ((0, 0), (1, 1), (2, 0)):
        assert runs.loc[seed, "data_seed"] == ds
        assert runs.loc[seed, "ref_supervised_test_accuracy"] == pytest.approx(0.5 + ds / 10)
        assert runs.loc[seed, "ref_whitened_test_accuracy"] == pytest.approx(0.3 + ds / 10)
        assert runs.loc[seed, "ref_twin_test_accuracy"] == pytest.approx(0.7 + ds / 10)
    refs = table[table["method"] != "vicreg_sq"]
    assert refs["ref_supervised_test_accuracy"].isna().all()
    assert sorted(refs.loc[refs["method"] == "supervised", "seed"]) == [0, 1]


def test_run_metrics_validation_split_follows_the_data_seed_and_collect_keeps_it(tmp_path):
    """probe_val_accuracy: seeded by data_seed (default the run seed), views of one source kept
    together on a free Z; collect carries it into the run table unchanged."""
    import json

    from spectral_ssl.evaluation import linear_probe, validation_split
    from spectral_ssl.experiments import collect, run_metrics

    log = pd.DataFrame({"step": range(3), "loss": np.ones(3), "lr": 0.1, "time_s": 0.0})
    result = SimpleNamespace(log=log, wall_time_s=1.0, device="cpu", hparams={})
    rng = np.random.default_rng(0)
    y = np.tile(np.repeat([0, 1], 15), 2)
    z = rng.normal(size=(60, 3)) + 1.5 * y[:, None]
    source = np.tile(np.arange(30), 2)
    views = SimpleNamespace(n_samples=30, y=y, source=source)
    config = TrainConfig(method="vicreg", seed=5)
    args = ({"z_views": z}, views, view_pairs(30, 2), None, None)
    m = run_metrics(config, result, *args, data_seed=2)
    fit, val = validation_split(y, seed=2, groups=source)
    assert set(source[fit]).isdisjoint(source[val])
    assert m["probe_val_accuracy"] == linear_probe(z[fit], y[fit], z[val], y[val])["test_accuracy"]
    assert m["probe_train_accuracy"] == linear_probe(z, y)["train_accuracy"]
    assert run_metrics(config, result, *args)["probe_val_accuracy"] == \
        run_metrics(config, result, *args, data_seed=5)["probe_val_accuracy"]  # fmt: skip
    path = tmp_path / "run.json"
    path.write_text(json.dumps({"data": "syn", "dataset": "syn", "relation": "vp",
                                "model": "free", "method": "vicreg", "seed": 5, "data_seed": 2,
                                "k": 3, "hparams": {}, **m}, default=float))  # fmt: skip
    table, _ = collect([path])
    assert table.loc[0, "probe_val_accuracy"] == pytest.approx(m["probe_val_accuracy"])
