"""Arithmetic: add, sub, mul, div, neg, pow, and their constant-operand forms.

Binary ops broadcast like NumPy; their gradients are summed back to each input's shape.
``x * 2.0`` and ``x + 1`` go to ``MulConstant`` / ``AddConstant``: one input, no gradient to
compute for the constant, and a Python number keeps a float32 graph float32.
"""

from __future__ import annotations

from typing import Final

import numpy as np

from plugrad._arrays import sum_to_array
from plugrad._typing import Array, Operand
from plugrad.core.function import Function
from plugrad.core.variable import Variable
from plugrad.ops import _samples
from plugrad.plugin import Registrar, SampleFactory, hookimpl
from plugrad.registry import resolve

# Python numbers and NumPy floating scalars take the constant path (see module docstring).
_ARRAY_TYPES: Final = (Variable, np.ndarray)


def _number(x: object, op: str) -> float:
    """The value of a constant operand (anything that is not a Variable or an ndarray).

    Integers stay integers (``int_array + 1`` stays an int array) and NumPy scalars become
    Python numbers, which NumPy treats as weakly typed: a float32 array times one stays float32.
    """
    if isinstance(x, int | np.integer) and not isinstance(x, bool | np.bool_):
        return int(x)
    if isinstance(x, float | np.floating):
        return float(x)
    raise TypeError(
        f"{op}: operands must be Variables, numpy.ndarrays or numbers, got {type(x).__name__}"
    )


def _broadcast_error(op: str, x0: Array, x1: Array) -> ValueError:
    return ValueError(
        f"{op}: shapes {x0.shape} and {x1.shape} do not broadcast together; NumPy's rules "
        "align trailing axes, which must be equal or 1 (reshape one operand)"
    )


def _unbroadcast(gx: Variable, shape: tuple[int, ...]) -> Variable:
    """``sum_to`` only when broadcasting happened (the common case costs a tuple compare)."""
    from plugrad.ops.shape import sum_to

    return gx if gx.shape == shape else sum_to(gx, shape)


class Add(Function[Array, Array]):
    """y = x0 + x1;  dy/dx0 = 1, dy/dx1 = 1"""

    __slots__ = ()
    retains_inputs = False  # backward reads the inputs' shapes only
    retains_outputs = False

    def forward(self, x0: Array, x1: Array) -> Array:
        try:
            return x0 + x1
        except ValueError:
            raise _broadcast_error("add", x0, x1) from None

    def backward_array(self, gy: Array) -> tuple[Array, Array]:
        x0, x1 = self.inputs
        return sum_to_array(gy, x0.data.shape), sum_to_array(gy, x1.data.shape)

    def backward(self, gy: Variable) -> tuple[Variable, Variable]:
        x0, x1 = self.inputs
        return _unbroadcast(gy, x0.shape), _unbroadcast(gy, x1.shape)


class AddConstant(Function[Array]):
    """y = x + c  (c a number);  dy/dx = 1"""

    __slots__ = ("c",)
    retains_inputs = False  # backward reads the inputs' shapes only
    retains_outputs = False

    def __init__(self, c: float) -> None:
        self.c = c

    def forward(self, x: Array) -> Array:
        return x + self.c

    def backward_array(self, gy: Array) -> Array:
        return gy

    def backward(self, gy: Variable) -> Variable:
        return gy


def add(x0: Operand, x1: Operand) -> Variable:
    """x0 + x1, broadcasting."""
    if isinstance(x1, _ARRAY_TYPES):
        return resolve("add", Add)()(x0, x1)
    return resolve("add_constant", AddConstant)(_number(x1, "add"))(x0)


class Sub(Function[Array, Array]):
    """y = x0 - x1;  dy/dx0 = 1, dy/dx1 = -1"""

    __slots__ = ()
    retains_inputs = False  # backward reads the inputs' shapes only
    retains_outputs = False

    def forward(self, x0: Array, x1: Array) -> Array:
        try:
            return x0 - x1
        except ValueError:
            raise _broadcast_error("sub", x0, x1) from None

    def backward_array(self, gy: Array) -> tuple[Array, Array]:
        x0, x1 = self.inputs
        return sum_to_array(gy, x0.data.shape), sum_to_array(-gy, x1.data.shape)

    def backward(self, gy: Variable) -> tuple[Variable, Variable]:
        x0, x1 = self.inputs
        return _unbroadcast(gy, x0.shape), _unbroadcast(-gy, x1.shape)


def sub(x0: Operand, x1: Operand) -> Variable:
    """x0 - x1, broadcasting."""
    if isinstance(x1, _ARRAY_TYPES):
        return resolve("sub", Sub)()(x0, x1)
    return resolve("add_constant", AddConstant)(-_number(x1, "sub"))(x0)


def rsub(x0: Operand, x1: Operand) -> Variable:
    """x1 - x0 (the reflected form, for ``2.0 - x``)."""
    return resolve("sub", Sub)()(x1, x0)


class Mul(Function[Array, Array]):
    """y = x0 * x1;  dy/dx0 = x1, dy/dx1 = x0"""

    __slots__ = ()
    retains_outputs = False

    def forward(self, x0: Array, x1: Array) -> Array:
        try:
            return x0 * x1
        except ValueError:
            raise _broadcast_error("mul", x0, x1) from None

    def backward_array(self, gy: Array) -> tuple[Array, Array]:
        x0, x1 = self.inputs
        return (
            sum_to_array(gy * x1.data, x0.data.shape),
            sum_to_array(gy * x0.data, x1.data.shape),
        )

    def backward(self, gy: Variable) -> tuple[Variable, Variable]:
        x0, x1 = self.inputs
        return _unbroadcast(gy * x1, x0.shape), _unbroadcast(gy * x0, x1.shape)


