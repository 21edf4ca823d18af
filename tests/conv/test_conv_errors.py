"""Bad input to the conv and pooling ops: clear errors that name the op and the shapes."""

from __future__ import annotations

import numpy as np
import pytest

from plugrad.functions_conv import (
    average_pooling,
    col2im_array,
    conv2d,
    deconv2d,
    im2col,
    im2col_array,
    pooling,
)

X = np.zeros((1, 3, 4, 4))
W = np.zeros((2, 3, 3, 3))


def test_kernel_larger_than_padded_input() -> None:
    with pytest.raises(ValueError, match=r"conv2d: a 5x5 kernel does not fit .*\(1, 3, 4, 4\)"):
        conv2d(X, np.zeros((2, 3, 5, 5)))
    with pytest.raises(ValueError, match=r"pooling: a 6x6 kernel does not fit .*to 5x5"):
        pooling(np.zeros((1, 1, 3, 3)), 6, pad=1)
    conv2d(X, np.zeros((2, 3, 5, 5)), pad=1)  # padding makes it fit


def test_channel_mismatch() -> None:
    with pytest.raises(ValueError, match=r"conv2d: x has 3 channels .*\(2, 4, 3, 3\) expects 4"):
        conv2d(X, np.zeros((2, 4, 3, 3)))
    with pytest.raises(ValueError, match=r"deconv2d: x has 3 channels .*expects 2"):
        deconv2d(X, np.zeros((2, 3, 3, 3)))


def test_input_must_be_4d() -> None:
    with pytest.raises(
        ValueError, match=r"conv2d: x must be 4-D \(N, C, H, W\), got shape \(3, 4, 4\)"
    ):
        conv2d(np.zeros((3, 4, 4)), W)
    with pytest.raises(ValueError, match=r"conv2d: W must be 4-D, got shape \(2, 3, 3\)"):
        conv2d(X, np.zeros((2, 3, 3)))
    with pytest.raises(ValueError, match=r"pooling: the input must be 4-D"):
        pooling(np.zeros((4, 4)), 2)
    with pytest.raises(ValueError, match=r"im2col: the input must be 4-D"):
        im2col(np.zeros((4, 4)), 2)


@pytest.mark.parametrize("stride", [0, (1, 0), -1])
def test_stride_must_be_positive(stride: int | tuple[int, int]) -> None:
    with pytest.raises(ValueError, match=r"conv2d: stride must be positive"):
        conv2d(X, W, stride=stride)
    with pytest.raises(ValueError, match=r"average_pooling: stride must be positive"):
        average_pooling(X, 2, stride=stride)
    with pytest.raises(ValueError, match=r"im2col: stride must be positive"):
        im2col_array(X, 2, stride=stride)


def test_padding_must_not_be_negative() -> None:
    with pytest.raises(ValueError, match=r"conv2d: pad must be zero or positive, got -1"):
        conv2d(X, W, pad=-1)
    with pytest.raises(ValueError, match=r"deconv2d: pad must be zero or positive, got \(0, -2\)"):
        deconv2d(X, np.zeros((3, 2, 3, 3)), pad=(0, -2))
    with pytest.raises(ValueError, match=r"pooling: pad must be zero or positive"):
        pooling(X, 2, pad=-1)


def test_bad_kernel_size_and_types() -> None:
    with pytest.raises(ValueError, match=r"pooling: kernel_size must be positive, got 0"):
        pooling(X, 0)
    with pytest.raises(ValueError, match=r"pooling: kernel_size takes an int or a pair"):
        pooling(X, (2, 2, 2))  # type: ignore[arg-type]


def test_bias_shape() -> None:
    with pytest.raises(ValueError, match=r"conv2d: b must have shape \(2,\), got \(3,\)"):
        conv2d(X, W, np.zeros(3))


def test_deconv_outsize_that_cannot_be_reached() -> None:
    with pytest.raises(ValueError, match=r"deconv2d: an input of size \(4, 4\) cannot give"):
        deconv2d(X, np.zeros((3, 2, 3, 3)), stride=1, outsize=(9, 9))


def test_col2im_shape_mismatch() -> None:
    with pytest.raises(ValueError, match=r"col2im: col of shape \(5, 5\) does not match"):
        col2im_array(np.zeros((5, 5)), (1, 3, 4, 4), 3)
