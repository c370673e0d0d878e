import math

import numpy as np
import pytest

from spectral_ssl.errors import ConfigError, DataError
from spectral_ssl.evaluation import (
    effective_rank,
    embedding_metrics,
    knn_accuracy,
    linear_probe,
    numerical_rank,
    pca_whiten,
    singular_values,
    supervised_baseline,
    validation_split,
    whitened_probe,
)


def _blobs(n_per: int = 100, n_classes: int = 3, dim: int = 5, sep: float = 6.0, seed: int = 0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(n_classes, dim))
    centres *= sep / np.linalg.norm(centres, axis=1, keepdims=True)
    y = np.repeat(np.arange(n_classes), n_per)
    x = centres[y] + rng.normal(size=(y.size, dim))
    perm = rng.permutation(y.size)
    return x[perm], y[perm]


def _orthonormal(n: int, k: int, seed: int = 0, centred: bool = False) -> np.ndarray:
    a = np.random.default_rng(seed).normal(size=(n, k))
    if centred:
        a -= a.mean(axis=0)
    return np.linalg.qr(a)[0]


def _with_singular_values(s: list[float], n: int = 50, k: int = 6, seed: int = 0) -> np.ndarray:
    u = _orthonormal(n, len(s), seed, centred=True)
    v = _orthonormal(k, len(s), seed + 1)
    return u @ np.diag(s) @ v.T


# ------------------------------------------------------------------ spectra and ranks
def test_singular_values_of_constructed_matrix():
    s = [5.0, 2.0, 0.5]
    z = _with_singular_values(s) + 3.0  # a constant mean must not count (centred by default)
    got = singular_values(z)
    assert got.shape == (6,)
    np.testing.assert_allclose(got[:3], s, rtol=1e-12)
    assert np.all(got[3:] < 1e-12)
    assert np.all(np.diff(got) <= 0)
    assert singular_values(z, centre=False)[0] > 5.0 + 1.0


def test_effective_rank_of_rank_one_is_one():
    rng = np.random.default_rng(0)
    z = np.outer(rng.normal(size=40), rng.normal(size=7))
    assert abs(effective_rank(z, centre=False) - 1.0) < 1e-9
    assert abs(effective_rank(z) - 1.0) < 1e-9


@pytest.mark.parametrize("k", [1, 4, 9])
def test_effective_rank_of_orthonormal_columns_is_k(k):
    assert abs(effective_rank(_orthonormal(60, k), centre=False) - k) < 1e-9
    assert abs(effective_rank(_orthonormal(60, k, centred=True)) - k) < 1e-9


def test_effective_rank_known_spectrum():
    s = np.array([3.0, 1.0])
    p = s / s.sum()
    expected = math.exp(-(p * np.log(p)).sum())
    assert abs(effective_rank(_with_singular_values(list(s))) - expected) < 1e-12


def test_numerical_rank_of_known_singular_values():
    z = _with_singular_values([10.0, 1.0, 0.1, 0.02, 0.005])
    assert numerical_rank(z) == 4  # tol = 1e-3 * 10 = 0.01 drops 0.005
    assert numerical_rank(z, rtol=1e-4) == 5
    assert numerical_rank(z, rtol=0.05) == 2
    assert numerical_rank(z, rtol=0.0) == 5
    assert numerical_rank(z, atol=0.5) == 2


def test_collapsed_float32_embedding_has_rank_zero():
    rng = np.random.default_rng(0)
    z = (np.ones((500, 8)) * rng.normal(size=8) * 100).astype(np.float32)
    z += (rng.normal(size=z.shape) * 1e-6).astype(np.float32)  # rounding-level noise
    assert numerical_rank(z) == 0
    assert effective_rank(z) == 0.0
    assert numerical_rank(np.zeros((10, 3))) == 0


# ------------------------------------------------------------------ probes
def test_probe_on_separable_blobs():
    x, y = _blobs()
    out = linear_probe(x[:200], y[:200], x[200:], y[200:])
    assert out["train_accuracy"] > 0.95
    assert out["test_accuracy"] > 0.95
    assert out["converged"] is True


def test_probe_on_random_labels_is_at_chance():
    rng = np.random.default_rng(1)
    z = rng.normal(size=(4000, 4))
    y = rng.integers(0, 4, size=4000)
    out = linear_probe(z[:2000], y[:2000], z[2000:], y[2000:])
    assert abs(out["test_accuracy"] - 0.25) < 0.04


def test_probe_on_collapsed_z_predicts_majority_class():
    y = np.array([0] * 60 + [1] * 30 + [2] * 10)
    z = np.full((100, 4), 2.5)
    out = linear_probe(z, y, z[:10], np.array([1] * 10))
    assert out["train_accuracy"] == pytest.approx(0.6)
    assert out["test_accuracy"] == 0.0
    # float32 collapse with rounding noise: same answer, no blow-up of noise by standardisation
    z32 = (z + np.random.default_rng(0).normal(size=z.shape) * 1e-7).astype(np.float32)
    assert linear_probe(z32, y)["train_accuracy"] == pytest.approx(0.6)


