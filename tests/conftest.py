"""Shared fixtures.

``pipeline_prefix`` is the one data -> views -> relation prefix the CLI-level test modules
(test_faults, test_bad_input, test_cli) build their runs on; it is written once per session
and must be treated as read-only (tests that need a modified artifact copy it first).
"""

from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

PREFIX_SAMPLES = 80  # synthetic source samples before the split (60 train -> 120 view rows)
PREFIX_DIM = 16


@pytest.fixture(scope="module")
def one_torch_thread() -> Iterator[None]:
    """Train in-process with one thread (tiny problems; OpenMP spinning on a busy 2-core
    machine makes them 10x slower), restoring the setting afterwards."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def _cli_ok(argv: list[str]) -> None:
    from spectral_ssl import cli

    assert cli.main(argv) == 0, f"setup step failed: {argv}"


@pytest.fixture(scope="session")
def pipeline_prefix(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimpleNamespace]:
    """A tiny synthetic pipeline prefix with absolute paths: data, views, relation (+ stats).

    Attributes: root, data, views, rel, stats (paths); n_src (source samples in the views),
    n_views, n_rows (view rows = relation nodes), dim.
    """
    d = tmp_path_factory.mktemp("prefix")
    p = SimpleNamespace(root=d, data=d / "data.npz", views=d / "views.npz", rel=d / "g.npz",
                        stats=d / "g.json", n_views=2, dim=PREFIX_DIM)  # fmt: skip
    _cli_ok(["data", "--dataset", "synthetic", "--param", f"n_samples={PREFIX_SAMPLES}",
             "--param", f"dim={PREFIX_DIM}", "--out", str(p.data)])  # fmt: skip
    _cli_ok(["views", "--data", str(p.data), "--n-views", "2", "--out", str(p.views)])
    _cli_ok(["relation", "--views", str(p.views), "--kind", "view_pairs", "--out", str(p.rel),
             "--stats", str(p.stats)])  # fmt: skip
    with np.load(p.views) as views:
        p.n_src, p.n_rows = int(views["n_samples"]), int(views["x"].shape[0])
    assert p.n_rows == p.n_src * p.n_views
    before = _contents(d)
    yield p
    assert _contents(d) == before, "a test modified the shared pipeline prefix"


def _contents(folder: Path) -> dict[str, bytes]:
    return {f.name: f.read_bytes() for f in sorted(folder.iterdir())}
