"""Command-line interface: one subcommand per pipeline step, each reading and writing files.

    spectral-ssl data      --dataset digits --out results/data/digits.npz
    spectral-ssl views     --data results/data/digits.npz --n-views 2 --out results/views/digits.npz
    spectral-ssl relation  --views results/views/digits.npz --kind view_pairs --out G.npz
    spectral-ssl train     --views ... --relation ... --data ... --method vicreg --out-dir RUN
    spectral-ssl evaluate  --run-dir RUN --out RUN/metrics.json

Every artifact gets a provenance record (``<artifact>.provenance.json`` or ``provenance.json``
in a run folder) with its SHA-256, the SHA-256 of its inputs, the config, code version,
package versions and device. Errors the user can fix print one line and exit with status 2.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .errors import ConfigError, SpectralSSLError

PROVENANCE_SUFFIX = ".provenance.json"


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------
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


def sha256(path: str | os.PathLike) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def provenance_path(artifact: str | os.PathLike) -> Path:
    p = Path(artifact)
    return p.with_name(p.name.rsplit(".", 1)[0] + PROVENANCE_SUFFIX)


def record(
    outputs: Sequence[str | os.PathLike],
    inputs: Sequence[str | os.PathLike],
    config: dict[str, Any],
    where: str | os.PathLike,
    *,
    device: str | None = None,
    started: str | None = None,
    **extra: Any,
) -> None:
    """Write the provenance record ``where`` for ``outputs`` computed from ``inputs``."""
    try:
        _write_record(outputs, inputs, config, where, device, started, extra)
    except BaseException:
        for path in outputs:  # an artifact without its record must not stay behind
            Path(path).unlink(missing_ok=True)
        raise


def _write_record(outputs, inputs, config, where, device, started, extra) -> None:
    from .io import save_json
    from .provenance import now, provenance

    save_json(
        where,
        provenance(
            config,
            device=device,
            outputs={str(p): sha256(p) for p in outputs},
            inputs={str(p): sha256(p) for p in inputs},
            started_at=started,
            finished_at=now(),
            **extra,
        ),
    )


# --------------------------------------------------------------------------------------------
# steps
# --------------------------------------------------------------------------------------------
def cmd_data(args: argparse.Namespace) -> None:
    from .data import make_dataset, save_dataset, train_test_split
    from .provenance import now

    started = now()
    params = parse_pairs(args.param, "--param")
    ds = make_dataset(args.dataset, seed=args.seed, **params)
    train, test = train_test_split(ds, test_fraction=args.test_fraction, seed=args.seed)
    save_dataset(args.out, train, test)
    config = {
        "step": "data",
        "dataset": args.dataset,
        "seed": args.seed,
        "test_fraction": args.test_fraction,
        "params": params,
    }
    record([args.out], [], config, provenance_path(args.out), started=started)


def cmd_views(args: argparse.Namespace) -> None:
    from .data import load_dataset, subsample
    from .provenance import now
    from .views import make_views, save_views

    started = now()
    params = parse_pairs(args.param, "--param")
    train, _ = load_dataset(args.data)
    if args.n_samples is not None:
        train = subsample(train, args.n_samples, seed=args.seed)
    views = make_views(train, args.n_views, seed=args.seed, **params)
    save_views(args.out, views)
    config = {
        "step": "views",
        "n_views": args.n_views,
        "n_samples": args.n_samples,
        "seed": args.seed,
        "params": params,
    }
    record([args.out], [args.data], config, provenance_path(args.out), started=started)


RELATION_KINDS = ("view_pairs", "labels", "nuisance", "knn", "random")


def build_relation(kind: str, views: Any, params: dict[str, Any]) -> np.ndarray:
    """Edges of G on the view rows for one relation kind (see ``relations``)."""
    from . import relations

    def take(*allowed: str) -> dict[str, Any]:
        unknown = sorted(set(params) - set(allowed))
        if unknown:
            raise ConfigError(
                f"unknown parameter(s) {unknown} for relation '{kind}' (valid: {list(allowed)})"
            )
        return params

    n = views.x.shape[0]
    if kind == "view_pairs":
        take()
        return relations.view_pairs(views.n_samples, views.n_views)
    if kind == "labels":
        return relations.label_graph(views.y, **take("positives_per_row", "seed"))
    if kind == "nuisance":
        return relations.label_graph(views.nuisance, **take("positives_per_row", "seed"))
    if kind == "knn":
        return relations.knn_graph(views.x, **take("n_neighbors"))
    if kind == "random":
        return relations.random_graph(n, **take("mean_degree", "seed"))
    raise ConfigError(f"unknown relation kind '{kind}' (valid: {list(RELATION_KINDS)})")


def cmd_relation(args: argparse.Namespace) -> None:
    from .io import save_json
    from .provenance import now
    from .relations import relation_stats, save_relation
    from .views import load_views

    started = now()
    params = parse_pairs(args.param, "--param")
    views = load_views(args.views)
    n = views.x.shape[0]
    edges = build_relation(args.kind, views, params)
    stats = {
        "kind": args.kind,
        "params": params,
        **relation_stats(edges, n, labels=views.y, nuisance=views.nuisance),
    }
    save_relation(args.out, edges, n)
    if args.stats:
        save_json(args.stats, stats)
    config = {"step": "relation", "kind": args.kind, "params": params}
    record(
        [args.out], [args.views], config, provenance_path(args.out), started=started, stats=stats
    )


def parse_seeds(text: str) -> list[int]:
    """'0,1,2' -> [0, 1, 2]."""
    try:
        seeds = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise ConfigError(f"--seeds expects comma-separated integers, got '{text}'") from None
    if not seeds:
        raise ConfigError("--seeds is empty")
    return seeds


def cmd_train(args: argparse.Namespace) -> None:
    from .data import load_dataset
    from .experiments import read_relation_stats
    from .io import load_npz
    from .relations import load_relation
    from .training import TrainConfig
    from .views import load_views

    seeds = parse_seeds(args.seeds) if args.seeds else [args.seed]
    if len(seeds) > 1 and "{seed}" not in args.out_dir:
        raise ConfigError("--out-dir must contain '{seed}' when several --seeds are given")
    base = TrainConfig(
        method=args.method,
        hparams=parse_pairs(args.hparam, "--hparam"),
        model=args.model,
        model_params=parse_pairs(args.model_param, "--model-param"),
        k=args.k,
        optimizer=args.optimizer,
        lr=args.lr,
        weight_decay=args.weight_decay,
        steps=args.steps,
        batch_size=args.batch_size,
        device=args.device,
        precision=args.precision,
        snapshot_every=args.snapshot_every,
    )
    base.validate()
    views = load_views(args.views)
    edges, n_nodes, weights = load_relation(args.relation)
    if n_nodes != views.x.shape[0]:
        raise ConfigError(
            f"{args.relation} has {n_nodes} nodes but {args.views} has {views.x.shape[0]} rows"
        )
    data = load_dataset(args.data) if args.data else None
    closed = load_npz(args.closed_form) if args.closed_form else None
    context = {
        "tags": label_tags(parse_pairs(args.tag, "--tag")),
        "relation_stats": read_relation_stats(args.relation_stats),
        "inputs": [p for p in (args.views, args.relation, args.data, args.closed_form,
                               args.relation_stats) if p],
    }  # fmt: skip
    for seed in seeds:
        config = TrainConfig(**{**base.__dict__, "seed": seed})
        run_dir = Path(args.out_dir.format(seed=seed))
        train_one(config, views, edges, weights, data, closed, context, run_dir)


def label_tags(tags: dict[str, Any]) -> dict[str, Any]:
    """A ``hparams`` tag is the configured label (as in run paths), kept as ``hparams_label``;
    the ``hparams`` field itself holds the resolved dictionary."""
    tags = dict(tags)
    if "hparams" in tags:
        tags["hparams_label"] = str(tags.pop("hparams"))
    return tags


def train_one(config, views, edges, weights, data, closed, context, run_dir: Path) -> None:
    """Train one seed and write its run folder; a diverged run leaves a 'failed' metrics.json."""
    import torch

    from .errors import TrainingDivergedError
    from .experiments import failed_record, run_metrics
    from .io import atomic_path, save_json, save_npz, save_text
    from .models import embed
    from .provenance import now
    from .training import config_dict, train

    started = now()
    tags = context["tags"]
    try:
        result = train(views.x, edges, config, source=views.source, weights=weights,
                       progress=sys.stderr.isatty())  # fmt: skip
    except TrainingDivergedError as exc:
        failed = failed_record(tags, config_dict(config), str(run_dir), str(exc))
        save_json(run_dir / "metrics.json", failed)
        for name in ("embeddings.npz", "snapshots.npz", "model.pt", "log.csv"):
            (run_dir / name).unlink(missing_ok=True)
        record([run_dir / "metrics.json"], context["inputs"], config_dict(config),
               run_dir / "provenance.json", device=config.device, started=started,
               error=str(exc))  # fmt: skip
        print(f"spectral-ssl train: run failed: {exc}", file=sys.stderr)
        return
    out_of_sample = getattr(result.model, "supports_out_of_sample", True)
    arrays: dict[str, Any] = {
        "z_views": embed(result.model, views.x if out_of_sample else None),
        "y_views": views.y,
        "nuisance_views": views.nuisance,
    }
    if data is not None and out_of_sample:
        train_ds, test_ds = data
        arrays.update(
            z_train=embed(result.model, train_ds.x), y_train=train_ds.y,
            z_test=embed(result.model, test_ds.x), y_test=test_ds.y,
        )  # fmt: skip
    if config.model == "linear":
        arrays["weight"] = result.model.weight.detach().to("cpu", torch.float64).numpy()
    save_npz(run_dir / "embeddings.npz", **arrays)
    save_npz(run_dir / "snapshots.npz", steps=result.snapshot_steps, z=result.snapshots)
    with atomic_path(run_dir / "model.pt", suffix=".pt") as tmp:
        torch.save({k: v.detach().cpu() for k, v in result.model.state_dict().items()}, tmp)
    save_text(run_dir / "log.csv", result.log.to_csv(index=False))
    metrics = run_metrics(config, result, arrays, views, edges, weights, closed)
    save_json(run_dir / "metrics.json",
              {**tags, "run_dir": str(run_dir), **config_dict(config), **metrics,
               "relation_stats": context["relation_stats"], "status": "ok"})  # fmt: skip
    outputs = [run_dir / n for n in ("embeddings.npz", "snapshots.npz", "model.pt", "log.csv",
                                     "metrics.json")]  # fmt: skip
    record(outputs, context["inputs"], config_dict(config), run_dir / "provenance.json",
           device=result.device, started=started, wall_time_s=result.wall_time_s)  # fmt: skip


def cmd_evaluate(args: argparse.Namespace) -> None:
    from .evaluation import effective_rank, embedding_metrics, numerical_rank
    from .io import load_json, load_npz, save_json

    run = Path(args.run_dir)
    arrays = load_npz(run / "embeddings.npz", required=("z_views",))
    prov = load_json(run / "provenance.json")
    metrics: dict[str, Any] = {
        "views_numerical_rank": numerical_rank(arrays["z_views"]),
        "views_effective_rank": effective_rank(arrays["z_views"]),
    }
    if "z_train" in arrays:
        metrics.update(embedding_metrics(arrays["z_train"], arrays["y_train"],
                                         arrays["z_test"], arrays["y_test"]))  # fmt: skip
    save_json(args.out, {"run_dir": str(run), **prov["config"], **metrics})


def cmd_closed_form(args: argparse.Namespace) -> None:
    from . import closed_form
    from .data import load_dataset
    from .evaluation import linear_probe
    from .experiments import reference_solution
    from .io import save_json
    from .methods import twin_of
    from .provenance import now
    from .relations import load_relation
    from .training import METHODS as TRAIN_METHODS
    from .training import TrainConfig
    from .views import load_views

    started = now()
    hparams = parse_pairs(args.hparam, "--hparam")
    if args.method in TRAIN_METHODS:  # an SSL method: its spectral twin for this model
        twin = twin_of(args.method, args.model)
        if twin is None:
            raise ConfigError(
                f"no closed form for method '{args.method}' with model '{args.model}'"
            )
        hparams = TrainConfig(method=args.method, hparams=hparams).resolved_hparams()
    elif args.method in closed_form.METHODS or args.method == "components":
        twin = args.method
    else:
        raise ConfigError(
            f"unknown method '{args.method}' (SSL methods: {sorted(TRAIN_METHODS)}; "
            f"closed forms: {sorted([*closed_form.METHODS, 'components'])})"
        )
    views = load_views(args.views)
    edges, n_nodes, weights = load_relation(args.relation)
    if n_nodes != views.x.shape[0]:
        raise ConfigError(f"{args.relation} has {n_nodes} nodes but {args.views} has "
                          f"{views.x.shape[0]} rows")  # fmt: skip
    cf, reference, containing = reference_solution(twin, views.x, edges, n_nodes, args.k,
                                                   hparams, weights)  # fmt: skip
    closed_form.save_closed_form(args.out, cf, reference, containing)
    outputs, inputs = [args.out], [args.views, args.relation]
    if args.summary:
        summary: dict[str, Any] = {
            **label_tags(parse_pairs(args.tag, "--tag")),
            "hparams": hparams, "method": closed_form.twin_label(twin),
            "cf_method": twin, "model": args.model, "k": args.k, "seed": 0, "status": "ok",
            "cf_predicted_rank": cf.predicted_rank, "cf_containing": containing,
            "eigenvalues": [float(v) for v in np.asarray(cf.eigenvalues)[: args.k]],
        }  # fmt: skip
        if cf.weights is not None and args.data:
            train_ds, test_ds = load_dataset(args.data)
            probe = linear_probe(train_ds.x @ cf.weights, train_ds.y,
                                 test_ds.x @ cf.weights, test_ds.y)  # fmt: skip
            summary["probe_train_accuracy"] = probe["train_accuracy"]
            summary["probe_test_accuracy"] = probe["test_accuracy"]
            inputs.append(args.data)
        save_json(args.summary, summary)
        outputs.append(args.summary)
    config = {"step": "closed-form", "method": args.method, "twin": twin, "model": args.model,
              "k": args.k, "hparams": hparams}  # fmt: skip
    record(outputs, inputs, config, provenance_path(args.out), started=started)


def cmd_baseline(args: argparse.Namespace) -> None:
    from .data import load_dataset
    from .evaluation import supervised_baseline, whitened_probe
    from .io import save_json
    from .provenance import now

    started = now()
    train_ds, test_ds = load_dataset(args.data)
    tags = parse_pairs(args.tag, "--tag")
    rows = []
    for method, fn in (("supervised", supervised_baseline), ("whitened", whitened_probe)):
        acc = fn(train_ds.x, train_ds.y, test_ds.x, test_ds.y)
        rows.append({**tags, "method": method, "model": "linear", "seed": 0,
                     "probe_train_accuracy": acc["train_accuracy"],
                     "probe_test_accuracy": acc["test_accuracy"], "status": "ok"})  # fmt: skip
    save_json(args.out, rows)
    record([args.out], [args.data], {"step": "baseline", "tags": tags},
           provenance_path(args.out), started=started)  # fmt: skip


def cmd_collect(args: argparse.Namespace) -> None:
    from .experiments import collect
    from .io import save_text

    table, trajectory = collect(args.inputs)
    save_text(args.out, table.to_csv(index=False))
    outputs = [args.out]
    if args.trajectory_out:
        save_text(args.trajectory_out, trajectory.to_csv(index=False))
        outputs.append(args.trajectory_out)
    record(outputs, args.inputs, {"step": "collect"}, provenance_path(args.out))


def cmd_cost(args: argparse.Namespace) -> None:
    from .experiments import loss_cost
    from .io import save_text
    from .training import resolve_device

    table = loss_cost(
        args.methods.split(","),
        [int(v) for v in args.n_values.split(",")],
        [int(v) for v in args.k_values.split(",")],
        fixed_n=args.fixed_n, fixed_k=args.fixed_k, repeats=args.repeats,
        device=resolve_device(args.device),
    )  # fmt: skip
    save_text(args.out, table.to_csv(index=False))
    config = {"step": "cost", **{k: v for k, v in vars(args).items() if k not in ("func", "out")}}
    record([args.out], [], config, provenance_path(args.out), device=resolve_device(args.device))


def cmd_identities(args: argparse.Namespace) -> None:
    from .experiments import identities
    from .io import save_text

    save_text(args.out, identities(seed=args.seed).to_csv(index=False))
    record([args.out], [], {"step": "identities", "seed": args.seed}, provenance_path(args.out))


def cmd_figures(args: argparse.Namespace) -> None:
    from .figures import main_figures

    rank_rtol = None
    if args.config is not None:
        from .claims import read_thresholds

        rank_rtol = read_thresholds(args.config)["rank_rtol"]
    for path in main_figures(args.metrics_dir, args.out_dir, rank_rtol):
        print(path)


def cmd_claims(args: argparse.Namespace) -> None:
    from .claims import main_claims
    from .provenance import now

    started = now()
    main_claims(args.metrics_dir, args.config, args.out_md, args.out_csv)
    tables = sorted(Path(args.metrics_dir).glob("*.csv"))
    record([args.out_md, args.out_csv], [*tables, args.config], {"step": "claims"},
           provenance_path(args.out_csv), started=started)  # fmt: skip


def cmd_audit(args: argparse.Namespace) -> int:
    from .audit import main_audit

    return main_audit(args.results_dir)


def cmd_show(args: argparse.Namespace) -> None:
    from .io import load_npz

    for path in args.paths:
        arrays = load_npz(path)
        print(path)
        for key, value in arrays.items():
            print(f"  {key}: {value.dtype} {value.shape}")
        prov = provenance_path(path)
        if prov.is_file():
            print(f"  provenance: {prov}")


# --------------------------------------------------------------------------------------------
# parser
# --------------------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="spectral-ssl", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    def add(name: str, func: Callable[[argparse.Namespace], None], help_: str):
        p = sub.add_parser(name, help=help_, description=help_)
        p.set_defaults(func=func)
        return p

    p = add("data", cmd_data, "generate a dataset and its train/test split (.npz)")
    p.add_argument("--dataset", required=True, help="digits | synthetic | swiss_roll")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--test-fraction", type=float, default=0.25)
    p.add_argument("--param", action="append", metavar="KEY=VALUE", help="dataset parameter")
    p.add_argument("--out", required=True)

    p = add("views", cmd_views, "augmented views of the training set, stacked view-major")
    p.add_argument("--data", required=True)
    p.add_argument("--n-views", type=int, default=2)
    p.add_argument(
        "--n-samples",
        type=int,
        default=None,
        help="stratified subsample of N' source samples first (low-data regime)",
    )
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--param", action="append", metavar="KEY=VALUE", help="augmentation parameter")
    p.add_argument("--out", required=True)

    p = add("relation", cmd_relation, "build the relation graph G on the view rows")
    p.add_argument("--views", required=True)
    p.add_argument("--kind", required=True, choices=RELATION_KINDS)
    p.add_argument("--param", action="append", metavar="KEY=VALUE", help="builder parameter")
    p.add_argument("--out", required=True)
    p.add_argument("--stats", help="also write G's statistics (JSON)")

    p = add("train", cmd_train, "train one SSL method on views and G")
    p.add_argument("--views", required=True)
    p.add_argument("--relation", required=True)
    p.add_argument("--data", help="dataset .npz: embed its clean train/test sets after training")
    p.add_argument("--method", required=True)
    p.add_argument("--hparam", action="append", metavar="KEY=VALUE", help="loss hyperparameter")
    p.add_argument("--model", default="mlp", help="free | linear | mlp")
    p.add_argument("--model-param", action="append", metavar="KEY=VALUE")
    p.add_argument("--k", type=int, default=32, help="embedding dimension K")
    p.add_argument("--optimizer", default="adam", help="adam | sgd | lbfgs")
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--weight-decay", type=float, default=0.0)
    p.add_argument("--steps", type=int, default=300)
    p.add_argument("--batch-size", type=int, default=None, help="source samples per batch")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--seeds", help="comma-separated seeds trained one after the other")
    p.add_argument("--device", default="auto", help="auto | cpu | cuda")
    p.add_argument("--precision", default="fp32", help="fp32 | fp64 | bf16")
    p.add_argument("--snapshot-every", type=int, default=0, help="keep Z every S steps")
    p.add_argument("--closed-form", help="closed-form .npz to compare the learned solution with")
    p.add_argument("--relation-stats", help="relation statistics JSON, copied into metrics")
    p.add_argument("--tag", action="append", metavar="KEY=VALUE", help="label kept in metrics")
    p.add_argument("--out-dir", required=True, help="run folder; may contain {seed}")

    p = add("evaluate", cmd_evaluate, "probe accuracy, ranks and final loss of a run (JSON)")
    p.add_argument("--run-dir", required=True)
    p.add_argument("--out", required=True)

    p = add("closed-form", cmd_closed_form, "closed-form optimum (Z* or W*) for a method and G")
    p.add_argument("--views", required=True)
    p.add_argument("--relation", required=True)
    p.add_argument("--data", help="dataset .npz: probe the linear twin X W* on it")
    p.add_argument("--method", required=True,
                   help="an SSL method (its twin is chosen with --model) or a closed form: "
                        "vicreg_sq, vicreg_sq_linear, spectral_contrastive, "
                        "spectral_contrastive_linear, barlow_twins_linear, laplacian_eigenmaps, "
                        "mds, components")  # fmt: skip
    p.add_argument("--model", default="free", help="free | linear")
    p.add_argument("--k", type=int, required=True)
    p.add_argument("--hparam", action="append", metavar="KEY=VALUE")
    p.add_argument("--tag", action="append", metavar="KEY=VALUE", help="label kept in the summary")
    p.add_argument("--summary", help="also write a JSON summary (eigenvalues, twin probe)")
    p.add_argument("--out", required=True)

    p = add("baseline", cmd_baseline, "supervised probe on raw X and on whitened X (JSON)")
    p.add_argument("--data", required=True)
    p.add_argument("--tag", action="append", metavar="KEY=VALUE")
    p.add_argument("--out", required=True)

    p = add("collect", cmd_collect, "gather metrics JSON files into one tidy CSV table")
    p.add_argument("inputs", nargs="+")
    p.add_argument("--out", required=True)
    p.add_argument("--trajectory-out", help="also write the angle-vs-step rows")

    p = add("cost", cmd_cost, "time each loss (forward + backward) vs N and K")
    p.add_argument("--methods", default="vicreg,simclr,barlow_twins")
    p.add_argument("--n-values", default="512,1024,2048,4096")
    p.add_argument("--k-values", default="16,32,64,128")
    p.add_argument("--fixed-n", type=int, default=2048)
    p.add_argument("--fixed-k", type=int, default=64)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--device", default="auto")
    p.add_argument("--out", required=True)

    p = add("identities", cmd_identities, "check the exact identities C1, C6, C10, C15")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", required=True)

    p = add("figures", cmd_figures, "draw every figure from the metric tables")
    p.add_argument("--metrics-dir", required=True)
    p.add_argument("--out-dir", required=True)
    p.add_argument("--config", help="config.yaml: adds the rank at claims.rank_rtol")

    p = add("claims", cmd_claims, "compute the claims report from the metric tables")
    p.add_argument("--metrics-dir", required=True)
    p.add_argument("--config", required=True)
    p.add_argument("--out-md", required=True)
    p.add_argument("--out-csv", required=True)

    p = add("audit", cmd_audit, "verify every artifact against its provenance record (SHA-256)")
    p.add_argument("results_dir", nargs="?", default="results")

    p = add("show", cmd_show, "list the arrays of .npz artifacts")
    p.add_argument("paths", nargs="+")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    start = time.perf_counter()
    try:
        status = args.func(args) or 0
    except SpectralSSLError as exc:
        print(f"spectral-ssl {args.command}: error: {exc}", file=sys.stderr)
        return 2
    print(
        f"spectral-ssl {args.command}: done in {time.perf_counter() - start:.1f} s", file=sys.stderr
    )
    return status


if __name__ == "__main__":
    sys.exit(main())
