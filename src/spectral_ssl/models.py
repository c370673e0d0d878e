"""Encoders f: x -> z mapping input rows (batch x D) to embeddings Z (batch x K).

Every model has the call signature ``forward(x, index) -> Z`` where ``index`` holds the row
indices of ``x`` in the training set; only the free embedding uses it, the others ignore it.

- ``free``: Z itself is the parameter (N x K), the paper's "optimal representation" setting.
  It has no out-of-sample extension (``supports_out_of_sample = False``).
- ``linear``: Z = X W, no bias (the paper's linear regime); W is the parameter ``weight`` (D x K).
- ``mlp``: ``depth`` hidden layers Linear(width) [-> BatchNorm1d] -> ReLU, then Linear(K) + bias.

Parameters are initialised from torch's global generator, so ``torch.manual_seed(s)`` before
construction makes them deterministic.
"""

from __future__ import annotations

import inspect
import math
from typing import Any, ClassVar

import numpy as np
import torch
from torch import Tensor, nn

from .errors import ConfigError, DataError


def _int_at_least(name: str, value: Any, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise ConfigError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


class FreeEmbedding(nn.Module):
    """Z is a free parameter ``z`` (n_rows x K), initialised i.i.d. N(0, init_scale^2).

    ``forward(x, index)`` returns ``z[index]`` and ignores ``x``; rows outside the training set
    cannot be embedded.
    """

    supports_out_of_sample: ClassVar[bool] = False

    def __init__(self, n_rows: int, k: int, *, init_scale: float = 1.0) -> None:
        super().__init__()
        n_rows = _int_at_least("n_rows", n_rows, 1)
        k = _int_at_least("k", k, 1)
        if not (isinstance(init_scale, int | float) and math.isfinite(init_scale)):
            raise ConfigError(f"init_scale must be a finite number, got {init_scale!r}")
        if init_scale <= 0:
            raise ConfigError(f"init_scale must be > 0, got {init_scale!r}")
        self.z = nn.Parameter(torch.randn(n_rows, k) * float(init_scale))

    def forward(self, x: Tensor | None, index: Tensor) -> Tensor:
        return self.z[index]


class Linear(nn.Module):
    """Z = x @ weight with ``weight`` of shape (D, K) and no bias (the linear regime).

    ``weight`` is initialised U(-1/sqrt(D), 1/sqrt(D)), like ``torch.nn.Linear``.
    """

    supports_out_of_sample: ClassVar[bool] = True

    def __init__(self, d_in: int, k: int) -> None:
        super().__init__()
        d_in = _int_at_least("d_in", d_in, 1)
        k = _int_at_least("k", k, 1)
        bound = 1.0 / math.sqrt(d_in)
        self.weight = nn.Parameter(torch.empty(d_in, k).uniform_(-bound, bound))

    def forward(self, x: Tensor, index: Tensor | None = None) -> Tensor:
        return x @ self.weight


class MLP(nn.Module):
    """``depth`` x [Linear(width) -> BatchNorm1d (if batch_norm) -> ReLU], then Linear(K).

    The layers are ``self.hidden`` (nn.Sequential) and ``self.head`` (nn.Linear with bias).
    """

    supports_out_of_sample: ClassVar[bool] = True

    def __init__(
        self, d_in: int, k: int, *, width: int = 256, depth: int = 2, batch_norm: bool = True
    ) -> None:
        super().__init__()
        d_in = _int_at_least("d_in", d_in, 1)
        k = _int_at_least("k", k, 1)
        width = _int_at_least("width", width, 1)
        depth = _int_at_least("depth", depth, 1)
        if not isinstance(batch_norm, bool):
            raise ConfigError(f"batch_norm must be true or false, got {batch_norm!r}")
        layers: list[nn.Module] = []
        for i in range(depth):
            layers.append(nn.Linear(d_in if i == 0 else width, width))
            if batch_norm:
                layers.append(nn.BatchNorm1d(width))
            layers.append(nn.ReLU())
        self.hidden = nn.Sequential(*layers)
        self.head = nn.Linear(width, k)

    def forward(self, x: Tensor, index: Tensor | None = None) -> Tensor:
        return self.head(self.hidden(x))


MODELS: dict[str, type[nn.Module]] = {"free": FreeEmbedding, "linear": Linear, "mlp": MLP}


def model_params(name: str) -> dict[str, Any]:
    """The keyword parameters of model ``name`` (beyond d_in / n_rows / k) with their defaults."""
    if name not in MODELS:
        raise ConfigError(f"unknown model {name!r}; valid names: {sorted(MODELS)}")
    sig = inspect.signature(MODELS[name].__init__)
    return {key: p.default for key, p in sig.parameters.items() if p.kind is p.KEYWORD_ONLY}


def build_model(name: str, *, d_in: int, n_rows: int, k: int, **params: Any) -> nn.Module:
    """Build model ``name`` (one of ``MODELS``) for inputs of dimension ``d_in``, ``n_rows``
    training rows (used by ``free`` only) and embedding dimension ``k``."""
    valid = model_params(name)
    unknown = sorted(set(params) - set(valid))
    if unknown:
        raise ConfigError(
            f"unknown parameter(s) {unknown} for model {name!r}; valid keys: {sorted(valid)}"
        )
    k = _int_at_least("k", k, 1)
    if name == "free":
        return FreeEmbedding(n_rows, k, **params)
    return MODELS[name](d_in, k, **params)


def embed(
    model: nn.Module,
    x: Any,
    *,
    batch_size: int = 4096,
    device: str | torch.device | None = None,
) -> np.ndarray:
    """Z = model(x) as a float64 numpy array, in eval mode, without gradients, in batches.

    ``x`` (N x D, numpy or tensor) is cast to the model's parameter dtype. ``device`` defaults
    to the model's device; when given, the model is moved there for the call and moved back.
    The model's train/eval mode is restored afterwards.

    A model without out-of-sample extension (``FreeEmbedding``) only returns its stored Z of the
    training rows, with ``x=None``; any other ``x`` raises ConfigError.
    """
    batch_size = _int_at_least("batch_size", batch_size, 1)
    if not getattr(model, "supports_out_of_sample", True):
        if x is not None:
            raise ConfigError(
                f"{type(model).__name__} has no out-of-sample extension: it stores Z for the "
                "training rows only and cannot embed new inputs; call embed(model, None) for "
                "the training Z, or use a 'linear' or 'mlp' model to embed a test set"
            )
        return model.z.detach().to("cpu", torch.float64).numpy()
    if x is None:
        raise ConfigError(f"embed: x is required for {type(model).__name__}")
    p = next(model.parameters())
    home = p.device
    target = home if device is None else torch.device(device)
    x_t = torch.as_tensor(x).to(dtype=p.dtype)
    if x_t.ndim != 2 or x_t.shape[0] == 0:
        raise DataError(f"embed: x must be a non-empty 2-D array (N x D), got {tuple(x_t.shape)}")
    was_training = model.training
    model.to(target).eval()
    try:
        out = []
        with torch.no_grad():
            for lo in range(0, x_t.shape[0], batch_size):
                xb = x_t[lo : lo + batch_size].to(target)
                index = torch.arange(lo, lo + xb.shape[0], device=target)
                out.append(model(xb, index).to("cpu", torch.float64))
        return torch.cat(out).numpy()
    finally:
        model.to(home).train(was_training)
