"""``BatchNorm``: batch normalization with running statistics, sized on the first batch."""

from __future__ import annotations

import numpy as np

from plugrad.core.variable import Parameter, Variable
from plugrad.nn.layer import Layer
from plugrad.ops.nn import batch_norm, check_batch_norm_settings
from plugrad.typing import Operand


class BatchNorm(Layer[[Operand], Variable]):
    """Normalize each channel of (N, C) or (N, C, H, W) inputs, then scale and shift.

    In training it uses the batch's statistics and updates the running ones
    (``avg_mean``, ``avg_var``); under ``test_mode()`` it uses the running ones.  As in DeZero,
    the running statistics are ``Parameter``s, so weights files carry them; they never get a
    gradient, so optimizers leave them alone.
    """

    decay: float
    eps: float
    avg_mean: Parameter
    avg_var: Parameter
    gamma: Parameter
    beta: Parameter

    def __init__(self, decay: float = 0.9, eps: float = 2e-5) -> None:
        super().__init__()
        self.decay, self.eps = check_batch_norm_settings(decay, eps)  # checked where given
        self.avg_mean = Parameter(None, name="avg_mean")
        self.avg_var = Parameter(None, name="avg_var")
        self.gamma = Parameter(None, name="gamma")
        self.beta = Parameter(None, name="beta")

    def _init_params(self, x: Operand) -> None:
        shape = x.shape if isinstance(x, Variable | np.ndarray) else tuple[int, ...]()
        if len(shape) not in (2, 4):
            raise ValueError(
                f"BatchNorm: x must have shape (N, C) or (N, C, H, W), got shape {shape}"
            )
        channels = int(shape[1])
        data = x.data if isinstance(x, Variable) else x
        dtype = data.dtype if isinstance(data, np.ndarray) and data.dtype.kind == "f" else None
        dtype = dtype or np.dtype(np.float64)
        # A loaded weights file may have filled some of these already; keep what is there.
        for param, fill in (
            (self.avg_mean, 0.0),
            (self.avg_var, 1.0),
            (self.gamma, 1.0),
            (self.beta, 0.0),
        ):
            current: object = param.data
            if current is None:
                param.data = np.full(channels, fill, dtype=dtype)

    def forward(self, x: Operand) -> Variable:
        current: object = self.avg_mean.data
        if current is None or any(p.data is None for p in (self.gamma, self.beta, self.avg_var)):
            self._init_params(x)
        return batch_norm(
            x, self.gamma, self.beta, self.avg_mean.data, self.avg_var.data, self.decay, self.eps
        )
