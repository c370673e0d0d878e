"""Each loss against a literal dense transcription of losses.md (float64, rel. error < 1e-10)."""

import math

import numpy as np
import pytest
import torch

from benchmarks import reference_losses as dense
from spectral_ssl.losses import (
    barlow_twins_loss,
    simclr_loss,
    spectral_contrastive_loss,
    vicreg_loss,
    vicreg_squared_loss,
)
from spectral_ssl.losses._graph import symmetric_half
from spectral_ssl.relations import adjacency, label_graph, view_pairs


@pytest.fixture(autouse=True)
def float64_default():
    """These tests compare with dense references in float64; restore the default afterwards."""
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(previous)


# ------------------------------------- literal dense references: benchmarks/reference_losses.py
def dense_g(edges, n, weights=None):
    return torch.as_tensor(adjacency(edges, n, weights).toarray())


# ---------------------------------------------------------------- fixtures
def graphs():
    rng = np.random.default_rng(0)
    out = []
    for n_views in (2, 3):
        e = view_pairs(7, n_views)
        out.append((f"views-V{n_views}", e, 7 * n_views, None))
    labels = rng.integers(0, 3, 20)
    e = label_graph(labels)
    out.append(("labels-weighted", e, 20, rng.uniform(0.5, 2.0, e.shape[1])))
    return out


def _sym_weights(edges, w):
    """Average each weight with the weight of its reverse edge."""
    n = edges.max() + 1
    code = {int(a) * n + int(b): i for i, (a, b) in enumerate(edges.T)}
    rev = np.array([code[int(b) * n + int(a)] for a, b in edges.T])
    return (w + w[rev]) / 2


GRAPHS = [(name, e, n, None if w is None else _sym_weights(e, w)) for name, e, n, w in graphs()]


def rel(a, b):
    return abs(float(a) - float(b)) / max(abs(float(b)), 1e-300)


@pytest.mark.parametrize("name,edges,n,w", GRAPHS, ids=[g[0] for g in GRAPHS])
def test_losses_match_dense_reference(name, edges, n, w):
    z = torch.randn(n, 5, generator=torch.Generator().manual_seed(1)) * 0.7
    g = dense_g(edges, n, w)
    pairs = [
        (
            vicreg_loss(z, edges, alpha=25, beta=1.5, gamma=3, weights=w),
            dense.dense_vicreg(z, g, alpha=25, beta=1.5, gamma=3),
        ),
        (
            vicreg_squared_loss(z, edges, alpha=2, gamma=3, weights=w),
            dense.dense_vicreg_sq(z, g, alpha=2, gamma=3),
        ),
        (simclr_loss(z, edges, tau=0.3, weights=w), dense.dense_simclr(z, g, tau=0.3)),
        (
            barlow_twins_loss(z, edges, alpha=0.2, weights=w),
            dense.unrolled_barlow_twins(z, edges, alpha=0.2, weights=w),
        ),
        (
            barlow_twins_loss(z, edges, alpha=0.2, weights=w, standardize=True),
            dense.unrolled_barlow_twins(z, edges, alpha=0.2, weights=w, standardize=True),
        ),
        (spectral_contrastive_loss(z, edges, weights=w), dense.dense_spectral_contrastive(z, g)),
    ]
    for ours, ref in pairs:
        assert rel(ours, ref) < 1e-10


