"""Hyperparameter labels (spectral_ssl.labels): the one definition run paths and tables use."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
import yaml

from spectral_ssl.cli import parse_value
from spectral_ssl.device import resolve_device
from spectral_ssl.errors import ConfigError
from spectral_ssl.experiments import flatten_run
from spectral_ssl.labels import format_value, hparams_label

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("value", "text"),
    [(25, "25"), (25.0, "25"), (0.1, "0.1"), (1e-6, "1e-06"), (True, "true"), (False, "false"),
     (None, "null"), (1e20, "1e+20"), (-3.0, "-3"), (2.5e15, "2500000000000000.0"), ("x", "x")],
)  # fmt: skip
def test_format_value(value, text):
    assert format_value(value) == text


@pytest.mark.parametrize("value", [25, 0.1, 1e-6, True, False, None, 1e20, -3.0, 2.5e15])
def test_format_value_round_trips_through_the_cli(value):
    back = parse_value(format_value(value))
    assert back == value and type(back) in (type(value), int, float)


def test_hparams_label():
    assert hparams_label({}) == "default" and hparams_label(None) == "default"
    assert hparams_label({"gamma": 0.1, "alpha": 25.0}) == "alpha=25_gamma=0.1"
    assert hparams_label({"tau": None, "standardize": True}) == "standardize=true_tau=null"


def test_tables_label_unlabelled_runs_like_run_paths():
    row, _ = flatten_run({"hparams": {"gamma": 1e20, "alpha": None}, "method": "vicreg"})
    assert row["hparams"] == "alpha=null_gamma=1e+20"
    row, _ = flatten_run({"hparams": {"alpha": 25.0}, "hparams_label": "configured"})
    assert row["hparams"] == "configured"


@pytest.mark.parametrize("config", ["config.yaml", "tests/config/ci.yaml"])
def test_run_paths_of_the_shipped_configs(config):
    """Every hyperparameter cell of the shipped configs gets the label it always had."""
    cfg = yaml.safe_load((ROOT / config).read_text())
    for exp in cfg["experiments"].values():
        for method, spec in exp["methods"].items():
            keys = sorted(spec or {})
            for combo in itertools.product(*(spec[k] for k in keys)):
                label = hparams_label(dict(zip(keys, combo, strict=True)))
                expected = (
                    "_".join(
                        f"{k}={int(v) if float(v).is_integer() else v}"
                        for k, v in zip(keys, combo, strict=True)
                    )
                    or "default"
                )
                assert label == expected, (method, label)


def test_device_resolution():
    assert resolve_device("cpu") == "cpu"
    with pytest.raises(ConfigError, match="unknown device"):
        resolve_device("tpu")
