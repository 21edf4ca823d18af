"""The tensor ops of plugrad.functions: forward against NumPy, first and second derivatives
against central differences (float64), and float32 kept float32 through forward and backward.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pytest

import plugrad.functions as F  # DeZero's convention
from plugrad import Variable
from plugrad.core.config import test_mode
from plugrad.ops.nn import Dropout
from plugrad.testing import numerical_gradient
from plugrad.typing import Array

Op = Callable[..., Variable]
Draw = Callable[[np.random.Generator], tuple[Array, ...]]


# -- numerical checks: L = sum(f(*xs) * W) with a fixed random W (a plain sum would not catch an
# op that scrambles its output elements, such as a wrong transpose) --------------------------


_H = 1e-6  # central-difference step; float64 inputs of order 1


def _weights(shape: tuple[int, ...], seed: int) -> Array:
    return np.random.default_rng(seed).uniform(0.5, 1.5, size=shape)


def _loss(f: Op, xs: Sequence[Array], weights: Array) -> float:
    y: object = f(*[x.copy() for x in xs])
    # Cases built from array methods (x.reshape, x.T, x[...]) give an ndarray back when the
    # probe hands them ndarrays; an ndarray's own ``.data`` is its memory buffer, not values.
    values = y.data if isinstance(y, Variable) else np.asarray(y, dtype=np.float64)
    return float(np.sum(values * weights))


def numerical_grads(f: Op, xs: Sequence[Array], weights: Array, wrt: Sequence[int]) -> list[Array]:
    """Central differences of ``sum(f(*xs) * weights)`` with respect to each ``xs[i]``."""
    probe = [x.astype(np.float64) if x.dtype.kind == "f" else x.copy() for x in xs]

    def loss_in(i: int) -> Callable[[Array], float]:
        return lambda v: _loss(f, [v if j == i else x for j, x in enumerate(probe)], weights)

    return [numerical_gradient(loss_in(i), probe[i], eps=_H) for i in wrt]


def analytic_grads(f: Op, xs: Sequence[Array], weights: Array, wrt: Sequence[int]) -> list[Array]:
    """Backprop's gradients of ``sum(f(*xs) * weights)`` (inputs not in ``wrt`` are constants)."""
    variables = [Variable(x.copy()) if i in wrt else x for i, x in enumerate(xs)]
    y = f(*variables)
    (y * weights).sum().backward()
    grads: list[Array] = []
    for i in wrt:
        v = variables[i]
        assert isinstance(v, Variable)
        assert v.grad is not None, f"input {i} got no gradient"
        grads.append(v.grad.data)
    return grads


def check_first_order(
    f: Op, xs: Sequence[Array], wrt: Sequence[int], seed: int = 0, tol: float = 1e-7
) -> None:
    weights = _weights(f(*xs).shape, seed)
    expected = numerical_grads(f, xs, weights, wrt)
    actual = analytic_grads(f, xs, weights, wrt)
    for i, a, e in zip(wrt, actual, expected, strict=True):
        assert a.shape == xs[i].shape, f"input {i}: gradient shape {a.shape} != {xs[i].shape}"
        np.testing.assert_allclose(a, e, rtol=tol, atol=tol, err_msg=f"input {i}")


def check_second_order(
    f: Op, xs: Sequence[Array], wrt: Sequence[int], seed: int = 0, tol: float = 1e-7
) -> None:
    """For each i in ``wrt``: differentiate ``sum(dL/dx_i * V)`` again, against differences of
    the first-order gradient (itself checked by ``check_first_order``)."""
    weights = _weights(f(*xs).shape, seed)
    rng = np.random.default_rng(seed + 1)
    for i in wrt:
        directions = rng.uniform(-1.0, 1.0, size=xs[i].shape)

        def first(*inputs: Array, i: int = i, v: Array = directions) -> Variable:
            (g,) = analytic_grads(f, inputs, weights, [i])
            return Variable(np.asarray(np.sum(g * v)))

        expected = numerical_grads(first, xs, np.ones(()), wrt)

        variables = [Variable(x.copy()) if j in wrt else x for j, x in enumerate(xs)]
        (f(*variables) * weights).sum().backward(create_graph=True)
        wanted = variables[i]
        assert isinstance(wanted, Variable)
        gx = wanted.grad
        assert isinstance(gx, Variable)
        for v in variables:
            if isinstance(v, Variable):
                v.cleargrad()
        (gx * directions).sum().backward()
        for j, e in zip(wrt, expected, strict=True):
            v = variables[j]
            assert isinstance(v, Variable)
            actual = np.zeros_like(e) if v.grad is None else v.grad.data
            np.testing.assert_allclose(
                actual, e, rtol=tol, atol=tol, err_msg=f"d/dx{j} of dL/dx{i}"
            )


