"""The scipy.special functions the ops use, typed (SciPy ships no types), imported lazily.

SciPy is imported on the first op call, not when plugrad discovers this plugin: importing
``scipy.special`` takes a few hundred milliseconds, which a program that never calls these
ops should not pay.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np

from plugrad.plugin import Array


@cache
def _special() -> Any:  # Any: SciPy is untyped; every use below is wrapped in a typed function
    from scipy import special  # type: ignore[import-untyped]  # SciPy has no py.typed

    return special


def _like(y: object, x: Array) -> Array:
    """SciPy may compute in float64; an op keeps its input's dtype (float32 stays float32)."""
    return np.asarray(y).astype(x.dtype, copy=False)


def erf(x: Array) -> Array:
    return _like(_special().erf(x), x)


def erfc(x: Array) -> Array:
    return _like(_special().erfc(x), x)


def gammaln(x: Array) -> Array:
    return _like(_special().gammaln(x), x)


def digamma(x: Array) -> Array:
    return _like(_special().digamma(x), x)


def polygamma(n: int, x: Array) -> Array:
    return _like(_special().polygamma(n, x), x)


def expit(x: Array) -> Array:
    return _like(_special().expit(x), x)


def logsumexp(x: Array, axis: int | tuple[int, ...] | None, keepdims: bool) -> Array:
    return _like(_special().logsumexp(x, axis=axis, keepdims=keepdims), x)
