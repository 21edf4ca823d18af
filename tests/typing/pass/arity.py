"""Custom ops of up to 6 inputs and 4 outputs are typed exactly (waits on core/function.py)."""

from typing import assert_type

import numpy as np

from plugrad import Function, Variable
from plugrad.typing import Array, V


class Sum4(Function[Array, Array, Array, Array]):
    """y = a + b + c + d"""

    def forward(self, a: Array, b: Array, c: Array, d: Array) -> Array:
        return a + b + c + d

    def vjp(self, a: V, b: V, c: V, d: V, gy: V) -> tuple[V, V, V, V]:
        return gy, gy, gy, gy


class Affine5(Function[Array, Array, Array, Array, Array]):
    """y = a * b + c * d + e"""

    def forward(self, a: Array, b: Array, c: Array, d: Array, e: Array) -> Array:
        y: Array = a * b + c * d + e
        return y


class Six(Function[Array, Array, Array, Array, Array, Array]):
    """(y0, y1) = (a + b + c, d * e * f)"""

    def forward(
        self, a: Array, b: Array, c: Array, d: Array, e: Array, f: Array
    ) -> tuple[Array, Array]:
        return a + b + c, d * e * f


class SumDiff3(Function[Array, Array, Array]):
    """(y0, y1, y2) = (a + b + c, a - b, b - c)"""

    def forward(self, a: Array, b: Array, c: Array) -> tuple[Array, Array, Array]:
        return a + b + c, a - b, b - c

    def backward(
        self, g0: Variable, g1: Variable, g2: Variable
    ) -> tuple[Variable, Variable, Variable]:
        return g0 + g1, g0 - g1 + g2, g0 - g2


class Quarters(Function[Array]):
    """The four quarters of x."""

    def forward(self, x: Array) -> tuple[Array, Array, Array, Array]:
        n = x.shape[0] // 4
        return x[:n], x[n : 2 * n], x[2 * n : 3 * n], x[3 * n :]


class Split4From2(Function[Array, Array]):
    """(a, b, a * b, a - b)"""

    def forward(self, a: Array, b: Array) -> tuple[Array, Array, Array, Array]:
        return a, b, a * b, a - b


x = Variable(np.arange(8.0))
assert_type(Sum4()(x, x, x, 1.0), Variable)
assert_type(Affine5()(x, x, x, x, x), Variable)
assert_type(Six()(x, x, x, x, x, x), tuple[Variable, Variable])
assert_type(SumDiff3()(x, x, x), tuple[Variable, Variable, Variable])
assert_type(Quarters()(x), tuple[Variable, Variable, Variable, Variable])
assert_type(Split4From2()(x, 2.0), tuple[Variable, Variable, Variable, Variable])
q0, q1, q2, q3 = Quarters()(x)
assert_type(q3, Variable)
Sum4()(x, x, x, x).backward()
assert x.grad is not None
np.testing.assert_allclose(x.grad.data, np.full(8, 4.0))


def rule(a: V, b: V, c: V, d: V) -> V:  # of() inside a rule, with four inputs
    return Sum4().of(a, b, c, d)


np.testing.assert_allclose(rule(np.ones(2), np.ones(2), np.ones(2), np.ones(2)), np.full(2, 4.0))
