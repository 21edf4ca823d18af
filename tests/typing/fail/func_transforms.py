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

grad(f)("s")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
grad(f)(x, x)  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]
grad(g)(x)  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]
grad(f)(x, scale=2.0)  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]
grad(takes_variable)(x)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
grad(f, argnums="0")  # type: ignore[call-overload]  # pyright: ignore[reportArgumentType, reportCallIssue]
grad(lambda x: 1.0)  # type: ignore[arg-type, return-value]  # pyright: ignore[reportArgumentType, reportUnknownLambdaType]
a: Array = grad(f)(x)  # type: ignore[assignment]  # pyright: ignore[reportAssignmentType]
one: Variable = grad(g, argnums=(0, 1))(x, x)  # type: ignore[assignment]  # pyright: ignore[reportAssignmentType]
value, gx = value_and_grad(g, (0, 1))(x, x)
gx.data  # type: ignore[attr-defined]  # pyright: ignore[reportAttributeAccessIssue, reportUnknownMemberType]
out, pullback = vjp(g, x)  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]
out, pullback = vjp(g, x, x)
pullback("s")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
pullback(x, x)  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]
jacrev(f)([1.0])  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
jacfwd(g)(x)  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]
hessian(f, argnums=(0,))  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
hvp(takes_variable, x, x)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
jvp(takes_variable, (x,), (x,))  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
jvp(g, (x,), (x,))  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
jvp(f, (x,), ("s",))  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
