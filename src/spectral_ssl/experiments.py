"""Experiment-level glue for the pipeline: per-run metrics, closed-form comparison, tidy tables,
loss cost timings and the exact identities (C1, C6, C10, C15).

The CLI calls these functions; each returns plain dicts or DataFrames so that every number in a
table can be traced back to one function here.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

# re-exported: the hinge VICReg diagonal-solution metrics live in their own module
from .diagonal import hinge_diagonal_metrics  # noqa: F401
from .errors import ConfigError
from .io import load_json
from .labels import hparams_label
from .methods import get_method, twin_of

KEY_COLUMNS = (
    "experiment", "data", "dataset", "n_samples", "relation", "model", "method", "hparams",
    "alpha", "beta", "gamma", "tau", "seed", "data_seed", "k", "status",
)  # fmt: skip
# baseline rows (probes on raw / whitened X), the supervised references of C11
# (supervised.REFERENCE_MODELS); closed-form rows are "twin:*"
REFERENCE_METHODS = ("supervised", "whitened", "lda", "class_indicators", "supervised_mlp")
# Columns collect adds to every run row: the reference of the same data draw (data_seed).
REFERENCE_COLUMNS = {
    "ref_supervised_test_accuracy": "supervised",
    "ref_whitened_test_accuracy": "whitened",
    "ref_twin_test_accuracy": "twin",
}
HPARAM_COLUMNS = ("alpha", "beta", "gamma", "tau")


# --------------------------------------------------------------------------------------------
# comparison of a learned solution with its closed form
# --------------------------------------------------------------------------------------------


def reference_solution(
    twin: str,
    x: np.ndarray | None,
    edges: np.ndarray,
    n_nodes: int,
    k: int,
    hparams: dict[str, Any],
    weights: np.ndarray | None = None,
) -> tuple[Any, np.ndarray, bool]:
    """(ClosedForm, reference basis, containing) for one closed form.

    The reference basis is what learned solutions are compared with. When the K-th eigenvalue
    is tied with the next one (e.g. the V-view graph, whose Laplacian has huge multiplicities)
    the K columns of Z* are one arbitrary choice inside a larger eigenspace; the basis is then
    that whole eigenspace and ``containing`` is True: a learned Z is aligned when it lies
    inside it. For SimCLR / BarlowTwins (free Z) the reference is the span of the component
    indicators of G, which contains every optimum (rank <= min(K, components)).
    """
    from . import closed_form

    if twin == "components":
        cs = closed_form.component_structure(edges, n_nodes)
        basis = (cs.labels[:, None] == np.arange(cs.n_components)[None, :]).astype(np.float64)
        cf = closed_form.ClosedForm(
            "components", cs.sizes.astype(np.float64), cs.rank_bound(k),
            embedding=basis, metadata={"method": "components", "n_components": cs.n_components},
        )  # fmt: skip
        return cf, basis, True
    required = closed_form.METHODS[twin][0]
    missing = [name for name in required if name not in hparams]
    if missing:
        raise ConfigError(f"closed form '{twin}' needs the hyperparameters {missing}")
    hp = {name: hparams[name] for name in required}
    cf = closed_form.compute(twin, x, edges, n_nodes, k, weights=weights, **hp)
    if cf.weights is not None:
        return cf, cf.weights, False
    meta = cf.metadata
    if not meta.get("degenerate_cut"):
        return cf, cf.embedding, False
    full = int(meta["n_below_cut"]) + int(meta["cut_multiplicity"])
    spectrum = (
        closed_form.laplacian_spectrum(edges, n_nodes, min(full, n_nodes - 1), weights=weights)
        if twin == "vicreg_sq"
        else closed_form.adjacency_spectrum(edges, n_nodes, min(full, n_nodes), weights=weights)
    )
    return cf, spectrum.vectors, True


def compare_with_closed_form(
    learned: np.ndarray, reference: np.ndarray, *, centre: bool, containing: bool = False
) -> dict[str, float]:
    """Principal angles between col(learned) and col(reference), with both numerical ranks.

    For an exact reference the angles are padded with 90 degrees up to the larger rank, so a
    rank-deficient learned Z never looks aligned. For a containing reference (a whole
    eigenspace) the K angles measure how far col(learned) is from lying inside it.
    """
    from .subspaces import compare_subspaces

    cmp = compare_subspaces(learned, reference, centre=centre)
    angles = np.asarray(cmp.angles if containing else cmp.angles_padded, dtype=np.float64)
    return {
        "angle_max_deg": float(angles.max()) if angles.size else float("nan"),
        "angle_mean_deg": float(angles.mean()) if angles.size else float("nan"),
        "learned_rank": int(cmp.rank_a),
        "cf_rank": int(cmp.rank_b),
        "projector_distance": float(cmp.projector_distance),
    }


def run_metrics(
    config: Any,
    result: Any,
    arrays: dict[str, np.ndarray],
    views: Any,
    edges: np.ndarray,
    weights: np.ndarray | None,
    closed: dict[str, np.ndarray] | None,
    data_seed: int | None = None,
    probes: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Everything measured on one trained run: probe, ranks, final loss terms, closed form, and
    whether it converged (``converged`` + the ``conv_*`` fields of ``TrainResult``).

    ``data_seed`` (default: the run seed) seeds the probe's validation split, which is part of
    the data draw; on a free Z the split keeps all views of one source sample together.
    ``probes`` (an experiment's ``probes`` setting) adds ``probes.raw_probe_metrics`` when
    ``raw`` and ``probes.few_label_metrics`` for ``label_shots`` (runs with a test set).
    """
    from .evaluation import effective_rank, embedding_metrics, numerical_rank

    val_seed = int(config.seed if data_seed is None else data_seed)

    z_views = arrays["z_views"]
    metrics: dict[str, Any] = {
        "views_numerical_rank": numerical_rank(z_views),
        "views_effective_rank": effective_rank(z_views),
        "wall_time_s": result.wall_time_s,
        "device": result.device,
        "n_samples": views.n_samples,
    }
    if hasattr(result, "convergence_metrics"):
        metrics.update(result.convergence_metrics())
    if "z_train" in arrays:
        metrics.update(embedding_metrics(arrays["z_train"], arrays["y_train"],
                                         arrays["z_test"], arrays["y_test"],
                                         val_seed=val_seed))  # fmt: skip
        metrics.update(extra_probe_metrics(arrays, probes or {}, val_seed))
    else:  # free Z: ranks of the training rows only; views of one source stay together
        source = getattr(views, "source", None)
        if source is None:  # row r = v * N' + n is view v of source sample n
            source = np.arange(np.shape(z_views)[0]) % views.n_samples
        metrics.update(embedding_metrics(z_views, views.y, val_seed=val_seed, groups=source))
        metrics.update(uncentred_spectrum(z_views))
    last = result.log.iloc[-1]
    for column in result.log.columns:
        if column not in ("step", "time_s", "lr"):
            metrics[f"final_{column}"] = float(last[column])
    if closed is not None:
        metrics.update(_closed_form_metrics(config, result, arrays, edges, weights, closed))
    elif config.model == "free" and config.method == "vicreg":  # C16 needs no closed-form step
        metrics.update(hinge_diagonal_metrics(config, result, arrays, edges, weights))
    graph = getattr(result, "graph", None)
    if graph is not None:  # nnclr: the refresh record of G_t (first / last, and every refresh)
        metrics.update(graph.summary())
        metrics["trajectory"] = [*metrics.get("trajectory", []), *graph.history]
    return metrics


