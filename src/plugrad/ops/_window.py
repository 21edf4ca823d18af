"""Sliding-window geometry and array kernels shared by the conv and pooling families.

NCHW throughout for images.  ``Window`` holds a checked kernel size, stride and padding;
``patches`` copies every window of an image out as a convolution's columns, ``fold`` sums
windows back in (its adjoint); ``im2col_blocks`` and ``col2im_blocks`` do the same in DeZero's
layout; ``tap_views`` gives pooling one strided view per kernel position.  The output-size
helpers live here, not in ``plugrad.utils`` (which re-exports them): ops do not import the
user-facing modules.
"""

from __future__ import annotations

import math
import threading
from typing import Any

import numpy as np

from plugrad._arrays import get_array_module
from plugrad.typing import Array, Shape

IntPair = int | tuple[int, int]


def pair(x: IntPair) -> tuple[int, int]:
    """``3`` -> ``(3, 3)``; a pair stays as it is."""
    if isinstance(x, int) and not isinstance(x, bool):
        return (x, x)
    if isinstance(x, tuple) and len(x) == 2:
        return (int(x[0]), int(x[1]))
    raise ValueError(f"pair takes an int or a pair of ints, got {x!r}")


def get_conv_outsize(input_size: int, kernel_size: int, stride: int, pad: int) -> int:
    """Output size of a convolution or pooling along one axis."""
    return (input_size + pad * 2 - kernel_size) // stride + 1


def get_deconv_outsize(size: int, k: int, s: int, p: int) -> int:
    """Output size of a transposed convolution along one axis."""
    return s * (size - 1) + k - 2 * p


def _as_pair(op: str, what: str, value: IntPair) -> tuple[int, int]:
    try:
        return pair(value)
    except ValueError:
        raise ValueError(f"{op}: {what} takes an int or a pair of ints, got {value!r}") from None


def positive_pair(op: str, what: str, value: IntPair) -> tuple[int, int]:
    checked = _as_pair(op, what, value)
    if min(checked) < 1:
        raise ValueError(f"{op}: {what} must be positive, got {value!r}")
    return checked


def non_negative_pair(op: str, what: str, value: IntPair) -> tuple[int, int]:
    checked = _as_pair(op, what, value)
    if min(checked) < 0:
        raise ValueError(f"{op}: {what} must be zero or positive, got {value!r}")
    return checked


def check_4d(op: str, what: str, shape: Shape) -> None:
    if len(shape) != 4:
        raise ValueError(
            f"{op}: {what} must be 4-D (N, C, H, W), got shape {shape}; add the missing "
            "axes with reshape (a single image is (1, C, H, W))"
        )


class Window:
    """Kernel size, stride and padding of a sliding-window op, checked once."""

    __slots__ = ("kernel", "op", "pad", "stride")

    def __init__(self, op: str, kernel_size: IntPair, stride: IntPair, pad: IntPair) -> None:
        self.op: str = op
        self.kernel: tuple[int, int] = positive_pair(op, "kernel_size", kernel_size)
        self.stride: tuple[int, int] = positive_pair(op, "stride", stride)
        self.pad: tuple[int, int] = non_negative_pair(op, "pad", pad)

    def with_kernel(self, kh: int, kw: int) -> Window:
        """The same stride and padding around another kernel (conv2d learns it from W)."""
        return Window(self.op, (kh, kw), self.stride, self.pad)

    def out_hw(self, shape: Shape) -> tuple[int, int]:
        """Output height and width for an input of ``shape``; an error if the kernel won't fit."""
        check_4d(self.op, "the input", shape)
        (kh, kw), (sh, sw), (ph, pw) = self.kernel, self.stride, self.pad
        height, width = shape[2] + 2 * ph, shape[3] + 2 * pw
        if kh > height or kw > width:
            raise ValueError(
                f"{self.op}: a {kh}x{kw} kernel does not fit the input of shape {shape} "
                f"padded by {self.pad} (to {height}x{width}); use a smaller kernel or more "
                "padding"
            )
        return get_conv_outsize(shape[2], kh, sh, ph), get_conv_outsize(shape[3], kw, sw, pw)

    def padded(self, x: Array) -> Array:
        ph, pw = self.pad
        if not (ph or pw):
            return x
        n, c, h, w = x.shape
        # zeros and one assignment: numpy.pad's general machinery costs more on small images.
        padded: Array = get_array_module(x).zeros((n, c, h + 2 * ph, w + 2 * pw), dtype=x.dtype)
        padded[:, :, ph : ph + h, pw : pw + w] = x
        return padded

    def describe(self) -> str:
        return f"kernel {self.kernel}, stride {self.stride}, pad {self.pad}"


