"""The Snakemake workflow: dry run and lint of the full config, bad configs stop before any job,
and (slow) the CI config end to end: every artifact exists and is valid, a rerun does nothing,
changing one gamma reruns only its jobs, restyling figures never retrains."""

from __future__ import annotations

import copy
import csv
import itertools
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
SNAKEFILE = ROOT / "Snakefile"
CI_CONFIG = ROOT / "tests" / "config" / "ci.yaml"
SNAKEMAKE = [sys.executable, "-m", "snakemake"]
FIGURES = (
    "relations", "angles_vs_step", "singular_values", "correspondences", "linear_angles",
    "rank_vs_gamma", "accuracy_vs_gamma", "low_data", "cost", "nnclr_alignment",
)  # fmt: skip
KEY_COLUMNS = (
    "experiment", "data", "dataset", "n_samples", "relation", "model", "method", "hparams",
    "alpha", "beta", "gamma", "tau", "seed", "data_seed", "k", "status",
)  # fmt: skip
REF_COLUMNS = ("ref_supervised_test_accuracy", "ref_whitened_test_accuracy",
               "ref_twin_test_accuracy")  # fmt: skip
RUN_COLUMNS = (
    "probe_train_accuracy", "probe_val_accuracy", "probe_test_accuracy", "knn_accuracy",
    "numerical_rank", "converged", "conv_reason", "data_seed",
    "effective_rank", "views_numerical_rank", "views_effective_rank", "sv_rel_1", "final_loss",
    "wall_time_s", "device", "run_dir",
)  # fmt: skip
G_COLUMNS = ("g_n_edges", "g_n_components", "g_alignment_labels", "g_alignment_nuisance",
             "g_degree_mean")  # fmt: skip
CF_COLUMNS = (
    "cf_method", "cf_predicted_rank", "angle_max_deg", "angle_mean_deg", "learned_rank",
    "cf_rank", "projector_distance",
)  # fmt: skip
TRAJECTORY_COLUMNS = ("step", "angle_max_deg", "angle_mean_deg")
NOTHING_TO_DO = "Nothing to be done"


