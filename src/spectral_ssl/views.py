"""Augmented views, stacked view-major as in the paper's construction of G.

For N' source samples and V views, row ``r = v * N' + n`` is view v of source sample n, so
``relations.view_pairs(N', V)`` links exactly the views of each source sample. Every view is
augmented (no clean copy); the augmentation depends on the dataset (``AUGMENTATIONS``).
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .data import Dataset, _int_param, _nonneg_param, check_features
from .errors import ConfigError, DataError
from .io import load_npz, save_npz


@dataclass(frozen=True)
class Views:
    """V views of N' source samples: row v * N' + n is view v of sample n."""

    x: np.ndarray
    y: np.ndarray
    nuisance: np.ndarray
    source: np.ndarray
    view: np.ndarray
    n_samples: int
    n_views: int

    def __post_init__(self) -> None:
        n_samples = _int_param("n_samples", self.n_samples, 1)
        n_views = _int_param("n_views", self.n_views, 2)
        x = check_features(self.x, "views.x")
        n_rows = n_views * n_samples
        if x.shape[0] != n_rows:
            raise DataError(
                f"views.x has {x.shape[0]} rows, expected n_views * n_samples = {n_rows}"
            )
        expected = {
            "source": np.tile(np.arange(n_samples), n_views),
            "view": np.repeat(np.arange(n_views), n_samples),
        }
        for field in ("y", "nuisance", "source", "view"):
            arr = np.asarray(getattr(self, field))
            if arr.shape != (n_rows,) or not np.issubdtype(arr.dtype, np.integer):
                raise DataError(
                    f"views.{field} must be {n_rows} integers, got {arr.dtype} {arr.shape}"
                )
            if field in expected and not np.array_equal(arr, expected[field]):
                raise DataError(f"views.{field} is not in view-major order (row v * N' + n)")
            object.__setattr__(self, field, np.ascontiguousarray(arr, dtype=np.int64))
        object.__setattr__(self, "x", x)
        object.__setattr__(self, "n_samples", n_samples)
        object.__setattr__(self, "n_views", n_views)


# --------------------------------------------------------------------------------------------
# augmentations: (ds, rng, **params) -> one augmented copy of ds.x, shape (N', D)
# --------------------------------------------------------------------------------------------
def augment_digits(
    ds: Dataset, rng: np.random.Generator, *, max_shift: int = 1, pixel_noise: float = 0.05
) -> np.ndarray:
    """Shift each image by (dy, dx) ~ U{-s..s}^2 pixels with zero fill, add N(0, pixel_noise^2)
    to every pixel and clip to [0, 1]."""
    if ds.image_shape is None:
        raise DataError(f"{ds.name}: the digits augmentation needs image_shape")
    height, width = ds.image_shape
    shift = _int_param("max_shift", max_shift, 0)
    if shift >= min(height, width):
        raise ConfigError(
            f"max_shift ({shift}) must be smaller than the image size {ds.image_shape}"
        )
    pixel_noise = _nonneg_param("pixel_noise", pixel_noise)
    n = ds.n_samples
    padded = np.pad(ds.x.reshape(n, height, width), ((0, 0), (shift, shift), (shift, shift)))
    dy, dx = rng.integers(-shift, shift + 1, size=(2, n))
    out = np.empty((n, height, width))
    for sy in range(-shift, shift + 1):
        for sx in range(-shift, shift + 1):
            rows = np.flatnonzero((dy == sy) & (dx == sx))
            # out[i, h, w] = img[i, h - sy, w - sx] (zero outside the image)
            top, left = shift - sy, shift - sx
            out[rows] = padded[rows, top : top + height, left : left + width]
    out += pixel_noise * rng.standard_normal(out.shape)
    return np.clip(out, 0.0, 1.0).reshape(n, height * width)


def augment_synthetic(
    ds: Dataset, rng: np.random.Generator, *, nuisance_noise: float = 1.0, noise: float = 0.1
) -> np.ndarray:
    """x + U_a e_a + noise e, with U_a the nuisance basis, e_a ~ N(0, nuisance_noise^2 I_r),
    e ~ N(0, I_D): views share the class and differ along the nuisance directions."""
    if ds.nuisance_directions is None:
        raise DataError(f"{ds.name}: the synthetic augmentation needs nuisance_directions")
    nuisance_noise = _nonneg_param("nuisance_noise", nuisance_noise)
    noise = _nonneg_param("noise", noise)
    basis = ds.nuisance_directions
    shape = (ds.n_samples, basis.shape[1])
    return (
        ds.x
        + nuisance_noise * rng.standard_normal(shape) @ basis.T
        + noise * rng.standard_normal(ds.x.shape)
    )


def augment_swiss_roll(ds: Dataset, rng: np.random.Generator, *, noise: float = 0.05) -> np.ndarray:
    """x + noise e, e ~ N(0, I)."""
    return ds.x + _nonneg_param("noise", noise) * rng.standard_normal(ds.x.shape)


AUGMENTATIONS: dict[str, Callable[..., np.ndarray]] = {
    "digits": augment_digits,
    "synthetic": augment_synthetic,
    "swiss_roll": augment_swiss_roll,
}


def augment_params(name: str) -> dict[str, Any]:
    """The tunable parameters of the augmentation of dataset ``name`` with their defaults."""
    if name not in AUGMENTATIONS:
        raise ConfigError(f"no augmentation for dataset {name!r}; valid: {sorted(AUGMENTATIONS)}")
    sig = inspect.signature(AUGMENTATIONS[name])
    return {k: p.default for k, p in sig.parameters.items() if p.kind is p.KEYWORD_ONLY}


def make_views(ds: Dataset, n_views: int, *, seed: int = 0, **params: Any) -> Views:
    """V augmented views of every sample of ``ds``, stacked view-major (row v * N' + n)."""
    if isinstance(n_views, bool) or not isinstance(n_views, int | np.integer):
        raise ConfigError(f"n_views must be an integer, got {n_views!r}")
    if n_views < 2:
        raise ConfigError(
            f"n_views must be >= 2: with one view there are no positive pairs (got {n_views})"
        )
    valid = augment_params(ds.name)
    unknown = sorted(set(params) - set(valid))
    if unknown:
        raise ConfigError(
            f"unknown augmentation parameter(s) {unknown} for {ds.name!r}; "
            f"valid keys: {sorted(valid)}"
        )
    rng = np.random.default_rng(_int_param("seed", seed, 0))
    augment = AUGMENTATIONS[ds.name]
    x = np.concatenate([augment(ds, rng, **params) for _ in range(n_views)])
    n = ds.n_samples
    return Views(
        x=x,
        y=np.tile(ds.y, n_views),
        nuisance=np.tile(ds.nuisance, n_views),
        source=np.tile(np.arange(n), n_views),
        view=np.repeat(np.arange(n_views), n),
        n_samples=n,
        n_views=int(n_views),
    )


_KEYS = ("x", "y", "nuisance", "source", "view", "n_samples", "n_views")


def save_views(path: str | os.PathLike, views: Views) -> None:
    """Write every field of ``views`` to one .npz."""
    save_npz(path, **{k: getattr(views, k) for k in _KEYS})


def load_views(path: str | os.PathLike) -> Views:
    """Read views written by :func:`save_views`, validating shapes and the view-major order."""
    arrays = load_npz(path, required=_KEYS)
    try:
        return Views(
            **{k: arrays[k] for k in _KEYS[:5]},
            n_samples=int(arrays["n_samples"]),
            n_views=int(arrays["n_views"]),
        )
    except (DataError, ConfigError) as exc:
        raise DataError(f"{path}: {exc}") from None