def extra_probe_metrics(arrays: dict[str, np.ndarray], probes: dict[str, Any],
                        val_seed: int) -> dict[str, Any]:  # fmt: skip
    """The raw / kNN-validation and few-label probes an experiment asks for (C13)."""
    from .probes import few_label_metrics, raw_probe_metrics

    data = (arrays["z_train"], arrays["y_train"], arrays["z_test"], arrays["y_test"])
    out = raw_probe_metrics(*data, val_seed=val_seed) if probes.get("raw") else {}
    if probes.get("label_shots"):
        out.update(few_label_metrics(*data, probes["label_shots"], val_seed=val_seed))
    return out


def uncentred_spectrum(z: np.ndarray, n_singular: int = 64) -> dict[str, float]:
    """``usv_rel_1 ..``: s_i / s_1 of the **uncentred** Z (free Z; BarlowTwins' rank bound of
    C5 is on the uncentred Z, docs/theory.md 3.8); NaN beyond min(N, K)."""
    from .evaluation import singular_values

    s = singular_values(z, centre=False)
    rel = s / s[0] if s.size and s[0] > 0 else np.zeros_like(s)
    n = min(int(np.shape(z)[1]), n_singular)
    return {f"usv_rel_{i + 1}": float(rel[i]) if i < rel.size else math.nan for i in range(n)}


