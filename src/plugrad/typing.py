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

from collections.abc import Sequence
from types import EllipsisType
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    from plugrad.core.function import Function
    from plugrad.core.variable import Variable

Array: TypeAlias = NDArray[Any]
Scalar: TypeAlias = float | int
Shape: TypeAlias = tuple[int, ...]
# What arguments accept, as the run time does: NumPy's numbers wherever Python's are taken,
# and any sequence where a shape or axes are (``reshape(x, [2, 3])``, ``sum(x, axis=[0, 1])``).
# (``bool`` is an ``int`` to every type checker; the run time refuses it where it means nothing.)
Number: TypeAlias = float | int | np.floating[Any] | np.integer[Any]
Integer: TypeAlias = int | np.integer[Any]
ShapeLike: TypeAlias = Integer | Sequence[Integer] | NDArray[np.integer[Any]]
Axes: TypeAlias = Integer | Sequence[Integer]
# What ``x[key]`` takes: NumPy's basic and advanced indexing, indices in a Variable included
# (``x["a"]`` is an error).
_KeyPart: TypeAlias = (
    Integer
    | slice
    | EllipsisType
    | Sequence[Integer]
    | NDArray[np.integer[Any]]
    | NDArray[np.bool_]
    | None
)
IndexKey: TypeAlias = "_KeyPart | Variable | tuple[_KeyPart | Variable, ...]"
Operand: TypeAlias = "Variable | NDArray[Any] | np.floating[Any] | np.integer[Any] | float | int"

# Any op, whatever its inputs: what the graph, the engine and the registry hold.
AnyFunction: TypeAlias = "Function[*tuple[Any, ...]]"

# The values a derivative rule sees: see the module docstring.  Floating arrays rather than
# ``NDArray[Any]``, so that arithmetic keeps the constraint under pyright as well as under mypy
# (``gy * x`` is a ``V`` for both checkers).
V = TypeVar("V", "NDArray[np.floating[Any]]", "Variable")

__all__ = [
    "AnyFunction",
    "Array",
    "Axes",
    "IndexKey",
    "Integer",
    "Number",
    "Operand",
    "Scalar",
    "Shape",
    "ShapeLike",
    "V",
]
