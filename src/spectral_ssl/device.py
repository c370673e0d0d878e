"""Which torch device a run uses (one definition for the CLI, the trainer and the Snakefile)."""

from __future__ import annotations

from .errors import ConfigError


def resolve_device(device: str = "auto") -> str:
    """'auto' -> 'cuda' when a GPU is visible, else 'cpu'; 'cuda' without a GPU is an error."""
    if device == "cpu":  # no torch import (the Snakefile resolves the device at start-up)
        return "cpu"
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda"):
        if not torch.cuda.is_available():
            raise ConfigError(
                f"device '{device}' was requested but no CUDA GPU is available "
                "(torch.cuda.is_available() is False); use device: auto or cpu"
            )
        return device
    raise ConfigError(f"unknown device '{device}' (valid: auto, cpu, cuda)")
