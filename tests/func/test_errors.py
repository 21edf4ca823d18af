"""What the transforms say when they are misused, and what they give where JAX gives zeros."""

from __future__ import annotations

import numpy as np
import pytest

import plugrad.functions as F
from plugrad import Variable
from plugrad.func import grad, hessian, hvp, jacfwd, jacrev, jvp, value_and_grad, vjp
from plugrad.typing import Operand
from tests._ops import ArrayOnlyExp
from tests.func._cases import on_variables


def test_a_non_scalar_output_to_grad_points_to_vjp_and_jacrev() -> None:
    for transform in (grad, value_and_grad, hessian):
        with pytest.raises(ValueError, match=r"shape \(3,\).*scalar.*vjp.*jacrev") as info:
            transform(F.sin)(np.ones(3))
        assert info.value.args[0].startswith(transform.__name__)
    with pytest.raises(ValueError, match=r"^hvp: f returned a Variable of shape"):
        hvp(F.sin, np.ones(3), np.ones(3))


def test_argnums_out_of_range_or_malformed() -> None:
    def f(x: Operand, y: Operand) -> Variable:
        return F.sum(F.mul(x, y))

    with pytest.raises(ValueError, match="argnums 2 is out of range for a call with 2"):
        grad(f, argnums=2)(1.0, 2.0)
    with pytest.raises(ValueError, match="argnums -3 is out of range"):
        jacrev(f, argnums=(0, -3))(1.0, 2.0)
    with pytest.raises(ValueError, match="argnums 0 is out of range for a call with 0"):
        grad(f)(x=1.0, y=2.0)
    with pytest.raises(ValueError, match="names an argument twice"):
        grad(f, argnums=(0, -2))(1.0, 2.0)
    with pytest.raises(ValueError, match="names an argument twice"):
        grad(f, argnums=(1, 1))
    with pytest.raises(ValueError, match="argnums is empty"):
        jacfwd(f, argnums=())
    with pytest.raises(TypeError, match="argnums must be an int or a tuple of ints"):
        grad(f, argnums=[0, 1])  # type: ignore[call-overload]  # a list, on purpose
    with pytest.raises(TypeError, match="argnums must be an int or a tuple of ints"):
        grad(f, argnums=True)
    with pytest.raises(TypeError, match="argnums must be one int"):
        hessian(f, argnums=(0, 1))  # type: ignore[arg-type]  # a tuple, on purpose


def test_bad_arguments_and_outputs() -> None:
    with pytest.raises(TypeError, match=r"argument 0 has dtype int64.*floating"):
        grad(on_variables(lambda x: x * x))(2)
    with pytest.raises(TypeError, match="argument 0 must be a Variable, an ndarray or a number"):
        grad(on_variables(lambda x: x * x))("2")  # type: ignore[arg-type]  # a str, on purpose
    with pytest.raises(TypeError, match="f must return one Variable, got tuple"):
        jacrev(lambda x: (x, x))(np.ones(2))  # type: ignore[arg-type, return-value]  # f returns a tuple, on purpose
    with pytest.raises(ValueError, match=r"cotangent has shape \(3,\), but f's output"):
        vjp(F.sin, np.ones(2))[1](np.ones(3))
    with pytest.raises(ValueError, match=r"tangent 0 has shape \(3,\), but primal 0"):
        jvp(F.sin, (np.ones(2),), (np.ones(3),))
    with pytest.raises(ValueError, match="2 primal\\(s\\) but 1 tangent"):
        jvp(F.add, (np.ones(2), np.ones(2)), (np.ones(2),))
    with pytest.raises(ValueError, match=r"hvp: v has shape \(3,\), but x has shape \(2,\)"):
        hvp(lambda v: F.sum(v * v), np.ones(2), np.ones(3))


def test_inputs_the_output_does_not_reach_get_zeros() -> None:
    def f(x: Operand, y: Operand) -> Variable:
        return F.sum(F.sin(x))

    def sin_of_first(a: Operand, b: Operand) -> Variable:
        return F.sin(a)

    x, y = np.ones(2), np.ones((3, 2))
    _, gy = grad(f, argnums=(0, 1))(x, y)
    assert gy.shape == (3, 2)
    assert not gy.data.any()
    _, jy = jacrev(sin_of_first, (0, 1))(x, y)
    assert jy.shape == (2, 3, 2)
    assert not jy.data.any()
    _, jy = jacfwd(sin_of_first, (0, 1))(x, y)
    assert jy.shape == (2, 3, 2)
    assert not jy.data.any()
    _, tangent = jvp(lambda a: F.sum(a * 0.0) + 1.0, (x,), (x,))
    assert float(tangent.data) == 0.0
    # A function that ignores its argument entirely, or returns a plain number.
    assert float(grad(on_variables(lambda a: F.as_variable(np.array(3.0))))(1.0).data) == 0.0
    assert not hessian(lambda a: 2.0)(np.ones(2)).data.any()  # type: ignore[arg-type, return-value]  # a number, on purpose
    assert not jacfwd(lambda a: np.ones(3))(np.ones(2)).data.any()  # type: ignore[arg-type, return-value]  # an ndarray, on purpose


def test_a_first_order_only_op_under_a_second_derivative_names_the_op() -> None:
    def f(x: Operand) -> Variable:
        return F.sum(ArrayOnlyExp()(x))

    np.testing.assert_allclose(grad(f)(np.ones(2)).data, np.exp(np.ones(2)))
    np.testing.assert_allclose(jacrev(f)(np.ones(2)).data, np.exp(np.ones(2)))
    with pytest.raises(NotImplementedError, match="ArrayOnlyExp"):
        grad(grad(on_variables(lambda v: f(v))))(1.0)
    with pytest.raises(NotImplementedError, match="ArrayOnlyExp"):
        hessian(f)(np.ones(2))
    with pytest.raises(NotImplementedError, match=r"^jvp: .*ArrayOnlyExp.*two reverse passes"):
        jvp(f, (np.ones(2),), (np.ones(2),))
    with pytest.raises(NotImplementedError, match=r"^jacfwd: .*ArrayOnlyExp"):
        jacfwd(f)(np.ones(2))
