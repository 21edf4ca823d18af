"""Misuses around user-written ops that mypy rejects."""

import numpy as np

from plugrad import Function, Variable
from plugrad.typing import Array


class SumDiff(Function[Array, Array]):
    """(y0, y1) = (x0 + x1, x0 - x1)"""

    def forward(self, x0: Array, x1: Array) -> tuple[Array, Array]:
        return x0 + x1, x0 - x1


class WrongArity(Function[Array, Array]):
    """Declares two inputs but its forward takes one."""

    def forward(self, x: Array) -> Array:  # type: ignore[override]  # pyright: ignore[reportIncompatibleMethodOverride]
        return x


class NotAnArray(Function[Array]):
    """Its forward returns a float, not an ndarray."""

    def forward(self, x: Array) -> float:  # type: ignore[override]  # pyright: ignore[reportIncompatibleMethodOverride]
        return 1.0


x = Variable(np.ones(2))
a, b, c = SumDiff()(x, x)  # type: ignore[misc]  # pyright: ignore[reportAssignmentType, reportUnknownVariableType]
single: Variable = SumDiff()(x, x)  # type: ignore[assignment]  # pyright: ignore[reportAssignmentType]
SumDiff()(x, x).backward()  # type: ignore[attr-defined]  # pyright: ignore[reportAttributeAccessIssue, reportUnknownMemberType]
SumDiff()(x)  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]
