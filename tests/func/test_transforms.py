"""Every transform against finite differences, over functions covering every op family."""

from __future__ import annotations

import numpy as np
import pytest

import plugrad.functions as F
from plugrad import Variable
from plugrad.func import grad, hessian, hvp, jacfwd, jacrev, jvp, value_and_grad, vjp
from plugrad.typing import AnyFunction, Array, Operand
from tests.func import _numeric
from tests.func._cases import CASES, Case, on_variables, scalar

ids = [case.name for case in CASES]


def close_first(actual: Array, expected: Array) -> None:
    """First derivatives against central differences (error O(h^2) + O(eps / h), h = 1e-6)."""
    np.testing.assert_allclose(actual, expected, rtol=1e-6, atol=1e-7)


def close_second(actual: Array, expected: Array) -> None:
    """Second derivatives against second differences of f (h = 1e-4)."""
    np.testing.assert_allclose(actual, expected, rtol=1e-5, atol=1e-5)


def _direction(case: Case, seed: int = 0) -> Array:
    return np.random.default_rng(seed).uniform(-1.0, 1.0, case.x.shape)


def _ops_behind(y: Variable) -> set[type[AnyFunction]]:
    seen: set[int] = set()
    stack = [y.creator] if y.creator is not None else []
    kinds: set[type[AnyFunction]] = set()
    while stack:
        func = stack.pop()
        if id(func) in seen:
            continue
        seen.add(id(func))
        kinds.add(type(func))
        stack.extend(x.creator for x in func.inputs if x.creator is not None)
    return kinds


def test_the_cases_cover_every_op_family() -> None:
    families = {
        cls.__module__.rpartition(".")[2]
        for case in CASES
        for cls in _ops_behind(case.f(Variable(case.x.copy())))
    }
    expected = {
        "arithmetic",
        "elementwise",
        "shape",
        "reduction",
        "linalg",
        "indexing",
        "activation",
        "loss",
        "nn",
        "conv",
        "pooling",
    }
    assert expected <= families


@pytest.mark.parametrize("case", CASES, ids=ids)
def test_jacrev(case: Case) -> None:
    got = jacrev(case.f)(case.x)
    close_first(got.data, _numeric.jacobian(case.f, case.x))


@pytest.mark.parametrize("case", CASES, ids=ids)
def test_jacfwd(case: Case) -> None:
    got = jacfwd(case.f)(case.x)
    close_first(got.data, _numeric.jacobian(case.f, case.x))


@pytest.mark.parametrize("case", CASES, ids=ids)
def test_jvp(case: Case) -> None:
    v = _direction(case)
    value, tangent = jvp(case.f, (case.x,), (v,))
    np.testing.assert_allclose(value.data, _numeric.values(case.f, case.x))
    close_first(tangent.data, _numeric.directional(case.f, case.x, v))


@pytest.mark.parametrize("case", CASES, ids=ids)
def test_vjp(case: Case) -> None:
    value, pullback = vjp(case.f, case.x)
    u = np.random.default_rng(7).uniform(-1.0, 1.0, value.shape)
    (got,) = pullback(u)
    expected = _numeric.jacobian(lambda x: F.sum(case.f(x) * u), case.x)
    close_first(got.data, expected)


@pytest.mark.parametrize("case", CASES, ids=ids)
def test_grad_and_value_and_grad(case: Case) -> None:
    f = scalar(case)
    expected = _numeric.jacobian(f, case.x)
    close_first(grad(f)(case.x).data, expected)
    value, g = value_and_grad(f)(case.x)
    np.testing.assert_allclose(value.data, _numeric.values(f, case.x))
    close_first(g.data, expected)


@pytest.mark.parametrize("case", CASES, ids=ids)
def test_hessian(case: Case) -> None:
    f = scalar(case)
    got = hessian(f)(case.x)
    close_second(got.data, _numeric.hessian(f, case.x))


@pytest.mark.parametrize("case", CASES, ids=ids)
def test_hessian_by_forward_over_reverse(case: Case) -> None:
    f = scalar(case)
    got = jacfwd(jacrev(f))(case.x)
    close_second(got.data, _numeric.hessian(f, case.x))


@pytest.mark.parametrize("case", CASES, ids=ids)
def test_hvp(case: Case) -> None:
    f = scalar(case)
    v = _direction(case, 3)
    expected = _numeric.hessian(f, case.x).reshape(case.x.size, -1) @ v.reshape(-1)
    got = hvp(f, case.x, v)
    close_second(got.data.reshape(-1), expected)


@pytest.mark.parametrize("case", CASES, ids=ids)
def test_jvp_agrees_with_jacfwd_and_with_vjp_by_transposition(case: Case) -> None:
    v = _direction(case, 5)
    _, tangent = jvp(case.f, (case.x,), (v,))
    jac = jacfwd(case.f)(case.x).data
    np.testing.assert_allclose(
        tangent.data, np.tensordot(jac, v, axes=v.ndim), rtol=1e-10, atol=1e-12
    )
    # <u, J v> == <J^T u, v> for any u: forward mode is the transpose of reverse mode.
    u = np.random.default_rng(9).uniform(-1.0, 1.0, tangent.shape)
    _, pullback = vjp(case.f, case.x)
    (jt_u,) = pullback(u)
    np.testing.assert_allclose(np.sum(u * tangent.data), np.sum(jt_u.data * v), rtol=1e-10)


