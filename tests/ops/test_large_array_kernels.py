"""Issue 15's kernels: the overflow-safe sigmoid, leaky_relu without numpy.where, batch_norm
with fewer buffers (nothing kept for inference), the dtype policy (NumPy promotion, no extra
copies), and the optimizers' update rules with reused work buffers."""

from __future__ import annotations

import math
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import plugrad.functions as F  # DeZero's convention
from plugrad import Parameter, Variable, no_grad, optimizers, test_mode
from plugrad.layers import BatchNorm, Linear
from plugrad.models import Model
from plugrad.ops.activation import sigmoid_array
from plugrad.typing import Array

# -- sigmoid ------------------------------------------------------------------------------------


def test_sigmoid_float64_is_accurate_everywhere_without_overflow_warnings() -> None:
    x = np.concatenate([np.linspace(-800.0, 800.0, 4001), [-1e308, 1e308, 0.0]])
    with np.errstate(over="ignore"):  # the reference overflows for x < -11356 or so
        reference = 1.0 / (1.0 + np.exp(-x.astype(np.longdouble), dtype=np.longdouble))
    y = F.sigmoid(x).data  # pytest turns a RuntimeWarning into an error
    assert y.dtype == np.float64
    normal = reference > np.finfo(np.float64).tiny
    np.testing.assert_allclose(y[normal], reference[normal].astype(np.float64), rtol=4e-16)
    assert np.all(y[~normal] < 1e-300)
    assert y[-3] == 0.0
    assert y[-2] == 1.0
    assert y[-1] == 0.5


def test_sigmoid_keeps_float32_and_takes_integers_and_0d() -> None:
    x32 = np.linspace(-30, 30, 601, dtype=np.float32)
    y32 = F.sigmoid(x32).data
    assert y32.dtype == np.float32
    np.testing.assert_allclose(y32, 1.0 / (1.0 + np.exp(-x32.astype(np.float64))), atol=1e-7)
    assert F.sigmoid(np.arange(-3, 4)).dtype == np.float64
    zero_d = sigmoid_array(np.array(2.0))
    assert zero_d.shape == ()
    assert math.isclose(float(zero_d), 1.0 / (1.0 + math.exp(-2.0)), rel_tol=1e-15)


def test_sigmoid_gradient_keeps_the_promoted_dtype() -> None:
    x = Variable(np.linspace(-3, 3, 7, dtype=np.float32))
    y = F.sigmoid(x)
    (y * np.ones(7)).sum().backward()  # a float64 gradient reaches a float32 output
    assert x.grad is not None
    assert x.grad.dtype == np.float32
    s = 1.0 / (1.0 + np.exp(-x.data.astype(np.float64)))
    np.testing.assert_allclose(x.grad.data, s * (1 - s), rtol=1e-6)


# -- leaky_relu ---------------------------------------------------------------------------------


@pytest.mark.parametrize("slope", [0.2, 0.0, 1.0, 1.5, -0.5])
def test_leaky_relu_for_any_slope(slope: float) -> None:
    x = Variable(np.linspace(-2, 2, 9))
    y = F.leaky_relu(x, slope)
    np.testing.assert_array_equal(y.data, np.where(x.data > 0, x.data, x.data * slope))
    y.backward()
    assert x.grad is not None
    np.testing.assert_array_equal(x.grad.data, np.where(x.data > 0, 1.0, slope))


def test_leaky_relu_of_integers_is_float() -> None:
    y = F.leaky_relu(np.array([-2, 3]), 0.5)
    np.testing.assert_array_equal(y.data, [-1.0, 3.0])


# -- batch_norm ---------------------------------------------------------------------------------


def _bn_inputs(dtype: type[np.floating[Any]] = np.float64) -> tuple[Array, Array, Array]:
    rng = np.random.default_rng(5)
    x: Array = (rng.standard_normal((4, 3, 5, 5)) * 2 + 1).astype(dtype)
    gamma: Array = rng.uniform(0.5, 1.5, 3).astype(dtype)
    beta: Array = rng.uniform(-1, 1, 3).astype(dtype)
    return x, gamma, beta


def test_batch_norm_train_matches_the_formula_and_updates_running_stats() -> None:
    x, gamma, beta = _bn_inputs()
    mean, var = np.zeros(3), np.ones(3)
    y = F.batch_norm(x, gamma, beta, mean, var, decay=0.9, eps=2e-5)
    m = x.mean(axis=(0, 2, 3), keepdims=True)
    v = x.var(axis=(0, 2, 3), keepdims=True)
    shape = (1, 3, 1, 1)
    expected = (x - m) / np.sqrt(v + 2e-5) * gamma.reshape(shape) + beta.reshape(shape)
    np.testing.assert_allclose(y.data, expected, rtol=1e-12, atol=1e-12)
    count = x.size // 3
    np.testing.assert_allclose(mean, 0.1 * m.ravel())
    np.testing.assert_allclose(var, 0.9 + 0.1 * v.ravel() * count / (count - 1))