# -- the ops -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    label: str
    op: Op
    reference: Callable[..., Array]
    draw: Draw
    wrt: tuple[int, ...] = (0,)
    second_order: bool = True

    def __str__(self) -> str:
        return self.label


# One constructor per arity, so that the lambdas in the table get typed parameters.  The ops are
# typed on Variable inputs, as the forward and float32 tests call them; the gradient checks also
# call them on plain arrays (as ``Op`` already allows).


def unary(
    label: str,
    op: Callable[[Variable], Variable],
    reference: Callable[[Array], Array],
    draw: Draw,
    *,
    wrt: tuple[int, ...] = (0,),
) -> Case:
    return Case(label, op, reference, draw, wrt)


def binary(
    label: str,
    op: Callable[[Variable, Variable], Variable],
    reference: Callable[[Array, Array], Array],
    draw: Draw,
    *,
    wrt: tuple[int, ...] = (0,),
) -> Case:
    return Case(label, op, reference, draw, wrt)


def ternary(
    label: str,
    op: Callable[[Variable, Variable, Variable], Variable],
    reference: Callable[[Array, Array, Array], Array],
    draw: Draw,
    *,
    wrt: tuple[int, ...] = (0,),
) -> Case:
    return Case(label, op, reference, draw, wrt)


def u(*shape: int, low: float = -2.0, high: float = 2.0) -> Callable[[np.random.Generator], Array]:
    return lambda rng: rng.uniform(low, high, size=shape)


def away(*shape: int, gap: float = 0.1) -> Callable[[np.random.Generator], Array]:
    """Values with |x| >= gap: away from the kink of relu-like ops at 0."""

    def draw(rng: np.random.Generator) -> Array:
        sign = rng.choice(np.array([-1.0, 1.0]), size=shape)
        return sign * rng.uniform(gap, 2.0, size=shape)

    return draw


def distinct(*shape: int) -> Callable[[np.random.Generator], Array]:
    """Values at least 0.2 apart, so max and min have a unique, stable winner."""

    def draw(rng: np.random.Generator) -> Array:
        size = int(np.prod(shape))
        return ((rng.permutation(size) - size / 2) * 0.3).reshape(shape)

    return draw


def inputs(*draws: Callable[[np.random.Generator], Array]) -> Draw:
    return lambda rng: tuple(d(rng) for d in draws)


def labels(n: int, c: int) -> Callable[[np.random.Generator], Array]:
    return lambda rng: rng.integers(0, c, size=n)


def _softmax(x: Array, axis: int) -> Array:
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    y: Array = e / e.sum(axis=axis, keepdims=True)
    return y


def _batch_norm_reference(x: Array, gamma: Array, beta: Array) -> Array:
    axes = (0,) if x.ndim == 2 else (0, 2, 3)
    shape = (1, -1) if x.ndim == 2 else (1, -1, 1, 1)
    mean = x.mean(axis=axes, keepdims=True)
    var = x.var(axis=axes, keepdims=True)
    y: Array = gamma.reshape(shape) * (x - mean) / np.sqrt(var + 2e-5) + beta.reshape(shape)
    return y


def _batch_norm(x: Variable | Array, gamma: Variable | Array, beta: Variable | Array) -> Variable:
    channels = x.shape[1]
    return F.batch_norm(x, gamma, beta, np.zeros(channels), np.ones(channels))


def _batch_norm_test_mode(
    x: Variable | Array, gamma: Variable | Array, beta: Variable | Array
) -> Variable:
    with test_mode():
        return F.batch_norm(x, gamma, beta, np.array([0.5, -0.5, 0.0]), np.array([2.0, 0.5, 1.0]))


def _bce_reference(p: Array, t: Array) -> Array:
    return np.asarray(-(t * np.log(p) + (1 - t) * np.log(1 - p)).sum() / len(p))


def _sigmoid(x: Array) -> Array:
    return 1 / (1 + np.exp(-x))


MASK = (np.random.default_rng(7).random((3, 4)) > 0.5) * 2.0
SCE_T = np.array([[1.0], [0.0], [1.0], [0.0]])
BCE_T = np.array([[1.0], [0.0], [1.0]])

