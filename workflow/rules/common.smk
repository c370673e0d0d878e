# Helper functions shared by the workflow files (no rules are defined here). Config checks, the
# experiment grid expanded from the validated config, paths, and the command-line arguments
# each job passes to the `spectral-ssl` CLI. The Snakefile calls them after validation.
#
# Grid: experiments x data ids x relations x models x methods x hyperparameter grid; every cell
# is ONE training job that trains all seeds in one process (python + torch start-up costs
# seconds, so one job per seed would dominate the wall time).
#
# Seeds: run seed s reads the data, views, relation, closed form and baseline of DATA seed
# data_seed_of(experiment, s): s itself (default, `data: resample`: the seed draws the dataset,
# split, subsample, views and sampled graphs as well as the initialisation), or the top-level
# `data_seed` for every seed (`data: fixed`: one data draw, only the initialisation varies).
# Every data-side artifact has a seed{seed} level in its path, so a fixed-data experiment and
# the seed data_seed of a resampling one share the same files (nothing is computed twice).

import itertools
import re
import shutil
from pathlib import Path

try:  # the package's own definitions (installed, or this checkout's src/)
    import spectral_ssl  # noqa: F401
except ImportError:
    sys.path.insert(0, str(Path(workflow.basedir) / "src"))

from spectral_ssl.device import resolve_device as _resolve_device
from spectral_ssl.errors import ConfigError
from spectral_ssl.figures import figures_for
from spectral_ssl.labels import format_value as fmt
from spectral_ssl.labels import hparams_label as hparams_id
from spectral_ssl.methods import wildcard_pattern as method_wildcard

CLOSED_FORM_MODELS = ("free", "linear")  # models with a reference closed form
RUN_FILES = (
    "embeddings.npz",
    "snapshots.npz",
    "model.pt",
    "log.csv",
    "metrics.json",
    "provenance.json",
)
RESERVED_TABLES = ("cost", "identities")  # results/metrics/{name}.csv written by other steps
RUN_DIR = "results/runs/{experiment}/{data}/{relation}/{model}/{method}/{hparams}"
CF_CELL = "{data}/{relation}/{model}/{method}/{hparams}/k{k}"  # one closed-form job
CF_STEM = f"results/closed_form/{CF_CELL}/seed{{seed}}"
CF_CELL_STEM = "results/closed_form/{cell}/seed{seed}"


# ---------------------------------------------------------------------------------------------
# config checks (schema first, then what a schema cannot express)
# ---------------------------------------------------------------------------------------------
def config_schema_errors(cfg, schema_path):
    """Every schema violation as '  config key a.b[0]: message' (jsonschema's own words)."""
    import jsonschema
    import yaml

    schema = yaml.safe_load(Path(schema_path).read_text())
    validator = jsonschema.Draft202012Validator(schema)
    out = []
    for err in sorted(validator.iter_errors(cfg), key=lambda e: list(map(str, e.absolute_path))):
        key = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in err.absolute_path)
        out.append(f"  config key {key.lstrip('.') or '(top level)'}: {err.message}")
    return out


def config_semantic_errors(cfg):
    """An experiment naming an undefined dataset / relation / model, or a reserved name."""
    out = []
    for name, exp in cfg.get("experiments", {}).items():
        if name in RESERVED_TABLES or name.endswith("_trajectory"):
            out.append(
                f"  config key experiments.{name}: the name is reserved (results/metrics/"
                f"{name}.csv is another table); rename the experiment"
            )
        for field in ("datasets", "relations", "models"):
            defined = cfg.get(field, {})
            for item in exp.get(field, []):
                if item not in defined:
                    out.append(
                        f"  config key experiments.{name}.{field}: '{item}' is not defined "
                        f"under the top-level '{field}' (defined: {sorted(defined)})"
                    )
        if exp.get("faithfulness") and (
            set(exp.get("models", [])) != {"free"} or set(exp.get("datasets", [])) - {"swiss_roll"}
        ):
            out.append(
                f"  config key experiments.{name}.faithfulness: scores a free Z against manifold "
                "coordinates; needs models: [free] and datasets with coordinates (swiss_roll)"
            )
        t = {**cfg.get("training", {}), **exp.get("training", {})}
        if t.get("optimizer") == "lbfgs" and t.get("lr_schedule", "constant") != "constant":
            out.append(
                f"  config key experiments.{name}.training.lr_schedule: "
                f"'{t['lr_schedule']}' applies to adam and sgd; lbfgs sets its step by line "
                "search (set lr_schedule: constant for this experiment)"
            )
    return out


