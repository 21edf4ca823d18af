"""Small ops the tests share: two-output ops, DeZero-style and array-only rules, a tripwire."""

from __future__ import annotations

import numpy as np

from plugrad import Function, Variable
from plugrad.typing import Array, V


class SumDiff(Function[Array, Array]):
    """(y0, y1) = (x0 + x1, x0 - x1);  two outputs"""

    __slots__ = ()

    def forward(self, x0: Array, x1: Array) -> tuple[Array, Array]:
        return x0 + x1, x0 - x1

    def vjp(self, x0: V, x1: V, gy0: V, gy1: V) -> tuple[V, V]:
        return gy0 + gy1, gy0 - gy1


class SumProduct(Function[Array, Array]):
    """(y0, y1) = (x0 + x1, x0 * x1);  two outputs"""

    __slots__ = ()

    def forward(self, x0: Array, x1: Array) -> tuple[Array, Array]:
        return x0 + x1, x0 * x1

    def vjp(self, x0: V, x1: V, gy0: V, gy1: V) -> tuple[V, V]:
        return gy0 + gy1 * x1, gy0 + gy1 * x0


class DezeroStyleSin(Function[Array]):
    """y = sin(x), written the DeZero way: only ``backward`` on Variables"""

    __slots__ = ()

    def forward(self, x: Array) -> Array:
        return np.sin(x)

    def backward(self, gy: Variable) -> Variable:
        from plugrad.functions import cos

        (x,) = self.inputs
        return gy * cos(x)


class ArrayOnlyExp(Function[Array], name="tests.array_only_exp"):
    """y = exp(x), with only the first-order array form ``vjp_array``"""

    __slots__ = ()

    def forward(self, x: Array) -> Array:
        return np.exp(x)

    def vjp_array(self, x: Array, gy: Array) -> Array:
        return gy * np.exp(x)


class Tripwire(Function[Array]):
    """y = x, whose rule must never run (the walk should have stopped before it)"""

    __slots__ = ()

    def forward(self, x: Array) -> Array:
        return x.copy()

    def vjp(self, x: V, gy: V) -> V:
        raise AssertionError("the walk went behind the inputs it was asked for")


class Scatter(Function[Array]):
    """y = x placed in a larger zero array (a rule built by item assignment)"""

    __slots__ = ()

    def forward(self, x: Array) -> Array:
        y = np.zeros(x.size + 2)
        y[1:-1] = x.reshape(-1)
        return y.reshape(x.size + 2) * 1.0

    def vjp(self, x: V, gy: V) -> V:
        gx: V = gy[1:-1].reshape(x.shape) * 1.0
        return gx
