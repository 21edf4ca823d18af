"""Argument and result checks shared by the op families: each error names the op.

Shapes and axes are checked where they are given (an op's constructor or wrapper), so that a
``str`` or a ``float`` is refused by name instead of failing deep inside NumPy, or worse, being
read as something else (``reshape(x, "23")`` would otherwise mean the shape ``(2, 3)``).

Integer arithmetic follows NumPy for ``int64`` (NumPy's default integer, what ``np.array(2)``
holds).  Narrower integers, unsigned integers and booleans wrap around or change meaning
silently under arithmetic (``int8``: ``100 ** 2 == 16``; ``uint8``: ``1 - 2 == 255``; booleans:
``True + True == True``), so an arithmetic op whose result would have such a dtype refuses it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Final, TypeGuard

import numpy as np
from numpy.typing import NDArray

from plugrad.typing import Array, Shape

# Results of arithmetic on the common floating data, which need no further look: an op checks
# ``type(y) is not FLOAT64 and y.dtype not in FLOAT_DTYPES`` before calling ``check_result``,
# so a float64 scalar (a 0-d graph's value) pays one identity test, nothing measurable on
# bench_core's chain (a set lookup there cost 1-2%), and an array one set lookup, about 30 ns.
# Typed as a plain type: ops hold NumPy scalars where mypy sees arrays.
FLOAT64: Final[type] = np.float64
FLOAT_DTYPES: Final = frozenset({np.dtype(np.float64), np.dtype(np.float32)})

# ``tuple``, for ``type(shape) is _TUPLE``: pyright then sees a tuple of objects, not of unknowns.
_TUPLE: Final[type[tuple[object, ...]]] = tuple

# Result dtypes arithmetic refuses (see the module docstring): booleans, every unsigned
# integer, and signed integers narrower than int64.
_WRAPPING_KINDS: Final = frozenset("bu")


def wraps_around(dtype: np.dtype[Any]) -> bool:
    """Whether arithmetic producing ``dtype`` may wrap around (or change meaning) silently."""
    return dtype.kind in _WRAPPING_KINDS or (dtype.kind == "i" and dtype.itemsize < 8)


def check_result(op: str, y: Any, *operands: Any) -> None:
    """Raise ``TypeError`` naming ``op`` if its result ``y`` has a dtype that wraps around.

    Ops call it when their result is not plainly floating (see ``FLOAT64``).
    """
    dtype = np.result_type(y)
    if not wraps_around(dtype):
        return
    given = " and ".join(_operand_name(x) for x in operands)
    raise TypeError(
        f"{op}: computing on {given} gives {dtype}, which wraps around or changes meaning "
        "silently (int8: 100 ** 2 == 16; uint8: 1 - 2 == 255; bool: True + True == True); "
        "plugrad computes on floating data and int64: convert first, e.g. "
        "x.astype(numpy.float32)"
    )


def _operand_name(x: object) -> str:
    dtype = getattr(x, "dtype", None)
    return f"{dtype} data" if dtype is not None else f"a Python {type(x).__name__}"


def is_int(value: object) -> TypeGuard[int | np.integer[Any]]:
    """An ``int`` or NumPy integer, not a ``bool``."""
    return isinstance(value, int | np.integer) and not isinstance(value, bool | np.bool_)


def is_real_number(value: object) -> bool:
    """A Python or NumPy int or float (``bool`` and complex numbers are not)."""
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(
        value, bool | np.bool_
    )


def shape_argument(op: str, shape: object, *, unknown_allowed: bool = False) -> Shape:
    """``shape`` (an int, or a sequence or 1-D integer array of ints) as a tuple of ints.

    Sizes are at least 0; with ``unknown_allowed`` (reshape) one of them may be -1.
    """
    if type(shape) is _TUPLE:  # the common case, from ``x.shape``: checked in a tight loop
        for size in shape:
            if type(size) is not int or size < 0:
                break
        else:
            return shape  # type: ignore[return-value]  # each size is an int >= 0, as checked
    if is_int(shape):
        sizes: list[object] = [shape]
    elif is_sequence(shape) or _is_integer_vector(shape):
        sizes = list(shape)
    else:
        raise TypeError(
            f"{op}: a shape is an int or a tuple of ints, got {type(shape).__name__} {shape!r}"
        )
    for size in sizes:
        if not is_int(size):
            raise TypeError(
                f"{op}: shape {shape!r} holds {type(size).__name__} {size!r}; sizes are ints"
            )
    result = tuple(int(size) for size in sizes if is_int(size))  # all of them, checked above
    _check_sizes(op, result, unknown_allowed)
    return result


def is_array(value: object) -> TypeGuard[Array]:
    """An ndarray, of any dtype (``isinstance`` alone leaves its type arguments unknown)."""
    return isinstance(value, np.ndarray)


def _is_integer_vector(value: object) -> TypeGuard[NDArray[np.integer[Any]]]:
    """A 1-D array of integers, which NumPy takes as a shape."""
    return is_array(value) and value.ndim == 1 and value.dtype.kind in "iu"


def is_sequence(value: object) -> TypeGuard[Sequence[object]]:
    """A sequence such as a list or a tuple, but not a ``str`` or ``bytes`` (never a shape)."""
    return isinstance(value, Sequence) and not isinstance(value, str | bytes)


def _check_sizes(op: str, shape: Shape, unknown_allowed: bool) -> None:
    unknown = sum(1 for size in shape if size == -1)
    if unknown_allowed and unknown > 1:
        raise ValueError(f"{op}: shape {shape} has more than one -1; at most one size is inferred")
    lowest = -1 if unknown_allowed else 0
    allowed = "at least 0, or -1 for the one inferred size" if unknown_allowed else "at least 0"
    for size in shape:
        if size < lowest:
            raise ValueError(f"{op}: shape {shape} has size {size}; sizes are {allowed}")


def axis_argument(op: str, axis: object) -> int | Shape | None:
    """``axis`` as NumPy reductions take it: None, an int, or a tuple of distinct ints.

    Whether the axes fit the input is checked against its shape where the op runs.
    """
    if axis is None:
        return None
    if is_int(axis):
        return int(axis)
    if is_sequence(axis):
        axes = list(axis)
        for item in axes:
            if not is_int(item):
                raise TypeError(
                    f"{op}: axis {axis!r} holds {type(item).__name__} {item!r}; axes are ints"
                )
        return tuple(int(item) for item in axes if is_int(item))  # all of them, checked above
    raise TypeError(
        f"{op}: axis must be None, an int or a tuple of ints, got {type(axis).__name__} {axis!r}"
    )


def normalized_axes(op: str, axes: Shape, ndim: int, shape: Shape) -> Shape:
    """``axes`` as non-negative ints, each in range for ``ndim`` and none repeated."""
    result: list[int] = []
    for axis in axes:
        if not -ndim <= axis < ndim:
            raise ValueError(
                f"{op}: axis {axis} is out of range for an input of shape {shape} "
                f"({ndim} axes: -{ndim} to {ndim - 1})"
                if ndim
                else f"{op}: axis {axis} is out of range for a 0-d input"
            )
        result.append(axis % ndim)
    if len(set(result)) != len(result):
        raise ValueError(f"{op}: axes {axes} name an axis twice (for an input of shape {shape})")
    return tuple(result)


def real_number(
    op: str, what: str, value: object, *, nan_allowed: bool = False, hint: str = ""
) -> float:
    """``value`` as a float, or ``TypeError`` / ``ValueError`` naming ``op`` and ``what``."""
    if not is_real_number(value):
        raise TypeError(
            f"{op}: {what} must be a real number, got {type(value).__name__} {value!r}{hint}"
        )
    number = float(value)  # type: ignore[arg-type]  # a real number, checked above
    if math.isnan(number) and not nan_allowed:
        raise ValueError(f"{op}: {what} is NaN; give a number")
    return number


def flag_argument(op: str, what: str, value: object) -> bool:
    """A switch such as ``keepdims``: ``True``/``False`` (or 1/0); a ``"yes"`` is refused, not
    read as true."""
    if isinstance(value, bool | np.bool_) or (is_int(value) and value in (0, 1)):
        # isinstance leaves np.bool_'s type argument unknown; bool() takes any np.bool_
        return bool(value)  # pyright: ignore[reportUnknownArgumentType]  # see above
    raise TypeError(f"{op}: {what} must be True or False, got {type(value).__name__} {value!r}")
