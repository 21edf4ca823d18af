"""plugrad.gradients: gradients returned, never stored, for leaves and intermediate values."""

from __future__ import annotations

import numpy as np
import pytest

import plugrad.functions as F
from plugrad import Variable, gradients
from tests._ops import ArrayOnlyExp, DezeroStyleSin, SumProduct, Tripwire
from tests.func import _numeric


def _graph() -> tuple[Variable, Variable, Variable, Variable]:
    x = Variable(np.array([0.5, -1.0, 2.0]))
    w = Variable(np.array(1.5))
    h = F.sin(x * w)
    y = F.sum(h * h)
    return x, w, h, y


def test_leaves_and_an_intermediate_value() -> None:
    x, w, h, y = _graph()
    gx, gw, gh = gradients(y, [x, w, h])
    np.testing.assert_allclose(gh.data, 2 * h.data)
    np.testing.assert_allclose(
        gx.data, _numeric.jacobian(lambda v: F.sum(F.sin(v * w.data) ** 2), x.data), rtol=1e-7
    )
    expected_w = _numeric.jacobian(lambda v: F.sum(F.sin(x.data * v) ** 2), w.data)
    np.testing.assert_allclose(gw.data, expected_w, rtol=1e-7)


def test_nothing_is_written_anywhere() -> None:
    x, w, h, y = _graph()
    y.grad = Variable(np.array(3.0))  # a seed the caller set for backward: left alone
    gradients(y, [x, w, h])
    gradients(y, [x], create_graph=True)
    assert x.grad is None
    assert w.grad is None
    assert h.grad is None
    assert float(y.grad.data) == 3.0


def test_intermediate_inputs_stop_the_walk() -> None:
    x = Variable(np.array([1.0, 2.0]))
    h = F.exp(Tripwire()(x))
    y = F.sum(h * h)
    (gh,) = gradients(y, h)  # the Tripwire behind h never runs
    np.testing.assert_allclose(gh.data, 2 * h.data)
    (gh,) = gradients(y, h, create_graph=True)
    np.testing.assert_allclose(gh.data, 2 * h.data)
    with pytest.raises(AssertionError, match="went behind"):
        gradients(y, x)


def test_an_input_behind_another_gets_its_total_gradient() -> None:
    # y = exp(h), h = x^2: dy/dh = exp(h), dy/dx = 2x exp(h), as PyTorch's autograd.grad gives.
    x = Variable(np.array(0.7))
    h = x * x
    y = F.exp(h)
    gh, gx = gradients(y, [h, x])
    assert float(gh.data) == pytest.approx(np.exp(0.49))
    assert float(gx.data) == pytest.approx(1.4 * np.exp(0.49))


def test_intermediate_inputs_of_different_generations() -> None:
    # y = sin(b), b = a^3, a = exp(t(x)): the walk reads b, then a, and stops before t.
    x = Variable(np.array([0.2, -0.3]))
    a = F.exp(Tripwire()(x))
    b = a**3
    y = F.sum(F.sin(b))
    for inputs in ([a, b], [b, a]):
        got = dict(zip([id(v) for v in inputs], gradients(y, inputs), strict=True))
        np.testing.assert_allclose(got[id(b)].data, np.cos(b.data))
        np.testing.assert_allclose(got[id(a)].data, np.cos(b.data) * 3 * a.data**2)


def test_several_outputs_with_grad_outputs() -> None:
    x0, x1 = Variable(np.array([1.0, 2.0])), Variable(np.array([3.0, -1.0]))
    s, p = SumProduct()(x0, x1)
    u, v = np.array([1.0, 2.0]), np.array([-1.0, 0.5])
    g0, g1 = gradients([s, p], [x0, x1], [u, v])
    np.testing.assert_allclose(g0.data, u + v * x1.data)
    np.testing.assert_allclose(g1.data, u + v * x0.data)
    # One output of two gets a seed, the other none: its gradient counts as zero.
    g0, g1 = gradients([p], [x0, x1], [v])
    np.testing.assert_allclose(g0.data, v * x1.data)
    (gs,) = gradients([s, s], [x0])  # an output given twice counts twice
    np.testing.assert_allclose(gs.data, [2.0, 2.0])


