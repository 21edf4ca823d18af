"""Type aliases shared by the whole package.

``Array`` is deliberately ``NDArray[Any]``: plugrad runs float32 and float64 graphs (and takes
integer arrays as labels and indices), and NumPy's static dtypes are too leaky to carry that
distinction; dtypes are checked at run time instead.  ``Operand`` is what an op accepts: it is
*not* ``numpy.typing.ArrayLike``, which would let a ``str`` through.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeAlias

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    from plugrad.core.variable import Variable

Array: TypeAlias = NDArray[Any]
Scalar: TypeAlias = float | int
Shape: TypeAlias = tuple[int, ...]
Operand: TypeAlias = "Variable | NDArray[Any] | np.floating[Any] | np.integer[Any] | float | int"

__all__ = ["Array", "Operand", "Scalar", "Shape"]