def _closed_form_metrics(config, result, arrays, edges, weights, closed) -> dict[str, Any]:
    import torch

    free = config.model == "free"
    learned = arrays["z_views"] if free else arrays["weight"]
    reference, containing = closed["reference"], bool(closed["containing"])
    if free and config.method == "simclr":
        learned = loss_view(learned)
    out: dict[str, Any] = {
        "cf_method": str(closed["method"]),
        "cf_predicted_rank": int(closed["predicted_rank"]),
        "cf_containing": containing,
        **compare_with_closed_form(learned, reference, centre=free, containing=containing),
    }
    if not free and out["cf_method"] == "barlow_twins_linear":
        out.update(_cca_rank_aware(arrays, edges, weights, closed))
    if free and out["cf_method"] == "components":  # C2: rank-aware containment (theta_r)
        from .subspaces import containment_angle, leading_angles

        theta = leading_angles(learned, reference, centre=True)
        out.update({f"ind_angle_{r + 1}": float(t) for r, t in enumerate(theta[:64])})
        # is G's top eigenspace (the centred indicator span) inside col(centred Z)? Invariant
        # to rescaling Z's columns (BarlowTwins' loss is), unlike Z's "leading" directions
        out["ind_contains_deg"] = containment_angle(reference, learned, centre=True)
    if free and len(result.snapshot_steps):
        out["trajectory"] = [
            {"step": int(step), **{k: v for k, v in compare_with_closed_form(
                z, reference, centre=True, containing=containing).items()
                if k.startswith("angle")}}
            for step, z in zip(result.snapshot_steps,
                               map(loss_view, result.snapshots) if config.method == "simclr"
                               else result.snapshots, strict=True)
        ]  # fmt: skip
    # loss at Z*: only where Z* is the exact minimiser of the trained loss (free Z)
    if (
        free
        and get_method(config.method).exact_twin
        and twin_of(config.method, "free") == out["cf_method"]
    ):
        spec = get_method(config.method)
        with torch.no_grad():
            z_star = torch.as_tensor(closed["embedding"], dtype=torch.float64)
            loss_cf = float(spec.loss(z_star, edges, weights=weights, **result.hparams))
        out["loss_at_cf"] = loss_cf
        out["loss_gap_rel"] = relative_gap(
            float(result.log["loss"].iloc[-1]), loss_cf, float(result.log["loss"].iloc[0])
        )
    if free and config.method == "vicreg":
        out.update(hinge_diagonal_metrics(config, result, arrays, edges, weights))
    if free and "scales" in closed and config.method == "vicreg_sq":
        from .evaluation import singular_values

        s = singular_values(arrays["z_views"])[: config.k] / math.sqrt(len(arrays["z_views"]) - 1)
        q = np.sort(np.asarray(closed["scales"], dtype=np.float64))[::-1]
        out["sv_rel_error"] = float(np.max(np.abs(s[: q.size] - q)) / max(q.max(), 1e-300))
    return out


