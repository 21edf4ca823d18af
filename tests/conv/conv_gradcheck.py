"""First- and second-order gradient checks against central differences, for any op instance.

The loss is a fixed random projection of the outputs (not a plain sum), so a gradient that is
right only on average cannot pass.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from plugrad import Variable
from plugrad.testing import numerical_gradient
from plugrad.typing import AnyFunction

Array = NDArray[Any]
_EPS = 1e-6


def _numeric(g: Callable[[list[Array]], float], xs: list[Array]) -> list[Array]:
    """The gradient of ``g`` with respect to each of ``xs``, the others held fixed."""

    def g_of(k: int) -> Callable[[Array], float]:
        return lambda v: g([v if i == k else a for i, a in enumerate(xs)])

    return [numerical_gradient(g_of(k), x, eps=_EPS) for k, x in enumerate(xs)]


def _loss(make: Callable[[], AnyFunction], xs: Sequence[Variable], c: Array) -> Variable:
    (y,) = make().apply(*xs)
    return (y * c).sum()


def _grads(xs: Sequence[Variable]) -> list[Array]:
    return [np.zeros_like(x.data) if x.grad is None else x.grad.data for x in xs]


def check_first_order(
    make: Callable[[], AnyFunction], inputs: Sequence[Array], seed: int = 0
) -> None:
    """backward() on both paths (arrays, and the graph with create_graph) vs central differences."""
    rng = np.random.default_rng(seed)
    (y0,) = make().apply(*[Variable(a.copy()) for a in inputs])
    c = rng.uniform(0.5, 1.5, size=y0.shape)

    def loss_value(xs: list[Array]) -> float:
        return float(_loss(make, [Variable(a) for a in xs], c).data)

    expected = _numeric(loss_value, [a.copy() for a in inputs])
    for create_graph in (False, True):
        xs = [Variable(a.copy()) for a in inputs]
        _loss(make, xs, c).backward(create_graph=create_graph)
        for k, (got, want) in enumerate(zip(_grads(xs), expected, strict=True)):
            np.testing.assert_allclose(
                got, want, rtol=1e-5, atol=1e-6, err_msg=f"input {k}, create_graph={create_graph}"
            )


def check_second_order(
    make: Callable[[], AnyFunction], inputs: Sequence[Array], seed: int = 0
) -> None:
    """d/dx of (grad(loss) . v), through backward(create_graph=True), vs central differences."""
    rng = np.random.default_rng(seed)
    (y0,) = make().apply(*[Variable(a.copy()) for a in inputs])
    c = rng.uniform(0.5, 1.5, size=y0.shape)
    vs = [rng.uniform(-1.0, 1.0, size=a.shape) for a in inputs]

    def directional(xs: list[Variable]) -> Variable | None:
        _loss(make, xs, c).backward(create_graph=True)
        total: Variable | None = None
        for x, v in zip(xs, vs, strict=True):
            if x.grad is not None:
                term = (x.grad * v).sum()
                total = term if total is None else total + term
        return total

    def value(arrays: list[Array]) -> float:
        g = directional([Variable(a) for a in arrays])
        return 0.0 if g is None else float(g.data)

    expected = _numeric(value, [a.copy() for a in inputs])
    xs = [Variable(a.copy()) for a in inputs]
    g = directional(xs)
    for x in xs:
        x.cleargrad()
    if g is not None:
        g.backward()
    for k, (got, want) in enumerate(zip(_grads(xs), expected, strict=True)):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6, err_msg=f"input {k}")
