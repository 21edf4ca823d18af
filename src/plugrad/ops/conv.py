"""Convolution ops: im2col, col2im, conv2d, deconv2d and conv2d's weight gradient.

Everything is NCHW, as in DeZero: inputs ``(N, C, H, W)``, ``conv2d`` weights
``(out_channels, in_channels, KH, KW)``, ``deconv2d`` weights ``(in_channels, out_channels, KH,
KW)``.  The three convolution ops are each other's derivatives (the gradient of a convolution
with respect to its input is a transposed convolution, and so on), so each one's rule is
written with the other two and higher derivatives come for free; im2col and col2im are each
other's derivative in the same way.
"""

from __future__ import annotations

from functools import partial
from typing import Final

import numpy as np

from plugrad._arrays import get_array_module
from plugrad.core.function import Function
from plugrad.core.spec import Sample
from plugrad.core.variable import Variable, as_variable
from plugrad.ops._window import (
    IntPair,
    Window,
    check_4d,
    col2im_blocks,
    fold,
    get_conv_outsize,
    get_deconv_outsize,
    im2col_blocks,
    patches,
    positive_pair,
    workspace,
)
from plugrad.ops.shape import reshape, transpose
from plugrad.registry import resolve
from plugrad.typing import Array, Operand, Shape, V


def _check_col(op: str, col: Array, x_shape: Shape, window: Window, to_matrix: bool) -> None:
    """``col`` must have DeZero's shape for an image of ``x_shape``."""
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


def _im2col(x: Array, window: Window, to_matrix: bool) -> Array:
    """DeZero's layouts: ``(N*OH*OW, C*KH*KW)``, or ``(N, C, KH, KW, OH, OW)``."""
    col = im2col_blocks(x, window)
    n, c, kh, kw, oh, ow = col.shape
    if to_matrix:
        return col.transpose(0, 4, 5, 1, 2, 3).reshape(n * oh * ow, c * kh * kw)
    return col


def _col2im(col: Array, x_shape: Shape, window: Window, to_matrix: bool) -> Array:
    _check_col(window.op, col, x_shape, window, to_matrix)
    if to_matrix:
        n, c = x_shape[:2]
        oh, ow = window.out_hw(x_shape)
        kh, kw = window.kernel
        col = col.reshape(n, oh, ow, c, kh, kw).transpose(0, 3, 4, 5, 1, 2)
    return col2im_blocks(col, x_shape, window)


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


def _batch_last_matrix(a: Array) -> Array:
    """``(N, C, H, W)`` -> ``(C, H*W*N)``: free when ``a`` is a view of batch-last memory, as
    the outputs of ``_conv`` and ``fold`` (and elementwise ops on them) are."""
    return a.transpose(1, 2, 3, 0).reshape(a.shape[1], -1)


def _conv_inputs(op: str, xs: tuple[Array, ...]) -> tuple[Array, Array, Array | None]:
    """``(x, W, b)`` of a (de)convolution called with x, W and optionally b."""
    if len(xs) == 2:
        return xs[0], xs[1], None
    if len(xs) == 3:
        return xs[0], xs[1], xs[2]
    raise TypeError(f"{op} takes x, W and optionally b (2 or 3 inputs), got {len(xs)} input(s)")


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
    col = patches(x, window.with_kernel(*weight.shape[2:]), transient=True)
    c, kh, kw, oh, ow, n = col.shape
    out_channels = weight.shape[0]
    y = weight.reshape(out_channels, -1) @ col.reshape(c * kh * kw, -1)  # (OC, OH*OW*N)
    if b is not None:
        y = _add_bias(y, b.reshape(out_channels, 1))
    # (N, OC, OH, OW) as a view of batch-last memory: elementwise ops keep that order, and the
    # next convolution's patches and this one's gradients read it without a copy.
    return y.reshape(out_channels, oh, ow, n).transpose(3, 0, 1, 2)


