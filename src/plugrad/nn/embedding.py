"""``EmbedID``: a lookup table of learned vectors, one row per id."""

from __future__ import annotations

import numpy as np
from numpy.typing import DTypeLike

from plugrad.core.variable import Parameter, Variable
from plugrad.nn.layer import Layer
from plugrad.ops.indexing import embed_id
from plugrad.typing import Operand


class EmbedID(Layer[[Operand], Variable]):
    """``W[x]`` for integer ids x, with W of shape (in_size, out_size) drawn from randn."""

    W: Parameter

    def __init__(self, in_size: int, out_size: int, dtype: DTypeLike = np.float32) -> None:
        super().__init__()
        for what, size in (("in_size", in_size), ("out_size", out_size)):
            if not _positive_int(size):
                raise ValueError(f"EmbedID: {what} must be a positive int, got {size!r}")
        self.W = Parameter(np.random.randn(in_size, out_size).astype(dtype), name="W")

    def forward(self, x: Operand) -> Variable:
        return embed_id(x, self.W)


def _positive_int(size: object) -> bool:
    return isinstance(size, int | np.integer) and not isinstance(size, bool) and bool(size >= 1)
