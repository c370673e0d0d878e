"""Augmented views: view-major stacking, augmentations, determinism, errors, artifacts."""

from __future__ import annotations

import numpy as np
import pytest

from spectral_ssl.data import DATASETS, Dataset, make_dataset, subsample
from spectral_ssl.errors import ArtifactError, ConfigError, DataError
from spectral_ssl.io import save_npz
from spectral_ssl.relations import view_pairs
from spectral_ssl.views import AUGMENTATIONS, Views, load_views, make_views, save_views

SMALL = {
    "digits": {"n_samples": 100},
    "synthetic": {"n_samples": 120},
    "swiss_roll": {"n_samples": 90},
}


@pytest.fixture(scope="module")
def digits() -> Dataset:
    return make_dataset("digits", n_samples=200, seed=0)


def test_registry_matches_datasets() -> None:
    assert sorted(AUGMENTATIONS) == sorted(DATASETS)


@pytest.mark.parametrize("name", sorted(DATASETS))
@pytest.mark.parametrize("n_views", [2, 3])
def test_view_major_stacking(name: str, n_views: int) -> None:
    ds = make_dataset(name, seed=0, **SMALL[name])
    n = ds.n_samples
    v = make_views(ds, n_views, seed=1)
    assert (v.n_samples, v.n_views) == (n, n_views)
    assert v.x.shape == (n_views * n, ds.n_features) and v.x.dtype == np.float64
    for field in ("y", "nuisance", "source", "view"):
        assert getattr(v, field).shape == (n_views * n,)
        assert getattr(v, field).dtype == np.int64
    rows = np.arange(n_views * n)
    np.testing.assert_array_equal(v.source, rows % n)
    np.testing.assert_array_equal(v.view, rows // n)
    np.testing.assert_array_equal(v.y, np.tile(ds.y, n_views))
    np.testing.assert_array_equal(v.nuisance, np.tile(ds.nuisance, n_views))
    if name != "digits":  # a 1-pixel shift of an 8 x 8 digit is large: see the digits tests
        # row v*N' + n is closest to its own source among all sources (small augmentations)
        d = ((v.x[:, None, :] - ds.x[None, :, :]) ** 2).sum(-1)
        assert np.mean(d.argmin(axis=1) == v.source) > 0.9
    # relations.view_pairs links exactly the views of one source sample
    edges = view_pairs(n, n_views)
    np.testing.assert_array_equal(v.source[edges[0]], v.source[edges[1]])
    assert np.all(v.view[edges[0]] != v.view[edges[1]])
    # every view is augmented: no row equals its source
    assert not np.any(np.all(v.x == ds.x[v.source], axis=1))


@pytest.mark.parametrize("name", sorted(DATASETS))
def test_determinism(name: str) -> None:
    ds = make_dataset(name, seed=0, **SMALL[name])
    a = make_views(ds, 2, seed=7)
    b = make_views(ds, 2, seed=7)
    c = make_views(ds, 2, seed=8)
    np.testing.assert_array_equal(a.x, b.x)
    assert not np.array_equal(a.x, c.x)
    # the views of one sample differ from each other
    n = ds.n_samples
    assert not np.array_equal(a.x[:n], a.x[n:])


def _all_shifts(x: np.ndarray) -> np.ndarray:
    """(9, n, 64): every image of x shifted by (dy, dx) in {-1, 0, 1}^2 with zero fill."""
    padded = np.pad(x.reshape(-1, 8, 8), ((0, 0), (1, 1), (1, 1)))
    return np.stack(
        [
            padded[:, 1 - dy : 9 - dy, 1 - dx : 9 - dx].reshape(-1, 64)
            for dy in (-1, 0, 1)
            for dx in (-1, 0, 1)
        ]
    )


def _corr_rows(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pearson correlation of a[..., i, :] with b[..., i, :]."""
    a = a - a.mean(-1, keepdims=True)
    b = b - b.mean(-1, keepdims=True)
    return (a * b).sum(-1) / np.sqrt((a * a).sum(-1) * (b * b).sum(-1))


def test_digits_views_are_shifted_noisy_images(digits: Dataset) -> None:
    v = make_views(digits, 2, seed=0)
    assert v.x.min() >= 0.0 and v.x.max() <= 1.0
    # each view correlates > 0.95 with some 1-pixel shift of its own source ...
    own = _corr_rows(v.x[None], _all_shifts(digits.x)[:, v.source]).max(axis=0)
    assert own.min() > 0.95
    # ... but not with the shifts of another sample
    other = _corr_rows(v.x[None], _all_shifts(np.roll(digits.x, 7, axis=0))[:, v.source])
    assert np.median(other.max(axis=0)) < 0.8
    # noise only: the views stay very close to the source image
    noisy = make_views(digits, 2, seed=0, max_shift=0)
    assert _corr_rows(noisy.x, digits.x[noisy.source]).min() > 0.95
    assert abs((noisy.x - digits.x[noisy.source]).std() - 0.05) < 0.02


def test_digits_pure_shift_is_exact(digits: Dataset) -> None:
    v = make_views(digits, 2, seed=3, pixel_noise=0.0, max_shift=1)
    imgs = digits.x.reshape(-1, 8, 8)
    keys = [(dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1)]
    shifts = dict(zip(keys, _all_shifts(digits.x), strict=True))
    seen = set()
    for r in range(v.x.shape[0]):
        n = v.source[r]
        match = [s for s, img in shifts.items() if np.array_equal(img[n], v.x[r])]
        assert match, f"row {r} is not an integer shift of source {n}"
        seen.update(match)
    assert len(seen) == 9  # all 9 shifts occur
    # a shift of (0, 1) moves column w to column w + 1 with a zero column on the left
    np.testing.assert_array_equal(shifts[(0, 1)].reshape(-1, 8, 8)[:, :, 0], 0.0)
    np.testing.assert_array_equal(shifts[(0, 1)].reshape(-1, 8, 8)[:, :, 1:], imgs[:, :, :-1])
    no_aug = make_views(digits, 2, max_shift=0, pixel_noise=0.0)
    np.testing.assert_array_equal(no_aug.x, np.tile(digits.x, (2, 1)))


def test_synthetic_views_move_along_nuisance() -> None:
    ds = make_dataset("synthetic", n_samples=400, seed=0)
    u = ds.nuisance_directions
    v = make_views(ds, 2, seed=0, nuisance_noise=1.0, noise=0.0)
    delta = v.x - ds.x[v.source]
    # with noise=0 the displacement lies in the nuisance subspace, std nuisance_noise per axis
    np.testing.assert_allclose(delta - delta @ u @ u.T, 0.0, atol=1e-12)
    assert abs((delta @ u).std() - 1.0) < 0.05
    v2 = make_views(ds, 2, seed=0, nuisance_noise=0.0, noise=0.1)
    assert abs((v2.x - ds.x[v2.source]).std() - 0.1) < 0.005


def test_swiss_roll_noise_scale() -> None:
    ds = make_dataset("swiss_roll", n_samples=500, seed=0)
    v = make_views(ds, 4, seed=0, noise=0.3)
    assert abs((v.x - ds.x[v.source]).std() - 0.3) < 0.01


def test_bad_inputs(digits: Dataset) -> None:
    with pytest.raises(ConfigError, match="n_views must be >= 2: with one view there are no"):
        make_views(digits, 1)
    with pytest.raises(ConfigError, match="n_views must be an integer"):
        make_views(digits, 2.0)
    with pytest.raises(ConfigError, match="'shift'.*valid keys.*max_shift"):
        make_views(digits, 2, shift=2)
    with pytest.raises(ConfigError, match="max_shift .8."):
        make_views(digits, 2, max_shift=8)
    with pytest.raises(ConfigError, match="pixel_noise"):
        make_views(digits, 2, pixel_noise=-0.1)
    toy = Dataset(name="toy", x=np.ones((4, 2)), y=np.arange(4), nuisance=np.zeros(4, int))
    with pytest.raises(ConfigError, match="'toy'.*digits"):
        make_views(toy, 2)
    stripped = Dataset(
        name="synthetic", x=np.ones((4, 2)), y=np.arange(4), nuisance=np.zeros(4, int)
    )
    with pytest.raises(DataError, match="nuisance_directions"):
        make_views(stripped, 2)


def test_views_constructor_checks_order() -> None:
    good = {
        "x": np.zeros((6, 2)),
        "y": np.zeros(6, int),
        "nuisance": np.zeros(6, int),
        "source": np.tile(np.arange(3), 2),
        "view": np.repeat(np.arange(2), 3),
        "n_samples": 3,
        "n_views": 2,
    }
    Views(**good)
    with pytest.raises(DataError, match="source is not in view-major order"):
        Views(**{**good, "source": np.repeat(np.arange(3), 2)})
    with pytest.raises(DataError, match="expected n_views"):
        Views(**{**good, "n_samples": 4})


def test_save_load_round_trip(tmp_path, digits: Dataset) -> None:
    v = make_views(subsample(digits, 50), 3, seed=2)
    path = tmp_path / "views.npz"
    save_views(path, v)
    w = load_views(path)
    assert (w.n_samples, w.n_views) == (v.n_samples, v.n_views)
    for field in ("x", "y", "nuisance", "source", "view"):
        np.testing.assert_array_equal(getattr(v, field), getattr(w, field))
        assert getattr(v, field).dtype == getattr(w, field).dtype


def test_load_errors(tmp_path) -> None:
    with pytest.raises(ArtifactError, match="missing file"):
        load_views(tmp_path / "none.npz")
    path = tmp_path / "bad.npz"
    save_npz(path, x=np.zeros((4, 2)), y=np.zeros(4, int))
    with pytest.raises(ArtifactError, match="nuisance"):
        load_views(path)
    x = np.zeros((4, 2))
    x[3, 1] = np.inf
    save_npz(
        path,
        x=x,
        y=np.zeros(4, int),
        nuisance=np.zeros(4, int),
        source=np.tile(np.arange(2), 2),
        view=np.repeat(np.arange(2), 2),
        n_samples=2,
        n_views=2,
    )
    with pytest.raises(DataError, match="bad.npz.*non-finite.*row 3"):
        load_views(path)
