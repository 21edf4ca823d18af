"""Array helpers shared by ops (plain NumPy, no graph)."""

from __future__ import annotations

from types import ModuleType

import numpy as np

from plugrad.typing import Array, Shape


def sum_to_array(x: Array, shape: Shape) -> Array:
    """Sum ``x`` down to ``shape``: the reverse of broadcasting ``shape`` to ``x.shape``."""
    if x.shape == shape:
        return x
    ndim = len(shape)
    lead = x.ndim - ndim
    lead_axes = tuple(range(lead))
    axes = tuple(i + lead for i, size in enumerate(shape) if size == 1)
    y: Array = x.sum(lead_axes + axes, keepdims=True)
    if lead > 0:
        y = y.squeeze(lead_axes)
    return y


def kept_dims_shape(x_shape: Shape, axis: int | Shape | None) -> Shape:
    """``x_shape`` with the axes a sum reduced set to 1: where a sum's gradient is reshaped."""
    ndim = len(x_shape)
    if axis is None:
        return (1,) * ndim
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    reduced: set[int] = {a % ndim for a in axes} if ndim else set()
    return tuple(1 if i in reduced else size for i, size in enumerate(x_shape))


def logsumexp_array(x: Array, axis: int | Shape | None = 1) -> Array:
    """log(sum(exp(x), axis)), reduced axes kept, shifted by the maximum so nothing overflows."""
    m: Array = x.max(axis=axis, keepdims=True)
    y: Array = m + np.log(np.exp(x - m).sum(axis=axis, keepdims=True))
    return y


def get_array_module(x: object) -> ModuleType:
    """The array module ``x``'s data lives in (DeZero's ``get_array_module``).

    NumPy for ndarrays, Variables of them and numbers; CuPy for its arrays, so that a CuPy
    backend needs no change to the ops, which take their module from here.
    """
    data: object = x
    if not isinstance(x, np.ndarray):  # an ndarray's own ``data`` is its buffer
        data = getattr(x, "data", x)
    if type(data).__module__.startswith("cupy"):
        import importlib

        return importlib.import_module("cupy")
    return np