@pytest.mark.parametrize("name,edges,n,w", GRAPHS, ids=[g[0] for g in GRAPHS])
def test_gradients_match_dense_reference(name, edges, n, w):
    z0 = torch.randn(n, 4, generator=torch.Generator().manual_seed(2))
    g = dense_g(edges, n, w)
    cases = [
        (
            lambda z: vicreg_loss(z, edges, alpha=25, beta=1, gamma=2, weights=w),
            lambda z: dense.dense_vicreg(z, g, alpha=25, beta=1, gamma=2),
        ),
        (
            lambda z: simclr_loss(z, edges, tau=0.2, weights=w),
            lambda z: dense.dense_simclr(z, g, tau=0.2),
        ),
        (
            lambda z: barlow_twins_loss(z, edges, alpha=0.3, weights=w),
            lambda z: dense.unrolled_barlow_twins(z, edges, alpha=0.3, weights=w),
        ),
        (
            lambda z: spectral_contrastive_loss(z, edges, weights=w),
            lambda z: dense.dense_spectral_contrastive(z, g),
        ),
    ]
    for ours, ref in cases:
        z1 = z0.clone().requires_grad_(True)
        z2 = z0.clone().requires_grad_(True)
        ours(z1).backward()
        ref(z2).backward()
        torch.testing.assert_close(z1.grad, z2.grad, rtol=1e-10, atol=1e-12)


def _sparse_graphs():
    """Graphs with E <= 2N (BarlowTwins' upper-triangle path) and ones that must not take it."""
    e = view_pairs(6, 2)  # N = 12, E = 12
    rng = np.random.default_rng(5)
    w = rng.uniform(0.5, 2.0, e.shape[1])
    loops = np.concatenate([e, [[0, 3], [0, 3]]], axis=1)  # two self-loops
    return [
        ("symmetric", e, None),
        ("symmetric-weighted", e, _sym_weights(e, w)),
        ("symmetric-self-loops", loops, np.full(loops.shape[1], 1.5)),
        ("asymmetric-weights", e, w),  # reverse edges exist, weights differ: general path
        ("directed", e[:, :6], None),  # no reverse edges: general path
    ]


@pytest.mark.parametrize("name,edges,w", _sparse_graphs(), ids=[g[0] for g in _sparse_graphs()])
@pytest.mark.parametrize("standardize", [False, True])
def test_barlow_twins_sparse_paths_match_unrolled_reference(name, edges, w, standardize):
    """Z^T G Z = A + A^T over the upper triangle only when G is symmetric, else through G Z."""
    e, wt = torch.as_tensor(edges), None if w is None else torch.as_tensor(w)
    assert (symmetric_half(e, 12, wt, torch.float64) is not None) == name.startswith("symmetric")
    z0 = torch.randn(12, 4, generator=torch.Generator().manual_seed(6))
    z1, z2 = z0.clone().requires_grad_(True), z0.clone().requires_grad_(True)
    ours = barlow_twins_loss(z1, edges, alpha=0.3, weights=w, standardize=standardize)
    ref = dense.unrolled_barlow_twins(z2, edges, alpha=0.3, weights=w, standardize=standardize)
    assert rel(ours.detach(), ref.detach()) < 1e-10
    ours.backward()
    ref.backward()
    torch.testing.assert_close(z1.grad, z2.grad, rtol=1e-10, atol=1e-12)


def test_custom_backward_passes_gradcheck():
    edges = view_pairs(4, 3)
    z = torch.randn(12, 3, generator=torch.Generator().manual_seed(3), requires_grad=True)
    assert torch.autograd.gradcheck(lambda z: simclr_loss(z, edges, tau=0.5), (z,))
    assert torch.autograd.gradcheck(lambda z: vicreg_squared_loss(z, edges, alpha=1, gamma=1), (z,))


def test_simclr_blocking_gives_identical_value_and_gradient():
    edges = view_pairs(50, 2)
    z0 = torch.randn(100, 8, generator=torch.Generator().manual_seed(4))
    results = []
    for block_bytes in (1, 17 * 100 * 8, 2**30):  # 1 row, 17 rows, everything
        z = z0.clone().requires_grad_(True)
        loss = simclr_loss(z, edges, tau=0.1, block_bytes=block_bytes)
        loss.backward()
        results.append((loss.detach(), z.grad))
    for loss, grad in results[1:]:
        torch.testing.assert_close(loss, results[0][0], rtol=1e-12, atol=0)
        torch.testing.assert_close(grad, results[0][1], rtol=1e-10, atol=1e-12)