def test_an_input_the_outputs_do_not_reach_gets_zeros() -> None:
    x = Variable(np.array([1.0, 2.0], dtype=np.float32))
    unused = Variable(np.ones((2, 3), dtype=np.float32))
    constant = F.exp(np.zeros(2))  # made from constants only: a constant
    gx, gu = gradients(F.sum(x * x), [x, unused])
    np.testing.assert_allclose(gx.data, [2.0, 4.0])
    assert gu.shape == (2, 3)
    assert gu.dtype == np.float32
    assert not gu.data.any()
    (gc,) = gradients(F.sum(x * constant), [constant])
    assert not gc.data.any()


def test_create_graph_gives_differentiable_gradients() -> None:
    x = Variable(np.array([0.3, 1.2]))
    (g,) = gradients(F.sum(x**4), x, create_graph=True)
    np.testing.assert_allclose(g.data, 4 * x.data**3)
    (gg,) = gradients(F.sum(g), x)
    np.testing.assert_allclose(gg.data, 12 * x.data**2)
    # With a Variable seed, the gradient is a function of the seed too.
    u = Variable(np.array([2.0, -1.0]))
    (g,) = gradients(x**2, x, u, create_graph=True)
    (gu,) = gradients(F.sum(g), u)
    np.testing.assert_allclose(gu.data, 2 * x.data)


def test_first_order_gradients_are_constants_with_arrays_of_their_own() -> None:
    x, y = Variable(np.array([1.0, 2.0])), Variable(np.array([3.0, 4.0]))
    seed = np.array([1.0, 1.0])
    gx, gy = gradients(x + y, [x, y], seed)  # add passes the seed to both
    assert gx._constant
    assert gx.creator is None
    gx.data[0] = 100.0
    assert gy.data[0] == 1.0
    assert seed[0] == 1.0


def test_an_output_that_is_an_input() -> None:
    x = Variable(np.array([1.0, 2.0]))
    (g,) = gradients(x, x, np.array([3.0, 4.0]))
    np.testing.assert_allclose(g.data, [3.0, 4.0])


def test_dezero_style_ops_work() -> None:
    x = Variable(np.array([0.1, 0.2]))
    (g,) = gradients(F.sum(DezeroStyleSin()(x)), x)
    np.testing.assert_allclose(g.data, np.cos(x.data))
    (g,) = gradients(F.sum(DezeroStyleSin()(x)), x, create_graph=True)
    (gg,) = gradients(F.sum(g), x)
    np.testing.assert_allclose(gg.data, -np.sin(x.data))


def test_a_first_order_only_op_under_create_graph_names_the_op() -> None:
    x = Variable(np.array([0.1, 0.2]))
    (g,) = gradients(F.sum(ArrayOnlyExp()(x)), x)
    np.testing.assert_allclose(g.data, np.exp(x.data))
    with pytest.raises(NotImplementedError, match="ArrayOnlyExp"):
        gradients(F.sum(ArrayOnlyExp()(x)), x, create_graph=True)


def test_float32_stays_float32() -> None:
    x = Variable(np.ones(3, dtype=np.float32))
    (g,) = gradients(F.sum(F.tanh(x)), x, np.array(1.0))  # a float64 seed is converted
    assert g.dtype == np.float32
    (g,) = gradients(F.sum(F.tanh(x)), x, create_graph=True)
    assert g.dtype == np.float32


def test_bad_arguments_are_explained() -> None:
    x = Variable(np.array([1.0, 2.0]))
    y = x * 2.0
    with pytest.raises(
        TypeError, match="outputs must be a Variable or a list of Variables, got ndarray"
    ):
        gradients(np.ones(2), x)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="inputs must be Variables, got ndarray"):
        gradients(y, [np.ones(2)])  # type: ignore[list-item]
    with pytest.raises(ValueError, match=r"shape \(3,\) but output 0 has shape \(2,\)"):
        gradients(y, x, np.ones(3))
    with pytest.raises(ValueError, match="2 output\\(s\\) but 1 grad_outputs"):
        gradients([y, y], x, [None])
    with pytest.raises(TypeError, match="one entry per output"):
        gradients([y, y], x, np.ones(2))
    with pytest.raises(TypeError, match="got str"):
        gradients(y, x, "s")  # type: ignore[arg-type]