def resolve_device(setting):
    """spectral_ssl.device.resolve_device; 'cuda' without a GPU stops the workflow."""
    try:
        return _resolve_device(setting)
    except ConfigError as exc:
        raise WorkflowError(f"invalid configuration (nothing was run):\n  config key device: {exc}")


def cli_path_prefix(workflow):
    """Put the CLI next to the Python running Snakemake on PATH (a venv need not be active),
    unless jobs run in conda environments, which bring their own."""
    methods = {str(m).lower() for m in workflow.deployment_settings.deployment_method}
    bindir = Path(sys.executable).parent
    if any("conda" in m for m in methods) or not (bindir / "spectral-ssl").exists():
        return ""
    if shutil.which("spectral-ssl") == str(bindir / "spectral-ssl"):
        return ""
    return f'export PATH="{bindir}:$PATH"; '


# ---------------------------------------------------------------------------------------------
# formatting
# ---------------------------------------------------------------------------------------------
def hparam_grid(spec):
    """Cartesian product of a method's hyperparameter lists (keys sorted)."""
    keys = sorted(spec or {})
    combos = itertools.product(*(spec[k] for k in keys))
    return [dict(zip(keys, combo, strict=True)) for combo in combos]


def pairs(option, mapping):
    """--param a=1 --param b=2 (keys sorted, values readable)."""
    return " ".join(f"{option} {key}={fmt(mapping[key])}" for key in sorted(mapping or {}))


def data_id(dataset, n_samples=None):
    return dataset if n_samples is None else f"{dataset}-n{n_samples}"


def parse_data_id(data):
    """'synthetic-n64' -> ('synthetic', 64); 'digits' -> ('digits', None)."""
    dataset, sep, n = data.partition("-n")
    return dataset, (int(n) if sep else None)


# ---------------------------------------------------------------------------------------------
# the grid
# ---------------------------------------------------------------------------------------------
def training_settings(cfg, experiment):
    return {**cfg["training"], **cfg["experiments"][experiment].get("training", {})}


def expand_grid(cfg):
    """Every training cell, keyed (experiment, data, relation, model, method, hparams)."""
    runs = {}
    for name, exp in cfg["experiments"].items():
        train_cfg = training_settings(cfg, name)
        n_values = exp.get("n_samples") or [None]
        cells = itertools.product(
            exp["datasets"], n_values, exp["relations"], exp["models"], exp["methods"].items()
        )
        for dataset, n, relation, model, (method, spec) in cells:
            for hp in hparam_grid(spec):
                run = dict(
                    experiment=name,
                    data=data_id(dataset, n),
                    dataset=dataset,
                    n_samples=n,
                    relation=relation,
                    model=model,
                    method=method,
                    hparams=hp,
                    hparams_id=hparams_id(hp),
                    training=train_cfg,
                    closed_form=bool(exp.get("closed_form")) and model in CLOSED_FORM_MODELS,
                    supervised=bool(exp.get("supervised_reference")),
                    resample=exp.get("data", "resample") == "resample",
                    seeds=experiment_seeds(cfg, name),
                    probes=exp.get("probes") or {},
                    faithfulness=(exp.get("faithfulness") or {}).get("n_neighbors"),
                )
                runs[run_key(run)] = run
    return runs