def test_view_pairs_paper_index_order():
    np.testing.assert_array_equal(view_pairs(3, 2), [[0, 1, 2, 3, 4, 5], [3, 4, 5, 0, 1, 2]])
    e = view_pairs(2, 3)  # N = 6, rows repeat-interleaved, column (r + m N') mod N
    np.testing.assert_array_equal(e[0], [0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5])
    np.testing.assert_array_equal(e[1], [2, 4, 3, 5, 4, 0, 5, 1, 0, 2, 1, 3])


def test_simclr_known_value_on_aligned_embeddings():
    """V = 2, views identical, samples orthonormal: lse_i = log(e^{1/tau} + (N-2)), S_ij = 1/tau."""
    n_samples, tau = 4, 0.5
    z = torch.cat([torch.eye(n_samples), torch.eye(n_samples)]) * 3.0
    n = 2 * n_samples
    expected = n * (math.log(math.exp(1 / tau) + (n - 2)) - 1 / tau)
    assert rel(simclr_loss(z, view_pairs(n_samples, 2), tau=tau), expected) < 1e-12


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_no_nan_in_edge_cases(dtype):
    edges = view_pairs(1, 2)  # N = 2
    z = torch.randn(2, 3, dtype=dtype, requires_grad=True)
    for loss in (
        simclr_loss(z, edges, tau=0.05),
        vicreg_loss(z, edges, alpha=25, beta=1, gamma=25),
        barlow_twins_loss(z, edges, alpha=0.1),
    ):
        (g,) = torch.autograd.grad(loss, z)
        assert torch.isfinite(loss) and torch.isfinite(g).all()
    # constant columns: BarlowTwins eps and the VICReg clamp keep everything finite
    edges = view_pairs(5, 2)
    z = torch.ones(10, 4, dtype=dtype, requires_grad=True)
    for loss in (
        barlow_twins_loss(z, edges, alpha=0.1),
        vicreg_loss(z, edges, alpha=1, beta=1, gamma=1),
    ):
        (g,) = torch.autograd.grad(loss, z)
        assert torch.isfinite(loss) and torch.isfinite(g).all()
    # tau = 0.05 with strongly aligned rows: log-sum-exp form must not overflow in float32
    z = (torch.randn(10, 4, dtype=dtype) * 50).requires_grad_(True)
    loss = simclr_loss(z, edges, tau=0.05)
    (g,) = torch.autograd.grad(loss, z)
    assert torch.isfinite(loss) and torch.isfinite(g).all()


def test_rotation_invariance():
    """Z -> Z O leaves SimCLR, spectral contrastive and the VICReg surrogate unchanged (C6)."""
    edges = view_pairs(10, 2)
    z = torch.randn(20, 4, generator=torch.Generator().manual_seed(5))
    q, _ = torch.linalg.qr(torch.randn(4, 4, generator=torch.Generator().manual_seed(6)))
    for f in (
        lambda z: simclr_loss(z, edges, tau=0.3),
        lambda z: spectral_contrastive_loss(z, edges),
        lambda z: vicreg_squared_loss(z, edges, alpha=2, gamma=1),
    ):
        assert rel(f(z @ q), f(z)) < 1e-10


def test_terms_combine_into_loss():
    edges = view_pairs(6, 2)
    z = torch.randn(12, 3, generator=torch.Generator().manual_seed(7))
    loss, t = vicreg_loss(z, edges, alpha=2, beta=3, gamma=5, return_terms=True)
    assert rel(loss, 2 * t["variance"] + 3 * t["covariance"] + 5 * t["invariance"]) < 1e-12
    loss, t = simclr_loss(z, edges, tau=0.4, return_terms=True)
    assert rel(loss, t["attraction"] + t["repulsion"]) < 1e-12
    loss, t = barlow_twins_loss(z, edges, alpha=0.5, return_terms=True)
    assert rel(loss, t["invariance"] + 0.5 * t["redundancy"]) < 1e-12