def test_probe_ignores_constant_columns_and_single_class():
    x, y = _blobs()
    x = np.hstack([x, np.full((x.shape[0], 2), 7.0)])
    assert linear_probe(x[:200], y[:200], x[200:], y[200:])["test_accuracy"] > 0.95
    single = linear_probe(x, np.zeros(x.shape[0], dtype=int))
    assert single["train_accuracy"] == 1.0 and math.isnan(single["test_accuracy"])


def test_supervised_baseline_is_standardised_logistic_regression_on_raw_x():
    """Its documented behaviour, refitted independently with scikit-learn: multinomial logistic
    regression (lbfgs, C = 1) on X standardised with the training mean and std."""
    from sklearn.linear_model import LogisticRegression

    x, y = _blobs(n_per=150, dim=5, sep=2.0, seed=3)  # overlapping: accuracy well below 1
    x = x * np.array([1.0, 1000.0, 0.001, 5.0, 1.0])  # scales that standardisation must undo
    xt, yt, xs, ys = x[:300], y[:300], x[300:], y[300:]
    mean, std = xt.mean(axis=0), xt.std(axis=0)
    clf = LogisticRegression(C=1.0, max_iter=5000).fit((xt - mean) / std, yt)
    expected_train = float(np.mean(clf.predict((xt - mean) / std) == yt))
    expected_test = float(np.mean(clf.predict((xs - mean) / std) == ys))
    assert 0.5 < expected_test < 0.97  # a discriminating case, not a trivially perfect one
    out = supervised_baseline(xt, yt, xs, ys)
    assert out["train_accuracy"] == pytest.approx(expected_train, abs=1 / 300)
    assert out["test_accuracy"] == pytest.approx(expected_test, abs=1 / 150)
    assert out["converged"] is True
    # C is the inverse penalty: a tiny C shrinks the model towards the majority vote
    weak = supervised_baseline(xt, yt, xs, ys, c=1e-6)
    assert weak["train_accuracy"] < out["train_accuracy"]


def test_pca_whiten_gives_identity_covariance():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 4)) @ rng.normal(size=(4, 6)) + 5.0  # rank 4 in R^6
    wt, ws = pca_whiten(x, x[:10])
    assert wt.shape == (300, 4)
    np.testing.assert_allclose(np.cov(wt, rowvar=False), np.eye(4), atol=1e-10)
    np.testing.assert_allclose(ws, wt[:10], atol=1e-12)
    with pytest.raises(DataError, match="constant"):
        pca_whiten(np.ones((5, 3)))


def test_whitened_probe_is_rotation_invariant():
    """A probe on any whitening of X equals the probe on the PCA whitening (claim C14)."""
    x, y = _blobs(dim=6, sep=3.0, seed=2)
    x = x @ np.random.default_rng(5).normal(size=(6, 6))  # anisotropic features
    ref = whitened_probe(x[:200], y[:200], x[200:], y[200:])
    wt, ws = pca_whiten(x[:200], x[200:])
    rot = np.linalg.qr(np.random.default_rng(9).normal(size=(6, 6)))[0]
    out = linear_probe(wt @ rot, y[:200], ws @ rot, y[200:])
    assert out["train_accuracy"] == ref["train_accuracy"]
    assert out["test_accuracy"] == ref["test_accuracy"]


def test_knn_sanity():
    x, y = _blobs()
    assert knn_accuracy(x[:200], y[:200], x[200:], y[200:], k=5) > 0.95
    assert knn_accuracy(x[:200], y[:200], x[200:], y[200:], k=5, metric="euclidean") > 0.95
    # k = 1 on the training set itself is perfect (distinct points)
    assert knn_accuracy(x, y, x, y, k=1, metric="euclidean") == 1.0
    # k larger than the training set: majority vote of all rows
    yt = np.array([0, 0, 1])
    assert knn_accuracy(np.eye(3), yt, np.ones((2, 3)), np.array([0, 1]), k=50) == 0.5
    with pytest.raises(ConfigError, match="manhattan"):
        knn_accuracy(x, y, x, y, metric="manhattan")


# ------------------------------------------------------------------ input checks
def test_nan_raises_data_error_naming_array_and_count():
    x, y = _blobs()
    bad = x.copy()
    bad[3, 1] = np.nan
    bad[7, 0] = np.inf
    with pytest.raises(DataError, match=r"z_test has 2 non-finite"):
        linear_probe(x, y, bad, y)
    with pytest.raises(DataError, match=r"z_train has 2 non-finite"):
        knn_accuracy(bad, y, x, y)
    with pytest.raises(DataError, match="non-finite"):
        effective_rank(bad)


