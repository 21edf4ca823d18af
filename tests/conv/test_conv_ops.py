"""conv2d, deconv2d, im2col and col2im: forward against nested loops, gradients numerically."""

from __future__ import annotations

import numpy as np
import pytest

from plugrad import Variable
from plugrad.functions_conv import (
    col2im_array,
    conv2d,
    conv2d_simple,
    deconv2d,
    get_conv_outsize,
    get_deconv_outsize,
    im2col,
    im2col_array,
    pooling,
)
from plugrad.registry import active_registry
from plugrad.typing import Array
from tests.conv.conv_gradcheck import check_first_order, check_second_order
from tests.conv.conv_reference import conv2d_loops, deconv2d_loops, im2col_loops

Pair = tuple[int, int]
ConvCase = tuple[tuple[int, int, int, int], int, Pair, Pair, Pair]

# (x shape, out channels, kernel, stride, pad)
CONV_CASES: list[ConvCase] = [
    ((2, 3, 5, 5), 4, (3, 3), (1, 1), (0, 0)),
    ((1, 2, 6, 7), 3, (3, 2), (2, 1), (1, 0)),
    ((2, 1, 4, 4), 2, (1, 1), (1, 1), (0, 0)),
    ((1, 3, 7, 5), 2, (3, 3), (2, 3), (1, 2)),
    ((1, 2, 3, 3), 2, (5, 5), (1, 1), (1, 1)),  # kernel fits only thanks to padding
]


def _ids(case: ConvCase) -> str:
    shape, oc, k, s, p = case
    return f"x{shape}-oc{oc}-k{k}-s{s}-p{p}"


