"""Convolution ops: im2col, col2im, conv2d, deconv2d and conv2d's weight gradient.

Everything is NCHW, as in DeZero: inputs ``(N, C, H, W)``, ``conv2d`` weights
``(out_channels, in_channels, KH, KW)``, ``deconv2d`` weights ``(in_channels, out_channels, KH,
KW)``.  The three convolution ops are each other's derivatives (the gradient of a convolution
with respect to its input is a transposed convolution, and so on), so their differentiable
``backward`` is written with one another and higher derivatives come for free; their
``backward_array`` runs the same three array kernels on ndarrays.
"""

from __future__ import annotations

from functools import partial
from typing import Final

import numpy as np

from plugrad._typing import Array, Operand, Shape
from plugrad.core.function import Function
from plugrad.core.variable import Variable
from plugrad.ops._window import IntPair, Window, check_4d, fold, patches, positive_pair
from plugrad.plugin import Registrar, Sample, hookimpl
from plugrad.registry import resolve
from plugrad.utils import get_conv_outsize, get_deconv_outsize


def _check_col(op: str, col: Array, x_shape: Shape, window: Window, to_matrix: bool) -> Shape:
    """The ``(N, OH, OW, C, KH, KW)`` shape that ``col`` must have for ``x_shape``."""
    check_4d(op, "input_shape", x_shape)
    oh, ow = window.out_hw(x_shape)
    n, c = x_shape[:2]
    kh, kw = window.kernel
    expected = (n * oh * ow, c * kh * kw) if to_matrix else (n, c, kh, kw, oh, ow)
    if col.shape != expected:
        raise ValueError(
            f"{op}: col of shape {col.shape} does not match input_shape {x_shape} with "
            f"{window.describe()}; expected {expected}"
        )
    return (n, oh, ow, c, kh, kw)


def _im2col(x: Array, window: Window, to_matrix: bool) -> Array:
    col = patches(x, window)
    n, oh, ow, c, kh, kw = col.shape
    if to_matrix:
        return col.reshape(n * oh * ow, c * kh * kw)
    return np.ascontiguousarray(col.transpose(0, 3, 4, 5, 1, 2))


def _col2im(col: Array, x_shape: Shape, window: Window, to_matrix: bool) -> Array:
    shape6 = _check_col(window.op, col, x_shape, window, to_matrix)
    col6 = col.reshape(shape6).transpose(0, 3, 4, 5, 1, 2) if to_matrix else col
    return fold(col6, x_shape, window)


def im2col_array(
    img: Array, kernel_size: IntPair, stride: IntPair = 1, pad: IntPair = 0, to_matrix: bool = True
) -> Array:
    """Windows of ``img`` (N, C, H, W) as columns, DeZero's layout.

    ``to_matrix=True`` gives ``(N*OH*OW, C*KH*KW)``; otherwise ``(N, C, KH, KW, OH, OW)``.
    """
    return _im2col(img, Window("im2col", kernel_size, stride, pad), to_matrix)


def col2im_array(
    col: Array,
    img_shape: Shape,
    kernel_size: IntPair,
    stride: IntPair = 1,
    pad: IntPair = 0,
    to_matrix: bool = True,
) -> Array:
    """The adjoint of ``im2col_array``: sum columns back into an image of ``img_shape``."""
    window = Window("col2im", kernel_size, stride, pad)
    return _col2im(col, tuple(img_shape), window, to_matrix)


def _channels_last_matrix(a: Array) -> Array:
    """``(N, C, H, W)`` -> ``(N*H*W, C)``."""
    return a.transpose(0, 2, 3, 1).reshape(-1, a.shape[1])


def _check_conv(op: str, x: Array, weight: Array, b: Array | None, x_channels_axis: int) -> None:
    """Shapes of a (de)convolution's inputs; ``x_channels_axis`` is W's axis facing x."""
    check_4d(op, "x", x.shape)
    if weight.ndim != 4:
        raise ValueError(f"{op}: W must be 4-D, got shape {weight.shape}")
    if x.shape[1] != weight.shape[x_channels_axis]:
        layout = "(out, in, KH, KW)" if x_channels_axis == 1 else "(in, out, KH, KW)"
        raise ValueError(
            f"{op}: x has {x.shape[1]} channels (shape {x.shape}) but W of shape "
            f"{weight.shape} expects {weight.shape[x_channels_axis]}; W's layout is {layout}"
        )
    out_channels = weight.shape[1 - x_channels_axis]
    if b is not None and b.shape != (out_channels,):
        raise ValueError(f"{op}: b must have shape ({out_channels},), got {b.shape}")


