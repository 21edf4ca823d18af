"""Ops whose derivative fails on demand, and a graph to put them in, for the tests of what a
failed backward leaves behind (nothing)."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

import plugrad.functions as F  # DeZero's convention
from plugrad import Function, Variable
from plugrad.typing import Array, V


def _unless_faulty(fault: object, gradient: object) -> Any:
    """``gradient``, or the fault set on the op: raised if it is an exception, else returned
    in the gradient's place (a wrong gradient)."""
    if isinstance(fault, BaseException):
        raise fault
    return gradient if fault is None else fault


class Faulty(Function[Array]):
    """y = 2x;  dy/dx = 2, unless ``fault`` is set: then the derivative raises it (or returns
    it, when it is not an exception: a wrong gradient)."""

    fault: ClassVar[object] = None

    def forward(self, x: Array) -> Array:
        return x * 2.0

    def vjp(self, x: V, gy: V) -> Any:
        return _unless_faulty(type(self).fault, gy * 2.0)


class FaultyDeZero(Function[Array]):
    """The same, written DeZero's way (``backward`` on Variables)."""

    fault: ClassVar[object] = None

    def forward(self, x: Array) -> Array:
        return x * 2.0

    def backward(self, gy: Variable) -> Any:
        return _unless_faulty(type(self).fault, gy * 2.0)


# Where the faulty op sits in the graph: the first function the walk visits, one in the middle,
# or the last (right above a leaf).
PLACES = ("first", "middle", "last")


FaultyOp = type[Faulty] | type[FaultyDeZero]


def graph(place: str, op: FaultyOp = Faulty) -> tuple[Variable, list[Variable]]:
    """A scalar of two leaves ``a`` and ``b`` with ``op`` at ``place``, and the leaves.

    Whatever the place, d y / d a = 12 and d y / d b = 4b (see ``EXPECTED``).
    """
    a = Variable(np.array([1.0, 2.0]), name="a")
    b = Variable(np.array([3.0, 4.0]), name="b")
    if place == "first":  # the output's creator
        y = op()(F.sum(a * 6.0 + F.square(b)))
    elif place == "middle":
        y = F.sum((op()(a * 3.0) + F.square(b)) * 2.0)
    else:  # right above leaf a
        y = F.sum((op()(a) * 3.0 + F.square(b)) * 2.0)
    return y, [a, b]


EXPECTED = [[12.0, 12.0], [12.0, 16.0]]