class _Workspace(threading.local):
    """Per-thread buffers for intermediate arrays that live only inside one kernel call."""

    def __init__(self) -> None:
        self.buffers: dict[tuple[str, np.dtype[Any]], Array] = {}


_workspace = _Workspace()


def workspace(slot: str, shape: Shape, dtype: np.dtype[Any]) -> Array:
    """An uninitialized C-contiguous array from this thread's buffer for ``slot``, grown to the
    largest size asked for and reused by the next call.

    For intermediate values that die before the kernel returns (a convolution's columns, a
    transposed convolution's products before they are folded): a fresh array that large costs
    its page faults on every call (system time was a fifth of the book's GAN), a reused one
    does not; conv2d + deconv2d forward and backward at the GAN's shapes (float64) take 363
    instead of 408 ms.  The price is the largest such array, held per thread and slot.
    """
    size = math.prod(shape)
    key = (slot, np.dtype(dtype))
    buffer = _workspace.buffers.get(key)
    if buffer is None or buffer.size < size:
        buffer = np.empty(size, dtype=dtype)
        _workspace.buffers[key] = buffer
    return buffer[:size].reshape(shape)


def patches(x: Array, window: Window, transient: bool = False) -> Array:
    """Every window of ``x`` as a contiguous ``(C, KH, KW, OH, OW, N)`` array: a convolution's
    columns, batch last.

    ``reshape(C*KH*KW, OH*OW*N)`` is free, so a convolution is ``W.reshape(OC, -1) @ col``:
    one copy and one matrix product.  With the batch last, each tap ``(kh, kw)`` copies rows of
    N contiguous values (the image is first laid out as ``(C, H, W, N)``, a free view when it
    comes from another convolution), where a batch-first layout copies rows of OW values and the
    channels-last ``(N, OH, OW, C, KH, KW)`` one writes with a stride of KH*KW.  The book's
    VAE at batch 16: 0.84 -> 0.27 ms for a 3x3 window over (16, 64, 14, 14); its GAN at batch
    128: 6.6 -> 2.6 ms for 4x4, stride 2, over (128, 64, 14, 14) (float32).  ``transient=True``
    writes into this thread's ``workspace`` (for callers done with the columns before they call
    ``patches`` again).
    """
    oh, ow = window.out_hw(x.shape)
    (kh, kw), (ph, pw) = window.kernel, window.pad
    n, c, h, w = x.shape
    xp = get_array_module(x)
    source = x.transpose(1, 2, 3, 0)  # (C, H, W, N)
    if ph or pw:
        source = workspace("padded", (c, h + 2 * ph, w + 2 * pw, n), x.dtype)
        source.fill(0)
        source[:, ph : ph + h, pw : pw + w] = x.transpose(1, 2, 3, 0)
    shape = (c, kh, kw, oh, ow, n)
    col = workspace("patches", shape, x.dtype) if transient else xp.empty(shape, dtype=x.dtype)
    for (rows, cols), (j, i) in zip(tap_slices(window, oh, ow), _taps(kh, kw), strict=True):
        col[:, j, i] = source[:, rows, cols]
    return col


