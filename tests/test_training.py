"""Trainer: every method lowers its loss, VICReg features beat random features, determinism."""

import dataclasses

import numpy as np
import pytest
import torch
from sklearn.datasets import make_swiss_roll

from spectral_ssl.closed_form import vicreg_solution
from spectral_ssl.data import make_dataset, subsample, train_test_split
from spectral_ssl.errors import ConfigError, DataError, TrainingDivergedError
from spectral_ssl.evaluation import linear_probe
from spectral_ssl.losses import vicreg_squared_loss
from spectral_ssl.models import build_model, embed
from spectral_ssl.relations import knn_graph, view_pairs
from spectral_ssl.subspaces import compare_subspaces
from spectral_ssl.training import METHODS, TrainConfig, resolve_device, train
from spectral_ssl.views import make_views

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def digits():
    ds = make_dataset("digits", seed=0)
    train_ds, test_ds = train_test_split(ds, test_fraction=0.25, seed=0)
    views = make_views(subsample(train_ds, 600, seed=0), 2, seed=0)
    return train_ds, test_ds, views


@pytest.mark.parametrize("method", ["vicreg", "simclr", "barlow_twins"])
def test_each_method_lowers_its_loss(digits, method):
    _, _, views = digits
    edges = view_pairs(views.n_samples, views.n_views)
    config = TrainConfig(method=method, model="mlp", k=16, steps=60, lr=1e-3)
    result = train(views.x, edges, config, source=views.source)
    losses = result.log["loss"].to_numpy()
    assert np.all(np.isfinite(losses))
    assert losses[-5:].mean() < 0.9 * losses[:5].mean()
    assert set(result.log.columns) >= {"step", "loss", "time_s"}


def test_vicreg_features_beat_random_features(digits):
    train_ds, test_ds, views = digits
    edges = view_pairs(views.n_samples, views.n_views)
    # K = 8: a random 8-d projection keeps less of the class information than trained features
    config = TrainConfig(method="vicreg", model="mlp", k=8, steps=150, lr=1e-3, seed=0)
    result = train(views.x, edges, config, source=views.source)
    trained = linear_probe(
        embed(result.model, train_ds.x), train_ds.y, embed(result.model, test_ds.x), test_ds.y
    )
    torch.manual_seed(0)
    rand = build_model("mlp", d_in=64, n_rows=views.x.shape[0], k=8).eval()
    random_probe = linear_probe(
        embed(rand, train_ds.x), train_ds.y, embed(rand, test_ds.x), test_ds.y
    )
    assert trained["test_accuracy"] > random_probe["test_accuracy"] + 0.07
    assert trained["test_accuracy"] > 0.85


def test_same_seed_same_embeddings_on_cpu(digits):
    _, _, views = digits
    edges = view_pairs(views.n_samples, views.n_views)
    config = TrainConfig(
        method="simclr", model="mlp", k=8, steps=10, batch_size=128, seed=3, device="cpu"
    )  # bit-identity is promised on the CPU only
    z1 = embed(train(views.x, edges, config, source=views.source).model, views.x)
    z2 = embed(train(views.x, edges, config, source=views.source).model, views.x)
    np.testing.assert_array_equal(z1, z2)
    other = dataclasses.replace(config, seed=4)
    assert not np.array_equal(
        z1, embed(train(views.x, edges, other, source=views.source).model, views.x)
    )


def test_minibatches_keep_positive_pairs_together(digits):
    from spectral_ssl.training import _Batches

    _, _, views = digits
    edges = view_pairs(views.n_samples, views.n_views)
    batches = _Batches(edges, None, views.x.shape[0], views.source, 50, np.random.default_rng(0),
                       "cpu", torch.float32)  # fmt: skip
    index, batch_edges, _ = batches.next()
    assert index.numel() == 100  # 50 samples x 2 views
    assert batch_edges.shape[1] == 100  # every row keeps its partner
    src = torch.as_tensor(views.source)[index]
    assert torch.equal(src[batch_edges[0]], src[batch_edges[1]])


def test_free_and_linear_models_and_snapshots(digits):
    _, _, views = digits
    edges = view_pairs(views.n_samples, views.n_views)
    for model in ("free", "linear"):
        config = TrainConfig(method="vicreg_sq", model=model, k=4, steps=20, snapshot_every=10,
                             hparams={"alpha": 1.0, "gamma": 1.0}, lr=1e-2)  # fmt: skip
        result = train(views.x, edges, config)
        assert list(result.snapshot_steps) == [0, 10, 20]
        assert result.snapshots.shape == (3, views.x.shape[0], 4)


