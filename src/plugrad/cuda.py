"""DeZero's ``dezero.cuda`` for code that asks; plugrad runs on NumPy only."""

from __future__ import annotations

from types import ModuleType
from typing import Final

import numpy as np

from plugrad._typing import Array
from plugrad.core.variable import Variable

gpu_enable: Final = False


def get_array_module(x: object) -> ModuleType:
    """The array module for ``x``: always ``numpy`` in plugrad."""
    return np


def as_numpy(x: Variable | Array | float | int) -> Array:
    """``x`` as a NumPy array (Variables give their data)."""
    if isinstance(x, Variable):
        return x.data
    return np.asarray(x)


def as_cupy(x: object) -> Array:
    """CuPy is not supported; kept so DeZero code fails with a clear message."""
    raise RuntimeError("plugrad runs on NumPy only; CuPy (as_cupy) is not supported")