def _conv(x: Array, weight: Array, b: Array | None, window: Window) -> Array:
    """y[n, o] = sum over c, kh, kw of x windows * W[o, c] (+ b[o])."""
    _check_conv(window.op, x, weight, b, x_channels_axis=1)
    col = patches(x, window.with_kernel(*weight.shape[2:]))
    n, oh, ow = col.shape[:3]
    out_channels = weight.shape[0]
    y = col.reshape(n * oh * ow, -1) @ weight.reshape(out_channels, -1).T
    if b is not None:
        y += b
    return y.reshape(n, oh, ow, out_channels).transpose(0, 3, 1, 2)


def _deconv(
    x: Array,
    weight: Array,
    b: Array | None,
    window: Window,
    outsize: tuple[int, int] | None,
) -> Array:
    """The transpose of ``_conv``: each input pixel spreads W over a window of the output."""
    _check_conv(window.op, x, weight, b, x_channels_axis=0)
    n, _, h, w = x.shape
    out_channels, kh, kw = weight.shape[1:]
    window = window.with_kernel(kh, kw)
    out_hw = _deconv_outsize((h, w), window, outsize)
    cols = _channels_last_matrix(x) @ weight.reshape(weight.shape[0], -1)
    col6 = cols.reshape(n, h, w, out_channels, kh, kw).transpose(0, 3, 4, 5, 1, 2)
    y = fold(col6, (n, out_channels, *out_hw), window)
    if b is not None:
        y += b.reshape(1, out_channels, 1, 1)
    return y


def _deconv_outsize(
    in_hw: tuple[int, int], window: Window, outsize: tuple[int, int] | None
) -> tuple[int, int]:
    (kh, kw), (sh, sw), (ph, pw) = window.kernel, window.stride, window.pad
    if outsize is None:
        out = (get_deconv_outsize(in_hw[0], kh, sh, ph), get_deconv_outsize(in_hw[1], kw, sw, pw))
    else:
        out = outsize
    back = (get_conv_outsize(out[0], kh, sh, ph), get_conv_outsize(out[1], kw, sw, pw))
    if min(out) < 1 or back != in_hw:
        raise ValueError(
            f"{window.op}: an input of size {in_hw} cannot give an output of size {out} with "
            f"{window.describe()} (a convolution of that output would be {back}); check "
            "outsize and pad"
        )
    return out


def _conv_grad_w(x: Array, gy: Array, window: Window) -> Array:
    """gW[o, c, kh, kw] = sum over n, oh, ow of gy[n, o] * x windows (window has W's kernel)."""
    check_4d(window.op, "gy", gy.shape)
    col = patches(x, window)
    n, oh, ow, c = col.shape[:4]
    if gy.shape[0] != n or gy.shape[2:] != (oh, ow):
        raise ValueError(
            f"{window.op}: gy of shape {gy.shape} does not match the output of x "
            f"{x.shape} with {window.describe()}: expected ({n}, *, {oh}, {ow})"
        )
    g = _channels_last_matrix(gy).T @ col.reshape(n * oh * ow, -1)
    return g.reshape(gy.shape[1], c, *window.kernel)


# -- ops ----------------------------------------------------------------------------------------


class Im2col(Function[Array]):
    """y = windows of x as columns (DeZero's layout);  gx = col2im(gy)"""

    __slots__ = ("to_matrix", "window")
    retains_inputs = False  # backward reads the inputs' shapes only
    retains_outputs = False

    def __init__(
        self, kernel_size: IntPair, stride: IntPair = 1, pad: IntPair = 0, to_matrix: bool = True
    ) -> None:
        self.window = Window("im2col", kernel_size, stride, pad)
        self.to_matrix = to_matrix

    def forward(self, x: Array) -> Array:
        return _im2col(x, self.window, self.to_matrix)

    def backward_array(self, gy: Array) -> Array:
        return _col2im(gy, self.inputs[0].data.shape, self.window, self.to_matrix)

    def backward(self, gy: Variable) -> Variable:
        w = self.window
        return col2im(gy, self.inputs[0].shape, w.kernel, w.stride, w.pad, self.to_matrix)


