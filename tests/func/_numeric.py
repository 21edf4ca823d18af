"""Reference derivatives by finite differences, independent of plugrad's own checker."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from plugrad import Variable

Array = NDArray[Any]

# float64 throughout: central differences err by O(h^2) plus rounding O(eps / h).
FIRST_STEP = 1e-6
SECOND_STEP = 1e-4


def values(f: Callable[[Array], object], x: Array) -> Array:
    """``f(x)`` as a float64 array (with grad mode on: ``f`` may take gradients inside)."""
    y = f(x.copy())
    return np.asarray(y.data if isinstance(y, Variable) else y, dtype=np.float64)


def jacobian(f: Callable[[Array], object], x: Array, h: float = FIRST_STEP) -> Array:
    """d f / d x by central differences, of shape ``f(x).shape + x.shape``."""
    out_shape = values(f, x).shape
    columns: list[Array] = []
    for i in range(x.size):
        flat = np.zeros(x.size)
        flat[i] = h
        step = flat.reshape(x.shape)
        columns.append((values(f, x + step) - values(f, x - step)) / (2 * h))
    jac = np.stack(columns, axis=-1) if columns else np.zeros((*out_shape, 0))
    return jac.reshape((*out_shape, *x.shape))


def directional(f: Callable[[Array], object], x: Array, v: Array, h: float = FIRST_STEP) -> Array:
    """J v by one central difference along ``v``."""
    return (values(f, x + h * v) - values(f, x - h * v)) / (2 * h)


def hessian(f: Callable[[Array], object], x: Array, h: float = SECOND_STEP) -> Array:
    """d^2 f / dx dx of a scalar ``f`` by second differences of ``f`` itself (no gradients)."""
    n = x.size
    flat = x.reshape(-1)
    H = np.zeros((n, n))

    def at(di: int, si: float, dj: int, sj: float) -> float:
        probe = flat.copy()
        probe[di] += si * h
        probe[dj] += sj * h
        return float(values(f, probe.reshape(x.shape)))

    for i in range(n):
        for j in range(i, n):
            H[i, j] = H[j, i] = (
                at(i, 1, j, 1) - at(i, 1, j, -1) - at(i, -1, j, 1) + at(i, -1, j, -1)
            ) / (4 * h * h)
    return H.reshape((*x.shape, *x.shape))
