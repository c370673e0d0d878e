"""Downstream evaluation of an embedding Z (N x K) in float64: probes, kNN and rank measures.

Spectral quantities use the centred Z (H Z, H = I - 11^T / N) by default: the mean of Z is
unconstrained by every loss, so it would otherwise count as a spurious extra dimension.

Noise floor. A singular value s of Z is treated as exactly zero when
s <= max(N, K) * eps * max|Z|, with eps the machine epsilon of Z's *input* dtype (float32 for
learned embeddings): that is the size of the rounding noise left when a collapsed Z (all rows
equal) is centred. The numerical rank, the effective rank and the probe's constant-column guard
all apply it, so a collapsed float32 embedding reads as rank 0 instead of as full-rank noise.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.preprocessing import StandardScaler

from .errors import ConfigError, DataError

KNN_METRICS = ("cosine", "euclidean")
VAL_FRACTION = 0.2  # share of the probe's training rows (source samples) held out for selection
_VAL_STREAM = 0x5A11D  # first word of the validation split's seed: its own stream of a data seed


# --------------------------------------------------------------------------------------------
# input checks
# --------------------------------------------------------------------------------------------
def _as_matrix(z: Any, name: str) -> tuple[np.ndarray, float]:
    """``z`` as a 2-D float64 array and the machine epsilon of its input dtype."""
    if hasattr(z, "detach"):  # torch tensor
        z = z.detach().cpu().numpy()
    arr = np.asarray(z)
    if arr.ndim != 2 or arr.size == 0:
        raise DataError(f"{name} must be a non-empty 2-D array (N x K), got shape {arr.shape}")
    if not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise DataError(f"{name} must be numeric, got dtype {arr.dtype}")
    eps = float(np.finfo(arr.dtype).eps) if np.issubdtype(arr.dtype, np.floating) else 2.0**-52
    arr = np.asarray(arr, dtype=np.float64)
    bad = int(np.count_nonzero(~np.isfinite(arr)))
    if bad:
        raise DataError(f"{name} has {bad} non-finite value(s) (NaN or Inf) out of {arr.size}")
    return arr, max(eps, 2.0**-52)


def _as_labels(y: Any, n_rows: int, name: str) -> np.ndarray:
    arr = np.asarray(y.detach().cpu().numpy() if hasattr(y, "detach") else y)
    if arr.shape != (n_rows,):
        raise DataError(
            f"{name} must have shape ({n_rows},) to match its embedding, got {arr.shape}"
        )
    return arr


def _split(
    z_train: Any, y_train: Any, z_test: Any, y_test: Any
) -> tuple[np.ndarray, np.ndarray, float, np.ndarray | None, np.ndarray | None]:
    """Validated (z_train, y_train, eps_train, z_test, y_test); the test pair may be None."""
    zt, eps = _as_matrix(z_train, "z_train")
    yt = _as_labels(y_train, zt.shape[0], "y_train")
    if (z_test is None) != (y_test is None):
        raise DataError("z_test and y_test must be given together (or both None)")
    if z_test is None:
        return zt, yt, eps, None, None
    zs, _ = _as_matrix(z_test, "z_test")
    if zs.shape[1] != zt.shape[1]:
        raise DataError(f"z_test has {zs.shape[1]} columns but z_train has {zt.shape[1]}")
    return zt, yt, eps, zs, _as_labels(y_test, zs.shape[0], "y_test")


def _noise_floor(z: np.ndarray, eps: float) -> float:
    """max(N, K) * eps * max|Z|: singular values at or below it are rounding noise."""
    return max(z.shape) * eps * float(np.max(np.abs(z)))


def _positive(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise ConfigError(f"{name} must be a number > 0, got {value!r}")
    return float(value)


def _int_at_least(name: str, value: Any, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise ConfigError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


# --------------------------------------------------------------------------------------------
# probes
# --------------------------------------------------------------------------------------------
def _accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    return float(np.mean(y_true == y_pred))


def linear_probe(
    z_train: Any,
    y_train: Any,
    z_test: Any = None,
    y_test: Any = None,
    *,
    c: float = 1.0,
    max_iter: int = 2000,
    seed: int = 0,
    standardise: bool = True,
) -> dict[str, Any]:
    """Multinomial logistic regression (lbfgs, L2 penalty 1 / c) on standardised Z.

    Columns are standardised with the mean and standard deviation of ``z_train`` (only centred
    with ``standardise=False``: the raw probe, whose penalty sees each column's scale); columns
    that are constant on the training set (centred norm below the noise floor) are dropped. When no
    column is left (collapsed Z) or ``y_train`` has a single class, the probe predicts the
    majority class of ``y_train``. Returns ``{"train_accuracy", "test_accuracy", "converged"}``;
    ``test_accuracy`` is NaN without a test set (e.g. a free embedding).
    """
    c = _positive("c", c)
    max_iter = _int_at_least("max_iter", max_iter, 1)
    zt, yt, eps, zs, ys = _split(z_train, y_train, z_test, y_test)
    centred_norm = np.linalg.norm(zt - zt.mean(axis=0), axis=0)
    keep = centred_norm > _noise_floor(zt, eps)
    classes, counts = np.unique(yt, return_counts=True)
    if not keep.any() or classes.size < 2:
        majority = classes[np.argmax(counts)]
        return {
            "train_accuracy": _accuracy(yt, np.full_like(yt, majority)),
            "test_accuracy": math.nan if ys is None else _accuracy(ys, np.full_like(ys, majority)),
            "converged": True,
        }
    scaler = StandardScaler(with_std=standardise).fit(zt[:, keep])
    clf = LogisticRegression(C=c, solver="lbfgs", max_iter=max_iter, random_state=seed)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=ConvergenceWarning)  # reported as "converged"
        clf.fit(scaler.transform(zt[:, keep]), yt)
    test = math.nan
    if zs is not None:
        test = _accuracy(ys, clf.predict(scaler.transform(zs[:, keep])))
    return {
        "train_accuracy": _accuracy(yt, clf.predict(scaler.transform(zt[:, keep]))),
        "test_accuracy": test,
        "converged": bool(np.max(clf.n_iter_) < max_iter),
    }


def supervised_baseline(
    x_train: Any,
    y_train: Any,
    x_test: Any,
    y_test: Any,
    *,
    c: float = 1.0,
    max_iter: int = 2000,
    seed: int = 0,
) -> dict[str, Any]:
    """A supervised linear model on the same features: ``linear_probe`` applied to raw X."""
    return linear_probe(x_train, y_train, x_test, y_test, c=c, max_iter=max_iter, seed=seed)


def pca_whiten(x_train: Any, *others: Any, rtol: float = 1e-8) -> tuple[np.ndarray, ...]:
    """PCA whitening fitted on ``x_train``: x -> (x - mean) V_r diag(sqrt(N - 1) / s_r).

    X_train - mean = U S V^T; directions with s <= max(rtol * s_max, noise floor) are dropped,
    so the whitened training set has identity (unbiased) covariance of size r. Returns the
    whitened ``x_train`` followed by each of ``others`` mapped with the same statistics.
    """
    xt, eps = _as_matrix(x_train, "x_train")
    if xt.shape[0] < 2:
        raise DataError(f"whitening needs at least 2 rows, got {xt.shape[0]}")
    mean = xt.mean(axis=0)
    _, s, vt = np.linalg.svd(xt - mean, full_matrices=False)
    keep = s > max(rtol * s[0], _noise_floor(xt, eps))
    if not keep.any():
        raise DataError("x_train is constant: there is no direction to whiten")
    w = vt[keep].T * (math.sqrt(xt.shape[0] - 1) / s[keep])
    mapped = [(xt - mean) @ w]
    for i, x in enumerate(others):
        xo, _ = _as_matrix(x, f"x[{i + 1}]")
        if xo.shape[1] != xt.shape[1]:
            raise DataError(f"x[{i + 1}] has {xo.shape[1]} columns but x_train has {xt.shape[1]}")
        mapped.append((xo - mean) @ w)
    return tuple(mapped)


def whitened_probe(
    x_train: Any,
    y_train: Any,
    x_test: Any,
    y_test: Any,
    *,
    c: float = 1.0,
    max_iter: int = 2000,
    seed: int = 0,
    rtol: float = 1e-8,
) -> dict[str, Any]:
    """``linear_probe`` on PCA-whitened X (``pca_whiten``), the reference of claim C14.

    Whitened features have identity covariance in every rotation, and both the standardisation
    and the L2 penalty are then rotation invariant, so this equals the probe on any whitening
    X W of X, e.g. linear VICReg's as gamma -> 0.
    """
    wt, ws = pca_whiten(x_train, x_test, rtol=rtol)
    return linear_probe(wt, y_train, ws, y_test, c=c, max_iter=max_iter, seed=seed)


def knn_accuracy(
    z_train: Any,
    y_train: Any,
    z_test: Any,
    y_test: Any,
    *,
    k: int = 10,
    metric: str = "cosine",
) -> float:
    """Test accuracy of a majority vote among the k nearest training rows (exact search).

    ``metric="cosine"`` (default, the usual SSL protocol; invariant to the scale of each row, a
    zero row is at distance 1 from everything) or ``"euclidean"``. k is capped at N_train; vote
    ties go to the smallest label.
    """
    k = _int_at_least("k", k, 1)
    if metric not in KNN_METRICS:
        raise ConfigError(f"unknown kNN metric {metric!r}; valid: {list(KNN_METRICS)}")
    if z_test is None or y_test is None:
        raise DataError("knn_accuracy needs a test set (z_test and y_test)")
    zt, yt, _, zs, ys = _split(z_train, y_train, z_test, y_test)
    clf = KNeighborsClassifier(n_neighbors=min(k, zt.shape[0]), metric=metric, algorithm="brute")
    return _accuracy(ys, clf.fit(zt, yt).predict(zs))


# --------------------------------------------------------------------------------------------
# spectra and ranks
# --------------------------------------------------------------------------------------------
def _spectrum(z: Any, centre: bool) -> tuple[np.ndarray, float]:
    """Descending singular values of (H) Z and the noise floor of Z."""
    arr, eps = _as_matrix(z, "z")
    floor = _noise_floor(arr, eps)
    if centre:
        arr = arr - arr.mean(axis=0)
    return np.linalg.svd(arr, compute_uv=False), floor


def singular_values(z: Any, *, centre: bool = True) -> np.ndarray:
    """Singular values s_1 >= ... >= s_min(N,K) of H Z (of Z when ``centre=False``)."""
    return _spectrum(z, centre)[0]


def _rank(s: np.ndarray, floor: float, rtol: float, atol: float | None) -> int:
    if isinstance(rtol, bool) or not isinstance(rtol, int | float) or not rtol >= 0:
        raise ConfigError(f"rtol must be a number >= 0, got {rtol!r}")
    tol = max(rtol * s[0], floor if atol is None else float(atol))
    return int(np.count_nonzero(s > tol))


def _effective_rank(s: np.ndarray, floor: float) -> float:
    s = s[s > floor]
    if s.size == 0:
        return 0.0
    p = s / s.sum()
    return float(np.exp(-np.sum(p * np.log(p))))


def numerical_rank(
    z: Any, *, rtol: float = 1e-3, atol: float | None = None, centre: bool = True
) -> int:
    """#{i : s_i > max(rtol * s_1, atol)}, with atol defaulting to the noise floor.

    rtol is loose (1e-3, not ~1e-7) on purpose: learned embeddings are float32 and trained to a
    finite tolerance, so directions a loss drives to zero keep a small residual well above
    machine precision; counting them would report spurious full rank.
    """
    return _rank(*_spectrum(z, centre), rtol, atol)


def effective_rank(z: Any, *, centre: bool = True) -> float:
    """exp(H(p)), p_i = s_i / sum_j s_j, H(p) = -sum_i p_i log p_i (Roy & Vetterli 2007).

    Equals 1 for rank 1 and K for K orthonormal columns; singular values at or below the noise
    floor are dropped first, and a (numerically) zero matrix has effective rank 0.
    """
    return _effective_rank(*_spectrum(z, centre))


def validation_split(
    y: Any,
    *,
    fraction: float = VAL_FRACTION,
    seed: int = 0,
    groups: Any = None,
) -> tuple[np.ndarray, np.ndarray]:
    """(fit rows, validation rows) of a probe's training rows, both sorted.

    The unit drawn is a group (``groups[r]`` = the source sample of row r; default: every row
    its own group), so all views of one source sample land on the same side. Stratified by the
    label of each group's first row: a class with >= 2 groups sends round(fraction * n_c) of
    them (at least 1, at most n_c - 1) to validation; a class with one group stays in the fit
    part. The draw uses ``np.random.default_rng([_VAL_STREAM, seed])``, seed = the data seed,
    so the split is part of the data draw and independent of the run's initialisation.
    """
    if isinstance(fraction, bool) or not isinstance(fraction, int | float) \
            or not 0 < fraction < 1:  # fmt: skip
        raise ConfigError(f"fraction must be a number in (0, 1), got {fraction!r}")
    seed = _int_at_least("seed", seed, 0)
    labels = np.asarray(y.detach().cpu().numpy() if hasattr(y, "detach") else y)
    if labels.ndim != 1:
        raise DataError(f"y must be 1-D, got shape {labels.shape}")
    g = np.arange(labels.size) if groups is None else np.asarray(groups)
    if g.shape != labels.shape:
        raise DataError(f"groups must have one entry per row ({labels.size}), got {g.shape}")
    units, first = np.unique(g, return_index=True)
    unit_label = labels[first]
    rng = np.random.default_rng([_VAL_STREAM, seed])
    held = []
    for cls in np.unique(unit_label):
        members = units[unit_label == cls]
        if members.size < 2:
            continue
        n_val = min(max(int(round(fraction * members.size)), 1), members.size - 1)
        held.append(rng.permutation(members)[:n_val])
    val_units = np.concatenate(held) if held else np.array([], dtype=units.dtype)
    is_val = np.isin(g, val_units)
    return np.flatnonzero(~is_val), np.flatnonzero(is_val)


def embedding_metrics(
    z_train: Any,
    y_train: Any,
    z_test: Any = None,
    y_test: Any = None,
    *,
    c: float = 1.0,
    max_iter: int = 2000,
    knn_k: int = 10,
    knn_metric: str = "cosine",
    rank_rtol: float = 1e-3,
    n_singular: int | None = None,
    seed: int = 0,
    val_fraction: float = VAL_FRACTION,
    val_seed: int = 0,
    groups: Any = None,
) -> dict[str, Any]:
    """All metrics of an embedding in one flat dict (one row of a tidy table).

    Keys: ``probe_train_accuracy``, ``probe_test_accuracy``, ``probe_val_accuracy``,
    ``probe_converged``, ``knn_accuracy``, ``numerical_rank``, ``effective_rank``, ``k``
    (columns of Z), ``n_train``, ``n_val`` and ``sv_rel_1 .. sv_rel_<n_singular>`` = s_i / s_1
    of the centred ``z_train`` (NaN where i > min(N, K), 0 for a zero matrix;
    ``n_singular=None``: min(K, 64) values). Without a test set (free embeddings) the test
    accuracy and the kNN accuracy are NaN; the spectral measures always use ``z_train``.

    The train / test accuracies are those of one probe fit on all training rows. The
    validation accuracy is an extra fit of the same probe on the fit part of
    ``validation_split(y_train, fraction=val_fraction, seed=val_seed, groups=groups)``, scored
    on the held-out part (NaN when nothing can be held out); it is only for selecting
    hyperparameters and changes no other number.
    """
    if n_singular is None:
        n_singular = min(int(np.shape(z_train)[1]), 64) if np.ndim(z_train) == 2 else 0
    n_singular = _int_at_least("n_singular", n_singular, 0)
    zt, yt, _, zs, ys = _split(z_train, y_train, z_test, y_test)
    probe = linear_probe(zt, yt, zs, ys, c=c, max_iter=max_iter, seed=seed)
    fit, val = validation_split(yt, fraction=val_fraction, seed=val_seed, groups=groups)
    val_accuracy = math.nan
    if val.size and fit.size:
        val_accuracy = linear_probe(zt[fit], yt[fit], zt[val], yt[val], c=c,
                                    max_iter=max_iter, seed=seed)["test_accuracy"]  # fmt: skip
    s, floor = _spectrum(z_train, centre=True)
    rel = s / s[0] if s[0] > 0 else np.zeros_like(s)
    knn = math.nan if zs is None else knn_accuracy(zt, yt, zs, ys, k=knn_k, metric=knn_metric)
    out: dict[str, Any] = {
        "probe_train_accuracy": probe["train_accuracy"],
        "probe_test_accuracy": probe["test_accuracy"],
        "probe_val_accuracy": val_accuracy,
        "probe_converged": probe["converged"],
        "knn_accuracy": knn,
        "numerical_rank": _rank(s, floor, rank_rtol, None),
        "effective_rank": _effective_rank(s, floor),
        "k": int(zt.shape[1]),
        "n_train": int(zt.shape[0]),
        "n_val": int(val.size),
    }
    for i in range(n_singular):
        out[f"sv_rel_{i + 1}"] = float(rel[i]) if i < rel.size else math.nan
    return out
