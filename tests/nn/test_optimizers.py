"""Optimizers and hooks against hand-written NumPy update formulas."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import plugrad
from plugrad import Parameter, Variable
from plugrad import optimizers as O  # short, like F and L

Array = np.ndarray[Any, Any]
Rule = Callable[[Array, Array, dict[str, Array], int], Array]


class Pair(plugrad.Layer):
    def __init__(self, dtype: type[np.floating]) -> None:
        super().__init__()
        rng = np.random.default_rng(0)
        self.a = Parameter(rng.standard_normal((3, 2)).astype(dtype))
        self.b = Parameter(rng.standard_normal(4).astype(dtype))


def _model(dtype: type[np.floating]) -> Pair:
    return Pair(dtype)


def _grads(step: int, shape: tuple[int, ...], dtype: type[np.floating]) -> Array:
    rng = np.random.default_rng(100 + step + len(shape))
    return rng.standard_normal(shape).astype(dtype)


def _sgd(w: Array, g: Array, s: dict[str, Array], t: int) -> Array:
    return w - 0.1 * g


def _momentum(w: Array, g: Array, s: dict[str, Array], t: int) -> Array:
    s["v"] = 0.8 * s.get("v", np.zeros_like(w)) - 0.1 * g
    return w + s["v"]


def _adagrad(w: Array, g: Array, s: dict[str, Array], t: int) -> Array:
    s["h"] = s.get("h", np.zeros_like(w)) + g * g
    return w - 0.1 * g / (np.sqrt(s["h"]) + 1e-8)


def _adadelta(w: Array, g: Array, s: dict[str, Array], t: int) -> Array:
    rho, eps = 0.9, 1e-6
    s["msg"] = rho * s.get("msg", np.zeros_like(w)) + (1 - rho) * g * g
    msdx = s.get("msdx", np.zeros_like(w))
    dx: Array = np.sqrt((msdx + eps) / (s["msg"] + eps)) * g
    s["msdx"] = rho * msdx + (1 - rho) * dx * dx
    return w - dx


def _adam(w: Array, g: Array, s: dict[str, Array], t: int) -> Array:
    alpha, beta1, beta2, eps = 0.01, 0.8, 0.9, 1e-8
    s["m"] = beta1 * s.get("m", np.zeros_like(w)) + (1 - beta1) * g
    s["v"] = beta2 * s.get("v", np.zeros_like(w)) + (1 - beta2) * g * g
    # Textbook Adam on bias-corrected moments; DeZero folds the correction into the step size,
    # which equals this with eps scaled by sqrt(1 - beta2**t).
    m_hat = s["m"] / (1 - beta1**t)
    v_hat = s["v"] / (1 - beta2**t)
    return w - alpha * m_hat / (np.sqrt(v_hat) + eps / math.sqrt(1 - beta2**t))


CASES: list[tuple[str, Callable[[], O.Optimizer], Rule]] = [
    ("SGD", lambda: O.SGD(lr=0.1), _sgd),
    ("MomentumSGD", lambda: O.MomentumSGD(lr=0.1, momentum=0.8), _momentum),
    ("AdaGrad", lambda: O.AdaGrad(lr=0.1), _adagrad),
    ("AdaDelta", lambda: O.AdaDelta(rho=0.9), _adadelta),
    ("Adam", lambda: O.Adam(alpha=0.01, beta1=0.8, beta2=0.9), _adam),
]


@pytest.mark.parametrize(("name", "make", "rule"), CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_update_matches_numpy_formula(
    name: str, make: Callable[[], O.Optimizer], rule: Rule, dtype: type[np.floating]
) -> None:
    model = _model(dtype)
    optimizer = make().setup(model)
    expected = {id(p): p.data.astype(np.float64) for p in model.params()}
    states: dict[int, dict[str, Array]] = {id(p): {} for p in model.params()}
    for step in range(1, 5):
        for p in model.params():
            g = _grads(step, p.shape, dtype)
            p.grad = Variable(g)
            expected[id(p)] = rule(expected[id(p)], g.astype(np.float64), states[id(p)], step)
        optimizer.update()
    tolerance = 1e-12 if dtype == np.float64 else 1e-5
    for p in model.params():
        assert p.data.dtype == dtype, name
        np.testing.assert_allclose(p.data, expected[id(p)], rtol=tolerance, atol=tolerance)


def test_adam_lr_is_bias_corrected() -> None:
    optimizer = O.Adam(alpha=0.001, beta1=0.9, beta2=0.999)
    optimizer.t = 1
    assert optimizer.lr == pytest.approx(0.001 * math.sqrt(1 - 0.999) / (1 - 0.9))
    optimizer.t = 10
    assert optimizer.lr == pytest.approx(0.001 * math.sqrt(1 - 0.999**10) / (1 - 0.9**10))


def test_params_without_grad_are_skipped() -> None:
    model = _model(np.float32)
    before = model.b.data.copy()
    model.a.grad = Variable(np.ones((3, 2), dtype=np.float32))
    O.MomentumSGD(lr=0.5).setup(model).update()
    np.testing.assert_array_equal(model.b.data, before)


def test_update_before_setup_is_an_error() -> None:
    with pytest.raises(RuntimeError, match="setup"):
        O.SGD().update()


def test_setup_returns_the_optimizer() -> None:
    optimizer = O.SGD()
    assert optimizer.setup(_model(np.float64)) is optimizer


def test_weight_decay_adds_rate_times_weight() -> None:
    model = _model(np.float32)
    w0 = model.a.data.copy()
    g = np.full((3, 2), 0.5, dtype=np.float32)
    model.a.grad = Variable(g)
    optimizer = O.SGD(lr=0.1).setup(model)
    optimizer.add_hook(O.WeightDecay(0.01))
    optimizer.update()
    np.testing.assert_allclose(model.a.data, w0 - 0.1 * (g + 0.01 * w0), rtol=1e-6)
    assert model.a.data.dtype == np.float32
    np.testing.assert_array_equal(g, np.full((3, 2), 0.5))  # the caller's array is untouched


def test_clip_grad_scales_to_global_norm() -> None:
    model = _model(np.float64)
    ga = np.full((3, 2), 3.0)
    gb = np.full(4, 4.0)
    model.a.grad = Variable(ga)
    model.b.grad = Variable(gb)
    norm = math.sqrt(6 * 9.0 + 4 * 16.0)
    O.ClipGrad(1.0)(list(model.params()))
    assert model.a.grad is not None
    assert model.b.grad is not None
    np.testing.assert_allclose(model.a.grad.data, ga / (norm + 1e-6))
    np.testing.assert_allclose(model.b.grad.data, gb / (norm + 1e-6))
    O.ClipGrad(100.0)(list(model.params()))  # already small: unchanged
    np.testing.assert_allclose(model.a.grad.data, ga / (norm + 1e-6))


class Outer(plugrad.Layer):
    def __init__(self) -> None:
        super().__init__()
        self.inner = Pair(np.float64)
        self.c = Parameter(np.ones(2))


def test_freeze_param_keeps_layer_fixed() -> None:
    outer = Outer()
    frozen = outer.inner.a.data.copy()
    for p in outer.params():
        p.grad = Variable(np.ones_like(p.data))
    optimizer = O.SGD(lr=1.0).setup(outer)
    optimizer.add_hook(O.FreezeParam(outer.inner))
    optimizer.update()
    np.testing.assert_array_equal(outer.inner.a.data, frozen)
    np.testing.assert_array_equal(outer.c.data, np.zeros(2))