def test_batch_norm_test_mode_forward_and_gradients() -> None:
    x, gamma, beta = _bn_inputs()
    mean, var = np.array([0.5, -0.2, 1.0]), np.array([2.0, 0.5, 1.5])
    xv, gv, bv = Variable(x), Variable(gamma), Variable(beta)
    with test_mode():
        y = F.batch_norm(xv, gv, bv, mean, var)
    shape = (1, 3, 1, 1)
    inv_std = 1.0 / np.sqrt(var.reshape(shape) + 2e-5)
    xhat = (x - mean.reshape(shape)) * inv_std
    np.testing.assert_allclose(y.data, xhat * gamma.reshape(shape) + beta.reshape(shape))
    gy = np.random.default_rng(6).standard_normal(x.shape)
    (y * gy).sum().backward()
    assert xv.grad is not None
    assert gv.grad is not None
    assert bv.grad is not None
    np.testing.assert_allclose(xv.grad.data, gy * gamma.reshape(shape) * inv_std)
    np.testing.assert_allclose(gv.grad.data, (gy * xhat).sum(axis=(0, 2, 3)))
    np.testing.assert_allclose(bv.grad.data, gy.sum(axis=(0, 2, 3)))


@pytest.mark.parametrize("train", [True, False])
def test_batch_norm_inference_keeps_nothing(train: bool) -> None:
    x, gamma, beta = _bn_inputs(np.float32)
    x = np.repeat(x, 200, axis=0)  # 240 KB, so that the arrays stand out
    mean, var = np.zeros(3, np.float32), np.ones(3, np.float32)

    def held_after(grad: bool) -> int:
        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
        with plugrad_mode(train, grad):
            y = F.batch_norm(x, gamma, beta, mean, var)
        held = tracemalloc.get_traced_memory()[0] - base - y.data.nbytes
        tracemalloc.stop()
        return held

    assert held_after(grad=False) < x.nbytes // 10  # only small per-channel arrays
    if train:  # with grad mode on, backward's normalized values stay in the graph
        assert held_after(grad=True) >= x.nbytes


def plugrad_mode(train: bool, grad: bool) -> _Modes:
    return _Modes(train, grad)


class _Modes:
    def __init__(self, train: bool, grad: bool) -> None:
        self.contexts = ([] if train else [test_mode()]) + ([] if grad else [no_grad()])

    def __enter__(self) -> None:
        for context in self.contexts:
            context.__enter__()

    def __exit__(self, *exc: object) -> None:
        for context in reversed(self.contexts):
            context.__exit__(None, None, None)


# -- the dtype policy: NumPy promotion, no extra copies -------------------------------------------


def test_float32_layers_meeting_float64_data_compute_in_float64() -> None:
    """DeZero's behaviour, kept: the book's steps feed float64 data to float32 layers."""
    np.random.seed(0)
    linear, norm = Linear(4), BatchNorm()
    x = np.random.randn(8, 3)  # float64
    y = norm(linear(x))
    assert linear.W.dtype == np.float32
    assert y.dtype == np.float64
    F.sum(y).backward()
    assert linear.W.grad is not None
    assert linear.b is not None
    assert linear.b.grad is not None
    assert linear.W.grad.dtype == np.float32  # each gradient in its parameter's dtype
    assert linear.b.grad.dtype == np.float32


def test_a_float64_weight_in_a_float32_layer_stays_float64() -> None:
    """The book's GAN assigns float64 weights to float32 layers: they stay as assigned."""
    np.random.seed(0)
    layer = Linear(3, in_size=2)
    layer.W.data = 0.02 * np.random.randn(2, 3)
    y = layer(np.ones((4, 2), dtype=np.float32))
    assert y.dtype == np.float64
    assert layer.W.dtype == np.float64
    assert layer.b is not None
    assert layer.b.dtype == np.float32


# -- optimizers: DeZero's arithmetic, intermediate values in reused buffers -----------------------


class _TwoParams(Model):
    def __init__(self) -> None:
        super().__init__()
        rng = np.random.default_rng(3)
        self.big = Parameter(rng.standard_normal((30, 20)))
        self.small = Parameter(rng.standard_normal(7).astype(np.float32))
        self.scalar = Parameter(np.array(0.5))


