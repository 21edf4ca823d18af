"""DeZero's array helpers in plugrad.utils, against plain NumPy and closed forms."""

import numpy as np
import pytest

from plugrad import Variable, utils


def test_logsumexp_matches_the_naive_formula_and_survives_large_values() -> None:
    x = np.array([[1.0, 2.0, 3.0], [-1.0, 0.0, 0.5]])
    np.testing.assert_allclose(
        utils.logsumexp(x, axis=1), np.log(np.exp(x).sum(axis=1, keepdims=True))
    )
    big = np.array([[1e4, 1e4]])
    np.testing.assert_allclose(utils.logsumexp(big, axis=1), [[1e4 + np.log(2.0)]])


def test_max_backward_shape_keeps_the_reduced_axes_as_ones() -> None:
    x = Variable(np.zeros((2, 3, 4)))
    assert utils.max_backward_shape(x, 1) == (2, 1, 4)
    assert utils.max_backward_shape(x, (0, 2)) == (1, 3, 1)
    assert utils.max_backward_shape(x, None) == (1, 1, 1)


def test_sum_to_is_the_reverse_of_broadcasting() -> None:
    x = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(utils.sum_to(x, (1, 3)), [[3.0, 5.0, 7.0]])
    np.testing.assert_array_equal(utils.sum_to(x, (2, 1)), [[3.0], [12.0]])


@pytest.mark.parametrize(
    ("size", "kernel", "stride", "pad", "expected"), [(4, 3, 1, 1, 4), (7, 3, 2, 0, 3)]
)
def test_get_conv_outsize(size: int, kernel: int, stride: int, pad: int, expected: int) -> None:
    assert utils.get_conv_outsize(size, kernel, stride, pad) == expected


def test_pair() -> None:
    assert utils.pair(3) == (3, 3)
    assert utils.pair((1, 2)) == (1, 2)
    with pytest.raises(ValueError, match="pair"):
        utils.pair((1, 2, 3))  # type: ignore[arg-type]  # the mistake under test
