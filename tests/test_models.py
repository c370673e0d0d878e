import numpy as np
import pytest
import torch
from torch import nn

from spectral_ssl.errors import ConfigError, DataError
from spectral_ssl.models import MLP, MODELS, FreeEmbedding, Linear, build_model, embed


def _x(n: int = 20, d: int = 5, seed: int = 0) -> torch.Tensor:
    return torch.from_numpy(np.random.default_rng(seed).normal(size=(n, d))).float()


def test_registry_and_out_of_sample_flags():
    assert set(MODELS) == {"free", "linear", "mlp"}
    assert FreeEmbedding.supports_out_of_sample is False
    assert Linear.supports_out_of_sample is True
    assert MLP.supports_out_of_sample is True


@pytest.mark.parametrize("name", ["free", "linear", "mlp"])
def test_output_shapes(name):
    torch.manual_seed(0)
    model = build_model(name, d_in=5, n_rows=20, k=3)
    x = _x()
    index = torch.arange(7, 15)
    assert model(x[index], index).shape == (8, 3)


def test_linear_has_no_bias_and_is_x_times_weight():
    torch.manual_seed(0)
    model = build_model("linear", d_in=5, n_rows=20, k=3)
    names = [n for n, _ in model.named_parameters()]
    assert names == ["weight"]
    assert model.weight.shape == (5, 3)
    x = _x()
    z = model(x, torch.arange(20))
    assert torch.equal(z, x @ model.weight)
    assert torch.equal(model(torch.zeros(4, 5), torch.arange(4)), torch.zeros(4, 3))


@pytest.mark.parametrize("depth", [1, 3])
@pytest.mark.parametrize("batch_norm", [True, False])
def test_mlp_structure(depth, batch_norm):
    model = build_model("mlp", d_in=5, n_rows=20, k=3, width=16, depth=depth, batch_norm=batch_norm)
    linears = [m for m in model.hidden if isinstance(m, nn.Linear)]
    norms = [m for m in model.hidden if isinstance(m, nn.BatchNorm1d)]
    relus = [m for m in model.hidden if isinstance(m, nn.ReLU)]
    assert len(linears) == depth and len(relus) == depth
    assert len(norms) == (depth if batch_norm else 0)
    assert [(m.in_features, m.out_features) for m in linears] == [(5, 16)] + [(16, 16)] * (
        depth - 1
    )
    assert all(m.num_features == 16 for m in norms)
    assert (model.head.in_features, model.head.out_features) == (16, 3)
    assert model.head.bias is not None
    # Linear -> [BatchNorm] -> ReLU ordering inside each block
    block = 3 if batch_norm else 2
    assert isinstance(model.hidden[block - 1], nn.ReLU)


def test_mlp_depth_zero_is_rejected():
    with pytest.raises(ConfigError, match="depth"):
        build_model("mlp", d_in=5, n_rows=20, k=3, depth=0)


def test_free_embedding_returns_rows_by_index():
    torch.manual_seed(0)
    model = build_model("free", d_in=5, n_rows=20, k=3)
    assert model.z.shape == (20, 3)
    index = torch.tensor([4, 0, 19, 4])
    z = model(None, index)
    assert torch.equal(z, model.z.detach()[index])
    # gradient flows to exactly the selected rows
    z.sum().backward()
    touched = torch.nonzero(model.z.grad.abs().sum(dim=1)).flatten().tolist()
    assert touched == [0, 4, 19]
    assert model.z.grad[4, 0].item() == 2.0


def test_free_embedding_init_scale():
    torch.manual_seed(0)
    model = FreeEmbedding(4000, 2, init_scale=0.1)
    assert abs(model.z.detach().std().item() - 0.1) < 0.005


def test_free_embedding_has_no_out_of_sample_extension():
    torch.manual_seed(0)
    model = build_model("free", d_in=5, n_rows=20, k=3)
    z = embed(model, None)
    assert z.dtype == np.float64 and z.shape == (20, 3)
    np.testing.assert_array_equal(z, model.z.detach().double().numpy())
    with pytest.raises(ConfigError, match="out-of-sample"):
        embed(model, _x(5))


@pytest.mark.parametrize("name", ["linear", "mlp"])
def test_determinism_with_seed(name):
    params = []
    for _ in range(2):
        torch.manual_seed(123)
        params.append(
            [p.detach().clone() for p in build_model(name, d_in=5, n_rows=20, k=3).parameters()]
        )
    assert all(torch.equal(a, b) for a, b in zip(*params, strict=True))
    torch.manual_seed(124)
    other = list(build_model(name, d_in=5, n_rows=20, k=3).parameters())
    assert not torch.equal(other[0], params[0][0])


def test_free_determinism_with_seed():
    torch.manual_seed(7)
    a = FreeEmbedding(10, 2).z.detach().clone()
    torch.manual_seed(7)
    assert torch.equal(a, FreeEmbedding(10, 2).z.detach())


def test_unknown_model_names_the_key_and_lists_valid():
    with pytest.raises(ConfigError, match=r"'resnet'.*free.*linear.*mlp"):
        build_model("resnet", d_in=5, n_rows=20, k=3)


def test_unknown_param_names_the_key_and_lists_valid():
    with pytest.raises(ConfigError, match=r"\['dropout'\].*'mlp'.*batch_norm.*depth.*width"):
        build_model("mlp", d_in=5, n_rows=20, k=3, dropout=0.1)
    with pytest.raises(ConfigError, match="width"):
        build_model("linear", d_in=5, n_rows=20, k=3, width=8)
    with pytest.raises(ConfigError, match="init_scale"):
        build_model("free", d_in=5, n_rows=20, k=3, init_scale=-1.0)


@pytest.mark.parametrize("k", [0, -2, 1.5, True])
@pytest.mark.parametrize("name", ["free", "linear", "mlp"])
def test_bad_k_is_rejected(name, k):
    with pytest.raises(ConfigError, match="k must be"):
        build_model(name, d_in=5, n_rows=20, k=k)


def test_embed_batches_match_full_forward_and_restores_mode():
    torch.manual_seed(0)
    model = build_model("mlp", d_in=5, n_rows=50, k=3, width=8)
    x = _x(50)
    # one training step so BatchNorm running statistics differ from batch statistics
    model.train()
    model(x, torch.arange(50))
    model.eval()
    with torch.no_grad():
        full = model(x, torch.arange(50)).double().numpy()
    model.train()
    z = embed(model, x.numpy().astype(np.float64), batch_size=7)
    assert model.training  # mode restored
    assert z.dtype == np.float64 and z.shape == (50, 3)
    np.testing.assert_allclose(z, full, rtol=0, atol=1e-6)


def test_embed_linear_equals_matrix_product():
    torch.manual_seed(0)
    model = build_model("linear", d_in=5, n_rows=20, k=2).double()
    x = np.random.default_rng(1).normal(size=(30, 5))
    np.testing.assert_allclose(
        embed(model, x, batch_size=4), x @ model.weight.detach().numpy(), rtol=1e-13
    )


def test_embed_rejects_bad_x():
    model = build_model("linear", d_in=5, n_rows=20, k=2)
    with pytest.raises(DataError, match="2-D"):
        embed(model, np.zeros(5))
    with pytest.raises(ConfigError, match="batch_size"):
        embed(model, np.zeros((3, 5)), batch_size=0)
