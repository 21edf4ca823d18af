"""Pooling ops: max pooling (with its gradient ops, for double backward) and average pooling.

As in DeZero, windows reach over zero padding: a padded zero can be a window's maximum, and it
counts in an average.  Max pooling remembers which element of each window won; its gradient
routes ``gy`` there (``PoolingGrad``), and the gradient of that routing is the gather of the same
elements (``PoolingWithIndexes``), so second derivatives pass through.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from plugrad._typing import Array, Operand, Shape
from plugrad.core.function import Function
from plugrad.core.variable import Variable
from plugrad.ops._window import IntPair, Window, fold, window_view
from plugrad.ops.conv import col2im, im2col
from plugrad.plugin import Registrar, Sample, SampleFactory, hookimpl
from plugrad.registry import resolve


def _compact(indexes: Array, window_size: int) -> Array:
    """The winners' positions in the smallest integer type that holds them: the graph keeps
    them until backward, one per output element (int8 is 1/8 of NumPy's default intp)."""
    return indexes.astype(np.min_scalar_type(window_size - 1), copy=False)


def _scatter(gy: Array, indexes: Array, x_shape: Shape, window: Window) -> Array:
    """Put each ``gy`` at its window's winning position and sum windows into an image."""
    kh, kw = window.kernel
    n, c, oh, ow = gy.shape
    gcol = np.zeros((n, c, oh, ow, kh * kw), dtype=gy.dtype)
    np.put_along_axis(gcol, indexes[..., None], gy[..., None], axis=4)
    col6 = gcol.reshape(n, c, oh, ow, kh, kw).transpose(0, 1, 4, 5, 2, 3)
    return fold(col6, x_shape, window)


def _gather(x: Array, indexes: Array, window: Window) -> Array:
    """Each window's element at ``indexes``."""
    cols = window_view(x, window)
    if cols.shape[:4] != indexes.shape:
        raise ValueError(
            f"{window.op}: an input of shape {x.shape} has windows {cols.shape[:4]}, but the "
            f"indexes were recorded for {indexes.shape}"
        )
    picked: Array = np.take_along_axis(cols, indexes[..., None], axis=4)[..., 0]
    return picked


class Pooling(Function[Array]):
    """y = max of each window of x;  gx = gy routed to each window's maximum"""

    __slots__ = ("indexes", "window")
    retains_inputs = False  # backward reads the inputs' shapes only
    retains_outputs = False

    indexes: Array

    def __init__(self, kernel_size: IntPair, stride: IntPair = 1, pad: IntPair = 0) -> None:
        self.window = Window("pooling", kernel_size, stride, pad)

    def forward(self, x: Array) -> Array:
        cols = window_view(x, self.window)
        self.indexes = _compact(cols.argmax(axis=4), cols.shape[4])
        y: Array = np.take_along_axis(cols, self.indexes[..., None], axis=4)[..., 0]
        return y

    def backward_array(self, gy: Array) -> Array:
        return _scatter(gy, self.indexes, self.inputs[0].data.shape, self.window)

    def backward(self, gy: Variable) -> Variable:
        return _pooling_grad(gy, self.indexes, self.inputs[0].shape, self.window)


def pooling(x: Operand, kernel_size: IntPair, stride: IntPair = 1, pad: IntPair = 0) -> Variable:
    """Max pooling of x (N, C, H, W) over ``kernel_size`` windows."""
    return resolve("pooling", Pooling)(kernel_size, stride, pad)(x)


class PoolingGrad(Function[Array]):
    """gx = gy routed to the recorded maxima (max pooling's gradient; linear in gy)"""

    __slots__ = ("indexes", "input_shape", "window")
    retains_inputs = False  # backward reads the inputs' shapes only
    retains_outputs = False

    def __init__(
        self,
        input_shape: Shape,
        indexes: Array,
        kernel_size: IntPair,
        stride: IntPair = 1,
        pad: IntPair = 0,
    ) -> None:
        self.input_shape = tuple(int(s) for s in input_shape)
        self.indexes = indexes
        self.window = Window("pooling_grad", kernel_size, stride, pad)

    def forward(self, gy: Array) -> Array:
        if gy.shape != self.indexes.shape:
            raise ValueError(
                f"pooling_grad: gy of shape {gy.shape} does not match the recorded maxima "
                f"{self.indexes.shape}"
            )
        return _scatter(gy, self.indexes, self.input_shape, self.window)

    def backward_array(self, ggx: Array) -> Array:
        return _gather(ggx, self.indexes, self.window)

    def backward(self, ggx: Variable) -> Variable:
        w = self.window
        op = resolve("pooling_with_indexes", PoolingWithIndexes)
        return op(self.indexes, w.kernel, w.stride, w.pad)(ggx)


def _pooling_grad(gy: Operand, indexes: Array, input_shape: Shape, window: Window) -> Variable:
    op = resolve("pooling_grad", PoolingGrad)
    return op(input_shape, indexes, window.kernel, window.stride, window.pad)(gy)


class PoolingWithIndexes(Function[Array]):
    """y = x at the recorded maxima of each window;  gx = gy routed back there"""

    __slots__ = ("indexes", "window")
    retains_inputs = False  # backward reads the inputs' shapes only
    retains_outputs = False

    def __init__(
        self, indexes: Array, kernel_size: IntPair, stride: IntPair = 1, pad: IntPair = 0
    ) -> None:
        self.indexes = indexes
        self.window = Window("pooling_with_indexes", kernel_size, stride, pad)

    def forward(self, x: Array) -> Array:
        return _gather(x, self.indexes, self.window)

    def backward_array(self, gy: Array) -> Array:
        return _scatter(gy, self.indexes, self.inputs[0].data.shape, self.window)

    def backward(self, gy: Variable) -> Variable:
        return _pooling_grad(gy, self.indexes, self.inputs[0].shape, self.window)


class AveragePooling(Function[Array]):
    """y = mean of each window of x;  gx = gy / (KH*KW) spread over each window"""

    __slots__ = ("window",)
    retains_inputs = False  # backward reads the inputs' shapes only
    retains_outputs = False

    def __init__(self, kernel_size: IntPair, stride: IntPair = 1, pad: IntPair = 0) -> None:
        self.window = Window("average_pooling", kernel_size, stride, pad)

    def forward(self, x: Array) -> Array:
        y: Array = window_view(x, self.window).mean(axis=4)
        return y

    def backward_array(self, gy: Array) -> Array:
        kh, kw = self.window.kernel
        n, c, oh, ow = gy.shape
        share = gy * (1.0 / (kh * kw))
        col6 = np.broadcast_to(share.reshape(n, c, 1, 1, oh, ow), (n, c, kh, kw, oh, ow))
        return fold(col6, self.inputs[0].data.shape, self.window)

    def backward(self, gy: Variable) -> Variable:
        from plugrad.ops.shape import broadcast_to, reshape

        w = self.window
        kh, kw = w.kernel
        n, c, oh, ow = gy.shape
        share = reshape(gy * (1.0 / (kh * kw)), (n, c, 1, 1, oh, ow))
        gcol = broadcast_to(share, (n, c, kh, kw, oh, ow))
        return col2im(gcol, self.inputs[0].shape, w.kernel, w.stride, w.pad, to_matrix=False)


def average_pooling(
    x: Operand, kernel_size: IntPair, stride: IntPair = 1, pad: IntPair = 0
) -> Variable:
    """Average pooling of x (N, C, H, W) over ``kernel_size`` windows."""
    return resolve("average_pooling", AveragePooling)(kernel_size, stride, pad)(x)


# -- composed reference version (DeZero's pooling_simple) ---------------------------------------


def pooling_simple(
    x: Operand, kernel_size: IntPair, stride: IntPair = 1, pad: IntPair = 0
) -> Variable:
    """Max pooling composed from im2col, reshape, transpose and a max (slower; for teaching)."""
    from plugrad.core.variable import as_variable
    from plugrad.ops.shape import reshape, transpose

    x = as_variable(x)
    window = Window("pooling_simple", kernel_size, stride, pad)
    oh, ow = window.out_hw(x.shape)
    n, c = x.shape[:2]
    kh, kw = window.kernel
    col = im2col(x, window.kernel, window.stride, window.pad, to_matrix=True)
    col = reshape(col, (-1, kh * kw))
    y = _max_rows(col)
    return transpose(reshape(y, (n, oh, ow, c)), (0, 3, 1, 2))


def _max_rows(col: Variable) -> Variable:
    """Row maxima of a matrix, as the framework's ``max`` reduction."""
    from plugrad.ops import reduction

    return reduction.max(col, axis=1)


# -- registration -------------------------------------------------------------------------------


def _distinct(rng: np.random.Generator, shape: Shape) -> Array:
    """Values spaced 0.1 apart and away from 0, so no window has a tie (or a tie with padding)."""
    size = int(np.prod(shape))
    values = (rng.permutation(size) - size / 2 + 0.5) * 0.1
    return values.reshape(shape)


_POOL_SETTINGS = (
    # (x shape, kernel, stride, pad)
    ((2, 2, 4, 4), (2, 2), (2, 2), (0, 0)),
    ((1, 2, 5, 4), (3, 2), (1, 2), (1, 0)),
)


def _pooling_samples(cls: type[Pooling] | type[AveragePooling]) -> SampleFactory:
    def samples(rng: np.random.Generator) -> list[Sample]:
        return [
            Sample(
                (_distinct(rng, shape),),
                make=partial(cls, k, s, p),
                label=f"x {shape} kernel {k} stride {s} pad {p}",
            )
            for shape, k, s, p in _POOL_SETTINGS
        ]

    return samples


def _indexes_for(x: Array, window: Window) -> Array:
    indexes: Array = window_view(x, window).argmax(axis=4)
    return indexes


def _pooling_grad_samples(rng: np.random.Generator) -> list[Sample]:
    out = []
    for shape, k, s, p in _POOL_SETTINGS:
        window = Window("sample", k, s, p)
        indexes = _indexes_for(_distinct(rng, shape), window)
        gy = rng.uniform(-1.0, 1.0, size=indexes.shape)
        out.append(
            Sample(
                (gy,),
                make=partial(PoolingGrad, shape, indexes, k, s, p),
                label=f"gy {gy.shape} into {shape}",
            )
        )
    return out


def _with_indexes_samples(rng: np.random.Generator) -> list[Sample]:
    out = []
    for shape, k, s, p in _POOL_SETTINGS:
        window = Window("sample", k, s, p)
        indexes = _indexes_for(_distinct(rng, shape), window)
        x = rng.uniform(-1.0, 1.0, size=shape)
        out.append(
            Sample(
                (x,),
                make=partial(PoolingWithIndexes, indexes, k, s, p),
                label=f"x {shape} kernel {k} stride {s} pad {p}",
            )
        )
    return out


@hookimpl
def plugrad_register_ops(registrar: Registrar) -> None:
    registrar.register(
        "pooling",
        Pooling,
        arity=1,
        description="max over each window",
        samples=_pooling_samples(Pooling),
    )
    registrar.register(
        "pooling_grad",
        PoolingGrad,
        arity=1,
        description="max pooling's gradient",
        samples=_pooling_grad_samples,
    )
    registrar.register(
        "pooling_with_indexes",
        PoolingWithIndexes,
        arity=1,
        description="x at recorded window maxima",
        samples=_with_indexes_samples,
    )
    registrar.register(
        "average_pooling",
        AveragePooling,
        arity=1,
        description="mean over each window",
        samples=_pooling_samples(AveragePooling),
    )
