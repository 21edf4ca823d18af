"""Reductions: sum, average (mean), max, min, logsumexp."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

import numpy as np

from plugrad._arrays import kept_dims_shape, logsumexp_array
from plugrad.core.function import Function
from plugrad.core.spec import Sample
from plugrad.core.variable import Variable, as_variable, data_of
from plugrad.ops import _samples
from plugrad.ops._checks import axis_argument, flag_argument
from plugrad.ops.elementwise import Exp
from plugrad.ops.shape import BroadcastTo
from plugrad.registry import resolve
from plugrad.typing import AnyFunction, Array, Axes, Operand, Shape, V


class Sum(Function[Array], name="sum", samples=lambda rng: _sum_samples(rng)):
    """y = sum of x over ``axis``;  gx = gy broadcast back to x's shape"""

    __slots__ = ("axis", "keepdims")
    retains_inputs = False  # the rule reads the input's shape only

    def __init__(self, axis: Axes | None = None, keepdims: bool = False) -> None:
        self.axis: int | tuple[int, ...] | None = axis_argument("sum", axis)
        self.keepdims: bool = flag_argument("sum", "keepdims", keepdims)

    def forward(self, x: Array) -> Array:
        try:
            y: Array = x.sum(axis=self.axis, keepdims=self.keepdims)
        except ValueError as error:  # NumPy's AxisError is one, and so is a repeated axis
            raise _axis_error("sum", self.axis, x, error) from None
        return y

    def vjp(self, x: V, gy: V) -> V:
        return BroadcastTo(x.shape).of(gy.reshape(kept_dims_shape(x.shape, self.axis)))


def sum(x: Operand, axis: Axes | None = None, keepdims: bool = False) -> Variable:  # noqa: A001  # DeZero's F.sum
    """Sum of x over ``axis`` (all axes by default)."""
    return resolve(Sum)(axis, keepdims)(x)


def average(x: Operand, axis: Axes | None = None, keepdims: bool = False) -> Variable:
    """Mean of x over ``axis`` (all axes by default); DeZero's F.average, also F.mean."""
    x = as_variable(x)
    y = sum(x, axis, keepdims)
    # A Python float factor keeps a float32 graph float32 (an empty x gives NaN, as NumPy's).
    return y * (y.size / x.size if x.size else float("nan"))


mean = average


class _Extremum(Function[Array]):
    """Shared by Max and Min: the gradient flows to the entries equal to the result."""

    __slots__ = ("axis", "keepdims")
    _name: ClassVar[str] = "max"  # for error messages
    retains_outputs = True

    def __init__(self, axis: Axes | None = None, keepdims: bool = False) -> None:
        self.axis: int | tuple[int, ...] | None = axis_argument(type(self).__name__.lower(), axis)
        self.keepdims: bool = flag_argument(type(self).__name__.lower(), "keepdims", keepdims)

    def _reduce(self, x: Array) -> Array:
        raise NotImplementedError

    def forward(self, x: Array) -> Array:
        if x.size == 0:
            raise ValueError(f"{self._name}: the input of shape {x.shape} is empty")
        try:
            return self._reduce(x)
        except ValueError as error:  # NumPy's AxisError is one, and so is a repeated axis
            raise _axis_error(self._name, self.axis, x, error) from None

    def vjp(self, x: V, y: V, gy: V) -> V:
        # The gradient goes to every entry equal to the result (ties share it, as in DeZero).
        kept = kept_dims_shape(x.shape, self.axis)
        x_data = data_of(x)
        mask = (x_data == data_of(y).reshape(kept)).astype(x_data.dtype)
        gx: V = gy.reshape(kept) * mask
        return gx


class Max(_Extremum, name="max", samples=lambda rng: _extremum_samples(Max, rng)):
    """y = max of x over ``axis``;  gx = gy where x == y, else 0"""

    __slots__ = ()
    _name = "max"

    def _reduce(self, x: Array) -> Array:
        y: Array = x.max(axis=self.axis, keepdims=self.keepdims)
        return y


class Min(_Extremum, name="min", samples=lambda rng: _extremum_samples(Min, rng)):
    """y = min of x over ``axis``;  gx = gy where x == y, else 0"""

    __slots__ = ()
    _name = "min"

    def _reduce(self, x: Array) -> Array:
        y: Array = x.min(axis=self.axis, keepdims=self.keepdims)
        return y


