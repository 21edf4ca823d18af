"""DeZero's ``dezero.cuda`` for code that asks; plugrad runs on NumPy only (for now).

``get_array_module`` is real: ops take their array module from their data through it, so a
CuPy backend can come later without touching every op.
"""

from __future__ import annotations

from typing import Final

import numpy as np

from plugrad._arrays import get_array_module as get_array_module
from plugrad.core.variable import Variable
from plugrad.typing import Array

gpu_enable: Final = False


def as_numpy(x: Variable | Array | float | int) -> Array:
    """``x`` as a NumPy array (Variables give their data)."""
    if isinstance(x, Variable):
        return x.data
    return np.asarray(x)


def as_cupy(x: object) -> Array:
    """CuPy is not supported; kept so DeZero code fails with a clear message."""
    raise RuntimeError("plugrad runs on NumPy only; CuPy (as_cupy) is not supported")
