"""spectral_ssl.probes: the raw probe sees column scales, few-label subsets come from the data
seed only, are nested, and never touch the validation rows."""

from __future__ import annotations

import numpy as np
import pytest

from spectral_ssl.errors import ConfigError, DataError
from spectral_ssl.evaluation import linear_probe, validation_split
from spectral_ssl.probes import (
    check_shots,
    few_label_metrics,
    few_label_subsets,
    raw_probe_metrics,
)


def blobs(n: int = 400, seed: int = 0):
    """Two informative columns (class means +-1) and 6 noise columns, 4 classes."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 4
    means = np.array([[1, 1], [1, -1], [-1, 1], [-1, -1]], float)
    z = np.hstack([means[y] + 0.6 * rng.normal(size=(n, 2)), rng.normal(size=(n, 6))])
    return z, y


def test_subsets_reproducible_nested_and_inside_candidates():
    _, y = blobs()
    fit, val = validation_split(y, seed=3)
    a = few_label_subsets(y, fit, [1, 2, 5, 10], seed=3)
    b = few_label_subsets(y, fit, [10, 5, 2, 1], seed=3)
    assert all(np.array_equal(a[m], b[m]) for m in a)  # the draw is a function of the seed
    for m in (1, 2, 5, 10):
        assert np.bincount(y[a[m]], minlength=4).tolist() == [m] * 4
        assert np.isin(a[m], fit).all() and not np.isin(a[m], val).any()
    assert set(a[1]) <= set(a[2]) <= set(a[5]) <= set(a[10])
    other = few_label_subsets(y, fit, [5], seed=4)[5]
    assert not np.array_equal(other, a[5])  # another data seed, another draw


def test_subset_of_a_small_class_takes_what_there_is():
    y = np.array([0] * 10 + [1] * 2)
    got = few_label_subsets(y, np.arange(12), [5], seed=0)[5]
    assert np.bincount(y[got]).tolist() == [5, 2]


def test_raw_probe_sees_column_scale_standardised_does_not():
    z, y = blobs()
    zs, ys = blobs(seed=1)
    scale = np.array([1e-3, 1e-3, 1, 1, 1, 1, 1, 1])  # shrink the informative columns
    std = linear_probe(z * scale, y, zs * scale, ys)["test_accuracy"]
    assert std == pytest.approx(linear_probe(z, y, zs, ys)["test_accuracy"], abs=1e-12)
    raw = linear_probe(z * scale, y, zs * scale, ys, standardise=False)["test_accuracy"]
    assert std > 0.8 and raw < 0.5  # the L2 penalty cannot afford the tiny columns' weights


def test_raw_probe_metrics_keys_and_validation_from_fit_rows():
    z, y = blobs()
    zs, ys = blobs(seed=1)
    out = raw_probe_metrics(z, y, zs, ys, val_seed=2)
    assert set(out) == {"probe_raw_train_accuracy", "probe_raw_val_accuracy",
                        "probe_raw_test_accuracy", "knn_val_accuracy"}  # fmt: skip
    fit, val = validation_split(y, seed=2)
    ref = linear_probe(z[fit], y[fit], z[val], y[val], standardise=False)["test_accuracy"]
    assert out["probe_raw_val_accuracy"] == ref
    assert all(0.8 < v <= 1 for v in out.values())


def test_few_label_metrics_known_answer_and_no_test_label_used():
    z, y = blobs()
    zs, ys = blobs(seed=1)
    out = few_label_metrics(z, y, zs, ys, [1, 10], val_seed=5)
    assert out["few1_n_labelled"] == 4 and out["few10_n_labelled"] == 40
    fit, val = validation_split(y, seed=5)
    rows = few_label_subsets(y, fit, [10], seed=5)[10]
    assert out["few10_probe_test_accuracy"] == linear_probe(z[rows], y[rows], zs, ys)[
        "test_accuracy"]
    assert out["few10_probe_val_accuracy"] == linear_probe(z[rows], y[rows], z[val], y[val])[
        "test_accuracy"]
    # the validation numbers do not change when the test labels are scrambled
    scrambled = few_label_metrics(z, y, zs, np.roll(ys, 1), [1, 10], val_seed=5)
    for key in out:
        if "val" in key or key.endswith("n_labelled"):
            assert scrambled[key] == out[key], key
    # chance: 0.25
    assert out["few10_probe_test_accuracy"] > 0.8 and out["few10_knn_test_accuracy"] > 0.5


def test_bad_input_is_named():
    with pytest.raises(ConfigError, match="label shots"):
        check_shots([0])
    z, y = blobs()
    with pytest.raises(DataError, match="test set"):
        few_label_metrics(z, y, None, None, [1])