def im2col(
    x: Operand,
    kernel_size: IntPair,
    stride: IntPair = 1,
    pad: IntPair = 0,
    to_matrix: bool = True,
) -> Variable:
    """Windows of x (N, C, H, W) as columns: ``(N*OH*OW, C*KH*KW)`` with ``to_matrix``."""
    return resolve("im2col", Im2col)(kernel_size, stride, pad, to_matrix)(x)


class Col2im(Function[Array]):
    """y = columns summed back into an image of ``input_shape``;  gx = im2col(gy)"""

    __slots__ = ("input_shape", "to_matrix", "window")
    retains_inputs = False  # backward reads the inputs' shapes only
    retains_outputs = False

    def __init__(
        self,
        input_shape: Shape,
        kernel_size: IntPair,
        stride: IntPair = 1,
        pad: IntPair = 0,
        to_matrix: bool = True,
    ) -> None:
        self.input_shape = tuple(int(s) for s in input_shape)
        self.window = Window("col2im", kernel_size, stride, pad)
        self.to_matrix = to_matrix

    def forward(self, x: Array) -> Array:
        return _col2im(x, self.input_shape, self.window, self.to_matrix)

    def backward_array(self, gy: Array) -> Array:
        return _im2col(gy, self.window, self.to_matrix)

    def backward(self, gy: Variable) -> Variable:
        w = self.window
        return im2col(gy, w.kernel, w.stride, w.pad, self.to_matrix)


def col2im(
    x: Operand,
    input_shape: Shape,
    kernel_size: IntPair,
    stride: IntPair = 1,
    pad: IntPair = 0,
    to_matrix: bool = True,
) -> Variable:
    """The adjoint of ``im2col``: columns summed back into an image of ``input_shape``."""
    return resolve("col2im", Col2im)(input_shape, kernel_size, stride, pad, to_matrix)(x)


class Conv2d(Function[Array, Array, Array]):
    """y = x conv W + b;  gx = deconv2d(gy, W), gW = conv2d_grad_w(x, gy), gb = sum(gy)"""

    __slots__ = ("window",)
    retains_outputs = False

    def __init__(self, stride: IntPair = 1, pad: IntPair = 0) -> None:
        # The kernel size is W's; each kernel takes it from there (1 stands in until then).
        self.window = Window("conv2d", 1, stride, pad)

    def forward(self, x: Array, W: Array, b: Array | None = None) -> Array:  # noqa: N803
        return _conv(x, W, b, self.window)

    def backward_array(self, gy: Array) -> tuple[Array | None, ...]:
        x, weight = self.inputs[0].data, self.inputs[1].data
        window = self.window.with_kernel(*weight.shape[2:])
        hw = (int(x.shape[2]), int(x.shape[3]))
        gx = _deconv(gy, weight, None, window, hw) if self.needs_grad(0) else None
        gw = _conv_grad_w(x, gy, window) if self.needs_grad(1) else None
        if len(self.inputs) == 2:
            return gx, gw
        return gx, gw, gy.sum(axis=(0, 2, 3))

    def backward(self, gy: Variable) -> tuple[Variable | None, ...]:
        from plugrad.ops.reduction import sum as sum_

        x, weight = self.inputs[:2]
        w = self.window
        gx = gw = None
        if self.needs_grad(0):
            gx = deconv2d(gy, weight, None, w.stride, w.pad, outsize=(x.shape[2], x.shape[3]))
        if self.needs_grad(1):
            gw = conv2d_grad_w(x, gy, (weight.shape[2], weight.shape[3]), w.stride, w.pad)
        if len(self.inputs) == 2:
            return gx, gw
        return gx, gw, sum_(gy, axis=(0, 2, 3))


def conv2d(
    x: Operand,
    W: Operand,  # noqa: N803  # DeZero's name
    b: Operand | None = None,
    stride: IntPair = 1,
    pad: IntPair = 0,
) -> Variable:
    """2-D convolution (cross-correlation) of x (N, C, H, W) with W (OC, C, KH, KW), plus b."""
    op = resolve("conv2d", Conv2d)(stride, pad)
    return op(x, W) if b is None else op(x, W, b)


