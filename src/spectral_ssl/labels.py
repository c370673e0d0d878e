"""How values and hyperparameter sets are written in run paths, tags and command lines.

One definition for the workflow (``common.smk`` builds ``{hparams}`` path segments and CLI
options with it) and the tables (``experiments.flatten_run`` labels runs without a configured
label). Values round-trip through ``cli.parse_value`` (JSON): 25 (not 25.0), 0.1, 1e-06, true,
null.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def format_value(value: Any) -> str:
    """A readable, round-trippable value: 25 (not 25.0), 0.1, 1e-06, true, null.

    Integral floats below 1e15 in magnitude drop their '.0'; larger ones keep Python's repr
    (1e+20), which still reads back as a float.
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


def hparams_label(hparams: Mapping[str, Any] | None) -> str:
    """{'gamma': 0.1, 'alpha': 25} -> 'alpha=25_gamma=0.1' (keys sorted); {} -> 'default'."""
    if not hparams:
        return "default"
    return "_".join(f"{key}={format_value(hparams[key])}" for key in sorted(hparams))
