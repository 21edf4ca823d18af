"""Functions covering every built-in op family, with inputs away from kinks and ties.

Each maps one float64 array to a Variable (mostly non-scalar, so Jacobians are not square by
accident).  The derivative tests run every transform over every case and compare with finite
differences (``_numeric``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple, cast

import numpy as np
from numpy.typing import NDArray

import plugrad.functions as F
from plugrad import Variable, test_mode
from plugrad.typing import Operand

Array = NDArray[Any]

_rng = np.random.default_rng(1234)
W34 = _rng.uniform(-1.0, 1.0, (3, 4))
B4 = _rng.uniform(-1.0, 1.0, 4)
T23 = _rng.uniform(-1.0, 1.0, (2, 3))
T01 = (_rng.uniform(size=(2, 3)) > 0.5).astype(np.float64)
LABELS = np.array([2, 0])
KERNEL = _rng.uniform(-1.0, 1.0, (2, 1, 3, 3))
BIAS2 = _rng.uniform(-1.0, 1.0, 2)
GAMMA = _rng.uniform(0.5, 1.5, 3)
BETA = _rng.uniform(-0.5, 0.5, 3)
MASK = np.array([True, False, True, True, False, True])


def _distinct(size: int, spread: float = 0.3) -> Array:
    """``size`` (even) values ``spread`` apart, the nearest to 0 at ``spread / 2``: no ties for
    max and min, no value at relu's kink."""
    values: Array = (_rng.permutation(size) - (size - 1) / 2) * spread
    return values


def arithmetic(x: Operand) -> Variable:
    v = F.as_variable(x)
    return (v * v - v / (v + 3.0)) * 2.0 + v**3 - 1.0 / (v + 4.0) - (-v) - (v - 0.5) / v.T


def elementwise(x: Operand) -> Variable:
    v = F.as_variable(x)
    return (
        F.sin(v) * F.exp(v)
        + F.log(v + 3.0) * F.cos(v)
        + F.tanh(v)
        + F.square(v)
        + F.clip(v, -0.95, 0.95)
    )


def shape(x: Operand) -> Variable:
    y = F.reshape(x, (2, 3))
    z = F.transpose(y) * F.transpose(F.broadcast_to(F.sum_to(y, (1, 3)), (2, 3)))
    w = F.flatten(F.expand_dims(z, 0))
    return F.concat([F.reshape(w, (6,)), F.reshape(F.sum_to(y, (2, 1)), (2,)) ** 2], axis=0)


def reduction(x: Operand) -> Variable:
    y = F.reshape(x, (2, 3))
    return F.concat(
        [
            F.sum(y * y, axis=1),
            F.mean(y, axis=0) ** 2,
            F.max(y, axis=1),
            F.reshape(F.min(y), (1,)),
            F.reshape(F.logsumexp(y, axis=1), (2,)),
        ]
    )


def linalg(x: Operand) -> Variable:
    y = F.reshape(x, (2, 3))
    return F.matmul(y * y, W34) + F.linear(y, W34, B4) * F.matmul(y, W34)


def indexing(x: Operand) -> Variable:
    v = F.as_variable(x)
    y = F.reshape(v, (2, 3))
    rows = F.get_item(y, (1, slice(None))) * F.get_item(v, np.array([0, 0, 5]))
    picked = F.get_item(v, MASK) ** 2
    embedded = F.reshape(F.embed_id(np.array([1, 0, 1]), y), (9,))
    return F.concat([rows, picked, F.sin(embedded)])


def activation(x: Operand) -> Variable:
    y = F.reshape(x, (2, 3))
    parts = [
        F.sigmoid(y),
        F.relu(y) ** 2,
        F.leaky_relu(y, 0.3) ** 2,
        F.softmax(y, axis=1),
        F.log_softmax(y, axis=1),
    ]
    return F.concat([F.reshape(p, (6,)) for p in parts])


def loss(x: Operand) -> Variable:
    y = F.reshape(x, (2, 3))
    losses = [
        F.mean_squared_error(y, T23),
        F.softmax_cross_entropy(y, LABELS),
        F.sigmoid_cross_entropy(y, T01),
        F.binary_cross_entropy(F.sigmoid(y), T01),
    ]
    return F.concat([F.reshape(value, (1,)) for value in losses])


def nn(x: Operand) -> Variable:
    y = F.reshape(x, (2, 3))
    # Fresh running statistics each call: training mode updates them in place.
    normalized = F.batch_norm(y, GAMMA, BETA, np.zeros(3), np.ones(3))
    with test_mode():
        kept = F.dropout(y)  # the identity in test mode
    return F.reshape(normalized * kept, (6,))


def conv(x: Operand) -> Variable:
    image = F.reshape(x, (1, 1, 4, 4))
    y = F.conv2d(image, KERNEL, BIAS2, pad=1)
    return F.reshape(F.tanh(y), (32,))


def pooling(x: Operand) -> Variable:
    image = F.reshape(x, (1, 1, 4, 4))
    maxed = F.pooling(image * image, 2, 2)
    averaged = F.average_pooling(image, 2, 2)
    return F.reshape(F.concat([maxed, averaged**3], axis=1), (8,))


class Case(NamedTuple):
    name: str
    f: Callable[[Operand], Variable]
    x: Array


CASES = [
    Case("arithmetic", arithmetic, _rng.uniform(0.5, 1.5, 4)),
    Case("elementwise", elementwise, _rng.uniform(-0.9, 0.9, 5)),
    Case("shape", shape, _rng.uniform(-1.0, 1.0, 6)),
    Case("reduction", reduction, _distinct(6)),
    Case("linalg", linalg, _rng.uniform(-1.0, 1.0, 6)),
    Case("indexing", indexing, _rng.uniform(-1.0, 1.0, 6)),
    Case("activation", activation, _distinct(6)),
    Case("loss", loss, _rng.uniform(-1.0, 1.0, 6)),
    Case("nn", nn, _rng.uniform(-1.0, 1.0, 6)),
    Case("conv", conv, _rng.uniform(-1.0, 1.0, 16)),
    Case("pooling", pooling, _distinct(16, 0.1) + 2.0),
]


def weights_for(case: Case) -> Array:
    """Fixed random weights to make a case scalar: sum(w * f(x)), no symmetric cancelling."""
    rng = np.random.default_rng(len(case.name))
    with_shape = case.f(case.x).shape
    return rng.uniform(0.5, 1.5, with_shape)


def scalar(case: Case) -> Callable[[Operand], Variable]:
    w = weights_for(case)

    def total(x: Operand) -> Variable:
        return F.sum(case.f(x) * w)

    return total


def on_variables(f: Callable[[Variable], Variable]) -> Callable[[Operand], Variable]:
    """``f`` as the transforms see it: whatever operand they are given, they call ``f`` with a
    Variable (their node).  Their types cannot say so (``grad(f)`` takes what ``f`` takes), nor
    give a lambda's parameter a type (a ParamSpec does not): this gives it ``Variable``."""
    return cast(Callable[[Operand], Variable], f)