def test_bad_arguments_raise_clear_errors():
    z = torch.randn(4, 2)
    with pytest.raises(ValueError, match="tau must be positive"):
        simclr_loss(z, view_pairs(2, 2), tau=0.0)
    with pytest.raises(ValueError, match=r"shape \(2, E\)"):
        vicreg_loss(z, np.zeros((3, 4), dtype=np.int64), alpha=1, beta=1, gamma=1)
    with pytest.raises(ValueError, match="2-D"):
        vicreg_loss(torch.randn(4), view_pairs(2, 2), alpha=1, beta=1, gamma=1)


# ---------------------------------------------------------------- BarlowTwins edge-list cache
def _barlow_matches_reference(z0, edges, w=None, standardize=False):
    """Value and gradient of barlow_twins_loss(z0, edges) equal the unrolled reference."""
    z1, z2 = z0.clone().requires_grad_(True), z0.clone().requires_grad_(True)
    ours = barlow_twins_loss(z1, edges, alpha=0.3, weights=w, standardize=standardize)
    ref = dense.unrolled_barlow_twins(
        z2, torch.as_tensor(edges).clone(), alpha=0.3, weights=w, standardize=standardize
    )
    assert rel(ours.detach(), ref.detach()) < 1e-10
    ours.backward()
    ref.backward()
    torch.testing.assert_close(z1.grad, z2.grad, rtol=1e-10, atol=1e-12)


def test_barlow_twins_cache_never_serves_another_edge_list():
    """Edge tensors of the same shape and different content, in turn, each get their own value:
    the view graph (split halves), a relabelled symmetric graph (gathered halves), a directed one
    (general path) and the view graph again (its cached structure reused)."""
    z0 = torch.randn(12, 4, generator=torch.Generator().manual_seed(8))
    view = torch.as_tensor(view_pairs(6, 2))
    perm = torch.as_tensor(np.random.default_rng(3).permutation(12))
    relabelled = perm[view]  # symmetric, same shape, not the split
    directed = view.clone()
    directed[1, :6] = torch.arange(6, 12).roll(1)  # no reverse edges for the first six
    for edges in (view, relabelled, directed, view, relabelled.clone(), directed):
        _barlow_matches_reference(z0, edges)
    for edges in (view, relabelled):  # numpy arrays: a new tensor every call, same content
        _barlow_matches_reference(z0, edges.numpy())


def test_barlow_twins_cache_sees_in_place_changes():
    """The same tensor object modified in place (version counter bumped), through .data (version
    not bumped) and through a numpy alias (no torch version at all) is never served its old
    structure; the same for weights."""
    z0 = torch.randn(12, 4, generator=torch.Generator().manual_seed(9))
    view = view_pairs(6, 2)
    edges = torch.as_tensor(view).clone()
    _barlow_matches_reference(z0, edges)
    edges[1, :6] = torch.arange(6, 12).roll(1)  # in place: now directed, version bumped
    _barlow_matches_reference(z0, edges)
    edges[1, :6] = torch.arange(6, 12)  # back to the view graph
    _barlow_matches_reference(z0, edges)
    perm = torch.as_tensor(np.random.default_rng(4).permutation(12))
    edges.data.copy_(perm[torch.as_tensor(view)])  # .data: the version counter does not move
    _barlow_matches_reference(z0, edges)
    array = view.copy()
    aliased = torch.from_numpy(array)
    _barlow_matches_reference(z0, aliased)
    array[:] = perm.numpy()[view]  # written through numpy: invisible to torch
    _barlow_matches_reference(z0, aliased)
    w = torch.as_tensor(_sym_weights(view, np.random.default_rng(6).uniform(0.5, 2.0, 12)))
    _barlow_matches_reference(z0, view, w)
    w.mul_(torch.linspace(0.5, 2.0, 12))  # in place, no longer symmetric: general path
    _barlow_matches_reference(z0, view, w)
    w.copy_(torch.as_tensor(_sym_weights(view, w.numpy())))
    _barlow_matches_reference(z0, view, w, standardize=True)


