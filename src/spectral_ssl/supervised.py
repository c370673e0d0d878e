"""Supervised references of the aligned-G claim C11, one per model family [derived].

On the label-clique graph (G_ij = 1 iff y_i = y_j, i != j) the SSL optima are supervised
methods in disguise:

linear   X^T L X = sum_c n_c S_c (S_c the scatter of class c), so with equal class sizes
         X^T L X = n_c S_W and the LPP problem X^T L X w = mu S_T w / (N-1) is Fisher LDA's
         S_W w = mu' S_T w: col(W*) = LDA's discriminant subspace (scikit-learn
         ``LinearDiscriminantAnalysis``), c - 1 directions. Unequal sizes weight S_c by n_c.
free     the Laplacian's null space is spanned by the c class indicators, so a free Z* spans the
         centred indicators (rank c - 1 after centring) when K >= c - 1.
mlp      no closed form: the reference is an MLP of the same architecture trained with
         cross-entropy on the same view rows (trunk + a linear softmax head), probed like the
         SSL MLP.

``lda_subspace`` / ``class_indicators`` give the reference subspaces; ``supervised_angles``
measures how far a learned solution is from containing one.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .errors import DataError

INDICATOR_RTOL = 1e-6  # numerical rank of the learned solution (subspaces.DEFAULT_RTOL)


def _labels(y: Any, n_rows: int) -> np.ndarray:
    y = np.asarray(y)
    if y.ndim != 1 or y.size != n_rows:
        raise DataError(f"labels must be 1-D with one entry per row ({n_rows}), got {y.shape}")
    if np.unique(y).size < 2:
        raise DataError("a supervised reference needs at least two classes")
    return y


def fit_lda(x: Any, y: Any) -> Any:
    """scikit-learn's LinearDiscriminantAnalysis (svd solver) fit on (x, y), float64."""
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis

    x = np.asarray(x, dtype=np.float64)
    return LinearDiscriminantAnalysis(solver="svd").fit(x, _labels(y, x.shape[0]))


def lda_subspace(lda: Any) -> np.ndarray:
    """D x (c - 1) basis of LDA's discriminant subspace (its ``scalings_`` columns)."""
    n_dirs = min(lda.classes_.size - 1, lda.scalings_.shape[1])
    return np.asarray(lda.scalings_[:, :n_dirs], dtype=np.float64)


def class_indicators(y: Any) -> np.ndarray:
    """N x c one-hot class indicators, centred (their span has dimension c - 1)."""
    y = np.asarray(y)
    onehot = (y[:, None] == np.unique(_labels(y, y.size))[None, :]).astype(np.float64)
    return onehot - onehot.mean(axis=0)


def class_size_ratio(y: Any) -> float:
    """max / min class size (1.0: equal sizes, where LPP on label cliques equals LDA)."""
    _, counts = np.unique(np.asarray(y), return_counts=True)
    return float(counts.max() / counts.min())


def supervised_angles(reference: Any, learned: Any, *, centre: bool) -> dict[str, float]:
    """How far col(learned) is from containing col(reference), in degrees.

    ``sup_containment_deg``: the largest principal angle between col(reference) and col(learned)
    when rank(learned) >= rank(reference) (0 iff the reference lies inside), else 90.
    ``sup_angle_max_deg``: the padded angle (0 iff the two spaces are equal)."""
    from .subspaces import compare_subspaces

    cmp = compare_subspaces(reference, learned, centre=centre, rtol=INDICATOR_RTOL)
    inside = cmp.rank_b >= cmp.rank_a and cmp.angles.size > 0
    return {
        "sup_containment_deg": float(cmp.angles.max()) if inside else 90.0,
        "sup_angle_max_deg": cmp.max_angle,
        "sup_reference_rank": int(cmp.rank_a),
    }


