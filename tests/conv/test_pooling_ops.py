"""Max and average pooling: forward against nested loops, gradients numerically."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from plugrad import Variable
from plugrad.functions_conv import average_pooling, pooling, pooling_simple
from plugrad.registry import active_registry
from tests.conv.conv_gradcheck import check_first_order, check_second_order
from tests.conv.conv_reference import pool_loops

Pair = tuple[int, int]
PoolCase = tuple[tuple[int, int, int, int], Pair, Pair, Pair]

# (x shape, kernel, stride, pad)
POOL_CASES: list[PoolCase] = [
    ((2, 3, 4, 4), (2, 2), (2, 2), (0, 0)),
    ((1, 2, 5, 6), (3, 2), (1, 2), (1, 0)),
    ((1, 1, 7, 7), (3, 3), (2, 2), (1, 1)),
    ((2, 2, 3, 3), (3, 3), (1, 1), (0, 0)),
]


def _ids(case: PoolCase) -> str:
    shape, k, s, p = case
    return f"x{shape}-k{k}-s{s}-p{p}"


@pytest.mark.parametrize("case", POOL_CASES, ids=_ids)
def test_max_pooling_matches_loops(case: PoolCase) -> None:
    shape, k, s, p = case
    x = np.random.default_rng(1).standard_normal(shape)
    y = pooling(x, k, s, p)
    np.testing.assert_array_equal(y.data, pool_loops(x, k, s, p, "max"))
    np.testing.assert_array_equal(pooling_simple(x, k, s, p).data, y.data)


@pytest.mark.parametrize("case", POOL_CASES, ids=_ids)
def test_average_pooling_matches_loops(case: PoolCase) -> None:
    shape, k, s, p = case
    x = np.random.default_rng(2).standard_normal(shape)
    y = average_pooling(x, k, s, p)
    np.testing.assert_allclose(y.data, pool_loops(x, k, s, p, "mean"), rtol=1e-12)


def test_default_stride_is_one() -> None:
    """DeZero's pooling(x, kernel_size, stride=1, pad=0)."""
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    assert pooling(x, 2).shape == (1, 1, 3, 3)
    assert average_pooling(x, 2).shape == (1, 1, 3, 3)


def test_max_pooling_gradient_goes_to_the_maximum() -> None:
    x = Variable(np.array([[[[1.0, 5.0], [3.0, 2.0]]]]))
    pooling(x, 2, 2).backward()
    assert x.grad is not None
    np.testing.assert_array_equal(x.grad.data, [[[[0.0, 1.0], [0.0, 0.0]]]])


@pytest.mark.parametrize("op", [pooling, average_pooling, pooling_simple])
def test_float32_stays_float32(op: Callable[[Variable, int, int], Variable]) -> None:
    x = Variable(np.random.default_rng(3).standard_normal((2, 3, 6, 6)).astype(np.float32))
    y = op(x, 2, 2)
    assert y.dtype == np.float32
    y.backward(create_graph=True)
    assert x.grad is not None
    assert x.grad.dtype == np.float32


def test_pooling_simple_gradient_matches_pooling() -> None:
    x = np.random.default_rng(4).permutation(36).reshape(1, 1, 6, 6) * 0.1
    a, b = Variable(x.copy()), Variable(x.copy())
    (pooling(a, 3, 2, 1) * np.arange(9.0).reshape(1, 1, 3, 3)).sum().backward()
    (pooling_simple(b, 3, 2, 1) * np.arange(9.0).reshape(1, 1, 3, 3)).sum().backward()
    assert a.grad is not None
    assert b.grad is not None
    np.testing.assert_array_equal(a.grad.data, b.grad.data)


OPS = ["pooling", "pooling_grad", "pooling_with_indexes", "average_pooling"]


def _samples(name: str) -> list[tuple[str, object]]:
    spec = active_registry().record(name).spec
    assert spec.samples is not None
    return [(f"{name}: {s.label}", s) for s in spec.samples(np.random.default_rng(0))]


SAMPLES = [pair for name in OPS for pair in _samples(name)]


@pytest.mark.parametrize(("label", "sample"), SAMPLES, ids=[label for label, _ in SAMPLES])
def test_first_order_gradients(label: str, sample: object) -> None:
    check_first_order(sample.make, sample.inputs)  # type: ignore[attr-defined]


@pytest.mark.parametrize(("label", "sample"), SAMPLES, ids=[label for label, _ in SAMPLES])
def test_second_order_gradients(label: str, sample: object) -> None:
    check_second_order(sample.make, sample.inputs)  # type: ignore[attr-defined]


def test_double_backward_of_max_pooling_is_linear_in_gy() -> None:
    """d/dx of (dL/dx . v) for L = sum(pooling(x)^2): the routing of v back through the max."""
    x = Variable(np.array([[[[1.0, 5.0], [3.0, 2.0]]]]))
    y = pooling(x, 2, 2)
    (y * y).sum().backward(create_graph=True)
    assert x.grad is not None
    gx = x.grad  # 2 * y at the maximum
    np.testing.assert_array_equal(gx.data, [[[[0.0, 10.0], [0.0, 0.0]]]])
    x.cleargrad()
    (gx * np.array([[[[1.0, 4.0], [1.0, 1.0]]]])).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[[[0.0, 8.0], [0.0, 0.0]]]])
