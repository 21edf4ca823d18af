"""Fills the core's operator table: ``x + y``, ``x[i]``, ``x.sum()`` and friends reach the ops.

DeZero's ``setup_variable`` patches the operators onto ``Variable``; plugrad's ``Variable``
declares them (typed) and delegates to ``plugrad.core.operators``, which this fills.  ``import
plugrad`` calls it, so users never need to.
"""

from __future__ import annotations

from plugrad.core.operators import operators
from plugrad.ops import arithmetic, indexing, linalg, reduction, shape


def setup_variable() -> None:
    """Connect ``Variable``'s operators and tensor methods to the op wrappers (idempotent)."""
    operators.add = arithmetic.add
    operators.sub = arithmetic.sub
    operators.rsub = arithmetic.rsub
    operators.mul = arithmetic.mul
    operators.div = arithmetic.div
    operators.rdiv = arithmetic.rdiv
    operators.neg = arithmetic.neg
    operators.pow = arithmetic.pow
    operators.matmul = linalg.matmul
    operators.get_item = indexing.get_item
    operators.reshape = shape.reshape
    operators.transpose = shape.transpose
    operators.sum = reduction.sum
    operators.max = reduction.max
    operators.min = reduction.min