def _add_bias(y: Array, b: Array) -> Array:
    """y + b, in place when the result keeps y's dtype (no second output-sized array)."""
    if get_array_module(y).result_type(y, b) == y.dtype:
        y += b
        return y
    added: Array = y + b
    return added


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
    in_channels, out_channels, kh, kw = weight.shape
    window = window.with_kernel(kh, kw)
    out_hw = _deconv_outsize((h, w), window, outsize)
    # (OC*KH*KW, H*W*N): columns indexed (OC, KH, KW, H, W, N), as fold takes them.
    x_matrix = _batch_last_matrix(x)
    xp = get_array_module(x)
    shape = (out_channels * kh * kw, x_matrix.shape[1])
    cols = workspace("products", shape, xp.result_type(weight, x_matrix))  # folded, then dead
    xp.matmul(weight.reshape(in_channels, -1).T, x_matrix, out=cols)
    y = fold(cols.reshape(out_channels, kh, kw, h, w, n), (n, out_channels, *out_hw), window)
    if b is not None:
        y = _add_bias(y, b.reshape(1, out_channels, 1, 1))
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
    col = patches(x, window, transient=True)
    c, kh, kw, oh, ow, n = col.shape
    if gy.shape[0] != n or gy.shape[2:] != (oh, ow):
        raise ValueError(
            f"{window.op}: gy of shape {gy.shape} does not match the output of x "
            f"{x.shape} with {window.describe()}: expected ({n}, *, {oh}, {ow})"
        )
    g = _batch_last_matrix(gy) @ col.reshape(c * kh * kw, -1).T
    return g.reshape(gy.shape[1], c, kh, kw)


def _hw(x: V) -> tuple[int, int]:
    """The (H, W) of an NCHW value: the size a transposed convolution must give back."""
    return (int(x.shape[2]), int(x.shape[3]))


def _kernel_of(weight: V) -> tuple[int, int]:
    return (int(weight.shape[2]), int(weight.shape[3]))


# -- ops ----------------------------------------------------------------------------------------


class Im2col(Function[Array], name="im2col", samples=lambda rng: _im2col_samples(rng)):
    """y = windows of x as columns (DeZero's layout);  gx = col2im(gy)"""

    __slots__ = ("to_matrix", "window")
    retains_inputs = False  # the rule reads the input's shape only

    def __init__(
        self, kernel_size: IntPair, stride: IntPair = 1, pad: IntPair = 0, to_matrix: bool = True
    ) -> None:
        self.window: Window = Window("im2col", kernel_size, stride, pad)
        self.to_matrix: bool = to_matrix

    def forward(self, x: Array) -> Array:
        return _im2col(x, self.window, self.to_matrix)

    def vjp(self, x: V, gy: V) -> V:
        w = self.window
        return Col2im(x.shape, w.kernel, w.stride, w.pad, self.to_matrix).of(gy)


def im2col(
    x: Operand,
    kernel_size: IntPair,
    stride: IntPair = 1,
    pad: IntPair = 0,
    to_matrix: bool = True,
) -> Variable:
    """Windows of x (N, C, H, W) as columns: ``(N*OH*OW, C*KH*KW)`` with ``to_matrix``."""
    return resolve(Im2col)(kernel_size, stride, pad, to_matrix)(x)


class Col2im(Function[Array], name="col2im", samples=lambda rng: _col2im_samples(rng)):
    """y = columns summed back into an image of ``input_shape``;  gx = im2col(gy)"""

    __slots__ = ("input_shape", "to_matrix", "window")
    retains_inputs = False  # the rule reads nothing of the input

    def __init__(
        self,
        input_shape: Shape,
        kernel_size: IntPair,
        stride: IntPair = 1,
        pad: IntPair = 0,
        to_matrix: bool = True,
    ) -> None:
        self.input_shape: tuple[int, ...] = tuple(int(s) for s in input_shape)
        self.window: Window = Window("col2im", kernel_size, stride, pad)
        self.to_matrix: bool = to_matrix

    def forward(self, x: Array) -> Array:
        return _col2im(x, self.input_shape, self.window, self.to_matrix)

    def vjp(self, x: V, gy: V) -> V:
        w = self.window
        return Im2col(w.kernel, w.stride, w.pad, self.to_matrix).of(gy)


