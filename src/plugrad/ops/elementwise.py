"""Elementwise math: square, exp, log, sin, cos, tanh, clip."""

from __future__ import annotations

import numpy as np

from plugrad._typing import Array, Operand
from plugrad.core.function import Function
from plugrad.core.variable import Variable
from plugrad.ops import _samples
from plugrad.plugin import Registrar, Sample, hookimpl
from plugrad.registry import resolve


def _output(func: Function[Array]) -> Variable:
    """The op's (single) output, which the walk keeps alive while the op runs backward."""
    y = func.outputs[0]()
    if y is None:  # only if someone calls backward by hand after dropping the output
        raise RuntimeError(f"{type(func).__name__}.backward: its output was already freed")
    return y


class Square(Function[Array]):
    """y = x ** 2;  dy/dx = 2x"""

    __slots__ = ()
    retains_outputs = False

    def forward(self, x: Array) -> Array:
        return x * x

    def backward_array(self, gy: Array) -> Array:
        (x,) = self.inputs
        return gy * (2.0 * x.data)

    def backward(self, gy: Variable) -> Variable:
        (x,) = self.inputs
        return gy * (2.0 * x)


def square(x: Operand) -> Variable:
    """x ** 2"""
    return resolve("square", Square)()(x)


class Exp(Function[Array]):
    """y = exp(x);  dy/dx = y"""

    __slots__ = ()
    retains_inputs = False  # backward reads the inputs' shapes only

    def forward(self, x: Array) -> Array:
        return np.exp(x)

    def backward_array(self, gy: Array) -> Array:
        return gy * _output(self).data

    def backward(self, gy: Variable) -> Variable:
        return gy * _output(self)


def exp(x: Operand) -> Variable:
    """e ** x"""
    return resolve("exp", Exp)()(x)


class Log(Function[Array]):
    """y = log(x);  dy/dx = 1 / x"""

    __slots__ = ()
    retains_outputs = False

    def forward(self, x: Array) -> Array:
        return np.log(x)

    def backward_array(self, gy: Array) -> Array:
        (x,) = self.inputs
        return gy / x.data

    def backward(self, gy: Variable) -> Variable:
        (x,) = self.inputs
        return gy / x


def log(x: Operand) -> Variable:
    """Natural logarithm."""
    return resolve("log", Log)()(x)


class Sin(Function[Array]):
    """y = sin(x);  dy/dx = cos(x)"""

    __slots__ = ()
    retains_outputs = False

    def forward(self, x: Array) -> Array:
        return np.sin(x)

    def backward_array(self, gy: Array) -> Array:
        (x,) = self.inputs
        return gy * np.cos(x.data)

    def backward(self, gy: Variable) -> Variable:
        (x,) = self.inputs
        return gy * cos(x)


def sin(x: Operand) -> Variable:
    """Sine."""
    return resolve("sin", Sin)()(x)


class Cos(Function[Array]):
    """y = cos(x);  dy/dx = -sin(x)"""

    __slots__ = ()
    retains_outputs = False

    def forward(self, x: Array) -> Array:
        return np.cos(x)

    def backward_array(self, gy: Array) -> Array:
        (x,) = self.inputs
        return gy * -np.sin(x.data)

    def backward(self, gy: Variable) -> Variable:
        (x,) = self.inputs
        return gy * -sin(x)


def cos(x: Operand) -> Variable:
    """Cosine."""
    return resolve("cos", Cos)()(x)


class Tanh(Function[Array]):
    """y = tanh(x);  dy/dx = 1 - y ** 2"""

    __slots__ = ()
    retains_inputs = False  # backward reads the inputs' shapes only

    def forward(self, x: Array) -> Array:
        return np.tanh(x)

    def backward_array(self, gy: Array) -> Array:
        y = _output(self).data
        return gy * (1.0 - y * y)

    def backward(self, gy: Variable) -> Variable:
        y = _output(self)
        return gy * (1.0 - y * y)


def tanh(x: Operand) -> Variable:
    """Hyperbolic tangent."""
    return resolve("tanh", Tanh)()(x)


class Clip(Function[Array]):
    """y = min(max(x, x_min), x_max);  dy/dx = 1 inside [x_min, x_max], else 0"""

    __slots__ = ("x_max", "x_min")
    retains_outputs = False

    def __init__(self, x_min: float, x_max: float) -> None:
        if x_min > x_max:
            raise ValueError(f"clip: x_min ({x_min}) is greater than x_max ({x_max})")
        self.x_min = x_min
        self.x_max = x_max

    def forward(self, x: Array) -> Array:
        y: Array = np.clip(x, self.x_min, self.x_max)
        return y

    def _mask(self) -> Array:
        x = self.inputs[0].data
        return ((x >= self.x_min) & (x <= self.x_max)).astype(x.dtype)

    def backward_array(self, gy: Array) -> Array:
        return gy * self._mask()

    def backward(self, gy: Variable) -> Variable:
        return gy * self._mask()


def clip(x: Operand, x_min: float, x_max: float) -> Variable:
    """x limited to [x_min, x_max]; the gradient is 0 where x was clipped."""
    return resolve("clip", Clip)(x_min, x_max)(x)


def _clip_samples(rng: np.random.Generator) -> list[Sample]:
    # Values at least 0.1 from both bounds (-1 and 1), some inside and some clipped.
    magnitudes = _samples.uniform(rng, (4, 3), 0.1, 0.9)
    x = np.where(rng.random((4, 3)) < 0.5, magnitudes, magnitudes + 1.0)
    x *= rng.choice(np.array([-1.0, 1.0]), size=(4, 3))
    return [Sample((x,), make=lambda: Clip(-1.0, 1.0), label="(4, 3) within and beyond [-1, 1]")]


@hookimpl
def plugrad_register_ops(registrar: Registrar) -> None:
    unary = _samples.unary
    registrar.register("square", Square, arity=1, description="x ** 2", samples=unary())
    registrar.register("exp", Exp, arity=1, description="e ** x", samples=unary())
    registrar.register("log", Log, arity=1, description="log(x), x > 0", samples=unary(0.2, 3.0))
    registrar.register("sin", Sin, arity=1, description="sin(x)", samples=unary(-3.0, 3.0))
    registrar.register("cos", Cos, arity=1, description="cos(x)", samples=unary(-3.0, 3.0))
    registrar.register("tanh", Tanh, arity=1, description="tanh(x)", samples=unary())
    registrar.register(
        "clip", Clip, arity=1, description="clip x to [x_min, x_max]", samples=_clip_samples
    )