class Deconv2d(Function[Array, Array, Array]):
    """y = transposed convolution of x with W (+ b);  gx = conv2d(gy, W), gW = grad_w(gy, x)"""

    __slots__ = ("outsize", "window")
    retains_outputs = False

    def __init__(
        self, stride: IntPair = 1, pad: IntPair = 0, outsize: tuple[int, int] | None = None
    ) -> None:
        self.window = Window("deconv2d", 1, stride, pad)  # the kernel size is W's
        self.outsize = None if outsize is None else positive_pair("deconv2d", "outsize", outsize)

    def forward(self, x: Array, W: Array, b: Array | None = None) -> Array:  # noqa: N803
        return _deconv(x, W, b, self.window, self.outsize)

    def backward_array(self, gy: Array) -> tuple[Array | None, ...]:
        x, weight = self.inputs[0].data, self.inputs[1].data
        window = self.window.with_kernel(*weight.shape[2:])
        gx = _conv(gy, weight, None, window) if self.needs_grad(0) else None
        gw = _conv_grad_w(gy, x, window) if self.needs_grad(1) else None
        if len(self.inputs) == 2:
            return gx, gw
        return gx, gw, gy.sum(axis=(0, 2, 3))

    def backward(self, gy: Variable) -> tuple[Variable | None, ...]:
        from plugrad.ops.reduction import sum as sum_

        x, weight = self.inputs[:2]
        w = self.window
        gx = conv2d(gy, weight, None, w.stride, w.pad) if self.needs_grad(0) else None
        kernel = (weight.shape[2], weight.shape[3])
        gw = conv2d_grad_w(gy, x, kernel, w.stride, w.pad) if self.needs_grad(1) else None
        if len(self.inputs) == 2:
            return gx, gw
        return gx, gw, sum_(gy, axis=(0, 2, 3))


def deconv2d(
    x: Operand,
    W: Operand,  # noqa: N803  # DeZero's name
    b: Operand | None = None,
    stride: IntPair = 1,
    pad: IntPair = 0,
    outsize: tuple[int, int] | None = None,
) -> Variable:
    """Transposed convolution of x (N, C, H, W) with W (C, OC, KH, KW), plus b.

    ``outsize`` picks the output's (H, W) where the stride leaves a choice; by default it is
    ``get_deconv_outsize`` of each axis.
    """
    op = resolve("deconv2d", Deconv2d)(stride, pad, outsize)
    return op(x, W) if b is None else op(x, W, b)


class Conv2dGradW(Function[Array, Array]):
    """gW = correlation of conv2d's input x with its output gradient gy (conv2d's dL/dW)"""

    __slots__ = ("window",)
    retains_outputs = False

    def __init__(self, kernel_size: IntPair, stride: IntPair = 1, pad: IntPair = 0) -> None:
        self.window = Window("conv2d_grad_w", kernel_size, stride, pad)

    def forward(self, x: Array, gy: Array) -> Array:
        return _conv_grad_w(x, gy, self.window)

    def backward_array(self, ggw: Array) -> tuple[Array | None, Array | None]:
        x, gy = self.inputs[0].data, self.inputs[1].data
        hw = (int(x.shape[2]), int(x.shape[3]))
        gx = _deconv(gy, ggw, None, self.window, hw) if self.needs_grad(0) else None
        ggy = _conv(x, ggw, None, self.window) if self.needs_grad(1) else None
        return gx, ggy

    def backward(self, ggw: Variable) -> tuple[Variable | None, Variable | None]:
        x, gy = self.inputs
        w = self.window
        gx = ggy = None
        if self.needs_grad(0):
            gx = deconv2d(gy, ggw, None, w.stride, w.pad, outsize=(x.shape[2], x.shape[3]))
        if self.needs_grad(1):
            ggy = conv2d(x, ggw, None, w.stride, w.pad)
        return gx, ggy


def conv2d_grad_w(
    x: Operand, gy: Operand, kernel_size: IntPair, stride: IntPair = 1, pad: IntPair = 0
) -> Variable:
    """conv2d's gradient with respect to W, given its input x and output gradient gy."""
    return resolve("conv2d_grad_w", Conv2dGradW)(kernel_size, stride, pad)(x, gy)


# -- composed reference version (DeZero's conv2d_simple) ----------------------------------------


