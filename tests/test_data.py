"""Datasets: shapes, determinism, stratification, structure of the synthetic data, artifacts."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from spectral_ssl.data import (
    DATASETS,
    Dataset,
    check_features,
    dataset_params,
    load_dataset,
    make_dataset,
    save_dataset,
    subsample,
    train_test_split,
)
from spectral_ssl.errors import ArtifactError, ConfigError, DataError
from spectral_ssl.io import save_npz

SMALL = {
    "digits": {"n_samples": 300},
    "synthetic": {"n_samples": 400},
    "swiss_roll": {"n_samples": 400},
}


@pytest.fixture(scope="module")
def synthetic() -> Dataset:
    return make_dataset("synthetic", seed=3)


def test_registry_names() -> None:
    assert sorted(DATASETS) == ["digits", "swiss_roll", "synthetic"]
    assert dataset_params("synthetic") == {
        "n_samples": 2000,
        "n_classes": 4,
        "n_nuisance": 4,
        "dim": 32,
        "class_sep": 1.0,
        "nuisance_sep": 2.0,
        "noise": 0.5,
    }


@pytest.mark.parametrize("name", sorted(DATASETS))
def test_shapes_dtypes_and_determinism(name: str) -> None:
    a = make_dataset(name, seed=1, **SMALL[name])
    b = make_dataset(name, seed=1, **SMALL[name])
    c = make_dataset(name, seed=2, **SMALL[name])
    n = SMALL[name]["n_samples"]
    assert a.name == name
    assert a.x.shape[0] == a.y.shape[0] == a.nuisance.shape[0] == n
    assert a.x.dtype == np.float64 and a.y.dtype == np.int64 and a.nuisance.dtype == np.int64
    np.testing.assert_array_equal(a.x, b.x)
    np.testing.assert_array_equal(a.y, b.y)
    np.testing.assert_array_equal(a.nuisance, b.nuisance)
    assert not np.array_equal(a.x, c.x)


def test_digits_full() -> None:
    ds = make_dataset("digits")
    assert ds.x.shape == (1797, 64)
    assert ds.image_shape == (8, 8)
    assert ds.nuisance_directions is None
    np.testing.assert_array_equal(np.unique(ds.y), np.arange(10))
    assert ds.x.min() == 0.0 and ds.x.max() == 1.0
    # nuisance = ink quartile: 4 near-equal bins, monotone in the ink
    counts = np.bincount(ds.nuisance)
    assert counts.size == 4 and counts.min() >= 0.23 * 1797
    ink = ds.x.sum(axis=1)
    means = [ink[ds.nuisance == k].mean() for k in range(4)]
    assert np.all(np.diff(means) > 0)
    assert ink[ds.nuisance == 0].max() <= ink[ds.nuisance == 1].min()


def test_digits_subsample_is_stratified() -> None:
    ds = make_dataset("digits", n_samples=200, seed=5)
    assert ds.x.shape == (200, 64)
    counts = np.bincount(ds.y, minlength=10)
    assert counts.min() >= 19 and counts.max() <= 21
    full = make_dataset("digits")
    # rows are genuine rows of the full dataset
    rows = {r.tobytes() for r in full.x}
    assert all(r.tobytes() in rows for r in ds.x)


def test_synthetic_factors_independent(synthetic: Dataset) -> None:
    table = np.zeros((4, 4))
    np.add.at(table, (synthetic.y, synthetic.nuisance), 1)
    expected = np.outer(table.sum(1), table.sum(0)) / table.sum()
    chi2 = ((table - expected) ** 2 / expected).sum()
    assert chi2 < 30.0  # 9 degrees of freedom: p ~ 4e-4
    assert np.all(np.abs(table / table.sum() - 1 / 16) < 0.02)


def test_synthetic_subspaces_orthogonal(synthetic: Dataset) -> None:
    u = synthetic.nuisance_directions
    assert u.shape == (32, 4)
    np.testing.assert_allclose(u.T @ u, np.eye(4), atol=1e-12)
    centre = synthetic.x.mean(axis=0)
    class_means = np.stack([synthetic.x[synthetic.y == c].mean(0) for c in range(4)]) - centre
    # class means leave the nuisance subspace only by sampling noise
    leak = np.linalg.norm(class_means @ u, axis=1) / np.linalg.norm(class_means, axis=1)
    assert leak.max() < 0.2
    # nuisance means lie (almost) entirely in the nuisance subspace, with norm ~ nuisance_sep
    nuis_means = np.stack([synthetic.x[synthetic.nuisance == a].mean(0) for a in range(4)]) - centre
    inside = np.linalg.norm(nuis_means @ u, axis=1) / np.linalg.norm(nuis_means, axis=1)
    assert inside.min() > 0.98
    assert np.allclose(np.linalg.norm(nuis_means, axis=1), 2.0 * np.sqrt(3 / 4), rtol=0.1)


def test_synthetic_both_factors_linearly_decodable(synthetic: Dataset) -> None:
    tr, te = train_test_split(synthetic, seed=0)
    for attr in ("y", "nuisance"):
        clf = LogisticRegression(max_iter=1000).fit(tr.x, getattr(tr, attr))
        assert clf.score(te.x, getattr(te, attr)) > 0.7  # chance is 0.25


def test_swiss_roll_bins() -> None:
    ds = make_dataset("swiss_roll", seed=0)
    assert ds.x.shape == (1500, 3)
    np.testing.assert_array_equal(np.bincount(ds.y), [375] * 4)
    np.testing.assert_array_equal(np.bincount(ds.nuisance), [375] * 4)
    height_means = [ds.x[ds.nuisance == k, 1].mean() for k in range(4)]
    assert np.all(np.diff(height_means) > 0)


def test_train_test_split_stratified_and_deterministic(synthetic: Dataset) -> None:
    tr, te = train_test_split(synthetic, test_fraction=0.25, seed=4)
    assert te.n_samples == 500 and tr.n_samples == 1500
    assert tr.name == te.name == "synthetic"
    assert tr.nuisance_directions is synthetic.nuisance_directions
    full = np.bincount(synthetic.y) / synthetic.n_samples
    for part in (tr, te):
        np.testing.assert_allclose(np.bincount(part.y) / part.n_samples, full, atol=0.003)
    # disjoint and complete
    rows = np.concatenate([tr.x, te.x])
    assert np.unique(rows, axis=0).shape[0] == synthetic.n_samples
    tr2, te2 = train_test_split(synthetic, test_fraction=0.25, seed=4)
    np.testing.assert_array_equal(te.x, te2.x)
    _, te3 = train_test_split(synthetic, test_fraction=0.25, seed=5)
    assert not np.array_equal(te.x, te3.x)


def test_subsample_low_data(synthetic: Dataset) -> None:
    small = subsample(synthetic, 8, seed=0)
    np.testing.assert_array_equal(np.bincount(small.y), [2, 2, 2, 2])
    tiny = subsample(synthetic, 4, seed=0)
    np.testing.assert_array_equal(np.sort(tiny.y), [0, 1, 2, 3])
    assert subsample(synthetic, synthetic.n_samples).n_samples == synthetic.n_samples
    with pytest.raises(DataError, match="number of classes"):
        subsample(synthetic, 3)
    with pytest.raises(DataError, match="exceeds"):
        subsample(synthetic, 10**6)


def test_unknown_name_and_param() -> None:
    with pytest.raises(ConfigError, match="'mnist'.*digits.*swiss_roll.*synthetic"):
        make_dataset("mnist")
    with pytest.raises(ConfigError, match="'n_clases'.*valid keys.*n_classes"):
        make_dataset("synthetic", n_clases=3)


@pytest.mark.parametrize(
    ("name", "params", "error", "pattern"),
    [
        ("synthetic", {"n_samples": 3}, ConfigError, "n_samples .3. must be >= n_classes"),
        ("synthetic", {"dim": 6}, ConfigError, "dim .6."),
        ("synthetic", {"noise": -1.0}, ConfigError, "noise"),
        ("synthetic", {"n_classes": 2.5}, ConfigError, "n_classes must be an integer"),
        ("swiss_roll", {"n_samples": 2}, ConfigError, "n_samples"),
        ("digits", {"n_samples": 5}, DataError, "number of classes"),
        ("digits", {"n_samples": 5000}, DataError, "exceeds"),
    ],
)
def test_bad_values(name: str, params: dict, error: type, pattern: str) -> None:
    with pytest.raises(error, match=pattern):
        make_dataset(name, **params)


def test_split_bad_inputs(synthetic: Dataset) -> None:
    with pytest.raises(ConfigError, match="test_fraction"):
        train_test_split(synthetic, test_fraction=1.5)
    with pytest.raises(DataError, match="each needs >= 4"):
        train_test_split(subsample(synthetic, 8), test_fraction=0.1)


def test_check_features() -> None:
    x = np.ones((5, 3))
    x[2, 1] = np.nan
    x[4, 0] = np.inf
    with pytest.raises(DataError, match="X has 2 non-finite.*row 2"):
        check_features(x)
    with pytest.raises(DataError, match="2-D"):
        check_features(np.ones(4))
    with pytest.raises(DataError, match="empty"):
        check_features(np.ones((0, 3)))
    out = check_features(np.ones((2, 2), dtype=np.int32), name="Z")
    assert out.dtype == np.float64
    with pytest.raises(DataError, match="toy.x has 1 non-finite"):
        Dataset(name="toy", x=x[:3], y=np.zeros(3, int), nuisance=np.zeros(3, int))
    with pytest.raises(DataError, match="toy.y must have shape"):
        Dataset(name="toy", x=np.ones((3, 2)), y=np.zeros(2, int), nuisance=np.zeros(3, int))


@pytest.mark.parametrize("name", sorted(DATASETS))
def test_save_load_round_trip(tmp_path, name: str) -> None:
    train, test = train_test_split(make_dataset(name, seed=2, **SMALL[name]), seed=2)
    path = tmp_path / "sub" / "data.npz"
    save_dataset(path, train, test)
    train2, test2 = load_dataset(path)
    for a, b in ((train, train2), (test, test2)):
        assert a.name == b.name and a.image_shape == b.image_shape
        for field in ("x", "y", "nuisance"):
            np.testing.assert_array_equal(getattr(a, field), getattr(b, field))
            assert getattr(a, field).dtype == getattr(b, field).dtype
        if a.nuisance_directions is None:
            assert b.nuisance_directions is None
        else:
            np.testing.assert_array_equal(a.nuisance_directions, b.nuisance_directions)


def test_load_errors(tmp_path, synthetic: Dataset) -> None:
    with pytest.raises(ArtifactError, match="missing file"):
        load_dataset(tmp_path / "nope.npz")
    path = tmp_path / "partial.npz"
    save_npz(path, name=np.array("synthetic"), x_train=synthetic.x)
    with pytest.raises(ArtifactError, match="y_train"):
        load_dataset(path)
    bad = tmp_path / "nan.npz"
    train, test = train_test_split(synthetic)
    x = test.x.copy()
    x[7, 0] = np.nan
    save_npz(
        bad,
        name=np.array("synthetic"),
        x_train=train.x,
        y_train=train.y,
        nuisance_train=train.nuisance,
        x_test=x,
        y_test=test.y,
        nuisance_test=test.nuisance,
    )
    with pytest.raises(DataError, match="nan.npz.*1 non-finite.*row 7"):
        load_dataset(bad)
