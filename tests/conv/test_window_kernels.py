"""The window kernels behind conv and pooling: batch-last columns, their adjoint, DeZero's
im2col layouts, the tap-wise max pooling, and convolutions chained through the batch-last
views they return (issue 15: faster im2col/col2im on small images)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray

import plugrad.functions as F  # DeZero's convention
from plugrad import Variable, no_grad
from plugrad.functions_conv import (
    average_pooling,
    col2im,
    conv2d,
    deconv2d,
    im2col,
    pooling,
)
from plugrad.ops._window import (
    Window,
    col2im_blocks,
    fold,
    im2col_blocks,
    patches,
    tap_views,
)
from plugrad.ops.pooling import PoolingGrad
from plugrad.typing import Array
from tests.conv.conv_reference import conv2d_loops, deconv2d_loops, im2col_loops, pool_loops

SETTINGS = [
    # (x shape, kernel, stride, pad)
    ((2, 3, 6, 5), (3, 3), (1, 1), (1, 1)),
    ((3, 2, 7, 7), (4, 4), (2, 2), (1, 1)),
    ((1, 2, 5, 6), (2, 3), (2, 1), (0, 2)),
    ((4, 1, 5, 5), (3, 2), (3, 2), (0, 0)),
]


def _rng() -> np.random.Generator:
    return np.random.default_rng(15)


@pytest.mark.parametrize(("shape", "kernel", "stride", "pad"), SETTINGS)
def test_patches_holds_every_window_batch_last(
    shape: tuple[int, ...], kernel: tuple[int, int], stride: tuple[int, int], pad: tuple[int, int]
) -> None:
    x: Array = _rng().standard_normal(shape)
    window = Window("test", kernel, stride, pad)
    col = patches(x, window)
    c, kh, kw, oh, ow, n = col.shape
    assert (c, (kh, kw), n) == (shape[1], kernel, shape[0])
    assert col.flags.c_contiguous
    # DeZero's matrix rows are (n, oh, ow), columns (c, kh, kw).
    rows = col.transpose(5, 3, 4, 0, 1, 2).reshape(n * oh * ow, -1)
    np.testing.assert_array_equal(rows, im2col_loops(x, kernel, stride, pad))


@pytest.mark.parametrize(("shape", "kernel", "stride", "pad"), SETTINGS)
def test_fold_is_the_adjoint_of_patches(
    shape: tuple[int, ...], kernel: tuple[int, int], stride: tuple[int, int], pad: tuple[int, int]
) -> None:
    rng = _rng()
    x = rng.standard_normal(shape)
    window = Window("test", kernel, stride, pad)
    col = rng.standard_normal(patches(x, window).shape)
    image = fold(col, shape, window)
    assert image.shape == shape
    # <patches(x), col> == <x, fold(col)> for every x and col
    np.testing.assert_allclose(np.sum(patches(x, window) * col), np.sum(x * image))


@pytest.mark.parametrize(("shape", "kernel", "stride", "pad"), SETTINGS)
def test_dezero_layout_blocks_are_adjoint_and_match_the_matrix(
    shape: tuple[int, ...], kernel: tuple[int, int], stride: tuple[int, int], pad: tuple[int, int]
) -> None:
    rng = _rng()
    x = rng.standard_normal(shape)
    window = Window("test", kernel, stride, pad)
    blocks = im2col_blocks(x, window)
    n, c, kh, kw, oh, ow = blocks.shape
    np.testing.assert_array_equal(
        blocks.transpose(0, 4, 5, 1, 2, 3).reshape(n * oh * ow, -1),
        im2col_loops(x, kernel, stride, pad),
    )
    col = rng.standard_normal(blocks.shape)
    np.testing.assert_allclose(np.sum(blocks * col), np.sum(x * col2im_blocks(col, shape, window)))
    # The public ops give the same arrays.
    np.testing.assert_array_equal(im2col(x, kernel, stride, pad, to_matrix=False).data, blocks)
    matrix = rng.standard_normal((n * oh * ow, c * kh * kw))
    via_blocks = matrix.reshape(n, oh, ow, c, kh, kw).transpose(0, 3, 4, 5, 1, 2)
    np.testing.assert_allclose(
        col2im(matrix, shape, kernel, stride, pad).data, col2im_blocks(via_blocks, shape, window)
    )


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_chained_convolutions_pass_batch_last_views_and_match_loops(
    dtype: type[np.floating[Any]],
) -> None:
    """conv2d -> relu -> conv2d -> deconv2d, each taking the previous one's (N, C, H, W) view
    of batch-last memory, against nested loops; gradients flow back with the input's dtype."""
    rng = _rng()
    x: Array = rng.standard_normal((3, 2, 8, 8)).astype(dtype)
    w1: Array = (rng.standard_normal((4, 2, 3, 3)) * 0.3).astype(dtype)
    w2: Array = (rng.standard_normal((5, 4, 3, 3)) * 0.3).astype(dtype)
    w3: Array = (rng.standard_normal((5, 2, 4, 4)) * 0.3).astype(dtype)
    b1: Array = rng.standard_normal(4).astype(dtype)
    b2: Array = rng.standard_normal(5).astype(dtype)
    b3: Array = rng.standard_normal(2).astype(dtype)

    xv = Variable(x)
    h1 = conv2d(xv, w1, b1, stride=1, pad=1)
    assert not h1.data.flags.c_contiguous  # a view of batch-last memory
    h2 = conv2d(F.relu(h1), w2, b2, stride=2, pad=1)
    y = deconv2d(h2, w3, b3, stride=2, pad=1)

    r1 = conv2d_loops(x.astype(np.float64), w1, b1, (1, 1), (1, 1))
    r2 = conv2d_loops(np.maximum(r1, 0), w2, b2, (2, 2), (1, 1))
    r3 = deconv2d_loops(r2, w3, b3, (2, 2), (1, 1), (y.shape[2], y.shape[3]))
    tolerance = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(y.data, r3, rtol=tolerance, atol=tolerance)
    assert y.dtype == dtype

    F.sum(y * y).backward()
    assert xv.grad is not None
    assert xv.grad.dtype == dtype
    assert xv.grad.shape == x.shape