def _cca_rank_aware(arrays, edges, weights, closed) -> dict[str, Any]:
    """C9's rank-aware columns (``rank_aware``) and the closed form's gap after the K-cut."""
    import json

    from .rank_aware import rank_aware_angles
    from .relations import degree

    meta = json.loads(str(closed["metadata_json"])) if "metadata_json" in closed else {}
    gaps = meta.get("gaps_rel") or []
    z = arrays["z_views"]
    out = rank_aware_angles(arrays["weight"], z, degree(np.asarray(edges), len(z), weights),
                            closed["weights"], gaps)  # fmt: skip
    out["cf_gap_rel"] = out.get(f"cf_gap_rel_r{closed['weights'].shape[1]}", float("nan"))
    return out


def loss_view(z: np.ndarray) -> np.ndarray:
    """Free-Z SimCLR's Z as its loss sees it: rows L2-normalised (Z_hat, docs/theory.md 2.3).

    The loss is invariant to positive row scales, so a free Z keeps its initial row norms (the
    gradient is orthogonal to each row) and col(Z) = D col(Z_hat) depends on them; only
    col(Z_hat) is determined by training, and it is what is compared with the indicators."""
    z = np.asarray(z, dtype=np.float64)
    return z / np.maximum(np.linalg.norm(z, axis=1, keepdims=True), 1e-300)


def relative_gap(final: float, minimum: float, initial: float) -> float:
    """(L - L*) / |L*|, or (L - L*) / (L_0 - L*) when the minimum L* is ~0.

    The VICReg surrogate's minimum is exactly 0 when K null-space vectors exist (e.g. the
    V-view graph), where a gap relative to |L*| is meaningless; the gap is then measured as the
    fraction of the initial gap L_0 - L* that training left.
    """
    scale = abs(minimum)
    if scale <= 1e-9 * max(abs(initial), 1e-300):
        scale = abs(initial - minimum)
    return (final - minimum) / scale if scale > 0 else 0.0


