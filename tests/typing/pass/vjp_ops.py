"""A user writes ops with the one derivative rule, ``vjp``, typed with ``plugrad.typing.V``.

mypy checks each rule twice, once with ndarrays (the first-order path) and once with Variables
(``create_graph``); the file also runs, differentiating every op once and twice.
"""

from __future__ import annotations

from typing import assert_type

import numpy as np

import plugrad.functions as F
from plugrad import Function, Variable
from plugrad.typing import AnyFunction, Array, Operand, Shape, V


class Sin(Function[Array]):
    """y = sin(x);  dy/dx = cos(x)"""

    __slots__ = ()

    def forward(self, x: Array) -> Array:
        return np.sin(x)

    def vjp(self, x: V, gy: V) -> V:
        c = F.Cos().of(x)  # an ndarray for ndarrays, a recorded op for Variables
        assert_type(c, V)
        gx: V = gy * c
        return gx


class Exp(Function[Array]):
    """y = exp(x);  dy/dx = y"""

    __slots__ = ()
    retains_outputs = True  # the output comes to the rule after the inputs

    def forward(self, x: Array) -> Array:
        return np.exp(x)

    def vjp(self, x: V, y: V, gy: V) -> V:
        gx: V = gy * y
        return gx


class ScaledProduct(Function[Array, Array]):
    """y = x0 * x1 / 2, broadcasting;  dy/dx0 = x1 / 2, dy/dx1 = x0 / 2"""

    __slots__ = ()

    def forward(self, x0: Array, x1: Array) -> Array:
        return x0 * x1 / 2.0

    def vjp(self, x0: V, x1: V, gy: V) -> tuple[V | None, V | None]:
        half = gy / 2.0
        gx0 = F.unbroadcast(half * x1, x0.shape) if self.needs_grad(0) else None
        gx1 = F.unbroadcast(half * x0, x1.shape) if self.needs_grad(1) else None
        return gx0, gx1


class Relu(Function[Array]):
    """y = max(x, 0);  dy/dx = 1 where x > 0"""

    __slots__ = ()

    def forward(self, x: Array) -> Array:
        return np.maximum(x, 0.0)

    def vjp(self, x: V, gy: V) -> V:
        mask = (F.data_of(x) > 0).astype(F.data_of(gy).dtype)  # a constant for both kinds
        assert_type(mask, Array)
        gx: V = gy * mask
        return gx


class RowSum(Function[Array]):
    """y = x summed over its last axis;  gx = gy broadcast back"""

    __slots__ = ("shape",)
    retains_inputs = False  # the rule reads the input's shape only

    def __init__(self) -> None:
        self.shape: Shape = ()

    def forward(self, x: Array) -> Array:
        self.shape = x.shape
        y: Array = x.sum(axis=-1)
        return y

    def vjp(self, x: V, gy: V) -> V:
        input_shape: Shape = x.shape  # a Variable's and an ndarray's shape alike
        assert input_shape == self.shape
        return F.BroadcastTo(self.shape).of(gy.reshape((*self.shape[:-1], 1)))


def sin(x: Operand) -> Variable:
    """A typed wrapper, DeZero's way."""
    return Sin()(x)


xs = np.array([0.3, -1.2, 2.0])
x = Variable(xs.copy())
y = sin(x)
assert_type(y, Variable)
creator: AnyFunction | None = y.creator
assert_type(y.creator, "AnyFunction | None")  # quoted: AnyFunction is a forward reference
assert creator is not None
assert_type(creator.inputs, tuple[Variable, ...])
shape: Shape = y.shape
assert shape == (3,)

# First order (the rule on ndarrays), then second order (the same rule on Variables).
y.backward(create_graph=True)
gx = x.grad
assert gx is not None
np.testing.assert_allclose(gx.data, np.cos(xs))
x.cleargrad()
gx.backward()
assert x.grad is not None
np.testing.assert_allclose(x.grad.data, -np.sin(xs))

for op, derivative in ((Exp(), np.exp(xs)), (Relu(), (xs > 0).astype(float))):
    x = Variable(xs.copy())
    assert_type(op(x), Variable)
    op(x).backward()
    assert x.grad is not None
    np.testing.assert_allclose(x.grad.data, derivative)

a = Variable(np.ones((2, 3)))
b = Variable(np.full(3, 4.0))
F.sum(ScaledProduct()(a, b)).backward()
assert a.grad is not None
assert b.grad is not None
np.testing.assert_allclose(a.grad.data, np.full((2, 3), 2.0))
np.testing.assert_allclose(b.grad.data, np.full(3, 1.0))

m = Variable(np.arange(6.0).reshape(2, 3))
F.sum(RowSum()(m) ** 2).backward(create_graph=True)  # d/dm sum_i (sum_j m_ij)^2 = 2 s_i
assert m.grad is not None
np.testing.assert_allclose(m.grad.data, [[6.0] * 3, [24.0] * 3])
