"""Relation graphs: builders, validation messages, statistics and files."""

import numpy as np
import pytest
import scipy.sparse as sp

from spectral_ssl.errors import ArtifactError, RelationError
from spectral_ssl.relations import (
    adjacency,
    alignment,
    degree,
    knn_graph,
    label_graph,
    laplacian,
    load_relation,
    n_components,
    random_graph,
    relation_stats,
    restrict,
    save_relation,
    validate_edges,
    view_pairs,
)


def test_view_pairs_is_cliques_of_size_v():
    e = view_pairs(5, 3)
    validate_edges(e, 15, require_degree=True)
    assert e.shape == (2, 30) and e.dtype == np.int64
    np.testing.assert_array_equal(degree(e, 15), np.full(15, 2.0))
    assert n_components(e, 15) == 5
    lap = laplacian(e, 15).toarray()
    np.testing.assert_allclose(np.sort(np.linalg.eigvalsh(lap)), [0] * 5 + [3] * 10, atol=1e-12)


def test_label_graph_alignment_and_degree():
    labels = np.repeat(np.arange(4), 25)
    e = label_graph(labels)
    validate_edges(e, 100)
    assert alignment(e, labels) == 1.0
    assert e.shape[1] == 4 * 25 * 24
    assert n_components(e, 100) == 4
    e5 = label_graph(labels, positives_per_row=5, seed=1)
    validate_edges(e5, 100, require_degree=True)
    assert alignment(e5, labels) == 1.0
    assert degree(e5, 100).min() >= 5


def test_nuisance_graph_is_misaligned():
    rng = np.random.default_rng(0)
    labels, nuisance = rng.integers(0, 4, 2000), rng.integers(0, 4, 2000)
    e = label_graph(nuisance)
    assert alignment(e, nuisance) == 1.0
    assert abs(alignment(e, labels) - 0.25) < 0.02


def test_knn_and_random_graphs_are_valid_and_symmetric():
    x = np.random.default_rng(0).normal(size=(60, 3))
    e = knn_graph(x, 4)
    validate_edges(e, 60, require_degree=True)
    assert degree(e, 60).min() >= 4
    a = adjacency(e, 60)
    assert (a != a.T).nnz == 0
    r = random_graph(200, 6.0, seed=3)
    validate_edges(r, 200)
    assert 4.5 < degree(r, 200).mean() < 6.5


@pytest.mark.parametrize(
    "edges,n,weights,kwargs,message",
    [
        (np.array([[0, 1], [1, 2]]), 3, None, {}, "not symmetric"),
        (np.array([[0, 1, 1], [1, 0, 1]]), 3, None, {}, "self loop"),
        (np.array([[0, 1, 0, 1], [1, 0, 1, 0]]), 3, None, {}, "duplicate"),
        (np.array([[0, 5], [5, 0]]), 3, None, {}, "out of range"),
        (np.array([[0, -1], [-1, 0]]), 3, None, {}, "out of range"),
        (np.array([[0, 1], [1, 0]]), 3, None, {"require_degree": True}, "isolated node"),
        (np.zeros((2, 0), dtype=int), 3, None, {}, "empty"),
        (np.zeros((3, 2), dtype=int), 3, None, {}, r"shape \(2, E\)"),
        (np.array([[0.0, 1.0], [1.0, 0.0]]), 3, None, {}, "integers"),
        (np.array([[0, 1], [1, 0]]), 3, [1.0, 2.0], {}, "weights of"),
        (np.array([[0, 1], [1, 0]]), 3, [1.0, np.nan], {}, "NaN"),
        (np.array([[0, 1], [1, 0]]), 3, [1.0, -1.0], {}, "positive"),
    ],
)
def test_validation_messages(edges, n, weights, kwargs, message):
    with pytest.raises(RelationError, match=message):
        validate_edges(edges, n, weights, **kwargs)