def experiment_seeds(cfg, experiment):
    """The run seeds of one experiment: its own `seeds`, else the top-level `seeds`."""
    return [int(s) for s in cfg["experiments"][experiment].get("seeds") or cfg["seeds"]]


def seed_sets(cfg):
    """[(seeds, experiments)]: the experiments grouped by their run seeds, one train rule each
    (a rule's outputs are expanded over its seeds, so a seed list needs a rule of its own)."""
    groups = {}
    for name in cfg["experiments"]:
        groups.setdefault(tuple(experiment_seeds(cfg, name)), []).append(name)
    return sorted(groups.items(), key=lambda item: item[0] != tuple(map(int, cfg["seeds"])))


def run_key(run):
    return tuple(
        run[k] for k in ("experiment", "data", "relation", "model", "method", "hparams_id")
    )


def closed_form_cells(runs):
    """Distinct closed forms: (data, relation, model, method, hparams_id, k) -> run settings."""
    cells = {}
    for run in runs.values():
        if run["closed_form"]:
            cells.setdefault(closed_form_key(run), run)
    return cells


def supervised_cells(runs):
    """Distinct supervised references: (data, k) -> the run whose training settings (lr, steps)
    the cross-entropy MLP takes: an mlp run of that (data, k) where there is one."""
    cells = {}
    for run in runs.values():
        key = (run["data"], run["training"]["k"])
        if run["supervised"] and (key not in cells or run["model"] == "mlp" != cells[key]["model"]):
            cells[key] = run
    return cells


def closed_form_cell(run):
    """The closed-form cell id of a run: data/relation/model/method/hparams/kK (one job)."""
    return CF_CELL.format(**{**run, "hparams": run["hparams_id"], "k": run["training"]["k"]})


def closed_form_seed_sets(runs):
    """[(data seeds, cell ids)]: each closed-form cell with the data seeds its runs read (the
    union over the experiments sharing it), grouped by that seed list (one rule each)."""
    cf_runs = {k: run for k, run in runs.items() if run["closed_form"]}
    return seed_groups(data_side_seeds(cf_runs, closed_form_cell))


def closed_form_key(run):
    keys = ("data", "relation", "model", "method", "hparams_id")
    return (*(run[k] for k in keys), run["training"]["k"])


def run_of(wc):
    return RUNS[(wc.experiment, wc.data, wc.relation, wc.model, wc.method, wc.hparams)]


def faithfulness_cells(runs):
    """C18 reference cells: (data, relation, k) -> n_neighbors, for experiments that score it."""
    return {
        (run["data"], run["relation"], run["training"]["k"]): run["faithfulness"]
        for run in runs.values()
        if run["faithfulness"] is not None
    }


def faithfulness_path(data, relation, k, seed):
    return f"results/faithfulness/{data}/{relation}/k{k}/seed{seed}.json"


def data_seed_of(run, seed):
    """The data seed run seed `seed` of this cell reads (itself, or `data_seed` when fixed)."""
    return int(seed) if run["resample"] else int(config["data_seed"])


def data_seeds(run):
    """The distinct data seeds the cell's seeds read (all its seeds, or [data_seed])."""
    return sorted({data_seed_of(run, seed) for seed in run["seeds"]})


def seed_groups(seeds_of):
    """{key: data seeds} -> [(seeds, [keys])]: the keys grouped by their seed list, one rule each
    (a rule's outputs are expanded over its seeds, so a seed list needs a rule of its own)."""
    groups = {}
    for key, seeds in sorted(seeds_of.items()):
        groups.setdefault(tuple(sorted(seeds)), []).append(key)
    return sorted(groups.items())


def data_side_seeds(runs, key):
    """{key(run): every data seed the runs with that key read} (key: dataset, data id, ...)."""
    out = {}
    for run in runs.values():
        out.setdefault(key(run), set()).update(data_seeds(run))
    return out


def alternatives(values):
    """A wildcard regex admitting exactly these values."""
    return "|".join(re.escape(v) for v in values)