def train_supervised_mlp(
    x: Any,
    y: Any,
    k: int,
    *,
    model_params: dict[str, Any],
    steps: int = 600,
    lr: float = 0.01,
    seed: int = 0,
) -> Any:
    """MLP trunk (``models.build_model('mlp', k=k)``) + Linear(K, c), cross-entropy, full batch.

    Adam with the cosine schedule of the SSL runs (lr (1 + cos(pi t / steps)) / 2), float32.
    Returns the trunk (the K-dimensional representation the probe reads)."""
    import torch

    from .models import build_model

    x = np.asarray(x, dtype=np.float32)
    y = _labels(y, x.shape[0])
    classes, target = np.unique(y, return_inverse=True)
    torch.manual_seed(int(seed))
    trunk = build_model("mlp", d_in=x.shape[1], n_rows=x.shape[0], k=k, **model_params)
    head = torch.nn.Linear(k, classes.size)
    params = [*trunk.parameters(), *head.parameters()]
    opt = torch.optim.Adam(params, lr=lr)
    xt, yt = torch.as_tensor(x), torch.as_tensor(target, dtype=torch.long)
    trunk.train()
    for step in range(int(steps)):
        for group in opt.param_groups:
            group["lr"] = lr * (1 + math.cos(math.pi * step / steps)) / 2
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(head(trunk(xt)), yt)
        loss.backward()
        opt.step()
    trunk.eval()
    return trunk


REFERENCE_MODELS = {"lda": "linear", "class_indicators": "free", "supervised_mlp": "mlp"}


def supervised_references(
    views: Any,
    train: Any,
    test: Any,
    k: int,
    *,
    mlp_params: dict[str, Any],
    mlp_steps: int,
    mlp_lr: float,
    seed: int,
) -> tuple[list[dict[str, Any]], dict[str, np.ndarray]]:
    """The three reference rows of one data draw and the reference subspaces.

    Rows (method -> model): ``lda`` -> linear (probe on the LDA projection of the dataset's
    train / test rows; ``lpp_lda_angle_deg`` = angle between the c - 1 LPP directions on the
    label-clique graph of the view rows and LDA's subspace, exact (~1e-11 deg) at equal class
    sizes, ``class_size_ratio`` = max / min class size of the view rows), ``class_indicators``
    -> free (probe on the centred indicators of the view rows; a free Z has no test rows, so
    its probe test accuracy is NaN like every free run's), ``supervised_mlp`` -> mlp (probe on
    the trunk of a cross-entropy MLP). Arrays: ``lda_basis`` (D x (c - 1)), ``indicators``
    (view rows x c, centred)."""
    from .closed_form.linear import lpp_solution
    from .evaluation import embedding_metrics
    from .models import embed
    from .relations import label_graph

    c = np.unique(views.y).size
    lda = fit_lda(views.x, views.y)
    basis = lda_subspace(lda)
    lpp = lpp_solution(views.x, label_graph(views.y), basis.shape[1])
    common = {"seed": int(seed), "data_seed": int(seed), "status": "ok", "n_classes": int(c)}
    rows = [{
        **common, "method": "lda", "model": "linear", "k": int(basis.shape[1]),
        **embedding_metrics(lda.transform(train.x), train.y, lda.transform(test.x), test.y,
                            val_seed=seed),
        "lpp_lda_angle_deg": supervised_angles(basis, lpp.directions,
                                               centre=False)["sup_angle_max_deg"],
        "class_size_ratio": class_size_ratio(views.y),
    }]  # fmt: skip
    indicators = class_indicators(views.y)
    rows.append({**common, "method": "class_indicators", "model": "free",
                 **embedding_metrics(indicators, views.y, val_seed=seed, groups=views.source)})
    trunk = train_supervised_mlp(views.x, views.y, k, model_params=mlp_params, steps=mlp_steps,
                                 lr=mlp_lr, seed=seed)  # fmt: skip
    rows.append({**common, "method": "supervised_mlp", "model": "mlp",
                 "steps": int(mlp_steps), "lr": float(mlp_lr),
                 **embedding_metrics(embed(trunk, train.x), train.y, embed(trunk, test.x),
                                     test.y, val_seed=seed)})  # fmt: skip
    return rows, {"lda_basis": basis, "indicators": indicators}


def reference_angle_metrics(
    model: str, arrays: dict[str, np.ndarray], reference: dict[str, np.ndarray]
) -> dict[str, float]:
    """``supervised_angles`` of a trained run: linear W vs LDA's subspace (uncentred, in
    feature space), free Z vs the centred class indicators (centred); {} for other models."""
    if model == "linear":
        return supervised_angles(reference["lda_basis"], arrays["weight"], centre=False)
    if model == "free":
        return supervised_angles(reference["indicators"], arrays["z_views"], centre=True)
    return {}