CASES = [
    # shape
    unary("reshape", lambda x: F.reshape(x, (3, 2)), lambda x: x.reshape(3, 2), inputs(u(2, 3))),
    unary("reshape -1", lambda x: F.reshape(x, (-1,)), lambda x: x.reshape(-1), inputs(u(2, 3))),
    unary(
        "Variable.reshape", lambda x: x.reshape(6, 1), lambda x: x.reshape(6, 1), inputs(u(2, 3))
    ),
    unary(
        "transpose axes",
        lambda x: F.transpose(x, (1, 2, 0)),
        lambda x: x.transpose(1, 2, 0),
        inputs(u(2, 3, 4)),
    ),
    unary("transpose", F.transpose, np.transpose, inputs(u(2, 3))),
    unary("Variable.T", lambda x: x.T, lambda x: x.T, inputs(u(2, 3))),
    unary(
        "Variable.transpose",
        lambda x: x.transpose(2, 0, 1),
        lambda x: x.transpose(2, 0, 1),
        inputs(u(2, 3, 4)),
    ),
    unary(
        "broadcast_to",
        lambda x: F.broadcast_to(x, (2, 3)),
        lambda x: np.broadcast_to(x, (2, 3)),
        inputs(u(1, 3)),
    ),
    unary(
        "sum_to",
        lambda x: F.sum_to(x, (1, 3)),
        lambda x: x.sum(axis=0, keepdims=True),
        inputs(u(2, 3)),
    ),
    unary(
        "expand_dims",
        lambda x: F.expand_dims(x, 1),
        lambda x: np.expand_dims(x, 1),
        inputs(u(2, 3)),
    ),
    unary(
        "expand_dims -1",
        lambda x: F.expand_dims(x, -1),
        lambda x: np.expand_dims(x, -1),
        inputs(u(2, 3)),
    ),
    unary("flatten", F.flatten, lambda x: x.reshape(2, -1), inputs(u(2, 3, 2))),
    # reductions
    unary("sum", F.sum, np.sum, inputs(u(2, 3))),
    unary(
        "sum axis keepdims",
        lambda x: F.sum(x, (0, 2), keepdims=True),
        lambda x: x.sum(axis=(0, 2), keepdims=True),
        inputs(u(2, 3, 4)),
    ),
    unary("Variable.sum", lambda x: x.sum(axis=1), lambda x: x.sum(axis=1), inputs(u(2, 3))),
    unary("average", F.average, np.mean, inputs(u(2, 3))),
    unary(
        "mean axis",
        lambda x: F.mean(x, axis=1),
        lambda x: x.mean(axis=1),
        inputs(u(2, 3, 4)),
    ),
    unary(
        "mean keepdims",
        lambda x: F.mean(x, axis=(0, 2), keepdims=True),
        lambda x: x.mean(axis=(0, 2), keepdims=True),
        inputs(u(2, 3, 4)),
    ),
    unary("max", F.max, np.max, inputs(distinct(3, 4))),
    unary(
        "max axis",
        lambda x: F.max(x, axis=1),
        lambda x: x.max(axis=1),
        inputs(distinct(2, 3, 4)),
    ),
    unary(
        "max keepdims",
        lambda x: F.max(x, axis=(0, 2), keepdims=True),
        lambda x: x.max(axis=(0, 2), keepdims=True),
        inputs(distinct(2, 3, 4)),
    ),
    unary("min axis", lambda x: F.min(x, axis=0), lambda x: x.min(axis=0), inputs(distinct(3, 4))),
    unary(
        "logsumexp",
        F.logsumexp,
        lambda x: np.log(np.exp(x).sum(axis=1, keepdims=True)),
        inputs(u(3, 4)),
    ),
    unary(
        "logsumexp axis 0",
        lambda x: F.logsumexp(x, axis=0, keepdims=False),
        lambda x: np.log(np.exp(x).sum(axis=0)),
        inputs(u(3, 4)),
    ),
    # linear algebra
    binary("matmul", F.matmul, np.matmul, inputs(u(2, 3), u(3, 4)), wrt=(0, 1)),
    binary("matmul batched", F.matmul, np.matmul, inputs(u(2, 2, 3), u(3, 4)), wrt=(0, 1)),
    ternary(
        "linear",
        F.linear,
        lambda x, w, b: x @ w + b,
        inputs(u(4, 3), u(3, 2), u(2)),
        wrt=(0, 1, 2),
    ),
    binary("linear no bias", F.linear, np.matmul, inputs(u(4, 3), u(3, 2)), wrt=(0, 1)),
    ternary(
        "linear 3-D x",
        F.linear,
        lambda x, w, b: x @ w + b,
        inputs(u(2, 4, 3), u(3, 2), u(2)),
        wrt=(0, 1, 2),
    ),
    ternary(
        "linear constant x",
        F.linear,
        lambda x, w, b: x @ w + b,
        inputs(u(4, 3), u(3, 2), u(2)),
        wrt=(1, 2),
    ),
    # indexing
    unary("get_item int", lambda x: F.get_item(x, 1), lambda x: x[1], inputs(u(4, 3))),
    unary(
        "get_item slices",
        lambda x: x[1:3, ::2],
        lambda x: x[1:3, ::2],
        inputs(u(4, 3)),
    ),
    unary(
        "get_item repeated ints",
        lambda x: x[np.array([0, 2, 0, 3])],
        lambda x: x[np.array([0, 2, 0, 3])],
        inputs(u(4, 3)),
    ),
    unary(
        "get_item list",
        lambda x: x[[1, 1, 2]],
        lambda x: x[[1, 1, 2]],
        inputs(u(4, 3)),
    ),
    unary(
        "get_item int pairs",
        lambda x: x[np.array([0, 1, 1]), np.array([2, 0, 2])],
        lambda x: x[np.array([0, 1, 1]), np.array([2, 0, 2])],
        inputs(u(4, 3)),
    ),
    unary(
        "get_item bool mask",
        lambda x: x[np.array([True, False, True, True])],
        lambda x: x[np.array([True, False, True, True])],
        inputs(u(4, 3)),
    ),
    unary(
        "get_item newaxis ellipsis",
        lambda x: x[None, ..., 1],
        lambda x: x[None, ..., 1],
        inputs(u(4, 3)),
    ),
    unary(
        "embed_id",
        lambda w: F.embed_id(np.array([[0, 2], [2, 3]]), w),
        lambda w: w[np.array([[0, 2], [2, 3]])],
        inputs(u(5, 3)),
    ),
    # elementwise and activations
    unary(
        "clip", lambda x: F.clip(x, -1.0, 1.0), lambda x: np.clip(x, -1.0, 1.0), inputs(away(3, 4))
    ),
    unary("sigmoid", F.sigmoid, _sigmoid, inputs(u(3, 4, low=-4.0, high=4.0))),
    unary("relu", F.relu, lambda x: np.maximum(x, 0.0), inputs(away(3, 4))),
    unary(
        "leaky_relu",
        F.leaky_relu,
        lambda x: np.where(x > 0, x, 0.2 * x),
        inputs(away(3, 4)),
    ),
    unary(
        "leaky_relu slope",
        lambda x: F.leaky_relu(x, slope=0.05),
        lambda x: np.where(x > 0, x, 0.05 * x),
        inputs(away(3, 4)),
    ),
    unary("softmax", F.softmax, lambda x: _softmax(x, 1), inputs(u(3, 4))),
    unary(
        "softmax axis 0",
        lambda x: F.softmax(x, axis=0),
        lambda x: _softmax(x, 0),
        inputs(u(3, 4)),
    ),
    unary(
        "softmax 3-D",
        lambda x: F.softmax(x, axis=-1),
        lambda x: _softmax(x, -1),
        inputs(u(2, 3, 4)),
    ),
    unary("log_softmax", F.log_softmax, lambda x: np.log(_softmax(x, 1)), inputs(u(3, 4))),
    unary(
        "dropout op (fixed mask)",
        lambda x: Dropout(MASK)(x),
        lambda x: x * MASK,
        inputs(u(3, 4)),
    ),
    # losses
    binary(
        "mean_squared_error",
        F.mean_squared_error,
        lambda a, b: np.asarray(((a - b) ** 2).sum() / len(a)),
        inputs(u(5, 1), u(5, 1)),
        wrt=(0, 1),
    ),
    binary(
        "softmax_cross_entropy",
        F.softmax_cross_entropy,
        lambda x, t: np.asarray(-np.log(_softmax(x, 1)[np.arange(len(t)), t]).mean()),
        inputs(u(4, 3), labels(4, 3)),
    ),
    binary(
        "sigmoid_cross_entropy",
        F.sigmoid_cross_entropy,
        lambda x, t: _bce_reference(_sigmoid(x), t),
        inputs(u(4, 1, low=-3.0, high=3.0), lambda rng: SCE_T),
    ),
    binary(
        "sigmoid_cross_entropy soft targets",
        F.sigmoid_cross_entropy,
        lambda x, t: _bce_reference(_sigmoid(x), t),
        inputs(u(3, 2, low=-3.0, high=3.0), u(3, 2, low=0.0, high=1.0)),
        wrt=(0, 1),
    ),
    binary(
        "binary_cross_entropy",
        F.binary_cross_entropy,
        _bce_reference,
        inputs(u(3, 1, low=0.05, high=0.95), lambda rng: BCE_T),
    ),
    binary(
        "softmax_cross_entropy (N, 1) labels",
        F.softmax_cross_entropy,
        lambda x, t: np.asarray(-np.log(_softmax(x, 1)[np.arange(len(t)), t[:, 0]]).mean()),
        inputs(u(4, 3), lambda rng: rng.integers(0, 3, size=(4, 1))),
    ),
    # DeZero's step-by-step ("_simple") versions, composed from basic ops
    ternary(
        "linear_simple",
        F.linear_simple,
        lambda x, w, b: x @ w + b,
        inputs(u(4, 3), u(3, 2), u(2)),
        wrt=(0, 1, 2),
    ),
    unary("sigmoid_simple", F.sigmoid_simple, _sigmoid, inputs(u(3, 4))),
    unary("softmax_simple", F.softmax_simple, lambda x: _softmax(x, 1), inputs(u(3, 4))),
    binary(
        "mean_squared_error_simple",
        F.mean_squared_error_simple,
        lambda a, b: np.asarray(((a - b) ** 2).sum() / len(a)),
        inputs(u(5, 2), u(5, 2)),
        wrt=(0, 1),
    ),
    binary(
        "softmax_cross_entropy_simple",
        F.softmax_cross_entropy_simple,
        lambda x, t: np.asarray(-np.log(_softmax(x, 1)[np.arange(len(t)), t]).mean()),
        inputs(u(4, 3), labels(4, 3)),
    ),
    # batch norm
    ternary(
        "batch_norm (N, C)",
        _batch_norm,
        _batch_norm_reference,
        inputs(u(5, 3), u(3, low=0.5, high=1.5), u(3)),
        wrt=(0, 1, 2),
    ),
    ternary(
        "batch_norm (N, C, H, W)",
        _batch_norm,
        _batch_norm_reference,
        inputs(u(3, 2, 2, 3), u(2, low=0.5, high=1.5), u(2)),
        wrt=(0, 1, 2),
    ),
    ternary(
        "batch_norm test mode",
        _batch_norm_test_mode,
        lambda x, g, b: (
            g * (x - np.array([0.5, -0.5, 0.0])) / np.sqrt(np.array([2.0, 0.5, 1.0]) + 2e-5) + b
        ),
        inputs(u(4, 3), u(3, low=0.5, high=1.5), u(3)),
        wrt=(0, 1, 2),
    ),
]


