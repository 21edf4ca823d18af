"""DeZero's ``dezero.transforms``: small callables applied to each example of a ``Dataset``.

They work on NumPy arrays (images as ``(C, H, W)``); none needs an extra library.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from plugrad.typing import Array

Transform = Callable[[Any], Any]


class Compose:
    """Apply ``transforms`` in order."""

    def __init__(self, transforms: Sequence[Transform] = ()) -> None:
        self.transforms = list(transforms)

    def __call__(self, img: Any) -> Any:
        for t in self.transforms:
            img = t(img)
        return img


class ToArray:
    """An image as a ``(C, H, W)`` array of ``dtype``; arrays pass through unchanged.

    Objects that NumPy can convert (a PIL image, for one) become ``(H, W, C)`` arrays first,
    then are transposed, as DeZero does.
    """

    def __init__(self, dtype: Any = np.float32) -> None:
        self.dtype = dtype

    def __call__(self, img: Any) -> Array:
        if isinstance(img, np.ndarray):
            return img
        array = np.asarray(img)
        if array.ndim == 2:
            array = array[:, :, np.newaxis]
        if array.ndim != 3:
            raise ValueError(f"ToArray: expected an image, got an array of shape {array.shape}")
        return array.transpose(2, 0, 1).astype(self.dtype)


class Normalize:
    """``(array - mean) / std``; ``mean`` and ``std`` are numbers or one value per channel."""

    def __init__(self, mean: float | Sequence[float] = 0.0, std: float | Sequence[float] = 1.0):
        self.mean = mean
        self.std = std

    def __call__(self, array: Array) -> Array:
        mean = _per_channel(self.mean, array)
        std = _per_channel(self.std, array)
        result: Array = (array - mean) / std
        return result


def _per_channel(value: float | Sequence[float], array: Array) -> Any:
    if np.isscalar(value):
        return value  # a Python number keeps a float32 array float32
    values = np.asarray(value, dtype=array.dtype if array.dtype.kind == "f" else np.float64)
    shape = [1] * array.ndim
    shape[0] = len(values)
    return values.reshape(shape)


class Flatten:
    """The array as 1-D."""

    def __call__(self, array: Array) -> Array:
        return array.flatten()


class AsType:
    """The array converted to ``dtype``."""

    def __init__(self, dtype: Any = np.float32) -> None:
        self.dtype = dtype

    def __call__(self, array: Array) -> Array:
        return array.astype(self.dtype)


ToFloat = AsType


class ToInt(AsType):
    """The array converted to an integer dtype (``int64`` by default)."""

    def __init__(self, dtype: Any = np.int64) -> None:
        super().__init__(dtype)


class RandomHorizontalFlip:
    """Flip a ``(..., H, W)`` array left-right with probability ``p`` (NumPy's global RNG)."""

    def __init__(self, p: float = 0.5) -> None:
        self.p = p

    def __call__(self, array: Array) -> Array:
        if np.random.rand() < self.p:
            return array[..., ::-1].copy()
        return array


class CenterCrop:
    """The central ``size`` (an int or ``(height, width)``) of a ``(..., H, W)`` array."""

    def __init__(self, size: int | tuple[int, int]) -> None:
        self.size = (size, size) if isinstance(size, int) else size

    def __call__(self, array: Array) -> Array:
        height, width = array.shape[-2:]
        out_h, out_w = self.size
        if out_h > height or out_w > width:
            raise ValueError(
                f"CenterCrop: crop {self.size} is larger than the image ({height}, {width})"
            )
        top = (height - out_h) // 2
        left = (width - out_w) // 2
        return array[..., top : top + out_h, left : left + out_w]


__all__ = [
    "AsType",
    "CenterCrop",
    "Compose",
    "Flatten",
    "Normalize",
    "RandomHorizontalFlip",
    "ToArray",
    "ToFloat",
    "ToInt",
    "Transform",
]
