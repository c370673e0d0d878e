"""stationarity: the min-norm subgradient of hinge VICReg (known answers on and off the kink)
and the scale-free gradient norm of the scale-invariant losses."""

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


# ---------------------------------------------------------------------------------------------
# scale-invariant losses: the scale-free gradient norm
# ---------------------------------------------------------------------------------------------
def _grad(loss_fn, param: torch.Tensor, z_of) -> torch.Tensor:
    param = param.detach().clone().requires_grad_(True)
    (g,) = torch.autograd.grad(loss_fn(z_of(param)), param)
    return g


@pytest.mark.parametrize(("method", "model"), [("simclr", "free"), ("simclr", "linear"),
                                               ("barlow_twins", "free"),
                                               ("barlow_twins", "linear")])  # fmt: skip
def test_scale_free_norm_ignores_every_rescaling_the_loss_ignores(method, model):
    """Rescaling the blocks the loss cannot see leaves the loss and the scale-free norm
    unchanged, while the plain gradient norm moves with 1 / scale."""
    from spectral_ssl.methods import get_method
    from spectral_ssl.stationarity import scale_blocks, scale_free_norm

    rng = np.random.default_rng(0)
    m = get_method(method)
    hp = {"tau": 0.5} if method == "simclr" else {"alpha": 0.1}
    x = torch.tensor(rng.normal(size=(40, 6)))
    param = torch.tensor(rng.normal(size=(40, 4) if model == "free" else (6, 4)))
    z_of = (lambda p: p) if model == "free" else (lambda p: x @ p)
    blocks = scale_blocks(m.scale_invariant, model)
    shape = {"rows": (param.shape[0], 1), "columns": (1, param.shape[1]), "all": (1, 1)}[blocks]
    scaled = param * torch.tensor(rng.uniform(0.05, 20.0, size=shape))

    def loss(z):
        return m.loss(z, EDGES, **hp)

    assert float(loss(z_of(scaled))) == pytest.approx(float(loss(z_of(param))), rel=1e-10)
    g, g_scaled = _grad(loss, param, z_of), _grad(loss, scaled, z_of)
    assert float(g_scaled.norm()) != pytest.approx(float(g.norm()), rel=1e-2)
    assert scale_free_norm(scaled, g_scaled, blocks) == pytest.approx(
        scale_free_norm(param, g, blocks), rel=1e-8)


def test_scale_blocks_per_model():
    from spectral_ssl.methods import METHODS
    from spectral_ssl.stationarity import scale_blocks

    assert [n for n, m in METHODS.items() if m.scale_invariant] == ["simclr", "barlow_twins",
                                                                     "nnclr"]  # fmt: skip
    assert scale_blocks("rows", "free") == "rows" and scale_blocks("rows", "linear") == "all"
    assert scale_blocks("columns", "linear") == "columns"
    assert scale_blocks("rows", "mlp") is None and scale_blocks(None, "free") is None


def test_a_trained_run_records_the_scale_free_norm():
    """conv_grad_initial of a linear SimCLR run is the scale-free norm at its initial W."""
    from spectral_ssl.losses import simclr_loss
    from spectral_ssl.models import build_model
    from spectral_ssl.stationarity import scale_free_norm
    from spectral_ssl.training import TrainConfig, train

    rng = np.random.default_rng(1)
    x = rng.normal(size=(40, 6))
    cfg = TrainConfig(method="simclr", hparams={"tau": 0.5}, model="linear", k=4,
                      optimizer="lbfgs", lr=1.0, steps=3, precision="fp64", device="cpu",
                      seed=3)  # fmt: skip
    result = train(x, EDGES, cfg)
    torch.manual_seed(3)  # the trainer's initialisation
    w0 = build_model("linear", d_in=6, n_rows=40, k=4).weight.detach().double()
    g0 = _grad(lambda z: simclr_loss(z, EDGES, tau=0.5), w0, lambda p: torch.tensor(x) @ p)
    assert result.grad_norm_initial == pytest.approx(scale_free_norm(w0, g0, "all"), rel=1e-8)
