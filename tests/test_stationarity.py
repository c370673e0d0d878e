"""stationarity: the min-norm subgradient of hinge VICReg (known answers on and off the kink)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from spectral_ssl.losses import vicreg_loss
from spectral_ssl.relations import view_pairs
from spectral_ssl.stationarity import stationarity_norm, vicreg_min_norm_subgradient

EDGES = view_pairs(20, 2)  # 40 rows


def _plain_grad_norm(z: torch.Tensor, **hp) -> float:
    z = z.detach().clone().requires_grad_(True)
    (g,) = torch.autograd.grad(vicreg_loss(z, EDGES, **hp), z)
    return float(g.norm())


def _leaf(z: np.ndarray) -> torch.Tensor:
    return torch.tensor(z, dtype=torch.float64, requires_grad=True)


def test_off_the_kink_it_is_the_ordinary_gradient_norm():
    z = _leaf(0.3 * np.random.default_rng(0).normal(size=(40, 5)))  # C_kk ~ 0.09, far from 1
    norm, on_kink = vicreg_min_norm_subgradient(z, [z], EDGES, alpha=25, beta=25, gamma=1)
    assert on_kink == 0
    assert norm == pytest.approx(_plain_grad_norm(z, alpha=25, beta=25, gamma=1), rel=1e-12)


def test_a_minimiser_on_the_kink_is_stationary_although_autograd_says_otherwise():
    # beta = gamma = 0: loss = alpha * sum_k (1 - sqrt(min(C_kk, 1))), minimised (= 0) by any Z
    # whose columns have unit variance, exactly the kink
    x = np.random.default_rng(1).normal(size=(40, 4))
    z = (x - x.mean(0)) / x.std(0, ddof=1)
    leaf = _leaf(z)
    loss = vicreg_loss(leaf, EDGES, alpha=25, beta=0, gamma=0)
    assert float(loss.detach()) == pytest.approx(0, abs=1e-12)
    assert _plain_grad_norm(leaf, alpha=25, beta=0, gamma=0) > 1.0  # one-sided derivative
    norm, on_kink = vicreg_min_norm_subgradient(leaf, [leaf], EDGES, alpha=25, beta=0, gamma=0)
    assert on_kink == 4 and norm < 1e-10


@pytest.mark.parametrize("seed", range(5))
def test_never_larger_than_the_gradient_autograd_returns(seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(40, 6))
    z = (x - x.mean(0)) / x.std(0, ddof=1) * (1 + 1e-4 * rng.normal(size=6))  # near the kink
    leaf = _leaf(z)
    hp = {"alpha": 25, "beta": 25, "gamma": 0.5}
    norm, on_kink = vicreg_min_norm_subgradient(leaf, [leaf], EDGES, **hp)
    assert on_kink == 6
    assert 0 < norm <= _plain_grad_norm(leaf, **hp) * (1 + 1e-12)  # the invariance still pulls


def test_only_hinge_vicreg_has_a_kink():
    z = _leaf(np.ones((4, 2)))
    assert stationarity_norm("vicreg_squared_loss", lambda: z, [z], EDGES, None, {}) is None
    assert stationarity_norm("simclr_loss", lambda: z, [z], EDGES, None, {}) is None


def test_parameters_of_a_model_not_only_z():
    # Z = X W (linear model): the subgradient is taken w.r.t. W
    rng = np.random.default_rng(3)
    x = torch.tensor(rng.normal(size=(40, 6)), dtype=torch.float64)
    w = torch.tensor(0.1 * rng.normal(size=(6, 3)), dtype=torch.float64, requires_grad=True)
    hp = {"alpha": 25, "beta": 25, "gamma": 1}
    norm = stationarity_norm("vicreg_loss", lambda: x @ w, [w], EDGES, None, hp)
    (g,) = torch.autograd.grad(vicreg_loss(x @ w, EDGES, **hp), w)
    assert norm == pytest.approx(float(g.norm()), rel=1e-12)  # columns far below variance 1