# --------------------------------------------------------------------------------------------
# tables
# --------------------------------------------------------------------------------------------
def flatten_run(record: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """One metrics.json -> (table row, trajectory rows). Hyperparameters become columns."""
    row = {k: v for k, v in record.items() if not isinstance(v, dict | list)}
    hparams = record.get("hparams") or {}
    label = record.get("hparams_label")  # the configured string, as in the run's path
    row.pop("hparams_label", None)
    row["hparams"] = label or (hparams_label(hparams) if isinstance(hparams, dict) else hparams)
    for name, value in (hparams if isinstance(hparams, dict) else {}).items():
        row[name] = value
    for name, value in (record.get("relation_stats") or {}).items():
        if not isinstance(value, dict | list):
            row[f"g_{name}"] = value
    row.setdefault("status", "ok")
    keys = {k: row.get(k) for k in KEY_COLUMNS}
    trajectory = [{**keys, **point} for point in record.get("trajectory") or []]
    return row, trajectory


def collect(paths: Iterable[str | Path]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Tidy tables (runs, trajectories) from metrics JSON files, key columns first.

    A file holds one run (a dict) or several reference rows (a list, e.g. baselines).
    """
    rows, trajectories = [], []
    for path in paths:
        content = load_json(path)
        for record in content if isinstance(content, list) else [content]:
            row, traj = flatten_run(record)
            rows.append(row)
            trajectories.extend(traj)
    table = pd.DataFrame(rows)
    for column in KEY_COLUMNS:
        if column not in table:
            table[column] = np.nan
    front = list(KEY_COLUMNS)
    table = table[front + [c for c in table.columns if c not in front]]
    sort = [c for c in ("data", "relation", "model", "method", "hparams", "seed") if c in table]
    table = table.sort_values(sort, kind="stable").reset_index(drop=True)
    return attach_references(table), pd.DataFrame(trajectories)


def is_reference(method: Any) -> bool:
    """A reference row (probe on raw / whitened X, closed-form twin, C18's ``ref:*``
    embeddings), not a trained run."""
    return isinstance(method, str) and (
        method in REFERENCE_METHODS or method.startswith(("twin:", "ref:"))
    )


def attach_references(table: pd.DataFrame) -> pd.DataFrame:
    """Give every run row the probe test accuracy of the references of ITS data draw.

    ``ref_supervised_test_accuracy`` / ``ref_whitened_test_accuracy``: the baseline rows of the
    same (dataset, data_seed); ``ref_twin_test_accuracy``: the closed-form twin of the same
    (data, relation, model, hparams, k, data_seed) (a linear twin's probe on X W*; empty for a
    free Z). Reference rows keep their own values; a missing reference leaves the cell empty.
    """
    if table.empty or "method" not in table:
        return table

    def key(row: pd.Series, fields: tuple[str, ...]) -> tuple:
        return tuple(str(row.get(f)) if f != "data_seed" else _int_or_none(row.get(f))
                     for f in fields)  # fmt: skip

    by_dataset = ("dataset", "data_seed")
    by_cell = ("data", "relation", "model", "hparams", "k", "data_seed")
    accuracy = table.get("probe_test_accuracy", pd.Series(np.nan, index=table.index))
    found: dict[tuple, float] = {}
    for i, row in table.iterrows():
        method = row["method"]
        if method in REFERENCE_METHODS:
            found[(method, *key(row, by_dataset))] = accuracy[i]
        elif isinstance(method, str) and method.startswith("twin:"):
            found[("twin", *key(row, by_cell))] = accuracy[i]
    runs = ~table["method"].map(is_reference)
    for column, ref in REFERENCE_COLUMNS.items():
        fields = by_cell if ref == "twin" else by_dataset
        table[column] = [
            found.get((ref, *key(row, fields)), np.nan) if is_run else np.nan
            for is_run, (_, row) in zip(runs, table.iterrows(), strict=True)
        ]
    return table


def _int_or_none(value: Any) -> int | None:
    try:
        return None if value is None or pd.isna(value) else int(value)
    except (TypeError, ValueError):
        return None


def failed_record(tags: dict[str, Any], config: dict[str, Any], run_dir: str, error: str) -> dict:
    """metrics.json content for a run that diverged: kept in the tables with status 'failed'.

    ``config`` is the run's config (method, model, k, hyperparameters, seed, ...).
    """
    return {**tags, "run_dir": run_dir, **config, "status": "failed", "error": error}


# --------------------------------------------------------------------------------------------
# cost (C17)
# --------------------------------------------------------------------------------------------
def loss_cost(
    methods: Sequence[str],
    n_values: Sequence[int],
    k_values: Sequence[int],
    *,
    fixed_n: int,
    fixed_k: int,
    repeats: int = 5,
    device: str = "cpu",
    seed: int = 0,
) -> pd.DataFrame:
    """Wall time (ms) of one forward + backward of each loss, V = 2 views, vs N and vs K.

    Every repeat times a fresh random Z (independent repeats for the cost-model fit of C17);
    one unrecorded warm-up call per (method, size) comes first."""
    import torch

    from .relations import view_pairs

    rows = []
    grid = [("n", n, fixed_k) for n in n_values] + [("k", fixed_n, k) for k in k_values]
    gen = torch.Generator().manual_seed(seed)
    for method in methods:
        spec = get_method(method)
        for vary, n, k in grid:
            edges = torch.as_tensor(view_pairs(n // 2, 2), device=device)
            for rep in range(repeats + 1):  # the first call warms up and is not recorded
                z = torch.randn(n // 2 * 2, k, generator=gen).to(device).requires_grad_(True)
                _sync(device)
                start = time.perf_counter()
                spec.loss(z, edges, **spec.defaults).backward()
                _sync(device)
                if rep:
                    rows.append({"method": method, "n": n, "k": k, "vary": vary, "repeat": rep,
                                 "time_ms": 1e3 * (time.perf_counter() - start)})  # fmt: skip
    return pd.DataFrame(rows)


def _sync(device: str) -> None:
    if device.startswith("cuda"):
        import torch

        torch.cuda.synchronize()


def read_relation_stats(path: str | Path | None) -> dict[str, Any]:
    """The JSON statistics of a relation (or {} when no path is given)."""
    return load_json(path) if path else {}
