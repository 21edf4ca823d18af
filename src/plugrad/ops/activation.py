"""Activations: sigmoid (and its derivative, an op), relu, leaky_relu, softmax, log_softmax."""

from __future__ import annotations

import numpy as np

from plugrad._arrays import get_array_module
from plugrad.core.function import Function
from plugrad.core.spec import Sample
from plugrad.core.variable import Variable, as_variable, data_of
from plugrad.ops import _samples, reduction
from plugrad.ops._checks import axis_argument, real_number
from plugrad.ops.elementwise import Exp, exp
from plugrad.registry import resolve
from plugrad.typing import Array, Operand, V


class Sigmoid(Function[Array], name="sigmoid", samples=_samples.unary()):
    """y = 1 / (1 + exp(-x));  dy/dx = y * (1 - y)"""

    __slots__ = ()
    retains_inputs = False  # the rule reads the output, not the input
    retains_outputs = True

    def forward(self, x: Array) -> Array:
        return sigmoid_array(x)

    def vjp(self, x: V, y: V, gy: V) -> V:
        # One op, not four: higher derivatives then grow by a few ops per order.
        return SigmoidGrad().of(y, gy)


def sigmoid_array(x: Array) -> Array:
    """The logistic sigmoid of an ndarray, overflow-safe, in one output buffer.

    float32 uses ``tanh(x / 2) / 2 + 1 / 2`` (NumPy's float32 tanh is vectorized: 1.3-1.5x
    faster than the exp form here).  Other dtypes use ``1 / (1 + exp(-x))``: exp has a
    vectorized float64 kernel where tanh may not (the issue's CPU: 0.12 s against 0.94 s on a
    4-million-point grid), and for x < -709 exp(-x) overflows to inf, so y is the exact limit
    0 (the overflow warning is silenced); it is also the more accurate form for negative x.
    Every step after the first writes in place: on large arrays, fresh allocations (page
    faults) cost as much as the arithmetic.
    """
    xp = get_array_module(x)
    y: Array = xp.empty(x.shape, dtype=xp.result_type(x, 1.0))  # float64 for integer input
    if y.dtype == xp.float32:
        xp.multiply(x, 0.5, out=y)
        xp.tanh(y, out=y)
        y *= 0.5
        y += 0.5
        return y
    xp.negative(x, out=y)
    with xp.errstate(over="ignore"):
        xp.exp(y, out=y)
    y += 1.0
    xp.reciprocal(y, out=y)
    return y


def sigmoid(x: Operand) -> Variable:
    """Logistic sigmoid."""
    return resolve(Sigmoid)()(x)


class SigmoidGrad(
    Function[Array, Array],
    name="sigmoid_grad",
    samples=_samples.binary(0.05, 0.95, shapes=[((2, 3), (2, 3)), ((), ())]),
):
    """g = gy y (1 - y), sigmoid's derivative;  dg/dy = gy (1 - 2 y), dg/dgy = y (1 - y)"""

    __slots__ = ()

    def forward(self, y: Array, gy: Array) -> Array:
        xp = get_array_module(y)
        g: Array = xp.subtract(1.0, y, dtype=xp.result_type(y, gy))  # one buffer, in place
        g *= y
        g *= gy
        return g

    def vjp(self, y: V, gy: V, gg: V) -> tuple[V | None, V | None]:
        g_y = gg * gy * (1.0 - y * 2.0) if self.needs_grad(0) else None
        g_gy = SigmoidGrad().of(y, gg) if self.needs_grad(1) else None
        return g_y, g_gy


class ReLU(Function[Array], name="relu", samples=lambda rng: _kinked(rng, ReLU)):
    """y = max(x, 0);  dy/dx = 1 where x > 0, else 0"""

    __slots__ = ()

    def forward(self, x: Array) -> Array:
        y: Array = get_array_module(x).maximum(x, 0)  # a Python 0 keeps float32 float32
        return y

    def vjp(self, x: V, gy: V) -> V:
        data = data_of(x)
        gx: V = gy * (data > 0).astype(data.dtype)
        return gx


def relu(x: Operand) -> Variable:
    """Rectified linear unit, max(x, 0)."""
    return resolve(ReLU)()(x)


class LeakyReLU(Function[Array], name="leaky_relu", samples=lambda rng: _kinked(rng, LeakyReLU)):
    """y = x where x > 0, else slope * x;  dy/dx = 1 or slope"""

    __slots__ = ("slope",)

    def __init__(self, slope: float = 0.2) -> None:
        self.slope: float = real_number("leaky_relu", "slope", slope)

    def forward(self, x: Array) -> Array:
        # max(x, slope x) for slope <= 1, min for slope > 1: ufuncs that vectorize, where
        # numpy.where on a random mask does not (1.6M float32: 0.36 against 6.5 ms).
        xp = get_array_module(x)
        y: Array = xp.empty(x.shape, dtype=xp.result_type(x, self.slope))
        xp.multiply(x, self.slope, out=y)
        extremum = xp.maximum if self.slope <= 1.0 else xp.minimum
        extremum(x, y, out=y)
        return y

    def vjp(self, x: V, gy: V) -> V:
        data = data_of(x)
        # 1 where x > 0, else slope, as mask * (1 - slope) + slope: no numpy.where (see above).
        factor = (data > 0).astype(data.dtype if data.dtype.kind == "f" else gy.dtype)
        factor *= 1.0 - self.slope
        factor += self.slope
        gx: V = gy * factor
        return gx


