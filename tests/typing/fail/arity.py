"""Wrong arity and output count for ops beyond three inputs (waits on core/function.py)."""

import numpy as np

from plugrad import Function, Variable
from plugrad.typing import Array


class Sum4(Function[Array, Array, Array, Array]):
    def forward(self, a: Array, b: Array, c: Array, d: Array) -> Array:
        return a + b + c + d


class Quarters(Function[Array]):
    def forward(self, x: Array) -> tuple[Array, Array, Array, Array]:
        return x, x, x, x


x = Variable(np.ones(4))
Sum4()(x, x, x)  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]
Sum4()(x, x, x, x, x)  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]
Sum4()(x, x, x, "s")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
a, b, c = Quarters()(x)  # type: ignore[misc]  # pyright: ignore[reportAssignmentType]
one: Variable = Quarters()(x)  # type: ignore[assignment]  # pyright: ignore[reportAssignmentType]