def test_nan_stops_with_clear_message():
    x = np.random.default_rng(0).normal(size=(20, 3))
    config = TrainConfig(method="vicreg", model="linear", k=2, steps=50, lr=1e30, optimizer="sgd")
    with pytest.raises(
        TrainingDivergedError, match=r"vicreg \(alpha=25.0.*\) diverged at step \d+"
    ):
        train(x, view_pairs(10, 2), config)


@pytest.mark.parametrize(
    "kwargs,message",
    [
        ({"method": "byol"}, "unknown method 'byol'"),
        ({"method": "vicreg", "hparams": {"gamma": -1.0}}, "gamma of vicreg must be >= 0"),
        ({"method": "simclr", "hparams": {"tau": 0.0}}, "tau of simclr must be > 0"),
        (
            {"method": "simclr", "hparams": {"temperature": 0.1}},
            r"unknown hyperparameter.*temperature",
        ),
        ({"method": "vicreg", "k": 0}, "k .* must be >= 1"),
        ({"method": "vicreg", "optimizer": "rmsprop"}, "unknown optimizer"),
        ({"method": "vicreg", "model": "resnet"}, "resnet"),
    ],
)
def test_bad_config_is_named(kwargs, message):
    x = np.random.default_rng(0).normal(size=(8, 3))
    with pytest.raises(ConfigError, match=message):
        train(x, view_pairs(4, 2), TrainConfig(**{"steps": 1, **kwargs}))


def test_bad_inputs():
    x = np.random.default_rng(0).normal(size=(8, 3))
    x[2, 1] = np.nan
    with pytest.raises(DataError, match="NaN"):
        train(x, view_pairs(4, 2), TrainConfig(method="vicreg", steps=1))


def test_device_resolution():
    assert resolve_device("cpu") == "cpu"
    assert resolve_device("auto") == ("cuda" if torch.cuda.is_available() else "cpu")
    if not torch.cuda.is_available():
        with pytest.raises(ConfigError, match="no CUDA GPU is available"):
            resolve_device("cuda")


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_training_matches_cpu_closely(digits):
    """The same fp64 run on the CPU and on CUDA: the loss curves agree to 1e-6."""
    _, _, views = digits
    edges = view_pairs(views.n_samples, views.n_views)
    for method in METHODS:
        config = TrainConfig(method=method, model="linear", k=8, steps=5, precision="fp64",
                             device="cpu")  # fmt: skip
        cpu = train(views.x, edges, config)
        gpu = train(views.x, edges, dataclasses.replace(config, device="cuda"))
        assert cpu.device == "cpu" and gpu.device.startswith("cuda"), (cpu.device, gpu.device)
        assert next(gpu.model.parameters()).device.type == "cuda"
        np.testing.assert_allclose(
            gpu.log["loss"].to_numpy(), cpu.log["loss"].to_numpy(), rtol=1e-6, err_msg=method
        )


# --------------------------------------------------------------------------------------------
# L-BFGS in float64 reaches the known optimum; weighted edges change the problem solved
# --------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def swiss_graph():
    """kNN graph (k = 8) of 120 swiss-roll points and symmetric positive edge weights."""
    x = make_swiss_roll(120, random_state=0)[0]
    edges = knn_graph(x, 8)
    rng = np.random.default_rng(0)
    w_pair = rng.uniform(0.2, 3.0, (120, 120))
    w_pair = np.triu(w_pair, 1) + np.triu(w_pair, 1).T
    return edges, w_pair[edges[0], edges[1]]


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_lbfgs_fp64_free_vicreg_reaches_the_closed_form(swiss_graph, weighted):
    """Free Z, VICReg surrogate, L-BFGS in float64: the trained Z attains the closed-form
    minimum of *its* graph (weighted or not) and spans the closed-form subspace."""
    edges, w = swiss_graph
    weights = w if weighted else None
    n, k, alpha, gamma = 120, 3, 1.0, 0.5  # full predicted rank for both graphs
    sol = vicreg_solution(edges, n, k, alpha=alpha, gamma=gamma, weights=weights)
    other = vicreg_solution(edges, n, k, alpha=alpha, gamma=gamma,
                            weights=None if weighted else w)  # fmt: skip
    assert abs(sol.minimum - other.minimum) > 1e-2 * abs(sol.minimum)  # the weights matter
    config = TrainConfig(method="vicreg_sq", hparams={"alpha": alpha, "gamma": gamma},
                         model="free", k=k, optimizer="lbfgs", lr=1.0, steps=60,
                         precision="fp64", device="cpu", snapshot_every=60)  # fmt: skip
    result = train(np.zeros((n, 1)), edges, config, weights=weights)
    assert all(p.dtype == torch.float64 for p in result.model.parameters())
    assert list(result.snapshot_steps) == [0, 60]
    z = result.snapshots[-1]
    loss = float(vicreg_squared_loss(torch.as_tensor(z), edges, alpha=alpha, gamma=gamma,
                                     weights=weights))  # fmt: skip
    assert abs(loss - sol.minimum) <= 1e-8 * abs(sol.minimum), (loss, sol.minimum)
    assert abs(float(result.log["loss"].iloc[-1]) - sol.minimum) <= 1e-6 * abs(sol.minimum)
    cmp = compare_subspaces(z, sol.embedding)
    assert cmp.rank_a == cmp.rank_b == sol.predicted_rank == k
    assert cmp.max_angle < 1e-2  # degrees


