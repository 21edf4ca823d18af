"""Plain nested-loop NumPy references for the conv and pooling tests (slow, obviously right)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]


def pad_image(x: Array, ph: int, pw: int) -> Array:
    return np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))


def out_size(size: int, k: int, s: int, p: int) -> int:
    return (size + 2 * p - k) // s + 1


def conv2d_loops(
    x: Array, W: Array, b: Array | None, stride: tuple[int, int], pad: tuple[int, int]
) -> Array:
    n, _, h, w = x.shape
    oc, _, kh, kw = W.shape
    (sh, sw), (ph, pw) = stride, pad
    oh, ow = out_size(h, kh, sh, ph), out_size(w, kw, sw, pw)
    xp = pad_image(x, ph, pw)
    y = np.zeros((n, oc, oh, ow))
    for i in range(n):
        for o in range(oc):
            for r in range(oh):
                for q in range(ow):
                    patch = xp[i, :, r * sh : r * sh + kh, q * sw : q * sw + kw]
                    y[i, o, r, q] = np.sum(patch * W[o]) + (0.0 if b is None else b[o])
    return y


def deconv2d_loops(
    x: Array,
    W: Array,
    b: Array | None,
    stride: tuple[int, int],
    pad: tuple[int, int],
    outsize: tuple[int, int],
) -> Array:
    """Each input pixel adds x * W[c] into its window of the (padded) output."""
    n, c, h, w = x.shape
    _, oc, kh, kw = W.shape
    (sh, sw), (ph, pw) = stride, pad
    oh, ow = outsize
    yp = np.zeros((n, oc, oh + 2 * ph, ow + 2 * pw))
    for i in range(n):
        for ch in range(c):
            for r in range(h):
                for q in range(w):
                    yp[i, :, r * sh : r * sh + kh, q * sw : q * sw + kw] += x[i, ch, r, q] * W[ch]
    y = yp[:, :, ph : ph + oh, pw : pw + ow]
    if b is not None:
        y = y + b.reshape(1, oc, 1, 1)
    return y


def pool_loops(
    x: Array, kernel: tuple[int, int], stride: tuple[int, int], pad: tuple[int, int], mode: str
) -> Array:
    """Max or mean over each window; padding is zeros (DeZero's behaviour)."""
    n, c, h, w = x.shape
    (kh, kw), (sh, sw), (ph, pw) = kernel, stride, pad
    oh, ow = out_size(h, kh, sh, ph), out_size(w, kw, sw, pw)
    xp = pad_image(x, ph, pw)
    y = np.zeros((n, c, oh, ow))
    reduce = np.max if mode == "max" else np.mean
    for i in range(n):
        for ch in range(c):
            for r in range(oh):
                for q in range(ow):
                    y[i, ch, r, q] = reduce(xp[i, ch, r * sh : r * sh + kh, q * sw : q * sw + kw])
    return y


def im2col_loops(
    x: Array, kernel: tuple[int, int], stride: tuple[int, int], pad: tuple[int, int]
) -> Array:
    """DeZero's matrix layout: one row per (n, oh, ow), columns ordered (c, kh, kw)."""
    n, _, h, w = x.shape
    (kh, kw), (sh, sw), (ph, pw) = kernel, stride, pad
    oh, ow = out_size(h, kh, sh, ph), out_size(w, kw, sw, pw)
    xp = pad_image(x, ph, pw)
    rows: list[Array] = []
    for i in range(n):
        for r in range(oh):
            for q in range(ow):
                rows.append(xp[i, :, r * sh : r * sh + kh, q * sw : q * sw + kw].reshape(-1))
    return np.array(rows)
