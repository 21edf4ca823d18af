"""Arithmetic: add, sub, mul, div, neg, pow, and their constant-operand forms.

Binary ops broadcast like NumPy; their gradients are summed back to each input's shape.
``x * 2.0`` and ``x + 1`` go to ``MulConstant`` / ``AddConstant``: one input, no gradient to
compute for the constant, and a Python number keeps a float32 graph float32.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

import numpy as np

from plugrad.core.function import Function
from plugrad.core.spec import SampleFactory
from plugrad.core.variable import Variable
from plugrad.ops import _samples
from plugrad.ops._checks import FLOAT64, FLOAT_DTYPES, check_result, wraps_around
from plugrad.ops.shape import unbroadcast
from plugrad.registry import resolve
from plugrad.typing import AnyFunction, Array, Number, Operand, V

# Python numbers and NumPy floating scalars take the constant path (see module docstring).
_ARRAY_TYPES: Final = (Variable, np.ndarray)
_INTEGERS: Final = (int, np.integer)
_BOOLEANS: Final = (bool, np.bool_)
_FLOATS: Final = (float, np.floating)


def _number(x: object, op: str) -> float:
    """The value of a constant operand (anything that is not a Variable or an ndarray).

    Integers stay integers (``int_array + 1`` stays an int array) and NumPy scalars become
    Python numbers, which NumPy treats as weakly typed: a float32 array times one stays float32.
    """
    if type(x) is float or type(x) is int:  # the common cases first: this runs per op
        return x
    # isinstance leaves np.integer's and np.floating's type arguments unknown: any will do.
    if isinstance(x, _INTEGERS) and not isinstance(x, _BOOLEANS):
        return int(x)  # pyright: ignore[reportUnknownArgumentType]  # see above
    if isinstance(x, _FLOATS):
        return float(x)  # pyright: ignore[reportUnknownArgumentType]  # see above
    raise TypeError(f"{op}: operands must be Variables, numpy.ndarrays or numbers, {_got(x)}")


def _int_constant(op: str, x: Operand, c: float) -> float:
    """``c``, after refusing an integer ``c`` on data whose integer dtype wraps around.

    A float constant gives a float result, so only integer constants need the look.
    """
    if type(c) is int:
        data: object = x.data if isinstance(x, Variable) else x
        dtype = getattr(data, "dtype", None)
        if isinstance(dtype, np.dtype) and dtype.kind in "iu" and wraps_around(dtype):
            check_result(op, data, data, c)
    return c


def _got(x: object) -> str:
    """What was passed instead of an operand, and what to do about it."""
    kind = type(x).__name__
    if isinstance(x, complex | np.complexfloating):
        return f"got the complex number {x!r}; plugrad differentiates real functions only"
    if isinstance(x, list | tuple):
        return f"got a {kind}; wrap it with numpy.array(...) first"
    if isinstance(x, bool | np.bool_):
        return "got a bool; write 1.0 or 0.0 (or convert a mask with .astype(numpy.float64))"
    if x is None:
        return "got None"
    return f"got {kind}"


def _broadcast_error(op: str, x0: Array, x1: Array) -> ValueError:
    return ValueError(
        f"{op}: shapes {x0.shape} and {x1.shape} do not broadcast together; NumPy's rules "
        "align trailing axes, which must be equal or 1 (reshape one operand)"
    )


def _constant_error(op: str, c: float, x: Array, error: OverflowError) -> TypeError:
    """NumPy refusing a Python int that does not fit the data's integer dtype."""
    return TypeError(
        f"{op}: the constant {c} does not fit {np.result_type(x)} data ({error}); convert the "
        "data first, e.g. x.astype(numpy.float32)"
    )


def _dtype_error(op: str, error: TypeError, *xs: Array) -> TypeError:
    """NumPy refusing the operands' dtypes (booleans under ``-``, say), with the op named."""
    dtypes = " and ".join(str(np.result_type(x)) for x in xs)
    return TypeError(
        f"{op}: cannot compute on {dtypes} data ({error}); convert it, e.g. x.astype(numpy.float32)"
    )


def _constant_op_samples(make: Callable[[], AnyFunction]) -> SampleFactory:
    return _samples.unary(0.5, 2.0, make=make)


class Add(Function[Array, Array], name="add", samples=_samples.binary()):
    """y = x0 + x1;  dy/dx0 = 1, dy/dx1 = 1"""

    __slots__ = ()
    takes_scalars = True  # arithmetic and ufuncs only
    retains_inputs = False  # the rule reads the inputs' shapes only

    def forward(self, x0: Array, x1: Array) -> Array:
        try:
            y = x0 + x1
        except ValueError:
            raise _broadcast_error("add", x0, x1) from None
        if type(y) is not FLOAT64 and y.dtype not in FLOAT_DTYPES:
            check_result("add", y, x0, x1)
        return y

    def vjp(self, x0: V, x1: V, gy: V) -> tuple[V, V]:
        return unbroadcast(gy, x0.shape), unbroadcast(gy, x1.shape)


