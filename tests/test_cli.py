"""The CLI chains the steps end to end and reports user errors in one line (exit status 2)."""

import json
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from spectral_ssl.cli import main, parse_pairs, parse_seeds, provenance_path
from spectral_ssl.errors import ConfigError
from spectral_ssl.io import load_json, load_npz


def run(*argv: str) -> int:
    return main([str(a) for a in argv])


pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def pipeline(pipeline_prefix, tmp_path_factory):
    """The shared prefix (conftest: data, views, relation + stats) and two seeds trained on it."""
    p = pipeline_prefix
    d = tmp_path_factory.mktemp("cli")
    assert run("train", "--views", p.views, "--relation", p.rel, "--data", p.data,
               "--relation-stats", p.stats, "--method", "vicreg", "--hparam", "gamma=1",
               "--model", "linear", "--k", "4", "--steps", "15", "--seeds", "0,1",
               "--device", "cpu", "--tag", "experiment=t", "--tag", "data=syn",
               "--out-dir", str(d / "run" / "seed{seed}")) == 0  # fmt: skip
    return SimpleNamespace(prefix=p, run=d / "run", data=p.data, views=p.views, rel=p.rel)


def test_every_step_writes_its_artifact_and_provenance(pipeline):
    p = pipeline.prefix
    for path in (p.data, p.views, p.rel):
        prov = load_json(provenance_path(path))
        assert list(prov["outputs"]) == [str(path)]
        assert len(next(iter(prov["outputs"].values()))) == 64  # SHA-256 hex
        assert {"code", "packages", "device", "config", "host"} <= set(prov)
    assert load_npz(p.views)["x"].shape == (p.n_rows, p.dim)
    for seed in (0, 1):
        run_dir = pipeline.run / f"seed{seed}"
        arrays = load_npz(run_dir / "embeddings.npz")
        assert arrays["z_views"].shape == (p.n_rows, 4) and arrays["weight"].shape == (p.dim, 4)
        metrics = load_json(run_dir / "metrics.json")
        assert metrics["seed"] == seed and metrics["status"] == "ok"
        assert metrics["hparams"]["gamma"] == 1
        assert metrics["relation_stats"]["n_components"] == p.n_src
        assert 0.0 <= metrics["probe_test_accuracy"] <= 1.0
        assert len(pd.read_csv(run_dir / "log.csv")) == 15
        assert load_json(run_dir / "provenance.json")["config"]["seed"] == seed


def test_train_records_convergence_and_takes_the_schedule_options(pipeline, tmp_path):
    """metrics.json and the table carry `converged` + `conv_*`; the options reach the trainer."""
    d = pipeline
    assert run("train", "--views", d.views, "--relation", d.rel, "--method", "vicreg_sq",
               "--model", "free", "--k", "3", "--optimizer", "lbfgs", "--lr", "1",
               "--precision", "fp64", "--steps", "300", "--stop-when-converged",
               "--conv-window", "4", "--conv-rtol", "1e-6", "--conv-grad-rtol", "1e-4",
               "--device", "cpu", "--out-dir", tmp_path / "lbfgs") == 0  # fmt: skip
    m = load_json(tmp_path / "lbfgs/metrics.json")
    assert m["converged"] is True and m["conv_reason"] == "converged"
    assert m["conv_stopped_early"] is True and m["conv_steps"] < 300
    assert (m["conv_window"], m["conv_rtol"], m["conv_grad_rtol"]) == (4, 1e-6, 1e-4)
    assert len(pd.read_csv(tmp_path / "lbfgs/log.csv")) == m["conv_steps"]
    assert load_json(tmp_path / "lbfgs/provenance.json")["config"]["stop_when_converged"] is True
    assert run("train", "--views", d.views, "--relation", d.rel, "--method", "vicreg",
               "--model", "linear", "--k", "3", "--steps", "4", "--lr-schedule", "cosine",
               "--device", "cpu", "--out-dir", tmp_path / "short") == 0  # fmt: skip
    short = load_json(tmp_path / "short/metrics.json")
    assert short["converged"] is False and short["lr_schedule"] == "cosine"
    assert pd.read_csv(tmp_path / "short/log.csv")["lr"].iloc[-1] < 1e-3 * 0.2
    out = tmp_path / "table.csv"
    assert run("collect", "--out", out, tmp_path / "lbfgs/metrics.json",
               tmp_path / "short/metrics.json") == 0  # fmt: skip
    table = pd.read_csv(out)
    assert {"converged", "conv_plateau", "conv_grad_ratio", "conv_reason", "conv_steps"} <= set(
        table.columns
    )
    assert sorted(table["converged"]) == [False, True]
    code = run(
        "train",
        "--views",
        d.views,
        "--relation",
        d.rel,
        "--method",
        "vicreg",
        "--optimizer",
        "lbfgs",
        "--lr-schedule",
        "cosine",
        "--out-dir",
        tmp_path / "bad",
    )
    assert code == 2 and not (tmp_path / "bad").exists()


