"""Probes beside the standardised logistic probe of ``evaluation.embedding_metrics`` (claim C13).

Why. ``evaluation.linear_probe`` standardises every column of Z, which undoes any per-column
rescaling of Z; VICReg's invariance weight gamma acts on Z largely through such a rescaling (the
column scales q_k of docs/theory.md 3.2), so a standardised probe can hide the very effect C13
is about. Two probes that see the scales are measured beside it:

- the raw probe: the same multinomial logistic regression on Z only centred, so the L2 penalty
  1 / c weighs each column by its own scale (``linear_probe(..., standardise=False)``);
- kNN (cosine, ``evaluation.knn_accuracy``): invariant to the scale of a row, not of a column.

Few labels. ``few_label_metrics`` fits each probe on m labelled training rows per class,
m in ``shots``; the labelled rows are drawn from the data seed only
(``np.random.default_rng([_SHOTS_STREAM, data_seed])``: one permutation of each class, its
first m rows, so the subsets are nested in m), and only from the fit part of
``evaluation.validation_split``: the held-out validation rows are disjoint from every labelled
subset, so the validation accuracy each probe reports (for selecting hyperparameters) never
reads a test label, and the test accuracy is never used to select anything. kNN on m labels per
class uses k = 1 (the nearest labelled row; no vote ties).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from .errors import ConfigError, DataError
from .evaluation import VAL_FRACTION, knn_accuracy, linear_probe, validation_split

_SHOTS_STREAM = 0xF3A5  # first word of the few-label draw's seed: its own stream of a data seed
PROBES = ("probe", "raw", "knn")  # column stems: standardised logistic, raw logistic, kNN


def check_shots(shots: Sequence[int]) -> list[int]:
    """Sorted distinct labels-per-class values, each an integer >= 1."""
    out = []
    for m in shots:
        if isinstance(m, bool) or not isinstance(m, int | np.integer) or m < 1:
            raise ConfigError(f"label shots must be integers >= 1, got {m!r}")
        out.append(int(m))
    return sorted(set(out))


def few_label_subsets(
    y: np.ndarray, candidates: np.ndarray, shots: Sequence[int], *, seed: int
) -> dict[int, np.ndarray]:
    """For each m in ``shots``: m rows per class among ``candidates`` (sorted row indices).

    One permutation per class from ``default_rng([_SHOTS_STREAM, seed])``; subset m is its first
    m rows (nested in m). A class with fewer than m candidates contributes all of them.
    """
    y = np.asarray(y)
    candidates = np.asarray(candidates, dtype=np.int64)
    rng = np.random.default_rng([_SHOTS_STREAM, int(seed)])
    orders = [rng.permutation(candidates[y[candidates] == c]) for c in np.unique(y[candidates])]
    return {m: np.sort(np.concatenate([o[:m] for o in orders])) for m in check_shots(shots)}


def _scores(zt, yt, evals, *, probe: str, c: float, max_iter: int, seed: int,
            knn_k: int, knn_metric: str) -> list[float]:  # fmt: skip
    """Accuracy of one probe fit on (zt, yt) on each (z, y) of ``evals`` (NaN where empty)."""
    out = []
    for z, y in evals:
        if len(y) == 0:
            out.append(math.nan)
        elif probe == "knn":
            out.append(knn_accuracy(zt, yt, z, y, k=knn_k, metric=knn_metric))
        else:
            out.append(linear_probe(zt, yt, z, y, c=c, max_iter=max_iter, seed=seed,
                                    standardise=probe == "probe")["test_accuracy"])  # fmt: skip
    return out


def raw_probe_metrics(
    z_train: Any, y_train: Any, z_test: Any, y_test: Any, *, c: float = 1.0,
    max_iter: int = 2000, seed: int = 0, knn_k: int = 10, knn_metric: str = "cosine",
    val_seed: int = 0, val_fraction: float = VAL_FRACTION,
) -> dict[str, Any]:  # fmt: skip
    """All labels: the raw probe's train / val / test accuracy and kNN's validation accuracy.

    Keys ``probe_raw_train_accuracy``, ``probe_raw_val_accuracy``, ``probe_raw_test_accuracy``,
    ``knn_val_accuracy``. The validation numbers fit on the fit part of the same
    ``validation_split`` as ``probe_val_accuracy`` and score the held-out part; the test and
    train numbers come from one fit on every training row (as ``probe_test_accuracy``).
    """
    zt, yt, zs, ys = _arrays(z_train, y_train, z_test, y_test)
    full = linear_probe(zt, yt, zs, ys, c=c, max_iter=max_iter, seed=seed, standardise=False)
    fit, val = validation_split(yt, fraction=val_fraction, seed=val_seed)
    raw_val = knn_val = math.nan
    if fit.size and val.size:
        common = dict(c=c, max_iter=max_iter, seed=seed, knn_k=knn_k, knn_metric=knn_metric)
        (raw_val,) = _scores(zt[fit], yt[fit], [(zt[val], yt[val])], probe="raw", **common)
        (knn_val,) = _scores(zt[fit], yt[fit], [(zt[val], yt[val])], probe="knn", **common)
    return {
        "probe_raw_train_accuracy": full["train_accuracy"],
        "probe_raw_val_accuracy": raw_val,
        "probe_raw_test_accuracy": full["test_accuracy"],
        "knn_val_accuracy": knn_val,
    }


def few_label_metrics(
    z_train: Any, y_train: Any, z_test: Any, y_test: Any, shots: Sequence[int], *,
    c: float = 1.0, max_iter: int = 2000, seed: int = 0, knn_metric: str = "cosine",
    val_seed: int = 0, val_fraction: float = VAL_FRACTION,
) -> dict[str, Any]:  # fmt: skip
    """Each probe fit on m labelled rows per class (``few_label_subsets``), m in ``shots``.

    Keys ``few{m}_{probe}_val_accuracy`` and ``few{m}_{probe}_test_accuracy`` for probe in
    ``PROBES`` (standardised logistic, raw logistic, 1-NN), and ``few{m}_n_labelled``. The
    labelled rows come from the fit part of ``validation_split(y_train, seed=val_seed)``; the
    validation accuracy is scored on its held-out part, the test accuracy on the test set.
    """
    zt, yt, zs, ys = _arrays(z_train, y_train, z_test, y_test)
    fit, val = validation_split(yt, fraction=val_fraction, seed=val_seed)
    out: dict[str, Any] = {}
    evals = [(zt[val], yt[val]), (zs, ys)]
    for m, rows in few_label_subsets(yt, fit, shots, seed=val_seed).items():
        out[f"few{m}_n_labelled"] = int(rows.size)
        for probe in PROBES:
            v, t = _scores(zt[rows], yt[rows], evals, probe=probe, c=c, max_iter=max_iter,
                           seed=seed, knn_k=1, knn_metric=knn_metric)  # fmt: skip
            out[f"few{m}_{probe}_val_accuracy"] = v
            out[f"few{m}_{probe}_test_accuracy"] = t
    return out


def _arrays(z_train, y_train, z_test, y_test) -> tuple[np.ndarray, ...]:
    if z_test is None or y_test is None:
        raise DataError("these probes need a test set (z_test and y_test)")
    return tuple(np.asarray(a.detach().cpu().numpy() if hasattr(a, "detach") else a)
                 for a in (z_train, y_train, z_test, y_test))  # fmt: skip