class MulConstant(Function[Array]):
    """y = c * x  (c a number);  dy/dx = c"""

    __slots__ = ("c",)
    retains_inputs = False  # backward reads the inputs' shapes only
    retains_outputs = False

    def __init__(self, c: float) -> None:
        self.c = c

    def forward(self, x: Array) -> Array:
        return x * self.c

    def backward_array(self, gy: Array) -> Array:
        return gy * self.c

    def backward(self, gy: Variable) -> Variable:
        return gy * self.c


def mul(x0: Operand, x1: Operand) -> Variable:
    """x0 * x1, broadcasting."""
    if isinstance(x1, _ARRAY_TYPES):
        return resolve("mul", Mul)()(x0, x1)
    return resolve("mul_constant", MulConstant)(_number(x1, "mul"))(x0)


class Div(Function[Array, Array]):
    """y = x0 / x1;  dy/dx0 = 1 / x1, dy/dx1 = -x0 / x1**2"""

    __slots__ = ()
    retains_outputs = False

    def forward(self, x0: Array, x1: Array) -> Array:
        try:
            return x0 / x1
        except ValueError:
            raise _broadcast_error("div", x0, x1) from None

    def backward_array(self, gy: Array) -> tuple[Array, Array]:
        x0, x1 = self.inputs
        gx0 = gy / x1.data
        gx1 = -gx0 * x0.data / x1.data
        return sum_to_array(gx0, x0.data.shape), sum_to_array(gx1, x1.data.shape)

    def backward(self, gy: Variable) -> tuple[Variable, Variable]:
        x0, x1 = self.inputs
        gx0 = gy / x1
        gx1 = gy * (-x0 / x1**2)
        return _unbroadcast(gx0, x0.shape), _unbroadcast(gx1, x1.shape)


def div(x0: Operand, x1: Operand) -> Variable:
    """x0 / x1, broadcasting."""
    return resolve("div", Div)()(x0, x1)


def rdiv(x0: Operand, x1: Operand) -> Variable:
    """x1 / x0 (the reflected form, for ``1.0 / x``)."""
    return resolve("div", Div)()(x1, x0)


class Neg(Function[Array]):
    """y = -x;  dy/dx = -1"""

    __slots__ = ()
    retains_inputs = False  # backward reads the inputs' shapes only
    retains_outputs = False

    def forward(self, x: Array) -> Array:
        return -x

    def backward_array(self, gy: Array) -> Array:
        return -gy

    def backward(self, gy: Variable) -> Variable:
        return -gy


def neg(x: Operand) -> Variable:
    """-x"""
    return resolve("neg", Neg)()(x)


class Pow(Function[Array]):
    """y = x ** c  (c a number);  dy/dx = c * x ** (c - 1)"""

    __slots__ = ("c",)
    retains_outputs = False

    def __init__(self, c: float) -> None:
        self.c = c

    def forward(self, x: Array) -> Array:
        return x**self.c

    def backward_array(self, gy: Array) -> Array:
        (x,) = self.inputs
        c = self.c
        # Two passes over the data, not three: the common square gets no power at all, and
        # the product with gy goes into the fresh temporary.
        gx = x.data * 2.0 if c == 2 else x.data ** (c - 1) * c
        if type(gx) is np.ndarray and gx.dtype == np.result_type(gx, gy):
            gx *= gy
            return gx
        return gx * gy  # an integer x with a float gradient, or a 0-d scalar

    def backward(self, gy: Variable) -> Variable:
        (x,) = self.inputs
        c = self.c
        return gy * (c * x ** (c - 1))


def pow(x: Operand, c: float) -> Variable:  # noqa: A001  # DeZero's name for x ** c
    """x ** c for a number c."""
    exponent: object = c  # typed as a number, but untyped callers pass Variables too
    if isinstance(exponent, _ARRAY_TYPES):
        raise TypeError(
            f"pow: the exponent must be a number (x ** 2.0), got {type(c).__name__}; "
            "for a variable exponent write exp(c * log(x))"
        )
    return resolve("pow", Pow)(_number(c, "pow"))(x)


def _constant_op(cls: type[AddConstant] | type[MulConstant] | type[Pow], c: float) -> SampleFactory:
    return _samples.unary(0.5, 2.0, make=lambda: cls(c))


@hookimpl
def plugrad_register_ops(registrar: Registrar) -> None:
    nonzero = _samples.away_from_zero
    registrar.register("add", Add, arity=2, description="x0 + x1", samples=_samples.binary())
    registrar.register("sub", Sub, arity=2, description="x0 - x1", samples=_samples.binary())
    registrar.register("mul", Mul, arity=2, description="x0 * x1", samples=_samples.binary())
    registrar.register(
        "div",
        Div,
        arity=2,
        description="x0 / x1",
        samples=_samples.binary(second=lambda rng, shape: nonzero(rng, shape, 0.5, 2.0)),
    )
    registrar.register("neg", Neg, arity=1, description="-x", samples=_samples.unary())
    registrar.register("pow", Pow, arity=1, description="x ** c", samples=_constant_op(Pow, 3.0))
    registrar.register(
        "add_constant",
        AddConstant,
        arity=1,
        description="x + c for a number c",
        samples=_constant_op(AddConstant, 1.5),
    )
    registrar.register(
        "mul_constant",
        MulConstant,
        arity=1,
        description="c * x for a number c",
        samples=_constant_op(MulConstant, -2.5),
    )
