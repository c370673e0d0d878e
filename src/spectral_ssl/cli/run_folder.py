"""The run folder one training seed writes, and how it is written.

    embeddings.npz  z_views, y_views, nuisance_views (+ z_train, y_train, z_test, y_test; weight)
    snapshots.npz   steps, z (Z of the training rows during training)
    model.pt        the model's state dict
    log.csv         every step's loss terms
    metrics.json    tags, config, metrics (experiments.run_metrics), status "ok"
    provenance.json the record of all five (SHA-256, inputs, config, device, wall time)

A diverged run leaves only metrics.json (status "failed", the error) and its record.
``spectral-ssl evaluate`` adds evaluation.json with its own record, evaluation.provenance.json.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from ..errors import ConfigError, SpectralSSLError
from ..provenance import record

RUN_FILES = ("embeddings.npz", "snapshots.npz", "model.pt", "log.csv", "metrics.json")
RUN_RECORD = "provenance.json"
EVALUATION_FILE = "evaluation.json"


def refuse_foreign_artifact(out: Path, step: str, suggestion: Path) -> None:
    """ConfigError unless ``out`` is new or was written by ``step`` (its record says so).

    A step overwriting another step's artifact would make ``spectral-ssl audit`` report it as
    modified (the record's SHA-256 no longer matches) and lose what that step wrote.
    """
    from ..io import load_json
    from ..provenance import PROVENANCE_SUFFIX, provenance_path

    hint = f"; write to a file of its own, e.g. --out {suggestion}"
    if out.name in (*RUN_FILES, RUN_RECORD) or out.name.endswith(PROVENANCE_SUFFIX):
        raise ConfigError(f"--out {out} is a file of a run folder or a provenance record{hint}")
    if not out.exists():
        return
    prov = provenance_path(out)
    try:
        owner = load_json(prov).get("config", {}).get("step") if prov.is_file() else None
    except SpectralSSLError:
        owner = None
    if owner != step:
        raise ConfigError(f"--out {out} exists and was not written by '{step}' "
                          f"(its record {prov}: {owner or 'none'}){hint}")  # fmt: skip


def train_one(config, views, edges, weights, data, closed, context, run_dir: Path) -> None:
    """Train one seed and write its run folder; a diverged run leaves a 'failed' metrics.json."""
    import torch

    from ..errors import TrainingDivergedError
    from ..experiments import failed_record, run_metrics
    from ..io import atomic_path, save_json, save_npz, save_text
    from ..models import embed
    from ..provenance import now
    from ..training import config_dict, train

    started = now()
    tags = context["tags"]
    try:
        result = train(views.x, edges, config, source=views.source, weights=weights,
                       labels=views.y, progress=sys.stderr.isatty())  # fmt: skip
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
    metrics = run_metrics(config, result, arrays, views, edges, weights, closed,
                          data_seed=tags.get("data_seed"),
                          probes=context.get("probes"))  # fmt: skip
    if context.get("supervised_reference") is not None:
        from ..supervised import reference_angle_metrics

        metrics.update(reference_angle_metrics(config.model, arrays,
                                               context["supervised_reference"]))  # fmt: skip
    if context.get("faithfulness_neighbors") is not None:
        from ..faithfulness import run_faithfulness

        n = int(context["faithfulness_neighbors"])
        metrics.update(run_faithfulness(arrays["z_views"], views, data[0] if data else None, n,
                                        config.method), faithfulness_neighbors=n)  # fmt: skip
    save_json(run_dir / "metrics.json",
              {**tags, "run_dir": str(run_dir), **config_dict(config), **metrics,
               "relation_stats": context["relation_stats"], "status": "ok"})  # fmt: skip
    outputs = [run_dir / n for n in ("embeddings.npz", "snapshots.npz", "model.pt", "log.csv",
                                     "metrics.json")]  # fmt: skip
    record(outputs, context["inputs"], config_dict(config), run_dir / "provenance.json",
           device=result.device, started=started, wall_time_s=result.wall_time_s)  # fmt: skip