def test_collect_makes_a_tidy_table(pipeline, tmp_path):
    d = pipeline
    assert run("baseline", "--data", d.data, "--tag", "data=syn",
               "--out", tmp_path / "baseline.json") == 0  # fmt: skip
    out = tmp_path / "table.csv"
    assert run("collect", "--out", out, d.run / "seed0/metrics.json", d.run / "seed1/metrics.json",
               tmp_path / "baseline.json") == 0  # fmt: skip
    table = pd.read_csv(out)
    assert list(table.columns[:4]) == ["experiment", "data", "dataset", "n_samples"]
    assert sorted(table["method"]) == ["supervised", "vicreg", "vicreg", "whitened"]
    vic = table[table.method == "vicreg"]
    assert set(vic["hparams"]) == {"alpha=25_beta=1_gamma=1"}
    assert list(vic["seed"]) == [0, 1] and (vic["g_n_components"] == d.prefix.n_src).all()


def test_same_seed_gives_identical_arrays(pipeline, tmp_path):
    d = pipeline
    assert run("train", "--views", d.views, "--relation", d.rel, "--method",
               "vicreg", "--hparam", "gamma=1", "--model", "linear", "--k", "4", "--steps", "15",
               "--seed", "0", "--device", "cpu", "--out-dir", tmp_path / "again") == 0  # fmt: skip
    a = load_npz(d.run / "seed0/embeddings.npz")["z_views"]
    np.testing.assert_array_equal(a, load_npz(tmp_path / "again/embeddings.npz")["z_views"])


def test_user_errors_print_one_line(pipeline, tmp_path, capsys):
    d = pipeline
    code = run("train", "--views", d.views, "--relation", d.rel, "--method",
               "vicreg", "--hparam", "gamma=-1", "--out-dir", tmp_path / "bad")  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2 and "gamma of vicreg must be >= 0" in err and "Traceback" not in err
    assert not (tmp_path / "bad").exists()
    code = run("views", "--data", tmp_path / "missing.npz", "--out", tmp_path / "v.npz")
    assert code == 2 and "missing file" in capsys.readouterr().err


