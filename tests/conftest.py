"""Shared fixtures."""

from collections.abc import Iterator

import pytest


@pytest.fixture(scope="module")
def one_torch_thread() -> Iterator[None]:
    """Train in-process with one thread (tiny problems; OpenMP spinning on a busy 2-core
    machine makes them 10x slower), restoring the setting afterwards."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
