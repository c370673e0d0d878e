"""The convergence criterion on loss curves with known behaviour."""

import math

import numpy as np
import pytest

from spectral_ssl.convergence import assess, loss_plateau


def test_exponential_decay_to_a_positive_minimum_converges_once_flat():
    steps = np.arange(400)
    loss = 2.0 + 10.0 * np.exp(-steps / 20)
    assert assess(loss).converged  # 10 e^-20 ~ 2e-8 change at the end
    early = assess(loss[:60])
    assert not early.converged and "still moving" in early.reason


def test_loss_whose_minimum_is_zero_is_judged_against_its_range():
    loss = 5.0 * np.exp(-np.arange(300) / 5.0)  # reaches 0 up to 1e-26
    result = assess(loss)
    assert result.converged, result.reason
    assert result.plateau < 1e-4


def test_linear_decrease_never_converges():
    loss = 100.0 - 0.1 * np.arange(500)
    assert not assess(loss).converged
    assert loss_plateau(loss, 20) == pytest.approx(2.0 / 50.5 * 1.0, rel=0.05)


def test_gradient_criterion_catches_a_plateau_on_a_saddle():
    flat = np.full(100, 3.0)
    assert assess(flat, grad_initial=1.0, grad_final=1e-6).converged
    stuck = assess(flat, grad_initial=1.0, grad_final=0.5)
    assert not stuck.converged and "gradient" in stuck.reason
    assert assess(flat, grad_initial=0.0, grad_final=0.0).converged


def test_nan_at_the_end_or_too_short_is_not_converged():
    loss = np.r_[np.ones(50), math.nan]
    assert not assess(loss).converged
    assert not assess([1.0]).converged  # one logged step: nothing to compare
    with pytest.raises(ValueError):
        assess(np.ones(10), window=0)


def test_as_metrics_is_flat_and_named():
    m = assess(np.ones(40)).as_metrics()
    assert m["converged"] is True and m["conv_window"] == 20 and "conv_reason" in m