def _draw(case: Case, seed: int = 0) -> tuple[Array, ...]:
    return case.draw(np.random.default_rng(seed))


@pytest.mark.parametrize("case", CASES, ids=str)
def test_forward_matches_numpy(case: Case) -> None:
    xs = _draw(case)
    y = case.op(*[Variable(x.copy()) if x.dtype.kind == "f" else x for x in xs])
    expected = case.reference(*xs)
    assert y.shape == np.shape(expected)
    np.testing.assert_allclose(y.data, expected, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_first_order_gradients(case: Case) -> None:
    for seed in (0, 1):
        check_first_order(case.op, _draw(case, seed), case.wrt, seed=seed)


@pytest.mark.parametrize("case", [c for c in CASES if c.second_order], ids=str)
def test_second_order_gradients(case: Case) -> None:
    check_second_order(case.op, _draw(case), case.wrt)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_float32_stays_float32(case: Case) -> None:
    xs = [x.astype(np.float32) if x.dtype.kind == "f" else x for x in _draw(case)]
    variables = [Variable(x) if i in case.wrt else x for i, x in enumerate(xs)]
    y = case.op(*variables)
    assert y.dtype == np.float32
    y.sum().backward()
    for i in case.wrt:
        v = variables[i]
        assert isinstance(v, Variable)
        assert v.grad is not None
        assert v.grad.dtype == np.float32, f"input {i}: gradient dtype {v.grad.dtype}"


@pytest.mark.parametrize("case", [c for c in CASES if c.second_order], ids=str)
def test_float32_second_order_stays_float32(case: Case) -> None:
    xs = [x.astype(np.float32) if x.dtype.kind == "f" else x for x in _draw(case)]
    variables = [Variable(x) if i in case.wrt else x for i, x in enumerate(xs)]
    (case.op(*variables) ** 2).sum().backward(create_graph=True)
    first = variables[case.wrt[0]]
    assert isinstance(first, Variable)
    assert first.grad is not None
    assert first.grad.dtype == np.float32