@pytest.mark.parametrize("case", CONV_CASES, ids=_ids)
@pytest.mark.parametrize("with_bias", [True, False])
def test_conv2d_matches_loops(case: ConvCase, with_bias: bool) -> None:
    shape, oc, k, s, p = case
    rng = np.random.default_rng(1)
    x = rng.standard_normal(shape)
    W = rng.standard_normal((oc, shape[1], *k))
    b = rng.standard_normal(oc) if with_bias else None
    y = conv2d(x, W, b, stride=s, pad=p)
    np.testing.assert_allclose(y.data, conv2d_loops(x, W, b, s, p), rtol=1e-10, atol=1e-12)
    simple = conv2d_simple(x, W, b, stride=s, pad=p)
    np.testing.assert_allclose(simple.data, y.data, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("case", CONV_CASES, ids=_ids)
def test_deconv2d_matches_loops(case: ConvCase) -> None:
    shape, oc, k, s, p = case
    rng = np.random.default_rng(2)
    # deconv of an input the size of a conv output gives back the conv's input size
    h = get_conv_outsize(shape[2], k[0], s[0], p[0])
    w = get_conv_outsize(shape[3], k[1], s[1], p[1])
    x = rng.standard_normal((shape[0], oc, h, w))
    W = rng.standard_normal((oc, shape[1], *k))
    b = rng.standard_normal(shape[1])
    outsize = (shape[2], shape[3])
    y = deconv2d(x, W, b, stride=s, pad=p, outsize=outsize)
    np.testing.assert_allclose(
        y.data, deconv2d_loops(x, W, b, s, p, outsize), rtol=1e-10, atol=1e-12
    )


def test_deconv2d_default_outsize() -> None:
    rng = np.random.default_rng(3)
    x, W = rng.standard_normal((1, 2, 3, 4)), rng.standard_normal((2, 3, 4, 3))
    y = deconv2d(x, W, stride=2, pad=1)
    expected = (get_deconv_outsize(3, 4, 2, 1), get_deconv_outsize(4, 3, 2, 1))
    assert y.shape == (1, 3, *expected)
    np.testing.assert_allclose(y.data, deconv2d_loops(x, W, None, (2, 2), (1, 1), expected))


def test_deconv_is_the_adjoint_of_conv() -> None:
    """<conv(x), g> == <x, deconv(g)> for the same W, stride and pad."""
    rng = np.random.default_rng(4)
    x, W = rng.standard_normal((2, 3, 7, 6)), rng.standard_normal((4, 3, 3, 2))
    y = conv2d(x, W, stride=2, pad=1)
    g = rng.standard_normal(y.shape)
    back = deconv2d(g, W, stride=2, pad=1, outsize=(7, 6))
    assert np.isclose(np.sum(y.data * g), np.sum(x * back.data))


@pytest.mark.parametrize("case", CONV_CASES, ids=_ids)
def test_im2col_matches_loops(case: ConvCase) -> None:
    shape, _, k, s, p = case
    x = np.random.default_rng(5).standard_normal(shape)
    matrix = im2col_array(x, k, s, p, to_matrix=True)
    np.testing.assert_array_equal(matrix, im2col_loops(x, k, s, p))
    blocks = im2col_array(x, k, s, p, to_matrix=False)  # (N, C, KH, KW, OH, OW)
    n, c, kh, kw, oh, ow = blocks.shape
    np.testing.assert_array_equal(
        blocks.transpose(0, 4, 5, 1, 2, 3).reshape(n * oh * ow, c * kh * kw), matrix
    )
    variable = im2col(x, k, s, p)
    np.testing.assert_array_equal(variable.data, matrix)


@pytest.mark.parametrize("to_matrix", [True, False])
def test_col2im_is_the_adjoint_of_im2col(to_matrix: bool) -> None:
    rng = np.random.default_rng(6)
    x = rng.standard_normal((2, 3, 6, 5))
    col = im2col_array(x, (3, 2), (2, 1), (1, 1), to_matrix)
    c = rng.standard_normal(col.shape)
    folded = col2im_array(c, x.shape, (3, 2), (2, 1), (1, 1), to_matrix)
    assert folded.shape == x.shape
    assert np.isclose(np.sum(col * c), np.sum(x * folded))


def test_float32_stays_float32() -> None:
    rng = np.random.default_rng(7)
    x = Variable(rng.standard_normal((2, 3, 6, 6)).astype(np.float32))
    W = Variable(rng.standard_normal((4, 3, 3, 3)).astype(np.float32))
    b = Variable(rng.standard_normal(4).astype(np.float32))
    y = conv2d(x, W, b, stride=1, pad=1)
    z = deconv2d(y, W, b=None, stride=1, pad=1)
    loss = (z * z).sum()
    assert y.dtype == z.dtype == np.float32
    loss.backward(create_graph=True)
    for v in (x, W, b):
        assert v.grad is not None
        assert v.grad.dtype == np.float32
    expected = conv2d_loops(
        x.data.astype(np.float64), W.data.astype(np.float64), b.data, (1, 1), (1, 1)
    )
    np.testing.assert_allclose(y.data, expected, rtol=1e-4, atol=1e-4)


def test_data_batch_gets_no_gradient() -> None:
    """An ndarray x is a constant: conv2d skips its (expensive) input gradient."""
    rng = np.random.default_rng(8)
    W = Variable(rng.standard_normal((2, 3, 3, 3)))
    y = conv2d(rng.standard_normal((1, 3, 5, 5)), W)
    y.backward()
    assert W.grad is not None
    assert y.creator is not None
    assert not y.creator.needs_grad(0)


# -- every registered sample of this family: numerical gradients, first and second order --------

OPS = ["im2col", "col2im", "conv2d", "deconv2d", "conv2d_grad_w"]


def _samples(name: str) -> list[tuple[str, object]]:
    spec = active_registry().record(name).spec
    assert spec.samples is not None
    return [(f"{name}: {s.label}", s) for s in spec.samples(np.random.default_rng(0))]


SAMPLES = [pair for name in OPS for pair in _samples(name)]


@pytest.mark.parametrize(("label", "sample"), SAMPLES, ids=[label for label, _ in SAMPLES])
def test_first_order_gradients(label: str, sample: object) -> None:
    assert sample.make is not None  # type: ignore[attr-defined]
    check_first_order(sample.make, sample.inputs)  # type: ignore[attr-defined]


@pytest.mark.parametrize(("label", "sample"), SAMPLES, ids=[label for label, _ in SAMPLES])
def test_second_order_gradients(label: str, sample: object) -> None:
    check_second_order(sample.make, sample.inputs)  # type: ignore[attr-defined]


def test_gradient_check_of_conv_through_public_api() -> None:
    """DeZero's utils.gradient_check on conv2d as a function of x, of W and of b."""
    from plugrad.utils import gradient_check

    rng = np.random.default_rng(9)
    x, W, b = (
        rng.standard_normal((1, 2, 4, 4)),
        rng.standard_normal((3, 2, 2, 2)),
        rng.standard_normal(3),
    )

    def of_x(v: Variable | Array) -> Variable:
        return conv2d(v, W, b, stride=1, pad=1)

    def of_w(v: Variable | Array) -> Variable:
        return conv2d(x, v, b, stride=2, pad=0)

    def of_b(v: Variable | Array) -> Variable:
        return conv2d(x, W, v, stride=1, pad=0)

    assert gradient_check(of_x, x)
    assert gradient_check(of_w, W)
    assert gradient_check(of_b, b)


def test_matches_torch_when_installed() -> None:
    """An optional extra check; torch is not a dependency."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(10)
    x, W, b = (
        rng.standard_normal((2, 3, 7, 6)),
        rng.standard_normal((4, 3, 3, 2)),
        rng.standard_normal(4),
    )
    expected = torch.nn.functional.conv2d(
        torch.from_numpy(x), torch.from_numpy(W), torch.from_numpy(b), stride=(2, 1), padding=1
    ).numpy()
    np.testing.assert_allclose(conv2d(x, W, b, stride=(2, 1), pad=1).data, expected, rtol=1e-10)
    pooled = torch.nn.functional.max_pool2d(torch.from_numpy(x), 2, 2).numpy()
    np.testing.assert_array_equal(pooling(x, 2, 2).data, pooled)
