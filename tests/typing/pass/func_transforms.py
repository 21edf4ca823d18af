"""Types a user of plugrad.func sees: transforms keep f's parameters, results are Variables."""

from collections.abc import Callable
from typing import assert_type

import numpy as np

import plugrad.functions as F
from plugrad import Variable, gradients
from plugrad.func import (
    Pullback,
    grad,
    hessian,
    hvp,
    jacfwd,
    jacrev,
    jvp,
    value_and_grad,
    vjp,
)
from plugrad.typing import Operand


def f(x: Operand) -> Variable:
    return F.sum(F.sin(x))


def g(x: Operand, y: Operand, *, scale: float = 1.0) -> Variable:
    return F.sum(F.mul(x, y)) * scale


def h(x: Variable) -> Variable:
    return F.tanh(x)


x = np.array([0.5, 1.0])
y = np.array([2.0, -1.0])

# grad keeps f's parameters; one argnums gives a Variable, a tuple of them a tuple.
grad_f: Callable[[Operand], Variable] = grad(f)
assert_type(grad(f)(x), Variable)
assert_type(grad(g, argnums=(0, 1))(x, y), tuple[Variable, ...])
assert_type(grad(g, argnums=1)(x, y, scale=2.0), Variable)
assert_type(grad(grad(f))(0.5), Variable)
value, gx = value_and_grad(f)(x)
assert_type(value, Variable)
assert_type(gx, Variable)
assert_type(value_and_grad(g, (0, 1))(x, y), tuple[Variable, tuple[Variable, ...]])

# vjp: the value and a typed pullback, one gradient per primal.
out, pullback = vjp(g, x, y)
assert_type(out, Variable)
assert_type(pullback, Pullback)
assert_type(pullback(np.array(1.0)), tuple[Variable, ...])

# Forward mode, Jacobians, Hessians.
assert_type(jvp(h, (Variable(x),), (y,)), tuple[Variable, Variable])
assert_type(jacrev(h)(Variable(x)), Variable)
assert_type(jacfwd(h)(Variable(x)), Variable)
assert_type(jacfwd(jacrev(f))(x), Variable)
assert_type(jacrev(g, (0, 1))(x, y), tuple[Variable, ...])
assert_type(hessian(f)(x), Variable)
assert_type(hvp(f, x, y), Variable)
assert_type(gradients(F.sum(Variable(x) ** 2), [Variable(x)]), tuple[Variable, ...])

if __name__ == "__typing_test__":  # run by test_typing.py: the values too
    np.testing.assert_allclose(grad(f)(x).data, np.cos(x))
    np.testing.assert_allclose(hessian(f)(x).data, np.diag(-np.sin(x)))