class AddConstant(
    Function[Array],
    name="add_constant",
    samples=_constant_op_samples(lambda: AddConstant(1.5)),
):
    """y = x + c  (c a number);  dy/dx = 1"""

    __slots__ = ("c",)
    takes_scalars = True  # arithmetic and ufuncs only
    retains_inputs = False  # the rule reads nothing of the input

    def __init__(self, c: float) -> None:
        self.c: float = c

    def forward(self, x: Array) -> Array:
        # Wrapping integers are refused by ``add`` before the op is made (see _int_constant):
        # this runs for every ``x + c`` of a float graph, where no result can wrap.
        try:
            y: Array = x + self.c
        except OverflowError as error:
            raise _constant_error("add", self.c, x, error) from None
        return y

    def vjp(self, x: V, gy: V) -> V:
        return gy


def add(x0: Operand, x1: Operand) -> Variable:
    """x0 + x1, broadcasting."""
    if type(x1) is float:  # ``x + 0.5``: straight to the constant op
        return resolve(AddConstant)(x1)(x0)
    if isinstance(x1, _ARRAY_TYPES):
        return resolve(Add)()(x0, x1)
    return resolve(AddConstant)(_int_constant("add", x0, _number(x1, "add")))(x0)


class Sub(Function[Array, Array], name="sub", samples=_samples.binary()):
    """y = x0 - x1;  dy/dx0 = 1, dy/dx1 = -1"""

    __slots__ = ()
    takes_scalars = True  # arithmetic and ufuncs only
    retains_inputs = False  # the rule reads the inputs' shapes only

    def forward(self, x0: Array, x1: Array) -> Array:
        try:
            y = x0 - x1
        except ValueError:
            raise _broadcast_error("sub", x0, x1) from None
        except TypeError as error:  # booleans: NumPy has no subtraction for them
            raise _dtype_error("sub", error, x0, x1) from None
        if type(y) is not FLOAT64 and y.dtype not in FLOAT_DTYPES:
            check_result("sub", y, x0, x1)
        return y

    def vjp(self, x0: V, x1: V, gy: V) -> tuple[V, V]:
        return unbroadcast(gy, x0.shape), unbroadcast(-gy, x1.shape)


def sub(x0: Operand, x1: Operand) -> Variable:
    """x0 - x1, broadcasting."""
    if isinstance(x1, _ARRAY_TYPES):
        return resolve(Sub)()(x0, x1)
    return resolve(AddConstant)(_int_constant("sub", x0, -_number(x1, "sub")))(x0)


def rsub(x0: Operand, x1: Operand) -> Variable:
    """x1 - x0 (the reflected form, for ``2.0 - x``)."""
    return resolve(Sub)()(x1, x0)


class Mul(Function[Array, Array], name="mul", samples=_samples.binary()):
    """y = x0 * x1;  dy/dx0 = x1, dy/dx1 = x0"""

    __slots__ = ()
    takes_scalars = True  # arithmetic and ufuncs only

    def forward(self, x0: Array, x1: Array) -> Array:
        try:
            y = x0 * x1
        except ValueError:
            raise _broadcast_error("mul", x0, x1) from None
        if type(y) is not FLOAT64 and y.dtype not in FLOAT_DTYPES:
            check_result("mul", y, x0, x1)
        return y

    def vjp(self, x0: V, x1: V, gy: V) -> tuple[V | None, V | None]:
        gx0 = unbroadcast(gy * x1, x0.shape) if self.needs_grad(0) else None
        gx1 = unbroadcast(gy * x0, x1.shape) if self.needs_grad(1) else None
        return gx0, gx1


class MulConstant(
    Function[Array],
    name="mul_constant",
    samples=_constant_op_samples(lambda: MulConstant(-2.5)),
):
    """y = c * x  (c a number);  dy/dx = c"""

    __slots__ = ("c",)
    takes_scalars = True  # arithmetic and ufuncs only
    retains_inputs = False  # the rule reads nothing of the input

    def __init__(self, c: float) -> None:
        self.c: float = c

    def forward(self, x: Array) -> Array:
        # As in AddConstant: ``mul`` refuses wrapping integers before the op is made.
        try:
            y: Array = x * self.c
        except OverflowError as error:
            raise _constant_error("mul", self.c, x, error) from None
        return y

    def vjp(self, x: V, gy: V) -> V:
        return gy * self.c