def leaky_relu(x: Operand, slope: float = 0.2) -> Variable:
    """x where x > 0, else slope * x."""
    return resolve(LeakyReLU)(slope)(x)


def sigmoid_simple(x: Operand) -> Variable:
    """1 / (1 + exp(-x)) composed from basic ops (DeZero's step-by-step version)."""
    return 1.0 / (1.0 + exp(-as_variable(x)))


def softmax_simple(x: Operand, axis: int | tuple[int, ...] = 1) -> Variable:
    """exp(x) / sum(exp(x)) composed from basic ops (DeZero's; no shift, so it can overflow)."""
    y = exp(x)
    return y / reduction.sum(y, axis, keepdims=True)


def _check_axis(op: str, x: Array, axis: int | tuple[int, ...]) -> None:
    given = axis_argument(op, axis)
    if given is None:
        raise TypeError(f"{op}: axis must be an int or a tuple of ints, got None")
    for a in (given,) if isinstance(given, int) else given:
        if not -x.ndim <= a < x.ndim:
            raise ValueError(
                f"{op}: axis {axis} is out of range for an input of shape {x.shape}; "
                "the default axis=1 expects a batch of shape (N, C)"
            )


def softmax_array(x: Array, axis: int | tuple[int, ...]) -> Array:
    """Softmax on an ndarray, shifted by the maximum so that exp never overflows."""
    xp = get_array_module(x)
    y: Array = x - x.max(axis=axis, keepdims=True)
    xp.exp(y, out=y)
    y /= y.sum(axis=axis, keepdims=True)
    return y


def log_softmax_array(x: Array, axis: int | tuple[int, ...]) -> Array:
    """log(softmax(x)) on an ndarray, without taking the log of an underflowed 0."""
    xp = get_array_module(x)
    shifted: Array = x - x.max(axis=axis, keepdims=True)
    shifted -= xp.log(xp.exp(shifted).sum(axis=axis, keepdims=True))
    return shifted


class Softmax(Function[Array], name="softmax", samples=lambda rng: _axis_samples(rng, Softmax)):
    """y = exp(x) / sum(exp(x), axis);  gx = y * gy - y * sum(y * gy, axis)"""

    __slots__ = ("axis",)
    retains_inputs = False  # the rule reads the output, not the input
    retains_outputs = True

    def __init__(self, axis: int | tuple[int, ...] = 1) -> None:
        self.axis: int | tuple[int, ...] = axis

    def forward(self, x: Array) -> Array:
        _check_axis("softmax", x, self.axis)
        return softmax_array(x, self.axis)

    def vjp(self, x: V, y: V, gy: V) -> V:
        y_gy = y * gy
        gx: V = y_gy - y * y_gy.sum(axis=self.axis, keepdims=True)  # pyright: ignore[reportAssignmentType]  # NumPy types ndarray.sum as Any
        return gx


def softmax(x: Operand, axis: int | tuple[int, ...] = 1) -> Variable:
    """Softmax over ``axis`` (the class axis of an (N, C) batch by default)."""
    return resolve(Softmax)(axis)(x)


class LogSoftmax(
    Function[Array], name="log_softmax", samples=lambda rng: _axis_samples(rng, LogSoftmax)
):
    """y = x - logsumexp(x, axis);  gx = gy - exp(y) * sum(gy, axis)"""

    __slots__ = ("axis",)
    retains_inputs = False  # the rule reads the output, not the input
    retains_outputs = True

    def __init__(self, axis: int | tuple[int, ...] = 1) -> None:
        self.axis: int | tuple[int, ...] = axis

    def forward(self, x: Array) -> Array:
        _check_axis("log_softmax", x, self.axis)
        return log_softmax_array(x, self.axis)

    def vjp(self, x: V, y: V, gy: V) -> V:
        # exp(y) is softmax(x), recovered from the output without a second pass over x.
        gx: V = gy - Exp().of(y) * gy.sum(axis=self.axis, keepdims=True)  # pyright: ignore[reportAssignmentType]  # NumPy types ndarray.sum as Any
        return gx


def log_softmax(x: Operand, axis: int | tuple[int, ...] = 1) -> Variable:
    """log(softmax(x)), computed stably."""
    return resolve(LogSoftmax)(axis)(x)


def _axis_samples(rng: np.random.Generator, cls: type[Softmax] | type[LogSoftmax]) -> list[Sample]:
    x2 = _samples.uniform(rng, (3, 4), -2.0, 2.0)
    x3 = _samples.uniform(rng, (2, 3, 4), -2.0, 2.0)
    return [
        Sample((x2,), make=lambda: cls(1), label="(3, 4) axis=1"),
        Sample((x2,), make=lambda: cls(0), label="(3, 4) axis=0"),
        Sample((x3,), make=lambda: cls(-1), label="(2, 3, 4) axis=-1"),
    ]


def _kinked(rng: np.random.Generator, make: type[ReLU] | type[LeakyReLU]) -> list[Sample]:
    """Inputs kept at least 0.1 from the kink at 0, where central differences are wrong."""
    return [
        Sample((_samples.away_from_zero(rng, shape, 0.1, 2.0),), make=make, label=f"{shape}")
        for shape in _samples.UNARY_SHAPES
    ]