def test_laplacian_identity_c1():
    """sum_ij G_ij ||z_i - z_j||^2 = 2 tr(Z^T L Z) (claim C1), weighted G."""
    rng = np.random.default_rng(1)
    e = random_graph(40, 5, seed=2)
    w = rng.uniform(0.1, 3, e.shape[1])
    w = (w + adjacency(e, 40, w).T.tocsr()[e[0], e[1]]) / 2  # symmetric weights
    validate_edges(e, 40, w)
    z = rng.normal(size=(40, 3))
    lhs = np.sum(w * np.sum((z[e[0]] - z[e[1]]) ** 2, axis=1))
    rhs = 2 * np.trace(z.T @ (laplacian(e, 40, w) @ z))
    assert abs(lhs - rhs) / rhs < 1e-10
    assert isinstance(laplacian(e, 40), sp.csr_array)


def test_restrict_keeps_induced_subgraph():
    e = view_pairs(4, 2)  # pairs (n, n + 4)
    sub, w = restrict(e, np.array([1, 5, 2]), 8, np.arange(8.0) + 1)
    np.testing.assert_array_equal(sub, [[0, 1], [1, 0]])
    np.testing.assert_array_equal(w, [2.0, 6.0])


def test_stats_and_round_trip(tmp_path):
    labels = np.repeat(np.arange(3), 10)
    e = label_graph(labels)
    stats = relation_stats(e, 30, labels=labels, nuisance=np.tile(np.arange(2), 15))
    assert stats["n_edges"] == 3 * 10 * 9 and stats["n_components"] == 3
    assert stats["alignment_labels"] == 1.0 and stats["degree_min"] == 9.0
    path = tmp_path / "g.npz"
    save_relation(path, e, 30)
    e2, n, w = load_relation(path)
    np.testing.assert_array_equal(e, e2)
    assert n == 30 and w is None


def test_bad_files(tmp_path):
    with pytest.raises(ArtifactError, match="missing file"):
        load_relation(tmp_path / "nope.npz")
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(ArtifactError, match="corrupted"):
        load_relation(bad)
    asym = tmp_path / "asym.npz"
    np.savez(asym, edges=np.array([[0], [1]]), n_nodes=3)
    with pytest.raises(RelationError, match="asym.npz: G is not symmetric"):
        load_relation(asym)
    with pytest.raises(RelationError):
        save_relation(tmp_path / "x.npz", np.array([[0], [1]]), 3)
    assert not (tmp_path / "x.npz").exists()


# ---------------------------------------------------------------- label_nuisance_mix (C20)
def _mix_data(n: int = 400):
    rng = np.random.default_rng(0)
    return rng.integers(0, 4, n), rng.integers(0, 4, n)


@pytest.mark.parametrize("p", [0.0, 0.25, 0.5, 0.75, 1.0])
def test_label_nuisance_mix_swaps_a_fraction_p_of_each_rows_partners(p):
    from spectral_ssl.relation_mix import label_nuisance_mix, ordered_partners

    y, a = _mix_data()
    e = label_nuisance_mix(y, a, 8, p, seed=3)
    validate_edges(e, y.size, require_degree=True)
    assert degree(e, y.size).min() >= 8  # every row keeps its 8 partners (then the union)
    # known answer: the directed edges are the first 8 - m label partners and the first m
    # nuisance partners of the draws (label draws first, then nuisance, one generator)
    m = int(np.floor(8 * p + 0.5))
    rng = np.random.default_rng(3)
    by_label, by_nuisance = ordered_partners(y, 8, rng), ordered_partners(a, 8, rng)
    partners = np.concatenate([by_label[:, : 8 - m], by_nuisance[:, :m]], axis=1)
    directed = np.stack([np.repeat(np.arange(y.size), 8), partners.ravel()])
    codes = set((e[0] * y.size + e[1]).tolist())
    assert set((directed[0] * y.size + directed[1]).tolist()) <= codes
    assert set((directed[1] * y.size + directed[0]).tolist()) <= codes
    assert len(codes) == symmetrize_count(directed, y.size)
    # label partners are same-label rows, nuisance partners same-nuisance rows
    assert (y[by_label] == y[:, None]).all() and (a[by_nuisance] == a[:, None]).all()


