"""Argument parsing shared by the subcommands: KEY=VALUE pairs, seed lists, tags."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Sequence
from typing import Any

from ..errors import ConfigError

# add(name, handler, help) -> the subcommand's parser (see cli.build_parser)
AddCommand = Callable[[str, Callable[[argparse.Namespace], Any], str], argparse.ArgumentParser]


def parse_value(text: str) -> Any:
    """'25' -> 25, '0.5' -> 0.5, 'true' -> True, 'null' -> None, anything else stays a string."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def parse_pairs(pairs: Sequence[str] | None, option: str) -> dict[str, Any]:
    """['alpha=25', 'gamma=0.1'] -> {'alpha': 25, 'gamma': 0.1}."""
    out: dict[str, Any] = {}
    for item in pairs or ():
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ConfigError(f"{option} expects KEY=VALUE, got '{item}'")
        out[key.strip()] = parse_value(value.strip())
    return out


def parse_seeds(text: str, option: str = "--seeds") -> list[int]:
    """'0,1,2' -> [0, 1, 2] (``option`` names the flag in the error)."""
    try:
        seeds = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise ConfigError(f"{option} expects comma-separated integers, got '{text}'") from None
    if not seeds:
        raise ConfigError(f"{option} is empty")
    return seeds


def label_tags(tags: dict[str, Any]) -> dict[str, Any]:
    """A ``hparams`` tag is the configured label (as in run paths), kept as ``hparams_label``;
    the ``hparams`` field itself holds the resolved dictionary."""
    tags = dict(tags)
    if "hparams" in tags:
        tags["hparams_label"] = str(tags.pop("hparams"))
    return tags
