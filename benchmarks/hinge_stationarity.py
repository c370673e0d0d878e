"""Does hinge VICReg reach a stationary point? The min-norm subgradient ratio of fp64 L-BFGS runs.

    python -m benchmarks.hinge_stationarity

Three runs on random inputs (seeded): free Z on a graph of 10 label cliques (800 rows, K = 16)
at gamma = 0.01 and gamma = 100, and a linear model (600 x 32, K = D = 32) on a 10-partner
label graph at gamma = 0.1; alpha = beta = 25, fp64 L-BFGS, at most 120 steps, stop when
converged. Prints the convergence record (the gradient ratio is the min-norm subgradient's,
``spectral_ssl.stationarity``) and how many columns end on the hinge's kink.
"""

from __future__ import annotations

import numpy as np
import torch

from spectral_ssl.losses.vicreg import covariance
from spectral_ssl.relations import label_graph
from spectral_ssl.stationarity import KINK_TOL
from spectral_ssl.training import TrainConfig, train


def main() -> None:
    rng = np.random.default_rng(0)
    cases = [
        ("free Z, 10 cliques, gamma 0.01", "free", 16, 0.01, 800, 10, None),
        ("free Z, 10 cliques, gamma 100", "free", 16, 100.0, 800, 10, None),
        ("linear K = D = 32, gamma 0.1", "linear", 32, 0.1, 600, 4, 10),
    ]
    print("| run | converged | gradient ratio (min-norm) | plateau | columns on the kink |")
    print("|---|---|---|---|---|")
    for name, model, k, gamma, n, classes, partners in cases:
        x = rng.normal(size=(n, 32))
        edges = label_graph(rng.integers(0, classes, n), positives_per_row=partners, seed=0)
        cfg = TrainConfig(method="vicreg", hparams={"alpha": 25, "beta": 25, "gamma": gamma},
                          model=model, k=k, optimizer="lbfgs", lr=1.0, steps=120,
                          precision="fp64", stop_when_converged=True, device="cpu")  # fmt: skip
        result = train(x, edges, cfg)
        with torch.no_grad():
            z = result.model(torch.as_tensor(x), torch.arange(n))
            on_kink = int(((covariance(z).diagonal() - 1).abs() <= KINK_TOL).sum())
        c = result.convergence
        print(f"| {name} | {c.converged} | {c.grad_ratio:.2g} | {c.plateau:.2g} | "
              f"{on_kink} of {k} |")


if __name__ == "__main__":
    main()
