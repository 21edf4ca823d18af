"""Elementwise math: square, exp, log, sin, cos, tanh (and its derivative, an op), clip."""

from __future__ import annotations

import numpy as np

from plugrad._arrays import get_array_module
from plugrad.core.function import Function
from plugrad.core.spec import Sample
from plugrad.core.variable import Variable, data_of
from plugrad.ops import _samples
from plugrad.ops._checks import FLOAT64, FLOAT_DTYPES, check_result, real_number
from plugrad.ops.shape import unbroadcast
from plugrad.registry import resolve
from plugrad.typing import Array, Number, Operand, V


class Square(Function[Array], name="square", samples=_samples.unary()):
    """y = x ** 2;  dy/dx = 2x"""

    __slots__ = ()
    takes_scalars = True  # arithmetic and ufuncs only

    def forward(self, x: Array) -> Array:
        y = x * x
        if type(y) is not FLOAT64 and y.dtype not in FLOAT_DTYPES:
            check_result("square", y, x)
        return y

    def vjp(self, x: V, gy: V) -> V:
        gx: V = gy * (x + x)  # x + x: no Python float to convert (dearer than the sum)
        return gx


def square(x: Operand) -> Variable:
    """x ** 2"""
    return resolve(Square)()(x)


class Exp(Function[Array], name="exp", samples=_samples.unary()):
    """y = exp(x);  dy/dx = y"""

    __slots__ = ()
    takes_scalars = True  # arithmetic and ufuncs only
    retains_inputs = False  # the rule reads the output, not the input
    retains_outputs = True

    def forward(self, x: Array) -> Array:
        return get_array_module(x).exp(x)  # type: ignore[no-any-return]  # module attrs are Any

    def vjp(self, x: V, y: V, gy: V) -> V:
        gx: V = gy * y
        return gx


def exp(x: Operand) -> Variable:
    """e ** x"""
    return resolve(Exp)()(x)


class Log(Function[Array], name="log", samples=_samples.unary(0.2, 3.0)):
    """y = log(x);  dy/dx = 1 / x"""

    __slots__ = ()
    takes_scalars = True  # arithmetic and ufuncs only

    def forward(self, x: Array) -> Array:
        return get_array_module(x).log(x)  # type: ignore[no-any-return]  # module attrs are Any

    def vjp(self, x: V, gy: V) -> V:
        gx: V = gy / x
        return gx


def log(x: Operand) -> Variable:
    """Natural logarithm."""
    return resolve(Log)()(x)


class Sin(Function[Array], name="sin", samples=_samples.unary(-3.0, 3.0)):
    """y = sin(x);  dy/dx = cos(x)"""

    __slots__ = ()
    takes_scalars = True  # arithmetic and ufuncs only

    def forward(self, x: Array) -> Array:
        return get_array_module(x).sin(x)  # type: ignore[no-any-return]  # module attrs are Any

    def vjp(self, x: V, gy: V) -> V:
        gx: V = gy * Cos().of(x)
        return gx


def sin(x: Operand) -> Variable:
    """Sine."""
    return resolve(Sin)()(x)


class Cos(Function[Array], name="cos", samples=_samples.unary(-3.0, 3.0)):
    """y = cos(x);  dy/dx = -sin(x)"""

    __slots__ = ()
    takes_scalars = True  # arithmetic and ufuncs only

    def forward(self, x: Array) -> Array:
        return get_array_module(x).cos(x)  # type: ignore[no-any-return]  # module attrs are Any

    def vjp(self, x: V, gy: V) -> V:
        gx: V = gy * -Sin().of(x)
        return gx


def cos(x: Operand) -> Variable:
    """Cosine."""
    return resolve(Cos)()(x)


class Tanh(Function[Array], name="tanh", samples=_samples.unary()):
    """y = tanh(x);  dy/dx = 1 - y ** 2"""

    __slots__ = ()
    takes_scalars = True  # arithmetic and ufuncs only
    retains_inputs = False  # the rule reads the output, not the input
    retains_outputs = True

    def forward(self, x: Array) -> Array:
        return get_array_module(x).tanh(x)  # type: ignore[no-any-return]  # module attrs are Any

    def vjp(self, x: V, y: V, gy: V) -> V:
        # One op, not three: higher derivatives then grow by a few ops per order.
        return TanhGrad().of(y, gy)