def snakemake(*args: str, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run Snakemake with this Python (any venv), in ``cwd``, bounded by ``timeout``."""
    return subprocess.run(
        [*SNAKEMAKE, "--snakefile", str(SNAKEFILE), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def output(proc: subprocess.CompletedProcess) -> str:
    return proc.stdout + proc.stderr


def job_counts(text: str) -> dict[str, int]:
    """The 'Job stats' table of a (dry) run: rule -> number of jobs."""
    counts: dict[str, int] = {}
    block = text.split("Job stats:", 1)[1] if "Job stats:" in text else ""
    for line in block.splitlines()[3:]:
        parts = line.split()
        if len(parts) != 2 or not parts[1].isdigit() or parts[0] == "total":
            if counts:
                break
            continue
        counts[parts[0]] = int(parts[1])
    return counts


def fmt(value) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def expected_runs(cfg: dict) -> list[dict]:
    """The training grid, computed independently of the workflow's own helpers."""
    runs = []
    for name, exp in cfg["experiments"].items():
        ns = exp.get("n_samples") or [None]
        for dataset, n, relation, model, (method, spec) in itertools.product(
            exp["datasets"], ns, exp["relations"], exp["models"], exp["methods"].items()
        ):
            keys = sorted(spec)
            for combo in itertools.product(*(spec[k] for k in keys)):
                hp = "_".join(f"{k}={fmt(v)}" for k, v in zip(keys, combo, strict=True))
                data = dataset if n is None else f"{dataset}-n{n}"
                k = {**cfg.get("training", {}), **exp.get("training", {})}.get("k", 16)
                runs.append(dict(experiment=name, data=data, dataset=dataset, relation=relation,
                                 model=model, method=method, hparams=hp or "default", k=k,
                                 closed_form=bool(exp.get("closed_form"))
                                 and model in ("free", "linear"),
                                 fixed=exp.get("data", "resample") == "fixed",
                                 data_seeds=data_seeds(cfg, exp),
                                 seeds=run_seeds(cfg, exp)))  # fmt: skip
    return runs


def run_seeds(cfg: dict, exp: dict) -> list[int]:
    """An experiment's own `seeds`, else the top-level ones."""
    return list(exp.get("seeds") or cfg.get("seeds", [0, 1, 2, 3, 4]))


def data_seeds(cfg: dict, exp: dict) -> list[int]:
    """Run seed s reads data seed s, or data_seed for every seed when the data is fixed."""
    if exp.get("data", "resample") == "fixed":
        return [cfg.get("data_seed", 0)]
    return run_seeds(cfg, exp)


def implied_verdicts(metrics: Path, thr: dict) -> dict[str, str]:
    """Verdicts recomputed here, independently of spectral_ssl.claims, from the metric tables
    and the thresholds, for the claims whose rule is a plain threshold on logged numbers:
    the identities (C1, C6, C10, C15), C2 (free-Z angles and ranks), C3 (loss gap and
    singular values): the exact rule (every usable run strictly within the tolerance), runs
    with converged == False left out, mostly unconverged or no usable run -> INCONCLUSIVE."""
    import pandas as pd

    def verdict(passed: bool) -> str:
        return "SUPPORTED" if passed else "NOT SUPPORTED"

    out: dict[str, str] = {}
    ident = pd.read_csv(metrics / "identities.csv")
    for claim in ("C1", "C6", "C15"):
        rows = ident[(ident["claim"] == claim) & np.isfinite(ident["tolerance"])]
        limit = np.where(rows["quantity"].str.contains("relative"), thr["identity_rel"],
                         rows["tolerance"])  # fmt: skip
        passed = bool((rows["value"].abs() < limit).all())
        out[claim] = verdict(passed) if len(rows) else "INCONCLUSIVE"
    rows = ident[ident["claim"] == "C10"]
    limit = np.where(rows["quantity"].str.contains("angle") & rows["quantity"].str.contains("deg"),
                     thr["angle_deg"], rows["tolerance"])  # fmt: skip
    out["C10"] = verdict(bool((rows["value"].abs() < limit).all()))

    optimal = pd.read_csv(metrics / "optimal.csv")
    trained = optimal[optimal["status"] != "failed"]
    # runs with converged == False are never read; mostly unconverged -> INCONCLUSIVE
    flags = trained["converged"] if "converged" in trained else pd.Series("", trained.index)
    unconverged = flags.astype(str).str.lower().isin(["false", "0", "0.0"])

    def usable(rows: pd.DataFrame) -> pd.DataFrame | None:
        off = unconverged.loc[rows.index]
        return None if rows.empty or 2 * off.sum() > len(rows) else rows[~off]

    c2 = usable(trained[trained["method"].isin(["vicreg_sq", "spectral_contrastive"])])
    c2 = c2.dropna(subset=["angle_max_deg"]) if c2 is not None else None
    if c2 is None or c2.empty:
        out["C2"] = "INCONCLUSIVE"
    else:
        containing = c2["cf_containing"].astype(str).str.lower() == "true"
        rank = np.where(containing, c2["cf_predicted_rank"], c2["cf_rank"])
        out["C2"] = verdict(bool((c2["angle_max_deg"] < thr["angle_deg"]).all()
                                 and (c2["learned_rank"] == rank).all()))  # fmt: skip
    # widened C2: free SimCLR / BarlowTwins on a union of c cliques (cliques.csv), every
    # converged run: the centred indicator span inside col(Z) (ind_contains_deg) < angle_deg;
    # one counterexample refutes
    if (metrics / "cliques.csv").is_file():
        cl = pd.read_csv(metrics / "cliques.csv")
        cl = cl[(cl["status"] != "failed") & cl["method"].isin(["simclr", "barlow_twins"])
                & (cl["converged"].astype(str).str.lower() == "true")
                & (cl["g_union_of_cliques"].astype(str).str.lower() == "true")
                & (cl["k"] > cl["g_n_components"])]  # fmt: skip
        if bool((cl["ind_contains_deg"] >= thr["angle_deg"]).any()):
            out["C2"] = "NOT SUPPORTED"
        elif out["C2"] != "NOT SUPPORTED":
            out.pop("C2")  # the hinge part decides too: not recomputed here
    c3 = usable(trained[trained["method"] == "vicreg_sq"])
    c3 = c3.dropna(subset=["loss_gap_rel", "sv_rel_error"]) if c3 is not None else None
    if c3 is None or c3.empty:
        out["C3"] = "INCONCLUSIVE"
    else:
        gap_ok = (c3["loss_gap_rel"].abs() < thr["loss_gap_rel"]).all()
        out["C3"] = verdict(bool(gap_ok and (c3["sv_rel_error"] < thr["sv_rel_error"]).all()))
    return out


def run_dir(run: dict) -> str:
    return "results/runs/{experiment}/{data}/{relation}/{model}/{method}/{hparams}".format(**run)


# ---------------------------------------------------------------------------------------------
# the full config: dry run, lint
# ---------------------------------------------------------------------------------------------
def test_dry_run_of_the_full_config_expands_the_whole_grid(tmp_path):
    proc = snakemake("-n", "--cores", "2", "--configfile", str(ROOT / "config.yaml"),
                     "--directory", str(tmp_path), cwd=tmp_path)  # fmt: skip
    assert proc.returncode == 0, output(proc)
    cfg = yaml.safe_load((ROOT / "config.yaml").read_text())
    runs = expected_runs(cfg)
    counts = job_counts(output(proc))
    # one job per grid cell, all seeds inside (train_1, ...: experiments with their own seeds)
    assert sum(n for rule, n in counts.items() if re.fullmatch(r"train(_\d+)?", rule)) \
        == len(runs)
    closed = {(r["data"], r["relation"], r["model"], r["method"], r["hparams"], r["k"])
              for r in runs if r["closed_form"]}  # fmt: skip
    # one job per closed-form cell (all its data seeds inside), shared across experiments
    assert sum(n for rule, n in counts.items() if re.fullmatch(r"closed_form(_\d+)?", rule)) \
        == len(closed)
    assert counts["collect"] == len(cfg["experiments"])
    # one job per dataset / data id / (data id, relation): every data seed inside
    def jobs(rule: str) -> int:
        return sum(n for name, n in counts.items() if re.fullmatch(rf"{rule}(_\d+)?", name))

    assert jobs("data") == jobs("baseline") == len({r["dataset"] for r in runs})
    assert jobs("views") == len({r["data"] for r in runs})
    assert jobs("relation") == len({(r["data"], r["relation"]) for r in runs})
    for rule in ("data", "views", "relation", "baseline", "supervised_reference", "cost",
                 "identities", "figures", "claims", "audit", "all"):  # fmt: skip
        assert counts.get(rule, 0) >= 1, rule
    assert not (tmp_path / "results").exists()  # a dry run writes nothing


def test_training_jobs_train_every_seed_in_one_process(tmp_path):
    proc = snakemake("-n", "--cores", "2", "--configfile", str(CI_CONFIG), "--directory",
                     str(tmp_path), "--printshellcmds", cwd=tmp_path)  # fmt: skip
    assert proc.returncode == 0, output(proc)
    text = output(proc)
    commands = [line for line in text.splitlines() if "spectral-ssl train " in line]
    assert commands
    cfg = yaml.safe_load(CI_CONFIG.read_text())
    fixed = {name for name, exp in cfg["experiments"].items() if exp.get("data") == "fixed"}
    assert fixed and fixed != set(cfg["experiments"])  # the CI config exercises both modes
    own = {name for name, exp in cfg["experiments"].items() if exp.get("seeds")}
    assert own  # the CI config exercises an experiment with seeds of its own
    for command in commands:
        experiment = re.search(r"--tag experiment=(\S+)", command).group(1)
        seeds = run_seeds(cfg, cfg["experiments"][experiment])
        assert f"--seeds {','.join(map(str, seeds))} " in command
        assert "--device cpu" in command
        assert "seed{seed}" in command
        inputs = re.findall(r"--(?:views|relation|relation-stats|data|closed-form) '([^']+)'",
                            command)  # fmt: skip
        assert len(inputs) >= 4, command
        if experiment in fixed:  # every seed reads the files of data_seed
            assert "--data-seed 0" in command
            assert all("/seed0" in path and "{seed}" not in path for path in inputs), command
        else:  # each seed reads its own data draw
            assert "--data-seed" not in command
            assert all("seed{seed}" in path for path in inputs), command
    assert re.search(r"--relation-stats \S+\.json", commands[0])
    # a data-side job makes one key (a closed-form cell, a dataset, a data id, a (data id,
    # relation)) for every data seed its runs read, in one process, with {seed} in every path
    runs = expected_runs(cfg)

    def want(match) -> str:
        seeds = sorted({s for r in runs if match(r) for s in r["data_seeds"]})
        assert seeds
        return f"--seeds {','.join(map(str, seeds))} "

    def cell(r: dict) -> str:
        return "/".join([r["data"], r["relation"], r["model"], r["method"], r["hparams"],
                         f"k{r['k']}"])  # fmt: skip

    patterns = {
        "closed-form": (r"--out 'results/closed_form/([^']+)/seed\{seed\}\.npz'",
                        lambda key: lambda r: r["closed_form"] and cell(r) == key),
        "data": (r"--out 'results/data/([^/]+)/seed\{seed\}\.npz'",
                 lambda key: lambda r: r["dataset"] == key),
        "baseline": (r"--out 'results/baselines/([^/]+)/seed\{seed\}\.json'",
                     lambda key: lambda r: r["dataset"] == key),
        "views": (r"--out 'results/views/([^/]+)/seed\{seed\}\.npz'",
                  lambda key: lambda r: r["data"] == key),
        "relation": (r"--out 'results/relations/([^/]+/seed\{seed\}/[^/]+)\.npz'",
                     lambda key: lambda r: f"{r['data']}/seed{{seed}}/{r['relation']}" == key),
    }  # fmt: skip
    for step, (out_pattern, matcher) in patterns.items():
        lines = [line for line in text.splitlines() if f"spectral-ssl {step} " in line]
        assert lines, step
        for line in lines:
            key = re.search(out_pattern, line).group(1)
            assert want(matcher(key)) in line, line
            paths = re.findall(r"--(?:views|relation|data|summary|out|stats) '([^']+)'", line)
            assert paths and all("seed{seed}" in path for path in paths), line


def test_lint_is_clean():
    proc = snakemake("--lint", cwd=ROOT, timeout=300)
    assert proc.returncode == 0, output(proc)


def test_conda_envs_are_valid_and_in_step_with_environment_yml():
    """Every package of a rule's conda env is in environment.yml with the same pin (the
    version uv.lock installs), so a --sdm conda run uses the locked environment."""
    def specs(deps):
        out = {}
        for dep in deps:
            if isinstance(dep, str):
                name, spec = re.match(r"([A-Za-z0-9_.-]+)\s*(.*)", dep).groups()
                out[name] = spec
        return out

    pinned = specs(yaml.safe_load((ROOT / "environment.yml").read_text())["dependencies"])
    envs = sorted((ROOT / "workflow" / "envs").glob("*.yaml"))
    assert envs
    for path in envs:
        env = yaml.safe_load(path.read_text())
        assert set(env) <= {"name", "channels", "dependencies"}, path.name
        assert env["channels"] and env["dependencies"], path.name
        deps = specs(env["dependencies"])
        for name, spec in deps.items():
            assert name in pinned, f"{path.name}: {name} not in environment.yml"
            assert spec == pinned[name], (
                f"{path.name}: {name}{spec}, environment.yml pins {name}{pinned[name]}"
            )
        assert {"python", "pytorch", "numpy", "pandas", "nbconvert", "ipykernel"} <= set(deps)


def test_every_rule_has_a_log_a_benchmark_and_a_conda_env():
    text = "\n".join(p.read_text() for p in (ROOT / "workflow" / "rules").glob("*.smk"))
    # `rule NAME:` at the top level, or an anonymous `rule:` in a loop (its `name:` names it)
    header = r"^ *rule(?: (\w+))?:"
    blocks = re.split(header, text, flags=re.M)
    rules = []
    for named, block in zip(blocks[1::2], blocks[2::2], strict=True):
        found = named or re.search(r"\n\s+name:\s*\n?\s*\"(\w+)\"", block)
        rules.append(named or (found.group(1) if found else "?"))
    blocks = blocks[2::2]
    assert len(rules) >= 12 and "?" not in rules, rules
    for name, block in zip(rules, blocks, strict=True):
        assert re.search(r"\n\s+log:", block), name
        assert re.search(r"\n\s+conda:", block), name
        # every job that runs a process is measured (benchmarks/workflow.py reads the TSVs)
        if not re.search(r"\n\s+localrule: True", block):
            assert re.search(r"\n\s+benchmark:", block), name
            assert '"results/benchmarks/' in block, name


def test_a_config_with_one_experiment_declares_only_the_figures_it_can_draw(tmp_path):
    """Leaving experiments out of config.yaml leaves their figures out of the figures step
    (which would otherwise fail on outputs it cannot draw)."""
    cfg = yaml.safe_load(CI_CONFIG.read_text())
    cfg["experiments"] = {"rank": cfg["experiments"]["rank"]}
    path = tmp_path / "rank_only.yaml"
    path.write_text(yaml.safe_dump(cfg))
    proc = snakemake("-n", "--cores", "1", "--configfile", str(path), "--directory",
                     str(tmp_path), cwd=tmp_path)  # fmt: skip
    assert proc.returncode == 0, output(proc)
    block = output(proc).split("rule figures:", 1)[1]
    outputs = re.search(r"\n\s+output: (.*)", block).group(1).split(", ")
    assert sorted(outputs) == sorted(
        f"results/figures/{name}.{ext}" for name in ("relations", "correspondences",
        "rank_vs_gamma", "cost") for ext in ("png", "pdf")
    )  # fmt: skip


# ---------------------------------------------------------------------------------------------
# bad config: stop before any job, naming the key
# ---------------------------------------------------------------------------------------------
def _bad(tmp_path: Path, edit) -> subprocess.CompletedProcess:
    cfg = yaml.safe_load(CI_CONFIG.read_text())
    edit(cfg)
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return snakemake("-n", "--cores", "1", "--configfile", str(path), "--directory",
                     str(tmp_path), cwd=tmp_path)  # fmt: skip


def _set_gamma(cfg, value):
    cfg["experiments"]["rank"]["methods"]["vicreg"]["gamma"] = value


BAD_CONFIGS = [
    ("unknown key", lambda c: c["training"].update(epochs=3), ["training", "epochs"]),
    ("negative gamma", lambda c: _set_gamma(c, [-1]), ["experiments.rank.methods.vicreg.gamma"]),
    ("k = 0", lambda c: c["training"].update(k=0), ["training.k"]),
    ("wrong type", lambda c: c.update(seeds="0,1"), ["seeds"]),
    ("unknown method", lambda c: c["experiments"]["rank"]["methods"].update(byol={}), ["byol"]),
    ("n_views = 1", lambda c: c["datasets"]["digits"].update(n_views=1),
     ["datasets.digits.n_views"]),
    ("undefined relation", lambda c: c["experiments"]["rank"].update(relations=["cosine"]),
     ["experiments.rank.relations", "cosine"]),
    ("undefined dataset", lambda c: (c["datasets"].pop("swiss_roll"),
                                     c["experiments"]["rank"].update(datasets=["swiss_roll"])),
     ["experiments.rank.datasets", "swiss_roll"]),
    ("undefined model", lambda c: c["models"].pop("mlp"), ["experiments.low_data.models", "mlp"]),
    ("reserved experiment name", lambda c: c["experiments"].update(cost=c["experiments"]["rank"]),
     ["experiments.cost"]),
    ("unknown data mode", lambda c: c["experiments"]["optimal"].update(data="once"),
     ["experiments.optimal.data", "once"]),
    ("cosine schedule on lbfgs",
     lambda c: c["experiments"]["linear"]["training"].update(lr_schedule="cosine"),
     ["experiments.linear.training.lr_schedule", "lbfgs"]),
]  # fmt: skip


@pytest.mark.parametrize("what,edit,words", BAD_CONFIGS, ids=[b[0] for b in BAD_CONFIGS])
def test_bad_config_stops_before_any_job_naming_the_key(tmp_path, what, edit, words):
    proc = _bad(tmp_path, edit)
    text = output(proc)
    assert proc.returncode != 0, f"{what}: accepted\n{text}"
    assert "invalid configuration" in text, text
    for word in words:
        assert word in text, f"{what}: {word!r} not in\n{text}"
    assert "Job stats" not in text
    assert not (tmp_path / "results").exists()


def test_device_cuda_without_a_gpu_stops_naming_the_key(tmp_path):
    torch = pytest.importorskip("torch")
    if torch.cuda.is_available():
        pytest.skip("a GPU is visible: device cuda is valid here")
    proc = _bad(tmp_path, lambda c: c.update(device="cuda"))
    assert proc.returncode != 0
    assert "config key device" in output(proc)
    assert not (tmp_path / "results").exists()


# ---------------------------------------------------------------------------------------------
# end to end on the CI config (slow: a few minutes on 2 cores)
# ---------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def ci_run(tmp_path_factory):
    """Run the CI config in a fresh folder, then build the report; return the folder.

    SPECTRAL_SSL_CI_RUN=<folder of an earlier run> reuses that run (while editing these tests).
    """
    reuse = os.environ.get("SPECTRAL_SSL_CI_RUN")
    if reuse and (Path(reuse) / "results" / "report.html").is_file():
        return Path(reuse)
    work = tmp_path_factory.mktemp("ci_run")
    config = work / "ci.yaml"
    config.write_text(CI_CONFIG.read_text())
    proc = snakemake("--cores", "2", "--configfile", str(config), "--directory", str(work),
                     cwd=work, timeout=1800)  # fmt: skip
    assert proc.returncode == 0, output(proc)[-6000:]
    report = snakemake("--cores", "1", "--configfile", str(config), "--directory", str(work),
                       "--report", "results/report.html", cwd=work, timeout=600)  # fmt: skip
    assert report.returncode == 0, output(report)[-4000:]
    return work


@pytest.fixture(scope="module")
def ci_cfg():
    return yaml.safe_load(CI_CONFIG.read_text())


def read_csv(path: Path) -> list[dict]:
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.slow
def test_ci_run_writes_data_views_relations(ci_run, ci_cfg):
    runs = expected_runs(ci_cfg)
    from spectral_ssl.data import load_dataset
    from spectral_ssl.relations import load_relation
    from spectral_ssl.views import load_views

    for dataset, seed in {(r["dataset"], s) for r in runs for s in r["data_seeds"]}:
        train, test = load_dataset(ci_run / f"results/data/{dataset}/seed{seed}.npz")
        assert train.n_samples > 0 and test.n_samples > 0
        prov = json.loads((ci_run / f"results/data/{dataset}/seed{seed}.provenance.json")
                          .read_text())  # fmt: skip
        assert prov["config"]["seed"] == seed
    for data, seed in {(r["data"], s) for r in runs for s in r["data_seeds"]}:
        views = load_views(ci_run / f"results/views/{data}/seed{seed}.npz")
        assert views.n_views == ci_cfg["datasets"][data.split("-n")[0]]["n_views"]
        if "-n" in data:
            assert views.n_samples == int(data.split("-n")[1])
    for data, relation, seed in {(r["data"], r["relation"], s) for r in runs
                                 for s in r["data_seeds"]}:  # fmt: skip
        stem = ci_run / f"results/relations/{data}/seed{seed}/{relation}"
        edges, n_nodes, _ = load_relation(stem.with_suffix(".npz"))
        assert edges.shape[0] == 2 and n_nodes > 0
        stats = json.loads(stem.with_suffix(".json").read_text())
        assert stats["kind"] == ci_cfg["relations"][relation]["kind"]
    # two data seeds are two draws: different splits and views
    a, b = (load_views(ci_run / f"results/views/synthetic/seed{s}.npz") for s in (0, 1))
    assert not np.array_equal(a.x, b.x)


@pytest.mark.slow
def test_ci_run_writes_every_run_folder(ci_run, ci_cfg):
    """Every seed of every cell has a record; a cell whose every seed diverged is a failure
    here (the CI config is chosen so that each cell trains), not a pass."""
    for run in expected_runs(ci_cfg):
        statuses: list[str] = []
        for seed in run["seeds"]:
            folder = ci_run / run_dir(run) / f"seed{seed}"
            metrics = json.loads((folder / "metrics.json").read_text())
            assert metrics["status"] in ("ok", "failed"), folder
            assert metrics["seed"] == seed
            assert metrics["data_seed"] == (run["data_seeds"][0] if run["fixed"] else seed), folder
            prov = json.loads((folder / "provenance.json").read_text())
            assert all(f"/seed{metrics['data_seed']}" in path for path in prov["inputs"]), prov
            statuses.append(metrics["status"])
            if metrics["status"] == "failed":
                assert "diverged at step" in metrics["error"], (folder, metrics["error"])
                assert not (folder / "embeddings.npz").exists(), folder
            if metrics["status"] == "ok":
                with np.load(folder / "embeddings.npz") as f:
                    z = f["z_views"]
                assert z.ndim == 2 and z.shape[1] == run["k"] and np.isfinite(z).all()
                assert (folder / "log.csv").read_text().startswith("step,")
        assert "ok" in statuses, f"every seed of {run_dir(run)} diverged: {statuses}"
        log = ci_run / "results/logs/train" / run_dir(run).removeprefix("results/runs/")
        bench = ci_run / "results/benchmarks/train" / run_dir(run).removeprefix("results/runs/")
        assert log.with_name(log.name + ".log").is_file()
        assert bench.with_name(bench.name + ".tsv").read_text().startswith("s\t")


@pytest.mark.slow
def test_ci_run_writes_closed_forms(ci_run, ci_cfg):
    cells = {(r["data"], r["relation"], r["model"], r["method"], r["hparams"], r["k"])
             for r in expected_runs(ci_cfg) if r["closed_form"]}  # fmt: skip
    assert cells
    for data, relation, model, method, hparams, k in cells:
        seeds = {s for r in expected_runs(ci_cfg) if r["closed_form"] and (r["data"],
                 r["relation"], r["model"], r["method"], r["hparams"], r["k"]) == (data,
                 relation, model, method, hparams, k) for s in r["data_seeds"]}  # fmt: skip
        for seed in seeds:
            stem = ci_run / (f"results/closed_form/{data}/{relation}/{model}/{method}/"
                             f"{hparams}/k{k}/seed{seed}")  # fmt: skip
            with np.load(stem.with_suffix(".npz")) as f:
                assert "eigenvalues" in f.files
            summary = json.loads(stem.with_suffix(".json").read_text())
            assert summary["k"] == k and summary["seed"] == summary["data_seed"] == seed


@pytest.mark.slow
def test_ci_run_writes_tidy_metric_tables(ci_run, ci_cfg):
    runs = expected_runs(ci_cfg)
    for name, exp in ci_cfg["experiments"].items():
        rows = read_csv(ci_run / f"results/metrics/{name}.csv")
        columns = set(rows[0])
        assert set(KEY_COLUMNS) <= columns, set(KEY_COLUMNS) - columns
        assert set(RUN_COLUMNS) <= columns, set(RUN_COLUMNS) - columns
        assert set(G_COLUMNS) <= columns, set(G_COLUMNS) - columns
        trained = [r for r in rows if r["experiment"] == name]
        assert len(trained) == sum(len(r["seeds"]) for r in runs if r["experiment"] == name)
        assert {r["status"] for r in trained} <= {"ok", "failed"}
        ok = [r for r in trained if r["status"] == "ok"]
        assert ok, f"{name}: every run failed"
        for r in ok:
            assert 0.0 <= float(r["probe_train_accuracy"]) <= 1.0, r
            assert 1 <= float(r["numerical_rank"]) <= float(r["k"]), r
            assert np.isfinite(float(r["final_loss"])), r
            if exp.get("closed_form") and r["angle_max_deg"] != "":
                assert 0.0 <= float(r["angle_max_deg"]) <= 90.0, r
        methods = {r["method"] for r in rows}
        assert {"supervised", "whitened"} <= methods
        # references per data draw, and every run row joined with those of its own draw
        assert set(REF_COLUMNS) <= columns, set(REF_COLUMNS) - columns
        seeds = {r["data_seed"] for r in trained}
        sup = {(r["dataset"], r["data_seed"]): r["probe_test_accuracy"] for r in rows
               if r["method"] == "supervised"}  # fmt: skip
        assert {s for _, s in sup} == seeds
        for r in trained:
            assert r["ref_supervised_test_accuracy"] == sup[(r["dataset"], r["data_seed"])], r
        if exp.get("closed_form"):
            assert set(CF_COLUMNS) <= columns, set(CF_COLUMNS) - columns
    trajectory = read_csv(ci_run / "results/metrics/optimal_trajectory.csv")
    assert trajectory and set(TRAJECTORY_COLUMNS) <= set(trajectory[0])
    assert read_csv(ci_run / "results/metrics/cost.csv")
    assert read_csv(ci_run / "results/metrics/identities.csv")


@pytest.mark.slow
def test_ci_run_writes_figures_claims_report_and_audit(ci_run):
    for name in FIGURES:
        png = ci_run / f"results/figures/{name}.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name
        assert png.stat().st_size > 5000, name
        assert (ci_run / f"results/figures/{name}.pdf").stat().st_size > 1000, name
    claims = read_csv(ci_run / "results/claims.csv")
    ids = {row["id"].split("-")[0] for row in claims}  # C12-arxiv, C12-neurips -> C12
    assert ids == {f"C{i}" for i in range(1, 21)}
    assert {row["verdict"] for row in claims} <= {"SUPPORTED", "NOT SUPPORTED", "INCONCLUSIVE"}
    expected = implied_verdicts(ci_run / "results/metrics", yaml.safe_load(
        (ci_run / "ci.yaml").read_text())["claims"])  # fmt: skip
    verdicts = {row["id"]: row["verdict"] for row in claims}
    for claim, verdict in expected.items():
        assert verdicts[claim] == verdict, f"{claim}: {verdicts[claim]}, the numbers say {verdict}"
    # and every verdict is the one the claims code computes from the tables as they are now
    from spectral_ssl.claims import evaluate_claims, read_thresholds

    now = evaluate_claims(ci_run / "results/metrics", read_thresholds(ci_run / "ci.yaml"))
    assert dict(zip(now["id"], now["verdict"], strict=True)) == verdicts
    assert (ci_run / "results/claims.md").read_text().strip()
    report = (ci_run / "results/report.html").read_text(errors="replace")
    audit = (ci_run / "results/audit.html").read_text(errors="replace")
    for name in FIGURES:
        assert f"{name}.png" in report, f"report.html does not mention {name}.png"
        assert name in audit, f"audit.html does not mention {name}"
    assert "claims.csv" in report
    for section in ("Relation graphs G", "Loss curves", "Spectra", "Learned vs closed form",
                    "Provenance"):  # fmt: skip
        assert section in audit
    assert "Traceback" not in audit


@pytest.mark.slow
def test_ci_rerun_does_nothing(ci_run):
    proc = snakemake("-n", "--cores", "2", "--configfile", str(ci_run / "ci.yaml"),
                     "--directory", str(ci_run), cwd=ci_run)  # fmt: skip
    assert proc.returncode == 0, output(proc)
    assert NOTHING_TO_DO in output(proc), output(proc)[-3000:]


@pytest.mark.slow
def test_changing_one_gamma_reruns_only_its_jobs(ci_run, ci_cfg):
    cfg = copy.deepcopy(ci_cfg)
    gammas = cfg["experiments"]["rank"]["methods"]["vicreg"]["gamma"]
    old, new = gammas[-1], gammas[-1] * 2
    gammas[-1] = new
    path = ci_run / "ci_gamma.yaml"
    path.write_text(yaml.safe_dump(cfg))
    proc = snakemake("-n", "--cores", "2", "--configfile", str(path), "--directory",
                     str(ci_run), "--printshellcmds", cwd=ci_run)  # fmt: skip
    assert proc.returncode == 0, output(proc)
    counts = job_counts(output(proc))
    # the new cell's training, then only what reads it: its table, the tables' readers
    assert counts == {"train": 1, "collect": 1, "figures": 1, "claims": 1, "audit": 1,
                      "effective_config": 1, "all": 1}, counts  # fmt: skip
    train = [line for line in output(proc).splitlines() if "spectral-ssl train " in line]
    assert len(train) == 1 and f"gamma={fmt(new)}" in train[0] and "/rank/" in train[0]
    assert f"gamma={fmt(old)} " not in train[0]
    collect = [line for line in output(proc).splitlines() if "spectral-ssl collect " in line]
    assert len(collect) == 1 and "results/metrics/rank.csv" in collect[0]


@pytest.mark.slow
def test_restyling_figures_never_retrains(ci_run, tmp_path):
    """Restyle for real (a matplotlibrc that turns the saved background gold), force the
    figures rule in a copy of the finished run: only figures and their readers run, every
    figure is redrawn in the new style, and no training artifact is touched."""
    import shutil

    from matplotlib.image import imread

    work = tmp_path / "restyle"
    shutil.copytree(ci_run, work, symlinks=True)
    config = work / "ci.yaml"
    assert NOTHING_TO_DO in output(snakemake("-n", "--cores", "1", "--configfile", str(config),
                                             "--directory", str(work), cwd=work))  # fmt: skip
    runs = sorted(p for p in (work / "results" / "runs").rglob("*") if p.is_file())
    before = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in runs}
    gold = (1.0, 215 / 255, 0.0)
    for name in FIGURES:
        corner = imread(work / f"results/figures/{name}.png")[0, 0, :3]
        assert not np.allclose(corner, gold, atol=0.02), f"{name} is gold already"
    rc = tmp_path / "mplrc"
    rc.mkdir()
    (rc / "matplotlibrc").write_text('savefig.facecolor: "#ffd700"\n')
    proc = subprocess.run(
        [*SNAKEMAKE, "--snakefile", str(SNAKEFILE), "--cores", "2", "--configfile", str(config),
         "--directory", str(work), "--forcerun", "figures"],
        cwd=work, capture_output=True, text=True, timeout=900,
        env={**os.environ, "MATPLOTLIBRC": str(rc)},
    )  # fmt: skip
    assert proc.returncode == 0, output(proc)[-4000:]
    counts = job_counts(output(proc))
    assert counts == {"figures": 1, "audit": 1, "all": 1}, counts  # no train, no collect
    for name in FIGURES:
        corner = imread(work / f"results/figures/{name}.png")[0, 0, :3]
        assert np.allclose(corner, gold, atol=0.02), f"{name} was not redrawn: {corner}"
    after = sorted(p for p in (work / "results" / "runs").rglob("*") if p.is_file())
    assert after == runs
    for p in runs:
        assert (p.stat().st_mtime_ns, p.read_bytes()) == before[p], f"{p} changed"
