"""The closed-form artifact: one ``.npz`` format, written by ``spectral-ssl closed-form``.

Arrays: ``method``, ``eigenvalues``, ``predicted_rank``, ``metadata_json`` (the metadata as a JSON
string), ``embedding`` (free, N x K) or ``weights`` (linear, D x K), ``scales`` (column scales
of the optimum, when defined) and, for the pipeline's comparisons, ``reference`` (the basis a
learned solution is compared with) and ``containing`` (True when that basis is a whole
eigenspace containing the optimum).
"""

from __future__ import annotations

import json
import os
from typing import Any

import numpy as np

from ..errors import ArtifactError
from ..io import load_npz, save_npz
from .results import ClosedForm


def save_closed_form(
    path: str | os.PathLike,
    result: ClosedForm,
    reference: np.ndarray | None = None,
    containing: bool | None = None,
) -> None:
    """Write a ClosedForm as .npz (atomic): arrays + metadata as a JSON string.

    ``reference`` and ``containing`` (see ``experiments.reference_solution``) are written when
    given, as the pipeline does; ``scales`` whenever the metadata holds the column scales.
    """
    arrays: dict[str, Any] = {
        "method": np.asarray(result.method),
        "eigenvalues": result.eigenvalues,
        "predicted_rank": np.asarray(result.predicted_rank),
        "metadata_json": np.asarray(json.dumps(result.metadata, default=_json_default)),
    }
    if reference is not None:
        arrays["reference"] = reference
    if containing is not None:
        arrays["containing"] = np.asarray(bool(containing))
    if result.embedding is not None:
        arrays["embedding"] = result.embedding
    if result.weights is not None:
        arrays["weights"] = result.weights
    if "scales" in result.metadata:
        arrays["scales"] = np.asarray(result.metadata["scales"], dtype=np.float64)
    save_npz(path, **arrays)


def load_closed_form(path: str | os.PathLike) -> ClosedForm:
    """Read a file written by :func:`save_closed_form`."""
    arr = load_npz(path, required=("method", "eigenvalues", "predicted_rank", "metadata_json"))
    if "embedding" not in arr and "weights" not in arr:
        raise ArtifactError(f"{path} holds neither an embedding nor weights")
    return ClosedForm(
        method=str(arr["method"]),
        eigenvalues=arr["eigenvalues"],
        predicted_rank=int(arr["predicted_rank"]),
        embedding=arr.get("embedding"),
        weights=arr.get("weights"),
        metadata=json.loads(str(arr["metadata_json"])),
    )


def _json_default(obj: Any) -> Any:
    """numpy scalars and arrays as Python values; anything else by its str()."""
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    return str(obj)