def col2im(
    x: Operand,
    input_shape: Shape,
    kernel_size: IntPair,
    stride: IntPair = 1,
    pad: IntPair = 0,
    to_matrix: bool = True,
) -> Variable:
    """The adjoint of ``im2col``: columns summed back into an image of ``input_shape``."""
    return resolve(Col2im)(input_shape, kernel_size, stride, pad, to_matrix)(x)


class Conv2d(Function[*tuple[Array, ...]], name="conv2d", samples=lambda rng: _conv_samples(rng)):
    """y = x conv W + b;  gx = deconv2d(gy, W), gW = conv2d_grad_w(x, gy), gb = sum(gy)"""

    __slots__ = ("window",)

    def __init__(self, stride: IntPair = 1, pad: IntPair = 0) -> None:
        # The kernel size is W's; each kernel takes it from there (1 stands in until then).
        self.window: Window = Window("conv2d", 1, stride, pad)

    def forward(self, *xs: Array) -> Array:
        x, W, b = _conv_inputs("conv2d", xs)  # noqa: N806  # DeZero's name
        return _conv(x, W, b, self.window)

    def vjp(self, x: V, W: V, *b_gy: V) -> tuple[V | None, ...]:  # noqa: N803
        gy = b_gy[-1]  # after b, if the call had one
        stride, pad = self.window.stride, self.window.pad
        # A data batch passed as an ndarray is a constant: its gradient is never computed.
        gx = Deconv2d(stride, pad, _hw(x)).of(gy, W) if self.needs_grad(0) else None
        gw = Conv2dGradW(_kernel_of(W), stride, pad).of(x, gy) if self.needs_grad(1) else None
        if len(b_gy) == 1:
            return gx, gw
        return gx, gw, gy.sum(axis=(0, 2, 3))


def conv2d(
    x: Operand,
    W: Operand,  # noqa: N803  # DeZero's name
    b: Operand | None = None,
    stride: IntPair = 1,
    pad: IntPair = 0,
) -> Variable:
    """2-D convolution (cross-correlation) of x (N, C, H, W) with W (OC, C, KH, KW), plus b."""
    op = resolve(Conv2d)(stride, pad)
    return op(x, W) if b is None else op(x, W, b)


class Deconv2d(
    Function[*tuple[Array, ...]], name="deconv2d", samples=lambda rng: _deconv_samples(rng)
):
    """y = transposed convolution of x with W (+ b);  gx = conv2d(gy, W), gW = grad_w(gy, x)"""

    __slots__ = ("outsize", "window")

    def __init__(
        self, stride: IntPair = 1, pad: IntPair = 0, outsize: tuple[int, int] | None = None
    ) -> None:
        self.window: Window = Window("deconv2d", 1, stride, pad)  # the kernel size is W's
        self.outsize: tuple[int, int] | None = (
            None if outsize is None else positive_pair("deconv2d", "outsize", outsize)
        )

    def forward(self, *xs: Array) -> Array:
        x, W, b = _conv_inputs("deconv2d", xs)  # noqa: N806  # DeZero's name
        return _deconv(x, W, b, self.window, self.outsize)

    def vjp(self, x: V, W: V, *b_gy: V) -> tuple[V | None, ...]:  # noqa: N803
        gy = b_gy[-1]  # after b, if the call had one
        stride, pad = self.window.stride, self.window.pad
        gx = Conv2d(stride, pad).of(gy, W) if self.needs_grad(0) else None
        gw = Conv2dGradW(_kernel_of(W), stride, pad).of(gy, x) if self.needs_grad(1) else None
        if len(b_gy) == 1:
            return gx, gw
        return gx, gw, gy.sum(axis=(0, 2, 3))


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
    op = resolve(Deconv2d)(stride, pad, outsize)
    return op(x, W) if b is None else op(x, W, b)


