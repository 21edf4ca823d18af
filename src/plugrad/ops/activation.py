"""Activations: sigmoid, relu, leaky_relu, softmax, log_softmax."""

from __future__ import annotations

import numpy as np

from plugrad._typing import Array, Operand
from plugrad.core.function import Function
from plugrad.core.variable import Variable, as_variable
from plugrad.ops import _samples, reduction
from plugrad.ops.elementwise import _output, exp
from plugrad.plugin import Registrar, Sample, SampleFactory, hookimpl
from plugrad.registry import resolve


class Sigmoid(Function[Array]):
    """y = 1 / (1 + exp(-x));  dy/dx = y * (1 - y)"""

    __slots__ = ()
    retains_inputs = False  # backward reads the inputs' shapes only

    def forward(self, x: Array) -> Array:
        # tanh form: no overflow in exp(-x) for large negative x.
        y: Array = np.tanh(x * 0.5) * 0.5 + 0.5
        return y

    def backward_array(self, gy: Array) -> Array:
        y = _output(self).data
        return gy * y * (1.0 - y)

    def backward(self, gy: Variable) -> Variable:
        y = _output(self)
        return gy * y * (1.0 - y)


def sigmoid(x: Operand) -> Variable:
    """Logistic sigmoid."""
    return resolve("sigmoid", Sigmoid)()(x)


class ReLU(Function[Array]):
    """y = max(x, 0);  dy/dx = 1 where x > 0, else 0"""

    __slots__ = ()
    retains_outputs = False

    def forward(self, x: Array) -> Array:
        y: Array = np.maximum(x, 0)  # a Python 0 keeps float32 float32
        return y

    def _mask(self) -> Array:
        x = self.inputs[0].data
        return (x > 0).astype(x.dtype)

    def backward_array(self, gy: Array) -> Array:
        return gy * self._mask()

    def backward(self, gy: Variable) -> Variable:
        return gy * self._mask()


def relu(x: Operand) -> Variable:
    """Rectified linear unit, max(x, 0)."""
    return resolve("relu", ReLU)()(x)


class LeakyReLU(Function[Array]):
    """y = x where x > 0, else slope * x;  dy/dx = 1 or slope"""

    __slots__ = ("slope",)
    retains_outputs = False

    def __init__(self, slope: float = 0.2) -> None:
        self.slope = float(slope)

    def forward(self, x: Array) -> Array:
        y: Array = np.where(x > 0, x, x * self.slope)
        return y

    def _factor(self) -> Array:
        x = self.inputs[0].data
        factor: Array = np.where(x > 0, 1.0, self.slope).astype(x.dtype)
        return factor

    def backward_array(self, gy: Array) -> Array:
        return gy * self._factor()

    def backward(self, gy: Variable) -> Variable:
        return gy * self._factor()


def leaky_relu(x: Operand, slope: float = 0.2) -> Variable:
    """x where x > 0, else slope * x."""
    return resolve("leaky_relu", LeakyReLU)(slope)(x)


def sigmoid_simple(x: Operand) -> Variable:
    """1 / (1 + exp(-x)) composed from basic ops (DeZero's step-by-step version)."""
    return 1.0 / (1.0 + exp(-as_variable(x)))


def softmax_simple(x: Operand, axis: int | tuple[int, ...] = 1) -> Variable:
    """exp(x) / sum(exp(x)) composed from basic ops (DeZero's; no shift, so it can overflow)."""
    y = exp(x)
    return y / reduction.sum(y, axis, keepdims=True)


def _check_axis(op: str, x: Array, axis: int | tuple[int, ...]) -> None:
    for a in (axis,) if isinstance(axis, int) else axis:
        if not -x.ndim <= a < x.ndim:
            raise ValueError(
                f"{op}: axis {axis} is out of range for an input of shape {x.shape}; "
                "the default axis=1 expects a batch of shape (N, C)"
            )


def softmax_array(x: Array, axis: int | tuple[int, ...]) -> Array:
    """Softmax on an ndarray, shifted by the maximum so that exp never overflows."""
    y: Array = np.exp(x - x.max(axis=axis, keepdims=True))
    y /= y.sum(axis=axis, keepdims=True)
    return y