def test_barlow_twins_cache_reuses_equal_edge_lists():
    """Equal content (a fresh tensor or numpy array each call) reuses one cached structure, per
    dtype; an edge list of another shape gets its own."""
    from spectral_ssl.losses.barlow_twins import _STRUCTURES

    _STRUCTURES.clear()
    z = torch.randn(12, 4, generator=torch.Generator().manual_seed(10))
    for _ in range(3):
        barlow_twins_loss(z, view_pairs(6, 2), alpha=0.3)
        barlow_twins_loss(z, torch.as_tensor(view_pairs(6, 2)), alpha=0.3)
    assert len(_STRUCTURES.entries) == 1
    barlow_twins_loss(z.float(), view_pairs(6, 2), alpha=0.3)
    barlow_twins_loss(z, view_pairs(6, 2)[:, :6], alpha=0.3)
    assert len(_STRUCTURES.entries) == 3


@pytest.mark.parametrize("name,edges,w", _sparse_graphs(), ids=[g[0] for g in _sparse_graphs()])
@pytest.mark.parametrize("standardize", [False, True])
def test_barlow_twins_gradcheck_and_double_backward(name, edges, w, standardize):
    """The hand-written backward of the symmetric path (and the general path) against finite
    differences, the invariance and redundancy terms too, and backward of the backward."""
    z = torch.randn(12, 3, generator=torch.Generator().manual_seed(11), requires_grad=True)

    def f(z):
        loss, t = barlow_twins_loss(
            z, edges, alpha=0.3, weights=w, standardize=standardize, return_terms=True
        )
        return loss, t["invariance"], t["redundancy"]

    assert torch.autograd.gradcheck(f, (z,))
    assert torch.autograd.gradgradcheck(f, (z,))


def test_barlow_twins_weight_gradient_through_the_symmetric_path():
    """Weights that require grad bypass the cache and get a gradient (upper-triangle weights and
    half self-loops, as before): d loss / d w against finite differences along symmetric
    perturbations, which keep G symmetric."""
    e = np.concatenate([view_pairs(5, 2), [[0, 3], [0, 3]]], axis=1)
    rng = np.random.default_rng(12)
    w0 = torch.as_tensor(_sym_weights(e, rng.uniform(0.5, 2.0, e.shape[1])))
    z = torch.randn(10, 3, generator=torch.Generator().manual_seed(12))
    w = w0.clone().requires_grad_(True)
    (gw,) = torch.autograd.grad(barlow_twins_loss(z, e, alpha=0.3, weights=w), w)
    direction = torch.as_tensor(_sym_weights(e, rng.normal(size=e.shape[1])))
    h = 1e-6
    plus = barlow_twins_loss(z, e, alpha=0.3, weights=w0 + h * direction)
    minus = barlow_twins_loss(z, e, alpha=0.3, weights=w0 - h * direction)
    assert rel(gw @ direction, (plus - minus) / (2 * h)) < 1e-6


def test_barlow_twins_zero_column_has_a_finite_gradient():
    """A zero column (norm clamped at eps): the loss is flat in it, gradient 0, not NaN."""
    z = torch.randn(10, 3, generator=torch.Generator().manual_seed(13))
    z[:, 1] = 0
    z.requires_grad_(True)
    for edges in (view_pairs(5, 2), view_pairs(5, 2)[:, :5]):
        for standardize in (False, True):
            loss = barlow_twins_loss(z, edges, alpha=0.1, standardize=standardize)
            (g,) = torch.autograd.grad(loss, z)
            assert torch.isfinite(g).all()