def relation_constraint(pairs):
    """The {data} regex of results/relations/{data}/seed{seed}/{relation}.* that admits exactly
    these (data, relation) pairs: each data id followed (lookahead) by one of its relations."""
    by_data = {}
    for data, relation in pairs:
        by_data.setdefault(data, []).append(relation)
    return "|".join(
        f"{re.escape(data)}(?=/seed[0-9]+/(?:{alternatives(rels)})\\.)"
        for data, rels in sorted(by_data.items())
    )


# ---------------------------------------------------------------------------------------------
# paths
# ---------------------------------------------------------------------------------------------
def dataset_path(dataset, seed):
    return f"results/data/{dataset}/seed{seed}.npz"


def dataset_of(wc):
    return dataset_path(parse_data_id(wc.data)[0], wc.seed)


def views_path(data, seed):
    return f"results/views/{data}/seed{seed}.npz"


def relation_path(data, relation, seed, suffix=".npz"):
    return f"results/relations/{data}/seed{seed}/{relation}{suffix}"


def baseline_path(dataset, seed):
    return f"results/baselines/{dataset}/seed{seed}.json"


def supervised_stem(run, seed):
    return f"results/supervised/{run['data']}/k{run['training']['k']}/seed{seed}"


def run_dir(run):
    return RUN_DIR.format(**{**run, "hparams": run["hparams_id"]})


def closed_form_stem(run, seed):
    return CF_STEM.format(
        **{**run, "hparams": run["hparams_id"], "k": run["training"]["k"], "seed": seed}
    )


def run_outputs(name, seeds):
    """One output per seed of a training job (the other wildcards stay)."""
    return expand(f"{RUN_DIR}/seed{{seed}}/{name}", seed=seeds, allow_missing=True)


def experiment_runs(experiment):
    return [run for run in RUNS.values() if run["experiment"] == experiment]


def all_relation_files():
    return sorted(
        {
            relation_path(run["data"], run["relation"], seed)
            for run in RUNS.values()
            for seed in data_seeds(run)
        }
    )


def metric_tables():
    """Every table figures and claims read (and nothing else: restyling never retrains)."""
    tables = [f"results/metrics/{name}{s}.csv" for name in EXPERIMENTS for s in ("", "_trajectory")]
    return tables + ["results/metrics/cost.csv", "results/metrics/identities.csv"]


def figure_files():
    return [f"results/figures/{name}.{ext}" for name in FIGURES for ext in ("png", "pdf")]


# ---------------------------------------------------------------------------------------------
# inputs of the rules that gather many files
# ---------------------------------------------------------------------------------------------
def train_files(run, seed):
    """The input files of one cell for one data seed (`seed` may be the text '{seed}')."""
    files = {
        "views": views_path(run["data"], seed),
        "relation": relation_path(run["data"], run["relation"], seed),
        "stats": relation_path(run["data"], run["relation"], seed, ".json"),
        "data": dataset_path(run["dataset"], seed),
    }
    if run["closed_form"]:
        files["closed_form"] = closed_form_stem(run, seed) + ".npz"
    if run["supervised"]:
        files["supervised_reference"] = supervised_stem(run, seed) + ".npz"
    return files


def train_inputs(wc):
    """Every data seed's inputs (one list per kind)."""
    run = run_of(wc)
    per_seed = [train_files(run, seed) for seed in data_seeds(run)]
    return {name: [files[name] for files in per_seed] for name in per_seed[0]}


def train_io(wc):
    """The input options of `spectral-ssl train`: templated with {seed} when the cell resamples
    the data (the CLI fills in each run seed), else the files of `data_seed` + --data-seed."""
    run = run_of(wc)
    if run["resample"]:
        files, fixed = train_files(run, "{seed}"), ""
    else:
        files, fixed = train_files(run, config["data_seed"]), f"--data-seed {config['data_seed']}"
    options = dict(
        views="--views",
        relation="--relation",
        stats="--relation-stats",
        data="--data",
        closed_form="--closed-form",
        supervised_reference="--supervised-reference",
    )
    return join(*(f"{options[name]} '{path}'" for name, path in files.items()), fixed)


