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


SEED = "{seed}"  # in a path given with --seeds: that data seed's file


def per_seed_paths(
    args: argparse.Namespace, names: Sequence[str]
) -> list[tuple[int, dict[str, Any]]]:
    """[(seed, {name: path})] for ``--seeds`` (each data seed in turn, in one process: start-up
    paid once; every given path must contain ``{seed}`` when there are several) or ``--seed``.
    ``names`` are the attributes of ``args`` holding paths (an unset one stays None)."""
    seeds = parse_seeds(args.seeds) if getattr(args, "seeds", None) else [args.seed]
    paths = {name: getattr(args, name) for name in names}
    if len(seeds) > 1:
        missing = ["--" + name.replace("_", "-") for name, path in paths.items()
                   if path and SEED not in str(path)]  # fmt: skip
        if missing:
            raise ConfigError(f"{', '.join(missing)} must contain '{SEED}' when several "
                              "--seeds are given (each data seed has its own files)")  # fmt: skip
    return [(seed, {name: path and str(path).replace(SEED, str(seed))
                    for name, path in paths.items()}) for seed in seeds]  # fmt: skip


def add_seeds_option(parser: argparse.ArgumentParser) -> None:
    """--seeds: several data seeds in one process, with {seed} in every path."""
    parser.add_argument("--seeds", help="comma-separated data seeds done one after the other in "
                                        "one process; every path then contains {seed}")  # fmt: skip