def fold(col: Array, x_shape: Shape, window: Window) -> Array:
    """Sum windows back into an image of ``x_shape``: the adjoint of ``patches``, whose
    ``(C, KH, KW, OH, OW, N)`` layout ``col`` has; where windows overlap, values add up.

    The sums go into a ``(C, H, W, N)`` buffer, so each tap adds rows of N contiguous values;
    the image is that buffer seen as ``(N, C, H, W)`` (a view that elementwise ops keep, and
    that the next convolution's ``patches`` reads as it is).
    """
    (kh, kw), (ph, pw) = window.kernel, window.pad
    n, c, h, w = x_shape
    oh, ow = col.shape[3:5]
    xp = get_array_module(col)
    img: Array = xp.zeros((c, h + 2 * ph, w + 2 * pw, n), dtype=col.dtype)
    for (rows, cols), (j, i) in zip(tap_slices(window, oh, ow), _taps(kh, kw), strict=True):
        img[:, rows, cols] += col[:, j, i]
    if ph or pw:
        img = img[:, ph : ph + h, pw : pw + w]
    return img.transpose(3, 0, 1, 2)


def im2col_blocks(x: Array, window: Window) -> Array:
    """Every window of ``x`` in DeZero's ``im2col`` layout, ``(N, C, KH, KW, OH, OW)``."""
    oh, ow = window.out_hw(x.shape)
    (kh, kw) = window.kernel
    n, c = x.shape[:2]
    xpad = window.padded(x)
    col: Array = get_array_module(x).empty((n, c, kh, kw, oh, ow), dtype=x.dtype)
    for (rows, cols), (j, i) in zip(tap_slices(window, oh, ow), _taps(kh, kw), strict=True):
        col[:, :, j, i] = xpad[:, :, rows, cols]
    return col


def col2im_blocks(col: Array, x_shape: Shape, window: Window) -> Array:
    """The adjoint of ``im2col_blocks``: ``col`` indexed ``(N, C, KH, KW, OH, OW)`` summed
    back into an image of ``x_shape``."""
    (kh, kw), (ph, pw) = window.kernel, window.pad
    n, c, h, w = x_shape
    oh, ow = col.shape[4:]
    img: Array = get_array_module(col).zeros((n, c, h + 2 * ph, w + 2 * pw), dtype=col.dtype)
    for (rows, cols), (j, i) in zip(tap_slices(window, oh, ow), _taps(kh, kw), strict=True):
        img[:, :, rows, cols] += col[:, :, j, i]
    return img[:, :, ph : ph + h, pw : pw + w] if ph or pw else img


def _taps(kh: int, kw: int) -> list[tuple[int, int]]:
    return [(j, i) for j in range(kh) for i in range(kw)]


def tap_slices(window: Window, oh: int, ow: int) -> list[tuple[slice, slice]]:
    """For each kernel position (kh, kw), row by row, the rows and columns of the padded image
    that it sees across an ``oh`` x ``ow`` grid of windows."""
    (kh, kw), (sh, sw) = window.kernel, window.stride
    return [
        (slice(j, j + sh * (oh - 1) + 1, sh), slice(i, i + sw * (ow - 1) + 1, sw))
        for j in range(kh)
        for i in range(kw)
    ]


def tap_views(x: Array, window: Window) -> list[Array]:
    """For each kernel position, the ``(N, C, OH, OW)`` strided view of padded ``x`` that it
    sees in every window.  Pooling reduces across these views with whole-array ufuncs, where
    a reduction over a last axis of KH*KW elements loops once per window."""
    oh, ow = window.out_hw(x.shape)
    xpad = window.padded(x)
    return [xpad[:, :, rows, cols] for rows, cols in tap_slices(window, oh, ow)]


def window_view(x: Array, window: Window) -> Array:
    """Every window of ``x`` as an ``(N, C, OH, OW, KH*KW)`` array (pooling's layout)."""
    oh, ow = window.out_hw(x.shape)
    (kh, kw), (sh, sw) = window.kernel, window.stride
    xp = get_array_module(x)
    view: Array = xp.lib.stride_tricks.sliding_window_view(window.padded(x), (kh, kw), axis=(2, 3))
    view = view[:, :, : sh * (oh - 1) + 1 : sh, : sw * (ow - 1) + 1 : sw]
    return view.reshape(*view.shape[:4], kh * kw)
