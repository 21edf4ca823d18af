"""Higher derivatives against closed forms, and Newton's method with second derivatives."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from numpy.polynomial import Polynomial

import plugrad.functions as F  # DeZero's convention
from plugrad import Variable
from plugrad.typing import Array

XS = np.array([-2.0, -0.7, 0.0, 0.3, 1.1, 2.5])


def nth_derivative(f: Callable[[Variable], Variable], x: Variable, n: int) -> Variable:
    """d^n f / dx^n by differentiating the gradient again, DeZero step 33 style."""
    y = f(x)
    for _ in range(n):
        x.cleargrad()
        F.sum(y).backward(create_graph=True)
        assert x.grad is not None
        y = x.grad
    return y


def tanh_derivative_polynomial(n: int) -> Polynomial:
    """P_n with d^n tanh / dx^n = P_n(tanh x):  P_0 = t,  P_{k+1} = P_k'(t) (1 - t^2)."""
    p = Polynomial([0.0, 1.0])
    one_minus_t2 = Polynomial([1.0, 0.0, -1.0])
    for _ in range(n):
        p = p.deriv() * one_minus_t2
    return p


def test_tanh_polynomials_are_right() -> None:
    # A check on the reference itself: tanh' = 1 - t^2, tanh'' = -2t (1 - t^2).
    t = np.linspace(-1.0, 1.0, 5)
    np.testing.assert_allclose(tanh_derivative_polynomial(1)(t), 1 - t**2)
    np.testing.assert_allclose(tanh_derivative_polynomial(2)(t), -2 * t * (1 - t**2), atol=1e-15)


@pytest.mark.parametrize("n", range(1, 7))
def test_nth_derivative_of_sin(n: int) -> None:
    x = Variable(XS.copy())
    got = nth_derivative(F.sin, x, n)
    np.testing.assert_allclose(got.data, np.sin(XS + n * np.pi / 2), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("n", range(1, 7))
def test_nth_derivative_of_cos(n: int) -> None:
    x = Variable(XS.copy())
    got = nth_derivative(F.cos, x, n)
    np.testing.assert_allclose(got.data, np.cos(XS + n * np.pi / 2), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("n", range(1, 7))
def test_nth_derivative_of_tanh(n: int) -> None:
    x = Variable(XS.copy())
    got = nth_derivative(F.tanh, x, n)
    expected = tanh_derivative_polynomial(n)(np.tanh(XS))
    np.testing.assert_allclose(got.data, expected, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("n", range(1, 5))
def test_nth_derivative_of_exp_and_polynomial(n: int) -> None:
    x = Variable(XS.copy())
    np.testing.assert_allclose(nth_derivative(F.exp, x, n).data, np.exp(XS), rtol=1e-13)
    x = Variable(XS.copy())
    # d^n/dx^n x^5 = 5!/(5-n)! x^(5-n)
    coefficient = float(np.prod(np.arange(5 - n + 1, 6)))
    np.testing.assert_allclose(
        nth_derivative(lambda v: v**5, x, n).data, coefficient * XS ** (5 - n), rtol=1e-12
    )


def test_third_derivative_through_broadcasting() -> None:
    # f = sum(w * broadcast(x)**3) over a (2, 3) grid: every derivative passes through
    # broadcast_to / sum_to.  With s = w summed over rows: f1 = 3 s x**2, f2 = 6 s x, f3 = 6 s.
    w = np.array([[0.5, 1.0, -2.0], [1.5, 0.25, 3.0]])
    s = w.sum(axis=0)
    xs = np.array([0.7, -1.3, 2.0])

    def f(x: Variable) -> Variable:
        return F.broadcast_to(x, (2, 3)) ** 3 * w

    for n, expected in enumerate([3 * s * xs**2, 6 * s * xs, 6 * s], start=1):
        got = nth_derivative(f, Variable(xs.copy()), n)
        np.testing.assert_allclose(got.data, expected, rtol=1e-13, err_msg=f"order {n}")


def test_mixed_second_derivative() -> None:
    # f = x^2 y^3:  d/dy (df/dx) = 6 x y^2
    x, y = Variable(np.array(1.5)), Variable(np.array(-0.5))
    f = x**2 * y**3
    f.backward(create_graph=True)
    assert x.grad is not None
    gx = x.grad
    x.cleargrad()
    y.cleargrad()
    gx.backward()
    assert y.grad is not None
    assert y.grad.data == pytest.approx(6 * 1.5 * 0.25)


def _grad_or_zeros(x: Variable) -> Array:
    return np.zeros_like(x.data) if x.grad is None else x.grad.data


def quartic(x: Variable) -> Variable:
    return x**4 - 2 * x**2


def newton_closed_form(x: float) -> float:
    """One Newton step on y = x^4 - 2x^2:  x - (4x^3 - 4x) / (12x^2 - 4)."""
    return x - (4 * x**3 - 4 * x) / (12 * x**2 - 4)


def test_newton_method_on_the_quartic_step33() -> None:
    x = Variable(np.array(2.0))
    iterates: list[float] = [2.0]
    for _ in range(10):
        y = quartic(x)
        x.cleargrad()
        y.backward(create_graph=True)
        gx = x.grad
        assert gx is not None
        x.cleargrad()
        gx.backward()
        gx2 = x.grad
        assert gx2 is not None
        x.data = x.data - gx.data / gx2.data
        iterates.append(float(x.data))

    expected = [2.0]
    for _ in range(10):
        expected.append(newton_closed_form(expected[-1]))
    np.testing.assert_allclose(iterates, expected, rtol=1e-14)
    # DeZero step 33 prints 2.0, 1.4545..., 1.1510..., 1.0253..., 1.0010..., 1.0000..., 1.0
    assert iterates[1] == pytest.approx(1.4545454545454546, rel=1e-14)
    assert abs(iterates[6] - 1.0) < 1e-9
    assert iterates[-1] == pytest.approx(1.0, abs=1e-15)


def test_second_derivative_graph_has_no_stray_dependency() -> None:
    # The gradient of a gradient of a function linear in x is zero: no path back to x.
    x = Variable(np.array([1.0, 2.0]))
    y = F.sum(3.0 * x)
    y.backward(create_graph=True)
    assert x.grad is not None
    gx = x.grad
    np.testing.assert_array_equal(gx.data, [3.0, 3.0])
    x.cleargrad()
    gx.backward()
    got = _grad_or_zeros(x)
    np.testing.assert_array_equal(got, [0.0, 0.0])