class Conv2dGradW(
    Function[Array, Array], name="conv2d_grad_w", samples=lambda rng: _grad_w_samples(rng)
):
    """gW = x's windows correlated with gy;  gx = deconv2d(gy, ggW), ggy = conv2d(x, ggW)"""

    __slots__ = ("window",)

    def __init__(self, kernel_size: IntPair, stride: IntPair = 1, pad: IntPair = 0) -> None:
        self.window: Window = Window("conv2d_grad_w", kernel_size, stride, pad)

    def forward(self, x: Array, gy: Array) -> Array:
        return _conv_grad_w(x, gy, self.window)

    def vjp(self, x: V, gy: V, ggw: V) -> tuple[V | None, V | None]:
        # gW is bilinear in x and gy: each one's gradient is the other convolution with ggW.
        stride, pad = self.window.stride, self.window.pad
        gx = Deconv2d(stride, pad, _hw(x)).of(gy, ggw) if self.needs_grad(0) else None
        ggy = Conv2d(stride, pad).of(x, ggw) if self.needs_grad(1) else None
        return gx, ggy


def conv2d_grad_w(
    x: Operand, gy: Operand, kernel_size: IntPair, stride: IntPair = 1, pad: IntPair = 0
) -> Variable:
    """conv2d's gradient with respect to W, given its input x and output gradient gy."""
    return resolve(Conv2dGradW)(kernel_size, stride, pad)(x, gy)


# -- composed reference version (DeZero's conv2d_simple) ----------------------------------------


def conv2d_simple(
    x: Operand,
    W: Operand,  # noqa: N803  # DeZero's name
    b: Operand | None = None,
    stride: IntPair = 1,
    pad: IntPair = 0,
) -> Variable:
    """conv2d composed from im2col, reshape, transpose and matmul (slower; for teaching)."""
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


# -- samples for the test kit -------------------------------------------------------------------

_SAMPLE_SETTINGS: Final = (
    # (x shape, kernel, stride, pad)
    ((2, 2, 4, 4), (3, 3), (1, 1), (1, 1)),
    ((1, 2, 5, 4), (2, 3), (2, 1), (0, 1)),
)


def _draw(rng: np.random.Generator, *shape: int) -> Array:
    return rng.uniform(-1.0, 1.0, size=shape)


def _im2col_samples(rng: np.random.Generator) -> list[Sample]:
    out: list[Sample] = []
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
    out: list[Sample] = []
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
    out: list[Sample] = []
    for shape, k, s, p in _SAMPLE_SETTINGS:
        x = _draw(rng, *shape)
        weight = _draw(rng, 3, shape[1], *k)
        label = f"x {shape} W {weight.shape} stride {s} pad {p}"
        make = partial(Conv2d, s, p)
        out.append(Sample((x, weight, _draw(rng, 3)), make=make, label=label + " with b"))
        out.append(Sample((x, weight), make=make, label=label))
    return out


def _deconv_samples(rng: np.random.Generator) -> list[Sample]:
    out: list[Sample] = []
    for shape, k, s, p in _SAMPLE_SETTINGS:
        weight = _draw(rng, shape[1], 3, *k)
        x = _draw(rng, 1, shape[1], 3, 2)
        label = f"x {x.shape} W {weight.shape} stride {s} pad {p}"
        make = partial(Deconv2d, s, p)
        out.append(Sample((x, weight, _draw(rng, 3)), make=make, label=label + " with b"))
        out.append(Sample((x, weight), make=make, label=label))
    return out


def _grad_w_samples(rng: np.random.Generator) -> list[Sample]:
    out: list[Sample] = []
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
