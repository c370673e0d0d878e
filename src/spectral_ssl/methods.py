"""The registry of SSL methods: the one list every part of the project reads.

A method is a loss in G form (``spectral_ssl.losses``) with its default hyperparameters, the
label figures and reports print, whether the paper calls it a local or a global spectral method,
and its *spectral twin* per model: the closed form (a key of ``closed_form.METHODS``, or
``"components"`` for the span of G's component indicators) that a trained solution is compared
with. The trainer, the closed-form step, figures, claims, the Snakefile's ``{method}`` wildcard and
the config schema's method names all come from here (``tests/test_registry.py`` checks that
they agree). Importing this module does not import torch; ``Method.loss`` does.

To add a method: write its loss in ``losses/`` (one file, one signature), add an entry below,
add its hyperparameters to ``workflow/schemas/config.schema.yaml`` (``methods`` and the cost
enum), and run ``tests/test_registry.py``.
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from .errors import ConfigError

Kind = Literal["local", "global", "not stated"]


@dataclass(frozen=True)
class Method:
    """An SSL method: loss (by name in ``spectral_ssl.losses``), defaults, twins, label, kind.

    ``positive`` names the hyperparameters that must be > 0 (the others >= 0);
    ``needs_degree``: rows without a partner in G would be silently ignored by the loss;
    ``twins[model]``: the closed form a run with that model is compared with;
    ``neighbour_graph``: the trainer rebuilds G from the current embedding (hyperparameters
    ``m``, ``refresh_every``; ``nearest_neighbour_graph``);
    ``exact_twin``: the free-Z twin is the exact minimiser of this loss (so the loss gap at Z*
    is meaningful, claims C2, C3, C7);
    ``scale_invariant``: the loss is unchanged when each row (``"rows"``) or column
    (``"columns"``) of Z is rescaled, so convergence reads the scale-free gradient norm
    (``stationarity.scale_free_norm``).
    """

    name: str
    loss_name: str
    defaults: dict[str, Any]
    label: str
    kind: Kind
    twins: Mapping[str, str] = field(default_factory=dict)
    positive: tuple[str, ...] = ()
    needs_degree: bool = False
    exact_twin: bool = False
    neighbour_graph: bool = False
    scale_invariant: Literal["rows", "columns"] | None = None

    @property
    def loss(self) -> Callable[..., Any]:
        """The loss function ``loss(z, edges, *, weights=None, return_terms=False, **hp)``."""
        return getattr(importlib.import_module("spectral_ssl.losses"), self.loss_name)


METHODS: dict[str, Method] = {
    m.name: m
    for m in (
        Method(
            "vicreg",
            "vicreg_loss",
            {"alpha": 25.0, "beta": 1.0, "gamma": 25.0},
            label="VICReg",
            kind="local",
            twins={"free": "vicreg_sq", "linear": "vicreg_sq_linear"},
        ),
        Method(
            "vicreg_sq",
            "vicreg_squared_loss",
            {"alpha": 25.0, "gamma": 25.0},
            label="VICReg (squared)",
            kind="local",
            twins={"free": "vicreg_sq", "linear": "vicreg_sq_linear"},
            exact_twin=True,
        ),
        Method(
            "simclr",
            "simclr_loss",
            {"tau": 0.5},
            label="SimCLR",
            kind="global",
            twins={"free": "components", "linear": "spectral_contrastive_linear"},
            positive=("tau",),
            scale_invariant="rows",
        ),
        Method(
            "barlow_twins",
            "barlow_twins_loss",
            {"alpha": 0.005, "eps": 1e-6, "standardize": False},
            label="BarlowTwins",
            kind="not stated",
            twins={"free": "components", "linear": "barlow_twins_linear"},
            positive=("eps",),
            needs_degree=True,
            scale_invariant="columns",
        ),
        Method(
            "spectral_contrastive",
            "spectral_contrastive_loss",
            {},
            label="Spectral contrastive",
            kind="global",
            twins={"free": "spectral_contrastive", "linear": "spectral_contrastive_linear"},
            exact_twin=True,
        ),
        Method(
            "nnclr",
            "nnclr_loss",
            {"tau": 0.5, "m": 1, "refresh_every": 10},
            label="NNCLR",
            kind="global",
            # SimCLR's twins on the *given* G; the trained G_t evolves (nearest_neighbour_graph)
            twins={"free": "components", "linear": "spectral_contrastive_linear"},
            positive=("tau", "m", "refresh_every"),
            neighbour_graph=True,
            scale_invariant="rows",
        ),
    )
}
METHOD_NAMES: tuple[str, ...] = tuple(METHODS)


def get_method(name: str) -> Method:
    """The registered method ``name``; ConfigError naming the valid ones otherwise."""
    if name not in METHODS:
        raise ConfigError(f"unknown method '{name}' (valid: {sorted(METHODS)})")
    return METHODS[name]


def resolve_hparams(name: str, hparams: Mapping[str, Any]) -> dict[str, Any]:
    """The method's defaults overridden by ``hparams``, validated: known names, finite numbers,
    >= 0 (> 0 for ``positive``); ConfigError naming the first problem. No torch import, so the
    closed-form step can resolve a twin's hyperparameters without loading the trainer."""
    method = get_method(name)
    unknown = sorted(set(hparams) - set(method.defaults))
    if unknown:
        raise ConfigError(
            f"unknown hyperparameter(s) {unknown} for method '{name}' "
            f"(valid: {sorted(method.defaults)})"
        )
    hp = {**method.defaults, **hparams}
    for key, value in hp.items():
        if isinstance(value, bool):
            continue
        if not isinstance(value, int | float) or not math.isfinite(value):
            raise ConfigError(f"hyperparameter {key} of {name} must be a finite number")
        if value < 0 or (key in method.positive and value == 0):
            bound = "> 0" if key in method.positive else ">= 0"
            raise ConfigError(f"hyperparameter {key} of {name} must be {bound}, got {value}")
    return hp


def twin_of(method: str, model: str) -> str | None:
    """Name of the closed form a trained ``method`` with ``model`` is compared with (or None)."""
    entry = METHODS.get(method)
    return None if entry is None else entry.twins.get(model)


def wildcard_pattern() -> str:
    """The Snakefile's ``{method}`` wildcard constraint: the registered names, alternated."""
    return "|".join(METHOD_NAMES)