def test_weighted_edges_equal_a_scaled_gamma():
    """With every weight equal to 2 the VICReg surrogate is the unweighted one with 2 gamma:
    train() must pass the weights to the loss (same init, same steps, same trajectory)."""
    x = np.random.default_rng(0).normal(size=(40, 5))
    edges = view_pairs(20, 2)
    base = dict(method="vicreg_sq", model="linear", k=3, steps=25, lr=1e-2, precision="fp64",
                device="cpu")  # fmt: skip
    weighted = train(x, edges, TrainConfig(**base, hparams={"alpha": 1.0, "gamma": 1.0}),
                     weights=np.full(edges.shape[1], 2.0))  # fmt: skip
    scaled = train(x, edges, TrainConfig(**base, hparams={"alpha": 1.0, "gamma": 2.0}))
    plain = train(x, edges, TrainConfig(**base, hparams={"alpha": 1.0, "gamma": 1.0}))
    np.testing.assert_allclose(weighted.log["loss"], scaled.log["loss"], rtol=1e-10)
    assert not np.allclose(weighted.log["loss"], plain.log["loss"], rtol=1e-3)


def test_test_block_hook_marks_the_step_and_waits_for_release(tmp_path, monkeypatch):
    """SPECTRAL_SSL_TEST_BLOCK (used by the fault tests): the named seed writes ``blocked`` at
    the named step and continues once ``release`` exists; other seeds are not affected."""
    import os

    from spectral_ssl.training import TEST_BLOCK_ENV

    x = np.random.default_rng(0).normal(size=(20, 3))
    config = TrainConfig(method="vicreg", model="linear", k=2, steps=6, device="cpu", seed=1)
    monkeypatch.setenv(TEST_BLOCK_ENV, f"0:3:{tmp_path}")
    train(x, view_pairs(10, 2), config)  # seed 1: not the one named
    assert not (tmp_path / "blocked").exists()
    (tmp_path / "release").touch()  # released beforehand: the run marks the step and goes on
    result = train(x, view_pairs(10, 2), dataclasses.replace(config, seed=0))
    assert len(result.log) == 6
    assert (tmp_path / "blocked").read_text().split() == ["0", "3", str(os.getpid())]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["blocked", "release"]


# --------------------------------------------------------------------------------------------
# convergence: every run is judged; schedule; early stop
# --------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def small_views():
    ds = make_dataset("synthetic", seed=0, n_samples=80, n_classes=4, n_nuisance=4, dim=8)
    views = make_views(ds, 2, seed=0)
    return views, view_pairs(views.n_samples, views.n_views)


def test_fp64_lbfgs_free_surrogate_is_recorded_as_converged(small_views):
    views, edges = small_views
    config = TrainConfig(method="vicreg_sq", model="free", k=3, optimizer="lbfgs", lr=1.0,
                         steps=40, precision="fp64")  # fmt: skip
    result = train(views.x, edges, config, source=views.source)
    m = result.convergence_metrics()
    assert m["converged"] is True, m["conv_reason"]
    assert m["conv_reason"] == "converged" and m["conv_plateau"] < 1e-4
    assert m["conv_grad_ratio"] < 1e-3 and m["conv_grad_initial"] > 0
    assert m["conv_steps"] == 40 and m["conv_stopped_early"] is False
    assert {"conv_window", "conv_rtol", "conv_grad_rtol"} <= set(m)


