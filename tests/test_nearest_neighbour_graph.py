"""NNCLR's evolving G_t: the neighbour search against scikit-learn, the union with G, the refresh
schedule of training, the loss (SimCLR's), determinism and bad input."""

import numpy as np
import pytest
import torch
from sklearn.neighbors import NearestNeighbors

from spectral_ssl.errors import ConfigError
from spectral_ssl.losses import nnclr_loss, simclr_loss
from spectral_ssl.nearest_neighbour_graph import (
    NeighbourGraph,
    nearest_neighbours,
    neighbour_edges,
)
from spectral_ssl.relations import alignment, validate_edges, view_pairs
from spectral_ssl.training import TrainConfig, train

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _brute_force(z: np.ndarray, m: int, source: np.ndarray) -> np.ndarray:
    """Every row's neighbours by sklearn's cosine distance, same-source rows filtered out."""
    n = z.shape[0]
    dist, idx = NearestNeighbors(n_neighbors=n, metric="cosine", algorithm="brute").fit(z) \
        .kneighbors(z)  # fmt: skip
    out = np.empty((n, m), dtype=np.int64)
    for i in range(n):
        keep = source[idx[i]] != source[i]
        out[i] = idx[i][keep][:m]
    return out


@pytest.fixture
def two_views():
    rng = np.random.default_rng(3)
    n_samples = 60
    base = rng.normal(size=(n_samples, 5))
    z = np.concatenate([base + 0.05 * rng.normal(size=base.shape),
                        base + 0.05 * rng.normal(size=base.shape)])  # fmt: skip
    source = np.tile(np.arange(n_samples), 2)
    labels = np.tile(rng.integers(0, 3, n_samples), 2)
    return z, source, labels, view_pairs(n_samples, 2)


@pytest.mark.parametrize("m", [1, 3])
def test_neighbours_equal_sklearn_brute_force(m):
    z = np.random.default_rng(0).normal(size=(80, 6))
    own = np.arange(80)
    np.testing.assert_array_equal(nearest_neighbours(z, m), _brute_force(z, m, own))


def test_neighbours_skip_the_rows_of_the_same_source(two_views):
    z, source, _, _ = two_views
    nn = nearest_neighbours(z, 2, source)
    np.testing.assert_array_equal(nn, _brute_force(z, 2, source))
    assert not np.any(source[nn] == source[:, None])
    # without the exclusion a view's nearest neighbour is its own other view
    own = nearest_neighbours(z, 1)[:, 0]
    assert np.mean(source[own] == source) > 0.9


def test_graph_is_symmetric_valid_and_contains_g(two_views):
    z, source, labels, base = two_views
    graph = NeighbourGraph(base, z.shape[0], 2, 5, source, labels)
    edges = graph.refresh(0, z)
    validate_edges(edges, z.shape[0], require_degree=True)  # no loops, duplicates, asymmetry
    codes = set(edges[0] * z.shape[0] + edges[1])
    assert set(base[0] * z.shape[0] + base[1]) <= codes
    nn = neighbour_edges(z, 2, source)
    assert codes == set(base[0] * z.shape[0] + base[1]) | set(nn[0] * z.shape[0] + nn[1])
    point = graph.history[0]
    assert point["graph_edges"] == edges.shape[1]
    assert point["graph_alignment"] == pytest.approx(alignment(edges, labels))
    assert point["graph_nn_alignment"] == pytest.approx(alignment(nn, labels))
    summary = graph.summary()
    assert summary["nnclr_base_alignment"] == 1.0 and summary["nnclr_refreshes"] == 1


def test_loss_is_simclr_on_the_same_graph(two_views):
    z, source, _, base = two_views
    edges = neighbour_edges(z, 2, source)
    zt = torch.as_tensor(z, dtype=torch.float64).requires_grad_()
    a, terms_a = nnclr_loss(zt, edges, tau=0.3, m=2, refresh_every=7, return_terms=True)
    b, terms_b = simclr_loss(zt, edges, tau=0.3, return_terms=True)
    assert a.item() == b.item()
    assert all(terms_a[k].item() == terms_b[k].item() for k in terms_b)
    (ga,) = torch.autograd.grad(a, zt)
    (gb,) = torch.autograd.grad(simclr_loss(zt, edges, tau=0.3), zt)
    assert torch.equal(ga, gb)


def _train(x, edges, source, labels, **kw):
    hp = {"m": 2, "refresh_every": kw.pop("refresh_every", 10), "tau": 0.5}
    config = TrainConfig("nnclr", hp, model="mlp", model_params={"width": 16, "depth": 1},
                         k=4, lr=0.01, **{"steps": 25, **kw})  # fmt: skip
    return train(x, edges, config, source=source, labels=labels)


@pytest.mark.parametrize("batch_size", [None, 20])
def test_training_refreshes_exactly_at_the_stated_steps(two_views, batch_size):
    x, source, labels, base = two_views
    result = _train(x, base, source, labels, batch_size=batch_size)
    steps = [p["step"] for p in result.graph.history]
    assert steps == [0, 10, 20]
    result = _train(x, base, source, labels, refresh_every=1, steps=4, batch_size=batch_size)
    assert [p["step"] for p in result.graph.history] == [0, 1, 2, 3]
    assert np.isfinite(result.log["loss"]).all()


def test_training_uses_g_t_and_simclr_does_not(two_views):
    x, source, labels, base = two_views
    config = TrainConfig("simclr", {"tau": 0.5}, model="mlp", k=4, steps=3,
                         model_params={"width": 16, "depth": 1})  # fmt: skip
    assert train(x, base, config, source=source).graph is None
    result = _train(x, base, source, labels, steps=3)
    # the loss of step 0 is SimCLR's on G_0 = G u N_2 at the initial parameters
    nn = result.graph.history[0]
    assert nn["graph_edges"] > base.shape[1]
    assert result.log["repulsion"].iloc[0] > 0


def test_training_is_deterministic_with_a_seed(two_views):
    x, source, labels, base = two_views
    a = _train(x, base, source, labels, seed=4)
    b = _train(x, base, source, labels, seed=4)
    assert a.graph.history == b.graph.history
    np.testing.assert_array_equal(a.log["loss"].to_numpy(), b.log["loss"].to_numpy())
    c = _train(x, base, source, labels, seed=5)
    assert not np.array_equal(a.log["loss"].to_numpy(), c.log["loss"].to_numpy())


@pytest.mark.parametrize("hp, match", [
    ({"m": 1.5}, "integer"),
    ({"m": 500}, "m must be in 1..118"),
    ({"refresh_every": 0}, "refresh_every"),
])  # fmt: skip
def test_bad_hyperparameters_name_the_problem(two_views, hp, match):
    x, source, labels, base = two_views
    config = TrainConfig("nnclr", hp, model="mlp", k=4, steps=2)
    with pytest.raises(ConfigError, match=match):
        train(x, base, config, source=source, labels=labels)


def test_weighted_g_is_refused(two_views):
    x, source, labels, base = two_views
    config = TrainConfig("nnclr", {}, model="mlp", k=4, steps=2)
    with pytest.raises(ConfigError, match="unweighted"):
        train(x, base, config, source=source, labels=labels, weights=np.ones(base.shape[1]))
