"""Reductions: sum."""

from __future__ import annotations

import numpy as np

from plugrad._arrays import kept_dims_shape
from plugrad._typing import Array, Operand, Shape
from plugrad.core.function import Function
from plugrad.core.variable import Variable
from plugrad.ops import _samples
from plugrad.plugin import Registrar, Sample, hookimpl
from plugrad.registry import resolve


class Sum(Function[Array]):
    """y = sum of x over ``axis``;  gx = gy broadcast back to x's shape"""

    __slots__ = ("axis", "keepdims")

    def __init__(self, axis: int | Shape | None = None, keepdims: bool = False) -> None:
        self.axis = axis if axis is None or isinstance(axis, int) else tuple(axis)
        self.keepdims = keepdims

    def forward(self, x: Array) -> Array:
        try:
            y: Array = x.sum(axis=self.axis, keepdims=self.keepdims)
        except np.exceptions.AxisError:
            raise ValueError(f"sum: axis {self.axis} is out of range for shape {x.shape}") from None
        return y

    def backward_array(self, gy: Array) -> Array:
        x_shape = self.inputs[0].data.shape
        return np.broadcast_to(gy.reshape(kept_dims_shape(x_shape, self.axis)), x_shape)

    def backward(self, gy: Variable) -> Variable:
        from plugrad.ops.shape import broadcast_to, reshape

        x_shape = self.inputs[0].shape
        return broadcast_to(reshape(gy, kept_dims_shape(x_shape, self.axis)), x_shape)


def sum(x: Operand, axis: int | Shape | None = None, keepdims: bool = False) -> Variable:  # noqa: A001  # DeZero's F.sum
    """Sum of x over ``axis`` (all axes by default)."""
    return resolve("sum", Sum)(axis, keepdims)(x)


def _sum_samples(rng: np.random.Generator) -> list[Sample]:
    x = _samples.uniform(rng, (2, 3, 4), -2.0, 2.0)
    settings: list[tuple[int | Shape | None, bool]] = [
        (None, False),
        (1, False),
        ((0, 2), True),
        (-1, True),
    ]
    return [
        Sample((x,), make=lambda a=axis, k=keep: Sum(a, k), label=f"axis={axis} keepdims={keep}")  # type: ignore[misc]
        for axis, keep in settings
    ]


@hookimpl
def plugrad_register_ops(registrar: Registrar) -> None:
    registrar.register(
        "sum", Sum, arity=1, description="x.sum(axis, keepdims)", samples=_sum_samples
    )
