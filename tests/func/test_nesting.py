"""Transforms composed with each other and with backward, up to the 4th order, against closed
forms; a transform inside another differentiates with respect to its own input only."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from numpy.polynomial import Polynomial

import plugrad.functions as F
from plugrad import Variable, no_grad
from plugrad.func import grad, hessian, hvp, jacfwd, jacrev, jvp, value_and_grad, vjp
from plugrad.typing import Operand
from tests.func import _numeric
from tests.func._cases import on_variables

Scalar = Callable[[Operand], Variable]


def _tanh_derivative(n: int) -> Polynomial:
    """P_n with d^n tanh / dx^n = P_n(tanh x):  P_0 = t,  P_{k+1} = P_k'(t) (1 - t^2)."""
    p = Polynomial([0.0, 1.0])
    for _ in range(n):
        p = p.deriv() * Polynomial([1.0, 0.0, -1.0])
    return p


def _nth(f: Scalar, n: int) -> Scalar:
    for _ in range(n):
        f = grad(f)
    return f


@pytest.mark.parametrize("x", [-1.3, 0.0, 0.4, 2.0])
@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_grad_of_grad_up_to_the_4th_order(n: int, x: float) -> None:
    t = np.tanh(x)
    cases: list[tuple[Scalar, float]] = [
        (F.sin, float(np.sin(x + n * np.pi / 2))),
        (lambda v: F.exp(v * 2.0), 2.0**n * float(np.exp(2 * x))),
        (F.tanh, float(_tanh_derivative(n)(t))),
        (lambda v: F.pow(v, 5), [5 * x**4, 20 * x**3, 60 * x**2, 120 * x][n - 1]),
        (lambda v: F.log(v + 3.0), (-1) ** (n - 1) * float(np.prod(range(1, n))) / (x + 3) ** n),
    ]
    for f, expected in cases:
        assert float(_nth(f, n)(x).data) == pytest.approx(expected, rel=1e-10, abs=1e-12)


A = np.array([0.3, -0.7, 1.1])


def _exp_of_dot(x: Operand) -> Variable:
    return F.exp(F.sum(F.as_variable(x) * A))


FOURTH_ORDER: dict[str, Callable[[Scalar], Scalar]] = {
    "rev rev rev rev": lambda f: jacrev(jacrev(jacrev(jacrev(f)))),
    "fwd fwd fwd fwd": lambda f: jacfwd(jacfwd(jacfwd(jacfwd(f)))),
    "fwd rev fwd rev": lambda f: jacfwd(jacrev(jacfwd(jacrev(f)))),
    "rev fwd rev fwd": lambda f: jacrev(jacfwd(jacrev(jacfwd(f)))),
    "hessian of hessian": lambda f: jacrev(jacfwd(hessian(f))),
    "grad then jacobians": lambda f: jacfwd(jacrev(jacfwd(grad(f)))),
}


@pytest.mark.parametrize("compose", FOURTH_ORDER.values(), ids=FOURTH_ORDER.keys())
def test_fourth_derivative_tensor(
    compose: Callable[[Scalar], Callable[[Operand], Variable]],
) -> None:
    # d^4/dx^4 exp(a.x) = exp(a.x) a (x) a (x) a (x) a
    x = np.array([0.2, -0.1, 0.5])
    expected = np.exp(A @ x) * np.einsum("i,j,k,l->ijkl", A, A, A, A)
    got = compose(_exp_of_dot)(x)
    assert got.shape == (3, 3, 3, 3)
    np.testing.assert_allclose(got.data, expected, rtol=1e-12)


def test_third_order_mixed_partials() -> None:
    # f = x0^2 x1^3 x2: d^3 f / dx0 dx1 dx2 = 6 x0 x1^2
    def f(x: Operand) -> Variable:
        v = F.as_variable(x)
        return v[0] ** 2 * v[1] ** 3 * v[2]

    x = np.array([1.5, -2.0, 0.5])
    third = jacfwd(hessian(f))(x).data
    assert third[0, 1, 2] == pytest.approx(6 * x[0] * x[1] ** 2)
    assert third[2, 1, 0] == pytest.approx(6 * x[0] * x[1] ** 2)
    assert third[1, 1, 1] == pytest.approx(6 * x[0] ** 2 * x[2])
    assert third[2, 2, 2] == 0.0