def collect_inputs(wc):
    runs = experiment_runs(wc.experiment)
    closed = {
        closed_form_stem(run, seed) + ".json"
        for run in runs
        if run["closed_form"]
        for seed in data_seeds(run)
    }
    baselines = {baseline_path(run["dataset"], seed) for run in runs for seed in data_seeds(run)}
    baselines |= {
        supervised_stem(run, seed) + ".json"
        for run in runs
        if run["supervised"]
        for seed in data_seeds(run)
    }
    references = {
        faithfulness_path(run["data"], run["relation"], run["training"]["k"], seed)
        for run in runs
        if run["faithfulness"] is not None
        for seed in data_seeds(run)
    }
    return {
        "runs": [
            f"{run_dir(run)}/seed{seed}/metrics.json" for run in runs for seed in run["seeds"]
        ],
        "closed_forms": sorted(closed),
        "baselines": sorted(baselines),
        "references": sorted(references),
    }


# ---------------------------------------------------------------------------------------------
# command-line arguments of each step (params: a change reruns exactly the jobs it touches)
# ---------------------------------------------------------------------------------------------
def seeds_option(seeds):
    return f"--seeds {','.join(map(str, seeds))}"


def data_args(wc):
    ds = config["datasets"][wc.dataset]
    return join(
        seeds_option(DATASET_SEEDS[wc.dataset]),
        f"--dataset {wc.dataset} --test-fraction {fmt(ds['test_fraction'])}",
        pairs("--param", ds["params"]),
        f"--out '{dataset_path(wc.dataset, '{seed}')}'",
    )


def views_args(wc):
    dataset, n = parse_data_id(wc.data)
    ds = config["datasets"][dataset]
    return join(
        seeds_option(VIEWS_SEEDS[wc.data]),
        f"--data '{dataset_path(dataset, '{seed}')}' --n-views {ds['n_views']}",
        "" if n is None else f"--n-samples {n}",
        pairs("--param", ds["augment"]),
        f"--out '{views_path(wc.data, '{seed}')}'",
    )


def relation_args(wc):
    rel = config["relations"][wc.relation]
    return join(
        seeds_option(RELATION_SEEDS[(wc.data, wc.relation)]),
        f"--views '{views_path(wc.data, '{seed}')}' --kind {rel['kind']}",
        pairs("--param", rel.get("params", {})),
        f"--out '{relation_path(wc.data, wc.relation, '{seed}')}'",
        f"--stats '{relation_path(wc.data, wc.relation, '{seed}', '.json')}'",
    )


def baseline_args(wc):
    return join(
        seeds_option(DATASET_SEEDS[wc.dataset]),
        f"--data '{dataset_path(wc.dataset, '{seed}')}'",
        f"--out '{baseline_path(wc.dataset, '{seed}')}'",
        f"--tag dataset={wc.dataset} --tag data={wc.dataset}",
    )


def join(*parts):
    return " ".join(p for p in parts if p)


def run_tags(run):
    return join(
        f"--tag data={run['data']} --tag dataset={run['dataset']}",
        f"--tag relation={run['relation']} --tag hparams={run['hparams_id']}",
        "" if run["n_samples"] is None else f"--tag n_samples={run['n_samples']}",
    )


def train_args(wc):
    run = run_of(wc)
    t = run["training"]
    return join(
        f"--method {run['method']}",
        pairs("--hparam", run["hparams"]),
        f"--model {run['model']}",
        pairs("--model-param", config["models"][run["model"]]),
        f"--k {t['k']} --optimizer {t['optimizer']} --lr {fmt(t['lr'])}",
        f"--weight-decay {fmt(t['weight_decay'])} --steps {t['steps']}",
        "" if t["batch_size"] is None else f"--batch-size {t['batch_size']}",
        f"--snapshot-every {t['snapshot_every']}" if t["snapshot_every"] else "",
        f"--precision {t['precision']} --device {DEVICE}",
        convergence_args(t),
        f"--seeds {','.join(map(str, run['seeds']))}",
        probe_args(run["probes"]),
        f"--tag experiment={run['experiment']}",
        run_tags(run),
        "" if run["faithfulness"] is None else f"--faithfulness-neighbors {run['faithfulness']}",
    )