def test_max_pooling_picks_the_first_maximum_and_routes_its_gradient() -> None:
    # Ties everywhere: every window of ones has its maximum at every position.
    x = np.ones((1, 1, 4, 4))
    x[0, 0, 1, 1] = 2.0  # the last position of window (0, 0) wins there
    xv = Variable(x)
    y = pooling(xv, 2, 2)
    np.testing.assert_array_equal(y.data, [[[[2.0, 1.0], [1.0, 1.0]]]])
    y.backward()
    assert xv.grad is not None
    expected = np.zeros((4, 4))
    expected[1, 1] = 1.0  # the winner of window (0, 0)
    expected[0, 2] = expected[2, 0] = expected[2, 2] = 1.0  # first position of the tied ones
    np.testing.assert_array_equal(xv.grad.data[0, 0], expected)


@pytest.mark.parametrize(("shape", "kernel", "stride", "pad"), SETTINGS)
def test_pooling_matches_loops_overlapping_windows_included(
    shape: tuple[int, ...], kernel: tuple[int, int], stride: tuple[int, int], pad: tuple[int, int]
) -> None:
    x = _rng().permutation(np.prod(shape)).reshape(shape) * 0.1 - 3.0  # no ties
    np.testing.assert_array_equal(
        pooling(x, kernel, stride, pad).data, pool_loops(x, kernel, stride, pad, "max")
    )
    np.testing.assert_allclose(
        average_pooling(x, kernel, stride, pad).data,
        pool_loops(x, kernel, stride, pad, "mean"),
    )


def _scattered(
    gy: np.ndarray, indexes: np.ndarray, shape: tuple[int, ...], window: Window
) -> np.ndarray:
    """Max pooling's gradient by explicit loops over windows (the winners get gy)."""
    (_kh, kw), (sh, sw), (ph, pw) = window.kernel, window.stride, window.pad
    gx = np.zeros((shape[0], shape[1], shape[2] + 2 * ph, shape[3] + 2 * pw))
    n, c, oh, ow = gy.shape
    for a in range(n):
        for b in range(c):
            for r in range(oh):
                for s in range(ow):
                    j, i = divmod(int(indexes[a, b, r, s]), kw)
                    gx[a, b, r * sh + j, s * sw + i] += gy[a, b, r, s]
    return gx[:, :, ph : ph + shape[2], pw : pw + shape[3]]


@pytest.mark.parametrize(("shape", "kernel", "stride", "pad"), SETTINGS)
def test_pooling_gradient_is_exact_even_with_inf_and_nan(
    shape: tuple[int, ...], kernel: tuple[int, int], stride: tuple[int, int], pad: tuple[int, int]
) -> None:
    rng = _rng()
    window = Window("test", kernel, stride, pad)
    x = rng.standard_normal(shape)
    views = tap_views(x, window)
    indexes: NDArray[np.intp] = np.argmax(np.stack(views), axis=0)
    gy = rng.standard_normal(indexes.shape)
    op = PoolingGrad(shape, indexes, kernel, stride, pad)
    np.testing.assert_allclose(op.forward(gy), _scattered(gy, indexes, shape, window))
    gy.flat[0], gy.flat[-1] = np.inf, np.nan  # only their own winners may get them
    with np.errstate(invalid="ignore"):
        got, want = op.forward(gy), _scattered(gy, indexes, shape, window)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_allclose(got, want)


def test_inference_through_conv_keeps_nothing_for_backward() -> None:
    x = _rng().standard_normal((2, 3, 6, 6))
    w = _rng().standard_normal((4, 3, 3, 3))
    with no_grad():
        y = F.relu(conv2d(x, w, None, 1, 1))
    assert y.creator is None