def log_softmax_array(x: Array, axis: int | tuple[int, ...]) -> Array:
    """log(softmax(x)) on an ndarray, without taking the log of an underflowed 0."""
    shifted: Array = x - x.max(axis=axis, keepdims=True)
    shifted -= np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
    return shifted


class Softmax(Function[Array]):
    """y = exp(x) / sum(exp(x), axis);  gx = y * gy - y * sum(y * gy, axis)"""

    __slots__ = ("axis",)
    retains_inputs = False  # backward reads the inputs' shapes only

    def __init__(self, axis: int | tuple[int, ...] = 1) -> None:
        self.axis = axis

    def forward(self, x: Array) -> Array:
        _check_axis("softmax", x, self.axis)
        return softmax_array(x, self.axis)

    def backward_array(self, gy: Array) -> Array:
        y = _output(self).data
        gx: Array = y * gy
        gx -= y * gx.sum(axis=self.axis, keepdims=True)
        return gx

    def backward(self, gy: Variable) -> Variable:
        y = _output(self)
        gx = y * gy
        return gx - y * reduction.sum(gx, self.axis, keepdims=True)


def softmax(x: Operand, axis: int | tuple[int, ...] = 1) -> Variable:
    """Softmax over ``axis`` (the class axis of an (N, C) batch by default)."""
    return resolve("softmax", Softmax)(axis)(x)


class LogSoftmax(Function[Array]):
    """y = x - logsumexp(x, axis);  gx = gy - softmax(x) * sum(gy, axis)"""

    __slots__ = ("axis",)
    retains_inputs = False  # backward reads the inputs' shapes only

    def __init__(self, axis: int | tuple[int, ...] = 1) -> None:
        self.axis = axis

    def forward(self, x: Array) -> Array:
        _check_axis("log_softmax", x, self.axis)
        return log_softmax_array(x, self.axis)

    def backward_array(self, gy: Array) -> Array:
        y = _output(self).data
        gx: Array = gy - np.exp(y) * gy.sum(axis=self.axis, keepdims=True)
        return gx

    def backward(self, gy: Variable) -> Variable:
        y = _output(self)
        return gy - exp(y) * reduction.sum(gy, self.axis, keepdims=True)


def log_softmax(x: Operand, axis: int | tuple[int, ...] = 1) -> Variable:
    """log(softmax(x)), computed stably."""
    return resolve("log_softmax", LogSoftmax)(axis)(x)


def _axis_samples(cls: type[Softmax] | type[LogSoftmax]) -> SampleFactory:
    def samples(rng: np.random.Generator) -> list[Sample]:
        x2 = _samples.uniform(rng, (3, 4), -2.0, 2.0)
        x3 = _samples.uniform(rng, (2, 3, 4), -2.0, 2.0)
        return [
            Sample((x2,), make=lambda: cls(1), label="(3, 4) axis=1"),
            Sample((x2,), make=lambda: cls(0), label="(3, 4) axis=0"),
            Sample((x3,), make=lambda: cls(-1), label="(2, 3, 4) axis=-1"),
        ]

    return samples


def _kinked(make: type[ReLU] | type[LeakyReLU]) -> SampleFactory:
    """Inputs kept at least 0.1 from the kink at 0, where central differences are wrong."""

    def samples(rng: np.random.Generator) -> list[Sample]:
        return [
            Sample((_samples.away_from_zero(rng, shape, 0.1, 2.0),), make=make, label=f"{shape}")
            for shape in _samples.UNARY_SHAPES
        ]

    return samples


@hookimpl
def plugrad_register_ops(registrar: Registrar) -> None:
    registrar.register(
        "sigmoid", Sigmoid, arity=1, description="1 / (1 + exp(-x))", samples=_samples.unary()
    )
    registrar.register("relu", ReLU, arity=1, description="max(x, 0)", samples=_kinked(ReLU))
    registrar.register(
        "leaky_relu",
        LeakyReLU,
        arity=1,
        description="x if x > 0 else slope * x",
        samples=_kinked(LeakyReLU),
    )
    registrar.register(
        "softmax",
        Softmax,
        arity=1,
        description="exp(x) / sum(exp(x), axis)",
        samples=_axis_samples(Softmax),
    )
    registrar.register(
        "log_softmax",
        LogSoftmax,
        arity=1,
        description="x - logsumexp(x, axis)",
        samples=_axis_samples(LogSoftmax),
    )