def test_no_perturbation_confusion() -> None:
    # d/dx (x * d/dy (x + y)) = d/dx (x * 1) = 1; confusing the two inputs would give 2.
    def outer(x: Operand) -> Variable:
        return F.mul(x, grad(on_variables(lambda y: F.add(x, y)))(1.0))

    assert float(grad(outer)(1.0).data) == 1.0
    # The same with the inner input a Variable of the outer computation.
    on_outer_variable = on_variables(lambda x: x * grad(on_variables(lambda y: x + y))(x))
    assert float(grad(on_outer_variable)(1.0).data) == 1.0
    # d/dx [d/dy (x y)](y = x) = d/dx x = 1, not d/dx d/dx (x x) = 2.
    inner_at_x = on_variables(lambda x: grad(on_variables(lambda y: x * y))(x))
    assert float(grad(inner_at_x)(3.0).data) == 1.0


def test_inner_transform_records_what_depends_on_the_outer_input() -> None:
    # d/dx [d/dy (x y^2)](y = 1) = d/dx 2 x = 2: the closure over x is differentiated.
    inner_at_1 = on_variables(lambda x: grad(on_variables(lambda y: x * y * y))(1.0))
    assert float(grad(inner_at_1)(2.0).data) == 2.0

    # Through vjp and jvp inside grad.
    def via_vjp(x: Operand) -> Variable:
        _, pullback = vjp(on_variables(lambda y: F.sin(F.mul(x, y))), 1.0)
        return pullback(1.0)[0]  # x cos(x)

    x = 0.7
    assert float(grad(via_vjp)(x).data) == pytest.approx(np.cos(x) - x * np.sin(x))

    def via_jvp(x: Operand) -> Variable:
        return jvp(lambda y: F.sin(F.mul(x, y)), (1.0,), (1.0,))[1]  # x cos(x)

    assert float(grad(via_jvp)(x).data) == pytest.approx(np.cos(x) - x * np.sin(x))


def test_meta_learning_step() -> None:
    # One inner gradient step, differentiated through: L(w) = l2(w - lr * grad(l1)(w)).
    a, b, lr = np.array([1.0, -2.0, 0.5]), np.array([0.3, 0.1, -0.4]), 0.1

    def inner(w: Operand) -> Variable:
        return F.sum((F.as_variable(w) * a - b) ** 2)

    def outer(w: Operand) -> Variable:
        adapted = F.as_variable(w) - lr * grad(inner)(w)
        return F.sum(F.sin(adapted))

    w = np.array([0.2, 0.4, -0.6])
    np.testing.assert_allclose(grad(outer)(w).data, _numeric.jacobian(outer, w), rtol=1e-7)
    np.testing.assert_allclose(hessian(outer)(w).data, _numeric.hessian(outer, w), atol=1e-6)


def test_results_on_outer_variables_keep_the_outer_graph() -> None:
    # A transform given a Variable that takes gradients records, and backward goes through it.
    x = Variable(np.array([0.3, -0.5]))
    g = grad(on_variables(lambda v: F.sum(F.sin(v) * v)))(x)  # cos(x) x + sin(x)
    F.sum(g).backward()
    assert x.grad is not None
    np.testing.assert_allclose(x.grad.data, 2 * np.cos(x.data) - x.data * np.sin(x.data))
    # A closure over a Variable outside: its gradient flows too when the input is a Variable.
    w = Variable(np.array(2.0))
    x2 = Variable(np.array(0.5))
    g2 = grad(on_variables(lambda v: w * v * v))(x2)  # 2 w v
    g2.backward()
    assert w.grad is not None
    assert float(w.grad.data) == pytest.approx(1.0)  # 2 v


def test_first_order_results_are_constants_and_free_of_graph() -> None:
    g = grad(on_variables(lambda v: F.sum(v * v)))(np.ones(3))
    assert g.creator is None
    value, _ = value_and_grad(on_variables(lambda v: F.sum(v * v)))(np.ones(3))
    assert value.creator is None
    assert jacrev(F.sin)(np.ones(2)).creator is None
    assert hvp(lambda v: F.sum(v**3), np.ones(2), np.ones(2)).creator is None


def test_transforms_work_inside_no_grad_and_record_nothing() -> None:
    x = Variable(np.array([1.0, 2.0]))
    with no_grad():
        g = grad(on_variables(lambda v: F.sum(v**3)))(x)
        h = hessian(on_variables(lambda v: F.sum(v**3)))(x)
        _, t = jvp(lambda v: v**3, (x,), (np.ones(2),))
    np.testing.assert_allclose(g.data, 3 * x.data**2)
    np.testing.assert_allclose(h.data, np.diag(6 * x.data))
    np.testing.assert_allclose(t.data, 3 * x.data**2)
    assert g.creator is None
    assert h.creator is None
    assert t.creator is None
