"""One trainer for every method of the registry (``methods``): loss + default hyperparameters.

Full batch or mini-batch; a mini-batch samples *source* samples and takes all their views, then
restricts G to those rows, so positive pairs stay together. Seeds are fixed, the device is
recorded, every step's loss terms are logged, and a NaN/Inf stops the run with a message naming
the method, hyperparameters, step and term.

Every run is judged by the convergence criterion of ``convergence`` (loss plateau over a window
of steps; for full-batch runs also ||grad|| at the end relative to the start, both measured on
the full batch outside the optimisation). ``steps`` is a maximum when ``stop_when_converged``:
the run stops at the first step where the criterion holds. Adam and SGD take an optional
learning-rate schedule (``lr_schedule``: ``constant`` or ``cosine``, which decays from ``lr``
to ~0 at the last of ``steps``); L-BFGS keeps its line search and no schedule.
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch

from . import convergence as conv
from . import nearest_neighbour_graph as nn_graph
from .device import resolve_device  # noqa: F401  (re-exported)
from .errors import ConfigError, DataError, TrainingDivergedError
from .methods import METHODS, Method, get_method, resolve_hparams  # noqa: F401  (re-exported)
from .models import build_model
from .relations import restrict, validate_edges
from .stationarity import scale_blocks, scale_free_norm

OPTIMIZERS = ("adam", "sgd", "lbfgs")
LR_SCHEDULES = ("constant", "cosine")
PRECISIONS = {"fp32": torch.float32, "fp64": torch.float64, "bf16": torch.float32}


@dataclass
class TrainConfig:
    """Everything that determines a training run (stored in its provenance record)."""

    method: str
    hparams: dict[str, Any] = field(default_factory=dict)
    model: str = "mlp"
    model_params: dict[str, Any] = field(default_factory=dict)
    k: int = 32
    optimizer: str = "adam"
    lr: float = 1e-3
    weight_decay: float = 0.0
    steps: int = 300
    batch_size: int | None = None
    seed: int = 0
    device: str = "auto"
    precision: str = "fp32"
    snapshot_every: int = 0
    lr_schedule: str = "constant"
    stop_when_converged: bool = False
    conv_window: int = conv.DEFAULT_WINDOW
    conv_rtol: float = conv.DEFAULT_RTOL
    conv_grad_rtol: float = conv.DEFAULT_GRAD_RTOL

    def resolved_hparams(self) -> dict[str, Any]:
        """Method defaults overridden by ``hparams``, validated (``methods.resolve_hparams``)."""
        return resolve_hparams(self.method, self.hparams)

    def validate(self) -> None:
        self.resolved_hparams()
        if self.k < 1:
            raise ConfigError(f"k (embedding dimension) must be >= 1, got {self.k}")
        if self.optimizer not in OPTIMIZERS:
            raise ConfigError(f"unknown optimizer '{self.optimizer}' (valid: {list(OPTIMIZERS)})")
        if self.precision not in PRECISIONS:
            raise ConfigError(f"unknown precision '{self.precision}' (valid: {list(PRECISIONS)})")
        if self.steps < 1:
            raise ConfigError(f"steps must be >= 1, got {self.steps}")
        if not self.lr > 0:
            raise ConfigError(f"lr must be > 0, got {self.lr}")
        if self.batch_size is not None and self.batch_size < 1:
            raise ConfigError(f"batch_size must be >= 1 or null, got {self.batch_size}")
        if self.snapshot_every < 0:
            raise ConfigError(f"snapshot_every must be >= 0, got {self.snapshot_every}")
        if self.lr_schedule not in LR_SCHEDULES:
            raise ConfigError(
                f"unknown lr_schedule '{self.lr_schedule}' (valid: {list(LR_SCHEDULES)})"
            )
        if self.lr_schedule != "constant" and self.optimizer == "lbfgs":
            raise ConfigError(
                f"lr_schedule '{self.lr_schedule}' applies to adam and sgd; lbfgs sets its step "
                "by line search (use lr_schedule: constant)"
            )
        if self.conv_window < 1:
            raise ConfigError(f"conv_window must be >= 1, got {self.conv_window}")
        for name in ("conv_rtol", "conv_grad_rtol"):
            if not getattr(self, name) > 0:
                raise ConfigError(f"{name} must be > 0, got {getattr(self, name)}")


@dataclass
class TrainResult:
    model: torch.nn.Module
    log: pd.DataFrame
    device: str
    wall_time_s: float
    hparams: dict[str, Any]
    snapshot_steps: np.ndarray
    snapshots: np.ndarray  # (n_snapshots, N, K): Z of the training rows during training
    convergence: conv.Convergence | None = None
    steps_run: int = 0  # optimisation steps taken (< config.steps after an early stop)
    stopped_early: bool = False  # stop_when_converged ended the run before config.steps
    grad_norm_initial: float = math.nan  # full-batch ||grad|| at initialisation (NaN: mini-batch)
    grad_norm_final: float = math.nan  # ... at the final parameters
    graph: nn_graph.NeighbourGraph | None = None  # nnclr: G_t and its refresh record

    def convergence_metrics(self) -> dict[str, Any]:
        """``converged`` and the ``conv_*`` fields of metrics.json (criterion and its numbers)."""
        if self.convergence is None:
            return {}
        return {
            **self.convergence.as_metrics(),
            "conv_steps": self.steps_run,
            "conv_stopped_early": self.stopped_early,
            "conv_grad_initial": self.grad_norm_initial,
            "conv_grad_final": self.grad_norm_final,
        }


def train(
    x: np.ndarray,
    edges: np.ndarray,
    config: TrainConfig,
    *,
    source: np.ndarray | None = None,
    weights: np.ndarray | None = None,
    labels: np.ndarray | None = None,
    progress: bool = False,
) -> TrainResult:
    """Fit ``config.model`` on inputs ``x`` (N x D) with relation ``edges`` on the N rows.

    ``source[r]`` is the source sample of row r (views of one sample share it); mini-batches
    draw ``batch_size`` source samples and keep all their rows. Without ``source`` every row is
    its own source. nnclr rebuilds G from Z (``nearest_neighbour_graph``); ``labels`` feed its log.
    """
    config.validate()
    hp = config.resolved_hparams()
    x = np.asarray(x)
    if x.ndim != 2 or x.shape[0] < 2:
        raise DataError(f"training inputs must be a 2-D array with >= 2 rows, got shape {x.shape}")
    if not np.all(np.isfinite(x)):
        raise DataError(f"training inputs contain {int(np.sum(~np.isfinite(x)))} NaN/Inf values")
    n_rows = x.shape[0]
    method = get_method(config.method)
    edges = validate_edges(edges, n_rows, weights, require_degree=method.needs_degree)
    device = resolve_device(config.device)
    dtype = PRECISIONS[config.precision]

    torch.manual_seed(config.seed)
    rng = np.random.default_rng(config.seed)
    model = build_model(
        config.model, d_in=x.shape[1], n_rows=n_rows, k=config.k, **config.model_params
    )
    model = model.to(device=device, dtype=dtype)
    x_t = torch.as_tensor(x, dtype=dtype, device=device)
    batches = _Batches(edges, weights, n_rows, source, config.batch_size, rng, device, dtype)
    optimizer = _make_optimizer(config, model.parameters())
    graph = nn_graph.for_method(method, hp, edges, n_rows, source=source, labels=labels,
                                weights=weights)  # fmt: skip
    if graph is not None:  # G_0, before the initial gradient is measured on it
        batches.set_edges(graph.refresh(0, _embed_rows(model, x_t)))

    rows: list[dict[str, float]] = []
    snapshots: list[tuple[int, np.ndarray]] = []
    model.train()
    grad_norm = partial(_full_batch_grad_norm, model, optimizer, method, config, hp, x_t, batches)
    grad_initial = grad_norm(0)
    start = time.perf_counter()
    steps = range(config.steps)
    if progress:
        from tqdm.auto import tqdm

        steps = tqdm(steps, desc=f"{config.method}", leave=False)
    stopper = _EarlyStop(config, grad_initial, grad_norm)
    for step in steps:
        _test_block(config.seed, step)
        if config.snapshot_every and step % config.snapshot_every == 0:
            snapshots.append((step, _embed_rows(model, x_t)))
        if graph is not None and step and graph.due(step):
            batches.set_edges(graph.refresh(step, _embed_rows(model, x_t)))
        index, batch_edges, batch_weights = batches.next()
        lr = _scheduled_lr(config, step)
        for group in optimizer.param_groups:
            group["lr"] = lr
        record: dict[str, Any] = {}
        closure = partial(
            _forward_backward, model, optimizer, method, config, hp, step,
            x_t[index], index, batch_edges, batch_weights, record,
        )  # fmt: skip

        if config.optimizer == "lbfgs":
            optimizer.step(closure)
        else:
            closure()
            _check_gradients(config, hp, step, model)
            optimizer.step()
        rows.append(
            {
                "step": step,
                **{k: float(v) for k, v in record.items()},
                "lr": lr,
                "time_s": time.perf_counter() - start,
            }
        )
        if stopper.done(rows, step):
            break
    wall = time.perf_counter() - start
    steps_run = len(rows)
    if config.snapshot_every:
        snapshots.append((steps_run, _embed_rows(model, x_t)))
    log = pd.DataFrame(rows)
    grad_final = stopper.grad_final if stopper.stopped else grad_norm(steps_run)
    verdict = conv.assess(
        log["loss"].to_numpy(), grad_initial=grad_initial, grad_final=grad_final,
        window=config.conv_window, rtol=config.conv_rtol, grad_rtol=config.conv_grad_rtol,
    )  # fmt: skip
    model.eval()
    k = config.k
    return TrainResult(
        model,
        log,
        device,
        wall,
        hp,
        np.array([s for s, _ in snapshots], dtype=np.int64),
        np.stack([z for _, z in snapshots]) if snapshots else np.zeros((0, n_rows, k)),
        convergence=verdict,
        steps_run=steps_run,
        stopped_early=stopper.stopped and steps_run < config.steps,
        grad_norm_initial=grad_initial,
        grad_norm_final=grad_final,
        graph=graph,
    )


def _scheduled_lr(config: TrainConfig, step: int) -> float:
    """The learning rate of ``step`` (0-based) of at most ``config.steps``.

    cosine: lr (1 + cos(pi step / steps)) / 2, i.e. lr at step 0 and lr pi^2 / (4 steps^2) ~ 0
    at the last step (no step is wasted at exactly 0).
    """
    if config.lr_schedule == "cosine":
        return config.lr * 0.5 * (1.0 + math.cos(math.pi * step / config.steps))
    return config.lr


class _EarlyStop:
    """``stop_when_converged``: stop at the first step where the criterion holds.

    The loss plateau is tested after every step (two window means, scaled by the loss range seen
    so far, as ``convergence.assess`` scales it on the whole curve); only when it holds is the
    full-batch gradient measured (one extra forward + backward), and after a failed gradient
    test the next one waits ``conv_window`` steps.
    """

    def __init__(self, config: TrainConfig, grad_initial: float, grad_norm) -> None:
        self.config, self.grad_initial, self.grad_norm = config, grad_initial, grad_norm
        self.next_check = 2 * config.conv_window
        self.low, self.high = math.inf, -math.inf
        self.stopped = False
        self.grad_final = math.nan

    def done(self, rows: list[dict[str, float]], step: int) -> bool:
        c = self.config
        if not c.stop_when_converged:
            return False
        value = rows[-1]["loss"]
        if math.isfinite(value):
            self.low, self.high = min(self.low, value), max(self.high, value)
        n = step + 1
        if n < self.next_check or n >= c.steps:
            return False
        tail = [r["loss"] for r in rows[-2 * c.conv_window :]]
        if not conv.loss_plateau(tail, c.conv_window, span=self.high - self.low) < c.conv_rtol:
            return False
        grad = self.grad_norm(n)
        ratio = conv.grad_ratio(self.grad_initial, grad)
        if math.isfinite(ratio) and not ratio < c.conv_grad_rtol:
            self.next_check = n + c.conv_window
            return False
        self.stopped, self.grad_final = True, grad
        return True


def _full_batch_grad_norm(model, optimizer, method, config, hp, x_t, batches, step) -> float:
    """||grad of the loss|| on the full batch at the current parameters (NaN for mini-batches);
    for hinge VICReg the norm of its minimum-norm subgradient (``stationarity``: the gradient
    autograd returns on the hinge's kink is one subgradient, not a stationarity measure); for
    losses invariant to the scale of Z's rows or columns (SimCLR, NNCLR, BarlowTwins) on a free
    or linear model, the scale-free norm (``stationarity.scale_free_norm``).

    Outside the optimisation: the gradients are cleared afterwards and the batch-norm running
    statistics restored, so measuring does not change the trajectory or the trained model.
    """
    if not batches.full:
        return math.nan
    buffers = {name: b.clone() for name, b in model.named_buffers()}
    index, edges, weights = batches.cached
    _forward_backward(model, optimizer, method, config, hp, step, x_t[index], index, edges,
                      weights, {})  # fmt: skip
    grads = [p.grad.detach().double().pow(2).sum() for p in model.parameters()
             if p.grad is not None]  # fmt: skip
    norm = float(torch.stack(grads).sum().sqrt()) if grads else 0.0
    blocks = scale_blocks(method.scale_invariant, config.model)
    if blocks is not None:  # free / linear: one 2-D parameter (z or weight)
        (param,) = list(model.parameters())
        norm = scale_free_norm(param, param.grad, blocks)
    optimizer.zero_grad(set_to_none=True)
    if method.loss_name == "vicreg_loss":  # a kink: the min-norm subgradient (stationarity.py)
        from .stationarity import stationarity_norm

        norm = stationarity_norm(method.loss_name, lambda: model(x_t[index], index),
                                 list(model.parameters()), edges, weights, hp)  # fmt: skip
    with torch.no_grad():
        for name, b in model.named_buffers():
            b.copy_(buffers[name])
    return norm


TEST_BLOCK_ENV = "SPECTRAL_SSL_TEST_BLOCK"


def _test_block(seed: int, step: int) -> None:
    """Test-only fault injection, inert unless ``SPECTRAL_SSL_TEST_BLOCK="SEED:STEP:DIR"`` is set.

    The run of seed SEED, on reaching step STEP, writes ``DIR/blocked`` (atomically: seed, step,
    pid) and waits until ``DIR/release`` exists, so that a test can kill a run mid-training on
    an event instead of guessing how fast this machine trains.
    """
    spec = os.environ.get(TEST_BLOCK_ENV)
    if not spec:
        return
    want_seed, want_step, folder = spec.split(":", 2)
    if int(want_seed) != seed or int(want_step) != step:
        return
    folder_path = Path(folder)
    tmp = folder_path / f".blocked.{os.getpid()}"
    tmp.write_text(f"{seed} {step} {os.getpid()}\n")
    os.replace(tmp, folder_path / "blocked")
    while not (folder_path / "release").exists():
        time.sleep(0.05)


@torch.no_grad()
def _embed_rows(model: torch.nn.Module, x_t: torch.Tensor) -> np.ndarray:
    """Z of all training rows (eval mode, restored afterwards) as float64 numpy."""
    was_training = model.training
    model.eval()
    z = model(x_t, torch.arange(x_t.shape[0], device=x_t.device))
    model.train(was_training)
    return z.to("cpu", torch.float64).numpy()


def _forward_backward(
    model, optimizer, method, config, hp, step, x, index, edges, weights, record
) -> torch.Tensor:
    """One loss evaluation and backward pass (the closure L-BFGS may call several times)."""
    optimizer.zero_grad(set_to_none=True)
    device_type = x.device.type
    with torch.autocast(device_type=device_type, dtype=torch.bfloat16,
                        enabled=config.precision == "bf16"):  # fmt: skip
        z = model(x, index)
    if config.precision == "bf16":
        z = z.float()
    loss, terms = method.loss(z, edges, weights=weights, return_terms=True, **hp)
    _check_finite(config, hp, step, loss, terms)
    loss.backward()
    record["loss"] = loss.detach()
    record.update({k: v.detach() for k, v in terms.items()})
    return loss


def _make_optimizer(config: TrainConfig, params) -> torch.optim.Optimizer:
    if config.optimizer == "adam":
        return torch.optim.Adam(params, lr=config.lr, weight_decay=config.weight_decay)
    if config.optimizer == "sgd":
        return torch.optim.SGD(params, lr=config.lr, momentum=0.9, weight_decay=config.weight_decay)
    return torch.optim.LBFGS(params, lr=config.lr, max_iter=20, line_search_fn="strong_wolfe")


def _describe(config: TrainConfig, hp: dict[str, Any]) -> str:
    return f"{config.method} ({', '.join(f'{k}={v}' for k, v in hp.items())})"


def _check_finite(config, hp, step, loss, terms) -> None:
    if torch.isfinite(loss):
        return
    bad = [name for name, value in terms.items() if not torch.isfinite(value)]
    if bad:
        what = f"loss term '{bad[0]}' is {float(terms[bad[0]].detach())}"
    else:
        what = f"loss is {float(loss.detach())}"
    raise TrainingDivergedError(f"{_describe(config, hp)} diverged at step {step}: {what}")


def _check_gradients(config, hp, step, model) -> None:
    for name, p in model.named_parameters():
        if p.grad is not None and not torch.isfinite(p.grad).all():
            raise TrainingDivergedError(
                f"{_describe(config, hp)} diverged at step {step}: "
                f"gradient of '{name}' is not finite"
            )


class _Batches:
    """Full batch (the same tensors every step) or mini-batches of whole source samples."""

    def __init__(self, edges, weights, n_rows, source, batch_size, rng, device, dtype):
        self.edges, self.weights, self.n_rows, self.rng = edges, weights, n_rows, rng
        self.device, self.dtype = device, dtype
        source = np.arange(n_rows) if source is None else np.asarray(source)
        if source.shape != (n_rows,):
            raise DataError(f"source must have one entry per row ({n_rows}), got {source.shape}")
        self.sources = np.unique(source)
        self.rows_of = pd.Series(np.arange(n_rows)).groupby(source).indices
        self.full = batch_size is None or batch_size >= self.sources.size
        self.batch_size = batch_size
        if self.full:
            self.cached = self._tensors(np.arange(n_rows), edges, weights)

    def _tensors(self, index, edges, weights):
        w = (
            None
            if weights is None
            else torch.as_tensor(weights, dtype=self.dtype, device=self.device)
        )
        return (
            torch.as_tensor(index, device=self.device),
            torch.as_tensor(edges, device=self.device),
            w,
        )

    def set_edges(self, edges: np.ndarray) -> None:
        """Replace G (unweighted: the evolving G_t of nnclr) for the next steps."""
        self.edges, self.weights = edges, None
        if self.full:
            self.cached = self._tensors(np.arange(self.n_rows), edges, None)

    def next(self):
        if self.full:
            return self.cached
        chosen = np.sort(self.rng.choice(self.sources, size=self.batch_size, replace=False))
        index = np.concatenate([self.rows_of[s] for s in chosen])
        return self._tensors(index, *restrict(self.edges, index, self.n_rows, self.weights))


def config_dict(config: TrainConfig) -> dict[str, Any]:
    """The config as a plain dict (with resolved hyperparameters) for provenance records."""
    return {**asdict(config), "hparams": config.resolved_hparams()}