# -- closed forms, square and non-square ------------------------------------------------------


def test_jacobians_of_a_non_square_linear_map() -> None:
    A = np.arange(12.0).reshape(3, 4) / 10

    def f(x: Variable) -> Variable:
        return F.reshape(F.matmul(A, F.reshape(x, (4, 1))), (3,))

    x = np.ones(4)
    for transform in (jacrev, jacfwd):
        got = transform(f)(Variable(x))
        assert got.shape == (3, 4)
        np.testing.assert_allclose(got.data, A, rtol=1e-15)


def test_jacobian_of_a_square_map_closed_form() -> None:
    W = np.random.default_rng(0).uniform(-1, 1, (5, 5))
    x = np.random.default_rng(1).uniform(-1, 1, 5)

    def f(v: Variable) -> Variable:
        return F.reshape(F.tanh(F.matmul(F.reshape(v, (1, 5)), W)), (5,))

    y = np.tanh(x @ W)
    expected = W.T * (1 - y**2)[:, None]
    np.testing.assert_allclose(jacrev(f)(Variable(x)).data, expected, rtol=1e-13)
    np.testing.assert_allclose(jacfwd(f)(Variable(x)).data, expected, rtol=1e-13)


def test_hessian_of_sum_tanh_closed_form() -> None:
    W = np.random.default_rng(2).uniform(-1, 1, (4, 4))
    x = np.random.default_rng(3).uniform(-1, 1, 4)

    def f(v: Operand) -> Variable:
        return F.sum(F.tanh(F.matmul(F.reshape(v, (1, 4)), W)))

    y = np.tanh(x @ W)
    expected = W @ np.diag(-2 * y * (1 - y**2)) @ W.T
    np.testing.assert_allclose(hessian(f)(Variable(x)).data, expected, atol=1e-14)
    v = np.array([0.3, -1.0, 2.0, 0.5])
    np.testing.assert_allclose(hvp(f, x, v).data, expected @ v, atol=1e-14)


def test_two_arguments_and_argnums() -> None:
    x, y = np.array([1.0, 2.0]), np.array([3.0, -1.0])

    def f(a: Operand, b: Operand) -> Variable:
        return F.sum(F.mul(F.square(a), b))

    ga, gb = grad(f, argnums=(0, 1))(x, y)
    np.testing.assert_allclose(ga.data, 2 * x * y)
    np.testing.assert_allclose(gb.data, x * x)
    np.testing.assert_allclose(grad(f, argnums=-1)(x, y).data, x * x)
    ja, jb = jacrev(f, (0, 1))(x, y)
    np.testing.assert_allclose(ja.data, 2 * x * y)
    np.testing.assert_allclose(jb.data, x * x)
    ja, jb = jacfwd(f, (1, 0))(x, y)
    np.testing.assert_allclose(ja.data, x * x)
    np.testing.assert_allclose(jb.data, 2 * x * y)
    value, (ga, gb) = value_and_grad(f, (0, 1))(x, y)
    assert float(value.data) == pytest.approx(np.sum(x * x * y))
    _, pullback = vjp(f, x, y)
    pa, pb = pullback(2.0)
    np.testing.assert_allclose(pa.data, 4 * x * y)
    np.testing.assert_allclose(pb.data, 2 * x * x)
    _, tangent = jvp(f, (x, y), (np.array([1.0, 0.0]), np.array([0.0, 1.0])))
    assert float(tangent.data) == pytest.approx(2 * x[0] * y[0] + x[1] ** 2)


def test_keyword_arguments_pass_through_undifferentiated() -> None:
    def f(x: Operand, *, scale: float) -> Variable:
        return F.sum(F.square(x)) * scale

    assert float(grad(f)(3.0, scale=2.0).data) == 12.0


def test_numbers_and_scalars() -> None:
    cube = on_variables(lambda x: x**3)
    assert float(grad(cube)(2.0).data) == pytest.approx(12.0)
    assert float(grad(cube)(np.float64(2.0)).data) == pytest.approx(12.0)
    assert float(grad(cube)(Variable(np.array(2.0))).data) == pytest.approx(12.0)


def test_float32_stays_float32() -> None:
    x = np.ones(3, dtype=np.float32)

    def f(v: Operand) -> Variable:
        return F.sum(F.tanh(v) * 2.0)

    assert grad(f)(x).dtype == np.float32
    assert hessian(f)(x).dtype == np.float32
    assert jacfwd(on_variables(lambda v: F.tanh(v)))(x).dtype == np.float32
    assert jvp(lambda v: F.tanh(v), (x,), (x,))[1].dtype == np.float32