def conv2d_simple(
    x: Operand,
    W: Operand,  # noqa: N803  # DeZero's name
    b: Operand | None = None,
    stride: IntPair = 1,
    pad: IntPair = 0,
) -> Variable:
    """conv2d composed from im2col, reshape, transpose and matmul (slower; for teaching)."""
    from plugrad.core.variable import as_variable
    from plugrad.ops.shape import reshape, transpose

    x, weight = as_variable(x), as_variable(W)
    _check_conv("conv2d_simple", x.data, weight.data, None, x_channels_axis=1)
    n = x.shape[0]
    out_channels, _, kh, kw = weight.shape
    window = Window("conv2d_simple", (kh, kw), stride, pad)
    oh, ow = window.out_hw(x.shape)
    col = im2col(x, (kh, kw), stride, pad, to_matrix=True)
    y = col @ transpose(reshape(weight, (out_channels, -1)))
    if b is not None:
        y = y + b
    return transpose(reshape(y, (n, oh, ow, out_channels)), (0, 3, 1, 2))


# -- registration -------------------------------------------------------------------------------

_SAMPLE_SETTINGS: Final = (
    # (x shape, kernel, stride, pad)
    ((2, 2, 4, 4), (3, 3), (1, 1), (1, 1)),
    ((1, 2, 5, 4), (2, 3), (2, 1), (0, 1)),
)


def _draw(rng: np.random.Generator, *shape: int) -> Array:
    return rng.uniform(-1.0, 1.0, size=shape)


def _im2col_samples(rng: np.random.Generator) -> list[Sample]:
    out = []
    for shape, k, s, p in _SAMPLE_SETTINGS:
        for to_matrix in (True, False):
            out.append(
                Sample(
                    (_draw(rng, *shape),),
                    make=partial(Im2col, k, s, p, to_matrix),
                    label=f"x {shape} kernel {k} stride {s} pad {p} to_matrix={to_matrix}",
                )
            )
    return out


def _col2im_samples(rng: np.random.Generator) -> list[Sample]:
    out = []
    for shape, k, s, p in _SAMPLE_SETTINGS:
        col_shape = im2col_array(np.zeros(shape), k, s, p, to_matrix=True).shape
        out.append(
            Sample(
                (_draw(rng, *col_shape),),
                make=partial(Col2im, shape, k, s, p, True),
                label=f"image {shape} kernel {k} stride {s} pad {p}",
            )
        )
    return out


def _conv_samples(rng: np.random.Generator) -> list[Sample]:
    out = []
    for shape, k, s, p in _SAMPLE_SETTINGS:
        x = _draw(rng, *shape)
        weight = _draw(rng, 3, shape[1], *k)
        label = f"x {shape} W {weight.shape} stride {s} pad {p}"
        make = partial(Conv2d, s, p)
        out.append(Sample((x, weight, _draw(rng, 3)), make=make, label=label + " with b"))
        out.append(Sample((x, weight), make=make, label=label))
    return out


def _deconv_samples(rng: np.random.Generator) -> list[Sample]:
    out = []
    for shape, k, s, p in _SAMPLE_SETTINGS:
        weight = _draw(rng, shape[1], 3, *k)
        x = _draw(rng, 1, shape[1], 3, 2)
        label = f"x {x.shape} W {weight.shape} stride {s} pad {p}"
        make = partial(Deconv2d, s, p)
        out.append(Sample((x, weight, _draw(rng, 3)), make=make, label=label + " with b"))
        out.append(Sample((x, weight), make=make, label=label))
    return out


def _grad_w_samples(rng: np.random.Generator) -> list[Sample]:
    out = []
    for shape, k, s, p in _SAMPLE_SETTINGS:
        oh, ow = Window("sample", k, s, p).out_hw(shape)
        x, gy = _draw(rng, *shape), _draw(rng, shape[0], 3, oh, ow)
        out.append(
            Sample(
                (x, gy),
                make=partial(Conv2dGradW, k, s, p),
                label=f"x {shape} gy {gy.shape} kernel {k} stride {s} pad {p}",
            )
        )
    return out


@hookimpl
def plugrad_register_ops(registrar: Registrar) -> None:
    registrar.register(
        "im2col", Im2col, arity=1, description="windows of x as columns", samples=_im2col_samples
    )
    registrar.register(
        "col2im",
        Col2im,
        arity=1,
        description="columns summed into an image",
        samples=_col2im_samples,
    )
    registrar.register(
        "conv2d", Conv2d, arity=-1, description="conv2d(x, W[, b])", samples=_conv_samples
    )
    registrar.register(
        "deconv2d", Deconv2d, arity=-1, description="deconv2d(x, W[, b])", samples=_deconv_samples
    )
    registrar.register(
        "conv2d_grad_w",
        Conv2dGradW,
        arity=2,
        description="conv2d's dL/dW from x and gy",
        samples=_grad_w_samples,
    )
