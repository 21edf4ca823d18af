"""Shape ops: reshape, transpose, broadcast_to, sum_to; expand_dims and flatten (reshapes)."""

from __future__ import annotations

import numpy as np

from plugrad._arrays import sum_to_array
from plugrad._typing import Array, Operand, Shape
from plugrad.core.function import Function
from plugrad.core.variable import Variable, as_variable
from plugrad.ops import _samples
from plugrad.plugin import Registrar, Sample, SampleFactory, hookimpl
from plugrad.registry import resolve


def _shape_tuple(shape: int | Shape) -> Shape:
    return (shape,) if isinstance(shape, int) else tuple(int(s) for s in shape)


class Reshape(Function[Array]):
    """y = x viewed with another shape;  gx = gy reshaped back"""

    __slots__ = ("shape",)
    retains_inputs = False  # backward reads the inputs' shapes only
    retains_outputs = False

    def __init__(self, shape: int | Shape) -> None:
        self.shape = _shape_tuple(shape)

    def forward(self, x: Array) -> Array:
        try:
            return x.reshape(self.shape)
        except ValueError:
            raise ValueError(
                f"reshape: cannot reshape an input of shape {x.shape} ({x.size} elements) "
                f"to shape {self.shape}"
            ) from None

    def backward_array(self, gy: Array) -> Array:
        return gy.reshape(self.inputs[0].data.shape)

    def backward(self, gy: Variable) -> Variable:
        return reshape(gy, self.inputs[0].shape)


def reshape(x: Operand, shape: int | Shape) -> Variable:
    """x with a new shape (no copy); returns x itself when the shape already matches."""
    target = _shape_tuple(shape)
    if isinstance(x, Variable) and x.shape == target:
        return x
    return resolve("reshape", Reshape)(target)(x)


def expand_dims(x: Operand, axis: int) -> Variable:
    """x with a new axis of length 1 inserted at ``axis`` (a reshape)."""
    x = as_variable(x)
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


class Transpose(Function[Array]):
    """y = x with its axes permuted (reversed by default);  gx = gy permuted back"""

    __slots__ = ("axes",)
    retains_inputs = False  # backward reads the inputs' shapes only
    retains_outputs = False

    def __init__(self, axes: Shape | None = None) -> None:
        self.axes = None if axes is None else tuple(int(a) for a in axes)

    def forward(self, x: Array) -> Array:
        if self.axes is not None and len(self.axes) != x.ndim:
            raise ValueError(f"transpose: axes {self.axes} do not fit an input of shape {x.shape}")
        return x.transpose(self.axes)

    def _inverse_axes(self) -> Shape | None:
        if self.axes is None:
            return None
        ndim = len(self.axes)
        return tuple(int(a) for a in np.argsort([a % ndim for a in self.axes]))

    def backward_array(self, gy: Array) -> Array:
        return gy.transpose(self._inverse_axes())

    def backward(self, gy: Variable) -> Variable:
        return transpose(gy, self._inverse_axes())


def transpose(x: Operand, axes: Shape | None = None) -> Variable:
    """Permute the axes of x (reverse them when ``axes`` is None)."""
    return resolve("transpose", Transpose)(axes)(x)


class BroadcastTo(Function[Array]):
    """y = x broadcast to ``shape``;  gx = sum_to(gy, x.shape)"""

    __slots__ = ("shape",)
    retains_inputs = False  # backward reads the inputs' shapes only
    retains_outputs = False

    def __init__(self, shape: Shape) -> None:
        self.shape = _shape_tuple(shape)

    def forward(self, x: Array) -> Array:
        try:
            return np.broadcast_to(x, self.shape)
        except ValueError:
            raise ValueError(
                f"broadcast_to: an input of shape {x.shape} cannot be broadcast to {self.shape}"
            ) from None

    def backward_array(self, gy: Array) -> Array:
        return sum_to_array(gy, self.inputs[0].data.shape)

    def backward(self, gy: Variable) -> Variable:
        return sum_to(gy, self.inputs[0].shape)


def broadcast_to(x: Operand, shape: Shape) -> Variable:
    """x broadcast to ``shape`` like NumPy; x itself when the shape already matches."""
    target = _shape_tuple(shape)
    if isinstance(x, Variable) and x.shape == target:
        return x
    return resolve("broadcast_to", BroadcastTo)(target)(x)


class SumTo(Function[Array]):
    """y = x summed down to ``shape`` (the reverse of broadcasting);  gx = broadcast gy"""

    __slots__ = ("shape",)
    retains_inputs = False  # backward reads the inputs' shapes only
    retains_outputs = False

    def __init__(self, shape: Shape) -> None:
        self.shape = _shape_tuple(shape)

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

    def backward_array(self, gy: Array) -> Array:
        return np.broadcast_to(gy, self.inputs[0].data.shape)

    def backward(self, gy: Variable) -> Variable:
        return broadcast_to(gy, self.inputs[0].shape)


def sum_to(x: Operand, shape: Shape) -> Variable:
    """Sum x down to ``shape``; x itself when the shape already matches."""
    target = _shape_tuple(shape)
    if isinstance(x, Variable) and x.shape == target:
        return x
    if not isinstance(x, Variable) and np.shape(x) == target:
        return as_variable(x)
    return resolve("sum_to", SumTo)(target)(x)


def _with(
    make: type[Reshape] | type[BroadcastTo] | type[SumTo] | type[Transpose],
    arg: Shape | None,
    shape: Shape,
) -> SampleFactory:
    def samples(rng: np.random.Generator) -> list[Sample]:
        return [Sample((_samples.uniform(rng, shape, -2.0, 2.0),), make=lambda: make(arg))]  # type: ignore[arg-type]

    return samples


@hookimpl
def plugrad_register_ops(registrar: Registrar) -> None:
    registrar.register(
        "reshape",
        Reshape,
        arity=1,
        description="x.reshape(shape)",
        samples=_with(Reshape, (3, 2), (2, 3)),
    )
    registrar.register(
        "transpose",
        Transpose,
        arity=1,
        description="x.transpose(axes)",
        samples=_with(Transpose, (1, 2, 0), (2, 3, 4)),
    )
    registrar.register(
        "broadcast_to",
        BroadcastTo,
        arity=1,
        description="numpy.broadcast_to(x, shape)",
        samples=_with(BroadcastTo, (2, 3), (1, 3)),
    )
    registrar.register(
        "sum_to",
        SumTo,
        arity=1,
        description="sum x down to shape",
        samples=_with(SumTo, (1, 3), (2, 3)),
    )
