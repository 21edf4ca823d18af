"""Central differences: the one numerical derivative behind the kit and ``plugrad.utils``.

Plain NumPy in float64, no graph.  ``derivative`` is the formula; ``numerical_gradient``
(element by element) and ``directional`` (along a direction, two evaluations in all) apply it.
``plugrad.utils.numerical_grad`` and ``gradient_check`` (DeZero's names) call
``numerical_gradient`` too, so every numerical gradient in plugrad is computed the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from plugrad.typing import Array

# phi(arrays) -> a float: the scalar whose derivative is checked.
Scalar = Callable[[Sequence[Array]], float]


def derivative(g: Callable[[float], float], eps: float) -> float:
    """g'(0) by central differences: (g(eps) - g(-eps)) / (2 eps), error O(eps**2)."""
    return (g(eps) - g(-eps)) / (2.0 * eps)


def numerical_gradient(f: Callable[[Array], float], x: Array, *, eps: float = 1e-6) -> Array:
    """d f / d x by central differences, one element at a time (2 calls of ``f`` per element).

    ``x`` is read in float64; ``f`` gets a fresh float64 copy on every call, so it may keep or
    change what it is given.  The result has ``x``'s shape and dtype float64.
    """
    probe = np.array(x, dtype=np.float64)  # a copy: x itself is never touched
    grad = np.zeros(probe.shape, dtype=np.float64)
    for position in np.ndindex(probe.shape):
        grad[position] = _partial(f, probe, position, eps)
    return grad


def _partial(
    f: Callable[[Array], float], probe: Array, position: tuple[int, ...], eps: float
) -> float:
    """d f / d probe[position]; ``probe`` is left as it was."""
    original = float(probe[position])

    def moved(step: float) -> float:
        probe[position] = original + step
        return f(probe.copy())

    try:
        return derivative(moved, eps)
    finally:
        probe[position] = original


def directional(phi: Scalar, xs: Sequence[Array], vs: Sequence[Array | None], eps: float) -> float:
    """d/dt phi(xs + t vs) at t = 0 (an input whose direction is None stays put)."""

    def moved(step: float) -> float:
        # np.asarray: arithmetic on 0-d arrays gives NumPy scalars, and ops take arrays.
        return phi(
            [x if v is None else np.asarray(x + step * v) for x, v in zip(xs, vs, strict=True)]
        )

    return derivative(moved, eps)


def elementwise(phi: Scalar, xs: Sequence[Array], index: int, eps: float) -> Array:
    """d phi / d xs[index], the other inputs held fixed."""

    def of_one(x: Array) -> float:
        return phi([x if i == index else other for i, other in enumerate(xs)])

    return numerical_gradient(of_one, xs[index], eps=eps)


def is_floating(x: Array) -> bool:
    return bool(np.issubdtype(x.dtype, np.floating))


def dot(a: Array, b: Array) -> float:
    """<a, b> in float64."""
    return float(np.sum(np.asarray(a, dtype=np.float64) * np.asarray(b, dtype=np.float64)))


def close(a: float, b: float, rtol: float, atol: float) -> bool:
    return abs(a - b) <= atol + rtol * max(abs(a), abs(b))