def test_diverged_seed_is_recorded_as_failed(pipeline, tmp_path):
    d = pipeline
    assert run("train", "--views", d.views, "--relation", d.rel, "--method",
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


# --------------------------------------------------------------------------------------------
# closed-form: the success path (the twin a trained run is compared with)
# --------------------------------------------------------------------------------------------
def test_closed_form_linear_twin_is_lpp_and_probes_it(pipeline, tmp_path):
    """vicreg + linear -> the LPP twin: the stored W* is closed_form's LPP solution of the same
    views and G with the resolved hyperparameters, the summary probes X W*, the record covers it."""
    from spectral_ssl import closed_form
    from spectral_ssl.audit import audit
    from spectral_ssl.data import load_dataset
    from spectral_ssl.evaluation import linear_probe
    from spectral_ssl.relations import load_relation
    from spectral_ssl.views import load_views

    out, summary = tmp_path / "cf" / "k4.npz", tmp_path / "cf" / "k4.json"
    assert run("closed-form", "--views", pipeline.views, "--relation", pipeline.rel,
               "--data", pipeline.data, "--method", "vicreg", "--model", "linear",
               "--hparam", "gamma=1", "--k", "4", "--summary", summary,
               "--out", out) == 0  # fmt: skip
    arrays = load_npz(out)
    assert str(arrays["method"]) == "vicreg_sq_linear" and not bool(arrays["containing"])
    views = load_views(pipeline.views)
    edges, n_nodes, weights = load_relation(pipeline.rel)
    lpp = closed_form.lpp_solution(views.x, edges, 4, alpha=25.0, gamma=1.0, weights=weights)
    np.testing.assert_allclose(arrays["weights"], lpp.weights, rtol=1e-10, atol=1e-12)
    np.testing.assert_array_equal(arrays["reference"], arrays["weights"])
    np.testing.assert_allclose(arrays["eigenvalues"], lpp.eigenvalues, rtol=1e-10)
    assert int(arrays["predicted_rank"]) == lpp.predicted_rank
    record = load_json(summary)
    assert record["method"] == "twin:lpp" and record["cf_method"] == "vicreg_sq_linear"
    assert record["hparams"] == {"alpha": 25.0, "beta": 1.0, "gamma": 1.0}
    train_ds, test_ds = load_dataset(pipeline.data)
    probe = linear_probe(train_ds.x @ lpp.weights, train_ds.y, test_ds.x @ lpp.weights, test_ds.y)
    assert record["probe_test_accuracy"] == probe["test_accuracy"]
    prov = load_json(provenance_path(out))
    assert prov["config"]["step"] == "closed-form" and prov["config"]["twin"] == "vicreg_sq_linear"
    assert set(prov["outputs"]) == {str(out), str(summary)}
    assert audit(tmp_path / "cf").ok


def test_closed_form_seeds_in_one_process_equal_one_call_per_seed(pipeline, tmp_path):
    """--seeds with {seed} in every path (the workflow's one job per cell) writes, per data
    seed, exactly what a call with --seed writes; a path without {seed} is refused first."""
    import shutil

    for seed in (0, 1):  # two data seeds' files (the same draw twice is enough here)
        for name, src in (("views", pipeline.views), ("g", pipeline.rel), ("data", pipeline.data)):
            shutil.copy(src, tmp_path / f"{name}{seed}.npz")
    common = ["--method", "vicreg", "--model", "linear", "--hparam", "gamma=1", "--k", "4"]
    assert run("closed-form", "--views", tmp_path / "views{seed}.npz",
               "--relation", tmp_path / "g{seed}.npz", "--data", tmp_path / "data{seed}.npz",
               *common, "--seeds", "0,1", "--summary", tmp_path / "all" / "s{seed}.json",
               "--out", tmp_path / "all" / "s{seed}.npz") == 0  # fmt: skip
    for seed in (0, 1):
        assert run("closed-form", "--views", tmp_path / f"views{seed}.npz",
                   "--relation", tmp_path / f"g{seed}.npz", "--data", tmp_path / f"data{seed}.npz",
                   *common, "--seed", seed, "--summary", tmp_path / "one" / f"s{seed}.json",
                   "--out", tmp_path / "one" / f"s{seed}.npz") == 0  # fmt: skip
        grouped, single = load_json(tmp_path / "all" / f"s{seed}.json"), load_json(
            tmp_path / "one" / f"s{seed}.json")
        assert grouped == single and grouped["data_seed"] == seed
        a = load_npz(tmp_path / "all" / f"s{seed}.npz")
        b = load_npz(tmp_path / "one" / f"s{seed}.npz")
        np.testing.assert_array_equal(a["weights"], b["weights"])
        prov = load_json(provenance_path(tmp_path / "all" / f"s{seed}.npz"))
        assert prov["config"]["seed"] == seed
        inputs = {str(tmp_path / f"{name}{seed}.npz") for name in ("views", "g", "data")}
        assert set(prov["inputs"]) == inputs
    out = tmp_path / "refused"
    assert run("closed-form", "--views", tmp_path / "views{seed}.npz",
               "--relation", tmp_path / "g0.npz", *common, "--seeds", "0,1",
               "--out", out / "s{seed}.npz") == 2  # fmt: skip
    assert not out.exists()


def test_closed_form_free_twin_on_a_tied_spectrum_stores_the_whole_eigenspace(pipeline, tmp_path):
    """vicreg + free on the 2-view graph: the K-th smallest non-trivial Laplacian eigenvalue (0)
    has multiplicity n_src - 1, so the reference is that whole null space (containing)."""
    from spectral_ssl.relations import laplacian, load_relation

    out = tmp_path / "free.npz"
    assert run("closed-form", "--views", pipeline.views, "--relation", pipeline.rel,
               "--method", "vicreg", "--model", "free", "--k", "4", "--out", out) == 0  # fmt: skip
    arrays = load_npz(out)
    assert str(arrays["method"]) == "vicreg_sq" and bool(arrays["containing"])
    ref = arrays["reference"]
    n_src, n_rows = pipeline.prefix.n_src, pipeline.prefix.n_rows
    assert ref.shape == (n_rows, n_src - 1)  # components minus the constant vector
    edges, n_nodes, _ = load_relation(pipeline.rel)
    np.testing.assert_allclose(laplacian(edges, n_nodes) @ ref, 0.0, atol=1e-10)
    np.testing.assert_allclose(ref.T @ ref, np.eye(n_src - 1), atol=1e-10)
    np.testing.assert_allclose(ref.sum(axis=0), 0.0, atol=1e-10)  # orthogonal to 1
    assert arrays["embedding"].shape == (n_rows, 4)


def test_train_with_closed_form_reports_the_angles(pipeline, tmp_path):
    """A linear run compared with its LPP twin: angles and ranks in metrics.json."""
    cf = tmp_path / "k4.npz"
    assert run("closed-form", "--views", pipeline.views, "--relation", pipeline.rel,
               "--method", "vicreg", "--model", "linear", "--hparam", "gamma=1", "--k", "4",
               "--out", cf) == 0  # fmt: skip
    assert run("train", "--views", pipeline.views, "--relation", pipeline.rel, "--method",
               "vicreg", "--hparam", "gamma=1", "--model", "linear", "--k", "4", "--steps", "5",
               "--device", "cpu", "--closed-form", cf,
               "--out-dir", tmp_path / "r") == 0  # fmt: skip
    metrics = load_json(tmp_path / "r" / "metrics.json")
    assert metrics["cf_method"] == "vicreg_sq_linear" and metrics["cf_containing"] is False
    assert 0.0 <= metrics["angle_mean_deg"] <= metrics["angle_max_deg"] <= 90.0
    assert metrics["cf_rank"] == 4 and 1 <= metrics["learned_rank"] <= 4


def test_identities_subcommand_writes_the_checks_within_tolerance(tmp_path):
    out = tmp_path / "identities.csv"
    assert run("identities", "--out", out) == 0
    table = pd.read_csv(out)
    assert set(table["claim"]) == {"C1", "C6", "C10", "C15"}
    assert (table["value"] <= table["tolerance"]).all(), table
    assert load_json(provenance_path(out))["config"] == {"step": "identities", "seed": 0}


def test_a_seed_draws_the_data_and_fixed_mode_reuses_one_draw(tmp_path, capsys):
    """Data seeds 0 and 1 give different datasets, splits, subsamples, views and sampled
    graphs, the same seed the same files; `train` with {seed} in its inputs reads each run
    seed's draw (data_seed = seed), without {seed} one draw for all (--data-seed)."""
    from spectral_ssl.data import load_dataset
    from spectral_ssl.relations import load_relation
    from spectral_ssl.views import load_views

    def prepare(seed: int, name: str) -> None:
        d = tmp_path / name
        assert (
            run(
                "data",
                "--dataset",
                "synthetic",
                "--param",
                "n_samples=80",
                "--param",
                "dim=8",
                "--seed",
                seed,
                "--out",
                d / f"data/seed{seed}.npz",
            )
            == 0
        )
        assert (
            run(
                "data",
                "--dataset",
                "digits",
                "--param",
                "n_samples=120",
                "--seed",
                seed,
                "--out",
                d / f"digits/seed{seed}.npz",
            )
            == 0
        )
        assert (
            run(
                "views",
                "--data",
                d / f"data/seed{seed}.npz",
                "--n-samples",
                "24",
                "--seed",
                seed,
                "--out",
                d / f"views/seed{seed}.npz",
            )
            == 0
        )
        assert run("relation", "--views", d / f"views/seed{seed}.npz", "--kind", "labels",
                   "--param", "positives_per_row=2", "--seed", seed,
                   "--out", d / f"rel/seed{seed}.npz",
                   "--stats", d / f"rel/seed{seed}.json") == 0  # fmt: skip

    for seed in (0, 1):
        prepare(seed, "a")
    prepare(0, "b")  # the same seed again
    a, b = tmp_path / "a", tmp_path / "b"

    def split(path):
        train, test = load_dataset(path)
        return np.concatenate([train.x.ravel(), test.x.ravel()])

    for kind in ("data", "digits"):  # generation and split (digits: split and subsample)
        assert not np.array_equal(split(a / f"{kind}/seed0.npz"), split(a / f"{kind}/seed1.npz"))
        np.testing.assert_array_equal(
            split(a / f"{kind}/seed0.npz"), split(b / f"{kind}/seed0.npz")
        )
    digits0, digits1 = (load_dataset(a / f"digits/seed{s}.npz")[1].x for s in (0, 1))
    assert not np.array_equal(digits0, digits1)  # the test split itself moves
    v0, v1 = (load_views(a / f"views/seed{s}.npz") for s in (0, 1))
    assert v0.x.shape == v1.x.shape and not np.array_equal(v0.x, v1.x)
    np.testing.assert_array_equal(v0.x, load_views(b / "views/seed0.npz").x)
    e0, e1 = (load_relation(a / f"rel/seed{s}.npz")[0] for s in (0, 1))
    e0b = load_relation(b / "rel/seed0.npz")[0]
    np.testing.assert_array_equal(e0, e0b)
    assert load_json(provenance_path(a / "rel/seed1.npz"))["config"]["seed"] == 1
    # the same views with another seed: another sample of label partners
    assert (
        run(
            "relation",
            "--views",
            a / "views/seed0.npz",
            "--kind",
            "labels",
            "--param",
            "positives_per_row=2",
            "--seed",
            "1",
            "--out",
            a / "rel/other.npz",
        )
        == 0
    )
    other = load_relation(a / "rel/other.npz")[0]
    assert set(map(tuple, other.T)) != set(map(tuple, e0.T))

    common = ["--method", "vicreg", "--model", "linear", "--k", "3", "--steps", "3",
              "--seeds", "0,1", "--device", "cpu"]  # fmt: skip
    assert run("train", "--views", a / "views/seed{seed}.npz", "--relation",
               a / "rel/seed{seed}.npz", "--relation-stats", a / "rel/seed{seed}.json",
               *common, "--out-dir", tmp_path / "resample/seed{seed}") == 0  # fmt: skip
    assert (
        run(
            "train",
            "--views",
            a / "views/seed0.npz",
            "--relation",
            a / "rel/seed0.npz",
            "--data-seed",
            "0",
            *common,
            "--out-dir",
            tmp_path / "fixed/seed{seed}",
        )
        == 0
    )
    for seed in (0, 1):
        resample = load_json(tmp_path / f"resample/seed{seed}/metrics.json")
        assert resample["seed"] == resample["data_seed"] == seed
        inputs = load_json(tmp_path / f"resample/seed{seed}/provenance.json")["inputs"]
        assert sorted(inputs) == sorted(
            str(a / f"{d}/seed{seed}.{e}")
            for d, e in (("views", "npz"), ("rel", "npz"), ("rel", "json"))
        )
        fixed = load_json(tmp_path / f"fixed/seed{seed}/metrics.json")
        assert fixed["seed"] == seed and fixed["data_seed"] == 0
        inputs = load_json(tmp_path / f"fixed/seed{seed}/provenance.json")["inputs"]
        assert sorted(inputs) == sorted(str(a / f) for f in ("views/seed0.npz", "rel/seed0.npz"))
    # {seed} in the inputs and --data-seed contradict each other
    assert run("train", "--views", a / "views/seed{seed}.npz", "--relation",
               a / "rel/seed{seed}.npz", "--data-seed", "0", *common,
               "--out-dir", tmp_path / "bad/seed{seed}") == 2  # fmt: skip
    assert "--data-seed" in capsys.readouterr().err
    assert not (tmp_path / "bad").exists()


def test_nnclr_run_records_its_graph_refreshes(pipeline, tmp_path):
    """metrics.json of an nnclr run: first / last refresh of G_t and one trajectory row each."""
    assert run("train", "--views", pipeline.views, "--relation", pipeline.rel, "--data",
               pipeline.data, "--method", "nnclr", "--hparam", "m=2", "--hparam",
               "refresh_every=3", "--model", "mlp", "--k", "4", "--steps", "7", "--device", "cpu",
               "--out-dir", tmp_path / "nn") == 0  # fmt: skip
    m = load_json(tmp_path / "nn" / "metrics.json")
    assert [p["step"] for p in m["trajectory"]] == [0, 3, 6] and m["nnclr_refreshes"] == 3
    assert m["nnclr_step_last"] == 6 and m["nnclr_base_alignment"] == 1.0
    assert 0.0 <= m["nnclr_nn_alignment_last"] <= 1.0
    assert m["nnclr_edges_first"] > m["nnclr_nn_edges_first"] > 0
    out, traj = tmp_path / "t.csv", tmp_path / "traj.csv"
    assert run("collect", "--out", out, "--trajectory-out", traj,
               tmp_path / "nn" / "metrics.json") == 0  # fmt: skip
    assert list(pd.read_csv(traj)["graph_nn_alignment"].notna()) == [True] * 3
