"""The types plugrad's users and plugin authors annotate with (as ``numpy.typing`` is NumPy's).

``Array`` is deliberately ``NDArray[Any]``: plugrad runs float32 and float64 graphs (and takes
integer arrays as labels and indices), and NumPy's static dtypes are too leaky to carry that
distinction; dtypes are checked at run time instead.  ``Operand`` is what an op accepts: it is
*not* ``numpy.typing.ArrayLike``, which would let a ``str`` through.

``V`` is the type of the values an op's derivative rule (``Function.vjp``) works on: ndarrays
when the engine computes first-order gradients, Variables under ``create_graph=True``.  It is a
constrained type variable, so mypy checks every rule twice, once per kind::

    def vjp(self, x: V, gy: V) -> V:
        return gy * Cos().of(x)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    from plugrad.core.function import Function
    from plugrad.core.variable import Variable

Array: TypeAlias = NDArray[Any]
Scalar: TypeAlias = float | int
Shape: TypeAlias = tuple[int, ...]
Operand: TypeAlias = "Variable | NDArray[Any] | np.floating[Any] | np.integer[Any] | float | int"

# Any op, whatever its inputs: what the graph, the engine and the registry hold.
AnyFunction: TypeAlias = "Function[*tuple[Any, ...]]"

# The values a derivative rule sees: see the module docstring.
V = TypeVar("V", "NDArray[Any]", "Variable")

__all__ = ["AnyFunction", "Array", "Operand", "Scalar", "Shape", "V"]
