"""Misuses of plugrad.func that mypy rejects, each with the error code it must raise."""

import numpy as np

import plugrad.functions as F
from plugrad import Variable
from plugrad.func import grad, hessian, hvp, jacfwd, jacrev, jvp, value_and_grad, vjp
from plugrad.typing import Array, Operand


def f(x: Operand) -> Variable:
    return F.sum(F.sin(x))


def g(x: Operand, y: Operand) -> Variable:
    return F.sum(F.mul(x, y))


def takes_variable(x: Variable) -> Variable:
    return F.sum(x)


x = np.array([0.5, 1.0])

grad(f)("s")  # type: ignore[arg-type]
grad(f)(x, x)  # type: ignore[call-arg]
grad(g)(x)  # type: ignore[call-arg]
grad(f)(x, scale=2.0)  # type: ignore[call-arg]
grad(takes_variable)(x)  # type: ignore[arg-type]
grad(f, argnums="0")  # type: ignore[call-overload]
grad(lambda x: 1.0)  # type: ignore[arg-type, return-value]
a: Array = grad(f)(x)  # type: ignore[assignment]
one: Variable = grad(g, argnums=(0, 1))(x, x)  # type: ignore[assignment]
value, gx = value_and_grad(g, (0, 1))(x, x)
gx.data  # type: ignore[attr-defined]
out, pullback = vjp(g, x)  # type: ignore[call-arg]
out, pullback = vjp(g, x, x)
pullback("s")  # type: ignore[arg-type]
pullback(x, x)  # type: ignore[call-arg]
jacrev(f)([1.0])  # type: ignore[arg-type]
jacfwd(g)(x)  # type: ignore[call-arg]
hessian(f, argnums=(0,))  # type: ignore[arg-type]
hvp(takes_variable, x, x)  # type: ignore[arg-type]
jvp(takes_variable, (x,), (x,))  # type: ignore[arg-type]
jvp(g, (x,), (x,))  # type: ignore[arg-type]
jvp(f, (x,), ("s",))  # type: ignore[arg-type]
