"""Linear algebra: matmul."""

from __future__ import annotations

import numpy as np

from plugrad._arrays import sum_to_array
from plugrad._typing import Array, Operand
from plugrad.core.function import Function
from plugrad.core.variable import Variable
from plugrad.plugin import Registrar, Sample, hookimpl
from plugrad.registry import resolve


def _swap_last(a: Array) -> Array:
    return a.swapaxes(-1, -2)


class MatMul(Function[Array, Array]):
    """y = x @ W;  gx = gy @ W.T, gW = x.T @ gy  (batched over leading axes)"""

    __slots__ = ()

    def forward(self, x: Array, W: Array) -> Array:  # noqa: N803  # DeZero's name
        if x.ndim < 2 or W.ndim < 2 or x.shape[-1] != W.shape[-2]:
            raise ValueError(
                f"matmul: shapes {x.shape} and {W.shape} do not fit; it needs inputs of 2 or "
                "more dimensions with x.shape[-1] == W.shape[-2]"
            )
        y: Array = np.matmul(x, W)
        return y

    def backward_array(self, gy: Array) -> tuple[Array | None, Array | None]:
        x, W = self.inputs
        gx = sum_to_array(gy @ _swap_last(W.data), x.data.shape) if self.needs_grad(0) else None
        gW = sum_to_array(_swap_last(x.data) @ gy, W.data.shape) if self.needs_grad(1) else None
        return gx, gW

    def backward(self, gy: Variable) -> tuple[Variable | None, Variable | None]:
        from plugrad.ops.shape import sum_to, transpose

        x, W = self.inputs
        gx = gW = None
        if self.needs_grad(0):
            gx = sum_to(matmul(gy, transpose(W, _last_swapped(W.ndim))), x.shape)
        if self.needs_grad(1):
            gW = sum_to(matmul(transpose(x, _last_swapped(x.ndim)), gy), W.shape)
        return gx, gW


def _last_swapped(ndim: int) -> tuple[int, ...]:
    axes = list(range(ndim))
    axes[-1], axes[-2] = axes[-2], axes[-1]
    return tuple(axes)


def matmul(x: Operand, W: Operand) -> Variable:  # noqa: N803  # DeZero's name
    """Matrix product x @ W (batched over leading axes like numpy.matmul)."""
    return resolve("matmul", MatMul)()(x, W)


def _matmul_samples(rng: np.random.Generator) -> list[Sample]:
    def draw(*shape: int) -> Array:
        return rng.uniform(-1.0, 1.0, size=shape)

    return [
        Sample((draw(2, 3), draw(3, 4)), label="2-D"),
        Sample((draw(2, 2, 3), draw(3, 4)), label="batched x"),
    ]


@hookimpl
def plugrad_register_ops(registrar: Registrar) -> None:
    registrar.register("matmul", MatMul, arity=2, description="x @ W", samples=_matmul_samples)
