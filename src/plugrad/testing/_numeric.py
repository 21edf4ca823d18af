"""Numerical differentiation for the kit: plain NumPy, float64, no graph."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from plugrad._typing import Array

# phi(arrays) -> a float: the scalar whose derivative is checked.
Scalar = Callable[[Sequence[Array]], float]


def is_floating(x: Array) -> bool:
    return bool(np.issubdtype(x.dtype, np.floating))


def directional(phi: Scalar, xs: Sequence[Array], vs: Sequence[Array | None], eps: float) -> float:
    """d/dt phi(xs + t vs) at t = 0, by central differences (two evaluations)."""
    # np.asarray: arithmetic on 0-d arrays gives NumPy scalars, and ops take arrays.
    plus = [x if v is None else np.asarray(x + eps * v) for x, v in zip(xs, vs, strict=True)]
    minus = [x if v is None else np.asarray(x - eps * v) for x, v in zip(xs, vs, strict=True)]
    return (phi(plus) - phi(minus)) / (2.0 * eps)


def elementwise(phi: Scalar, xs: Sequence[Array], index: int, eps: float) -> Array:
    """d phi / d xs[index], one element at a time (2 evaluations per element)."""
    probe = [x.copy() for x in xs]
    target = probe[index]
    grad = np.zeros(target.shape, dtype=np.float64)
    for position in np.ndindex(target.shape):
        original = target[position]
        target[position] = original + eps
        high = phi(probe)
        target[position] = original - eps
        low = phi(probe)
        target[position] = original
        grad[position] = (high - low) / (2.0 * eps)
    return grad


def dot(a: Array, b: Array) -> float:
    return float(np.sum(np.asarray(a, dtype=np.float64) * np.asarray(b, dtype=np.float64)))


def close(a: float, b: float, rtol: float, atol: float) -> bool:
    return abs(a - b) <= atol + rtol * max(abs(a), abs(b))