def max(x: Operand, axis: Axes | None = None, keepdims: bool = False) -> Variable:  # noqa: A001  # DeZero's F.max
    """Maximum of x over ``axis`` (all axes by default)."""
    return resolve(Max)(axis, keepdims)(x)


def min(x: Operand, axis: Axes | None = None, keepdims: bool = False) -> Variable:  # noqa: A001  # DeZero's F.min
    """Minimum of x over ``axis`` (all axes by default)."""
    return resolve(Min)(axis, keepdims)(x)


class LogSumExp(Function[Array], name="logsumexp", samples=lambda rng: _logsumexp_samples(rng)):
    """y = log(sum(exp(x), axis));  gx = gy * exp(x - y)  (the softmax of x)"""

    __slots__ = ("axis", "keepdims")
    retains_outputs = True

    def __init__(self, axis: Axes | None = 1, keepdims: bool = True) -> None:
        self.axis: int | tuple[int, ...] | None = axis_argument("logsumexp", axis)
        self.keepdims: bool = flag_argument("logsumexp", "keepdims", keepdims)

    def forward(self, x: Array) -> Array:
        try:
            y = logsumexp_array(x, self.axis)
        except ValueError as error:  # NumPy's AxisError is one, and so is a repeated axis
            raise _axis_error("logsumexp", self.axis, x, error) from None
        if not self.keepdims:
            y = y.reshape(np.sum(x, axis=self.axis).shape)
        return y

    def vjp(self, x: V, y: V, gy: V) -> V:
        kept = kept_dims_shape(x.shape, self.axis)
        gx: V = gy.reshape(kept) * Exp().of(x - y.reshape(kept))
        return gx


def logsumexp(x: Operand, axis: Axes | None = 1, keepdims: bool = True) -> Variable:
    """log(sum(exp(x), axis)) without overflow; keeps the reduced axis, as DeZero's does."""
    return resolve(LogSumExp)(axis, keepdims)(x)


def _axis_error(op: str, axis: int | Shape | None, x: Array, error: ValueError) -> ValueError:
    return ValueError(
        f"{op}: axis {axis} does not fit an input of shape {x.shape} ({error}); axes lie in "
        f"[-{x.ndim}, {x.ndim}) and each appears once"
    )


# The axis and keepdims settings every reduction's samples cover.
_AXIS_SETTINGS: list[tuple[int | Shape | None, bool]] = [
    (None, False),
    (1, False),
    ((0, 2), True),
    (-1, True),
]


def _reduction_samples(
    make: Callable[[int | Shape | None, bool], AnyFunction], x: Array
) -> list[Sample]:
    return [
        Sample((x,), make=lambda a=axis, k=keep: make(a, k), label=f"axis={axis} keepdims={keep}")  # type: ignore[misc]  # default-bound lambda
        for axis, keep in _AXIS_SETTINGS
    ]


def _sum_samples(rng: np.random.Generator) -> list[Sample]:
    return _reduction_samples(Sum, _samples.uniform(rng, (2, 3, 4), -2.0, 2.0))


def _distinct(rng: np.random.Generator, shape: Shape) -> Array:
    """Values at least 0.1 apart, so that the maximum and minimum are unique and stable."""
    size = int(np.prod(shape))
    values = (rng.permutation(size) - size / 2) * 0.3 + rng.uniform(-0.05, 0.05, size)
    return np.asarray(values, dtype=np.float64).reshape(shape)


def _extremum_samples(cls: type[Max] | type[Min], rng: np.random.Generator) -> list[Sample]:
    return _reduction_samples(cls, _distinct(rng, (2, 3, 4)))


def _logsumexp_samples(rng: np.random.Generator) -> list[Sample]:
    x = _samples.uniform(rng, (3, 4), -2.0, 2.0)
    return [
        Sample((x,), make=lambda: LogSumExp(1, True), label="axis=1 keepdims"),
        Sample((x,), make=lambda: LogSumExp(0, False), label="axis=0"),
        Sample((x,), make=lambda: LogSumExp(None, False), label="all axes"),
    ]
