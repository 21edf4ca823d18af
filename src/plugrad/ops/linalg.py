"""Linear algebra: matmul and linear (x @ W + b)."""

from __future__ import annotations

import numpy as np

from plugrad._arrays import get_array_module
from plugrad.core.function import Function
from plugrad.core.spec import Sample
from plugrad.core.variable import Variable
from plugrad.ops._checks import FLOAT_DTYPES, check_result
from plugrad.ops.shape import unbroadcast
from plugrad.registry import resolve
from plugrad.typing import Array, Operand, V


class MatMul(Function[Array, Array], name="matmul", samples=lambda rng: _matmul_samples(rng)):
    """y = x @ W;  gx = gy @ W.T, gW = x.T @ gy  (batched over leading axes)"""

    __slots__ = ()

    def forward(self, x: Array, W: Array) -> Array:  # noqa: N803  # DeZero's name
        if x.ndim < 2 or W.ndim < 2 or x.shape[-1] != W.shape[-2]:
            raise ValueError(
                f"matmul: shapes {x.shape} and {W.shape} do not fit; it needs inputs of 2 or "
                "more dimensions with x.shape[-1] == W.shape[-2]"
            )
        y: Array = get_array_module(x).matmul(x, W)
        if y.dtype not in FLOAT_DTYPES:
            check_result("matmul", y, x, W)
        return y

    def vjp(self, x: V, W: V, gy: V) -> tuple[V | None, V | None]:  # noqa: N803
        gx = gW = None  # noqa: N806  # DeZero's names
        if self.needs_grad(0):
            gx = unbroadcast(gy @ W.transpose(_last_swapped(W.ndim)), x.shape)
        if self.needs_grad(1):
            gW = unbroadcast(x.transpose(_last_swapped(x.ndim)) @ gy, W.shape)  # noqa: N806
        return gx, gW


def _last_swapped(ndim: int) -> tuple[int, ...]:
    axes = list(range(ndim))
    axes[-1], axes[-2] = axes[-2], axes[-1]
    return tuple(axes)


def matmul(x: Operand, W: Operand) -> Variable:  # noqa: N803  # DeZero's name
    """Matrix product x @ W (batched over leading axes like numpy.matmul)."""
    return resolve(MatMul)()(x, W)


class Linear(
    Function[Array, Array, Array], name="linear", samples=lambda rng: _linear_samples(rng)
):
    """y = x @ W + b;  gx = gy @ W.T, gW = x.T @ gy, gb = gy summed over the batch

    ``x`` is ``(..., in)``, ``W`` is ``(in, out)`` and ``b`` broadcasts against ``(..., out)``.
    """

    __slots__ = ()

    def forward(self, x: Array, W: Array, b: Array) -> Array:  # noqa: N803  # DeZero's name
        _check_linear_shapes(x, W, b)
        y: Array = x @ W
        if np.can_cast(b.dtype, y.dtype, "same_kind"):
            y += b  # in place: no second output-sized array
        else:
            y = y + b
        if y.dtype not in FLOAT_DTYPES:
            check_result("linear", y, x, W, b)
        return y

    def vjp(self, x: V, W: V, b: V, gy: V) -> tuple[V | None, V | None, V | None]:  # noqa: N803
        # A data batch passed as an ndarray is a constant: its gradient is never computed.
        gx = gW = gb = None  # noqa: N806  # DeZero's names
        if self.needs_grad(0):
            gx = gy @ W.T
        if self.needs_grad(1):
            n_in, n_out = W.shape
            gW = x.reshape(-1, n_in).T @ gy.reshape(-1, n_out)  # noqa: N806
        if self.needs_grad(2):
            gb = unbroadcast(gy, b.shape)
        return gx, gW, gb


def _check_linear_shapes(x: Array, W: Array, b: Array) -> None:  # noqa: N803  # DeZero's name
    if W.ndim != 2 or x.ndim < 1 or x.shape[-1] != W.shape[0]:
        raise ValueError(
            f"linear: x of shape {x.shape} and W of shape {W.shape} do not fit; it needs a 2-D "
            "W (in, out) with x.shape[-1] == W.shape[0]"
        )
    out_shape = (*x.shape[:-1], W.shape[1])
    if not _broadcasts_to(b.shape, out_shape):
        raise ValueError(
            f"linear: bias of shape {b.shape} does not broadcast to the output shape "
            f"{out_shape} (x {x.shape} @ W {W.shape}); give b the shape ({W.shape[1]},)"
        )


def _broadcasts_to(shape: tuple[int, ...], target: tuple[int, ...]) -> bool:
    try:
        return np.broadcast_shapes(shape, target) == target
    except ValueError:
        return False


def linear(x: Operand, W: Operand, b: Operand | None = None) -> Variable:  # noqa: N803
    """x @ W + b (DeZero's F.linear); without ``b`` it is ``matmul(x, W)``."""
    if b is None:
        return matmul(x, W)
    return resolve(Linear)()(x, W, b)


def linear_simple(x: Operand, W: Operand, b: Operand | None = None) -> Variable:  # noqa: N803
    """x @ W + b composed from matmul and add (DeZero's step-by-step version of linear)."""
    y = matmul(x, W)
    return y if b is None else y + b


def _matmul_samples(rng: np.random.Generator) -> list[Sample]:
    def draw(*shape: int) -> Array:
        return rng.uniform(-1.0, 1.0, size=shape)

    return [
        Sample((draw(2, 3), draw(3, 4)), label="2-D"),
        Sample((draw(2, 2, 3), draw(3, 4)), label="batched x"),
    ]


def _linear_reference(x: Array, w: Array, b: Array) -> Array:
    y: Array = x @ w + b
    return y


def _linear_samples(rng: np.random.Generator) -> list[Sample]:
    def draw(*shape: int) -> Array:
        return rng.uniform(-1.0, 1.0, size=shape)

    return [
        Sample(
            (draw(4, 3), draw(3, 2), draw(2)),
            reference=_linear_reference,
            label="2-D x",
        ),
        Sample(
            (draw(2, 4, 3), draw(3, 2), draw(2)),
            reference=_linear_reference,
            label="3-D x",
        ),
    ]