def tanh(x: Operand) -> Variable:
    """Hyperbolic tangent."""
    return resolve(Tanh)()(x)


class TanhGrad(
    Function[Array, Array],
    name="tanh_grad",
    samples=_samples.binary(shapes=[((2, 3), (2, 3)), ((), ())]),
):
    """g = gy * (1 - y**2), tanh's derivative from its output;  dg/dgy = 1 - y**2, dg/dy = -2y gy"""

    __slots__ = ()
    takes_scalars = True  # arithmetic and ufuncs only

    def forward(self, y: Array, gy: Array) -> Array:
        return gy * (1.0 - y * y)

    def vjp(self, y: V, gy: V, gg: V) -> tuple[V | None, V | None]:
        g_y = ScaledProduct(-2.0).of(y, gy, gg) if self.needs_grad(0) else None
        g_gy = TanhGrad().of(y, gg) if self.needs_grad(1) else None
        return g_y, g_gy


class ScaledProduct(
    Function[Array, Array, Array],
    name="scaled_product",
    samples=_samples.ternary(make=lambda: ScaledProduct(-2.0)),
):
    """y = c * x0 * x1 * x2  (c a number);  dy/dx0 = c * x1 * x2, and so on

    One op where derivatives of derivatives (tanh's, sigmoid's) would otherwise chain three
    products; its own derivatives are scaled products again, so higher orders stay small.
    """

    __slots__ = ("c",)
    takes_scalars = True  # arithmetic and ufuncs only

    def __init__(self, c: float) -> None:
        self.c: float = c

    def forward(self, x0: Array, x1: Array, x2: Array) -> Array:
        y: Array = x0 * x1 * x2 * self.c
        return y

    def vjp(self, x0: V, x1: V, x2: V, gy: V) -> tuple[V | None, V | None, V | None]:
        c = self.c  # each term is a new op: a Function instance is one node of the graph
        g0 = unbroadcast(ScaledProduct(c).of(gy, x1, x2), x0.shape) if self.needs_grad(0) else None
        g1 = unbroadcast(ScaledProduct(c).of(gy, x0, x2), x1.shape) if self.needs_grad(1) else None
        g2 = unbroadcast(ScaledProduct(c).of(gy, x0, x1), x2.shape) if self.needs_grad(2) else None
        return g0, g1, g2


class Clip(Function[Array], name="clip", samples=lambda rng: _clip_samples(rng)):
    """y = min(max(x, x_min), x_max);  dy/dx = 1 inside [x_min, x_max], else 0"""

    __slots__ = ("x_max", "x_min")

    def __init__(self, x_min: Number, x_max: Number) -> None:
        unbounded = " (for no bound, give -numpy.inf or numpy.inf)"
        low = real_number("clip", "x_min", x_min, hint=unbounded)
        high = real_number("clip", "x_max", x_max, hint=unbounded)
        if low > high:
            raise ValueError(f"clip: x_min ({x_min}) is greater than x_max ({x_max})")
        self.x_min: Number = x_min
        self.x_max: Number = x_max

    def forward(self, x: Array) -> Array:
        y: Array = get_array_module(x).clip(x, self.x_min, self.x_max)
        return y

    def vjp(self, x: V, gy: V) -> V:
        data = data_of(x)
        inside = (data >= self.x_min) & (data <= self.x_max)
        gx: V = gy * inside.astype(data.dtype)
        return gx


def clip(x: Operand, x_min: Number, x_max: Number) -> Variable:
    """x limited to [x_min, x_max]; the gradient is 0 where x was clipped."""
    return resolve(Clip)(x_min, x_max)(x)


def _clip_samples(rng: np.random.Generator) -> list[Sample]:
    # Values at least 0.1 from both bounds (-1 and 1), some inside and some clipped.
    magnitudes = _samples.uniform(rng, (4, 3), 0.1, 0.9)
    x = np.where(rng.random((4, 3)) < 0.5, magnitudes, magnitudes + 1.0)
    x *= rng.choice(np.array([-1.0, 1.0]), size=(4, 3))
    return [Sample((x,), make=lambda: Clip(-1.0, 1.0), label="(4, 3) within and beyond [-1, 1]")]