def _train(optimizer: optimizers.Optimizer, steps: int) -> _TwoParams:
    model = _TwoParams()
    optimizer.setup(model)
    rng = np.random.default_rng(4)
    for _ in range(steps):
        for p in model.params():
            p.grad = Variable(rng.standard_normal(p.shape).astype(p.dtype))
        optimizer.update()
    return model


def _replay(
    update: Callable[[dict[str, Array], dict[str, Array], int], None], steps: int
) -> dict[str, Array]:
    """The update rule written the way DeZero writes it, on plain arrays."""
    model = _TwoParams()
    params = {name: p.data.copy() for name, p in model.named_params()}
    rng = np.random.default_rng(4)
    for t in range(1, steps + 1):
        grads = {name: rng.standard_normal(a.shape).astype(a.dtype) for name, a in params.items()}
        update(params, grads, t)
    return params


def test_adam_is_dezeros_update() -> None:
    ms: dict[str, Array] = {}
    vs: dict[str, Array] = {}
    alpha, beta1, beta2, eps = 0.01, 0.5, 0.999, 1e-8

    def update(params: dict[str, Array], grads: dict[str, Array], t: int) -> None:
        lr = alpha * math.sqrt(1.0 - beta2**t) / (1.0 - beta1**t)
        for name, grad in grads.items():
            m = ms.setdefault(name, np.zeros_like(params[name]))
            v = vs.setdefault(name, np.zeros_like(params[name]))
            m += (1 - beta1) * (grad - m)
            v += (1 - beta2) * (grad * grad - v)
            params[name] -= lr * m / (np.sqrt(v) + eps)

    model = _train(optimizers.Adam(alpha, beta1, beta2, eps), 5)
    expected = _replay(update, 5)
    for name, p in model.named_params():
        assert p.dtype == expected[name].dtype
        np.testing.assert_array_equal(p.data, expected[name])


def test_sgd_and_momentum_are_dezeros_updates() -> None:
    def sgd(params: dict[str, Array], grads: dict[str, Array], t: int) -> None:
        for name, grad in grads.items():
            params[name] -= 0.1 * grad

    velocities: dict[str, Array] = {}

    def momentum(params: dict[str, Array], grads: dict[str, Array], t: int) -> None:
        for name, grad in grads.items():
            v = velocities.setdefault(name, np.zeros_like(params[name]))
            v *= 0.9
            v -= 0.1 * grad
            params[name] += v

    for optimizer, rule in (
        (optimizers.SGD(0.1), sgd),
        (optimizers.MomentumSGD(0.1, 0.9), momentum),
    ):
        model = _train(optimizer, 4)
        expected = _replay(rule, 4)
        for name, p in model.named_params():
            np.testing.assert_allclose(p.data, expected[name], rtol=1e-6)


# -- binary_cross_entropy: one op, DeZero's composition's value --------------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_binary_cross_entropy_is_the_composition_fused(dtype: type[np.floating[Any]]) -> None:
    from plugrad.ops.loss import binary_cross_entropy_simple

    rng = np.random.default_rng(8)
    p_data: Array = rng.uniform(0.0, 1.0, (16, 5)).astype(dtype)
    p_data[0, :3] = (0.0, 0.9995, 1.0)  # clipped at both ends (to [1e-15, 0.999])
    t_data: Array = rng.uniform(0, 1, (16, 5)).astype(dtype)
    fused_p, fused_t = Variable(p_data), Variable(t_data)
    plain_p, plain_t = Variable(p_data), Variable(t_data)
    fused = F.binary_cross_entropy(fused_p, fused_t)
    plain = binary_cross_entropy_simple(plain_p, plain_t)
    assert fused.dtype == dtype
    np.testing.assert_array_equal(fused.data, plain.data)
    fused.backward()
    plain.backward()
    tolerance = 1e-5 if dtype == np.float32 else 1e-12
    for a, b in ((fused_p, plain_p), (fused_t, plain_t)):
        assert a.grad is not None
        assert b.grad is not None
        np.testing.assert_allclose(a.grad.data, b.grad.data, rtol=tolerance, atol=tolerance)


def test_binary_cross_entropy_takes_integer_labels_of_another_shape() -> None:
    p = Variable(np.array([[0.9], [0.2], [0.6]], dtype=np.float32))
    loss = F.binary_cross_entropy(p, np.array([1, 0, 1]))
    expected = -(np.log(0.9) + np.log(0.8) + np.log(0.6)) / 3
    assert loss.dtype == np.float32
    np.testing.assert_allclose(loss.data, expected, rtol=1e-6)
