"""Datasets generated in memory or shipped inside an installed package (never downloaded).

Every dataset carries a downstream label ``y`` and a nuisance attribute ``nuisance``, so a
relation graph G can be built to agree with the task (views, labels) or with the nuisance
(misaligned G). All generators are deterministic given ``seed``.

- ``digits``: scikit-learn's bundled 8 x 8 digits (1797 x 64, 10 classes), pixels in [0, 1];
  nuisance = quantile bin of the total ink sum_p x_p.
- ``synthetic``: x = class_sep P_c[c] + nuisance_sep P_a[a] + noise eps, eps ~ N(0, I), with
  class c and nuisance a independent and uniform, and the class and nuisance prototypes in two
  orthogonal subspaces of R^dim.
- ``swiss_roll``: scikit-learn's swiss roll; y = quantile bin of the roll parameter t,
  nuisance = quantile bin of the height coordinate x[:, 1]; ``manifold`` = its isometric
  intrinsic coordinates (arc length s(t) = (t sqrt(1 + t^2) + asinh t) / 2 along the roll,
  noise-free height), in which the roll's geodesic distances are Euclidean.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from .errors import ArtifactError, ConfigError, DataError
from .io import load_npz, save_npz


# --------------------------------------------------------------------------------------------
# containers and validation
# --------------------------------------------------------------------------------------------
def check_features(x: Any, name: str = "X") -> np.ndarray:
    """Return ``x`` as a 2-D float64 array; DataError if it is empty, not 2-D or not finite."""
    arr = np.asarray(x)
    if arr.ndim != 2:
        raise DataError(f"{name} must be a 2-D array (samples x features), got shape {arr.shape}")
    if arr.size == 0:
        raise DataError(f"{name} is empty (shape {arr.shape})")
    if not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise DataError(f"{name} must be numeric, got dtype {arr.dtype}")
    arr = np.ascontiguousarray(arr, dtype=np.float64)
    bad = ~np.isfinite(arr)
    if bad.any():
        first_row = int(np.flatnonzero(bad.any(axis=1))[0])
        raise DataError(
            f"{name} has {int(bad.sum())} non-finite value(s) (NaN or Inf); "
            f"first in row {first_row}"
        )
    return arr


def _check_labels(values: Any, n_rows: int, name: str) -> np.ndarray:
    """Return ``values`` as a 1-D int64 array of length ``n_rows``."""
    arr = np.asarray(values)
    if arr.shape != (n_rows,):
        raise DataError(f"{name} must have shape ({n_rows},), got {arr.shape}")
    if not np.issubdtype(arr.dtype, np.integer):
        raise DataError(f"{name} must hold integers, got dtype {arr.dtype}")
    return np.ascontiguousarray(arr, dtype=np.int64)


@dataclass(frozen=True)
class Dataset:
    """n samples of dimension D with a label ``y`` and a nuisance attribute ``nuisance``.

    ``nuisance_directions`` (D x r, orthonormal columns) spans the subspace in which the nuisance
    acts (synthetic data only); ``image_shape`` is the (height, width) of each row seen as an
    image (digits only). Arrays are coerced to float64 / int64 and validated on construction.
    """

    name: str
    x: np.ndarray
    y: np.ndarray
    nuisance: np.ndarray
    nuisance_directions: np.ndarray | None = None
    image_shape: tuple[int, int] | None = None
    manifold: np.ndarray | None = None

    def __post_init__(self) -> None:
        x = check_features(self.x, f"{self.name}.x")
        n, dim = x.shape
        object.__setattr__(self, "x", x)
        object.__setattr__(self, "y", _check_labels(self.y, n, f"{self.name}.y"))
        object.__setattr__(
            self, "nuisance", _check_labels(self.nuisance, n, f"{self.name}.nuisance")
        )
        if self.nuisance_directions is not None:
            basis = check_features(self.nuisance_directions, f"{self.name}.nuisance_directions")
            if basis.shape[0] != dim:
                raise DataError(
                    f"{self.name}.nuisance_directions must have {dim} rows (one per feature), "
                    f"got shape {basis.shape}"
                )
            object.__setattr__(self, "nuisance_directions", basis)
        if self.image_shape is not None:
            shape = tuple(int(s) for s in self.image_shape)
            if len(shape) != 2 or shape[0] * shape[1] != dim:
                raise DataError(
                    f"{self.name}.image_shape {self.image_shape} does not match {dim} features"
                )
            object.__setattr__(self, "image_shape", shape)
        if self.manifold is not None:
            coords = check_features(self.manifold, f"{self.name}.manifold")
            if coords.shape[0] != n:
                raise DataError(f"{self.name}.manifold must have {n} rows, got {coords.shape}")
            object.__setattr__(self, "manifold", coords)

    @property
    def n_samples(self) -> int:
        return int(self.x.shape[0])

    @property
    def n_features(self) -> int:
        return int(self.x.shape[1])

    @property
    def n_classes(self) -> int:
        return int(np.unique(self.y).size)

    def take(self, index: np.ndarray) -> Dataset:
        """The rows ``index`` of this dataset (same name, directions and image shape)."""
        index = np.asarray(index, dtype=np.int64)
        coords = None if self.manifold is None else self.manifold[index]
        return replace(self, x=self.x[index], y=self.y[index], nuisance=self.nuisance[index],
                       manifold=coords)  # fmt: skip


# --------------------------------------------------------------------------------------------
# parameter checks
# --------------------------------------------------------------------------------------------
def _int_param(name: str, value: Any, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise ConfigError(f"{name} must be an integer, got {value!r}")
    if value < minimum:
        raise ConfigError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def _nonneg_param(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.number):
        raise ConfigError(f"{name} must be a number, got {value!r}")
    if not np.isfinite(value) or value < 0:
        raise ConfigError(f"{name} must be finite and >= 0, got {value}")
    return float(value)


def _quantile_bins(values: np.ndarray, n_bins: int) -> np.ndarray:
    """Bin index in {0..n_bins-1} of each value, cut at the interior quantiles k / n_bins."""
    cuts = np.quantile(values, np.arange(1, n_bins) / n_bins)
    return np.searchsorted(cuts, values, side="right").astype(np.int64)


# --------------------------------------------------------------------------------------------
# generators
# --------------------------------------------------------------------------------------------
def _make_digits(*, seed: int, n_nuisance: int = 4, n_samples: int | None = None) -> Dataset:
    """sklearn digits / 16 in [0, 1]; nuisance = quantile bin of the ink sum_p x_p."""
    from sklearn.datasets import load_digits

    n_nuisance = _int_param("n_nuisance", n_nuisance, 1)
    bunch = load_digits()
    x = np.asarray(bunch.data, dtype=np.float64) / 16.0
    ds = Dataset(
        name="digits",
        x=x,
        y=np.asarray(bunch.target, dtype=np.int64),
        nuisance=_quantile_bins(x.sum(axis=1), n_nuisance),
        image_shape=(8, 8),
    )
    if n_samples is None:
        return ds
    return subsample(ds, _int_param("n_samples", n_samples, 1), seed=seed)


def _make_synthetic(
    *,
    seed: int,
    n_samples: int = 2000,
    n_classes: int = 4,
    n_nuisance: int = 4,
    dim: int = 32,
    class_sep: float = 1.0,
    nuisance_sep: float = 2.0,
    noise: float = 0.5,
) -> Dataset:
    """x = class_sep B[:, c] + nuisance_sep B[:, n_classes + a] + noise N(0, I).

    B is a random orthonormal basis of R^dim; c ~ U{0..n_classes-1} and a ~ U{0..n_nuisance-1}
    are independent, so the class and nuisance prototypes live in orthogonal subspaces.
    """
    n_classes = _int_param("n_classes", n_classes, 2)
    n_nuisance = _int_param("n_nuisance", n_nuisance, 1)
    n_samples = _int_param("n_samples", n_samples, 1)
    dim = _int_param("dim", dim, 1)
    class_sep = _nonneg_param("class_sep", class_sep)
    nuisance_sep = _nonneg_param("nuisance_sep", nuisance_sep)
    noise = _nonneg_param("noise", noise)
    if n_samples < n_classes:
        raise ConfigError(f"n_samples ({n_samples}) must be >= n_classes ({n_classes})")
    if n_classes + n_nuisance > dim:
        raise ConfigError(
            f"dim ({dim}) must be >= n_classes + n_nuisance ({n_classes} + {n_nuisance}): the "
            "class and nuisance subspaces are disjoint"
        )
    rng = np.random.default_rng(seed)
    q, r = np.linalg.qr(rng.standard_normal((dim, dim)))
    basis = q * np.sign(np.diag(r))  # Haar-distributed orthogonal matrix
    class_protos = basis[:, :n_classes].T  # (n_classes, dim)
    nuisance_dirs = basis[:, n_classes : n_classes + n_nuisance]  # (dim, n_nuisance)
    y = rng.integers(0, n_classes, size=n_samples)
    a = rng.integers(0, n_nuisance, size=n_samples)
    x = (
        class_sep * class_protos[y]
        + nuisance_sep * nuisance_dirs.T[a]
        + noise * rng.standard_normal((n_samples, dim))
    )
    return Dataset(name="synthetic", x=x, y=y, nuisance=a, nuisance_directions=nuisance_dirs.copy())


def _make_swiss_roll(
    *,
    seed: int,
    n_samples: int = 1500,
    noise: float = 0.05,
    n_classes: int = 4,
    n_nuisance: int = 4,
) -> Dataset:
    """sklearn swiss roll; y = quantile bin of the roll parameter t, nuisance = bin of x[:, 1]."""
    from sklearn.datasets import make_swiss_roll

    n_samples = _int_param("n_samples", n_samples, 1)
    n_classes = _int_param("n_classes", n_classes, 2)
    n_nuisance = _int_param("n_nuisance", n_nuisance, 1)
    noise = _nonneg_param("noise", noise)
    if n_samples < n_classes:
        raise ConfigError(f"n_samples ({n_samples}) must be >= n_classes ({n_classes})")
    x, t = make_swiss_roll(n_samples=n_samples, noise=noise, random_state=seed)
    clean, _ = make_swiss_roll(n_samples=n_samples, noise=0.0, random_state=seed)  # same t, h
    arc = 0.5 * (t * np.sqrt(1.0 + t**2) + np.arcsinh(t))  # arc length of (t cos t, t sin t)
    return Dataset(
        name="swiss_roll",
        x=x,
        y=_quantile_bins(t, n_classes),
        nuisance=_quantile_bins(x[:, 1], n_nuisance),
        manifold=np.column_stack([arc, clean[:, 1]]),
    )


DATASETS: dict[str, Callable[..., Dataset]] = {
    "digits": _make_digits,
    "synthetic": _make_synthetic,
    "swiss_roll": _make_swiss_roll,
}


def dataset_params(name: str) -> dict[str, Any]:
    """The tunable parameters of dataset ``name`` with their defaults."""
    if name not in DATASETS:
        raise ConfigError(f"unknown dataset {name!r}; valid names: {sorted(DATASETS)}")
    sig = inspect.signature(DATASETS[name])
    return {k: p.default for k, p in sig.parameters.items() if k != "seed"}


def make_dataset(name: str, *, seed: int = 0, **params: Any) -> Dataset:
    """Generate dataset ``name`` (see ``DATASETS``) with the given parameters."""
    valid = dataset_params(name)
    unknown = sorted(set(params) - set(valid))
    if unknown:
        raise ConfigError(
            f"unknown parameter(s) {unknown} for dataset {name!r}; valid keys: {sorted(valid)}"
        )
    return DATASETS[name](seed=_int_param("seed", seed, 0), **params)


# --------------------------------------------------------------------------------------------
# stratified subsets
# --------------------------------------------------------------------------------------------
def _stratified_index(
    y: np.ndarray, n_take: int, rng: np.random.Generator, keep: int
) -> np.ndarray:
    """Sorted indices of ``n_take`` rows, at least one per class and at most count - keep.

    Class quotas follow the class proportions, n_take * count_c / n, rounded by largest
    remainder, so every class proportion is kept to within one sample.
    """
    classes, inverse, counts = np.unique(y, return_inverse=True, return_counts=True)
    raw = n_take * counts / y.size
    cap = counts - keep
    quota = np.clip(np.floor(raw).astype(np.int64), 1, cap)
    while quota.sum() < n_take:
        room = np.where(quota < cap, raw - quota, -np.inf)
        quota[int(np.argmax(room))] += 1
    while quota.sum() > n_take:
        excess = np.where(quota > 1, quota - raw, -np.inf)
        quota[int(np.argmax(excess))] -= 1
    picked = [
        rng.choice(np.flatnonzero(inverse == c), size=int(q), replace=False)
        for c, q in enumerate(quota)
    ]
    return np.sort(np.concatenate(picked))


def subsample(ds: Dataset, n_samples: int, *, seed: int = 0) -> Dataset:
    """A stratified subset of ``n_samples`` rows (every class kept, proportions kept to +-1)."""
    n_samples = _int_param("n_samples", n_samples, 1)
    n_classes = ds.n_classes
    if n_samples < n_classes:
        raise DataError(
            f"n_samples ({n_samples}) is smaller than the number of classes ({n_classes}) of "
            f"{ds.name}: a stratified subset needs one sample per class"
        )
    if n_samples > ds.n_samples:
        raise DataError(f"n_samples ({n_samples}) exceeds the {ds.n_samples} rows of {ds.name}")
    rng = np.random.default_rng(seed)
    return ds.take(_stratified_index(ds.y, n_samples, rng, keep=0))


def train_test_split(
    ds: Dataset, *, test_fraction: float = 0.25, seed: int = 0
) -> tuple[Dataset, Dataset]:
    """Deterministic split stratified by y; the test set has round(test_fraction * n) rows."""
    if isinstance(test_fraction, bool) or not isinstance(test_fraction, int | float | np.number):
        raise ConfigError(f"test_fraction must be a number in (0, 1), got {test_fraction!r}")
    if not 0.0 < test_fraction < 1.0:
        raise ConfigError(f"test_fraction must be in (0, 1), got {test_fraction}")
    _, counts = np.unique(ds.y, return_counts=True)
    n_classes = counts.size
    if counts.min() < 2:
        raise DataError(
            f"{ds.name}: class {int(np.unique(ds.y)[np.argmin(counts)])} has a single sample; a "
            "stratified split needs at least 2 per class"
        )
    n_test = int(round(test_fraction * ds.n_samples))
    if n_test < n_classes or ds.n_samples - n_test < n_classes:
        raise DataError(
            f"{ds.name}: test_fraction {test_fraction} of {ds.n_samples} rows gives {n_test} test "
            f"and {ds.n_samples - n_test} train rows; each needs >= {n_classes} (one per class)"
        )
    rng = np.random.default_rng(seed)
    test_idx = _stratified_index(ds.y, n_test, rng, keep=1)
    train_mask = np.ones(ds.n_samples, dtype=bool)
    train_mask[test_idx] = False
    return ds.take(np.flatnonzero(train_mask)), ds.take(test_idx)


# --------------------------------------------------------------------------------------------
# artifacts
# --------------------------------------------------------------------------------------------
_PARTS = ("train", "test")
_FIELDS = ("x", "y", "nuisance")


def save_dataset(path: str | os.PathLike, train: Dataset, test: Dataset) -> None:
    """Write a train/test pair to one .npz (x_train, y_train, nuisance_train, x_test, ...)."""
    if train.name != test.name:
        raise DataError(f"train ({train.name!r}) and test ({test.name!r}) come from two datasets")
    arrays: dict[str, Any] = {"name": np.array(train.name)}
    for part, ds in zip(_PARTS, (train, test), strict=True):
        for field in _FIELDS:
            arrays[f"{field}_{part}"] = getattr(ds, field)
    if train.nuisance_directions is not None:
        arrays["nuisance_directions"] = train.nuisance_directions
    if train.image_shape is not None:
        arrays["image_shape"] = np.array(train.image_shape, dtype=np.int64)
    if train.manifold is not None and test.manifold is not None:
        arrays.update(manifold_train=train.manifold, manifold_test=test.manifold)
    save_npz(path, **arrays)


def load_dataset(path: str | os.PathLike) -> tuple[Dataset, Dataset]:
    """Read a train/test pair written by :func:`save_dataset`, validating every array."""
    required = ["name"] + [f"{f}_{p}" for p in _PARTS for f in _FIELDS]
    arrays = load_npz(path, required=required)
    directions = arrays.get("nuisance_directions")
    image_shape = arrays.get("image_shape")
    if image_shape is not None and image_shape.shape != (2,):
        raise ArtifactError(f"{path}: image_shape must hold 2 integers, got {image_shape}")
    shape = None if image_shape is None else (int(image_shape[0]), int(image_shape[1]))
    try:
        train, test = (
            Dataset(
                name=str(arrays["name"]),
                x=arrays[f"x_{p}"],
                y=arrays[f"y_{p}"],
                nuisance=arrays[f"nuisance_{p}"],
                nuisance_directions=directions,
                image_shape=shape,
                manifold=arrays.get(f"manifold_{p}"),
            )
            for p in _PARTS
        )
    except DataError as exc:
        raise DataError(f"{path}: {exc}") from None
    return train, test