def mul(x0: Operand, x1: Operand) -> Variable:
    """x0 * x1, broadcasting."""
    if type(x1) is float:  # ``x * 0.5``: straight to the constant op
        return resolve(MulConstant)(x1)(x0)
    if isinstance(x1, _ARRAY_TYPES):
        return resolve(Mul)()(x0, x1)
    return resolve(MulConstant)(_int_constant("mul", x0, _number(x1, "mul")))(x0)


class Div(
    Function[Array, Array],
    name="div",
    samples=_samples.binary(
        second=lambda rng, shape: _samples.away_from_zero(rng, shape, 0.5, 2.0)
    ),
):
    """y = x0 / x1;  dy/dx0 = 1 / x1, dy/dx1 = -x0 / x1**2"""

    __slots__ = ()
    takes_scalars = True  # arithmetic and ufuncs only

    def forward(self, x0: Array, x1: Array) -> Array:
        try:
            return x0 / x1
        except ValueError:
            raise _broadcast_error("div", x0, x1) from None

    def vjp(self, x0: V, x1: V, gy: V) -> tuple[V, V | None]:
        gx0 = gy / x1
        gx1 = unbroadcast(-gx0 * x0 / x1, x1.shape) if self.needs_grad(1) else None
        return unbroadcast(gx0, x0.shape), gx1


def div(x0: Operand, x1: Operand) -> Variable:
    """x0 / x1, broadcasting."""
    return resolve(Div)()(x0, x1)


def rdiv(x0: Operand, x1: Operand) -> Variable:
    """x1 / x0 (the reflected form, for ``1.0 / x``)."""
    return resolve(Div)()(x1, x0)


class Neg(Function[Array], name="neg", samples=_samples.unary()):
    """y = -x;  dy/dx = -1"""

    __slots__ = ()
    takes_scalars = True  # arithmetic and ufuncs only
    retains_inputs = False  # the rule reads nothing of the input

    def forward(self, x: Array) -> Array:
        try:
            y = -x
        except TypeError as error:  # booleans: NumPy has no negative for them
            raise _dtype_error("neg", error, x) from None
        if type(y) is not FLOAT64 and y.dtype not in FLOAT_DTYPES:
            check_result("neg", y, x)
        return y

    def vjp(self, x: V, gy: V) -> V:
        return -gy


def neg(x: Operand) -> Variable:
    """-x"""
    return resolve(Neg)()(x)


class Pow(Function[Array], name="pow", samples=_constant_op_samples(lambda: Pow(3.0))):
    """y = x ** c  (c a number);  dy/dx = c * x ** (c - 1)"""

    __slots__ = ("c",)
    takes_scalars = True  # arithmetic and ufuncs only

    def __init__(self, c: Number) -> None:
        self.c: Number = c

    def forward(self, x: Array) -> Array:
        try:
            y = x**self.c
        except ValueError as error:  # an integer to a negative integer power
            raise ValueError(
                f"pow: {error} (x of dtype {np.result_type(x)} ** {self.c}); convert x to a "
                "floating dtype first, e.g. x.astype(numpy.float64)"
            ) from None
        if type(y) is not FLOAT64 and y.dtype not in FLOAT_DTYPES:
            check_result("pow", y, x, self.c)
        return y

    def vjp(self, x: V, gy: V) -> V:
        c = self.c
        # The common square needs no power at all (and x + x skips converting a Python
        # float, which costs more than the arithmetic on a 0-d array).
        slope: V = x + x if c == 2 else x ** (c - 1) * c  # pyright: ignore[reportAssignmentType]  # Any for a NumPy-integer c (NumPy stubs)
        return gy * slope

    def vjp_array(self, x: Array, gy: Array) -> Array:
        """``vjp`` on ndarrays, multiplying into the fresh slope in place: one large temporary
        fewer.  Measured with benchmarks/bench_tensor.py (50 ops on 1e6 float64): 2.2x -> 1.25x
        hand-written NumPy, since the extra temporary made glibc trim and re-fault the heap."""
        c = self.c
        slope = x + x if c == 2 else x ** (c - 1) * c
        if type(slope) is np.ndarray and slope.dtype == np.result_type(slope, gy):
            slope *= gy
            return slope
        return slope * gy  # an integer x with a float gradient, or a 0-d scalar


def pow(x: Operand, c: Number) -> Variable:  # noqa: A001  # DeZero's name for x ** c
    """x ** c for a number c."""
    exponent: object = c  # typed as a number, but untyped callers pass Variables too
    if isinstance(exponent, _ARRAY_TYPES):
        raise TypeError(
            f"pow: the exponent must be a number (x ** 2.0), got {type(c).__name__}; "
            "for a variable exponent write exp(c * log(x))"
        )
    return resolve(Pow)(_number(c, "pow"))(x)
