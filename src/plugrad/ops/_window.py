"""Sliding-window geometry and array kernels shared by the conv and pooling families.

NCHW throughout.  ``Window`` holds a checked kernel size, stride and padding; ``patches`` copies
every window of an image out, ``fold`` sums windows back in (its adjoint).  The output-size
helpers live here, not in ``plugrad.utils`` (which re-exports them): ops do not import the
user-facing modules.
"""

from __future__ import annotations

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
        self.op = op
        self.kernel = positive_pair(op, "kernel_size", kernel_size)
        self.stride = positive_pair(op, "stride", stride)
        self.pad = non_negative_pair(op, "pad", pad)

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
        xp = get_array_module(x)
        padded: Array = xp.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
        return padded

    def describe(self) -> str:
        return f"kernel {self.kernel}, stride {self.stride}, pad {self.pad}"


def patches(x: Array, window: Window) -> Array:
    """Every window of ``x`` as a contiguous ``(N, OH, OW, C, KH, KW)`` array.

    This layout makes the patch matrix ``(N*OH*OW, C*KH*KW)`` a free reshape and a matrix
    product's result already channels-last, so a convolution costs one copy and one matmul.
    Copying tap by tap is faster than copying a six-axis strided view in one go.
    """
    oh, ow = window.out_hw(x.shape)
    (kh, kw), (sh, sw) = window.kernel, window.stride
    xpad = window.padded(x)
    n, c = x.shape[:2]
    col: Array = get_array_module(x).empty((n, oh, ow, c, kh, kw), dtype=x.dtype)
    for j in range(kh):
        for i in range(kw):
            tap = xpad[:, :, j : j + sh * (oh - 1) + 1 : sh, i : i + sw * (ow - 1) + 1 : sw]
            col[:, :, :, :, j, i] = tap.transpose(0, 2, 3, 1)
    return col


def window_view(x: Array, window: Window) -> Array:
    """Every window of ``x`` as an ``(N, C, OH, OW, KH*KW)`` array (pooling's layout)."""
    oh, ow = window.out_hw(x.shape)
    (kh, kw), (sh, sw) = window.kernel, window.stride
    xp = get_array_module(x)
    view: Array = xp.lib.stride_tricks.sliding_window_view(window.padded(x), (kh, kw), axis=(2, 3))
    view = view[:, :, : sh * (oh - 1) + 1 : sh, : sw * (ow - 1) + 1 : sw]
    return view.reshape(*view.shape[:4], kh * kw)


def fold(col6: Array, x_shape: Shape, window: Window) -> Array:
    """Sum windows back into an image of ``x_shape``; ``col6`` is indexed (N, C, KH, KW, OH, OW).

    The adjoint of ``patches``: where windows overlap, their values add up.
    """
    (kh, kw), (sh, sw), (ph, pw) = window.kernel, window.stride, window.pad
    n, c, h, w = x_shape
    oh, ow = col6.shape[4:]
    xp = get_array_module(col6)
    img: Array = xp.zeros((n, c, h + 2 * ph, w + 2 * pw), dtype=col6.dtype)
    for j in range(kh):
        for i in range(kw):
            tap = img[:, :, j : j + sh * (oh - 1) + 1 : sh, i : i + sw * (ow - 1) + 1 : sw]
            tap += col6[:, :, j, i]
    if ph or pw:
        img = xp.ascontiguousarray(img[:, :, ph : ph + h, pw : pw + w])
    return img