def test_a_truncated_adam_run_is_recorded_as_not_converged(small_views):
    views, edges = small_views
    config = TrainConfig(method="vicreg", model="free", k=3, optimizer="adam", lr=1e-2, steps=3)
    m = train(views.x, edges, config, source=views.source).convergence_metrics()
    assert m["converged"] is False
    assert "still moving" in m["conv_reason"] and "gradient norm" in m["conv_reason"]
    assert m["conv_grad_ratio"] > 0.5 and m["conv_steps"] == 3


def test_cosine_schedule_decays_the_learning_rate_to_about_zero(small_views):
    views, edges = small_views
    config = TrainConfig(method="vicreg", model="mlp", k=3, lr=1e-2, steps=50,
                         lr_schedule="cosine")  # fmt: skip
    lr = train(views.x, edges, config, source=views.source).log["lr"].to_numpy()
    assert lr[0] == pytest.approx(1e-2) and lr[-1] < 1e-2 * 1e-2 and lr[-1] > 0
    assert np.all(np.diff(lr) < 0)
    assert lr[25] == pytest.approx(0.5e-2)  # half way: half the rate
    constant = dataclasses.replace(config, lr_schedule="constant")
    assert np.all(train(views.x, edges, constant, source=views.source).log["lr"] == 1e-2)


def test_early_stop_ends_the_run_once_converged_and_records_the_step(small_views):
    views, edges = small_views
    config = TrainConfig(method="vicreg_sq", model="free", k=3, optimizer="lbfgs", lr=1.0,
                         steps=500, precision="fp64", stop_when_converged=True,
                         conv_window=5)  # fmt: skip
    result = train(views.x, edges, config, source=views.source)
    m = result.convergence_metrics()
    assert m["converged"] is True and m["conv_stopped_early"] is True
    assert 10 <= m["conv_steps"] < 500 and len(result.log) == m["conv_steps"]
    assert m["conv_window"] == 5
    # the same run without the stop: same trajectory up to that step (measuring changes nothing)
    full = train(views.x, edges, dataclasses.replace(config, stop_when_converged=False,
                                                      steps=m["conv_steps"]),
                 source=views.source)  # fmt: skip
    assert np.array_equal(full.log["loss"].to_numpy(), result.log["loss"].to_numpy())


def test_measuring_the_gradient_leaves_batch_norm_statistics_alone(small_views):
    """The full-batch gradient passes (start, end) must not move the running statistics."""
    views, edges = small_views
    config = TrainConfig(method="vicreg", model="mlp", k=3, lr=1e-3, steps=2, seed=1)
    result = train(views.x, edges, config, source=views.source)
    tracked = [m for m in result.model.modules() if isinstance(m, torch.nn.BatchNorm1d)]
    assert tracked, "the default MLP has batch norm"
    assert all(int(m.num_batches_tracked) == 2 for m in tracked)  # the two training steps only
    assert np.isfinite(result.grad_norm_initial) and np.isfinite(result.grad_norm_final)


def test_mini_batch_runs_are_judged_on_the_plateau_alone(small_views):
    views, edges = small_views
    config = TrainConfig(method="vicreg", model="free", k=3, lr=1e-2, steps=20, batch_size=10)
    m = train(views.x, edges, config, source=views.source).convergence_metrics()
    assert np.isnan(m["conv_grad_ratio"]) and np.isnan(m["conv_grad_initial"])
    assert "gradient" not in m["conv_reason"]


@pytest.mark.parametrize(
    "change,words",
    [
        ({"lr_schedule": "step"}, ["lr_schedule", "cosine"]),
        ({"lr_schedule": "cosine", "optimizer": "lbfgs"}, ["lbfgs", "constant"]),
        ({"conv_window": 0}, ["conv_window"]),
        ({"conv_rtol": 0.0}, ["conv_rtol"]),
        ({"conv_grad_rtol": -1.0}, ["conv_grad_rtol"]),
    ],
)
def test_bad_schedule_or_criterion_is_a_config_error(change, words):
    config = TrainConfig(method="vicreg", **change)
    with pytest.raises(ConfigError) as info:
        config.validate()
    for word in words:
        assert word in str(info.value)
