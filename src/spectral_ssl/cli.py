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


def cmd_train(args: argparse.Namespace) -> None:
    import torch

    from .data import load_dataset
    from .io import save_npz, save_text
    from .models import embed
    from .provenance import now
    from .relations import load_relation
    from .training import TrainConfig, config_dict, train
    from .views import load_views

    started = now()
    config = TrainConfig(
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
        seed=args.seed,
        device=args.device,
        precision=args.precision,
        snapshot_every=args.snapshot_every,
    )
    config.validate()
    views = load_views(args.views)
    edges, n_nodes, weights = load_relation(args.relation)
    if n_nodes != views.x.shape[0]:
        raise ConfigError(
            f"{args.relation} has {n_nodes} nodes but {args.views} has {views.x.shape[0]} rows"
        )
    result = train(
        views.x, edges, config, source=views.source, weights=weights, progress=sys.stderr.isatty()
    )

    out = Path(args.out_dir)
    arrays: dict[str, Any] = {
        "z_views": result.snapshots[-1] if len(result.snapshots) else embed_rows(result, views.x),
        "y_views": views.y,
        "nuisance_views": views.nuisance,
    }
    inputs = [args.views, args.relation]
    if args.data and getattr(result.model, "supports_out_of_sample", True):
        train_ds, test_ds = load_dataset(args.data)
        arrays.update(
            z_train=embed(result.model, train_ds.x),
            y_train=train_ds.y,
            z_test=embed(result.model, test_ds.x),
            y_test=test_ds.y,
        )
        inputs.append(args.data)
    if config.model == "linear":
        arrays["weight"] = result.model.weight.detach().to("cpu", torch.float64).numpy()
    save_npz(out / "embeddings.npz", **arrays)
    save_npz(out / "snapshots.npz", steps=result.snapshot_steps, z=result.snapshots)
    state = {k: v.detach().cpu() for k, v in result.model.state_dict().items()}
    from .io import atomic_path

    with atomic_path(out / "model.pt", suffix=".pt") as tmp:
        torch.save(state, tmp)
    save_text(out / "log.csv", result.log.to_csv(index=False))
    outputs = [out / name for name in ("embeddings.npz", "snapshots.npz", "model.pt", "log.csv")]
    record(
        outputs,
        inputs,
        config_dict(config),
        out / "provenance.json",
        device=result.device,
        started=started,
        wall_time_s=result.wall_time_s,
    )


def embed_rows(result: Any, x: np.ndarray) -> np.ndarray:
    from .models import embed

    if getattr(result.model, "supports_out_of_sample", True):
        return embed(result.model, x)
    return embed(result.model, None)


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
        metrics.update(
            embedding_metrics(
                arrays["z_train"], arrays["y_train"], arrays["z_test"], arrays["y_test"]
            )
        )
    log = (run / "log.csv").read_text().strip().splitlines()
    header, last = log[0].split(","), log[-1].split(",")
    metrics.update(
        {
            f"final_{k}": float(v)
            for k, v in zip(header, last, strict=True)
            if k not in ("step", "time_s")
        }
    )
    metrics["wall_time_s"] = prov.get("wall_time_s")
    metrics["device"] = prov.get("device", {}).get("device")
    save_json(args.out, {"run_dir": str(run), **prov["config"], **metrics})


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
    p.add_argument("--device", default="auto", help="auto | cpu | cuda")
    p.add_argument("--precision", default="fp32", help="fp32 | fp64 | bf16")
    p.add_argument("--snapshot-every", type=int, default=0, help="keep Z every S steps")
    p.add_argument("--out-dir", required=True)

    p = add("evaluate", cmd_evaluate, "probe accuracy, ranks and final loss of a run (JSON)")
    p.add_argument("--run-dir", required=True)
    p.add_argument("--out", required=True)

    p = add("show", cmd_show, "list the arrays of .npz artifacts")
    p.add_argument("paths", nargs="+")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    start = time.perf_counter()
    try:
        args.func(args)
    except SpectralSSLError as exc:
        print(f"spectral-ssl {args.command}: error: {exc}", file=sys.stderr)
        return 2
    print(
        f"spectral-ssl {args.command}: done in {time.perf_counter() - start:.1f} s", file=sys.stderr
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