def symmetrize_count(directed: np.ndarray, n: int) -> int:
    both = np.concatenate([directed, directed[::-1]], axis=1)
    return np.unique(both[0] * n + both[1]).size


def test_label_nuisance_mix_alignment_falls_from_one_to_chance():
    from spectral_ssl.relation_mix import label_nuisance_mix

    y, a = _mix_data(2000)
    values = [alignment(label_nuisance_mix(y, a, 8, p, seed=1), y) for p in (0, 0.5, 1)]
    assert values[0] == 1.0
    assert values[0] > values[1] > values[2]
    assert abs(values[2] - 0.25) < 0.02  # independent nuisance: 1 / classes
    assert abs(values[1] - (0.5 + 0.5 * 0.25)) < 0.03


def test_label_nuisance_mix_shares_draws_across_p_and_follows_the_seed():
    from spectral_ssl.relation_mix import label_nuisance_mix

    y, a = _mix_data()
    g0, g1 = label_nuisance_mix(y, a, 8, 0.0, seed=5), label_nuisance_mix(y, a, 8, 1.0, seed=5)
    half = label_nuisance_mix(y, a, 8, 0.5, seed=5)
    codes = [set((g[0] * y.size + g[1]).tolist()) for g in (g0, half, g1)]
    assert codes[1] <= codes[0] | codes[2]  # G_0.5 = part of G_0 plus part of G_1
    other = label_nuisance_mix(y, a, 8, 0.5, seed=6)
    assert not np.array_equal(half, other)
    np.testing.assert_array_equal(half, label_nuisance_mix(y, a, 8, 0.5, seed=5))


@pytest.mark.parametrize("p,message", [(1.5, r"p .* must be in \[0, 1\], got 1.5"),
                                       (-0.1, r"must be in \[0, 1\]"),
                                       ("half", "p .* must be a number"),
                                       (True, "must be a number")])  # fmt: skip
def test_label_nuisance_mix_bad_fraction_is_one_clear_message(p, message):
    from spectral_ssl.relation_mix import label_nuisance_mix

    y, a = _mix_data()
    with pytest.raises(RelationError, match=message):
        label_nuisance_mix(y, a, 8, p)


def test_label_nuisance_mix_too_few_rows_and_the_dispatch():
    from spectral_ssl.errors import ConfigError
    from spectral_ssl.relation_mix import design_stats, label_nuisance_mix
    from spectral_ssl.relations import build_relation

    with pytest.raises(RelationError, match="too few for 8 distinct partners"):
        label_nuisance_mix(np.repeat([0, 1], 5), np.tile([0, 1], 5), 8, 0.5)

    class Views:
        y, nuisance = _mix_data()
        x = np.zeros((y.size, 2))

    e = build_relation("label_nuisance_mix", Views, {"positives_per_row": 4, "p": 0.5,
                                                     "seed": 2})  # fmt: skip
    validate_edges(e, Views.y.size, require_degree=True)
    with pytest.raises(ConfigError, match=r"needs the parameter\(s\) \['p'\]"):
        build_relation("label_nuisance_mix", Views, {"positives_per_row": 4})
    with pytest.raises(ConfigError, match="unknown parameter"):
        build_relation("label_nuisance_mix", Views, {"positives_per_row": 4, "p": 0.5, "k": 1})
    assert design_stats("label_nuisance_mix", {"p": 0.25}) == {"mix_p": 0.25}
    assert design_stats("labels", {"positives_per_row": 3}) == {}


def test_label_nuisance_mix_takes_the_data_seed_like_the_other_sampled_graphs():
    from spectral_ssl.cli.prepare import seeded

    params = {"positives_per_row": 4, "p": 0.5}
    assert seeded("label_nuisance_mix", params, 3) == {**params, "seed": 3}
    assert seeded("labels", {"positives_per_row": 4}, 3)["seed"] == 3
    assert seeded("label_nuisance_mix", {**params, "seed": 9}, 3)["seed"] == 9  # explicit wins
