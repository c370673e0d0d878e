"""The benchmark baseline (benchmarks/reference_losses.py) agrees with spectral_ssl.losses.

float64, small random problems, relative error < 1e-10: this checks the baseline itself, so the
fp32 agreement asserted by ``python -m benchmarks.losses`` compares two correct implementations.
"""

import math

import pytest
import torch

from benchmarks import reference_losses as ref
from benchmarks.losses import fit_exponent, relative_error
from spectral_ssl.losses import (
    barlow_twins_loss,
    estimate_memory,
    simclr_loss,
    vicreg_loss,
)
from spectral_ssl.relations import view_pairs

CASES = [(7, 2), (5, 3)]  # (samples, views)


def _problem(n_samples: int, n_views: int, k: int = 6, seed: int = 0):
    edges = torch.as_tensor(view_pairs(n_samples, n_views))
    n = n_samples * n_views
    gen = torch.Generator().manual_seed(seed)
    z = 0.7 * torch.randn(n, k, generator=gen, dtype=torch.float64)
    return z, edges, ref.dense_relation(edges, n, dtype=torch.float64)


def _value_and_grad(fn, z):
    z = z.clone().requires_grad_(True)
    loss = fn(z)
    loss.backward()
    return float(loss.detach()), z.grad


@pytest.mark.parametrize("n_samples,n_views", CASES)
@pytest.mark.parametrize("tau", [0.3, 1e-3])  # 1e-3: no global shift, the per-row-max path
def test_simclr_matches_dense_baseline(n_samples, n_views, tau):
    z, edges, g = _problem(n_samples, n_views)
    ours, g_ours = _value_and_grad(lambda z: simclr_loss(z, edges, tau=tau), z)
    base, g_base = _value_and_grad(lambda z: ref.dense_simclr(z, g, tau=tau), z)
    assert relative_error(ours, base) < 1e-10
    torch.testing.assert_close(g_ours, g_base, rtol=1e-10, atol=1e-12 / tau)


@pytest.mark.parametrize("n_samples,n_views", CASES)
def test_vicreg_and_barlow_twins_match_baseline(n_samples, n_views):
    z, edges, g = _problem(n_samples, n_views)
    hp = {"alpha": 25.0, "beta": 1.5, "gamma": 3.0}
    pairs = [
        (lambda z: vicreg_loss(z, edges, **hp), lambda z: ref.dense_vicreg(z, g, **hp)),
        (
            lambda z: barlow_twins_loss(z, edges, alpha=0.2),
            lambda z: ref.unrolled_barlow_twins(z, edges, alpha=0.2),
        ),
        (
            lambda z: barlow_twins_loss(z, edges, alpha=0.2, standardize=True),
            lambda z: ref.unrolled_barlow_twins(z, edges, alpha=0.2, standardize=True),
        ),
    ]
    for ours_fn, base_fn in pairs:
        ours, g_ours = _value_and_grad(ours_fn, z)
        base, g_base = _value_and_grad(base_fn, z)
        assert relative_error(ours, base) < 1e-10
        torch.testing.assert_close(g_ours, g_base, rtol=1e-10, atol=1e-12)


def test_dense_relation_is_the_paper_g():
    g = ref.dense_relation(view_pairs(3, 2), 6, dtype=torch.float64)
    assert torch.equal(g, g.T) and g.diagonal().abs().sum() == 0
    assert g.sum(1).tolist() == [1.0] * 6 and g[0, 3] == 1 and g[5, 2] == 1


def test_lightly_ntxent_is_simclr_over_n():
    loss_mod = pytest.importorskip("lightly.loss")
    z, edges, _ = _problem(8, 2)
    n = z.shape[0]
    ntxent = float(loss_mod.NTXentLoss(temperature=0.2)(z[: n // 2], z[n // 2 :]))
    assert relative_error(ntxent, float(simclr_loss(z, edges, tau=0.2)) / n) < 1e-10


def test_fit_exponent_and_memory_estimates():
    sizes = [1024, 2048, 4096, 8192]
    assert math.isclose(fit_exponent(sizes, [3e-9 * s**2 for s in sizes]), 2.0, rel_tol=1e-9)
    n, k = 65536, 2048
    dense = estimate_memory("vicreg_dense", n, k, n, torch.float32)
    ours = estimate_memory("vicreg", n, k, n, torch.float32)
    assert dense > 6 * n * n * 4 and ours < dense / 10
    assert estimate_memory("simclr", n, k, n) < estimate_memory("simclr_dense", n, k, n) / 10
    with pytest.raises(ValueError, match="unknown method"):
        estimate_memory("nope", n, k, n)