def test_mismatched_lengths_raise_data_error():
    x, y = _blobs()
    with pytest.raises(DataError, match="y_train"):
        linear_probe(x, y[:-1], x, y)
    with pytest.raises(DataError, match="y_test"):
        knn_accuracy(x, y, x, y[:5])
    with pytest.raises(DataError, match="columns"):
        linear_probe(x, y, x[:, :2], y)
    with pytest.raises(DataError, match="2-D"):
        numerical_rank(np.ones(5))


# ------------------------------------------------------------------ all in one
def test_embedding_metrics_flat_dict():
    x, y = _blobs(dim=4)
    m = embedding_metrics(x[:200], y[:200], x[200:], y[200:], n_singular=6)
    assert m["probe_test_accuracy"] > 0.95 and m["knn_accuracy"] > 0.95
    assert m["numerical_rank"] == 4 and m["k"] == 4 and m["n_train"] == 200
    assert 1.0 < m["effective_rank"] <= 4.0
    assert m["sv_rel_1"] == 1.0
    assert 0 < m["sv_rel_4"] <= m["sv_rel_3"] <= m["sv_rel_2"] <= 1.0
    assert math.isnan(m["sv_rel_5"]) and math.isnan(m["sv_rel_6"])
    assert all(np.isscalar(v) for v in m.values())
    s = singular_values(x[:200])
    assert m["sv_rel_2"] == pytest.approx(s[1] / s[0], rel=1e-12)


def test_embedding_metrics_without_test_set_and_collapsed():
    y = np.repeat([0, 1], 20)
    m = embedding_metrics(np.zeros((40, 3)), y)
    assert m["probe_train_accuracy"] == 0.5
    assert math.isnan(m["probe_test_accuracy"]) and math.isnan(m["knn_accuracy"])
    assert m["numerical_rank"] == 0 and m["effective_rank"] == 0.0 and m["sv_rel_1"] == 0.0


# ------------------------------------------------------------------ validation split
def test_validation_split_is_stratified_grouped_and_seeded():
    y = np.repeat([0, 1, 2], [50, 30, 1])  # class 2 has a single row: it stays in the fit part
    fit, val = validation_split(y, fraction=0.2, seed=3)
    assert np.array_equal(np.sort(np.concatenate([fit, val])), np.arange(y.size))
    assert np.bincount(y[val], minlength=3).tolist() == [10, 6, 0]
    again = validation_split(y, fraction=0.2, seed=3)
    other = validation_split(y, fraction=0.2, seed=4)
    assert np.array_equal(val, again[1]) and not np.array_equal(val, other[1])
    # views: row v * N' + n is view v of source n; every source lies on one side
    n, v = 40, 3
    source = np.tile(np.arange(n), v)
    yv = np.tile(np.arange(n) % 2, v)
    fit, val = validation_split(yv, seed=0, groups=source)
    assert set(source[fit]).isdisjoint(source[val]) and len(set(source[val])) == 8
    with pytest.raises(ConfigError, match="fraction"):
        validation_split(y, fraction=1.0)
    with pytest.raises(DataError, match="groups"):
        validation_split(y, groups=np.arange(3))


def test_probe_val_accuracy_is_an_extra_fit_that_changes_nothing_else():
    x, y = _blobs(dim=4, sep=2.0)
    zt, yt, zs, ys = x[:200], y[:200], x[200:], y[200:]
    full = linear_probe(zt, yt, zs, ys)
    vals = {}
    for data_seed in (0, 1, 2):
        m = embedding_metrics(zt, yt, zs, ys, val_seed=data_seed)
        # train / test: the one probe fit on all training rows, whatever the data seed
        assert m["probe_train_accuracy"] == full["train_accuracy"]
        assert m["probe_test_accuracy"] == full["test_accuracy"]
        assert 0.0 <= m["probe_val_accuracy"] <= 1.0 and m["n_val"] == 40
        # the data seed enters only through the split: the same probe on its fit part
        fit, val = validation_split(yt, seed=data_seed)
        ref = linear_probe(zt[fit], yt[fit], zt[val], yt[val])
        assert m["probe_val_accuracy"] == ref["test_accuracy"]
        vals[data_seed] = m["probe_val_accuracy"]
    assert len(set(vals.values())) > 1  # different draws, different held-out rows
    one_class = embedding_metrics(zt, np.zeros(200, dtype=int), val_seed=0)
    assert one_class["probe_val_accuracy"] == 1.0  # majority-class probe on the held-out rows
    single = embedding_metrics(zt[:2], np.array([0, 1]), val_seed=0)
    assert math.isnan(single["probe_val_accuracy"]) and single["n_val"] == 0