def probe_args(probes):
    """The extra probes of an experiment's `probes` setting (default: none)."""
    shots = probes.get("label_shots") or []
    return join(
        "--raw-probe" if probes.get("raw") else "",
        f"--label-shots {','.join(map(str, shots))}" if shots else "",
    )


def convergence_args(t):
    """The schedule and convergence options of train (defaults: the trainer's own)."""
    return join(
        f"--lr-schedule {t.get('lr_schedule', 'constant')}",
        "--stop-when-converged" if t.get("stop_when_converged") else "",
        f"--conv-window {t.get('conv_window', 20)} --conv-rtol {fmt(t.get('conv_rtol', 1e-4))}",
        f"--conv-grad-rtol {fmt(t.get('conv_grad_rtol', 1e-3))}",
    )


def supervised_args(wc):
    run = SUPERVISED[(wc.data, int(wc.k))]
    t = run["training"]
    return join(
        f"--k {wc.k} --steps {t['steps']} --lr {fmt(t['lr'])} --seed {wc.seed}",
        pairs("--model-param", config["models"]["mlp"]),
        f"--tag data={run['data']} --tag dataset={run['dataset']}",
        "" if run["n_samples"] is None else f"--tag n_samples={run['n_samples']}",
    )


def closed_form_args(wc):
    """Every option of one cell's closed-form job; the paths hold {seed} (the CLI fills in each
    data seed of --seeds)."""
    run = CLOSED_FORM_BY_CELL[wc.cell]
    seeds = CLOSED_FORM_SEEDS[wc.cell]
    files = train_files({**run, "closed_form": False, "supervised": False}, "{seed}")
    stem = closed_form_stem(run, "{seed}")
    return join(
        f"--views '{files['views']}' --relation '{files['relation']}' --data '{files['data']}'",
        f"--method {run['method']}",
        pairs("--hparam", run["hparams"]),
        f"--model {run['model']} --k {run['training']['k']}",
        f"--seeds {','.join(map(str, seeds))}",
        run_tags(run),
        f"--summary '{stem}.json' --out '{stem}.npz'",
    )


def closed_form_inputs(wc):
    """The views, G and dataset of every data seed of the cell (one list per kind)."""
    run = CLOSED_FORM_BY_CELL[wc.cell]
    files = [train_files({**run, "closed_form": False, "supervised": False}, seed)
             for seed in CLOSED_FORM_SEEDS[wc.cell]]  # fmt: skip
    return {name: [f[name] for f in files] for name in ("views", "relation", "data")}


def faithfulness_args(wc):
    n = FAITHFULNESS[(wc.data, wc.relation, int(wc.k))]
    return join(
        f"--k {wc.k} --n-neighbors {n} --seed {wc.seed}",
        f"--tag data={wc.data} --tag dataset={parse_data_id(wc.data)[0]}",
        f"--tag relation={wc.relation} --tag hparams=default",
    )


def cost_args(cfg):
    c = cfg["cost"]
    return (
        f"--methods {','.join(c['methods'])} "
        f"--n-values {','.join(map(str, c['n_values']))} "
        f"--k-values {','.join(map(str, c['k_values']))} "
        f"--fixed-n {c['fixed_n']} --fixed-k {c['fixed_k']} --repeats {c['repeats']} "
        f"--device {DEVICE}"
    )


def write_config(path, cfg):
    import yaml

    Path(path).write_text(yaml.safe_dump(cfg, sort_keys=False))
