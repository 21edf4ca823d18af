"""Shape ops: reshape, transpose, broadcast_to, sum_to; expand_dims and flatten (reshapes)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

import numpy as np

from plugrad._arrays import get_array_module, sum_to_array
from plugrad.core.function import Function
from plugrad.core.spec import Sample
from plugrad.core.variable import Variable, as_variable
from plugrad.ops import _samples
from plugrad.ops._checks import is_array, is_int, is_sequence, normalized_axes, shape_argument
from plugrad.registry import resolve
from plugrad.typing import Array, Axes, Operand, Shape, ShapeLike, V


class Reshape(
    Function[Array],
    name="reshape",
    samples=_samples.unary(shapes=[(2, 3)], make=lambda: Reshape((3, 2))),
):
    """y = x viewed with another shape;  gx = gy reshaped back"""

    __slots__ = ("shape",)
    retains_inputs = False  # the rule reads the input's shape only

    def __init__(self, shape: ShapeLike) -> None:
        self.shape: Shape = shape_argument("reshape", shape, unknown_allowed=True)

    def forward(self, x: Array) -> Array:
        try:
            return x.reshape(self.shape)
        except ValueError:
            raise ValueError(
                f"reshape: cannot reshape an input of shape {x.shape} ({x.size} elements) "
                f"to shape {self.shape}"
            ) from None

    def vjp(self, x: V, gy: V) -> V:
        return gy.reshape(x.shape)


def reshape(x: Operand, shape: ShapeLike) -> Variable:
    """x with a new shape (no copy); returns x itself when the shape already matches."""
    target = shape_argument("reshape", shape, unknown_allowed=True)
    if isinstance(x, Variable) and x.shape == target:
        return x
    return resolve(Reshape)(target)(x)


def expand_dims(x: Operand, axis: int) -> Variable:
    """x with a new axis of length 1 inserted at ``axis`` (a reshape)."""
    x = as_variable(x)
    if not is_int(axis):
        raise TypeError(f"expand_dims: axis must be an int, got {type(axis).__name__} {axis!r}")
    if not -x.ndim - 1 <= axis <= x.ndim:
        raise ValueError(
            f"expand_dims: axis {axis} is out of range for an input of shape {x.shape}"
        )
    shape = list(x.shape)
    shape.insert(axis if axis >= 0 else x.ndim + 1 + axis, 1)
    return reshape(x, tuple(shape))


def flatten(x: Operand) -> Variable:
    """x reshaped to (N, -1): one row per sample of the batch."""
    x = as_variable(x)
    if x.ndim == 0:
        raise ValueError("flatten: the input is 0-d; it needs a batch axis (N, ...)")
    return reshape(x, (x.shape[0], -1))


class Transpose(
    Function[Array],
    name="transpose",
    samples=_samples.unary(shapes=[(2, 3, 4)], make=lambda: Transpose((1, 2, 0))),
):
    """y = x with its axes permuted (reversed by default);  gx = gy permuted back"""

    __slots__ = ("axes",)
    retains_inputs = False  # the rule reads nothing of the input

    def __init__(self, axes: Axes | None = None) -> None:
        self.axes: Shape | None = None if axes is None else _axes_tuple(axes)

    def forward(self, x: Array) -> Array:
        if self.axes is not None:
            _check_permutation(self.axes, x.shape)
        return x.transpose(self.axes)

    def _inverse_axes(self) -> Shape | None:
        if self.axes is None:
            return None
        ndim = len(self.axes)
        return tuple(int(a) for a in np.argsort([a % ndim for a in self.axes]))

    def vjp(self, x: V, gy: V) -> V:
        return Transpose(self._inverse_axes()).of(gy)


def transpose(x: Operand, axes: Axes | None = None) -> Variable:
    """Permute the axes of x (reverse them when ``axes`` is None)."""
    return resolve(Transpose)(axes)(x)


def _axes_tuple(axes: object) -> Shape:
    if is_sequence(axes):
        items = list(axes)
        if all(is_int(a) for a in items):
            return tuple(int(a) for a in items if is_int(a))  # all of them, checked above
    raise TypeError(
        f"transpose: axes must be None or a tuple of ints (a permutation of the input's axes), "
        f"got {type(axes).__name__} {axes!r}"
    )


def _check_permutation(axes: Shape, shape: Shape) -> None:
    if len(axes) != len(shape):
        raise ValueError(
            f"transpose: axes {axes} do not fit an input of shape {shape}; give a permutation "
            f"of its {len(shape)} axes, such as {tuple(reversed(range(len(shape))))}"
        )
    normalized_axes("transpose", axes, len(shape), shape)


class BroadcastTo(
    Function[Array],
    name="broadcast_to",
    samples=_samples.unary(shapes=[(1, 3)], make=lambda: BroadcastTo((2, 3))),
):
    """y = x broadcast to ``shape``;  gx = sum_to(gy, x.shape)"""

    __slots__ = ("shape",)
    retains_inputs = False  # the rule reads the input's shape only

    def __init__(self, shape: ShapeLike) -> None:
        self.shape: Shape = shape_argument("broadcast_to", shape)

    def forward(self, x: Array) -> Array:
        try:
            return np.broadcast_to(x, self.shape)
        except ValueError:
            raise ValueError(
                f"broadcast_to: an input of shape {x.shape} cannot be broadcast to {self.shape}"
            ) from None

    def vjp(self, x: V, gy: V) -> V:
        return unbroadcast(gy, x.shape)


def broadcast_to(x: Operand, shape: ShapeLike) -> Variable:
    """x broadcast to ``shape`` like NumPy; x itself when the shape already matches."""
    target = shape_argument("broadcast_to", shape)
    if isinstance(x, Variable) and x.shape == target:
        return x
    return resolve(BroadcastTo)(target)(x)


class SumTo(
    Function[Array],
    name="sum_to",
    samples=_samples.unary(shapes=[(2, 3)], make=lambda: SumTo((1, 3))),
):
    """y = x summed down to ``shape`` (the reverse of broadcasting);  gx = broadcast gy"""

    __slots__ = ("shape",)
    retains_inputs = False  # the rule reads the input's shape only

    def __init__(self, shape: ShapeLike) -> None:
        self.shape: Shape = shape_argument("sum_to", shape)

    def forward(self, x: Array) -> Array:
        try:
            np.broadcast_shapes(self.shape, x.shape)
        except ValueError:
            raise ValueError(
                f"sum_to: an input of shape {x.shape} cannot be summed to {self.shape}"
            ) from None
        if len(self.shape) > x.ndim:
            raise ValueError(
                f"sum_to: an input of shape {x.shape} cannot be summed to {self.shape}"
            )
        return sum_to_array(x, self.shape)

    def vjp(self, x: V, gy: V) -> V:
        return gy if gy.shape == x.shape else BroadcastTo(x.shape).of(gy)


def sum_to(x: Operand, shape: ShapeLike) -> Variable:
    """Sum x down to ``shape``; x itself when the shape already matches."""
    target = shape_argument("sum_to", shape)
    if isinstance(x, Variable) and x.shape == target:
        return x
    if not isinstance(x, Variable) and np.shape(x) == target:
        return as_variable(x)
    return resolve(SumTo)(target)(x)


def unbroadcast(g: V, shape: Shape) -> V:
    """``g`` summed back to ``shape``, the gradient of a broadcast (``g`` itself if it fits).

    For derivative rules: takes and gives an ndarray or a Variable alike.
    """
    return g if g.shape == shape else SumTo(shape).of(g)


class Concat(Function[*tuple[Array, ...]], name="concat", samples=lambda rng: _concat_samples(rng)):
    """y = the inputs joined along ``axis``;  gx_i = the slice of gy where x_i sits"""

    __slots__ = ("axis",)
    retains_inputs = False  # the rule reads the inputs' shapes only

    def __init__(self, axis: int = 0) -> None:
        if not is_int(axis):
            raise TypeError(f"concat: axis must be an int, got {type(axis).__name__} {axis!r}")
        self.axis: int = int(axis)

    def forward(self, *xs: Array) -> Array:
        if not xs:
            raise ValueError("concat: got no inputs; pass a list of at least one array")
        try:
            y: Array = get_array_module(xs[0]).concatenate(xs, axis=self.axis)
        except ValueError:  # NumPy's AxisError is a ValueError too
            shapes = ", ".join(str(x.shape) for x in xs)
            raise ValueError(
                f"concat: inputs of shapes {shapes} cannot be joined along axis {self.axis}; "
                "they need the same number of axes (at least one) and the same sizes on every "
                "axis but that one"
            ) from None
        return y

    def vjp(self, *xs_gy: V) -> tuple[V | None, ...]:
        xs, gy = xs_gy[:-1], xs_gy[-1]
        axis = self.axis % gy.ndim
        leading: tuple[slice, ...] = (slice(None),) * axis
        gxs: list[V | None] = []
        start = 0
        for index, x in enumerate(xs):
            stop = start + x.shape[axis]
            where: tuple[slice, ...] = (*leading, slice(start, stop))
            gxs.append(gy[where] if self.needs_grad(index) else None)
            start = stop
        return tuple(gxs)


def concat(xs: Sequence[Operand], axis: int = 0) -> Variable:
    """The inputs joined along an existing ``axis``, as NumPy's ``concatenate``."""
    given: object = xs  # untyped callers reach here too: one array would be split into rows
    if isinstance(given, Variable) or is_array(given):
        raise TypeError(
            f"concat takes a sequence (list or tuple) of arrays, got one "
            f"{type(given).__name__} of shape {given.shape}; write concat([a, b], axis)"
        )
    if not isinstance(given, Sequence) or isinstance(given, str | bytes):
        raise TypeError(
            f"concat takes a sequence (list or tuple) of arrays, got {type(given).__name__}; "
            "write concat([a, b], axis)"
        )
    return resolve(Concat)(axis)(*xs)


def _concat_samples(rng: np.random.Generator) -> list[Sample]:
    cases: tuple[tuple[tuple[Shape, ...], int], ...] = (
        (((2, 3), (2, 1)), 1),
        (((1, 3), (3, 3), (2, 3)), 0),
        (((2, 2, 1), (2, 2, 3), (2, 2, 2)), -1),
    )
    return [
        Sample(
            tuple(_samples.uniform(rng, shape, -2.0, 2.0) for shape in shapes),
            make=partial(Concat, axis),
            reference=partial(_concatenate, axis=axis),
            label=f"shapes {shapes} along axis {axis}",
        )
        for shapes, axis in cases
    ]


def _concatenate(*xs: Array, axis: int) -> Array:
    return np.concatenate(xs, axis=axis)
