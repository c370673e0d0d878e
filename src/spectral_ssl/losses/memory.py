"""Peak-memory estimates for one forward + backward of each loss, to refuse a run before it OOMs.

``estimate_memory`` counts the tensors a call allocates (plus the loss-specific inputs: the edge
list, or the dense N x N G of the dense reference), not the embedding Z itself. Coefficients were
calibrated on CPU against a tensor-allocation tracker (``benchmarks/losses.py``) and rounded up;
they are estimates, with ``_MARGIN`` of headroom, not guarantees.
"""

from __future__ import annotations

import math
import os

import torch

from .simclr import DEFAULT_BLOCK_BYTES, block_rows, global_shift, triangle_block_rows

_MARGIN = 1.15

METHODS = (
    "vicreg",
    "simclr",
    "barlow_twins",
    "spectral_contrastive",
    "vicreg_dense",
    "simclr_dense",
    "barlow_twins_unrolled",
    "ntxent_lightly",
)


def estimate_memory(
    method: str,
    n: int,
    k: int,
    n_edges: int,
    dtype: torch.dtype = torch.float32,
    *,
    block_bytes: int = DEFAULT_BLOCK_BYTES,
    tau: float = 0.1,
) -> int:
    """Estimated peak bytes of one forward + backward of ``method`` on an N x K embedding.

    Methods: ours (``vicreg``, ``simclr``, ``barlow_twins``, ``spectral_contrastive``), the dense
    baselines of ``benchmarks/reference_losses.py`` (``vicreg_dense``, ``simclr_dense``,
    ``barlow_twins_unrolled``) and lightly's NT-Xent (``ntxent_lightly``, V = 2).
    ``block_bytes`` and ``tau`` only matter for ``simclr``.
    """
    elt = torch.empty((), dtype=dtype).element_size()
    nk, kk, nn, ek = n * k, k * k, n * n, n_edges * k
    edge_bytes = 16 * n_edges  # (2, E) int64
    sparse_bytes = 3 * edge_bytes + n_edges * elt  # coalesced copy of G for sparse.mm
    if method == "vicreg":
        elems = 3 * nk + 3 * kk + 2 * n
        extra = edge_bytes + 5 * nk * 8 + 4 * edge_bytes  # float64 Z, (G + G^T) Z; CSR of 2E
    elif method == "simclr":
        elems = 6 * nk + 8 * n + _simclr_workspace(n, dtype, block_bytes, tau) // elt
        extra = edge_bytes + sparse_bytes
    elif method == "barlow_twins":
        elems = 7 * nk + 4 * kk + 4 * n + (2 * ek if n_edges <= 2 * n else 0)
        extra = edge_bytes + sparse_bytes
    elif method == "spectral_contrastive":
        elems = 5 * nk + 2 * kk
        extra = edge_bytes + sparse_bytes
    elif method == "vicreg_dense":
        elems = 6 * nn + 6 * nk + 3 * kk
        extra = 0
    elif method == "simclr_dense":
        elems = 6.5 * nn + 6 * nk
        extra = nn  # the bool identity mask
    elif method == "barlow_twins_unrolled":
        elems = 6 * ek + 2 * nk + 4 * kk
        extra = edge_bytes
    elif method == "ntxent_lightly":
        elems = 4.5 * nn + 6 * nk
        extra = nn // 4
    else:
        raise ValueError(f"unknown method {method!r}; expected one of {', '.join(METHODS)}")
    return int(math.ceil(_MARGIN * (elems * elt + extra)))


def _simclr_workspace(n: int, dtype: torch.dtype, block_bytes: int, tau: float) -> int:
    """Similarity blocks held at once by ``simclr_loss`` (see simclr.py)."""
    elt = torch.empty((), dtype=dtype).element_size()
    if global_shift(n, tau, dtype) is None:  # row path: one block + its exp, twice in backward
        return 2 * block_rows(n, elt, block_bytes) * n * elt
    block = triangle_block_rows(n, elt, block_bytes)
    triangle = sum((min(lo + block, n) - lo) * (n - lo) for lo in range(0, n, block)) * elt
    temp = max(64 * n, 1 << 20) * elt  # row slab of _scale_pairs
    return (triangle if triangle <= block_bytes else block * n * elt) + temp


def available_memory(device: torch.device | str = "cpu") -> int:
    """Bytes that can still be allocated on ``device`` (CUDA: free + cached; CPU: MemAvailable)."""
    device = torch.device(device)
    if device.type == "cuda":
        free, _ = torch.cuda.mem_get_info(device)
        cached = torch.cuda.memory_reserved(device) - torch.cuda.memory_allocated(device)
        return int(free + cached)
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_AVPHYS_PAGES"))


def check_memory(
    method: str,
    n: int,
    k: int,
    n_edges: int,
    dtype: torch.dtype = torch.float32,
    device: torch.device | str = "cpu",
    *,
    fraction: float = 0.9,
    **kwargs: float,
) -> int:
    """Raise MemoryError with the estimate if ``method`` would not fit; return the estimate."""
    need = estimate_memory(method, n, k, n_edges, dtype, **kwargs)
    have = available_memory(device)
    if need > fraction * have:
        raise MemoryError(
            f"{method} with N={n}, K={k}, E={n_edges} ({dtype}) needs about {need / 2**30:.2f} "
            f"GiB, but only {have / 2**30:.2f} GiB are available on {device}"
        )
    return need
