"""``Conv2d`` and ``Deconv2d``: convolution layers whose input channels may be inferred."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import DTypeLike

from plugrad.core.variable import Parameter, Variable
from plugrad.nn.layer import Layer
from plugrad.ops._window import IntPair, non_negative_pair, positive_pair
from plugrad.ops.conv import conv2d, deconv2d
from plugrad.typing import Operand


class _ConvBase(Layer[[Operand], Variable]):
    """What Conv2d and Deconv2d share: sizes, the lazily created W, and b."""

    W: Parameter
    b: Parameter | None
    in_channels: int | None
    out_channels: int
    kernel_size: tuple[int, int]
    stride: tuple[int, int]
    pad: tuple[int, int]
    dtype: np.dtype[Any]

    def __init__(
        self,
        out_channels: int,
        kernel_size: IntPair,
        stride: IntPair = 1,
        pad: IntPair = 0,
        nobias: bool = False,
        dtype: DTypeLike = np.float32,
        in_channels: int | None = None,
    ) -> None:
        super().__init__()
        name = type(self).__name__
        _check_channels(name, "out_channels", out_channels)
        if in_channels is not None:
            _check_channels(name, "in_channels", in_channels)
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = positive_pair(name, "kernel_size", kernel_size)
        self.stride = positive_pair(name, "stride", stride)
        self.pad = non_negative_pair(name, "pad", pad)
        self.dtype = np.dtype(dtype)
        self.W = Parameter(None, name="W")  # data set by _init_W, once in_channels is known
        if in_channels is not None:
            self._init_W()
        self.b = None if nobias else Parameter(np.zeros(out_channels, dtype=self.dtype), name="b")

    def _weight_shape(self, in_channels: int) -> tuple[int, int, int, int]:
        raise NotImplementedError

    def _init_W(self) -> None:  # noqa: N802  # DeZero's name
        """randn * sqrt(1 / fan_in), fan_in = in_channels * KH * KW (DeZero's scale)."""
        if self.in_channels is None:
            raise RuntimeError(f"{type(self).__name__}._init_W needs in_channels")
        kh, kw = self.kernel_size
        scale = np.sqrt(1.0 / (self.in_channels * kh * kw))
        shape = self._weight_shape(self.in_channels)
        self.W.data = (np.random.randn(*shape) * scale).astype(self.dtype)

    def _prepare(self, x: Operand) -> None:
        W_data: object = self.W.data  # noqa: N806  # None until the first batch arrives
        if W_data is not None:
            return
        shape = x.shape if isinstance(x, Variable | np.ndarray) else ()
        if len(shape) != 4:
            raise ValueError(
                f"{type(self).__name__}: cannot infer in_channels from an input of shape "
                f"{shape}; give a batch of shape (N, C, H, W) or set in_channels"
            )
        self.in_channels = int(shape[1])
        self._init_W()


class Conv2d(_ConvBase):
    """A 2-D convolution layer: W is (out_channels, in_channels, KH, KW).

    ``in_channels=None`` takes the input channels from the first batch, and creates W then.
    """

    def _weight_shape(self, in_channels: int) -> tuple[int, int, int, int]:
        return (self.out_channels, in_channels, *self.kernel_size)

    def forward(self, x: Operand) -> Variable:
        self._prepare(x)
        return conv2d(x, self.W, self.b, self.stride, self.pad)


class Deconv2d(_ConvBase):
    """A transposed convolution layer: W is (in_channels, out_channels, KH, KW).

    ``in_channels=None`` takes the input channels from the first batch, and creates W then.
    """

    def _weight_shape(self, in_channels: int) -> tuple[int, int, int, int]:
        return (in_channels, self.out_channels, *self.kernel_size)

    def forward(self, x: Operand) -> Variable:
        self._prepare(x)
        return deconv2d(x, self.W, self.b, self.stride, self.pad)


def _check_channels(layer: str, what: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise ValueError(f"{layer}: {what} must be a positive int, got {value!r}")
