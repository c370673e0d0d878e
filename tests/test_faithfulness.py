"""C18: faithfulness metrics (known answers), manifold coordinates, references, the verdict."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from spectral_ssl import faithfulness as F
from spectral_ssl.claims import INCONCLUSIVE, NOT_SUPPORTED, SUPPORTED, judge
from spectral_ssl.claims.registry import CLAIMS
from spectral_ssl.data import load_dataset, make_dataset, save_dataset, train_test_split
from spectral_ssl.errors import DataError
from spectral_ssl.relations import knn_graph
from spectral_ssl.views import make_views

RNG = np.random.default_rng(0)


def _plane(n: int = 200) -> np.ndarray:
    return np.random.default_rng(1).uniform(0, [10, 3], size=(n, 2))


# ------------------------------------------------------------------ metrics (known answers)
def test_isometric_embedding_is_faithful_locally_and_globally():
    u = _plane()
    rot = np.linalg.qr(RNG.normal(size=(4, 4)))[0]
    z = np.column_stack([u, np.zeros((len(u), 2))]) @ rot + 5.0  # rigid motion in R^4
    m = F.faithfulness(u, z, 10)
    assert m["trustworthiness"] == pytest.approx(1.0)
    assert m["knn_preservation"] == pytest.approx(1.0)
    assert m["global_spearman"] == pytest.approx(1.0)


def test_random_embedding_scores_lower_on_every_metric():
    u = _plane()
    m = F.faithfulness(u, RNG.normal(size=(len(u), 4)), 10)
    assert m["trustworthiness"] < 0.7
    assert m["knn_preservation"] < 0.2
    assert abs(m["global_spearman"]) < 0.2


def test_local_but_not_global_embedding_is_told_apart():
    """Folding the strip in two keeps neighbourhoods but breaks far distances."""
    u = _plane()
    folded = np.column_stack([np.abs(u[:, 0] - 5.0), u[:, 1], (u[:, 0] > 5.0) * 1.0])
    m = F.faithfulness(u, folded, 10)
    assert m["trustworthiness"] > 0.9
    assert m["global_spearman"] < 0.6


def test_collapsed_embedding_has_zero_global_faithfulness():
    assert F.global_spearman(_plane(50), np.ones((50, 3))) == 0.0


def test_bad_input_is_named():
    with pytest.raises(DataError, match="same number of rows"):
        F.faithfulness(_plane(50), np.zeros((40, 2)), 5)
    with pytest.raises(DataError, match="n_neighbors"):
        F.faithfulness(_plane(50), _plane(50), 30)


# --------------------------------------------------------------- manifold coordinates
def test_swiss_roll_unrolled_coordinates_are_geodesic():
    """Independent route: shortest paths on a kNN graph of a dense noise-free roll."""
    from scipy.spatial.distance import pdist, squareform
    from scipy.stats import spearmanr

    ds = make_dataset("swiss_roll", seed=0, n_samples=1500, noise=0.0)
    geo = F.geodesic_distances(ds.x, knn_graph(ds.x, 8), ds.n_samples)
    exact = squareform(pdist(ds.manifold))
    iu = np.triu_indices(ds.n_samples, 1)
    assert spearmanr(geo[iu], exact[iu]).statistic > 0.99
    # graph paths zig-zag: a few percent longer than the exact geodesics, never far off
    assert np.median(geo[iu] / exact[iu]) == pytest.approx(1.0, abs=0.1)


def test_manifold_coordinates_survive_split_and_file(tmp_path):
    ds = make_dataset("swiss_roll", seed=2, n_samples=80)
    train, test = train_test_split(ds, seed=2)
    save_dataset(tmp_path / "d.npz", train, test)
    train2, test2 = load_dataset(tmp_path / "d.npz")
    np.testing.assert_array_equal(train2.manifold, train.manifold)
    assert test2.manifold.shape == (test.n_samples, 2)
    assert make_dataset("digits", seed=0, n_samples=50).manifold is None


# ------------------------------------------------------------------------ references
def _swiss(n: int = 200, seed: int = 0):
    train, _ = train_test_split(make_dataset("swiss_roll", seed=seed, n_samples=n), seed=seed)
    views = make_views(train, 2, seed=seed, noise=0.05)
    return train, views, knn_graph(views.x, 8)


def test_mds_of_graph_geodesics_equals_sklearn_isomap_on_the_same_graph():
    from scipy.spatial.distance import pdist
    from sklearn.manifold import Isomap

    train, _, _ = _swiss()
    x = train.x
    ours = F.mds_of_distances(F.geodesic_distances(x, knn_graph(x, 8), len(x)), 2)
    theirs = Isomap(n_neighbors=8, n_components=2).fit_transform(x)
    np.testing.assert_allclose(pdist(ours), pdist(theirs), rtol=1e-6, atol=1e-6)


def test_reference_rows_and_source_averaging():
    train, views, edges = _swiss()
    rows = F.reference_rows(views, train, edges, 2, 8, {"data": "swiss_roll"})
    assert [r["method"] for r in rows] == [f"ref:{n}" for n in F.REFERENCES]
    for r in rows:
        assert 0.5 < r["trustworthiness"] <= 1.0 and -1 <= r["global_spearman"] <= 1
    z = np.repeat(np.arange(views.n_samples, dtype=float)[None, :], 2, axis=0).reshape(-1, 1)
    np.testing.assert_array_equal(F.source_embedding(z, views.source, views.n_samples)[:, 0],
                                  np.arange(views.n_samples))  # fmt: skip


def test_disconnected_g_leaves_mds_of_geodesics_empty_with_the_reason():
    train, views, _ = _swiss()
    edges = knn_graph(views.x, 1)  # many components
    rows = {r["method"]: r for r in F.reference_rows(views, train, edges, 2, 8, {})}
    assert np.isnan(rows["ref:mds_geodesic"]["global_spearman"])
    assert "disconnected" in rows["ref:mds_geodesic"]["note"]
    assert np.isfinite(rows["ref:isomap"]["global_spearman"])


def test_simclr_rows_are_scored_on_the_sphere_its_loss_sees():
    train, views, _ = _swiss()
    z = RNG.normal(size=(views.x.shape[0], 3))
    scale = RNG.uniform(0.1, 10, size=(len(z), 1))
    assert F.run_faithfulness(z, views, train, 5, "simclr") == \
        F.run_faithfulness(z * scale, views, train, 5, "simclr")  # fmt: skip


def test_dataset_without_manifold_is_refused():
    train, _ = train_test_split(make_dataset("digits", seed=0, n_samples=60), seed=0)
    views = make_views(train, 2, seed=0)
    with pytest.raises(DataError, match="no manifold coordinates"):
        F.run_faithfulness(np.zeros((views.x.shape[0], 2)), views, train, 5)


def test_cli_writes_reference_rows(tmp_path):
    from spectral_ssl.cli import main
    from spectral_ssl.relations import save_relation
    from spectral_ssl.views import save_views

    train, views, edges = _swiss(120)
    _, test = train_test_split(make_dataset("swiss_roll", seed=0, n_samples=120), seed=0)
    save_dataset(tmp_path / "d.npz", train, test)
    save_views(tmp_path / "v.npz", views)
    save_relation(tmp_path / "g.npz", edges, views.x.shape[0])
    argv = ["faithfulness-references", "--views", tmp_path / "v.npz", "--relation",
            tmp_path / "g.npz", "--data", tmp_path / "d.npz", "--k", "2", "--n-neighbors", "8",
            "--seed", "3", "--tag", "data=swiss_roll", "--out", tmp_path / "ref.json"]
    assert main([str(a) for a in argv]) == 0
    rows = json.loads((tmp_path / "ref.json").read_text())
    assert {r["data_seed"] for r in rows} == {3} and len(rows) == len(F.REFERENCES)


# -------------------------------------------------------------------------- verdict C18
THR = {"alpha": 0.05, "angle_deg": 1.0, "loss_gap_rel": 1e-3, "sv_rel_error": 1e-2,
       "identity_rel": 1e-10, "probe_gap": 0.05, "exponent_tol": 0.35, "rank_rtol": 0.05,
       "local_margin": 0.01}  # fmt: skip
C18 = next(c for c in CLAIMS if c.id == "C18")


def _table(simclr_global: float, vicreg_global: float, vicreg_local: float, noise: float = 0.01,
           converged: bool = True) -> pd.DataFrame:  # fmt: skip
    rng = np.random.default_rng(4)
    rows = []
    for seed in range(5):
        for method, hp, glob, loc, conv in (
            ("simclr", "tau=0.5", simclr_global, 0.98, True),
            ("vicreg", "gamma=1", vicreg_global, vicreg_local, converged),
            ("ref:isomap", "default", 0.9, 0.99, None),
        ):
            rows.append({"data": "swiss_roll", "relation": "knn", "model": "free",
                         "method": method, "hparams": hp, "seed": seed, "data_seed": seed,
                         "converged": conv, "status": "ok",
                         "run_dir": f"runs/{method}/seed{seed}",
                         "trustworthiness": loc + noise * rng.normal(),
                         "global_spearman": glob + noise * rng.normal()})  # fmt: skip
    return pd.DataFrame(rows)


@pytest.mark.parametrize("args,expected", [
    ((0.8, 0.5, 0.98), SUPPORTED),           # SimCLR more global, VICReg as local
    ((0.5, 0.8, 0.98), NOT_SUPPORTED),       # VICReg the more global one
    ((0.8, 0.5, 0.90), NOT_SUPPORTED),       # VICReg clearly less local
    ((0.8, 0.5, 0.97), INCONCLUSIVE),        # local difference straddles -margin
])  # fmt: skip
def test_c18_verdict_can_support_refute_and_straddle(args, expected):
    noise = 0.002 if expected != INCONCLUSIVE else 0.01
    out = judge(C18, {"global_local": _table(*args, noise=noise)}, THR)
    assert out["verdict"] == expected, out["reason"]
    assert "nearest to ref:isomap" in out["details"]


def test_c18_unconverged_vicreg_is_counted_not_read():
    out = judge(C18, {"global_local": _table(0.5, 0.8, 0.98, converged=False)}, THR)
    assert out["verdict"] == INCONCLUSIVE
    assert out["n_unconverged"] == 5
