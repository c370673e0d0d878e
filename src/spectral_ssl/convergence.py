"""Whether a training run converged: one stated criterion, recorded with every run.

A run is *converged* when its loss has stopped moving: over the last ``window`` logged steps,

    plateau = |mean(loss[-w:]) - mean(loss[-2w:-w])| / max(|mean(loss[-w:])|, scale)

is below ``rtol``, where ``scale`` = ``atol_fraction`` x (the loss range seen during training),
so that a loss whose minimum is 0 is not judged on a relative change of a vanishing number.
With a full-batch gradient available, the gradient norm at the final parameters relative to
the one at initialisation must also be below ``grad_rtol`` (a loss can plateau on a saddle).

Runs that are not converged keep their metrics (they are results) but the claims report counts
them separately and no NOT SUPPORTED verdict may rest on them.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

DEFAULT_WINDOW = 20
DEFAULT_RTOL = 1e-4
DEFAULT_GRAD_RTOL = 1e-3
ATOL_FRACTION = 1e-6


@dataclass(frozen=True)
class Convergence:
    """The verdict and the numbers it rests on (stored in a run's metrics.json)."""

    converged: bool
    plateau: float  # relative loss change between the last two windows
    grad_ratio: float  # ||grad|| final / initial (NaN when not measured)
    window: int
    rtol: float
    grad_rtol: float
    reason: str

    def as_metrics(self) -> dict[str, Any]:
        """Flat fields for metrics.json / the metric tables (prefixed ``conv_``)."""
        d = asdict(self)
        return {"converged": d.pop("converged"), **{f"conv_{k}": v for k, v in d.items()}}


def loss_plateau(loss: Any, window: int = DEFAULT_WINDOW, *, span: float | None = None) -> float:
    """Relative change of the mean loss between the last two windows (inf if too short).

    ``span`` is the loss range seen during training; by default that of ``loss`` (pass it when
    ``loss`` is only the tail of the curve, as the trainer's early stop does).
    """
    y = np.asarray(loss, dtype=np.float64).ravel()
    if y.size < 2 * window or not np.all(np.isfinite(y[-2 * window :])):
        return math.inf
    last, before = float(y[-window:].mean()), float(y[-2 * window : -window].mean())
    if span is None:
        span = float(np.ptp(y[np.isfinite(y)]))
    scale = max(abs(last), ATOL_FRACTION * span, 1e-300)
    return abs(last - before) / scale


def grad_ratio(grad_initial: float, grad_final: float) -> float:
    """||grad|| final / initial; 0 when both are 0; NaN when not measured."""
    if grad_initial == 0 and grad_final == 0:
        return 0.0  # started at a stationary point and stayed there
    return grad_final / grad_initial if grad_initial > 0 else math.nan


def assess(
    loss: Any,
    *,
    grad_initial: float = math.nan,
    grad_final: float = math.nan,
    window: int = DEFAULT_WINDOW,
    rtol: float = DEFAULT_RTOL,
    grad_rtol: float = DEFAULT_GRAD_RTOL,
) -> Convergence:
    """Apply the criterion to a loss curve (one value per logged step) and gradient norms."""
    if window < 1:
        raise ValueError(f"window must be >= 1, got {window}")
    n = int(np.asarray(loss).size)
    window = min(window, max(n // 2, 1))  # short runs: judge on halves of the curve
    plateau = loss_plateau(loss, window)
    ratio = grad_ratio(grad_initial, grad_final)
    reasons = []
    if not plateau < rtol:
        reasons.append(f"loss still moving: relative change {plateau:.2g} >= {rtol:g} over the "
                       f"last {window} steps")  # fmt: skip
    if math.isfinite(ratio) and not ratio < grad_rtol:
        reasons.append(f"gradient norm {ratio:.2g} of its initial value >= {grad_rtol:g}")
    ok = not reasons
    reason = "converged" if ok else "; ".join(reasons)
    return Convergence(ok, plateau, ratio, window, rtol, grad_rtol, reason)
