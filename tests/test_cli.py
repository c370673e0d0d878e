"""The CLI chains the steps end to end and reports user errors in one line (exit status 2)."""

import json

import numpy as np
import pandas as pd
import pytest

from spectral_ssl.cli import main, parse_pairs, parse_seeds, provenance_path
from spectral_ssl.errors import ConfigError
from spectral_ssl.io import load_json, load_npz


def run(*argv: str) -> int:
    return main([str(a) for a in argv])


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli")
    assert run("data", "--dataset", "synthetic", "--param", "n_samples=200", "--param", "dim=12",
               "--out", d / "data.npz") == 0  # fmt: skip
    assert run("views", "--data", d / "data.npz", "--n-views", "2", "--n-samples", "40",
               "--out", d / "views.npz") == 0  # fmt: skip
    assert run("relation", "--views", d / "views.npz", "--kind", "view_pairs",
               "--out", d / "g.npz", "--stats", d / "g.json") == 0  # fmt: skip
    assert run("train", "--views", d / "views.npz", "--relation", d / "g.npz",
               "--data", d / "data.npz", "--relation-stats", d / "g.json",
               "--method", "vicreg", "--hparam", "gamma=1", "--model", "linear", "--k", "4",
               "--steps", "15", "--seeds", "0,1", "--tag", "experiment=t", "--tag", "data=syn",
               "--out-dir", str(d / "run" / "seed{seed}")) == 0  # fmt: skip
    return d


def test_every_step_writes_its_artifact_and_provenance(pipeline):
    d = pipeline
    for name in ("data.npz", "views.npz", "g.npz"):
        prov = load_json(provenance_path(d / name))
        assert list(prov["outputs"]) == [str(d / name)]
        assert len(next(iter(prov["outputs"].values()))) == 64  # SHA-256 hex
        assert {"code", "packages", "device", "config", "host"} <= set(prov)
    assert load_npz(d / "views.npz")["x"].shape == (80, 12)
    for seed in (0, 1):
        run_dir = d / "run" / f"seed{seed}"
        arrays = load_npz(run_dir / "embeddings.npz")
        assert arrays["z_views"].shape == (80, 4) and arrays["weight"].shape == (12, 4)
        metrics = load_json(run_dir / "metrics.json")
        assert metrics["seed"] == seed and metrics["status"] == "ok"
        assert metrics["hparams"]["gamma"] == 1 and metrics["relation_stats"]["n_components"] == 40
        assert 0.0 <= metrics["probe_test_accuracy"] <= 1.0
        assert len(pd.read_csv(run_dir / "log.csv")) == 15
        assert load_json(run_dir / "provenance.json")["config"]["seed"] == seed


def test_collect_makes_a_tidy_table(pipeline, tmp_path):
    d = pipeline
    assert run("baseline", "--data", d / "data.npz", "--tag", "data=syn",
               "--out", d / "baseline.json") == 0  # fmt: skip
    out = tmp_path / "table.csv"
    assert run("collect", "--out", out, d / "run/seed0/metrics.json", d / "run/seed1/metrics.json",
               d / "baseline.json") == 0  # fmt: skip
    table = pd.read_csv(out)
    assert list(table.columns[:4]) == ["experiment", "data", "dataset", "n_samples"]
    assert sorted(table["method"]) == ["supervised", "vicreg", "vicreg", "whitened"]
    vic = table[table.method == "vicreg"]
    assert set(vic["hparams"]) == {"alpha=25_beta=1_gamma=1"}
    assert list(vic["seed"]) == [0, 1] and (vic["g_n_components"] == 40).all()


def test_same_seed_gives_identical_arrays(pipeline, tmp_path):
    d = pipeline
    assert run("train", "--views", d / "views.npz", "--relation", d / "g.npz", "--method",
               "vicreg", "--hparam", "gamma=1", "--model", "linear", "--k", "4", "--steps", "15",
               "--seed", "0", "--out-dir", tmp_path / "again") == 0  # fmt: skip
    a = load_npz(d / "run/seed0/embeddings.npz")["z_views"]
    np.testing.assert_array_equal(a, load_npz(tmp_path / "again/embeddings.npz")["z_views"])


def test_user_errors_print_one_line(pipeline, tmp_path, capsys):
    d = pipeline
    code = run("train", "--views", d / "views.npz", "--relation", d / "g.npz", "--method",
               "vicreg", "--hparam", "gamma=-1", "--out-dir", tmp_path / "bad")  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2 and "gamma of vicreg must be >= 0" in err and "Traceback" not in err
    assert not (tmp_path / "bad").exists()
    code = run("views", "--data", tmp_path / "missing.npz", "--out", tmp_path / "v.npz")
    assert code == 2 and "missing file" in capsys.readouterr().err


def test_diverged_seed_is_recorded_as_failed(pipeline, tmp_path):
    d = pipeline
    assert run("train", "--views", d / "views.npz", "--relation", d / "g.npz", "--method",
               "vicreg", "--model", "linear", "--optimizer", "sgd", "--lr", "1e30", "--steps",
               "30", "--seeds", "0", "--out-dir", str(tmp_path / "s{seed}")) == 0  # fmt: skip
    record = json.loads((tmp_path / "s0/metrics.json").read_text())
    assert record["status"] == "failed" and "diverged at step" in record["error"]
    assert not (tmp_path / "s0/embeddings.npz").exists()


def test_argument_parsers():
    assert parse_pairs(["a=1", "b=0.5", "c=true", "d=x"], "--p") == {
        "a": 1, "b": 0.5, "c": True, "d": "x"}  # fmt: skip
    assert parse_seeds("0, 1,2") == [0, 1, 2]
    with pytest.raises(ConfigError, match="KEY=VALUE"):
        parse_pairs(["novalue"], "--hparam")
    with pytest.raises(ConfigError, match="comma-separated"):
        parse_seeds("a,b")
