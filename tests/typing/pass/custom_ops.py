"""A user writes ops: the result type follows from the forward signature.

``Cube`` and ``SumDiff`` are written DeZero's way (``backward`` on Variables); ``MulAdd`` with
the one rule, ``vjp`` (see vjp_ops.py).
"""

from typing import assert_type

import numpy as np

from plugrad import Function, Variable
from plugrad.typing import Array, V


class Cube(Function[Array]):
    """y = x ** 3"""

    def forward(self, x: Array) -> Array:
        return x**3

    def backward(self, gy: Variable) -> Variable:
        (x,) = self.inputs
        return gy * 3.0 * x**2


class MulAdd(Function[Array, Array, Array]):
    """y = x0 * x1 + x2"""

    def forward(self, x0: Array, x1: Array, x2: Array) -> Array:
        return x0 * x1 + x2

    def vjp(self, x0: V, x1: V, x2: V, gy: V) -> tuple[V, V, V]:
        return gy * x1, gy * x0, gy


class SumDiff(Function[Array, Array]):
    """(y0, y1) = (x0 + x1, x0 - x1)"""

    def forward(self, x0: Array, x1: Array) -> tuple[Array, Array]:
        return x0 + x1, x0 - x1

    def backward(self, gy0: Variable, gy1: Variable) -> tuple[Variable, Variable]:
        return gy0 + gy1, gy0 - gy1


class Halves(Function[Array]):
    """(y0, y1) = (first half of x, second half of x)"""

    def forward(self, x: Array) -> tuple[Array, Array]:
        n = x.shape[0] // 2
        return x[:n], x[n:]


x = Variable(np.array([1.0, 2.0, 3.0, 4.0]))
assert_type(Cube()(x), Variable)
assert_type(MulAdd()(x, x, 1.0), Variable)
assert_type(SumDiff()(x, x), tuple[Variable, Variable])
assert_type(Halves()(x), tuple[Variable, Variable])
s, d = SumDiff()(x, np.ones(4))
assert_type(s, Variable)
assert_type(d, Variable)
assert_type(Cube().apply(x), tuple[Variable, ...])
Cube()(x).backward()
assert x.grad is not None
np.testing.assert_allclose(x.grad.data, 3.0 * x.data**2)
x.cleargrad()
MulAdd()(x, x, 1.0).backward()
assert x.grad is not None
np.testing.assert_allclose(x.grad.data, 2.0 * x.data)
