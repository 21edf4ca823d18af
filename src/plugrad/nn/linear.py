"""``Linear``: the fully connected layer, ``y = x @ W + b``."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import DTypeLike

from plugrad.core.variable import Parameter, Variable
from plugrad.nn.layer import Layer
from plugrad.ops.linalg import linear
from plugrad.typing import Operand


class Linear(Layer[[Operand], Variable]):
    """A fully connected layer with ``out_size`` outputs.

    With ``in_size=None`` the input size is taken from the first batch, and ``W`` is created
    then.  ``W`` starts as ``randn(in, out) * sqrt(1 / in)`` drawn from NumPy's global generator
    (so ``np.random.seed`` makes it reproducible, as in DeZero); ``b`` starts at zero.
    """

    W: Parameter
    b: Parameter | None
    in_size: int | None
    out_size: int
    dtype: np.dtype[Any]

    def __init__(
        self,
        out_size: int,
        nobias: bool = False,
        dtype: DTypeLike = np.float32,
        in_size: int | None = None,
    ) -> None:
        super().__init__()
        _check_size("out_size", out_size)
        if in_size is not None:
            _check_size("in_size", in_size)
        self.in_size = in_size
        self.out_size = out_size
        self.dtype = np.dtype(dtype)
        self.W = Parameter(None, name="W")  # data set by _init_W
        if in_size is not None:
            self._init_W()
        self.b = None if nobias else Parameter(np.zeros(out_size, dtype=self.dtype), name="b")

    def _init_W(self) -> None:  # noqa: N802  # DeZero's name
        in_size = self.in_size
        if in_size is None:
            raise RuntimeError("Linear._init_W needs in_size")
        scale = np.sqrt(1.0 / in_size)
        self.W.data = (np.random.randn(in_size, self.out_size) * scale).astype(self.dtype)

    def forward(self, x: Operand) -> Variable:
        W_data: object = self.W.data  # noqa: N806  # None until the first batch arrives
        if W_data is None:
            shape = x.shape if isinstance(x, Variable | np.ndarray) else ()
            if len(shape) < 1:
                raise ValueError(
                    f"Linear: cannot infer the input size from an input of shape {shape}; "
                    "give a batch of shape (N, in_size) or set in_size"
                )
            self.in_size = int(shape[-1])
            self._init_W()
        return linear(x, self.W, self.b)


def _check_size(what: str, size: object) -> None:
    if isinstance(size, bool) or not isinstance(size, int | np.integer) or size < 1:
        raise ValueError(f"Linear: {what} must be a positive int, got {size!r}")
